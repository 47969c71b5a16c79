import ContribuezCore
import ContribuezMail
import ContribuezStore
import Foundation
import Testing

/// The outbox, the SMTP client and the sender against a real SMTP server on 127.0.0.1 (issue 9).
@Suite("Mail: outbox, SMTP and sender (issue 9)", .serialized)
struct MailTests {
    /// Tuesday 1 July 2025, 09:05:00 UTC.
    static let t0 = Date(timeIntervalSince1970: 1_751_360_700)
    static let from = try! MailAddress("Contribuez <noreply@consultation.example.org>")

    static func freshStore() throws -> SQLiteStore {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cz-mail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return try SQLiteStore(path: dir.appendingPathComponent("m.sqlite").path)
    }

    static func sender(_ store: SQLiteStore, _ server: TestSMTPServer, clock: FixedClock, url: String? = nil,
                       replyTimeout: Duration = .seconds(5)) throws -> MailSender {
        var config = try SMTPConfiguration(url: url ?? "smtp://127.0.0.1:\(server.port)")
        config.replyTimeout = replyTimeout
        return MailSender(outbox: store, client: try SMTPClient(configuration: config), from: from, clock: clock)
    }

    static func mail(_ n: Int = 1, subject: String? = nil, text: String = "Bonjour.", unsubscribe: String? = "https://consultation.example.org/desabonnement/tok") -> NewMail {
        NewMail(to: "lea\(n)@example.fr", subject: subject ?? "Mail \(n)", text: text, unsubscribeURL: unsubscribe, kind: "notification")
    }

    static func row(_ store: SQLiteStore, _ id: ID) async throws -> QueuedMail? {
        let all = try await store.dueMails(at: .distantFuture, limit: 1000)
        // A mail given up is no longer due: the admin's list of recent failures still shows it.
        if let due = all.first(where: { $0.id == id }) { return due }
        return try await store.outboxStatus().recentFailures.first { $0.id == id }
    }

    // MARK: Configuration

    @Test("an SMTP URL gives host, port, TLS mode and percent-decoded credentials")
    func urlParsing() throws {
        // setup // act
        let plain = try SMTPConfiguration(url: "smtp://alerte%40ville.fr:p%3As%40ss@mail.example.org:2525")
        let implicit = try SMTPConfiguration(url: "smtps://relay.example.org/")
        let bare = try SMTPConfiguration(url: "SMTP://localhost")
        let v6 = try SMTPConfiguration(url: "smtp://[::1]:25")
        // check
        #expect(plain == SMTPConfiguration(host: "mail.example.org", port: 2525, username: "alerte@ville.fr", password: "p:s@ss"))
        #expect(implicit.implicitTLS && implicit.port == 465 && implicit.username == nil)
        #expect(!bare.implicitTLS && bare.port == 587 && bare.isLoopback)
        #expect(v6.host == "::1" && v6.port == 25 && v6.isLoopback)
        #expect(!plain.isLoopback)
    }

    @Test("a malformed SMTP URL is refused with an error that says what is wrong",
          arguments: [
            ("http://mail.example.org", SMTPConfigurationError.badScheme("http")),
            ("mail.example.org:25", .badScheme("mail.example.org:25")),
            ("smtp://", .noHost),
            ("smtp://user:pw@:25", .noHost),
            ("smtp://mail.example.org:abc", .badPort("abc")),
            ("smtp://mail.example.org:70000", .badPort("70000")),
            ("smtp://mail.example.org:", .badPort("")),
            ("smtp://user:%zz@mail.example.org", .badCredentials),
            ("smtp://mail.example.org/path", .unexpectedPath),
          ])
    func urlErrors(url: String, expected: SMTPConfigurationError) {
        // setup // act
        let error = #expect(throws: SMTPConfigurationError.self) { try SMTPConfiguration(url: url) }
        // check
        #expect(error == expected)
        #expect(error?.description.contains("smtp") == true || error?.description.contains("SMTP") == true)
    }

