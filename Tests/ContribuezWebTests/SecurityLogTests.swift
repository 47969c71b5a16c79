import ContribuezCore
import ContribuezWeb
import Foundation
import Logging
import Testing

/// Captures log lines in memory: one dictionary of metadata (plus the message) per line.
final class CapturedLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [[String: String]] = []

    func append(_ line: [String: String]) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [[String: String]] { lock.lock(); defer { lock.unlock() }; return lines }
    func events(_ name: String) -> [[String: String]] { all.filter { $0["event"] == name } }
    /// Every line as text, to search for what must never be there.
    var text: String { all.map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }.joined(separator: "\n") }

    var logger: Logger {
        Logger(label: "contribuez.security.test") { _ in CaptureHandler(sink: self) }
    }

    struct CaptureHandler: LogHandler {
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            var entry: [String: String] = ["message": message.description, "level": level.rawValue]
            for (k, v) in self.metadata.merging(metadata ?? [:], uniquingKeysWith: { $1 }) { entry[k] = v.description }
            sink.append(entry)
        }
    }
}

/// Security events (ASVS 5.0 16.2, 16.3): sign-ins, sign-outs, refusals and limits are logged as structured
/// lines, and no log line carries an e-mail, a name, a password, a token or a vote next to a person.
@Suite("Security log")
struct SecurityLogTests {
    static let email = "zephyrine.quatremer@example.fr"
    static let name = "Zéphyrine Quatremer"
    static let password = "cheval agrafe pile"

    static func server(_ logs: CapturedLogs, votesPerMinute: Int) async throws -> TestServer {
        let s = try await TestServer.make()
        var deps = s.deps
        deps.securityLogger = logs.logger
        deps.rateLimits = RateLimitSettings(policy: try RateLimit.Policy.production.overriding(["vote.account=\(votesPerMinute)/60"]))
        return TestServer(store: s.store, clock: s.clock, deps: deps, demo: s.demo)
    }

    @Test("sign-ins, sign-outs, refusals and limits are logged with when, where, who and what; no e-mail, name, secret or vote")
    func eventsWithoutPersonalData() async throws {
        // setup
        let logs = CapturedLogs()
        let server = try await Self.server(logs, votesPerMinute: 1)
        let article = try await server.firstArticle()
        let secrets = CapturedLogs()  // reused as a locked list of the tokens handed out
        try await server.run { b in
            try await b.signUp(email: Self.email, name: Self.name, password: Self.password)
            secrets.append(["token": b.cookies["cz_session"] ?? ""])
            let participant = try #require(try await server.store.credentials(email: Self.email)).participant

            // act: a sign-out, a wrong then a right sign-in, two votes (the second beyond the limit), a staff page,
            // a form without its CSRF token, a wrong and a right API sign-in
            try await b.get("/")
            try await b.post("/signout", [])
            try await b.get("/signin")
            #expect(try await b.post("/signin", [("email", Self.email), ("password", "pas le bon mot")]).status == .unauthorized)
            #expect(try await b.post("/signin", [("email", Self.email), ("password", Self.password)]).status == .seeOther)
            secrets.append(["token": b.cookies["cz_session"] ?? ""])
            try await b.get("/articles/\(article.id)")
            #expect(try await b.post("/articles/\(article.id)/vote", [("value", "disagree")]).status == .seeOther)
            #expect(try await b.post("/articles/\(article.id)/vote", [("value", "agree")]).status == .tooManyRequests)
            #expect(try await b.get("/admin").status == .forbidden)
            #expect(try await b.post("/signout", [], csrf: "faux").status == .forbidden)
            #expect(try await b.api(.post, "/sessions", json: ["email": Self.email, "password": "faux mot"]).status == .unauthorized)
            let session = try await b.api(.post, "/sessions", json: ["email": Self.email, "password": Self.password])
            secrets.append(["token": session.json["token"] as? String ?? ""])

            // assert: each event, with its fields
            let signOuts = logs.events("auth.sign_out")
            #expect(signOuts.count == 1)
            #expect(signOuts.first?["participant"] == "\(participant.id)")
            let signIns = logs.events("auth.sign_in")
            #expect(signIns.map { $0["outcome"] ?? "" } == ["failure", "success", "failure", "success"])
            #expect(signIns.map { $0["route"] ?? "" } == ["/signin", "/signin", "/api/v1/sessions", "/api/v1/sessions"])
            let limited = logs.events("rate.limited")
            #expect(limited.count == 1)
            #expect(limited.first?["route"]?.hasSuffix("/vote") == true)
            #expect(limited.first?["participant"] == nil, "a refused vote must not be tied to a person")
            let denied = logs.events("access.denied")
            #expect(denied.count == 2)
            #expect(denied.allSatisfy { $0["participant"] == "\(participant.id)" && $0["status"] == "403" })
            for line in logs.all {
                #expect(line["at"]?.hasSuffix("Z") == true, "timestamps are UTC: \(line)")
                #expect(line["method"] != nil && line["route"] != nil && line["status"] != nil)
            }
        }

        // assert: nothing personal or secret anywhere in the log
        let text = logs.text
        #expect(!text.isEmpty)
        for forbidden in [Self.email, "zephyrine", Self.name, "Quatremer", Self.password, "pas le bon mot", "faux mot", "disagree", "agree"] {
            #expect(!text.lowercased().contains(forbidden.lowercased()), "the log holds \(forbidden)")
        }
        let tokens = secrets.all.compactMap { $0["token"] }
        #expect(tokens.filter { $0.count > 10 }.count == 3)
        for token in tokens where token.count > 10 {
            #expect(!text.contains(token), "the log holds a session token")
        }
        #expect(!text.contains("/articles/\(article.id)/vote"), "routes are logged as templates, not paths")
    }

    @Test("a request nobody may make is logged as refused input; an ordinary page view logs nothing")
    func quietUnlessSecurityRelevant() async throws {
        // setup
        let logs = CapturedLogs()
        let server = try await Self.server(logs, votesPerMinute: 100)
        try await server.run { b in
            // act
            try await b.get("/")
            try await b.get("/signin")
            let before = logs.all.count
            try await b.request(.post, "/signup", headers: [.contentType: "application/x-www-form-urlencoded"], body: "email=%ZZ")

            // assert
            #expect(before == 0, "page views are not security events: \(logs.all)")
            #expect(logs.events("input.refused").contains { $0["status"] == "400" && $0["route"] == "/signup" })
        }
    }
}
