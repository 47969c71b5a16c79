import ContribuezCore
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Why a mail did not go through. `code` is the SMTP reply code when the server answered.
public enum SMTPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The server answered a command (or the greeting) with a reply that is not 2xx/3xx, or not the one expected.
    case rejected(code: Int, text: String, command: String)
    /// No reply within the configured time.
    case timeout
    /// The server closed the connection.
    case connectionClosed
    case malformedReply
    /// Could not connect (refused, unreachable, unknown host), or the connection broke (TLS, reset).
    case transport(String)
    /// Credentials are configured but the server offers no STARTTLS and is not on this machine:
    /// they are not sent in clear text.
    case authenticationNeedsTLS
    /// Credentials are configured but the server offers neither AUTH PLAIN nor AUTH LOGIN.
    case authenticationNotOffered
    /// The mail's recipient is not a valid address (nothing was sent).
    case invalidRecipient

    public var code: Int? { if case .rejected(let code, _, _) = self { code } else { nil } }

    /// True when sending this mail again cannot succeed: the server refused its recipient or its content for good
    /// (a 5xx reply to RCPT TO or at the end of DATA), or the recipient is not an address. A 5xx on the greeting,
    /// EHLO, AUTH or MAIL FROM is about the server or our settings, which an admin can fix: those are retried.
    public var isPermanentForThisMail: Bool {
        switch self {
        case .invalidRecipient: true
        case .rejected(let code, _, let command): (500...599).contains(code) && (command == "RCPT TO" || command == "end of DATA")
        default: false
        }
    }

    /// Short and free of personal data: fit for logs and the admin page.
    public var description: String {
        switch self {
        case .rejected(let code, let text, let command): "\(code) \(text) (after \(command))"
        case .timeout: "timeout: the SMTP server did not answer"
        case .connectionClosed: "the SMTP server closed the connection"
        case .malformedReply: "the SMTP server sent a malformed reply"
        case .transport(let reason): "connection failed: \(reason)"
        case .authenticationNeedsTLS: "credentials not sent: the server offers no STARTTLS and is not local"
        case .authenticationNotOffered: "the server offers neither AUTH PLAIN nor AUTH LOGIN"
        case .invalidRecipient: "invalid recipient address"
        }
    }
}

/// Sends one mail per connection: greeting, EHLO (HELO if refused), STARTTLS when offered, AUTH when
/// credentials are configured, MAIL FROM, RCPT TO, DATA, QUIT.
///
/// NB: one connection per mail is slower than reusing one, but a failure then concerns exactly one
/// mail, which is what the outbox records.
public struct SMTPClient: Sendable {
    public var configuration: SMTPConfiguration
    let tls: NIOSSLContext
    let group: any EventLoopGroup

