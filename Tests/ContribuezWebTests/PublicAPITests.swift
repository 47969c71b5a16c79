import ContribuezCore
import ContribuezOpenData
import ContribuezStore
import ContribuezWeb
import Foundation
import HTTPTypes
import Testing

@Suite("Open data read API (issue 12)")
struct PublicAPITests {
    /// The demo consultation with votes from a few citizens and an association, a formula-like proposal,
    /// a contribution hidden by moderation and an answer.
    static func server() async throws -> TestServer {
        let server = try await TestServer.make()
        let store = server.store, c = server.demo, t0 = TestServer.t0
        let article = try await server.firstArticle()
        var people: [Participant] = []
        for i in 0..<5 {
            people.append(try await store.createParticipant(
                NewParticipant(email: "od\(i)@example.fr", displayName: "Votant \(i)", kind: i == 4 ? .association : .citizen,
                               organization: i == 4 ? "Collectif Vélo" : nil, createdAt: t0), passwordHash: "h"))
        }
        let formula = try await store.addContribution(NewContribution(
            consultationID: c.id, kind: .proposal, articleID: nil, parentID: nil, authorID: people[0].id, authorName: people[0].publicName,
            title: "=SOMME(A1:A9)", body: "-1, \"citée\"\nsur deux lignes", createdAt: t0))
        let hidden = try await store.addContribution(NewContribution(
            consultationID: c.id, kind: .argument, articleID: article.id, parentID: nil, authorID: people[1].id, authorName: people[1].publicName,
            body: "Hors sujet", stance: .against, createdAt: t0))
        for (i, p) in people.enumerated() {
            _ = try await store.castVote(participantID: p.id, target: .article(article.id), value: [.agree, .mixed, .disagree][i % 3], at: t0 + Double(i))
            _ = try await store.castVote(participantID: p.id, target: .contribution(formula.id), value: .agree, at: t0 + 10 + Double(i))
        }
        let audit = { (action: AuditAction, target: ID) in
            AuditEntry(consultationID: c.id, actorID: nil, actorName: "test", action: action, targetKind: "contribution", targetID: target, at: t0)
        }
        _ = try await store.moderate(contributionID: hidden.id, action: .hide, reason: .offTopic, at: t0 + 20, audit: audit(.hide, hidden.id))
        _ = try await store.addAnswer(
            contributionID: formula.id, status: .aLEtude, text: "À l'étude.", answererID: nil, answererName: "Ministère", at: t0 + 30,
            audit: audit(.answer, formula.id), notifications: [])
        return server
    }

    static func publish(_ server: TestServer) async throws {
        try await server.store.setOpenDataPublication(
            consultationID: server.demo.id, OpenDataPublication(atClosing: true, publishedAt: TestServer.t0),
            audit: AuditEntry(consultationID: server.demo.id, actorID: nil, actorName: "test", action: .editConsultation,
                              targetKind: "consultation", targetID: server.demo.id, reason: "open_data_published", at: TestServer.t0))
    }

    /// A held debate with its report (issue 15), so the debate tables have rows.
    static func fileDebateReport(_ server: TestServer) async throws {
        let a = try await server.firstArticle()
        let organiser = try await server.store.createParticipant(
            NewParticipant(email: "debat@example.fr", displayName: "Orga", kind: .citizen, organization: nil, createdAt: TestServer.t0), passwordHash: "h")
        let d = try await server.store.createDebate(NewDebate(
            consultationID: server.demo.id, organiserID: organiser.id, organiserKind: .person, organiserName: "Orga", title: "Débat",
            description: "", startsAt: TestServer.t0 - 7200, endsAt: TestServer.t0 - 3600, place: .online(url: "https://visio.example.fr/d"),
            stepFree: .unknown, accessibilityNotes: "", capacity: 20, createdAt: TestServer.t0 - 86_400))
        _ = try await server.store.fileDebateReport(NewDebateReport(
            debateID: d.id, consultationID: server.demo.id, filedBy: organiser.id, attendance: 12, synthesis: "=Synthèse", source: .csv,
            filedAt: TestServer.t0, votes: [DebateArticleCount(articleID: a.id, agree: 5, mixed: nil, disagree: 2)],
            contributions: [NewContribution(consultationID: server.demo.id, kind: .argument, articleID: a.id, parentID: nil, authorID: organiser.id,
                                            authorName: "Orga", body: "Argument de la salle", stance: .for, createdAt: TestServer.t0)],
            held: false, attachments: [], audit: nil,
            profile: [DebateProfileCount(question: .sex, code: "F", count: 7), DebateProfileCount(question: .age, code: "75+", count: 2)]))
    }

