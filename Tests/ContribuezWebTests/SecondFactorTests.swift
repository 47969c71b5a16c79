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

    /// Signs in through the pages with the password, then a TOTP code of `secret` one step ahead of the last one used.
    static func signIn(_ server: TestServer, _ b: Browser, _ email: String, secret: [UInt8]) async throws {
        try await b.get("/signin")
        let first = try await b.post("/signin", [("email", email), ("password", Self.password)])
        #expect(first.location == "/connexion/code", "\(first.status)")
        server.clock.advance(by: 30)
        try await b.get("/connexion/code")
        let second = try await b.post("/connexion/code", [("code", Self.code(secret, server))])
        #expect(second.status == .seeOther && second.location == "/", "\(second.status)")
    }

    @Test("staff without a verified second factor: roles withheld on pages and API, told why; after enrolment (and at each sign-in with a code) they act as staff")
    func staffNeedsSecondFactor() async throws {
        let server = try await TestServer.make(staffSecondFactor: true)
        try await server.run { b in
            try await b.signUp(email: "orga-2fa@example.fr")
            let me = try #require(try await server.store.participant(email: "orga-2fa@example.fr"))
            try await server.makeOrganiser(me.id)
            let organiser = "/consultations/\(server.demo.id)/organiser"
            let plainParticipant = Browser(client: b.client)
            try await plainParticipant.signUp(email: "citoyen-2fa@example.fr")
            // act: roles held, no factor
            let withheldPage = try await b.get(organiser)
            let home = try await b.get("/")
            let token = try await b.apiAccount("api-orga-2fa@example.fr")
            let apiMe = try #require(try await server.store.participant(email: "api-orga-2fa@example.fr"))
            try await server.makeOrganiser(apiMe.id)
            let withheldAPI = try await b.api(.post, "/consultations/\(server.demo.id)/close", token: token, json: ["reason": "Essai de clôture."])
            let citizenHome = try await plainParticipant.get("/")
            // check: refused with the reason, the notice on every page, nothing closed
            #expect(withheldPage.status == .forbidden && withheldPage.body.contains("exigent la double authentification"), "\(withheldPage.status)")
            #expect(home.status == .ok && home.body.contains("staff-notice") && home.body.contains("/compte/double-authentification"))
            #expect(!citizenHome.body.contains("staff-notice"), "participants without roles see no notice")
            #expect(withheldAPI.status == .forbidden
                    && withheldAPI.json["type"] as? String == "urn:contribuez:problem:staff_second_factor_required", "\(withheldAPI.body)")
            #expect(try await server.store.consultation(id: server.demo.id)?.closesAt == server.demo.closesAt, "nothing changed")
            // act: enrol in the same session; the confirmation itself verifies the session
            try await b.get("/compte/double-authentification")
            _ = try await b.post("/compte/double-authentification/debut", [])
            let secret = try Self.secret(try await b.get("/compte/double-authentification").body)
            let confirmed = try await b.post("/compte/double-authentification", [("code", Self.code(secret, server))])
            let granted = try await b.get(organiser)
            // check
            #expect(confirmed.status == .ok)
            #expect(granted.status == .ok && !granted.body.contains("staff-notice"), "\(granted.status)")
            // a new sign-in: password, then code, then staff again
            let again = Browser(client: b.client)
            try await Self.signIn(server, again, "orga-2fa@example.fr", secret: secret)
            #expect(try await again.get(organiser).status == .ok)
        }
    }

    @Test("an admin resets a lost factor with a reason: factor and codes gone, the person's sessions ended, audited, mailed; refused to others and without a reason")
    func adminReset() async throws {
        let server = try await TestServer.make(staffSecondFactor: true)
        try await server.run { b in
            // an admin with a verified factor, and a moderator who lost theirs
            let (adminSecret, _) = try await Self.enrol(server, b, "admin-2fa@example.fr")
            let admin = try #require(try await server.store.participant(email: "admin-2fa@example.fr"))
            _ = try await server.store.setRole(participantID: admin.id, role: .admin)
            let lost = Browser(client: b.client)
            _ = try await Self.enrol(server, lost, "perdu@example.fr")
            let target = try #require(try await server.store.participant(email: "perdu@example.fr"))
            try await server.makeOrganiser(target.id, role: .moderator)
            let other = Browser(client: b.client)
            try await other.signUp(email: "curieux@example.fr")
            let admin2 = Browser(client: b.client)
            try await Self.signIn(server, admin2, "admin-2fa@example.fr", secret: adminSecret)
            try await admin2.get("/admin")
            // act
            let byParticipant = try await other.post("/admin/double-authentification", [("email", "perdu@example.fr"), ("reason", "Je voudrais bien.")])
            let noReason = try await admin2.post("/admin/double-authentification", [("email", "perdu@example.fr"), ("reason", " ")])
            let unknown = try await admin2.post("/admin/double-authentification", [("email", "personne@example.fr"), ("reason", "Vérifié par téléphone.")])
            let factorBefore = try await server.store.secondFactor(participantID: target.id)
            let done = try await admin2.post("/admin/double-authentification", [("email", "perdu@example.fr"), ("reason", "Identité vérifiée par téléphone.")])
            let twice = try await admin2.post("/admin/double-authentification", [("email", "perdu@example.fr"), ("reason", "Identité vérifiée par téléphone.")])
            let lostAfter = try await lost.get("/compte")
            // check
            #expect(byParticipant.status == .forbidden)
            #expect(noReason.status == .unprocessableContent && factorBefore?.confirmedAt != nil)
            #expect(unknown.status == .unprocessableContent && unknown.body.contains("personne@example.fr"))
            #expect(done.status == .seeOther && done.location == "/admin?ok=second_factor_reset_done", "\(done.status) \(done.body.prefix(300))")
            #expect(twice.status == .conflict && (twice.body.contains("n&#39;a pas de double authentification") || twice.body.contains("n'a pas de double authentification")))
            #expect(try await server.store.secondFactor(participantID: target.id) == nil)
            #expect(lostAfter.status != .ok, "the person's sessions ended")
            let audit = try await server.store.auditEntries(consultationID: nil, page: PageRequest(page: 1, perPage: 200)).items
            let entry = try #require(audit.last { $0.action == .resetSecondFactor })
            #expect(entry.targetID == target.id && entry.actorID == admin.id && entry.reason == "Identité vérifiée par téléphone.")
            #expect(audit.filter { $0.action == .resetSecondFactor }.count == 1, "refusals stored nothing")
            let mails = try await server.store.dueMails(at: server.clock.now() + 1, limit: 1_000).filter { $0.kind == "security" }
            #expect(mails.count == 1 && mails.first?.to == "perdu@example.fr" && (mails.first?.text.contains("/compte/double-authentification") ?? false))
            // the person signs in with the password alone and, a moderator, is asked to enrol again
            let back = Browser(client: b.client)
            try await back.get("/signin")
            let signedIn = try await back.post("/signin", [("email", "perdu@example.fr"), ("password", Self.password)])
            #expect(signedIn.location == "/", "\(signedIn.status) \(signedIn.location ?? "")")
            #expect(try await back.get("/").body.contains("staff-notice"))
        }
    }

    @Test("API enrolment: staff signed in by token enrol through /me/second-factor, and the same token then acts as staff; wrong, missing and out-of-turn codes refused")
    func apiEnrolment() async throws {
        let server = try await TestServer.make(staffSecondFactor: true)
        try await server.run { b in
            let token = try await b.apiAccount("api-staff@example.fr")
            let me = try #require(try await server.store.participant(email: "api-staff@example.fr"))
            try await server.makeOrganiser(me.id)
            let close = "/consultations/\(server.demo.id)/close"
            // act: withheld, then out-of-turn confirmation, then the secret
            let withheld = try await b.api(.post, close, token: token, json: ["reason": "Clôture anticipée."])
            let early = try await b.api(.post, "/me/second-factor/confirmation", token: token, json: ["code": "123456"])
            let anonymous = try await b.api(.post, "/me/second-factor")
            let begun = try await b.api(.post, "/me/second-factor", token: token)
            let text = try #require(begun.json["secret"] as? String)
            let secret = try #require(Base32.decode(text))
            let statusBefore = try await b.api(.get, "/me/second-factor", token: token)
            let missing = try await b.api(.post, "/me/second-factor/confirmation", token: token, json: [String: Any]())
            let wrong = try await b.api(.post, "/me/second-factor/confirmation", token: token, json: ["code": "000000"])
            let confirmed = try await b.api(.post, "/me/second-factor/confirmation", token: token, json: ["code": Self.code(secret, server)])
            let again = try await b.api(.post, "/me/second-factor", token: token)
            let statusAfter = try await b.api(.get, "/me/second-factor", token: token)
            let closed = try await b.api(.post, close, token: token, json: ["reason": "Clôture anticipée."])
            // check
            #expect(withheld.status == .forbidden && withheld.json["type"] as? String == "urn:contribuez:problem:staff_second_factor_required")
            #expect(early.status == .conflict && early.json["type"] as? String == "urn:contribuez:problem:not_enrolling")
            #expect(anonymous.status == .unauthorized)
            #expect(begun.status == .created && (begun.json["uri"] as? String)?.hasPrefix("otpauth://totp/") == true)
            #expect(statusBefore.json["enrolling"] as? Bool == true && statusBefore.json["active"] as? Bool == false)
            #expect(missing.status == .unprocessableContent && ((missing.json["errors"] as? [[String: Any]])?.first?["field"] as? String) == "code")
            #expect(wrong.status == .unprocessableContent)
            #expect(confirmed.status == .ok && (confirmed.json["recoveryCodes"] as? [String])?.count == 10, "\(confirmed.body)")
            #expect(again.status == .conflict && again.json["type"] as? String == "urn:contribuez:problem:second_factor_active")
            #expect(statusAfter.json["active"] as? Bool == true && statusAfter.json["recoveryCodesLeft"] as? Int == 10)
            #expect(closed.status == .ok, "the verified token acts as staff: \(closed.status) \(closed.body.prefix(200))")
            #expect(try await server.store.secondFactor(participantID: me.id)?.confirmedAt != nil)
        }
    }
}