    public init(
        configuration: SMTPConfiguration, tls: TLSConfiguration = .makeClientConfiguration(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        self.configuration = configuration
        self.tls = try NIOSSLContext(configuration: tls)
        self.group = group
    }

    /// Sends the mail from `from`; `date` goes in the Date header. Returns when the server accepted it
    /// (250 after DATA); throws `SMTPError` otherwise.
    public func send(from: MailAddress, mail: QueuedMail, at date: Date) async throws {
        guard let to = try? MailAddress(mail.to) else { throw SMTPError.invalidRecipient }
        let message = SMTPMessage.render(from: from, to: to, mail: mail, date: date)
        let greeting = group.next().makePromise(of: SMTPReply.self)
        let channel: any Channel
        do {
            channel = try await connect(greeting: greeting)
        } catch {
            greeting.fail(error)
            throw error
        }
        do {
            try Self.expect(220, try await greeting.futureResult.get(), "greeting")
            try await converse(channel, from: from, to: to, message: message)
        } catch {
            channel.close(promise: nil)
            throw error
        }
        // QUIT is a courtesy: the mail is already accepted, so its reply (or a closed socket) changes nothing.
        _ = try? await Self.command(channel, "QUIT")
        channel.close(promise: nil)
    }

    private func connect(greeting: EventLoopPromise<SMTPReply>) async throws -> any Channel {
        let config = configuration, tls = tls
        let timeout = Self.timeAmount(config.replyTimeout)
        do {
            return try await ClientBootstrap(group: group)
                .connectTimeout(Self.timeAmount(config.connectTimeout))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if config.implicitTLS {
                            try channel.pipeline.syncOperations.addHandler(
                                NIOSSLClientHandler(context: tls, serverHostname: Self.tlsName(config.host)))
                        }
                        try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler(timeout: timeout, greeting: greeting))
                    }
                }
                .connect(host: config.host, port: config.port).get()
        } catch {
            throw SMTPError.transport(String(describing: error))
        }
    }

    private func converse(_ channel: any Channel, from: MailAddress, to: MailAddress, message: String) async throws {
        let helo = from.domain
        var capabilities = try await Self.hello(channel, name: helo)

        if !configuration.implicitTLS, capabilities.contains(where: { $0.uppercased() == "STARTTLS" }) {
            try Self.expect(220, try await Self.command(channel, "STARTTLS"), "STARTTLS")
            // The TLS handler goes first in the pipeline (next to the socket): everything after is encrypted.
            let tls = tls, name = Self.tlsName(configuration.host)
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: name), position: .first)
            }.get()
            // RFC 3207: forget what was said before TLS and greet again.
            capabilities = try await Self.hello(channel, name: helo)
        } else if configuration.username != nil, !configuration.implicitTLS, !configuration.isLoopback {
            throw SMTPError.authenticationNeedsTLS
        }

        if let user = configuration.username {
            try await authenticate(channel, user: user, password: configuration.password ?? "", capabilities: capabilities)
        }
        try Self.expect(250, try await Self.command(channel, "MAIL FROM:<\(from.address)>"), "MAIL FROM")
        let rcpt = try await Self.command(channel, "RCPT TO:<\(to.address)>")
        guard rcpt.code == 250 || rcpt.code == 251 else { throw SMTPError.rejected(code: rcpt.code, text: rcpt.text, command: "RCPT TO") }
        try Self.expect(354, try await Self.command(channel, "DATA"), "DATA")
        var data = channel.allocator.buffer(capacity: message.utf8.count + 64)
        data.writeString(Self.dotStuffed(message))
        data.writeString(".\r\n")
        try Self.expect(250, try await Self.exchange(channel, data), "end of DATA")
    }

    private func authenticate(_ channel: any Channel, user: String, password: String, capabilities: [String]) async throws {
        let mechanisms = capabilities.first { $0.uppercased().hasPrefix("AUTH ") || $0.uppercased().hasPrefix("AUTH=") }
            .map { $0.dropFirst(5).uppercased().split(separator: " ").map(String.init) } ?? []
        func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
        if mechanisms.contains("PLAIN") {
            try Self.expect(235, try await Self.command(channel, "AUTH PLAIN " + b64("\0\(user)\0\(password)")), "AUTH PLAIN")
        } else if mechanisms.contains("LOGIN") {
            try Self.expect(334, try await Self.command(channel, "AUTH LOGIN"), "AUTH LOGIN")
            try Self.expect(334, try await Self.command(channel, b64(user)), "AUTH LOGIN")
            try Self.expect(235, try await Self.command(channel, b64(password)), "AUTH LOGIN")
        } else {
            throw SMTPError.authenticationNotOffered
        }
    }

    /// EHLO, or HELO when the server does not know EHLO; returns the extensions the server offers.
    private static func hello(_ channel: any Channel, name: String) async throws -> [String] {
        let ehlo = try await command(channel, "EHLO \(name)")
        if ehlo.code == 250 { return Array(ehlo.lines.dropFirst()) }
        guard (500...504).contains(ehlo.code) else { throw SMTPError.rejected(code: ehlo.code, text: ehlo.text, command: "EHLO") }
        try expect(250, try await command(channel, "HELO \(name)"), "HELO")
        return []
    }

    private static func expect(_ code: Int, _ reply: SMTPReply, _ command: String) throws {
        guard reply.code == code else { throw SMTPError.rejected(code: reply.code, text: reply.text, command: command) }
    }

    private static func command(_ channel: any Channel, _ line: String) async throws -> SMTPReply {
        var bytes = channel.allocator.buffer(capacity: line.utf8.count + 2)
        bytes.writeString(line + "\r\n")
        return try await exchange(channel, bytes)
    }

    private static func exchange(_ channel: any Channel, _ bytes: ByteBuffer) async throws -> SMTPReply {
        let promise = channel.eventLoop.makePromise(of: SMTPReply.self)
        // NB: a write on a closed channel may never reach the reply handler; failing the reply here too
        // is harmless (NIO ignores a second completion) and keeps the caller from waiting forever.
        channel.writeAndFlush(SMTPExchange(bytes: bytes, reply: promise)).whenFailure { error in
            promise.fail(error as? SMTPError ?? .connectionClosed)
        }
        return try await promise.futureResult.get()
    }

    /// RFC 5321 §4.5.2: a line of the message that starts with "." gets one more, so that no line of
    /// the text can end the DATA. The message's lines end with CRLF already.
    static func dotStuffed(_ message: String) -> String {
        var out = message.hasPrefix(".") ? "." : ""
        out += message.replacingOccurrences(of: "\r\n.", with: "\r\n..")
        return out
    }

    static func timeAmount(_ d: Duration) -> TimeAmount {
        .nanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
    }

    /// The name to check the certificate against; nil for an IP address, which SNI may not carry.
    static func tlsName(_ host: String) -> String? {
        let isIP = host.contains(":") || host.split(separator: ".").allSatisfy { Int($0) != nil }
        return isIP ? nil : host
    }
}