    @Test("a sender address is a plain address or a name and an address, and nothing that could inject a command")
    func addresses() throws {
        // setup // act
        let named = try MailAddress("Contribuez <noreply@example.org>")
        // check
        #expect(named.address == "noreply@example.org" && named.displayName == "Contribuez" && named.domain == "example.org")
        #expect(try MailAddress("a.b+c@sub.example.fr").displayName == nil)
        for bad in ["", "noreply", "a@", "@b.fr", "a b@c.fr", "a@b.fr\r\nRCPT TO:<x@y.fr>", "a@b..fr", "<a@b.fr", "a@-b.fr"] {
            #expect(throws: MailAddressError.self, "\(bad)") { try MailAddress(bad) }
        }
    }

    @Test("the backoff doubles from one minute and stops at six hours")
    func backoff() {
        // setup // act
        let delays = [1, 2, 3, 9, 10, 50].map { MailSender.backoff(failures: $0) }
        // check
        #expect(delays == [60, 120, 240, 15_360, 21_600, 21_600])
    }

    @Test("a subject with a line break cannot add a header")
    func headerInjection() {
        // setup
        let mail = QueuedMail(id: 1, to: "a@b.fr", subject: "Hello\r\nBcc: evil@example.org", text: "x", unsubscribeURL: "https://x.fr/u>\r\nBcc: e@x.fr",
                              kind: "notification", createdAt: Self.t0, nextAttemptAt: Self.t0)
        // act
        let rendered = SMTPMessage.render(from: Self.from, to: try! MailAddress("a@b.fr"), mail: mail, date: Self.t0)
        // check
        let head = rendered.components(separatedBy: "\r\n\r\n")[0]
        #expect(!head.components(separatedBy: "\r\n").contains { $0.hasPrefix("Bcc:") })
        #expect(!head.contains("List-Unsubscribe"))
    }

    // MARK: Sending

    @Test("a queued mail arrives with its headers, its UTF-8 subject and body, and its lines that start with a dot")
    func delivery() async throws {
        // setup
        let server = try await TestSMTPServer().start()
        defer { Task { await server.stop() } }
        let store = try Self.freshStore()
        let clock = FixedClock(Self.t0)
        let subject = "Réponse de l'institution à « Donner la priorité aux logiciels libres et aux formats ouverts »"
        let text = """
            Bonjour Léa,

            L'institution a répondu : partiellement retenue.
            .Une ligne qui commence par un point
            .
            ..deux points
            Une très longue ligne avec des accents — éèàùç — qui dépasse largement soixante-seize caractères, pour voir les coupures douces.
            Une ligne qui finit par une espace 
            égal = égal
            """
        let id = try await store.enqueueMail(Self.mail(subject: subject, text: text), at: Self.t0)
        let sender = try Self.sender(store, server, clock: clock)
        // act
        let round = try await sender.sendDue()
        // check
        #expect(round == MailSender.Round(sent: 1, failed: 0))
        let got = try #require(server.received.first)
        #expect(server.received.count == 1)
        #expect(got.mailFrom == "noreply@consultation.example.org" && got.rcptTo == ["lea1@example.fr"])
        #expect(got.header("From") == "Contribuez <noreply@consultation.example.org>")
        #expect(got.header("To") == "lea1@example.fr")
        #expect(got.header("Subject")?.hasPrefix("=?UTF-8?B?") == true)
        #expect(Decode.encodedWords(got.header("Subject") ?? "") == subject)
        #expect(got.header("Date") == "Tue, 01 Jul 2025 09:05:00 +0000")
        #expect(got.header("Message-ID") == "<contribuez.\(id).1751360700000@consultation.example.org>")
        #expect(got.header("MIME-Version") == "1.0")
        #expect(got.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(got.header("Content-Transfer-Encoding") == "quoted-printable")
        #expect(got.header("List-Unsubscribe") == "<https://consultation.example.org/desabonnement/tok>")
        #expect(got.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")
        #expect(Decode.quotedPrintable(got.rawBody) == text + "\n")
        #expect(got.data.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
        #expect(got.data.unicodeScalars.allSatisfy { $0.isASCII })
        let status = try await store.outboxStatus()
        #expect(status == OutboxStatus(queued: 0, failing: 0, sent: 1, oldestQueuedAt: nil, recentFailures: []))
        #expect(try await store.dueMails(at: .distantFuture, limit: 10).isEmpty)
    }

