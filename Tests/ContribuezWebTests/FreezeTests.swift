import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ContribuezWeb

/// « Ce n'était pas moi », the review of frozen accounts and sign-up bursts (issue 13).
@Suite("Frozen accounts and sign-up bursts")
struct FreezeTests {
    static let password = "cheval agrafe pile"

    /// The « ce n'était pas moi » path of the last welcome mail queued for `to`.
    static func link(_ server: TestServer, to: String) async throws -> String {
        let mails = try await server.store.dueMails(at: server.clock.now() + 1, limit: 1_000).filter { $0.kind == "welcome" && $0.to == to }
        let text = try #require(mails.last?.text)
        let start = try #require(text.range(of: "http://localhost:8080/compte/pas-moi/"))
        return "/compte/pas-moi/" + String(text[start.upperBound...].prefix { !$0.isWhitespace })
    }

    /// An account that wrote a proposal (visible) and voted on the first article; returns its id and the proposal's.
    static func author(_ server: TestServer, _ b: Browser, _ email: String) async throws -> (id: ID, proposal: ID) {
        try await b.signUp(email: email, name: "Usurpateur")
        let me = try #require(try await server.store.participant(email: email))
        try await b.get("/consultations/\(server.demo.id)/proposals")
        let posted = try await b.post("/consultations/\(server.demo.id)/proposals", [("title", "Proposition usurpée"), ("text", "Écrite par quelqu'un d'autre.")])
        #expect(posted.status == .seeOther, "\(posted.status)")
        let article = try await server.firstArticle()
        try await b.get("/articles/\(article.id)")
        #expect(try await b.post("/articles/\(article.id)/vote", [("value", "agree")]).status == .seeOther)
        let proposal = try #require(try await server.store.personalContributions(participantID: me.id, after: 0, limit: 10).first)
        return (me.id, proposal.id)
    }

