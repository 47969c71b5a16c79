import ContribuezCore
import ContribuezOpenData
import ContribuezStore
@testable import ContribuezWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 13, deliverable 6: the concurrent-identical-requests test (APITests' fifty votes) extended to every
/// counted action — opinion votes, useful-votes, withdrawals, reports, follows — through the API and a form:
/// N identical requests in parallel from one participant make exactly one effect and consistent counters.
/// (Decidim had a race that let parallel requests endorse twice.) Runs on both backends
/// (`CONTRIBUEZ_TEST_BACKEND=postgres`).
@Suite("Races on counted actions (issue 13)")
struct RaceTests {
    static let n = 40

    /// The test server without rate limits (a limit would refuse some requests and hide a race).
    static func server() async throws -> TestServer {
        let s = try await TestServer.make()
        var deps = s.deps
        deps.rateLimits = RateLimitSettings(policy: .off)
        return TestServer(store: s.store, clock: s.clock, deps: deps, demo: s.demo)
    }

    /// Sends `n` copies of one request at once, each on its own connection state; returns the statuses.
    static func burst(_ b: Browser, _ n: Int = RaceTests.n, _ send: @escaping @Sendable (Browser) async throws -> Reply) async throws -> [HTTPResponse.Status] {
        try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
            for _ in 0..<n {
                group.addTask {
                    let c = Browser(client: b.client)
                    c.cookies = b.cookies
                    c.lastCSRF = b.lastCSRF
                    c.lastStamp = b.lastStamp
                    return try await send(c).status
                }
            }
            var all: [HTTPResponse.Status] = []
            for try await s in group { all.append(s) }
            return all
        }
    }

    /// Vote events of one participant on one target, from the append-only log.
    static func events(_ server: TestServer, _ participant: ID, _ target: Target) async throws -> [VoteEvent] {
        try await server.store.voteEvents(after: 0, limit: 100_000).filter { $0.participantID == participant && $0.target == target }
    }

    static func account(_ b: Browser, _ server: TestServer, _ email: String) async throws -> (token: String, id: ID) {
        let token = try await b.apiAccount(email)
        let p = try #require(try await server.store.participant(email: email))
        return (token, p.id)
    }

    /// Rows of one CSV of the participant's personal-data export (the product's own account of what it holds).
    static func exportRows(_ b: Browser, token: String, _ file: String) async throws -> [String] {
        let zip = try await b.binary(.get, "/api/v1/me/export", bearer: token)
        #expect(zip.status == .ok)
        let text = String(decoding: try zip.zip().read(file), as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).dropFirst().map(String.init)
    }

    @Test("N identical opinion votes in parallel (API and form) store one vote, one event, and the tally moves by one")
    func opinionVotes() async throws {
        // setup
        let server = try await Self.server()
        let article = try await server.firstArticle()
        let before = try await server.store.tallies([.article(article.id)])[.article(article.id)] ?? .zero
        try await server.run { b in
            let me = try await Self.account(b, server, "course-vote@example.fr")
            try await b.signUp(email: "course-formulaire@example.fr")
            let formVoter = try #require(try await server.store.participant(email: "course-formulaire@example.fr"))
            try await b.get("/articles/\(article.id)")
            // act
            let api = try await Self.burst(b) { c in
                try await c.api(.put, "/articles/\(article.id)/vote", token: me.token, json: ["value": "agree"])
            }
            let form = try await Self.burst(b) { c in
                try await c.post("/articles/\(article.id)/vote", [("value", "agree")])
            }
            // check
            #expect(api.allSatisfy { $0 == .ok }, "\(api)")
            #expect(form.allSatisfy { $0 == .seeOther }, "\(form)")
            let after = try #require(try await server.store.tallies([.article(article.id)])[.article(article.id)])
            #expect(after == Tally(agree: before.agree + 2, mixed: before.mixed, disagree: before.disagree))
            #expect(try await Self.events(server, me.id, .article(article.id)).count == 1)
            #expect(try await Self.events(server, formVoter.id, .article(article.id)).count == 1)
            #expect(try await Self.exportRows(b, token: me.token, "votes.csv").count == 1)
        }
    }

    @Test("N identical changes then N identical withdrawals in parallel: one change event, one withdrawal, the tally back where it was")
    func changesAndWithdrawals() async throws {
        // setup
        let server = try await Self.server()
        let article = try await server.firstArticle()
        let before = try await server.store.tallies([.article(article.id)])[.article(article.id)] ?? .zero
        try await server.run { b in
            let me = try await Self.account(b, server, "course-retrait@example.fr")
            let first = try await b.api(.put, "/articles/\(article.id)/vote", token: me.token, json: ["value": "agree"])
            #expect(first.status == .ok)
            // act
            let changes = try await Self.burst(b) { c in
                try await c.api(.put, "/articles/\(article.id)/vote", token: me.token, json: ["value": "disagree"])
            }
            let middle = try #require(try await server.store.tallies([.article(article.id)])[.article(article.id)])
            let withdrawals = try await Self.burst(b) { c in
                try await c.api(.delete, "/articles/\(article.id)/vote", token: me.token)
            }
            // check
            #expect(changes.allSatisfy { $0 == .ok }, "\(changes)")
            #expect(middle == Tally(agree: before.agree, mixed: before.mixed, disagree: before.disagree + 1))
            #expect(withdrawals.allSatisfy { $0 == .noContent || $0 == .notFound }, "\(withdrawals)")
            #expect(try await server.store.tallies([.article(article.id)])[.article(article.id)] ?? .zero == before)
            let events = try await Self.events(server, me.id, .article(article.id))
            #expect(events.map(\.value) == [.agree, .disagree, nil], "cast, one change, one withdrawal")
        }
    }

    @Test("N identical useful-votes on an argument in parallel (API and form) count once each")
    func usefulVotes() async throws {
        // setup
        let server = try await Self.server()
        let article = try await server.firstArticle()
        try await server.run { b in
            let author = try await Self.account(b, server, "course-auteur@example.fr")
            let argued = try await b.api(.post, "/articles/\(article.id)/arguments", token: author.token, json: ["stance": "for", "text": "Un argument utile."])
            let argument = ID(try #require(argued.json["id"] as? Int))
            let me = try await Self.account(b, server, "course-utile@example.fr")
            try await b.signUp(email: "course-utile-form@example.fr")
            try await b.get("/contributions/\(argument)")
            // act
            let api = try await Self.burst(b) { c in
                try await c.api(.put, "/contributions/\(argument)/vote", token: me.token, json: ["value": "useful"])
            }
            let form = try await Self.burst(b) { c in
                try await c.post("/contributions/\(argument)/vote", [("value", "useful")])
            }
            // check
            #expect(api.allSatisfy { $0 == .ok }, "\(api)")
            #expect(form.allSatisfy { $0 == .seeOther }, "\(form)")
            #expect(try await server.store.tallies([.contribution(argument)])[.contribution(argument)] == Tally(useful: 2))
            #expect(try await Self.events(server, me.id, .contribution(argument)).count == 1)
            let read = try await b.api(.get, "/contributions/\(argument)")
            #expect((read.json["tally"] as? [String: Int])?["useful"] == 2, "the API's counter agrees: \(read.body)")
        }
    }

    @Test("N identical reports in parallel store one report (the rest 409), and with another reporter's stay under the hiding threshold of 3")
    func reports() async throws {
        // setup
        let server = try await Self.server()
        let article = try await server.firstArticle()
        try await server.run { b in
            let author = try await Self.account(b, server, "course-signale@example.fr")
            let argued = try await b.api(.post, "/articles/\(article.id)/arguments", token: author.token, json: ["stance": "against", "text": "Un argument signalé."])
            let argument = ID(try #require(argued.json["id"] as? Int))
            let me = try await Self.account(b, server, "course-signaleur@example.fr")
            try await b.signUp(email: "course-signaleur-form@example.fr")
            try await b.get("/contributions/\(argument)")
            #expect(try #require(try await server.store.consultation(id: server.demo.id)).settings.reportThreshold == 3)
            // act
            let api = try await Self.burst(b) { c in
                try await c.api(.post, "/contributions/\(argument)/reports", token: me.token, json: ["reason": "spam"])
            }
            let form = try await Self.burst(b) { c in
                try await c.post("/contributions/\(argument)/signalement", [("reason", "spam")])
            }
            // check
            #expect(api.filter { $0 == .created }.count == 1, "\(api)")
            #expect(api.allSatisfy { $0 == .created || $0 == .conflict }, "\(api)")
            #expect(form.allSatisfy { $0.code < 500 }, "\(form)")
            let stored = try await server.store.reports(contributionID: argument)
            #expect(stored.count == 2, "one per participant: \(stored.count)")
            #expect(try await server.store.contribution(id: argument)?.isHidden == false, "two reporters stay under the threshold of 3")
            #expect(try await Self.exportRows(b, token: me.token, "reports.csv").count == 1)
        }
    }

    @Test("six participants each sending five identical reports at once hide the item once (threshold 3), with one audit entry and never two reports of one participant")
    func reportsHideOnce() async throws {
        // setup
        let server = try await Self.server()
        let article = try await server.firstArticle()
        try await server.run { b in
            let author = try await Self.account(b, server, "course-masque@example.fr")
            let argued = try await b.api(.post, "/articles/\(article.id)/arguments", token: author.token, json: ["stance": "against", "text": "Un argument masqué."])
            let argument = ID(try #require(argued.json["id"] as? Int))
            var tokens: [String] = []
            for i in 0..<6 { tokens.append(try await Self.account(b, server, "course-r\(i)@example.fr").token) }
            #expect(try #require(try await server.store.consultation(id: server.demo.id)).settings.reportThreshold == 3)
            let everyone = tokens
            // act: each of six reporters sends five identical reports, all thirty at once
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for token in everyone {
                    for _ in 0..<5 {
                        group.addTask {
                            try await Browser(client: b.client).api(.post, "/contributions/\(argument)/reports", token: token, json: ["reason": "spam"]).status
                        }
                    }
                }
                var all: [HTTPResponse.Status] = []
                for try await s in group { all.append(s) }
                return all
            }
            // check
            #expect(statuses.filter { $0 == .created }.count <= 6 && statuses.allSatisfy { $0.code < 500 }, "\(statuses)")
            let stored = try await server.store.reports(contributionID: argument)
            #expect(stored.count == Set(stored.map(\.participantID)).count, "never two reports of one participant")
            #expect(try await server.store.contribution(id: argument)?.isHidden == true)
            let audit = try await server.store.auditEntries(consultationID: server.demo.id, page: PageRequest(page: 1, perPage: 200))
            #expect(audit.items.filter { $0.action == .hideByReports && $0.targetID == argument }.count == 1, "hidden once")
        }
    }

    @Test("N identical follows in parallel (API and form) make one follow; N unfollows remove it")
    func follows() async throws {
        // setup
        let server = try await Self.server()
        let article = try await server.firstArticle()
        try await server.run { b in
            let me = try await Self.account(b, server, "course-suivi@example.fr")
            try await b.signUp(email: "course-suivi-form@example.fr")
            let formFollower = try #require(try await server.store.participant(email: "course-suivi-form@example.fr"))
            try await b.get("/articles/\(article.id)")
            // act
            let api = try await Self.burst(b) { c in try await c.api(.put, "/follows/article/\(article.id)", token: me.token) }
            let form = try await Self.burst(b) { c in
                try await c.post("/suivis/article/\(article.id)", [("action", "follow"), ("back", "/articles/\(article.id)")])
            }
            let rows = try await Self.exportRows(b, token: me.token, "follows.csv")
            let followers = try await server.store.followers(of: [.article(article.id)])
            let unfollow = try await Self.burst(b) { c in try await c.api(.delete, "/follows/article/\(article.id)", token: me.token) }
            // check
            #expect(api.allSatisfy { $0 == .ok }, "\(api)")
            #expect(form.allSatisfy { $0 == .seeOther }, "\(form)")
            #expect(rows.count == 1, "one follow row: \(rows)")
            #expect(followers.contains(me.id) && followers.contains(formFollower.id))
            #expect(unfollow.allSatisfy { $0 == .noContent || $0 == .notFound }, "\(unfollow)")
            #expect(try await server.store.follows(participantID: me.id, among: [.article(article.id)]).isEmpty)
            #expect(try await Self.exportRows(b, token: me.token, "follows.csv").isEmpty)
        }
    }
}