    @Test("a mail without an unsubscribe URL carries no List-Unsubscribe headers")
    func noUnsubscribe() async throws {
        // setup
        let server = try await TestSMTPServer().start()
        defer { Task { await server.stop() } }
        let store = try Self.freshStore()
        _ = try await store.enqueueMail(Self.mail(unsubscribe: nil), at: Self.t0)
        // act
        try await Self.sender(store, server, clock: FixedClock(Self.t0)).sendDue()
        // check
        let got = try #require(server.received.first)
        #expect(got.header("List-Unsubscribe") == nil && got.header("List-Unsubscribe-Post") == nil)
        #expect(got.header("Subject") == "Mail 1")
    }

    @Test("credentials go with AUTH PLAIN to a server on this machine")
    func authPlain() async throws {
        // setup
        let server = try await TestSMTPServer(offersAuth: true).start()
        defer { Task { await server.stop() } }
        let store = try Self.freshStore()
        _ = try await store.enqueueMail(Self.mail(), at: Self.t0)
        let sender = try Self.sender(store, server, clock: FixedClock(Self.t0), url: "smtp://alerte:p%40ss@127.0.0.1:\(server.port)")
        // act
        try await sender.sendDue()
        // check
        #expect(server.received.first?.auth == "\0alerte\0p@ss")
    }

    @Test("a server that offers STARTTLS gets the mail and the credentials only over TLS")
    func startTLS() async throws {
        // setup
        let server = try await TestSMTPServer(offersAuth: true, tls: try TestCertificate.serverContext()).start()
        defer { Task { await server.stop() } }
        let store = try Self.freshStore()
        _ = try await store.enqueueMail(Self.mail(), at: Self.t0)
        let config = try SMTPConfiguration(url: "smtp://alerte:secret@localhost:\(server.port)")
        let client = try SMTPClient(configuration: config, tls: try TestCertificate.clientConfiguration())
        let sender = MailSender(outbox: store, client: client, from: Self.from, clock: FixedClock(Self.t0))
        // act
        let round = try await sender.sendDue()
        // check
        #expect(round == MailSender.Round(sent: 1, failed: 0))
        let got = try #require(server.received.first)
        #expect(got.overTLS && got.auth == "\0alerte\0secret")
    }

    @Test("a server whose certificate is not trusted gets nothing, and the mail stays queued")
    func untrustedCertificate() async throws {
        // setup: the client trusts the system roots only
        let server = try await TestSMTPServer(tls: try TestCertificate.serverContext()).start()
        defer { Task { await server.stop() } }
        let store = try Self.freshStore()
        let id = try await store.enqueueMail(Self.mail(), at: Self.t0)
        // act
        let round = try await Self.sender(store, server, clock: FixedClock(Self.t0), url: "smtp://localhost:\(server.port)").sendDue()
        // check
        #expect(round.failed == 1 && server.received.isEmpty)
        #expect(try await Self.row(store, id)?.attempts == 1)
    }

    @Test("a server that does not know EHLO is greeted with HELO")
    func heloFallback() async throws {
        // setup
        let server = try await TestSMTPServer(knowsEHLO: false).start()
        defer { Task { await server.stop() } }
        let store = try Self.freshStore()
        _ = try await store.enqueueMail(Self.mail(), at: Self.t0)
        // act
        let round = try await Self.sender(store, server, clock: FixedClock(Self.t0)).sendDue()
        // check
        #expect(round.sent == 1 && server.received.count == 1)
    }

