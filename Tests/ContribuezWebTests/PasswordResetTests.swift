import ContribuezCore
import ContribuezStore
@testable import ContribuezWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// « Mot de passe oublié » (issue 13): the same answer for a known and an unknown address, a single-use
/// link an hour long stored by its hash, every session revoked on reset, rate limits per e-mail and address.
@Suite("Password reset")
struct PasswordResetTests {
    static let password = "cheval agrafe pile"
    static let newPassword = "tortue lanterne velours"

    /// The link of the last reset mail queued for `to`.
    static func link(_ server: TestServer, to: String) async throws -> String {
        let mails = try await server.store.dueMails(at: server.clock.now() + 1, limit: 100).filter { $0.kind == "password_reset" && $0.to == to }
        let text = try #require(mails.last?.text)
        let start = try #require(text.range(of: "http://localhost:8080/mot-de-passe/"))
        return "/mot-de-passe/" + String(text[start.upperBound...].prefix { !$0.isWhitespace })
    }

    /// The answer's page with its per-request tokens (CSRF) blanked, to compare two answers.
    static func comparable(_ body: String) -> String {
        body.replacingOccurrences(of: #"value="[A-Za-z0-9_\-]{20,}""#, with: "value=\"\"", options: .regularExpression)
    }

    @Test("a known and an unknown address get the same answer; only the known one is mailed, with a link whose token is stored hashed")
    func sameAnswer() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { b in
            try await b.signUp(email: "connue@example.fr")
            try await b.post("/signout", [])
            // act
            try await b.get("/mot-de-passe-oublie")
            let known = try await b.post("/mot-de-passe-oublie", [("email", "Connue@Example.fr")])
            let unknown = try await b.post("/mot-de-passe-oublie", [("email", "inconnue@example.fr")])
            // check
            #expect(known.status == .ok)
            #expect(unknown.status == .ok)
            #expect(known.body.contains("Si un compte existe pour cette adresse"))
            #expect(Self.comparable(known.body) == Self.comparable(unknown.body))
            let mails = try await server.store.dueMails(at: server.clock.now() + 1, limit: 100).filter { $0.kind == "password_reset" }
            #expect(mails.map(\.to) == ["connue@example.fr"])
            let path = try await Self.link(server, to: "connue@example.fr")
            let token = String(path.dropFirst("/mot-de-passe/".count))
            #expect(Tokens.wellFormed(token))
            #expect(try await server.store.passwordReset(tokenHash: token) == nil, "the token is not stored in clear")
            let stored = try #require(try await server.store.passwordReset(tokenHash: Tokens.hash(token)))
            #expect(stored.expiresAt == server.clock.now() + 3600)
        }
    }