    /// Every row of a table through the API, following `next`.
    static func allRows(_ b: Browser, _ consultationID: ID, _ table: String, perPage: Int, token: String? = nil) async throws -> [[String]] {
        var rows: [[String]] = []
        var next: String? = "/consultations/\(consultationID)/open-data/\(table)?page=1&per_page=\(perPage)"
        var pages = 0
        while let path = next {
            let r = try await b.api(.get, path, token: token)
            #expect(r.status == .ok, "\(path): \(r.body)")
            rows += try #require(r.json["rows"] as? [[String]], "\(path)")
            next = (r.json["next"] as? String).map { String($0.dropFirst(APIRoute.prefix.count)) }
            pages += 1
            if pages > 1_000 { Issue.record("no end"); break }
        }
        return rows
    }

    @Test("every table served equals the same table of the open-data package, row for row and cell for cell")
    func sameRowsAsThePackage() async throws {
        // setup
        let server = try await Self.server()
        try await Self.publish(server)
        try await Self.fileDebateReport(server)
        let sink = try await OpenDataPackage.write(consultation: server.demo, store: server.store, exportedAt: server.clock.now(), to: MemorySink())
        let zip = try ZipReader(bytes: sink.bytes)
        try await server.run { b in
            for table in OpenDataFormat.tables {
                // act
                let served = try await Self.allRows(b, server.demo.id, table.name, perPage: 7)
                // check
                var reader = CSVReader(bytes: try zip.read(table.path))
                #expect(try reader.next() == table.columns)
                var expected: [[String]] = []
                while let row = try reader.next() { expected.append(table.restore(row)) }
                #expect(served == expected, "\(table.name)")
                #expect(!served.isEmpty || ["text_versions", "article_versions", "uptakes"].contains(table.name), "\(table.name) is empty")
            }
        }
    }

    @Test("before publication: 404 for the public, the organisers read it without any shared cache")
    func publicationRule() async throws {
        // setup
        let server = try await Self.server()
        try await server.run { b in
            let token = try await b.apiAccount("orga@example.fr")
            let organiser = try #require(try await server.store.credentials(email: "orga@example.fr")).participant
            try await server.makeOrganiser(organiser.id)
            let path = "/consultations/\(server.demo.id)/open-data/votes"
            // act
            let anonymous = try await b.api(.get, path)
            let stranger = try await b.api(.get, path, token: try await b.apiAccount("autre@example.fr"))
            let organisers = try await b.api(.get, path, token: token)
            let index = try await b.api(.get, "/consultations/\(server.demo.id)/open-data", token: token)
            try await Self.publish(server)
            let published = try await b.api(.get, path)
            // check
            #expect(anonymous.status == .notFound)
            #expect(anonymous.headers[.contentType] == "application/problem+json")
            #expect(stranger.status == .notFound)
            #expect(organisers.status == .ok)
            #expect(organisers.headers[.cacheControl] == "private, no-store")
            #expect(index.json["isPublic"] as? Bool == false)
            #expect(published.status == .ok)
            #expect(published.headers[.cacheControl] == "public, max-age=30", "open consultation: votes still move")
            #expect(published.body == organisers.body)
            #expect(!published.body.contains("example.fr") && !published.body.contains("Votant"))
        }
    }

    @Test("a page has an ETag, a matching If-None-Match answers 304, and closing lengthens the cache")
    func caching() async throws {
        // setup
        let server = try await Self.server()
        try await Self.publish(server)
        try await server.run { b in
            let path = "/api/v1/consultations/\(server.demo.id)/open-data/tallies?per_page=3"
            // act
            let first = try await b.get(path)
            let etag = try #require(first.headers[.eTag])
            let again = try await b.get(path, headers: [.ifNoneMatch: etag])
            let voter = try await server.store.createParticipant(
                NewParticipant(email: "late@example.fr", displayName: "Tardif", kind: .citizen, organization: nil, createdAt: server.clock.now()), passwordHash: "h")
            _ = try await server.store.castVote(participantID: voter.id, target: .article(try await server.firstArticle().id), value: .disagree, at: server.clock.now())
            let changed = try await b.get(path, headers: [.ifNoneMatch: etag])
            server.clock.set(server.demo.closesAt + 1)
            let closed = try await b.get(path)
            // check
            #expect(first.status == .ok)
            #expect(again.status == .notModified)
            #expect(again.body.isEmpty)
            #expect(changed.status == .ok, "a new vote changes the first article's tally")
            #expect(changed.headers[.eTag] != etag)
            #expect(closed.headers[.cacheControl] == "public, max-age=300")
        }
    }