    @Test("a refusing server leaves the mail queued with one attempt, the SMTP code, and a retry one minute later",
          arguments: [TestSMTPServer.Mode.refuseGreeting(554), .refuseGreeting(421), .refuseMail(451)])
    func refused(mode: TestSMTPServer.Mode) async throws {
        // setup
        let server = try await TestSMTPServer(mode: mode).start()
        defer { Task { await server.stop() } }
        let store = try Self.freshStore()
        let id = try await store.enqueueMail(Self.mail(), at: Self.t0)
        let clock = FixedClock(Self.t0)
        // act
        let round = try await Self.sender(store, server, clock: clock).sendDue()
        // check
        let code = switch mode { case .refuseGreeting(let c), .refuseMail(let c): c; default: 0 }
        #expect(round == MailSender.Round(sent: 0, failed: 1))
        let row = try #require(try await Self.row(store, id))
        #expect(row.attempts == 1 && row.sentAt == nil)
        #expect(row.lastError?.hasPrefix("\(code) ") == true)
        #expect(row.nextAttemptAt == Self.t0.addingTimeInterval(60))
        #expect(try await store.dueMails(at: Self.t0, limit: 10).isEmpty)
        #expect(try await store.dueMails(at: Self.t0.addingTimeInterval(60), limit: 10).map(\.id) == [id])
        let status = try await store.outboxStatus()
        #expect(status.queued == 1 && status.failing == 1 && status.sent == 0 && status.recentFailures.map(\.id) == [id])
        #expect(server.received.isEmpty)
    }

    @Test("a recipient refused for good (550) or an invalid address is given up after one attempt: never tried again, counted apart; a temporary refusal (450) is retried")
    func givenUp() async throws {
        // setup
        let server = try await TestSMTPServer(mode: .refuseRecipient(550)).start()
        defer { Task { await server.stop() } }
        let store = try Self.freshStore()
        let refused = try await store.enqueueMail(Self.mail(), at: Self.t0)
        let invalid = try await store.enqueueMail(NewMail(to: "lea@example.fr\r\nRCPT TO:<x@example.org>", subject: "s", text: "t", kind: "digest"), at: Self.t0)
        let clock = FixedClock(Self.t0)
        // act
        let round = try await Self.sender(store, server, clock: clock).sendDue()
        clock.advance(by: 30 * 86_400)
        let later = try await Self.sender(store, server, clock: clock).sendDue()
        server.mode = .refuseRecipient(450)
        let temporary = try await store.enqueueMail(Self.mail(), at: clock.now())
        _ = try await Self.sender(store, server, clock: clock).sendDue()
        // check
        #expect(round == MailSender.Round(sent: 0, failed: 2))
        #expect(later == MailSender.Round(sent: 0, failed: 0), "a mail given up is never claimed again")
        let r = try #require(try await Self.row(store, refused))
        #expect(r.attempts == 1 && r.sentAt == nil && r.abandonedAt == Self.t0)
        #expect(r.lastError?.hasPrefix("550 ") == true)
        #expect(try await Self.row(store, invalid)?.abandonedAt == Self.t0)
        let t = try #require(try await Self.row(store, temporary))
        #expect(t.abandonedAt == nil && t.attempts == 1, "450 is temporary: retried")
        let status = try await store.outboxStatus()
        #expect(status.abandoned == 2 && status.queued == 1 && status.failing == 1)
        #expect(Set(status.recentFailures.map(\.id)) == [refused, invalid, temporary])
        #expect(try await store.dueMails(at: clock.now().addingTimeInterval(86_400), limit: 10).map(\.id) == [temporary])
    }

    @Test("a mail that keeps failing is given up at its 30th attempt, not retried every six hours forever")
    func givenUpAfterMaxAttempts() async throws {
        // setup: a server that refuses every greeting temporarily
        let server = try await TestSMTPServer(mode: .refuseGreeting(421)).start()
        defer { Task { await server.stop() } }
        let store = try Self.freshStore()
        let id = try await store.enqueueMail(Self.mail(), at: Self.t0)
        let clock = FixedClock(Self.t0)
        let sender = try Self.sender(store, server, clock: clock)
        // act: each round at the mail's next attempt
        var rounds = 0
        while let row = try await Self.row(store, id), row.abandonedAt == nil, rounds < 40 {
            clock.set(row.nextAttemptAt)
            try await sender.sendDue()
            rounds += 1
        }
        // check
        let row = try #require(try await Self.row(store, id))
        #expect(rounds == MailSender.maxAttempts)
        #expect(row.attempts == MailSender.maxAttempts && row.abandonedAt != nil)
        #expect(row.abandonedAt!.timeIntervalSince(Self.t0) > 5 * 86_400, "about six days of tries")
    }

