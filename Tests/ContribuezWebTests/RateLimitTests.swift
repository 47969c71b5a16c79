import ContribuezCore
import ContribuezStore
@testable import ContribuezWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Rate limits over HTTP (issue 13): 429 with `Retry-After` and a clear message on pages and in the API,
/// nothing stored by a refused request, counters in the database, forwarded headers only from trusted proxies.
@Suite("Rate limits over HTTP")
struct RateLimitHTTPTests {
    static let password = "cheval agrafe pile"

    /// The test server with other rate-limit settings (the harness's default is the production policy).
    static func server(_ settings: RateLimitSettings? = nil) async throws -> TestServer {
        let s = try await TestServer.make()
        guard let settings else { return s }
        var deps = s.deps
        deps.rateLimits = settings
        return TestServer(store: s.store, clock: s.clock, deps: deps, demo: s.demo)
    }

    static func policy(_ overrides: String...) throws -> RateLimitSettings {
        RateLimitSettings(policy: try RateLimit.Policy.production.overriding(overrides))
    }

    @Test("20 wrong sign-ins on one account within a minute: from the 11th, 429 with Retry-After and a clear page; after the wait it works again")
    func wrongSignInsPage() async throws {
        // setup
        let server = try await Self.server()
        try await server.run { b in
            try await b.signUp(email: "cible@example.fr")
            try await b.post("/signout", [])
            try await b.get("/signin")
            var statuses: [HTTPResponse.Status] = []
            var last: Reply?
            // act: 20 wrong passwords, 3 s apart
            for _ in 0..<20 {
                last = try await b.post("/signin", [("email", "cible@example.fr"), ("password", "pas le bon mot")])
                statuses.append(last!.status)
                server.clock.advance(by: 3)
            }
            let rightDuringLock = try await b.post("/signin", [("email", "Cible@Example.fr "), ("password", Self.password)])
            // check
            #expect(statuses == Array(repeating: .unauthorized, count: 10) + Array(repeating: .tooManyRequests, count: 10))
            let refused = try #require(last)
            let wait = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
            #expect(wait > 0 && wait <= 30 * 60)
            #expect(refused.body.contains("Trop de tentatives de connexion pour cette adresse e-mail. Par sécurité, réessayez dans"))
            #expect(rightDuringLock.status == .tooManyRequests, "the right password too: the lock is per e-mail, whatever its case")
            #expect(rightDuringLock.setCookies.allSatisfy { !$0.hasPrefix("cz_session=") })
            // act: after the announced wait
            server.clock.advance(by: TimeInterval(try #require(rightDuringLock.headers[.retryAfter].flatMap { Int($0) })))
            try await b.get("/signin")
            let after = try await b.post("/signin", [("email", "cible@example.fr"), ("password", Self.password)])
            // check
            #expect(after.status == .seeOther)
            #expect(b.cookies["cz_session"] != nil)
        }
    }

    @Test("the API answers 429 problem+json with retry_after and Retry-After; the same for an e-mail no account has")
    func wrongSignInsAPI() async throws {
        // setup
        let server = try await Self.server()
        try await server.run { b in
            _ = try await b.apiAccount("api-cible@example.fr")
            // act
            var known: [HTTPResponse.Status] = [], unknown: [HTTPResponse.Status] = []
            var refused: Reply?
            for _ in 0..<12 {
                let r = try await b.api(.post, "/sessions", json: ["email": "api-cible@example.fr", "password": "faux"])
                known.append(r.status)
                if r.status == .tooManyRequests { refused = r }
                unknown.append(try await b.api(.post, "/sessions", json: ["email": "personne@example.fr", "password": "faux"]).status)
            }
            // check: the account's existence shows nowhere
            #expect(known == Array(repeating: .unauthorized, count: 10) + [.tooManyRequests, .tooManyRequests])
            #expect(unknown == known)
            let r = try #require(refused)
            #expect(r.headers[.contentType] == "application/problem+json")
            #expect(r.json["type"] as? String == "urn:contribuez:problem:rate_limited")
            #expect(r.json["title"] as? String == "Too Many Requests")
            #expect(r.json["status"] as? Int == 429)
            #expect(r.json["rule"] as? String == "sign-in.account")
            let retry = try #require(r.json["retry_after"] as? Int)
            #expect(r.headers[.retryAfter] == String(retry))
            #expect((r.json["detail"] as? String)?.contains("réessayez dans") == true)
            // act: after the window, the right password works again
            server.clock.advance(by: TimeInterval(retry))
            #expect(try await b.api(.post, "/sessions", json: ["email": "api-cible@example.fr", "password": Self.password]).status == .created)
        }
    }

    @Test("a success clears the e-mail's failures but not the address's attempts")
    func successResetsAccountOnly() async throws {
        // setup: 6 attempts a minute per address
        let server = try await Self.server(try Self.policy("sign-in.address=6/60"))
        try await server.run { b in
            _ = try await b.apiAccount("ok@example.fr")  // one attempt
            // act: 4 failures, a success, then one more attempt: the 7th from this address
            for _ in 0..<4 { try await b.api(.post, "/sessions", json: ["email": "ok@example.fr", "password": "faux"]) }
            let success = try await b.api(.post, "/sessions", json: ["email": "ok@example.fr", "password": Self.password])
            let seventh = try await b.api(.post, "/sessions", json: ["email": "ok@example.fr", "password": Self.password])
            // check
            #expect(success.status == .created)
            #expect(seventh.status == .tooManyRequests)
            #expect(seventh.json["rule"] as? String == "sign-in.address")
            let account = try #require(server.deps.rateLimits.policy.rule(.signIn, .account))
            #expect(try await server.store.rateLimitCounter(account, key: RateLimiter.emailKey("ok@example.fr")) == nil, "cleared by the success")
        }
    }

    @Test("votes beyond the limit get 429 on the page and in the API, and are not stored")
    func votes() async throws {
        // setup: 5 votes a minute per account
        let server = try await Self.server(try Self.policy("vote.account=5/60"))
        let article = try await server.firstArticle()
        let articles = try await server.store.articles(consultationID: server.demo.id)
        try await server.run { b in
            try await b.signUp(email: "votant@example.fr")
            try await b.get("/articles/\(article.id)")
            for value in ["agree", "mixed", "disagree", "agree", "mixed"] {
                #expect(try await b.post("/articles/\(article.id)/vote", [("value", value)]).status == .seeOther)
            }
            let before = try await server.store.tallies([.article(articles[1].id)])
            // act
            let page = try await b.post("/articles/\(articles[1].id)/vote", [("value", "agree")])
            // check
            #expect(page.status == .tooManyRequests)
            #expect(page.headers[.retryAfter] != nil)
            #expect(page.body.contains("Votre dernier vote n’a pas été enregistré"))
            #expect(try await server.store.tallies([.article(articles[1].id)]) == before)
            // The English interface says it in English (the language switch goes through the catalogue).
            try await b.post("/language", [("lang", "en"), ("back", "/")])
            let english = try await b.post("/articles/\(articles[1].id)/vote", [("value", "agree")])
            #expect(english.status == .tooManyRequests)
            #expect(english.body.contains("Your last vote was not recorded"))
        }
        try await server.run { b in
            let token = try await b.apiAccount("api-votant@example.fr")
            for _ in 0..<5 { #expect(try await b.api(.put, "/articles/\(article.id)/vote", token: token, json: ["value": "agree"]).status == .ok) }
            let refused = try await b.api(.put, "/articles/\(articles[1].id)/vote", token: token, json: ["value": "agree"])
            #expect(refused.status == .tooManyRequests)
            #expect(refused.json["rule"] as? String == "vote.account")
            #expect(refused.json["retry_after"] as? Int != nil)
            // Another account is not limited by this one.
            let other = try await b.apiAccount("autre@example.fr")
            #expect(try await b.api(.put, "/articles/\(articles[1].id)/vote", token: other, json: ["value": "agree"]).status == .ok)
        }
    }

    @Test("contributions and reports are limited per account too")
    func contributionsAndReports() async throws {
        // setup
        let server = try await Self.server(try Self.policy("contribution.account=2/600", "report.account=1/3600"))
        let article = try await server.firstArticle()
        try await server.run { b in
            let token = try await b.apiAccount("auteur@example.fr")
            let query = ContributionQuery(articleID: article.id, kind: .argument, order: .recent)
            let before = try await server.store.contributions(query, page: PageRequest(page: 1, perPage: 50)).total
            // act
            let statuses = try await (0..<3).asyncMap { i in
                try await b.api(.post, "/articles/\(article.id)/arguments", token: token, json: ["stance": "for", "text": "Argument numéro \(i) assez long."]).status
            }
            let rows = try await server.store.contributions(query, page: PageRequest(page: 1, perPage: 50))
            // check
            #expect(statuses == [.created, .created, .tooManyRequests])
            #expect(rows.total == before + 2, "the refused argument was not stored")
            #expect(!rows.items.contains { $0.contribution.body.contains("numéro 2") })
            let target = try #require(rows.items.first?.contribution.id)
            let reporter = try await b.apiAccount("signaleur@example.fr")
            #expect(try await b.api(.post, "/contributions/\(target)/reports", token: reporter, json: ["reason": "spam"]).status == .created)
            #expect(try await b.api(.post, "/contributions/\(rows.items[1].contribution.id)/reports", token: reporter, json: ["reason": "spam"]).status == .tooManyRequests)
        }
    }

    @Test("expired counters are deleted by the next limited request, at most once a minute per node")
    func opportunisticPurge() async throws {
        // setup: a wrong sign-in leaves counters for the e-mail and the address
        let server = try await Self.server()
        let account = try #require(server.deps.rateLimits.policy.rule(.signIn, .account))
        let key = RateLimiter.emailKey("oubli@example.fr")
        try await server.run { b in
            try await b.api(.post, "/sessions", json: ["email": "oubli@example.fr", "password": "faux"])
            #expect(try await server.store.rateLimitCounter(account, key: key)?.count == 1)
            // act: two hours later (past the 15-minute window and the next one), any limited request
            server.clock.advance(by: 7200)
            try await b.api(.post, "/sessions", json: ["email": "autre@example.fr", "password": "faux"])
            // check
            #expect(try await server.store.rateLimitCounter(account, key: key) == nil)
            #expect(try await server.store.rateLimitCounter(account, key: RateLimiter.emailKey("autre@example.fr"))?.count == 1)
        }
    }

    @Test("export downloads are limited; the pages around them are not")
    func exports() async throws {
        // setup: 2 downloads an hour per address
        let server = try await Self.server(try Self.policy("export.address=2/3600"))
        let id = server.demo.id
        try await server.run { b in
            // act
            let first = try await b.get("/consultations/\(id)/synthese.json")
            let second = try await b.get("/consultations/\(id)/synthese/tallies")
            let third = try await b.get("/consultations/\(id)/synthese/groups")
            let page = try await b.get("/consultations/\(id)/synthese")
            // check
            #expect(first.status != .tooManyRequests && second.status != .tooManyRequests)
            #expect(third.status == .tooManyRequests)
            #expect(third.body.contains("Trop de téléchargements d’exports depuis votre réseau"))
            #expect(page.status != .tooManyRequests)
        }
        #expect(RateLimitRoutes.action(.get, "/consultations/7/donnees.zip") == .export)
        #expect(RateLimitRoutes.action(.get, "/compte/donnees.zip") == .export)
        #expect(RateLimitRoutes.action(.get, "/consultations/7/synthese") == nil)
        #expect(RateLimitRoutes.action(.post, "/articles/7/vote") == .vote)
        #expect(RateLimitRoutes.action(.post, "/articles//vote") == nil)
    }

    @Test("X-Forwarded-For is ignored from an untrusted peer and honoured from a trusted proxy")
    func forwardedHeaders() async throws {
        for trusted in [false, true] {
            // setup: 2 sign-ups an hour per address, on a real socket (the peer is the loopback)
            var settings = try Self.policy("sign-up.address=2/3600")
            if trusted { settings.trustedProxies = try TrustedProxies(["127.0.0.1", "::1"]) }
            let server = try await Self.server(settings)
            let app = Application(router: buildRouter(server.deps))
            try await app.test(.live) { client in
                let b = Browser(client: client)
                func signUp(_ i: Int, from address: String) async throws -> HTTPResponse.Status {
                    let body = try JSONSerialization.data(withJSONObject: [
                        "email": "fwd\(i)-\(trusted)@example.fr", "password": Self.password, "displayName": "F\(i)", "kind": "citizen"])
                    return try await b.request(.post, "/api/v1/accounts", headers: [
                        .contentType: "application/json", HTTPField.Name("X-Forwarded-For")!: "\(address), 127.0.0.1",
                    ], body: String(decoding: body, as: UTF8.self)).status
                }
                // act: three clients claim three addresses, then the first comes back
                let statuses = [
                    try await signUp(1, from: "198.51.100.1"), try await signUp(2, from: "198.51.100.2"),
                    try await signUp(3, from: "198.51.100.3"), try await signUp(4, from: "198.51.100.1"),
                    try await signUp(5, from: "198.51.100.1"),
                ]
                // check
                if trusted {
                    #expect(statuses == [.created, .created, .created, .created, .tooManyRequests], "one client per forwarded address")
                } else {
                    #expect(statuses == [.created, .created, .tooManyRequests, .tooManyRequests, .tooManyRequests], "all one client: the peer")
                }
            }
        }
    }

    @Test("the client address: forwarded hops are read from the right, past trusted proxies only")
    func clientAddress() throws {
        let proxies = try TrustedProxies(["10.0.0.0/8", "fd00::/8"])
        func client(_ peer: String?, _ headers: HTTPFields) -> String? { proxies.client(peer: peer, headers: headers)?.description }
        let xff = HTTPField.Name("X-Forwarded-For")!, fwd = HTTPField.Name("Forwarded")!
        #expect(client("203.0.113.9", [xff: "198.51.100.7"]) == "203.0.113.9", "untrusted peer: header ignored")
        #expect(client("10.1.2.3", [xff: "198.51.100.7"]) == "198.51.100.7")
        #expect(client("10.1.2.3", [xff: "1.2.3.4, 198.51.100.7, 10.9.9.9"]) == "198.51.100.7", "a spoofed leftmost hop is not believed")
        #expect(client("10.1.2.3", [xff: "garbage, 10.9.9.9"]) == "10.9.9.9", "an unreadable hop stops at the last proxy")
        #expect(client("10.1.2.3", [:]) == "10.1.2.3")
        #expect(client("10.1.2.3", [fwd: "for=192.0.2.60;proto=https, for=\"[2001:db8:cafe::17]:4711\""]) == "2001:db8:cafe:0:0:0:0:17")
        #expect(client("fd00::1", [xff: "198.51.100.7:5555"]) == "198.51.100.7")
        #expect(client(nil, [xff: "198.51.100.7"]) == nil)
        #expect(IPAddress("2001:db8:1:2:3:4:5:6")?.limitKey == "2001:db8:1:2::/64", "an IPv6 client is counted by its /64")
        #expect(IPAddress("::ffff:192.0.2.1")?.limitKey == "192.0.2.1")
        #expect(throws: TrustedProxyError.self) { try TrustedProxies(["10.0.0.0/33"]) }
        #expect(throws: TrustedProxyError.self) { try TrustedProxies(["proxy.local"]) }
    }

    @Test("rate-limit messages exist in French and English for every rule")
    func catalogue() throws {
        let catalogue = try Catalogue.bundled()
        for rule in RateLimit.Policy.names {
            let parts = rule.split(separator: ".")
            let key = "rate_limit_\(parts[0].replacingOccurrences(of: "-", with: "_"))_\(parts[1])"
            #expect(catalogue.keys.contains(key), "\(key)")
        }
        let rule = RateLimit.Rule(.vote, .account, limit: 1, window: 60)
        #expect(TooManyRequests.message(rule, retryAfter: 61, lang: .fr, catalogue).hasSuffix("réessayez dans 2 minutes."))
        #expect(TooManyRequests.message(rule, retryAfter: 1, lang: .en, catalogue).hasSuffix("try again in 1 second."))
        #expect(TooManyRequests.message(rule, retryAfter: 3601, lang: .fr, catalogue).hasSuffix("réessayez dans 2 heures."))
    }
}

extension Sequence {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await transform(e)) }
        return out
    }
}
