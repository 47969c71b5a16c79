import Foundation

// The open-data port (issue 12): keyset reads of every table of the open-data package, so an
// export of a million votes streams page by page with bounded memory. The rows carry what is
// published and nothing more: participants appear only as their per-consultation pseudonym
// (`EventChain.pseudonym`, computed by the adapter from the consultation's salt, which never
// leaves the store), organisations by their name, never e-mails nor citizens' names.
//
// Paging: every read takes `after` (the last key already read; `0` or `.start` to begin) and a
// `limit`, and returns at most `limit` rows in key order. A shorter page means the end.
// NB: keys are internal row ids. For participants and votes they are participant ids: use them
// to fetch the next page, never publish them.

/// Whether a consultation's open data is public, and since when.
public struct OpenDataPublication: Sendable, Equatable, Codable {
    /// Publish automatically when the consultation closes (the default).
    public var atClosing: Bool
    /// Set when an organiser published the package by hand; nil otherwise.
    public var publishedAt: Date?

    public init(atClosing: Bool = true, publishedAt: Date? = nil) {
        self.atClosing = atClosing; self.publishedAt = publishedAt
    }

    /// Public when published by hand, or once closed when publication at closing is on.
    public func isPublic(_ consultation: Consultation, at now: Date) -> Bool {
        guard consultation.isPublished else { return false }
        if publishedAt != nil { return true }
        return atClosing && consultation.phase(at: now) == .closed
    }
}

/// A participant as the open data shows them: `participants.csv`.
public struct OpenDataParticipant: Sendable, Equatable {
    /// The participant id: the paging key only, never published.
    public var key: ID
    public var pseudonym: String
    public var kind: ParticipantKind
    /// The organisation's name for companies, associations and public bodies; nil for citizens.
    public var organisation: String?

    public init(key: ID, pseudonym: String, kind: ParticipantKind, organisation: String?) {
        self.key = key; self.pseudonym = pseudonym; self.kind = kind; self.organisation = organisation
    }
}

/// The published state of a contribution in `contributions.csv`.
public enum OpenDataContributionState: String, Sendable, Codable, CaseIterable {
    case published, hidden, pending, rejected
    /// The author deleted their account and chose to delete their contributions: texts are empty.
    case erased
}

/// A contribution as the open data shows it: `contributions.csv`.
public struct OpenDataContribution: Sendable, Equatable {
    public var id: ID
    public var kind: ContributionKind
    public var articleID: ID?
    public var parentID: ID?
    /// The author's pseudonym; nil without author (imported, or account deleted).
    public var author: String?
    public var authorKind: ParticipantKind?
    /// The organisation's name when the author speaks for one.
    public var authorOrganisation: String?
    public var title: String
    public var body: String
    public var rationale: String
    public var stance: Stance?
    public var url: String?
    public var createdAt: Date
    public var state: OpenDataContributionState
    public var hiddenReason: ModerationReason?

    public init(
        id: ID, kind: ContributionKind, articleID: ID?, parentID: ID?, author: String?, authorKind: ParticipantKind?,
        authorOrganisation: String?, title: String, body: String, rationale: String, stance: Stance?, url: String?,
        createdAt: Date, state: OpenDataContributionState, hiddenReason: ModerationReason?
    ) {
        self.id = id; self.kind = kind; self.articleID = articleID; self.parentID = parentID; self.author = author
        self.authorKind = authorKind; self.authorOrganisation = authorOrganisation; self.title = title; self.body = body
        self.rationale = rationale; self.stance = stance; self.url = url; self.createdAt = createdAt; self.state = state
        self.hiddenReason = hiddenReason
    }
}

/// Where a live vote stands in the keyset order (participant, target kind, target id).
public struct OpenDataVoteKey: Sendable, Hashable, Comparable {
    public var participantID: ID
    /// 0 for articles, 1 for contributions (the order of the keyset).
    public var targetKind: Int
    public var targetID: ID

    public init(participantID: ID, targetKind: Int, targetID: ID) {
        self.participantID = participantID; self.targetKind = targetKind; self.targetID = targetID
    }

    public static let start = OpenDataVoteKey(participantID: 0, targetKind: 0, targetID: 0)