    @Test("a server that drops the connection in the middle of DATA leaves the mail queued")
    func droppedMidData() async throws {
        // setup
        let server = try await TestSMTPServer(mode: .dropMidData).start()
        defer { Task { await server.stop() } }
        let store = try Self.freshStore()
        let id = try await store.enqueueMail(Self.mail(text: String(repeating: "Une ligne du message.\n", count: 2000)), at: Self.t0)
        // act
        let round = try await Self.sender(store, server, clock: FixedClock(Self.t0)).sendDue()
        // check
        #expect(round.failed == 1)
        let row = try #require(try await Self.row(store, id))
        #expect(row.attempts == 1 && row.sentAt == nil && row.lastError != nil)
        #expect(server.received.isEmpty)
    }

    @Test("a server that never answers times out and the mail stays queued")
    func silentServer() async throws {
        // setup
        let server = try await TestSMTPServer(mode: .silent).start()
        defer { Task { await server.stop() } }
        let store = try Self.freshStore()
        let id = try await store.enqueueMail(Self.mail(), at: Self.t0)
        let sender = try Self.sender(store, server, clock: FixedClock(Self.t0), replyTimeout: .milliseconds(200))
        // act
        try await sender.sendDue()
        // check
        let row = try #require(try await Self.row(store, id))
        #expect(row.attempts == 1 && row.lastError?.contains("timeout") == true)
    }

    @Test("an unreachable server and an invalid recipient leave the mails queued")
    func unreachableAndInvalid() async throws {
        // setup: a port nobody listens on any more
        let server = try await TestSMTPServer().start()
        let port = server.port
        await server.stop()
        let store = try Self.freshStore()
        let a = try await store.enqueueMail(Self.mail(), at: Self.t0)
        let b = try await store.enqueueMail(NewMail(to: "lea@example.fr\r\nRCPT TO:<x@example.org>", subject: "s", text: "t", kind: "digest"), at: Self.t0)
        // act
        let round = try await Self.sender(store, server, clock: FixedClock(Self.t0), url: "smtp://127.0.0.1:\(port)").sendDue()
        // check
        #expect(round.failed == 2)
        #expect(try await Self.row(store, a)?.lastError?.hasPrefix("connection failed") == true)
        #expect(try await Self.row(store, b)?.lastError == "invalid recipient address")
    }

    @Test("stopping the SMTP server mid-run loses no mail and sends none twice")
    func serverStopsMidRun() async throws {
        // setup: five mails; the server stops itself right after accepting the first
        let server = try await TestSMTPServer().start()
        server.stopAfter = 1
        let store = try Self.freshStore()
        let clock = FixedClock(Self.t0)
        var ids: [ID] = []
        for n in 1...5 { ids.append(try await store.enqueueMail(Self.mail(n), at: Self.t0)) }
        let sender = try Self.sender(store, server, clock: clock)
        // act: a first round while the server goes down, then the server comes back on its port
        let first = try await sender.sendDue()
        let whileDown = try await store.outboxStatus()
        clock.advance(by: 30)
        let tooEarly = try await sender.sendDue()
        clock.advance(by: 31)
        server.stopAfter = nil
        try await server.start(port: server.port)
        defer { Task { await server.stop() } }
        let second = try await sender.sendDue()
        // check
        #expect(first == MailSender.Round(sent: 1, failed: 4))
        #expect(whileDown.queued == 4 && whileDown.failing == 4 && whileDown.sent == 1)
        #expect(tooEarly == MailSender.Round(sent: 0, failed: 0))
        #expect(second == MailSender.Round(sent: 4, failed: 0))
        #expect(server.received.map(\.rcptTo).flatMap { $0 }.sorted() == (1...5).map { "lea\($0)@example.fr" })
        #expect(server.received.map { $0.header("Subject") ?? "" }.sorted() == (1...5).map { "Mail \($0)" })
        #expect(try await store.outboxStatus() == OutboxStatus(queued: 0, failing: 0, sent: 5, oldestQueuedAt: nil, recentFailures: []))
    }

