import ContribuezCore
import ContribuezWeb
import Foundation
import HTTPTypes
import Testing

/// Sessions (issue 13, deliverable 3): a new identifier at sign-in and at every privilege change, idle and absolute
/// timeouts with the production policy and the test clock, « se déconnecter partout », and the participant's own
/// list of sessions, in pages and in the API.
@Suite("Session security")
struct SessionSecurityTests {
    static let chromiumOnLinux: HTTPFields = [.userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36"]

    static func sessionCookie(_ reply: Reply) -> String? {
        reply.setCookies.first { $0.hasPrefix("cz_session=") }
    }

    /// Whether the browser's cookie is a live session: the account page answers 200 only then.
    static func signedIn(_ b: Browser) async throws -> Bool {
        try await b.get("/compte").status == .ok
    }

    static func signIn(_ b: Browser, _ email: String, headers: HTTPFields = [:]) async throws -> Reply {
        try await b.get("/signin", headers: headers)
        return try await b.post("/signin", [("email", email), ("password", "cheval agrafe pile")], extra: headers)
    }

    @Test("signing in gives a new session identifier; the one the browser had stops working")
    func newIdentifierAtSignIn() async throws {
        // setup
        let server = try await TestServer.make(sessionPolicy: .production)
        try await server.run { b in
            try await b.signUp(email: "camille@example.fr")
            let before = try #require(b.cookies["cz_session"])
            // act
            let again = try await Self.signIn(b, "camille@example.fr")
            let after = try #require(b.cookies["cz_session"])
            let replay = Browser(client: b.client)
            replay.cookies["cz_session"] = before
            // check
            #expect(again.status == .seeOther)
            #expect(after != before)
            #expect(try await Self.signedIn(b))
            #expect(try await Self.signedIn(replay) == false, "the session held before signing in again is ended")
        }
    }

    @Test("a role granted or revoked replaces the page session's identifier on the next request; the old cookie is refused")
    func rotationOnPrivilegeChange() async throws {
        // setup
        let server = try await TestServer.make(sessionPolicy: .production)
        try await server.run { b in
            try await b.signUp(email: "orga@example.fr", name: "Orga")
            let me = try #require(try await server.store.participant(email: "orga@example.fr"))
            let before = try #require(b.cookies["cz_session"])
            let quiet = try await b.get("/compte")
            // act
            try await server.makeOrganiser(me.id)
            let first = try await b.get("/consultations/\(server.demo.id)/organiser")
            let granted = try #require(b.cookies["cz_session"])
            let second = try await b.get("/consultations/\(server.demo.id)/organiser")
            let stale = Browser(client: b.client)
            stale.cookies["cz_session"] = before
            let staleReply = try await stale.get("/consultations/\(server.demo.id)/organiser")
            let entry = AuditEntry(consultationID: server.demo.id, actorID: nil, actorName: "test", action: .revokeRole,
                                   targetKind: "participant", targetID: me.id, at: server.clock.now())
            _ = try await server.store.revokeRole(consultationID: server.demo.id, participantID: me.id, audit: entry)
            let revokedReply = try await b.get("/compte")
            let revoked = try #require(b.cookies["cz_session"])
            // check
            #expect(Self.sessionCookie(quiet) == nil, "no change, no new cookie")
            #expect(first.status == .ok, "the organiser page opens in the same request that rotates")
            let cookie = try #require(Self.sessionCookie(first))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
            #expect(granted != before)
            #expect(Self.sessionCookie(second) == nil, "rotated once")
            #expect(second.status == .ok)
            #expect(staleReply.status != .ok, "the old identifier no longer opens the organiser page")
            #expect(try await Self.signedIn(stale) == false)
            #expect(revokedReply.status == .ok && revoked != granted, "a revocation rotates too")
        }
    }

    @Test("an API token is replaced when its holder's roles change: the new one comes in Contribuez-Session-Token, the old one is refused")
    func bearerRotatesOnPrivilegeChange() async throws {
        // setup
        let server = try await TestServer.make(sessionPolicy: .production)
        try await server.run { b in
            let token = try await b.apiAccount("api@example.fr")
            let me = try #require(try await server.store.participant(email: "api@example.fr"))
            let quiet = try await b.api(.get, "/me", token: token, followRotation: false)
            // act
            _ = try await server.store.setRole(participantID: me.id, role: .organiser)
            let rotated = try await b.api(.get, "/me", token: token, followRotation: false)
            let replacement = try #require(rotated.headers[HTTPField.Name("Contribuez-Session-Token")!])
            let old = try await b.api(.get, "/me", token: token, followRotation: false)
            let new = try await b.api(.get, "/me", token: replacement, followRotation: false)
            // check
            #expect(quiet.status == .ok && quiet.headers[HTTPField.Name("Contribuez-Session-Token")!] == nil)
            #expect(rotated.status == .ok && (rotated.json["id"] as? NSNumber)?.int64Value == me.id, "the request that rotates runs, for the same person")
            #expect(replacement != token)
            #expect(old.status == .unauthorized, "the old token stops working")
            #expect(new.status == .ok && new.headers[HTTPField.Name("Contribuez-Session-Token")!] == nil, "rotated once")
        }
    }

    @Test("a participant's session ends after 2 hours without a request; requests keep it alive, at most once a minute written")
    func participantIdle() async throws {
        // setup
        let server = try await TestServer.make(sessionPolicy: .production)
        try await server.run { b in
            try await b.signUp(email: "lent@example.fr")
            let me = try #require(try await server.store.participant(email: "lent@example.fr"))
            let hash = SessionTokens.storedHash(try #require(b.cookies["cz_session"]))
            // act
            server.clock.advance(by: 30)
            try await b.get("/compte")
            let notYet = try #require(try await server.store.session(tokenHash: hash, at: server.clock.now())).lastSeenAt
            server.clock.advance(by: 119 * 60)
            let kept = try await Self.signedIn(b)
            let touched = try #require(try await server.store.session(tokenHash: hash, at: server.clock.now())).lastSeenAt
            server.clock.advance(by: 119 * 60)
            let stillKept = try await Self.signedIn(b)
            server.clock.advance(by: 2 * 3600 + 1)
            let idled = try await Self.signedIn(b)
            // check
            #expect(notYet == TestServer.t0, "a request within a minute of the last write writes nothing")
            #expect(touched == server.clock.now() - (119 * 60) - (2 * 3600 + 1), "the request after 119 minutes recorded itself")
            #expect(kept && stillKept, "a request every 119 minutes keeps the session")
            #expect(!idled, "2 hours and a second without a request end it")
            #expect(try await server.store.activeSessionCount(participantID: me.id, at: server.clock.now()) == 0)
        }
    }

    @Test("a staff session ends after 30 minutes idle, and 12 hours after sign-in however active")
    func staffTimeouts() async throws {
        // setup
        let server = try await TestServer.make(sessionPolicy: .production)
        try await server.run { b in
            let admin = Browser(client: b.client)
            try await InstitutionFixtures.account(admin, server, "admin@example.fr", name: "Admin", role: .admin)
            _ = try await Self.signIn(admin, "admin@example.fr")
            let firstAdminPage = try await admin.get("/admin")
            let idle = Browser(client: b.client)
            try await InstitutionFixtures.account(idle, server, "idle-admin@example.fr", name: "Idle", role: .admin)
            _ = try await Self.signIn(idle, "idle-admin@example.fr")
            // act
            var activeUntil: [Bool] = []
            for _ in 0..<35 {  // 35 × 20 min = 11 h 40
                server.clock.advance(by: 20 * 60)
                activeUntil.append(try await admin.get("/admin").status == .ok)
            }
            let idleGone = try await idle.get("/admin").status
            server.clock.advance(by: 20 * 60 + 1)  // 12 h and a second after sign-in
            let absolute = try await admin.get("/admin").status
            // check
            #expect(firstAdminPage.status == .ok && Self.sessionCookie(firstAdminPage) == nil, "signed in after the role: no rotation needed")
            #expect(activeUntil.allSatisfy { $0 }, "an admin active every 20 minutes stays signed in: \(activeUntil)")
            #expect(idleGone != .ok, "30 minutes without a request end a staff session")
            #expect(absolute != .ok, "12 hours after sign-in the staff session ends")
        }
    }

    @Test("a participant's session ends 30 days after sign-in however active; the cookie says when")
    func participantAbsolute() async throws {
        // setup
        let server = try await TestServer.make(sessionPolicy: .production)
        try await server.run { b in
            let signedUp = try await b.signUp(email: "fidele@example.fr")
            // act
            var alive = true
            for _ in 0..<(30 * 24 / 2 - 1) {  // every 2 hours minus a minute, for just under 30 days
                server.clock.advance(by: 2 * 3600 - 60)
                alive = try await b.get("/compte").status == .ok && alive
            }
            server.clock.set(TestServer.t0 + 30 * 86_400 + 1)
            let over = try await Self.signedIn(b)
            // check
            #expect(try #require(Self.sessionCookie(signedUp)).contains("Max-Age=2592000"))
            #expect(alive)
            #expect(!over)
        }
    }

    @Test("« se déconnecter partout » ends every session of the account, the other browsers' and API tokens included")
    func signOutEverywhere() async throws {
        // setup
        let server = try await TestServer.make(sessionPolicy: .production)
        try await server.run { b in
            try await b.signUp(email: "partout@example.fr")
            let phone = Browser(client: b.client)
            _ = try await Self.signIn(phone, "partout@example.fr")
            let token = try await b.apiSignIn("partout@example.fr")
            let other = Browser(client: b.client)
            try await other.signUp(email: "autre@example.fr")
            let page = try await b.get("/compte/sessions")
            // act
            let noCSRF = try await b.post("/compte/sessions/partout", [], csrf: "forged")
            let stillThere = try await Self.signedIn(phone)
            let done = try await b.post("/compte/sessions/partout", [])
            // check
            #expect(page.body.contains("action=\"/compte/sessions/partout\"") && page.body.contains("Se déconnecter partout"))
            #expect(noCSRF.status == .forbidden && stillThere, "without the CSRF token nothing is ended")
            #expect(done.status == .seeOther && done.location?.hasPrefix("/signin") == true)
            #expect(b.cookies["cz_session"] == nil, "this browser's cookie is removed")
            #expect(try await Self.signedIn(phone) == false)
            #expect(try await b.api(.get, "/me", token: token).status == .unauthorized)
            #expect(try await Self.signedIn(other), "someone else's session stays")
        }
    }

    @Test("DELETE /api/v1/sessions ends every session of the bearer; the pages' sessions too")
    func signOutEverywhereAPI() async throws {
        // setup
        let server = try await TestServer.make(sessionPolicy: .production)
        try await server.run { b in
            try await b.signUp(email: "api-partout@example.fr")
            let first = try await b.apiSignIn("api-partout@example.fr")
            let second = try await b.apiSignIn("api-partout@example.fr")
            // act
            let anonymous = try await b.api(.delete, "/sessions")
            let ended = try await b.api(.delete, "/sessions", token: first)
            // check
            #expect(anonymous.status == .unauthorized)
            #expect(ended.status == .noContent)
            #expect(try await b.api(.get, "/me", token: first).status == .unauthorized)
            #expect(try await b.api(.get, "/me", token: second).status == .unauthorized)
            #expect(try await Self.signedIn(b) == false)
        }
    }

    @Test("/compte/sessions lists one's own live sessions with a coarse client, marks this one, and ends another")
    func listPage() async throws {
        // setup
        let server = try await TestServer.make(sessionPolicy: .production)
        try await server.run { b in
            try await b.signUp(email: "liste@example.fr")
            let laptop = Browser(client: b.client)
            _ = try await Self.signIn(laptop, "liste@example.fr", headers: Self.chromiumOnLinux)
            let stranger = Browser(client: b.client)
            try await stranger.signUp(email: "etranger@example.fr")
            _ = try await Self.signIn(stranger, "etranger@example.fr", headers: [.userAgent: "Mozilla/5.0 (Windows NT 10.0; rv:120.0) Gecko/20100101 Firefox/120.0"])
            // act
            let page = try await b.get("/compte/sessions")
            let me = try #require(try await server.store.participant(email: "liste@example.fr"))
            let mine = try await server.store.activeSessions(
                participantID: me.id, at: server.clock.now(), offset: 0, limit: 10)
            let laptopHandle = try #require(mine.first { $0.agent == "Chromium|Linux" }?.publicID)
            let ended = try await b.post("/compte/sessions/\(laptopHandle)/fin", [])
            let after = try await b.get(ended.location ?? "/compte/sessions")
            let strangerAccount = try #require(try await server.store.participant(email: "etranger@example.fr"))
            let strangerHandle = try #require(try await server.store.activeSessions(
                participantID: strangerAccount.id, at: server.clock.now(), offset: 0, limit: 10).first?.publicID)
            let notMine = try await b.post("/compte/sessions/\(strangerHandle)/fin", [])
            let account = try await b.get("/compte")
            // check
            #expect(page.status == .ok)
            #expect(page.body.contains("Chromium sur Linux"))
            #expect(!page.body.contains("Firefox"), "someone else's sessions are not listed")
            #expect(page.body.contains("cette session") && page.body.contains("action=\"/compte/sessions/\(laptopHandle)/fin\""))
            #expect(page.body.contains("Sessions actives : 2"))
            #expect(ended.status == .seeOther && ended.location == "/compte/sessions?fin=1")
            #expect(try await Self.signedIn(laptop) == false, "the ended session is signed out")
            #expect(after.body.contains("Sessions actives : 1") && after.body.contains("La session a été terminée."))
            #expect(notMine.status == .notFound, "someone else's session answers 404")
            #expect(try await Self.signedIn(stranger))
            #expect(account.body.contains("href=\"/compte/sessions\""))
            #expect(try await Browser(client: b.client).get("/compte/sessions").status == .forbidden, "signed out: refused")
        }
    }

