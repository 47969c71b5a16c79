import ContribuezCore
import ContribuezImport
import ContribuezMail
import ContribuezStore
import ContribuezWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The whole mail path of issue 9, with no mock: a participant follows a proposal through the API, an
/// answerer answers it through the API, the notification becomes a mail in the outbox, and the SMTP
/// sender delivers it to a real SMTP server started here — which is stopped mid-run and restarted.
@Suite("Follower mail, end to end (issue 9)", .serialized)
struct FollowerMailEndToEndTests {
    struct Client {
        let client: any TestClientProtocol

        func call(_ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: [String: Any]? = nil) async throws -> (HTTPResponse.Status, [String: Any]) {
            var headers: HTTPFields = [.contentType: "application/json"]
            if let token { headers[.authorization] = "Bearer \(token)" }
            let body = try json.map { ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: $0)) }
            return try await client.execute(uri: "/api/v1" + path, method: method, headers: headers, body: body) { r in
                (r.status, (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any] ?? [:])
            }
        }

        func account(_ email: String) async throws -> (token: String, id: ID) {
            let (status, created) = try await call(.post, "/accounts", json: ["email": email, "password": "cheval agrafe pile", "displayName": email, "kind": "citizen"])
            #expect(status == .created)
            let (_, session) = try await call(.post, "/sessions", json: ["email": email, "password": "cheval agrafe pile"])
            return (try #require(session["token"] as? String), Int64(try #require(created["id"] as? Int)))
        }
    }

    @Test("a follower's mail reaches a real SMTP server; with the server stopped mid-run it stays queued and arrives once when it is back")
    func followerMail() async throws {
        // setup: the demo consultation, a fixed clock, an SMTP server on loopback
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cz-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: dir.appendingPathComponent("e2e.sqlite").path)
        let t0 = Date(timeIntervalSince1970: 1_760_000_000)
        let clock = FixedClock(t0)
        let demo = try await store.importConsultation(DemoConsultation.bundle(now: t0))
        var deps = try await makeDependencies(store: store, clock: clock, hasher: BcryptHasher(cost: 4))
        // The clock jumps an hour below: longer than a staff session's idle timeout (issue 13).
        deps.sessionPolicy = SessionPolicy(participantIdle: 86_400, participantAbsolute: 86_400, staffIdle: 86_400, staffAbsolute: 86_400)
        deps.staffSecondFactor = false  // the answerer acts at once; SecondFactorTests cover the rule
        let server = try await TestSMTPServer().start()
        var config = try SMTPConfiguration(url: "smtp://127.0.0.1:\(server.port)")
        config.replyTimeout = .seconds(5)
        let sender = MailSender(outbox: store, client: try SMTPClient(configuration: config), from: MailTests.from, clock: clock)
        let mailer = NotificationMailer(deps: deps, publicURL: "https://consultation.example.org")
        let app = Application(router: buildRouter(deps))

        try await app.test(.router) { raw in
            let api = Client(client: raw)
            let author = try await api.account("autrice@example.fr")
            let follower = try await api.account("suiveur@example.fr")
            let newcomer = try await api.account("reponse@example.fr")
            let entry = AuditEntry(consultationID: demo.id, actorID: nil, actorName: "test", action: .grantRole, targetKind: "participant",
                                   targetID: newcomer.id, reason: "answerer", at: t0)
            try await store.grantRole(consultationID: demo.id, participantID: newcomer.id, role: .answerer, audit: entry)
            // A session opened after the grant carries the role (the one opened before would be replaced on its next use).
            let (_, signedIn) = try await api.call(.post, "/sessions", json: ["email": "reponse@example.fr", "password": "cheval agrafe pile"])
            let answerer = (token: try #require(signedIn["token"] as? String), id: newcomer.id)
            let (created, proposal) = try await api.call(.post, "/consultations/\(demo.id)/proposals", token: author.token,
                                                         json: ["title": "Un registre public des algorithmes", "text": "Chaque administration publie ses algorithmes."])
            #expect(created == .created)
            let proposalID = Int64(try #require(proposal["id"] as? Int))
            #expect(try await api.call(.put, "/follows/contribution/\(proposalID)", token: follower.token).0 == .ok)
            try await store.setMailPreference(participantID: follower.id, frequency: .immediate, lang: "fr", newToken: "tok_suiveur")

            // The welcome mails of the three sign-ups (issue 13) leave first.
            #expect(try await sender.sendDue() == MailSender.Round(sent: 3, failed: 0))
            let welcomes = server.received.count
            // act 1: the answer is given through the API; notifications become mails; the sender delivers
            let (answered, _) = try await api.call(.put, "/contributions/\(proposalID)/answer", token: answerer.token,
                                                   json: ["status": "retenue", "text": "Repris dans le projet de loi."])
            #expect(answered == .ok)
            let queued = try await mailer.runOnce()
            let first = try await sender.sendDue()

            // check 1: the follower's mail (and the author's) arrived, with the one-click unsubscribe headers
            #expect(queued.mails == 2)
            #expect(first == MailSender.Round(sent: 2, failed: 0))
            let toFollower = try #require(server.received.dropFirst(welcomes).first { $0.rcptTo == ["suiveur@example.fr"] })
            #expect(toFollower.header("List-Unsubscribe") == "<https://consultation.example.org/desabonnement/tok_suiveur>")
            #expect(toFollower.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")
            let body = Decode.quotedPrintable(toFollower.rawBody)
            #expect(body.contains("https://consultation.example.org/contributions/\(proposalID)"))
            #expect(body.contains("Réponse de l'institution (Retenue)"))

            // act 2: the SMTP server goes down; a second answer version is given; the sender fails, later the server is back
            await server.stop()
            clock.advance(by: 3600)
            let (again, _) = try await api.call(.put, "/contributions/\(proposalID)/answer", token: answerer.token,
                                                json: ["status": "partiellement_retenue", "text": "Repris en partie."])
            #expect(again == .ok, "the request succeeds while mail is down")
            _ = try await mailer.runOnce()
            let whileDown = try await sender.sendDue()
            let status = try await store.outboxStatus()
            clock.advance(by: 61)
            try await server.start(port: server.port)
            defer { Task { await server.stop() } }
            let back = try await sender.sendDue()

            // check 2: nothing was lost, nothing sent twice
            #expect(whileDown == MailSender.Round(sent: 0, failed: 2))
            #expect(status.queued == 2 && status.failing == 2)
            #expect(back == MailSender.Round(sent: 2, failed: 0))
            let followerMails = server.received.dropFirst(welcomes).filter { $0.rcptTo == ["suiveur@example.fr"] }
            #expect(followerMails.count == 2)
            #expect(try await store.outboxStatus().queued == 0)
        }
    }
}
