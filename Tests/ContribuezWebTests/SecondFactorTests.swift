import ContribuezCore
import Foundation
import HTTPTypes
import Testing

@testable import ContribuezWeb

/// TOTP and recovery codes (issue 13).
@Suite("Second factor")
struct SecondFactorTests {
    static let password = "cheval agrafe pile"

    @Test("RFC 6238 appendix B (SHA-1) and RFC 4648 base32 vectors")
    func vectors() {
        let secret = Array("12345678901234567890".utf8)
        for (time, code) in [(59, "287082"), (1_111_111_109, "081804"), (1_111_111_111, "050471"), (1_234_567_890, "005924"),
                             (2_000_000_000, "279037"), (20_000_000_000, "353130")] {
            #expect(TOTP.code(secret: secret, step: TOTP.step(at: Date(timeIntervalSince1970: TimeInterval(time)))) == code, "\(time)")
        }
        #expect(Base32.encode(Array("foobar".utf8)) == "MZXW6YTBOI" && Base32.encode(Array("f".utf8)) == "MY")
        #expect(Base32.decode("mzxw 6ytb-oi") == Array("foobar".utf8) && Base32.decode("MZ1") == nil)
        #expect(TOTP.matchingStep("287 082", secret: secret, at: Date(timeIntervalSince1970: 59 + 30)) == 1, "one step of drift, spaces ignored")
        #expect(TOTP.matchingStep("287082", secret: secret, at: Date(timeIntervalSince1970: 59 + 90)) == nil, "two steps late: refused")
        #expect(TOTP.matchingStep("28708", secret: secret, at: Date(timeIntervalSince1970: 59)) == nil)
        let codes = RecoveryCodes.generate()
        #expect(codes.count == 10 && Set(codes).count == 10 && codes.allSatisfy { $0.count == 14 && RecoveryCodes.looksLikeOne($0) })
        #expect(RecoveryCodes.hash(codes[0].uppercased().replacingOccurrences(of: "-", with: " ")) == RecoveryCodes.hash(codes[0]))
        #expect(TOTP.newSecret().count == 20 && TOTP.newSecret() != TOTP.newSecret())
    }

