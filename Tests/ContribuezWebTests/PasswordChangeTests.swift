import ContribuezCore
import ContribuezWeb
import Foundation
import Testing

/// Changing one's password (ASVS 5.0 6.2.2, 6.2.3, 7.4.3): the current password is asked, bad new ones are
/// refused with the field named, and every other session ends; the same through the API.
@Suite("Password change")
struct PasswordChangeTests {
    static let email = "changement@example.fr"
    static let old = "cheval agrafe pile"
    static let new = "lampe verte du port"

    @Test("the form needs the current password, refuses weak or unchanged ones, then changes it and ends the other sessions")
    func page() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { b in
            try await b.signUp(email: Self.email, password: Self.old)
            let other = Browser(client: b.client)
            try await other.get("/signin")
            #expect(try await other.post("/signin", [("email", Self.email), ("password", Self.old)]).status == .seeOther)
            #expect(try await other.get("/compte").status == .ok)

            // act and assert: refusals change nothing
            let form = try await b.get("/compte/mot-de-passe")
            #expect(form.status == .ok)
            #expect(form.body.contains("name=\"currentPassword\""))
            let wrong = try await b.post("/compte/mot-de-passe", [("currentPassword", "pas le bon"), ("newPassword", Self.new)])
            #expect(wrong.status == .forbidden)
            #expect(wrong.body.contains("Le mot de passe actuel n’est pas le bon"))
            let same = try await b.post("/compte/mot-de-passe", [("currentPassword", Self.old), ("newPassword", Self.old)])
            #expect(same.status == .unprocessableContent)
            #expect(same.body.contains("différent de l’actuel"))
            let common = try await b.post("/compte/mot-de-passe", [("currentPassword", Self.old), ("newPassword", "sunshine1")])
            #expect(common.status == .unprocessableContent)
            let short = try await b.post("/compte/mot-de-passe", [("currentPassword", Self.old), ("newPassword", "court")])
            #expect(short.status == .unprocessableContent)
            #expect(try await other.get("/compte").status == .ok, "a refused change ends no session")
            let noCSRF = try await b.post("/compte/mot-de-passe", [("currentPassword", Self.old), ("newPassword", Self.new)], csrf: "faux")
            #expect(noCSRF.status == .forbidden)

            // act: the change
            let done = try await b.post("/compte/mot-de-passe", [("currentPassword", Self.old), ("newPassword", Self.new)])
            #expect(done.status == .seeOther)
            #expect(done.location == "/compte/mot-de-passe?fait=1")
            #expect(try await b.get("/compte/mot-de-passe?fait=1").body.contains("Votre mot de passe a été changé"))

            // assert: this session lives, the other ended, the old password no longer signs in, the new one does
            #expect(try await b.get("/compte").status == .ok)
            #expect(try await other.get("/compte").status != .ok, "the other browser is signed out")
            let third = Browser(client: b.client)
            try await third.get("/signin")
            #expect(try await third.post("/signin", [("email", Self.email), ("password", Self.old)]).status == .unauthorized)
            #expect(try await third.post("/signin", [("email", Self.email), ("password", Self.new)]).status == .seeOther)
        }
    }

    @Test("anonymous visitors are sent to sign in; guesses of the current password are rate-limited like sign-ins")
    func anonymousAndGuesses() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { b in
            #expect(try await b.get("/compte/mot-de-passe").location == "/signin")
            try await b.signUp(email: Self.email, password: Self.old)
            try await b.get("/compte/mot-de-passe")

            // act: 12 wrong guesses (the sign-in limit per e-mail is 10 failures)
            var statuses: [Int] = []
            for _ in 0..<12 {
                statuses.append(Int(try await b.post("/compte/mot-de-passe", [("currentPassword", "devine"), ("newPassword", Self.new)]).status.code))
            }

            // assert
            #expect(statuses.prefix(10).allSatisfy { $0 == 403 })
            #expect(statuses.suffix(2).allSatisfy { $0 == 429 })
            let right = try await b.post("/compte/mot-de-passe", [("currentPassword", Self.old), ("newPassword", Self.new)])
            #expect(right.status == .tooManyRequests, "even the right password waits: the limit does not tell guesses apart")
        }
    }

    @Test("PUT /api/v1/me/password: 422 naming the field, 403 on a wrong current password, 204 ending the other tokens")
    func api() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { b in
            let token = try await b.apiAccount(Self.email)
            let otherToken = try #require(try await b.api(.post, "/sessions", json: ["email": Self.email, "password": Self.old]).json["token"] as? String)

            // act and assert
            #expect(try await b.api(.put, "/me/password", json: ["currentPassword": Self.old, "newPassword": Self.new]).status == .unauthorized)
            let missing = try await b.api(.put, "/me/password", token: token, json: ["currentPassword": Self.old])
            #expect(missing.status == .unprocessableContent)
            #expect(missing.body.contains("newPassword"))
            let weak = try await b.api(.put, "/me/password", token: token, json: ["currentPassword": Self.old, "newPassword": "Contribuez2026"])
            #expect(weak.status == .unprocessableContent)
            #expect(weak.body.contains("newPassword"))
            let wrong = try await b.api(.put, "/me/password", token: token, json: ["currentPassword": "faux", "newPassword": Self.new])
            #expect(wrong.status == .forbidden)
            #expect(wrong.body.contains("wrong_password"))
            #expect(try await b.api(.get, "/me", token: otherToken).status == .ok)
            let done = try await b.api(.put, "/me/password", token: token, json: ["currentPassword": Self.old, "newPassword": Self.new])
            #expect(done.status == .noContent)
            #expect(try await b.api(.get, "/me", token: token).status == .ok)
            #expect(try await b.api(.get, "/me", token: otherToken).status == .unauthorized)
            #expect(try await b.api(.post, "/sessions", json: ["email": Self.email, "password": Self.new]).status == .created)
        }
    }
}
