import ContribuezCore
import Foundation
import Logging
import ServiceLifecycle

/// Drains the outbox off the request path (issue 9): every `interval`, or at once after `wake()`,
/// sends the due mails one by one and records each outcome.
///
/// NB: a mail is never lost and never removed. Delivered: marked sent (the row stays). Refused,
/// dropped, timed out, unreachable: marked failed and retried after 1 min, 2, 4 … at most 6 h.
/// Delivery is at least once: a mail the server accepted but that could not be marked sent (database
/// down) goes again; its Message-ID stays the same so receivers can tell.
public final class MailSender: Service, Sendable {
    public static let batchSize = 50
    /// Failed attempts after which a mail is given up: with the backoff from 1 minute to 6 hours, about six days,
    /// after which a notification or a digest has lost its point.
    public static let maxAttempts = 30
    /// How long a sender keeps the mails it claimed (seconds): far more than a batch takes to send.
    public static let claimFor: TimeInterval = 15 * 60

    let outbox: any MailOutbox
    let client: SMTPClient
    let from: MailAddress
    let clock: any Clock
    let interval: Duration
    let logger: Logger
    private let signal = WakeSignal()

    public init(
        outbox: any MailOutbox, client: SMTPClient, from: MailAddress, clock: any Clock = SystemClock(),
        interval: Duration = .seconds(10), logger: Logger = Logger(label: "contribuez.mail")
    ) {
        self.outbox = outbox; self.client = client; self.from = from; self.clock = clock
        self.interval = interval; self.logger = logger
    }

    /// Delay before the next try after the `failures`-th failure: 1 min, 2, 4 … capped at 6 h.
    public static func backoff(failures: Int) -> TimeInterval {
        min(6 * 3600, 60 * pow(2, Double(min(max(failures, 1), 20) - 1)))
    }

    /// Asks the run loop to look at the outbox now rather than at the end of its interval.
    public func wake() { signal.signal() }

    /// What one round did.
    public struct Round: Sendable, Equatable {
        public var sent: Int
        public var failed: Int
        public init(sent: Int = 0, failed: Int = 0) { self.sent = sent; self.failed = failed }
    }

    /// Sends the mails due now (one batch). Throws only when the outbox cannot be read or written.
    @discardableResult
    public func sendDue() async throws -> Round {
        var round = Round()
        // NB: claimed, not only read: with several `serve` nodes on one database, each mail goes to one
        // sender. A claim outlives a batch by far; one left by a node that stopped ends after `claimFor`.
        let now = clock.now()
        for mail in try await outbox.claimDueMails(at: now, limit: Self.batchSize, claimUntil: now.addingTimeInterval(Self.claimFor)) {
            // Stop between mails on shutdown: the rest stay queued for the next start.
            if Task.isCancelled { break }
            do {
                try await client.send(from: from, mail: mail, at: clock.now())
            } catch {
                let failures = mail.attempts + 1
                let retryAt = clock.now().addingTimeInterval(Self.backoff(failures: failures))
                let smtp = error as? SMTPError
                if smtp?.isPermanentForThisMail == true || failures >= Self.maxAttempts {
                    logger.warning("mail given up", metadata: [
                        "mail.id": "\(mail.id)", "smtp.code": "\(smtp?.code.map(String.init) ?? "-")",
                        "attempts": "\(failures)", "error.kind": "\(Self.kind(of: error))",
                    ])
                    try await outbox.markMailAbandoned(id: mail.id, error: smtp?.description ?? String(describing: error), at: clock.now())
                    round.failed += 1
                    continue
                }
                // NB: never the recipient nor the body in logs (personal data): the id and the code say enough.
                logger.warning("mail not sent, will retry", metadata: [
                    "mail.id": "\(mail.id)", "smtp.code": "\(smtp?.code.map(String.init) ?? "-")",
                    "attempts": "\(failures)", "retry.in.s": "\(Int(Self.backoff(failures: failures)))",
                    "error.kind": "\(Self.kind(of: error))",
                ])
                try await outbox.markMailFailed(id: mail.id, error: smtp?.description ?? String(describing: error), retryAt: retryAt)
                round.failed += 1
                continue
            }
            try await outbox.markMailSent(id: mail.id, at: clock.now())
            logger.debug("mail sent", metadata: ["mail.id": "\(mail.id)"])
            round.sent += 1
        }
        return round
    }

    public func run() async throws {
        logger.info("mail sender started", metadata: [
            "smtp.host": "\(client.configuration.host)", "smtp.port": "\(client.configuration.port)"])
        await cancelWhenGracefulShutdown { [self] in
            while !Task.isCancelled {
                do {
                    // A full batch that all went through: there may be more due, go on at once.
                    while try await sendDue() == Round(sent: Self.batchSize, failed: 0), !Task.isCancelled {}
                } catch {
                    logger.error("mail outbox unavailable", metadata: ["error": "\(error)"])
                }
                await signal.wait(upTo: interval)
            }
        }
    }

    /// The kind of failure, without its text (which may quote the recipient).
    static func kind(of error: Error) -> String {
        switch error as? SMTPError {
        case .rejected: "rejected"
        case .timeout: "timeout"
        case .connectionClosed: "connection closed"
        case .malformedReply: "malformed reply"
        case .transport: "transport"
        case .authenticationNeedsTLS: "authentication needs TLS"
        case .authenticationNotOffered: "authentication not offered"
        case .invalidRecipient: "invalid recipient"
        case nil: "other"
        }
    }
}

/// A wake-up call for one waiter: `wait(upTo:)` returns after the duration, at `signal()`, or when
/// the task is cancelled. A signal sent while nobody waits is kept for the next wait.
final class WakeSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var pending = false
    private var waiter: CheckedContinuation<Void, Never>?

    func signal() {
        let w: CheckedContinuation<Void, Never>? = lock.withLock {
            if let w = waiter { waiter = nil; return w }
            pending = true
            return nil
        }
        w?.resume()
    }

    func wait(upTo duration: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask { await self.waitForSignal() }
            await group.next()
            group.cancelAll()
            // The other child ends too: the sleep throws on cancellation, the wait is resumed by its handler.
        }
    }

    private func waitForSignal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = lock.withLock {
                    if pending || Task.isCancelled { pending = false; return true }
                    waiter = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let w: CheckedContinuation<Void, Never>? = lock.withLock { defer { waiter = nil }; return waiter }
            w?.resume()
        }
    }
}