    @Test("the run loop sends at once when woken, and stops when cancelled")
    func runLoopWakes() async throws {
        // setup: an interval far longer than the test
        let server = try await TestSMTPServer().start()
        defer { Task { await server.stop() } }
        let store = try Self.freshStore()
        var config = try SMTPConfiguration(url: "smtp://127.0.0.1:\(server.port)")
        config.replyTimeout = .seconds(5)
        let sender = MailSender(outbox: store, client: try SMTPClient(configuration: config), from: Self.from,
                                clock: FixedClock(Self.t0), interval: .seconds(3600))
        let running = Task { try await sender.run() }
        try await Self.waitUntil { try await store.outboxStatus() == OutboxStatus(queued: 0, failing: 0, sent: 0, oldestQueuedAt: nil, recentFailures: []) }
        // act
        _ = try await store.enqueueMail(Self.mail(), at: Self.t0)
        sender.wake()
        // NB: the server has the mail a moment before the sender records it as sent: wait for both.
        try await Self.waitUntil { server.received.count == 1 }
        try await Self.waitUntil { try await store.outboxStatus().sent == 1 }
        running.cancel()
        // check
        #expect(server.received.count == 1)
        #expect(try await store.outboxStatus().sent == 1)
        _ = try? await running.value
    }

    // MARK: Outbox

    @Test("the outbox status counts queued, failing and sent mails and lists the latest failures first")
    func outboxStatus() async throws {
        // setup
        let store = try Self.freshStore()
        let a = try await store.enqueueMail(Self.mail(1), at: Self.t0)
        let b = try await store.enqueueMail(Self.mail(2), at: Self.t0.addingTimeInterval(10))
        let c = try await store.enqueueMail(Self.mail(3), at: Self.t0.addingTimeInterval(20))
        let d = try await store.enqueueMail(Self.mail(4), at: Self.t0.addingTimeInterval(30))
        // act
        try await store.markMailSent(id: a, at: Self.t0.addingTimeInterval(40))
        try await store.markMailFailed(id: c, error: "421 busy", retryAt: Self.t0.addingTimeInterval(100))
        try await store.markMailFailed(id: b, error: "554 no", retryAt: Self.t0.addingTimeInterval(100))
        try await store.markMailFailed(id: c, error: "421 still busy", retryAt: Self.t0.addingTimeInterval(200))
        try await store.markMailFailed(id: a, error: "late", retryAt: Self.t0.addingTimeInterval(300))
        try await store.markMailSent(id: a, at: Self.t0.addingTimeInterval(500))
        let status = try await store.outboxStatus()
        let due = try await store.dueMails(at: Self.t0.addingTimeInterval(150), limit: 10)
        // check
        #expect(status.queued == 3 && status.failing == 2 && status.sent == 1)
        #expect(status.oldestQueuedAt == Self.t0.addingTimeInterval(10))
        #expect(status.recentFailures.map(\.id) == [c, b])
        #expect(status.recentFailures.first?.attempts == 2 && status.recentFailures.first?.lastError == "421 still busy")
        #expect(due.map(\.id) == [d, b], "due: d (never tried) then b (retry at +100); c waits until +200; a is sent")
        let sent = try await store.dueMails(at: .distantFuture, limit: 10).map(\.id)
        #expect(!sent.contains(a))
    }

    static func waitUntil(_ condition: () async throws -> Bool) async throws {
        for _ in 0..<750 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("condition not met within 15 s")
    }
}
