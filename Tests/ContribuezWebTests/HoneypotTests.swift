import ContribuezCore
import Foundation
import HTTPTypes
import Testing

@testable import ContribuezWeb

/// The honeypot and the minimum fill time of public forms (issue 13): a robot that fills every field, posts
/// right after fetching the page, forges or replays a stamp is refused with a clear message and nothing stored.
@Suite("Honeypot and fill time")
struct HoneypotTests {
    /// A server with the production rule (3 seconds at least between a page and its form).
    static func server() async throws -> TestServer {
        let server = try await TestServer.make()
        var deps = server.deps
        deps.formStamps.minimumAge = 3
        return TestServer(store: server.store, clock: server.clock, deps: deps, demo: server.demo)
    }

    static let email = "robot@example.fr"

    static func signUpFields(_ email: String = email) -> [(String, String)] {
        [("email", email), ("password", "cheval agrafe pile"), ("displayName", "Camille"), ("kind", "citizen"), ("organization", "")]
    }

    @Test("the sign-up page carries a stamp and an empty honeypot out of sight; a person who takes a few seconds signs up")
    func personSignsUp() async throws {
        let server = try await Self.server()
        try await server.run { b in
            // act
            let page = try await b.get("/signup")
            server.clock.advance(by: 4)
            let done = try await b.post("/signup", Self.signUpFields())
            // check
            #expect(page.body.contains("name=\"_ts\"") && page.body.contains("name=\"site_web\" value=\"\""))
            #expect(page.body.contains("class=\"hp\" aria-hidden=\"true\"") && page.body.contains("tabindex=\"-1\""))
            #expect(done.status == .seeOther, "\(done.status)")
            #expect(try await server.store.participant(email: Self.email) != nil)
        }
    }

    @Test("a filled honeypot is refused with 422 and a French message; no account is created")
    func honeypotFilled() async throws {
        let server = try await Self.server()
        try await server.run { b in
            try await b.get("/signup")
            server.clock.advance(by: 10)
            // act
            let r = try await b.post("/signup", Self.signUpFields() + [("site_web", "https://spam.example")])
            // check
            #expect(r.status == .unprocessableContent)
            #expect(r.body.contains("un champ qui doit rester vide a été rempli"))
            #expect(try await server.store.participant(email: Self.email) == nil, "nothing stored")
        }
    }

    @Test("a form sent within 3 seconds of its page is refused (too fast); the same form later is accepted")
    func tooFast() async throws {
        let server = try await Self.server()
        try await server.run { b in
            try await b.get("/signup")
            server.clock.advance(by: 2)
            // act
            let fast = try await b.post("/signup", Self.signUpFields())
            let storedAfterFast = try await server.store.participant(email: Self.email)
            server.clock.advance(by: 2)
            let later = try await b.post("/signup", Self.signUpFields())
            // check
            #expect(fast.status == .unprocessableContent)
            #expect(fast.body.contains("envoyé trop vite"))
            #expect(storedAfterFast == nil)
            #expect(later.status == .seeOther)
        }
    }

    @Test("a missing, forged, day-old or someone else's stamp is refused; nothing is stored")
    func badStamps() async throws {
        let server = try await Self.server()
        try await server.run { b in
            let other = Browser(client: b.client)
            try await other.get("/signup")
            let othersStamp = try #require(other.lastStamp)
            try await b.get("/signup")
            let mine = try #require(b.lastStamp)
            let seconds = try #require(mine.split(separator: ".").first)
            server.clock.advance(by: 10)
            // act
            let missing = try await b.post("/signup", Self.signUpFields() + [("_ts", "")])
            let forged = try await b.post("/signup", Self.signUpFields() + [("_ts", "\(seconds).AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")])
            let shifted = try await b.post("/signup", Self.signUpFields() + [("_ts", "\(Int(seconds)! - 60).\(mine.split(separator: ".")[1])")])
            let stolen = try await b.post("/signup", Self.signUpFields() + [("_ts", othersStamp)])
            server.clock.advance(by: 86_400)
            let old = try await b.post("/signup", Self.signUpFields())
            // check
            for (what, r) in [("missing", missing), ("forged", forged), ("shifted", shifted), ("another visitor's", stolen), ("a day old", old)] {
                #expect(r.status == .unprocessableContent, "\(what): \(r.status)")
                #expect(r.body.contains("Ce formulaire a expiré ou est incomplet"), "\(what)")
            }
            #expect(try await server.store.participant(email: Self.email) == nil, "nothing stored")
        }
    }

    @Test("a refused form is a security event (form.refused, with the reason), and the internal marker never reaches the client")
    func logged() async throws {
        let logs = CapturedLogs()
        let made = try await Self.server()
        var deps = made.deps
        deps.securityLogger = logs.logger
        let server = TestServer(store: made.store, clock: made.clock, deps: deps, demo: made.demo)
        try await server.run { b in
            try await b.get("/signup")
            // act
            let fast = try await b.post("/signup", Self.signUpFields())
            server.clock.advance(by: 10)
            let trap = try await b.post("/signup", Self.signUpFields() + [("site_web", "x")])
            // check
            #expect(fast.headers[HTTPField.Name("Contribuez-Form-Refused")!] == nil && trap.headers[HTTPField.Name("Contribuez-Form-Refused")!] == nil)
            let events = logs.events("form.refused")
            #expect(events.map { $0["outcome"] } == ["too_fast", "honeypot"], "\(logs.text)")
            #expect(events.allSatisfy { $0["route"] == "/signup" && $0["status"] == "422" })
            #expect(!logs.text.contains(Self.email))
        }
    }

    @Test("sign-in keeps the honeypot but not the fill time (password managers sign in within a second)")
    func signIn() async throws {
        let server = try await Self.server()
        try await server.run { b in
            try await b.get("/signup")
            server.clock.advance(by: 4)
            try await b.post("/signup", Self.signUpFields())
            try await b.post("/signout", [])
            // act
            try await b.get("/signin")
            let robot = try await b.post("/signin", [("email", Self.email), ("password", "cheval agrafe pile"), ("site_web", "x")])
            let person = try await b.post("/signin", [("email", Self.email), ("password", "cheval agrafe pile")])
            // check
            #expect(robot.status == .unprocessableContent)
            #expect(person.status == .seeOther, "an immediate sign-in is accepted: \(person.status)")
        }
    }

    @Test("a contribution posted right after its page, or with the honeypot filled, is refused and not stored")
    func contribution() async throws {
        let server = try await Self.server()
        try await server.run { b in
            try await b.get("/signup")
            server.clock.advance(by: 4)
            try await b.post("/signup", Self.signUpFields())
            // act
            try await b.get("/consultations/\(server.demo.id)/proposals")
            let fast = try await b.post("/consultations/\(server.demo.id)/proposals", [("title", "Vite fait"), ("text", "Un texte écrit en une seconde.")])
            server.clock.advance(by: 30)
            let trap = try await b.post("/consultations/\(server.demo.id)/proposals",
                                        [("title", "Piège"), ("text", "Un texte de robot."), ("site_web", "https://spam.example")])
            let person = try await b.post("/consultations/\(server.demo.id)/proposals", [("title", "Une proposition"), ("text", "Écrite en trente secondes.")])
            // check
            #expect(fast.status == .unprocessableContent && trap.status == .unprocessableContent)
            #expect(person.status == .seeOther, "\(person.status)")
            let list = try await b.get("/consultations/\(server.demo.id)/proposals")
            #expect(list.body.contains("Une proposition"))
            #expect(!list.body.contains("Vite fait") && !list.body.contains("Piège"), "nothing of the refused forms is stored")
        }
    }
}