    @Test("an address that cannot be one is refused with 422 and a French message; nothing is queued")
    func invalidAddress() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            try await b.get("/mot-de-passe-oublie")
            let r = try await b.post("/mot-de-passe-oublie", [("email", "pas une adresse")])
            #expect(r.status == .unprocessableContent)
            #expect(r.body.contains("class=\"errors\""))
            #expect(try await server.store.dueMails(at: server.clock.now() + 1, limit: 10).isEmpty)
        }
    }

    @Test("the link sets a new password once: every session of the account ends, the old password fails, the new one works, the link then answers 410")
    func resetRevokesSessions() async throws {
        // setup: an account with a browser session and an API session
        let server = try await TestServer.make()
        try await server.run { b in
            let token = try await b.apiAccount("oubli@example.fr")
            #expect(try await b.api(.get, "/me", token: token).status == .ok)
            try await b.get("/signin")
            #expect(try await b.post("/signin", [("email", "oubli@example.fr"), ("password", Self.password)]).status == .seeOther)
            try await b.get("/mot-de-passe-oublie")
            try await b.post("/mot-de-passe-oublie", [("email", "oubli@example.fr")])
            let path = try await Self.link(server, to: "oubli@example.fr")
            // act 1: the page (a GET spends nothing), then a password the sign-up would refuse
            let page = try await b.get(path)
            let again = try await b.get(path)
            let weak = try await b.post(path, [("password", "court")])
            // check 1
            #expect(page.status == .ok && again.status == .ok)
            #expect(page.body.contains("name=\"password\""))
            #expect(weak.status == .unprocessableContent)
            #expect(try await b.api(.get, "/me", token: token).status == .ok, "a refused password changes nothing")
            // act 2
            let done = try await b.post(path, [("password", Self.newPassword)])
            // check 2
            #expect(done.status == .ok)
            #expect(done.body.contains("Votre mot de passe a été changé"))
            #expect(try await b.api(.get, "/me", token: token).status == .unauthorized, "the API session was revoked")
            #expect(try await b.get("/compte").status != .ok, "the browser session was revoked")
            try await b.get("/signin")
            #expect(try await b.post("/signin", [("email", "oubli@example.fr"), ("password", Self.password)]).status == .unauthorized)
            #expect(try await b.post("/signin", [("email", "oubli@example.fr"), ("password", Self.newPassword)]).status == .seeOther)
            let used = try await b.get(path)
            #expect(used.status == .gone)
            #expect(used.body.contains("Ce lien a déjà servi"))
            try await b.get("/mot-de-passe-oublie")  // a page with a form: a fresh stamp for the next post
            let reused = try await b.post(path, [("password", "encore un autre mot")])
            #expect(reused.status == .gone, "a spent link cannot be posted again")
        }
    }

    @Test("a link older than an hour answers 410 and changes nothing; an unknown link answers 404")
    func expired() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            try await b.signUp(email: "tard@example.fr")
            try await b.post("/signout", [])
            try await b.get("/mot-de-passe-oublie")
            try await b.post("/mot-de-passe-oublie", [("email", "tard@example.fr")])
            let path = try await Self.link(server, to: "tard@example.fr")
            // act
            server.clock.advance(by: 3601)
            let page = try await b.get(path)
            try await b.get("/signin")
            let post = try await b.post(path, [("password", Self.newPassword)])
            let unknown = try await b.get("/mot-de-passe/" + String(repeating: "A", count: 43))
            // check
            #expect(page.status == .gone)
            #expect(page.body.contains("Ce lien a expiré"))
            #expect(post.status == .gone)
            #expect(unknown.status == .notFound)
            try await b.get("/signin")
            #expect(try await b.post("/signin", [("email", "tard@example.fr"), ("password", Self.password)]).status == .seeOther)
        }
    }

    @Test("an account is sent at most 3 links an hour; the 6th request for one e-mail within an hour gets 429 with Retry-After, known or not")
    func rateLimited() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            try await b.signUp(email: "limite@example.fr")
            try await b.post("/signout", [])
            try await b.get("/mot-de-passe-oublie")
            // act
            var known: [HTTPResponse.Status] = [], unknown: [HTTPResponse.Status] = []
            var last: Reply?
            for _ in 0..<6 {
                let r = try await b.post("/mot-de-passe-oublie", [("email", "limite@example.fr")])
                known.append(r.status)
                last = r
                unknown.append(try await b.post("/mot-de-passe-oublie", [("email", "personne@example.fr")]).status)
            }
            // check
            #expect(known == Array(repeating: .ok, count: 5) + [.tooManyRequests])
            #expect(unknown == known, "an unknown address is limited alike")
            #expect(last?.headers[.retryAfter] != nil)
            #expect(last?.body.contains("Trop de demandes de lien pour cette adresse e-mail") == true)
            let mails = try await server.store.dueMails(at: server.clock.now() + 1, limit: 100).filter { $0.kind == "password_reset" }
            #expect(mails.count == 3)
        }
    }

    @Test("requests from one address are limited across e-mails (password-reset.address)")
    func addressLimited() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            try await b.get("/mot-de-passe-oublie")
            var statuses: [HTTPResponse.Status] = []
            for i in 0..<21 {
                statuses.append(try await b.post("/mot-de-passe-oublie", [("email", "n\(i)@example.fr")]).status)
            }
            #expect(statuses == Array(repeating: .ok, count: 20) + [.tooManyRequests])
        }
    }
}
