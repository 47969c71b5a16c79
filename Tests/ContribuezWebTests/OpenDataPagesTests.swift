import ContribuezCore
import ContribuezOpenData
import Foundation
import HTTPTypes
import Testing

@Suite("Open-data download and publication pages (issue 12)")
struct OpenDataPagesTests {
    @Test("before publication the package is 404 for the public and a participant, a streamed ZIP for an organiser")
    func beforePublication() async throws {
        // setup
        let server = try await TestServer.make()
        let path = "/consultations/\(server.demo.id)/donnees.zip"
        try await server.run { b in
            // act
            let anonymous = try await b.get(path)
            let page = try await b.get("/consultations/\(server.demo.id)")
            try await b.signUp(email: "orga@example.org", name: "Orga")
            let participant = try await b.get(path)
            let orga = try #require(try await server.store.participant(email: "orga@example.org"))
            try await server.makeOrganiser(orga.id)
            let organiser = try await b.get(path)
            let organiserPage = try await b.get("/consultations/\(server.demo.id)/organiser")
            // check
            #expect(server.demo.phase(at: server.clock.now()) == .open)
            #expect(anonymous.status == .notFound && participant.status == .notFound)
            #expect(!page.body.contains("donnees.zip"), "no public link before publication")
            #expect(organiser.status == .ok)
            #expect(organiser.headers[.contentType] == "application/zip")
            #expect(organiser.headers[.contentDisposition] == "attachment; filename=\"\(server.demo.slug)-donnees.zip\"")
            #expect(organiser.headers[.cacheControl] == "private, no-store")
            let zip = try ZipReader(bytes: organiser.bytes)
            #expect(Set(zip.entries.map(\.name)).isSuperset(of: OpenDataFormat.tables.map(\.path) + ["datapackage.json", "README.md"]))
            #expect(organiserPage.body.contains("id=\"donnees\"") && organiserPage.body.contains(path))
            #expect(organiserPage.body.contains("value=\"publish\""))
        }
    }

    @Test("an organiser publishes: the package becomes public and the consultation page links it; taking it back hides it again")
    func publishAndUnpublish() async throws {
        // setup
        let server = try await TestServer.make()
        let path = "/consultations/\(server.demo.id)/donnees.zip"
        try await server.run { b in
            try await b.signUp(email: "orga@example.org", name: "Orga")
            let orga = try #require(try await server.store.participant(email: "orga@example.org"))
            try await server.makeOrganiser(orga.id)
            _ = try await b.get("/consultations/\(server.demo.id)/organiser")
            // act
            let published = try await b.post("/consultations/\(server.demo.id)/organiser/donnees", [("intent", "publish")])
            let visitor = Browser(client: b.client)
            let publicDownload = try await visitor.get(path)
            let publicPage = try await visitor.get("/consultations/\(server.demo.id)")
            _ = try await b.get("/consultations/\(server.demo.id)/organiser")
            let unpublished = try await b.post("/consultations/\(server.demo.id)/organiser/donnees", [("intent", "unpublish")])
            let afterUnpublish = try await visitor.get(path)
            let badIntent = try await b.post("/consultations/\(server.demo.id)/organiser/donnees", [("intent", "nimporte")])
            let noCSRF = try await b.post("/consultations/\(server.demo.id)/organiser/donnees", [("intent", "publish")], csrf: "faux")
            // check
            #expect(published.status == .seeOther)
            #expect(publicDownload.status == .ok && publicDownload.headers[.contentType] == "application/zip")
            #expect(publicDownload.headers[.cacheControl] == "public, max-age=300")
            #expect(publicPage.body.contains("href=\"\(path)\""))
            #expect(unpublished.status == .seeOther)
            #expect(afterUnpublish.status == .notFound)
            #expect(badIntent.status == .unprocessableContent)
            #expect(noCSRF.status == .forbidden)
            let audit = try await server.store.auditEntries(consultationID: server.demo.id, page: PageRequest(page: 1, perPage: 50)).items
            #expect(audit.contains { $0.detail == "open_data_published" } && audit.contains { $0.detail == "open_data_unpublished" })
        }
    }

    @Test("at closing the package is public unless the organiser turned that off; a participant cannot change it")
    func atClosing() async throws {
        // setup
        let server = try await TestServer.make()
        let path = "/consultations/\(server.demo.id)/donnees.zip"
        try await server.run { b in
            let visitor = Browser(client: b.client)
            // act
            let open = try await visitor.get(path)
            server.clock.set(server.demo.closesAt + 1)
            let closed = try await visitor.get(path)
            try await b.signUp(email: "orga@example.org", name: "Orga")
            let orga = try #require(try await server.store.participant(email: "orga@example.org"))
            _ = try await b.get("/consultations/\(server.demo.id)")
            let refused = try await b.post("/consultations/\(server.demo.id)/organiser/donnees", [("intent", "publish")])
            try await server.makeOrganiser(orga.id)
            _ = try await b.get("/consultations/\(server.demo.id)/organiser")
            let off = try await b.post("/consultations/\(server.demo.id)/organiser/donnees", [("intent", "at_closing_off")])
            let closedButOff = try await visitor.get(path)
            let stillOrganiser = try await b.get(path)
            // check
            #expect(open.status == .notFound)
            #expect(refused.status == .forbidden)
            #expect(closed.status == .ok)
            #expect(off.status == .seeOther)
            #expect(closedButOff.status == .notFound)
            #expect(stillOrganiser.status == .ok)
            #expect(try await server.store.openDataPublication(consultationID: server.demo.id) == OpenDataPublication(atClosing: false, publishedAt: nil))
            let missing = try await visitor.get("/consultations/999999/donnees.zip")
            #expect(missing.status == .notFound)
        }
    }
}
