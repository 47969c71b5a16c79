import NIOCore

/// One reply of the server: a three-digit code and its text lines (several for a multi-line reply,
/// `250-…` then `250 …`).
public struct SMTPReply: Sendable, Equatable {
    public var code: Int
    public var lines: [String]
    public var text: String { lines.joined(separator: " ") }
    /// 2xx (done) or 3xx (go on: DATA, AUTH).
    public var isPositive: Bool { (200..<400).contains(code) }
}

/// What the client writes into the channel: a command's bytes and the promise of its reply.
struct SMTPExchange: Sendable {
    var bytes: ByteBuffer
    var reply: EventLoopPromise<SMTPReply>
}

/// Pairs each command with the server's reply, and fails it after `timeout`, when the connection
/// closes, or on a malformed reply. Lives on the channel's event loop; the client only sees futures.
///
/// NB: SMTP is strictly request/response here (no PIPELINING), so replies arrive in command order.
final class SMTPReplyHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = SMTPExchange
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    /// Bytes of a reply line not yet ended by LF.
    private var partial = ByteBuffer()
    /// Lines of a multi-line reply before its last line.
    private var lines: [String] = []
    private var waiting: [(promise: EventLoopPromise<SMTPReply>, timer: Scheduled<Void>)] = []
    /// Replies that came before anybody asked (the greeting, usually).
    private var unclaimed: [SMTPReply] = []
    private var failure: SMTPError?

    /// Waits for the greeting from the start: a server that greets with 421 or 554 and closes at once
    /// must be reported with that code, and a later write would find the channel already closed.
    private let greeting: EventLoopPromise<SMTPReply>

    init(timeout: TimeAmount, greeting: EventLoopPromise<SMTPReply>) {
        self.timeout = timeout
        self.greeting = greeting
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.fail(.timeout, context: context)
        }
        waiting.append((greeting, timer))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = unwrapOutboundIn(data)
        // NB: a reply already read comes first, even when the server closed since.
        if !unclaimed.isEmpty {
            exchange.reply.succeed(unclaimed.removeFirst())
        } else if let failure {
            exchange.reply.fail(failure); promise?.fail(failure); return
        } else {
            let timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
                self.fail(.timeout, context: context)
            }
            waiting.append((exchange.reply, timer))
        }
        context.write(wrapOutboundOut(exchange.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        partial.writeBuffer(&bytes)
        while let newline = partial.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - partial.readerIndex
            var line = partial.readString(length: length) ?? ""
            partial.moveReaderIndex(forwardBy: 1)
            if line.hasSuffix("\r") { line.removeLast() }
            switch parse(line) {
            case .more: continue
            case .reply(let reply): deliver(reply)
            case .malformed: fail(.malformedReply, context: context); return
            }
        }
        partial.discardReadBytes()
        // A reply line has at most 512 bytes (RFC 5321 §4.5.3.1.5); be lenient, but not unbounded.
        if partial.readableBytes > 64 * 1024 { fail(.malformedReply, context: context) }
    }

    private enum Parsed { case more, reply(SMTPReply), malformed }

    /// Lines are `ddd text` (last line of a reply), `ddd-text` (more lines follow) or a bare `ddd`.
    private func parse(_ line: String) -> Parsed {
        let chars = Array(line.utf8)
        guard chars.count >= 3, let code = Int(String(decoding: chars[0..<3], as: UTF8.self)), (200..<600).contains(code),
              chars.count == 3 || chars[3] == UInt8(ascii: " ") || chars[3] == UInt8(ascii: "-")
        else { return .malformed }
        lines.append(chars.count > 4 ? String(decoding: chars[4...], as: UTF8.self) : "")
        if chars.count > 3 && chars[3] == UInt8(ascii: "-") { return .more }
        defer { lines = [] }
        return .reply(SMTPReply(code: code, lines: lines))
    }

    private func deliver(_ reply: SMTPReply) {
        if waiting.isEmpty { unclaimed.append(reply); return }
        let next = waiting.removeFirst()
        next.timer.cancel()
        next.promise.succeed(reply)
    }

    private func fail(_ error: SMTPError, context: ChannelHandlerContext) {
        if failure == nil { failure = error }
        let pending = waiting
        waiting = []
        for w in pending { w.timer.cancel(); w.promise.fail(error) }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.connectionClosed, context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // TLS handshake failures and resets arrive here; the next reply fails with the reason.
        fail(.transport(String(describing: error)), context: context)
    }
}