    @Test("GET /api/v1/sessions pages one's sessions (current marked, no secret); DELETE of someone else's id is 404")
    func listAPI() async throws {
        // setup
        let server = try await TestServer.make(sessionPolicy: .production)
        try await server.run { b in
            let token = try await b.apiAccount("api-liste@example.fr")
            for _ in 0..<4 { _ = try await b.apiSignIn("api-liste@example.fr") }
            let otherToken = try await b.apiAccount("api-autre@example.fr")
            let theirs = try #require(((try await b.api(.get, "/sessions", token: otherToken)).json["items"] as? [[String: Any]])?.first?["id"] as? String)
            // act
            let page1 = try await b.api(.get, "/sessions?perPage=3", token: token)
            let page2 = try await b.api(.get, "/sessions?perPage=3&page=2", token: token)
            let bad = try await b.api(.get, "/sessions?perPage=0&page=x", token: token)
            let stolen = try await b.api(.delete, "/sessions/\(theirs)", token: token)
            let garbage = try await b.api(.delete, "/sessions/not-a-handle", token: token)
            let items = (page1.json["items"] as? [[String: Any]] ?? []) + (page2.json["items"] as? [[String: Any]] ?? [])
            let another = try #require(items.first { $0["current"] as? Bool == false }?["id"] as? String)
            let endOwn = try await b.api(.delete, "/sessions/\(another)", token: token)
            let endOwnAgain = try await b.api(.delete, "/sessions/\(another)", token: token)
            let after = try await b.api(.get, "/sessions", token: token)
            // check
            #expect(page1.status == .ok && page1.json["total"] as? Int == 5 && page1.json["pageCount"] as? Int == 2)
            #expect(items.count == 5 && Set(items.compactMap { $0["id"] as? String }).count == 5)
            #expect(items.filter { $0["current"] as? Bool == true }.count == 1)
            #expect(!page1.body.contains("token") && !page1.body.contains(SessionTokens.storedHash(token)))
            #expect(items.allSatisfy { $0["label"] as? String == "Navigateur inconnu sur système inconnu" || $0["label"] is String })
            #expect(bad.status == .unprocessableContent, "\(bad.body)")
            let fields = (bad.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            #expect(Set(fields) == ["perPage", "page"], "\(bad.body)")
            #expect(stolen.status == .notFound && garbage.status == .notFound)
            #expect(try await b.api(.get, "/me", token: otherToken).status == .ok, "the other account's session is untouched")
            #expect(endOwn.status == .noContent && endOwnAgain.status == .notFound)
            #expect(after.json["total"] as? Int == 4)
            #expect(try await b.api(.get, "/sessions", token: nil).status == .unauthorized)
        }
    }
}
