import Foundation

/// A mail to put in the outbox. The sender adds From, Date and Message-ID when it sends.
public struct NewMail: Sendable, Equatable {
    /// One recipient address.
    public var to: String
    public var subject: String
    /// The plain-text body (UTF-8, any line ends: the sender writes CRLF).
    public var text: String
    /// Absolute https URL for the one-click unsubscribe headers (RFC 8058); nil for mails that need none.
    public var unsubscribeURL: String?
    /// What the mail is, for the admin's counts: "notification", "digest"…
    public var kind: String

    public init(to: String, subject: String, text: String, unsubscribeURL: String? = nil, kind: String) {
        self.to = to; self.subject = subject; self.text = text; self.unsubscribeURL = unsubscribeURL; self.kind = kind
    }
}

/// A mail as the outbox holds it: queued (`sentAt` nil) or sent.
public struct QueuedMail: Sendable, Equatable {
    public var id: ID
    public var to: String
    public var subject: String
    public var text: String
    public var unsubscribeURL: String?
    public var kind: String
    public var createdAt: Date
    /// Failed sending attempts so far (0 for a mail never tried or sent at the first try).
    public var attempts: Int
    /// Not sent before this instant (the backoff after a failure).
    public var nextAttemptAt: Date
    /// The last failure, for admins (an SMTP code and text, never the body).
    public var lastError: String?
    public var sentAt: Date?
    /// When the sender gave up on it: the server refused it for good (a 5xx on the recipient or the message), or it
    /// failed too many times (`MailSender.maxAttempts`). It is never tried again and stays for the admin to see.
    public var abandonedAt: Date?

    public init(
        id: ID, to: String, subject: String, text: String, unsubscribeURL: String?, kind: String, createdAt: Date,
        attempts: Int = 0, nextAttemptAt: Date, lastError: String? = nil, sentAt: Date? = nil, abandonedAt: Date? = nil
    ) {
        self.id = id; self.to = to; self.subject = subject; self.text = text; self.unsubscribeURL = unsubscribeURL
        self.kind = kind; self.createdAt = createdAt; self.attempts = attempts; self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError; self.sentAt = sentAt; self.abandonedAt = abandonedAt
    }
}

/// What the admin page shows of the outbox.
public struct OutboxStatus: Sendable, Equatable {
    /// Mails not sent yet and still to be tried.
    public var queued: Int
    /// Queued mails that failed at least once.
    public var failing: Int
    public var sent: Int
    public var oldestQueuedAt: Date?
    /// Mails that failed, queued or given up, up to 20, the most recent failure first.
    public var recentFailures: [QueuedMail]
    /// Mails the sender gave up on (refused for good, or too many failures).
    public var abandoned: Int

    public init(queued: Int, failing: Int, sent: Int, oldestQueuedAt: Date?, recentFailures: [QueuedMail], abandoned: Int = 0) {
        self.queued = queued; self.failing = failing; self.sent = sent; self.oldestQueuedAt = oldestQueuedAt
        self.recentFailures = recentFailures; self.abandoned = abandoned
    }
}

/// The durable outbox mails go through (issue 9): the request path only enqueues, in the database; a
/// sender off the request path sends what is due and records the outcome. `Store` inherits it.
///
/// NB: a mail is never deleted: a sent one keeps its row with `sentAt` set, a failing one stays queued
/// and is retried at `nextAttemptAt`. So an SMTP server that is down loses nothing.
public protocol MailOutbox: Sendable {
    /// Queues the mail, due at once; returns its id.
    func enqueueMail(_ mail: NewMail, at: Date) async throws -> ID
    /// Queued mails due at `at` (`nextAttemptAt <= at`), oldest due first.
    func dueMails(at: Date, limit: Int) async throws -> [QueuedMail]
    /// Claims up to `limit` of the mails due at `at` that no other sender has claimed (or whose claim
    /// ended), oldest due first, for the caller until `claimUntil`: with several nodes, one sender per
    /// mail. Marking the mail sent or failed ends the claim. (`dueMails` only reads.)
    func claimDueMails(at: Date, limit: Int, claimUntil: Date) async throws -> [QueuedMail]
    /// Records the mail as sent (kept for the counts). A mail already sent is left as it was.
    func markMailSent(id: ID, at: Date) async throws
    /// Records a failed attempt: one more attempt, the error, and the next try at `retryAt`.
    func markMailFailed(id: ID, error: String, retryAt: Date) async throws
    /// Records a last failed attempt after which the mail is never tried again (`abandonedAt`). A mail already sent
    /// is left as it was.
    func markMailAbandoned(id: ID, error: String, at: Date) async throws
    func outboxStatus() async throws -> OutboxStatus
}