    /// The secret shown on the enrolment page.
    static func secret(_ page: String) throws -> [UInt8] {
        let start = try #require(page.range(of: "<code class=\"secret\">"))
        let rest = page[start.upperBound...]
        let text = String(rest[..<(try #require(rest.firstIndex(of: "<")))])
        return try #require(Base32.decode(text))
    }

    static func code(_ secret: [UInt8], _ server: TestServer, offset: Int64 = 0) -> String {
        TOTP.code(secret: secret, step: TOTP.step(at: server.clock.now()) + offset)
    }

    /// Signs up, enrols through the pages; returns the secret and the recovery codes.
    static func enrol(_ server: TestServer, _ b: Browser, _ email: String) async throws -> (secret: [UInt8], codes: [String]) {
        try await b.signUp(email: email)
        try await b.get("/compte/double-authentification")
        let begun = try await b.post("/compte/double-authentification/debut", [])
        #expect(begun.status == .seeOther)
        let page = try await b.get("/compte/double-authentification")
        let secret = try Self.secret(page.body)
        #expect(page.body.contains("otpauth://totp/Contribuez:"))
        let confirmed = try await b.post("/compte/double-authentification", [("code", Self.code(secret, server))])
        #expect(confirmed.status == .ok && confirmed.body.contains("codes de secours"), "\(confirmed.status)")
        let codes = confirmed.body.components(separatedBy: "<li><code>").dropFirst().compactMap { $0.components(separatedBy: "</code>").first }
        #expect(codes.count == 10)
        server.clock.advance(by: 30)
        return (secret, codes)
    }

    @Test("enrolment: a wrong code confirms nothing; the right one shows ten recovery codes once, stored as hashes")
    func enrolment() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            try await b.signUp(email: "inscrit@example.fr")
            let me = try #require(try await server.store.participant(email: "inscrit@example.fr"))
            try await b.get("/compte/double-authentification")
            _ = try await b.post("/compte/double-authentification/debut", [])
            let page = try await b.get("/compte/double-authentification")
            let secret = try Self.secret(page.body)
            // act
            let wrong = try await b.post("/compte/double-authentification", [("code", "000000")])
            let right = try await b.post("/compte/double-authentification", [("code", Self.code(secret, server))])
            let after = try await b.get("/compte/double-authentification")
            let again = try await b.post("/compte/double-authentification/debut", [])
            // check
            #expect(wrong.status == .unprocessableContent && wrong.body.contains("Ce code n’est pas valable"))
            #expect(right.status == .ok)
            let codes = right.body.components(separatedBy: "<li><code>").dropFirst().compactMap { $0.components(separatedBy: "</code>").first }
            #expect(codes.count == 10)
            #expect(!after.body.contains(codes[0]) && after.body.contains("Codes de secours restants : 10"), "shown once")
            #expect(again.status == .conflict, "an active factor is not replaced by a new one")
            let stored = try #require(try await server.store.secondFactor(participantID: me.id))
            #expect(stored.confirmedAt != nil && stored.recoveryCodesLeft == 10)
            #expect(try await b.get("/compte").body.contains("href=\"/compte/double-authentification\""))
        }
    }

    @Test("sign-in with a factor: the password alone gives no access; a code does, once; a recovery code once; wrong codes are limited")
    func signIn() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            let (secret, codes) = try await Self.enrol(server, b, "double@example.fr")
            let other = Browser(client: b.client)
            try await other.get("/signin")
            // act 1: the password
            let signedIn = try await other.post("/signin", [("email", "double@example.fr"), ("password", Self.password)])
            let blocked = try await other.get("/compte")
            let codePage = try await other.get("/connexion/code")
            let wrong = try await other.post("/connexion/code", [("code", "123456")])
            let code = Self.code(secret, server)
            let right = try await other.post("/connexion/code", [("code", code)])
            let open = try await other.get("/compte")
            // a third browser replays the same code
            let third = Browser(client: b.client)
            try await third.get("/signin")
            _ = try await third.post("/signin", [("email", "double@example.fr"), ("password", Self.password)])
            try await third.get("/connexion/code")
            let replay = try await third.post("/connexion/code", [("code", code)])
            let recovery = try await third.post("/connexion/code", [("code", codes[0].uppercased())])
            let fourth = Browser(client: b.client)
            try await fourth.get("/signin")
            _ = try await fourth.post("/signin", [("email", "double@example.fr"), ("password", Self.password)])
            try await fourth.get("/connexion/code")
            let recoveryAgain = try await fourth.post("/connexion/code", [("code", codes[0])])
            // check
            #expect(signedIn.status == .seeOther && signedIn.location == "/connexion/code")
            #expect(blocked.status != .ok, "a pending session opens nothing")
            #expect(codePage.status == .ok && codePage.body.contains("autocomplete=\"one-time-code\""))
            #expect(wrong.status == .unauthorized)
            #expect(right.status == .seeOther && right.location == "/")
            #expect(open.status == .ok)
            #expect(replay.status == .unauthorized, "a code works once")
            let thirdAccount = try await third.get("/compte")
            #expect(recovery.status == .seeOther && thirdAccount.status == .ok)
            #expect(recoveryAgain.status == .unauthorized, "a recovery code works once")
            let me = try #require(try await server.store.participant(email: "double@example.fr"))
            #expect(try await server.store.secondFactor(participantID: me.id)?.recoveryCodesLeft == 9)
            // the sign-in limit applies to codes: 10 wrong ones within 15 minutes, then 429
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<11 { statuses.append(try await fourth.post("/connexion/code", [("code", "000000")]).status) }
            #expect(statuses.last == .tooManyRequests, "\(statuses)")
        }
    }

    @Test("API: POST /sessions needs `code` for an account with a factor (401 naming it), refuses a wrong or replayed one, accepts the right one")
    func api() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            let (secret, _) = try await Self.enrol(server, b, "api-double@example.fr")
            let credentials: [String: Any] = ["email": "api-double@example.fr", "password": Self.password]
            // act
            let missing = try await b.api(.post, "/sessions", json: credentials)
            let wrong = try await b.api(.post, "/sessions", json: credentials.merging(["code": "999999"]) { $1 })
            let code = Self.code(secret, server)
            let right = try await b.api(.post, "/sessions", json: credentials.merging(["code": code]) { $1 })
            let replay = try await b.api(.post, "/sessions", json: credentials.merging(["code": code]) { $1 })
            let token = right.json["token"] as? String
            let plain = try await b.apiAccount("sans-double@example.fr")
            // check
            #expect(missing.status == .unauthorized && missing.json["type"] as? String == "urn:contribuez:problem:second_factor_required")
            #expect(((missing.json["errors"] as? [[String: Any]])?.first?["field"] as? String) == "code")
            #expect(wrong.status == .unauthorized && wrong.json["type"] as? String == "urn:contribuez:problem:wrong_code")
            #expect(right.status == .created, "\(right.body)")
            #expect(replay.status == .unauthorized)
            #expect(try await b.api(.get, "/me", token: token).status == .ok)
            #expect(try await b.api(.get, "/me", token: plain).status == .ok, "accounts without a factor sign in as before")
        }
    }
}
