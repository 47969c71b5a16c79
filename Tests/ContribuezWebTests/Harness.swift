import ContribuezCore
import ContribuezImport
import ContribuezPostgres
import ContribuezStore
import ContribuezWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A test server over a fresh store with the demo consultation, a fixed clock and cheap bcrypt: a SQLite
/// file, or with `CONTRIBUEZ_TEST_BACKEND=postgres` a fresh schema of `CONTRIBUEZ_TEST_POSTGRES_URL` (issue 11).
struct TestServer {
    let store: any Store
    let clock: FixedClock
    let deps: WebDependencies
    let demo: Consultation

    static let t0 = Date(timeIntervalSince1970: 1_760_000_000)

    /// Sessions in most suites outlive the clock's jumps through a consultation's phases (days, weeks): a year idle
    /// and absolute. SessionSecurityTests pass `SessionPolicy.production` and check the real timeouts.
    static let patientSessions = SessionPolicy(participantIdle: 366 * 86_400, participantAbsolute: 366 * 86_400,
                                               staffIdle: 366 * 86_400, staffAbsolute: 366 * 86_400)

    /// `staffSecondFactor`: most suites grant roles and act as staff at once; SecondFactorTests turn the rule on.
    static func make(sessionPolicy: SessionPolicy = patientSessions, staffSecondFactor: Bool = false) async throws -> TestServer {
        let store = try await freshStore()
        let clock = FixedClock(t0)
        let demo = try await store.importConsultation(DemoConsultation.bundle(now: t0))
        var deps = try await makeDependencies(store: store, clock: clock, hasher: BcryptHasher(cost: 4))
        deps.sessionPolicy = sessionPolicy
        deps.staffSecondFactor = staffSecondFactor
        deps.formStamps.minimumAge = 0  // the fixed clock does not move between a page and its form (HoneypotTests checks the rule)
        return TestServer(store: store, clock: clock, deps: deps, demo: demo)
    }

    static func freshStore() async throws -> any Store {
        let env = ProcessInfo.processInfo.environment
        if env["CONTRIBUEZ_TEST_BACKEND"] == "postgres" {
            let url = try #require(env["CONTRIBUEZ_TEST_POSTGRES_URL"], "CONTRIBUEZ_TEST_BACKEND=postgres needs CONTRIBUEZ_TEST_POSTGRES_URL")
            let schema = "w_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            return try await PostgresStore(url: url, schema: schema, maximumConnections: 4)
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cz-web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return try SQLiteStore(path: dir.appendingPathComponent("web.sqlite").path)
    }

    func run(_ body: @Sendable (Browser) async throws -> Void) async throws {
        let app = Application(router: buildRouter(deps))
        try await app.test(.router) { client in
            try await body(Browser(client: client))
        }
    }

    /// Makes the participant an organiser of the demo consultation, as `contribuez grant … --consultation` does.
    func makeOrganiser(_ participantID: ID, of consultationID: ID? = nil, role: ConsultationRole = .organiser) async throws {
        let entry = AuditEntry(consultationID: consultationID ?? demo.id, actorID: nil, actorName: "test", action: .grantRole,
                               targetKind: "participant", targetID: participantID, reason: role.rawValue, at: clock.now())
        try await store.grantRole(consultationID: consultationID ?? demo.id, participantID: participantID, role: role, audit: entry)
    }

    func firstArticle() async throws -> Article {
        try #require(try await store.articles(consultationID: demo.id).first)
    }
}

struct Reply: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: String
    /// The body as received (for compressed or binary responses, which `body` cannot hold).
    var bytes: [UInt8] = []

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
    var location: String? { headers[.location] }
    var setCookies: [String] { headers[values: .setCookie] }
}

/// Keeps cookies and CSRF tokens like a browser; sends forms and JSON.
final class Browser: @unchecked Sendable {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    var lastCSRF: String?
    /// The public forms' stamp (issue 13) of the last page that had one.
    var lastStamp: String?

    init(client: any TestClientProtocol) { self.client = client }

