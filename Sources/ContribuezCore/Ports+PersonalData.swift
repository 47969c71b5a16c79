import Foundation

// Personal data on demand (issue 12): everything held about one participant, read page by page so a
// heavy voter's download stays bounded, and the single-use links mailed to them. `Store` inherits it.
//
// NB: nothing here returns a secret: no password hash, no session or CSRF token, no unsubscribe
// token, no link token. Sessions are given by their dates only.

/// The account as the download shows it: identity, roles and mail preferences.
public struct PersonalAccount: Sendable, Equatable {
    public var participant: Participant
    /// Roles on consultations, by consultation id.
    public var consultationRoles: [PersonalRole]
    /// Nil when the participant never set or used mail preferences.
    public var mailFrequency: MailFrequency?
    public var mailLang: String?
    public var lastDigestAt: Date?

    public init(participant: Participant, consultationRoles: [PersonalRole], mailFrequency: MailFrequency?, mailLang: String?, lastDigestAt: Date?) {
        self.participant = participant; self.consultationRoles = consultationRoles
        self.mailFrequency = mailFrequency; self.mailLang = mailLang; self.lastDigestAt = lastDigestAt
    }
}

public struct PersonalRole: Sendable, Equatable {
    public var consultationID: ID
    public var role: ConsultationRole
    public var grantedAt: Date

    public init(consultationID: ID, role: ConsultationRole, grantedAt: Date) {
        self.consultationID = consultationID; self.role = role; self.grantedAt = grantedAt
    }
}

/// A session of the participant, by its dates only (never its token).
public struct PersonalSession: Sendable, Equatable {
    public var createdAt: Date
    public var expiresAt: Date

    public init(createdAt: Date, expiresAt: Date) { self.createdAt = createdAt; self.expiresAt = expiresAt }
}

/// Where a keyset read of the participant's live votes or follows stopped: (target kind, target id).
public struct PersonalKey: Sendable, Hashable {
    public var kind: String
    public var id: ID

    public init(kind: String, id: ID) { self.kind = kind; self.id = id }

    /// Before every real key ("" sorts before every kind name).
    public static let start = PersonalKey(kind: "", id: 0)
}

/// Something the participant follows.
public struct PersonalFollow: Sendable, Equatable {
    public var target: FollowTarget
    public var createdAt: Date

    public init(target: FollowTarget, createdAt: Date) { self.target = target; self.createdAt = createdAt }
}

/// A report the participant made.
public struct PersonalReport: Sendable, Equatable {
    public var id: ID
    public var contributionID: ID
    public var reason: ModerationReason
    public var text: String
    public var createdAt: Date
    public var resolvedAt: Date?

    public init(id: ID, contributionID: ID, reason: ModerationReason, text: String, createdAt: Date, resolvedAt: Date?) {
        self.id = id; self.contributionID = contributionID; self.reason = reason; self.text = text
        self.createdAt = createdAt; self.resolvedAt = resolvedAt
    }
}

/// A link to the download, mailed to the participant: stored by the hash of its token only.
public struct PersonalDataLink: Sendable, Equatable {
    public var participantID: ID
    public var createdAt: Date
    public var expiresAt: Date
    public var usedAt: Date?

    public init(participantID: ID, createdAt: Date, expiresAt: Date, usedAt: Date?) {
        self.participantID = participantID; self.createdAt = createdAt; self.expiresAt = expiresAt; self.usedAt = usedAt
    }
}

/// What became of an attempt to use a mailed link.
public enum PersonalDataLinkUse: Sendable, Equatable {
    /// The link was valid and is now spent: the download may go ahead.
    case consumed
    /// No such link.
    case unknown
    /// Already used once.
    case used
    /// Past its 24 hours.
    case expired
    /// The link is someone else's: nothing was spent, nothing is given.
    case otherParticipant
}

/// Reads of everything held about one participant, and the mailed links. Every list is read by pages
/// in a stable order (`after` the last key read, at most `limit` rows; a shorter page means the end).
public protocol PersonalDataStore: Sendable {
    /// Nil when there is no such participant.
    func personalAccount(participantID: ID) async throws -> PersonalAccount?
    /// Sessions by creation date; `offset` rows skipped (sessions have no public key).
    func personalSessions(participantID: ID, offset: Int, limit: Int) async throws -> [PersonalSession]
    /// Contributions they wrote, of every state (held, rejected, hidden, published), by id.
    func personalContributions(participantID: ID, after: ID, limit: Int) async throws -> [Contribution]
    /// Their live votes, by (target kind, target id).
    func personalVotes(participantID: ID, after: PersonalKey, limit: Int) async throws -> [Vote]
    /// Their vote history (casts, changes, withdrawals) from the vote log, by sequence.
    func personalVoteHistory(participantID: ID, after: Int64, limit: Int) async throws -> [VoteEvent]
    /// What they follow, by (target kind, target id).
    func personalFollows(participantID: ID, after: PersonalKey, limit: Int) async throws -> [PersonalFollow]
    /// Their notifications, by id.
    func personalNotifications(participantID: ID, after: ID, limit: Int) async throws -> [Notification]
    /// The reports they made, by id.
    func personalReports(participantID: ID, after: ID, limit: Int) async throws -> [PersonalReport]
    /// The audit entries of what they did as staff (organiser, moderator, answerer, admin), by sequence.
    func personalAuditEntries(participantID: ID, after: Int64, limit: Int) async throws -> [AuditEntry]

    /// How many links the participant asked for since `since` (to bound the mails one can trigger).
    func personalDataLinksCreated(participantID: ID, since: Date) async throws -> Int
    /// Stores a link (by its token's hash) and queues its mail, in one transaction.
    func createPersonalDataLink(tokenHash: String, participantID: ID, createdAt: Date, expiresAt: Date, mail: NewMail) async throws
    /// The link, whatever its state; nil when unknown.
    func personalDataLink(tokenHash: String) async throws -> PersonalDataLink?
    /// Spends the link for `participantID` at `at`, atomically: of two concurrent uses, one gets
    /// `.consumed` and the other `.used`. Someone else's link is left as it was.
    func consumePersonalDataLink(tokenHash: String, participantID: ID, at: Date) async throws -> PersonalDataLinkUse
}
