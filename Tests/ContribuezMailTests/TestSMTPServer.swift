import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// A small real SMTP server for the tests, over NIO on 127.0.0.1: EHLO/HELO, AUTH PLAIN, MAIL, RCPT,
/// DATA, RSET, NOOP, QUIT, and STARTTLS when given a TLS context. It records each message it accepts, and can be told to refuse, to drop the
/// connection in the middle of DATA, to stay silent, or to stop itself after accepting some messages.
final class TestSMTPServer: @unchecked Sendable {
    enum Mode: Sendable, Equatable {
        case accept
        /// Greets with this code (421, 554…) and closes.
        case refuseGreeting(Int)
        /// Answers MAIL FROM with this code.
        case refuseMail(Int)
        /// Answers RCPT TO with this code (550: no such mailbox).
        case refuseRecipient(Int)
        /// Closes the connection on the first line of the message.
        case dropMidData
        /// Accepts the connection and never says a word.
        case silent
    }

    /// A message as received: envelope, AUTH PLAIN credentials if any, and the data after un-dot-stuffing.
    struct Received: Sendable {
        var mailFrom: String
        var rcptTo: [String]
        var auth: String?
        /// Whether the message came after STARTTLS.
        var overTLS: Bool
        var data: String

        /// Unfolded header fields, in order.
        var headers: [(name: String, value: String)] {
            let head = data.components(separatedBy: "\r\n\r\n").first ?? ""
            var fields: [(String, String)] = []
            for line in head.components(separatedBy: "\r\n") {
                if line.hasPrefix(" ") || line.hasPrefix("\t"), !fields.isEmpty {
                    fields[fields.count - 1].1 += line
                } else if let colon = line.firstIndex(of: ":") {
                    fields.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
                }
            }
            return fields
        }

        func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }

        /// The body as sent (still transfer-encoded).
        var rawBody: String {
            guard let r = data.range(of: "\r\n\r\n") else { return "" }
            return String(data[r.upperBound...])
        }
    }

    private let lock = NSLock()
    private var _mode: Mode
    private var _received: [Received] = []
    private var _children: [any Channel] = []
    private var serverChannel: (any Channel)?
    /// Stop the whole server right after accepting this many messages (over its lifetime).
    var stopAfter: Int? { get { lock.withLock { _stopAfter } } set { lock.withLock { _stopAfter = newValue } } }
    private var _stopAfter: Int?
    /// Answer EHLO with 502, as an old server would.
    let knowsEHLO: Bool
    /// Advertise AUTH PLAIN.
    let offersAuth: Bool
    /// Advertise STARTTLS, and upgrade with this context.
    let tls: NIOSSLContext?
    private(set) var port: Int = 0

    var mode: Mode { get { lock.withLock { _mode } } set { lock.withLock { _mode = newValue } } }
    var received: [Received] { lock.withLock { _received } }

    init(mode: Mode = .accept, knowsEHLO: Bool = true, offersAuth: Bool = false, tls: NIOSSLContext? = nil) {
        _mode = mode; self.knowsEHLO = knowsEHLO; self.offersAuth = offersAuth; self.tls = tls
    }

    /// Listens on 127.0.0.1, on `port` (0: any free port, read back in `port`).
    @discardableResult
    func start(port: Int = 0) async throws -> Self {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(Connection(server: self))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        lock.withLock { serverChannel = channel }
        self.port = channel.localAddress?.port ?? 0
        return self
    }

    /// Stops listening, then closes every open connection.
    func stop() async {
        let server: (any Channel)? = lock.withLock { defer { serverChannel = nil }; return serverChannel }
        try? await server?.close()
        let children: [any Channel] = lock.withLock { defer { _children = [] }; return _children }
        for c in children { try? await c.close() }
    }

    fileprivate func opened(_ c: any Channel) { lock.withLock { _children.append(c) } }

    /// Records the message; true when the server must stop now.
    fileprivate func record(_ r: Received) -> Bool {
        lock.withLock {
            _received.append(r)
            return _stopAfter.map { _received.count >= $0 } ?? false
        }
    }

    /// One client connection, line by line.
    private final class Connection: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let server: TestSMTPServer
        var partial = ""
        var inData = false
        var dataLines: [String] = []
        var mailFrom = ""
        var rcptTo: [String] = []
        var auth: String?
        var overTLS = false

        init(server: TestSMTPServer) { self.server = server }

        func channelActive(context: ChannelHandlerContext) {
            server.opened(context.channel)
            switch server.mode {
            case .refuseGreeting(let code):
                reply(context, "\(code) test.local service not available")
                context.close(promise: nil)
            case .silent: break
            default: reply(context, "220 test.local ESMTP ready")
            }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            partial += bytes.readString(length: bytes.readableBytes) ?? ""
            // NB: split on the CRLF scalars, not Characters: Swift counts "\r\n" as one Character.
            while let r = partial.range(of: "\r\n") {
                let line = String(partial[..<r.lowerBound])
                partial = String(partial[r.upperBound...])
                if inData { dataLine(context, line) } else { command(context, line) }
                if !context.channel.isActive { return }
            }
        }

        func dataLine(_ context: ChannelHandlerContext, _ line: String) {
            if server.mode == .dropMidData {
                context.close(promise: nil); return
            }
            guard line == "." else {
                dataLines.append(line.hasPrefix(".") ? String(line.dropFirst()) : line)
                return
            }
            inData = false
            let message = Received(mailFrom: mailFrom, rcptTo: rcptTo, auth: auth, overTLS: overTLS, data: dataLines.map { $0 + "\r\n" }.joined())
            dataLines = []; rcptTo = []; mailFrom = ""
            let stop = server.record(message)
            let server = server
            var buffer = context.channel.allocator.buffer(capacity: 32)
            buffer.writeString("250 2.0.0 queued\r\n")
            context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in
                if stop { Task { await server.stop() } }
            }
        }

        func command(_ context: ChannelHandlerContext, _ line: String) {
            let verb = line.split(separator: " ", maxSplits: 1).first.map { $0.uppercased() } ?? ""
            let argument = line.count > verb.count ? String(line.dropFirst(verb.count + 1)) : ""
            switch verb {
            case "EHLO":
                guard server.knowsEHLO else { reply(context, "502 5.5.2 command not recognised"); return }
                let startTLS = server.tls != nil && !overTLS ? "250-STARTTLS\r\n" : ""
                let auth = server.offersAuth ? "250-AUTH PLAIN LOGIN\r\n" : ""
                reply(context, "250-test.local greets \(argument)\r\n250-8BITMIME\r\n" + startTLS + auth + "250 HELP")
            case "STARTTLS":
                guard let tls = server.tls, !overTLS else { reply(context, "502 5.5.1 not available"); return }
                reply(context, "220 2.0.0 ready to start TLS")
                // The reply has gone to the socket; what comes next is the client's TLS handshake.
                try? context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls), position: .first)
                overTLS = true; mailFrom = ""; rcptTo = []
            case "HELO": reply(context, "250 test.local")
            case "AUTH":
                let parts = argument.split(separator: " ")
                if parts.first?.uppercased() == "PLAIN", parts.count == 2, let d = Data(base64Encoded: String(parts[1])) {
                    auth = String(decoding: d, as: UTF8.self)
                    reply(context, "235 2.7.0 authenticated")
                } else {
                    reply(context, "504 5.5.4 mechanism not supported")
                }
            case "MAIL":
                if case .refuseMail(let code) = server.mode { reply(context, "\(code) 4.3.0 try again later"); return }
                mailFrom = Self.path(argument); reply(context, "250 2.1.0 ok")
            case "RCPT":
                if case .refuseRecipient(let code) = server.mode { reply(context, "\(code) 5.1.1 no such mailbox"); return }
                rcptTo.append(Self.path(argument)); reply(context, "250 2.1.5 ok")
            case "DATA": inData = true; reply(context, "354 end with <CRLF>.<CRLF>")
            case "RSET": mailFrom = ""; rcptTo = []; reply(context, "250 2.0.0 reset")
            case "NOOP": reply(context, "250 2.0.0 ok")
            case "QUIT":
                reply(context, "221 2.0.0 bye")
                context.close(promise: nil)
            default: reply(context, "500 5.5.1 unknown command")
            }
        }

        /// `FROM:<a@b>` → `a@b`.
        static func path(_ argument: String) -> String {
            guard let open = argument.firstIndex(of: "<"), let close = argument.lastIndex(of: ">") else { return argument }
            return String(argument[argument.index(after: open)..<close])
        }

        func reply(_ context: ChannelHandlerContext, _ text: String) {
            var buffer = context.channel.allocator.buffer(capacity: text.utf8.count + 2)
            buffer.writeString(text + "\r\n")
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        }
    }
}

/// Decoders the tests read the mail with (the reverse of what the sender writes).
enum Decode {
    /// Quoted-printable → text (soft breaks removed, `=XX` decoded as UTF-8), CRLF kept as "\n".
    static func quotedPrintable(_ qp: String) -> String {
        var bytes: [UInt8] = []
        let lines = qp.components(separatedBy: "\r\n")
        for (i, line) in lines.enumerated() {
            var soft = false
            var u = Array(line.utf8)[...]
            if u.last == UInt8(ascii: "=") { soft = true; u = u.dropLast() }
            var j = u.startIndex
            while j < u.endIndex {
                if u[j] == UInt8(ascii: "="), j + 2 < u.endIndex {
                    let hex = String(decoding: u[(j + 1)...(j + 2)], as: UTF8.self)
                    bytes.append(UInt8(hex, radix: 16) ?? 0); j += 3
                } else {
                    bytes.append(u[j]); j += 1
                }
            }
            if !soft && i < lines.count - 1 { bytes.append(UInt8(ascii: "\n")) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A header value made of RFC 2047 `=?UTF-8?B?…?=` words (whitespace between words dropped).
    static func encodedWords(_ value: String) -> String {
        let words = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" })
        guard words.allSatisfy({ $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") }) else { return value }
        let bytes = words.flatMap { w in Data(base64Encoded: String(w.dropFirst(10).dropLast(2))) ?? Data() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