    public init(participantID: ID, target: Target) {
        switch target {
        case .article(let id): self.init(participantID: participantID, targetKind: 0, targetID: id)
        case .contribution(let id): self.init(participantID: participantID, targetKind: 1, targetID: id)
        }
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.participantID, a.targetKind, a.targetID) < (b.participantID, b.targetKind, b.targetID)
    }
}

/// A live vote: `votes.csv`.
public struct OpenDataVote: Sendable, Equatable {
    /// The paging key only (it holds the participant id): never published.
    public var key: OpenDataVoteKey
    public var participant: String
    public var target: Target
    public var value: VoteValue
    public var castAt: Date

    public init(key: OpenDataVoteKey, participant: String, target: Target, value: VoteValue, castAt: Date) {
        self.key = key; self.participant = participant; self.target = target; self.value = value; self.castAt = castAt
    }
}

/// A tally as published: `tallies.csv` (live counters, imported totals apart, and the ranking score).
public struct OpenDataTally: Sendable, Equatable {
    public var target: Target
    public var live: Tally
    /// The imported aggregate totals (`base_*`), nil when nothing was imported.
    public var imported: Tally?
    public var score: Double

    public init(target: Target, live: Tally, imported: Tally?, score: Double) {
        self.target = target; self.live = live; self.imported = imported; self.score = score
    }
}

/// One place of a published ranking: `ranking.csv`.
public struct OpenDataRankedContribution: Sendable, Equatable {
    public var contributionID: ID
    public var score: Double

    public init(contributionID: ID, score: Double) { self.contributionID = contributionID; self.score = score }
}

/// Which published ranking: the contributions attached directly to one article, or the whole consultation's.
public struct OpenDataRankingScope: Sendable, Hashable {
    /// Nil for the consultation-wide list.
    public var articleID: ID?
    public var kind: ContributionKind

    public init(articleID: ID?, kind: ContributionKind) { self.articleID = articleID; self.kind = kind }
}

/// Where a ranking page stops, in its order (score desc, then id desc).
public struct OpenDataRankKey: Sendable, Equatable {
    public var score: Double
    public var id: ID

    public init(score: Double, id: ID) { self.score = score; self.id = id }

    /// Before every real entry.
    public static let start = OpenDataRankKey(score: .infinity, id: .max)
}

/// One version of an answer: `answers.csv` (never who answered).
public struct OpenDataAnswer: Sendable, Equatable {
    /// The answer row's id: the paging key.
    public var id: ID
    public var contributionID: ID
    /// 1 for the first answer to the contribution, 2 for its first revision…
    public var version: Int
    public var status: AnswerStatus
    public var text: String
    public var answeredAt: Date

    public init(id: ID, contributionID: ID, version: Int, status: AnswerStatus, text: String, answeredAt: Date) {
        self.id = id; self.contributionID = contributionID; self.version = version; self.status = status
        self.text = text; self.answeredAt = answeredAt
    }
}

/// A moderation decision: what and why, never who (`moderation.csv`).
public struct OpenDataModeration: Sendable, Equatable {
    /// The audit entry's sequence number: the paging key.
    public var key: Int64
    public var contributionID: ID
    public var at: Date
    /// hide, restore, approve, reject, hide_by_reports.
    public var decision: String
    public var reason: String

    public init(key: Int64, contributionID: ID, at: Date, decision: String, reason: String) {
        self.key = key; self.contributionID = contributionID; self.at = at; self.decision = decision; self.reason = reason
    }
}