    @Test("pages link to their neighbours with Link headers and next / prev fields")
    func links() async throws {
        // setup
        let server = try await Self.server()
        try await Self.publish(server)
        try await server.run { b in
            let id = server.demo.id
            let all = try await Self.allRows(b, id, "votes", perPage: 1_000 / 2)
            // act
            let first = try await b.api(.get, "/consultations/\(id)/open-data/votes?per_page=4")
            let second = try await b.api(.get, "/consultations/\(id)/open-data/votes?page=2&per_page=4")
            let last = try await b.api(.get, "/consultations/\(id)/open-data/votes?page=\((all.count + 3) / 4)&per_page=4")
            let beyond = try await b.api(.get, "/consultations/\(id)/open-data/votes?page=\((all.count + 3) / 4 + 1)&per_page=4")
            // check
            #expect(all.count >= 10)
            #expect(first.json["columns"] as? [String] == OpenDataFormat.votes.columns)
            #expect(first.json["page"] as? Int == 1 && first.json["perPage"] as? Int == 4)
            #expect((first.json["rows"] as? [[String]])?.count == 4)
            #expect(first.json["prev"] == nil)
            #expect(first.json["next"] as? String == "/api/v1/consultations/\(id)/open-data/votes?page=2&per_page=4")
            #expect(first.headers[HTTPField.Name("Link")!] == "</api/v1/consultations/\(id)/open-data/votes?page=2&per_page=4>; rel=\"next\"")
            #expect(second.headers[HTTPField.Name("Link")!] == "</api/v1/consultations/\(id)/open-data/votes?page=3&per_page=4>; rel=\"next\", </api/v1/consultations/\(id)/open-data/votes?page=1&per_page=4>; rel=\"prev\"")
            #expect(Array(all[4..<8]) == second.json["rows"] as? [[String]])
            #expect(last.json["next"] == nil)
            #expect(!(last.json["rows"] as? [[String]] ?? []).isEmpty)
            #expect(beyond.status == .ok)
            #expect((beyond.json["rows"] as? [[String]]) == [])
        }
    }

    @Test("a bad table, page or per_page answers 422 naming the field; a synthesis table before any synthesis 404")
    func badRequests() async throws {
        // setup
        let server = try await Self.server()
        try await Self.publish(server)
        try await server.run { b in
            let base = "/consultations/\(server.demo.id)/open-data"
            // act
            let table = try await b.api(.get, base + "/emails")
            let page0 = try await b.api(.get, base + "/votes?page=0")
            let pageText = try await b.api(.get, base + "/votes?page=deux")
            let tooMany = try await b.api(.get, base + "/votes?per_page=501")
            let both = try await b.api(.get, "/consultations/999999/open-data/nope?per_page=0")
            let synthesis = try await b.api(.get, base + "/synthesis_groups")
            let index = try await b.api(.get, base)
            // check
            func fields(_ r: Reply) -> [String] { (r.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String } }
            for r in [table, page0, pageText, tooMany, both] {
                #expect(r.status == .unprocessableContent, "\(r.body)")
                #expect(r.headers[.contentType] == "application/problem+json")
                #expect(r.json["type"] as? String == "urn:contribuez:problem:invalid")
            }
            #expect(fields(table) == ["table"])
            let accepted = (table.json["errors"] as? [[String: Any]])?.first?["accepted"] as? [String]
            #expect(accepted?.contains("votes") == true && accepted?.contains("synthesis_clusters") == true)
            #expect(fields(page0) == ["page"] && fields(pageText) == ["page"])
            #expect(fields(tooMany) == ["per_page"])
            #expect(fields(both) == ["table", "per_page"])
            #expect(synthesis.status == .notFound)
            let names = (index.json["tables"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(names == OpenDataFormat.tables.map(\.name))
        }
    }
}
