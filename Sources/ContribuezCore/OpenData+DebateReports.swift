import Foundation

// The debate reports in the open data (issue 15, item 4): `debate_reports.csv`, `debate_votes.csv` and
// `debate_contributions.csv`. No personal data: a debate is published with its organiser's name only as the debate's
// public page shows it (a person's public name or an organisation's), never who filed the report, nor the
// registrants; attachments (photos of sheets, which may show faces or handwriting) stay on the platform.

/// One filed report: `debate_reports.csv`.
public struct OpenDataDebateReport: Sendable, Equatable {
    public var debateID: ID
    public var title: String
    public var organiserKind: DebateOrganiserKind
    public var organiserName: String
    public var startsAt: Date
    public var endsAt: Date
    /// "venue" or "online".
    public var mode: String
    public var departement: String?
    public var commune: String?
    public var attendance: Int
    public var synthesis: String
    public var source: DebateReportSource
    public var filedAt: Date
    public var attachments: Int

    public init(
        debateID: ID, title: String, organiserKind: DebateOrganiserKind, organiserName: String, startsAt: Date, endsAt: Date, mode: String,
        departement: String?, commune: String?, attendance: Int, synthesis: String, source: DebateReportSource, filedAt: Date, attachments: Int
    ) {
        self.debateID = debateID; self.title = title; self.organiserKind = organiserKind; self.organiserName = organiserName
        self.startsAt = startsAt; self.endsAt = endsAt; self.mode = mode; self.departement = departement; self.commune = commune
        self.attendance = attendance; self.synthesis = synthesis; self.source = source; self.filedAt = filedAt; self.attachments = attachments
    }
}

/// Where a page of `debate_votes` stops: (debate, article).
public struct OpenDataDebateVoteKey: Sendable, Hashable {
    public var debateID: ID
    public var articleID: ID

    public init(debateID: ID, articleID: ID) { self.debateID = debateID; self.articleID = articleID }

    public static let start = OpenDataDebateVoteKey(debateID: 0, articleID: 0)
}

/// One article's show-of-hands counts in one report: `debate_votes.csv`.
public struct OpenDataDebateVote: Sendable, Equatable {
    public var key: OpenDataDebateVoteKey
    public var count: DebateArticleCount

    public init(key: OpenDataDebateVoteKey, count: DebateArticleCount) { self.key = key; self.count = count }
}

/// Where a page of `debate_profiles` stops: (debate, position in its report).
public struct OpenDataDebateProfileKey: Sendable, Hashable {
    public var debateID: ID
    public var position: Int

    public init(debateID: ID, position: Int) { self.debateID = debateID; self.position = position }

    public static let start = OpenDataDebateProfileKey(debateID: 0, position: 0)
}

/// One count of a room's profile in aggregate: `debate_profiles.csv`.
public struct OpenDataDebateProfile: Sendable, Equatable {
    public var key: OpenDataDebateProfileKey
    public var count: DebateProfileCount

    public init(key: OpenDataDebateProfileKey, count: DebateProfileCount) { self.key = key; self.count = count }
}

/// A contribution a report created: `debate_contributions.csv`.
public struct OpenDataDebateContribution: Sendable, Equatable {
    public var contributionID: ID
    public var debateID: ID

    public init(contributionID: ID, debateID: ID) { self.contributionID = contributionID; self.debateID = debateID }
}

/// The debate tables' keyset reads, part of every `OpenDataReader` (same snapshot).
public protocol OpenDataDebateReader: Sendable {
    /// Filed reports of the consultation's debates, by debate id.
    func debateReports(consultationID: ID, after: ID, limit: Int) async throws -> [OpenDataDebateReport]
    /// Their counts, by (debate id, article id).
    func debateVotes(consultationID: ID, after: OpenDataDebateVoteKey, limit: Int) async throws -> [OpenDataDebateVote]
    /// The rooms' profiles in aggregate, by (debate id, position).
    func debateProfiles(consultationID: ID, after: OpenDataDebateProfileKey, limit: Int) async throws -> [OpenDataDebateProfile]
    /// The contributions they created, by contribution id.
    func debateContributions(consultationID: ID, after: ID, limit: Int) async throws -> [OpenDataDebateContribution]
}