    @Test("sign-up mails a welcome with a link; its GET changes nothing, its POST freezes: no sign-in (403, page and API), sessions ended, contributions hidden")
    func disavow() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            let (id, proposal) = try await Self.author(server, b, "victime@example.fr")
            let path = try await Self.link(server, to: "victime@example.fr")
            let owner = Browser(client: b.client)
            // act 1: the owner of the address opens the link (twice: mail scanners do)
            let page = try await owner.get(path)
            let again = try await owner.get(path)
            let stillVisible = try await b.get("/contributions/\(proposal)")
            // check 1
            #expect(page.status == .ok && again.status == .ok)
            #expect(page.body.contains("Ce n’était pas moi : bloquer ce compte"))
            #expect(try await server.store.accountFreeze(participantID: id) == nil, "a GET freezes nothing")
            #expect(stillVisible.body.contains("Proposition usurpée"))
            // act 2
            let done = try await owner.post(path, [])
            let reused = try await owner.post(path, [])
            let unknown = try await owner.get("/compte/pas-moi/" + String(repeating: "A", count: 43))
            // check 2
            #expect(done.status == .ok && done.body.contains("Le compte est bloqué"))
            #expect(reused.status == .gone && unknown.status == .notFound)
            let freeze = try #require(try await server.store.accountFreeze(participantID: id))
            #expect(freeze.origin == .disavowed && freeze.hiddenContributions == 1)
            #expect(try await b.get("/compte").status != .ok, "the impostor's session was ended")
            let hidden = try #require(try await server.store.contribution(id: proposal))
            #expect(hidden.isHidden)
            let relog = Browser(client: b.client)
            try await relog.get("/signin")
            let refused = try await relog.post("/signin", [("email", "victime@example.fr"), ("password", Self.password)])
            #expect(refused.status == .forbidden && refused.body.contains("Ce compte est bloqué"))
            let api = try await b.api(.post, "/sessions", json: ["email": "victime@example.fr", "password": Self.password])
            #expect(api.status == .forbidden && api.json["type"] as? String == "urn:contribuez:problem:account_frozen", "\(api.body)")
            let wrong = try await b.api(.post, "/sessions", json: ["email": "victime@example.fr", "password": "pas le bon mot de passe"])
            #expect(wrong.status == .unauthorized, "without the password, nothing tells the account is frozen")
            let audit = try await server.store.auditEntries(consultationID: nil, page: PageRequest(page: 1, perPage: 100)).items
            #expect(audit.contains { $0.action == .freezeAccount && $0.targetID == id && $0.reason == "disavowed" })
        }
    }

    @Test("moderators see frozen accounts; lifting needs a reason and restores the account and exactly what the freeze hid")
    func lift() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            let (id, proposal) = try await Self.author(server, b, "legitime@example.fr")
            let owner = Browser(client: b.client)
            let path = try await Self.link(server, to: "legitime@example.fr")
            try await owner.get(path)
            _ = try await owner.post(path, [])
            let moderator = Browser(client: b.client)
            try await moderator.signUp(email: "moderatrice@example.fr", name: "Modératrice")
            try await server.makeOrganiser(try #require(try await server.store.participant(email: "moderatrice@example.fr")).id, role: .moderator)
            let participant = Browser(client: b.client)
            try await participant.signUp(email: "curieux@example.fr")
            // act
            let list = try await moderator.get("/moderation/comptes")
            let forbidden = try await participant.get("/moderation/comptes")
            let noReason = try await moderator.post("/moderation/comptes/\(id)/revue", [("decision", "lift"), ("reason", "")])
            let noDecision = try await moderator.post("/moderation/comptes/\(id)/revue", [("decision", "peut-être"), ("reason", "vérifié par téléphone")])
            let byParticipant = try await participant.post("/moderation/comptes/\(id)/revue", [("decision", "lift"), ("reason", "moi aussi")])
            let frozenStill = try await server.store.accountFreeze(participantID: id)
            let lifted = try await moderator.post("/moderation/comptes/\(id)/revue", [("decision", "lift"), ("reason", "vérifié par téléphone")])
            let twice = try await moderator.post("/moderation/comptes/\(id)/revue", [("decision", "lift"), ("reason", "vérifié par téléphone")])
            // check
            #expect(list.status == .ok && list.body.contains("Usurpateur") && list.body.contains("ce n’était pas moi"))
            #expect(list.body.contains("1 contribution(s) masquée(s)"))
            #expect(forbidden.status == .forbidden)
            #expect(noReason.status == .unprocessableContent && noDecision.status == .unprocessableContent)
            #expect(noDecision.body.contains("Décision"), "the field is named")
            #expect(byParticipant.status == .forbidden)
            #expect(frozenStill != nil, "refusals change nothing")
            #expect(lifted.status == .seeOther)
            #expect(twice.status == .notFound)
            #expect(try await server.store.accountFreeze(participantID: id) == nil)
            #expect(try await server.store.contribution(id: proposal)?.isHidden == false, "what the freeze hid is visible again")
            let back = Browser(client: b.client)
            try await back.get("/signin")
            #expect(try await back.post("/signin", [("email", "legitime@example.fr"), ("password", Self.password)]).status == .seeOther)
            let audit = try await server.store.auditEntries(consultationID: nil, page: PageRequest(page: 1, perPage: 100)).items
            #expect(audit.contains { $0.action == .unfreezeAccount && $0.targetID == id && $0.reason == "vérifié par téléphone" })
        }
    }

    @Test("upholding deletes the account: its contributions are erased and its votes withdrawn from the tallies")
    func uphold() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            let article = try await server.firstArticle()
            let before = try await server.store.tallies([.article(article.id)])[.article(article.id)]
            let (id, proposal) = try await Self.author(server, b, "faux@example.fr")
            let owner = Browser(client: b.client)
            let path = try await Self.link(server, to: "faux@example.fr")
            try await owner.get(path)
            _ = try await owner.post(path, [])
            let admin = Browser(client: b.client)
            try await admin.signUp(email: "admin@example.fr", name: "Admin")
            _ = try await server.store.setRole(participantID: try #require(try await server.store.participant(email: "admin@example.fr")).id, role: .admin)
            // act
            try await admin.get("/moderation/comptes")
            let upheld = try await admin.post("/moderation/comptes/\(id)/revue", [("decision", "uphold"), ("reason", "adresse usurpée")])
            // check
            #expect(upheld.status == .seeOther)
            #expect(try await server.store.participant(id: id) == nil)
            let erased = try #require(try await server.store.contribution(id: proposal))
            #expect(erased.erasedAt != nil && erased.authorID == nil)
            #expect(try await server.store.tallies([.article(article.id)])[.article(article.id)] == before, "the vote was withdrawn")
            let audit = try await server.store.auditEntries(consultationID: nil, page: PageRequest(page: 1, perPage: 100)).items
            #expect(audit.contains { $0.action == .upholdFreeze && $0.targetID == id })
        }
    }

    @Test("ten sign-ups from one /24 within the hour are listed as a burst (not those of another network); a moderator freezes one of them")
    func bursts() async throws {
        let made = try await TestServer.make()
        var deps = made.deps
        deps.rateLimits.trustedProxies = try TrustedProxies(["127.0.0.1", "::1"])
        deps.rateLimits.policy = .off
        let server = TestServer(store: made.store, clock: made.clock, deps: deps, demo: made.demo)
        let app = Application(router: buildRouter(server.deps))
        try await app.test(.live) { client in
            let b = Browser(client: client)
            func signUp(_ i: Int, from address: String) async throws -> ID {
                let body = try JSONSerialization.data(withJSONObject: [
                    "email": "rafale\(i)@example.fr", "password": Self.password, "displayName": "Rafale \(i)", "kind": "citizen"])
                let r = try await b.request(.post, "/api/v1/accounts", headers: [
                    .contentType: "application/json", HTTPField.Name("X-Forwarded-For")!: "\(address), 127.0.0.1",
                ], body: String(decoding: body, as: UTF8.self))
                #expect(r.status == .created)
                return try #require(r.json["id"] as? Int).int64
            }
            var ids: [ID] = []
            for i in 0..<10 { ids.append(try await signUp(i, from: "198.51.100.\(10 + i)")) }
            for i in 10..<19 { _ = try await signUp(i, from: "203.0.113.\(i)") }
            let moderator = Browser(client: client)
            try await moderator.signUp(email: "veille@example.fr", name: "Veille")
            try await server.makeOrganiser(try #require(try await server.store.participant(email: "veille@example.fr")).id, role: .moderator)
            // act
            let page = try await moderator.get("/moderation/comptes?periode=1h")
            let badPeriod = try await moderator.get("/moderation/comptes?periode=1an")
            let frozen = try await moderator.post("/moderation/comptes/\(ids[3])/gel", [("reason", "Rafale d’inscriptions depuis un même réseau")])
            let again = try await moderator.post("/moderation/comptes/\(ids[3])/gel", [("reason", "encore")])
            let staff = try await moderator.post("/moderation/comptes/\(try #require(try await server.store.participant(email: "veille@example.fr")).id)/gel",
                                                 [("reason", "moi-même")])
            server.clock.advance(by: 2 * 3_600)
            let later = try await moderator.get("/moderation/comptes?periode=1h")
            // check
            #expect(page.status == .ok)
            #expect(page.body.contains("10 inscriptions depuis le réseau"), "one burst of 10")
            #expect(!page.body.contains("9 inscriptions"), "the other network's 9 sign-ups are under the threshold")
            #expect(page.body.contains("Rafale 3") && !page.body.contains("Rafale 12"))
            #expect(!page.body.contains("198.51.100"), "no address on the page")
            #expect(badPeriod.status == .badRequest)
            #expect(frozen.status == .seeOther && again.status == .conflict)
            #expect(staff.status == .forbidden, "a moderator does not freeze staff, themselves included")
            let freeze = try #require(try await server.store.accountFreeze(participantID: ids[3]))
            #expect(freeze.origin == .moderator && freeze.reason.hasPrefix("Rafale"))
            #expect(later.body.contains("Aucune rafale sur cette période"))
            #expect(try await server.store.signUpBursts(since: .distantPast, minimum: 10, page: PageRequest(page: 1, perPage: 10)).items.first?.accounts
                .first { $0.participantID == ids[3] }?.frozen == true)
        }
    }
}