    @discardableResult
    /// With `followRotation` (the default), a bearer token in `headers` is replaced by the latest token the server
    /// handed out for it (`Contribuez-Session-Token`, issue 13), and a new replacement is recorded.
    func request(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], body: String? = nil, bytes: [UInt8]? = nil,
                 followRotation: Bool = true) async throws -> Reply {
        var h = headers
        var sentBearer: String?
        if let auth = h[.authorization], auth.hasPrefix("Bearer ") {
            let held = String(auth.dropFirst(7))
            sentBearer = followRotation ? Self.rotatedTokens.current(held) : held
            h[.authorization] = "Bearer \(sentBearer!)"
        }
        if !cookies.isEmpty, h[.cookie] == nil {
            h[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
        }
        let buffer: ByteBuffer? = bytes.map { ByteBuffer(bytes: $0) } ?? body.map { ByteBuffer(string: $0) }
        let reply = try await client.execute(uri: uri, method: method, headers: h, body: buffer) { response in
            Reply(status: response.status, headers: response.headers, body: String(buffer: response.body), bytes: Array(response.body.readableBytesView))
        }
        record(setCookies: reply.setCookies)
        if let sentBearer, let replaced = reply.headers[HTTPField.Name("Contribuez-Session-Token")!] { Self.rotatedTokens.record(sentBearer, replaced) }
        if let token = Self.csrf(in: reply.body) { lastCSRF = token }
        if let stamp = Self.hidden("_ts", in: reply.body) { lastStamp = stamp }
        return reply
    }

    /// Keeps the cookies a response sets (a rotated session's included) and drops the ones it removes.
    func record(setCookies: [String]) {
        for c in setCookies {
            let pair = c.split(separator: ";").first.map(String.init) ?? ""
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 || pair.hasSuffix("=") else { continue }
            let name = kv[0], value = kv.count == 2 ? kv[1] : ""
            if value.isEmpty || c.lowercased().contains("max-age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
    }

    /// Fetches a page with a public form, as a robot would to get a valid stamp (issue 13's honeypot and fill
    /// time): for tests that post to a public form from a page that shows none (a closed consultation, a probe).
    func takeFormStamp() async throws {
        _ = try await get("/mot-de-passe-oublie")
    }

    static func hidden(_ name: String, in html: String) -> String? {
        guard let r = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = html[r.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    static func csrf(in html: String) -> String? {
        guard let r = html.range(of: "name=\"_csrf\" value=\"") else { return nil }
        let rest = html[r.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    @discardableResult
    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> Reply { try await request(.get, uri, headers: headers) }

    /// Posts a form as a same-origin browser would, with the CSRF token of the last page seen.
    @discardableResult
    func post(_ uri: String, _ fields: [(String, String)], csrf: String? = nil, origin: String? = "http://localhost", extra: HTTPFields = [:]) async throws -> Reply {
        var all = fields
        if let token = csrf ?? lastCSRF { all.append(("_csrf", token)) }
        if let stamp = lastStamp, !fields.contains(where: { $0.0 == "_ts" }) { all.append(("_ts", stamp)) }
        var h: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let origin { h[HTTPField.Name("Origin")!] = origin }
        for f in extra { h[f.name] = f.value }
        return try await request(.post, uri, headers: h, body: Self.encode(all))
    }

    static func encode(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map { k, v in
            (k.addingPercentEncoding(withAllowedCharacters: allowed) ?? "") + "=" + (v.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }.joined(separator: "&")
    }

    /// Signs up through the form and keeps the session cookie.
    @discardableResult
    func signUp(email: String, name: String = "Camille", kind: String = "citizen", organization: String = "", password: String = "cheval agrafe pile") async throws -> Reply {
        try await get("/signup")
        return try await post("/signup", [("email", email), ("password", password), ("displayName", name), ("kind", kind), ("organization", organization)])
    }

    // JSON API

    /// A JSON request. With `followRotation` (the default) the harness behaves as the API document asks of clients:
    /// when a response carries `Contribuez-Session-Token` (the bearer's roles changed, issue 13), the new token
    /// replaces the one sent, for every later request made with the token the test holds.
    func api(_ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: Any? = nil, raw: String? = nil, bytes: [UInt8]? = nil,
             followRotation: Bool = true) async throws -> Reply {
        var h: HTTPFields = [.contentType: "application/json"]
        if let token { h[.authorization] = "Bearer \(token)" }
        var body = raw
        if let json { body = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self) }
        let saved = cookies
        cookies = [:]
        defer { cookies = saved }
        return try await request(method, "/api/v1" + path, headers: h, body: body, bytes: bytes, followRotation: followRotation)
    }

    /// Replaced bearer tokens, old → new (tokens are random: one map serves every test of the process).
    static let rotatedTokens = RotatedTokens()

    final class RotatedTokens: @unchecked Sendable {
        private let lock = NSLock()
        private var next: [String: String] = [:]

        func current(_ token: String) -> String {
            lock.withLock {
                var t = token
                while let n = next[t] { t = n }
                return t
            }
        }

        func record(_ old: String, _ new: String) { lock.withLock { next[old] = new } }
    }

    /// Signs in through the API; returns the bearer token.
    func apiSignIn(_ email: String, password: String = "cheval agrafe pile") async throws -> String {
        let session = try await api(.post, "/sessions", json: ["email": email, "password": password])
        #expect(session.status == .created, "\(session.body)")
        return try #require(session.json["token"] as? String)
    }

    /// Creates an account and a session through the API; returns the bearer token.
    func apiAccount(_ email: String, kind: String = "citizen", organization: String? = nil) async throws -> String {
        var body: [String: Any] = ["email": email, "password": "cheval agrafe pile", "displayName": "API \(email)", "kind": kind]
        if let organization { body["organization"] = organization }
        let created = try await api(.post, "/accounts", json: body)
        #expect(created.status == .created, "\(created.body)")
        let session = try await api(.post, "/sessions", json: ["email": email, "password": "cheval agrafe pile"])
        #expect(session.status == .created, "\(session.body)")
        return try #require(session.json["token"] as? String)
    }
}