/// Consistent keyset reads of one consultation's open tables. Every read of one reader sees the same
/// snapshot of the database (see `OpenDataStore.withOpenDataReader`).
public protocol OpenDataReader: OpenDataDebateReader {
    func sections(consultationID: ID, after: ID, limit: Int) async throws -> [Section]
    func articles(consultationID: ID, after: ID, limit: Int) async throws -> [Article]
    func textVersions(consultationID: ID, after: ID, limit: Int) async throws -> [TextVersion]
    func articleVersions(consultationID: ID, after: ID, limit: Int) async throws -> [ArticleVersion]
    /// Everyone who voted on or contributed to the consultation, by participant id (the key).
    func participants(consultationID: ID, after: ID, limit: Int) async throws -> [OpenDataParticipant]
    /// Every contribution of every state, by id.
    func contributions(consultationID: ID, after: ID, limit: Int) async throws -> [OpenDataContribution]
    /// Live votes on the consultation's articles and contributions, in key order.
    func votes(consultationID: ID, after: OpenDataVoteKey, limit: Int) async throws -> [OpenDataVote]
    /// Tallies of the consultation's articles, then contributions, each by id; `after` is the last target read.
    func tallies(consultationID: ID, after: Target?, limit: Int) async throws -> [OpenDataTally]
    /// The public contributions of a ranking in published order (score desc, id desc), after `after`.
    /// A contribution is public when published and not hidden; an article's ranking holds those
    /// attached directly to it (no parent), the consultation-wide one every public contribution of the kind.
    func ranking(consultationID: ID, scope: OpenDataRankingScope, after: OpenDataRankKey, limit: Int) async throws -> [OpenDataRankedContribution]
    func answers(consultationID: ID, after: ID, limit: Int) async throws -> [OpenDataAnswer]
    /// Uptake links, by contribution id.
    func uptakes(consultationID: ID, after: ID, limit: Int) async throws -> [UptakeRecord]
    /// Moderation decisions on the consultation's contributions, in audit order.
    func moderation(consultationID: ID, after: Int64, limit: Int) async throws -> [OpenDataModeration]
    /// The chain's length and head in this snapshot (`ChainHead.empty` without entries).
    func chainHead(consultationID: ID) async throws -> ChainHead
    /// Chain entries with seq greater than `seq`, in seq order (the rows of `events.csv`).
    func chainEntries(consultationID: ID, after seq: Int64, limit: Int) async throws -> [EventChain.Entry]
}

/// The open-data port: publication state and snapshot readers.
public protocol OpenDataStore {
    /// Nil when the consultation does not exist.
    func openDataPublication(consultationID: ID) async throws -> OpenDataPublication?
    /// Stores the publication state and appends the audit entry in the same transaction.
    func setOpenDataPublication(consultationID: ID, _ publication: OpenDataPublication, audit: AuditEntry) async throws
    /// Runs `body` with a reader whose reads all see one consistent snapshot (SQLite: a WAL snapshot;
    /// PostgreSQL: one REPEATABLE READ, READ ONLY transaction), so tallies, votes and the chain agree
    /// even while people vote. Keep `body` to the export: the snapshot holds a connection.
    func withOpenDataReader<R>(_ body: (any OpenDataReader) async throws -> R) async throws -> R
}

/// Row mapping shared by the adapters, so both publish the same states.
public enum OpenDataRows {
    /// Audit actions that are moderation decisions (`moderation.csv`).
    public static let moderationActions: [AuditAction] = [.hide, .restore, .approve, .reject, .hideByReports]
    /// The same, as a constant SQL list (`'hide', 'restore', …`).
    public static var moderationActionList: String { moderationActions.map { "'\($0.rawValue)'" }.joined(separator: ", ") }

    /// The published state: erased (by its author) first, then held or rejected, then hidden, else published.
    public static func state(status: ContributionStatus, isHidden: Bool, erased: Bool) -> OpenDataContributionState {
        if erased { return .erased }
        switch status {
        case .pending: return .pending
        case .rejected: return .rejected
        case .published: return isHidden ? .hidden : .published
        }
    }

    /// A contribution row from stored columns; an erased one keeps no text whatever the row still holds.
    public static func contribution(
        id: ID, kind: String, articleID: ID?, parentID: ID?, author: String?, authorKind: ParticipantKind?, authorOrganisation: String?,
        title: String, body: String, rationale: String, stance: String?, url: String?, createdAt: Date, status: String,
        isHidden: Bool, hiddenReason: String?, erased: Bool
    ) -> OpenDataContribution {
        let state = Self.state(status: ContributionStatus(rawValue: status) ?? .published, isHidden: isHidden, erased: erased)
        return OpenDataContribution(
            id: id, kind: ContributionKind(rawValue: kind) ?? .proposal, articleID: articleID, parentID: parentID, author: author,
            authorKind: author == nil ? nil : authorKind,
            authorOrganisation: author == nil || authorKind?.isOrganisation != true ? nil : authorOrganisation,
            title: erased ? "" : title, body: erased ? "" : body, rationale: erased ? "" : rationale,
            stance: stance.flatMap(Stance.init(rawValue:)), url: erased ? nil : url, createdAt: createdAt, state: state,
            hiddenReason: state == .hidden || state == .rejected ? hiddenReason.flatMap(ModerationReason.init(rawValue:)) : nil)
    }
}
