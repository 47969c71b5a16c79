import Foundation

/// One contribution as campaign analysis sees it.
public struct DuplicateCampaignContribution: Sendable, Equatable {
    public var id: String
    public var text: String
    public var authorID: String
    /// When the author's account was created; nil when unknown (then never counted as new).
    public var authorCreatedAt: Date?
    public var submittedAt: Date

    public init(id: String, text: String, authorID: String, authorCreatedAt: Date?, submittedAt: Date) {
        self.id = id
        self.text = text
        self.authorID = authorID
        self.authorCreatedAt = authorCreatedAt
        self.submittedAt = submittedAt
    }
}

/// When a cluster of near-identical contributions is flagged as a campaign.
///
/// A cluster is a **burst** when, in some time window of length `window`, at least
/// `minBurstSubmissions` of its contributions come from accounts created at most
/// `newAccountAge` before they submitted, and these make at least `minNewAccountShare`
/// of all the cluster's contributions in that window. Defaults: 24 h window, 10
/// submissions, accounts younger than 7 days, half of the window. An organic form letter
/// (an association asks its members to write) spreads over days from established
/// accounts and is not a burst; a script creating accounts and posting is.
///
/// Separately, one author posting `maxPerAuthor` or more near-identical contributions is
/// flagged (the Grand Débat had one account with 472 contributions).
public struct DuplicateCampaignRule: Sendable, Equatable {
    public var window: TimeInterval
    public var minBurstSubmissions: Int
    public var newAccountAge: TimeInterval
    public var minNewAccountShare: Double
    public var maxPerAuthor: Int

    public init(
        window: TimeInterval = 24 * 3600, minBurstSubmissions: Int = 10, newAccountAge: TimeInterval = 7 * 24 * 3600,
        minNewAccountShare: Double = 0.5, maxPerAuthor: Int = 5
    ) {
        self.window = window
        self.minBurstSubmissions = minBurstSubmissions
        self.newAccountAge = newAccountAge
        self.minNewAccountShare = minNewAccountShare
        self.maxPerAuthor = maxPerAuthor
    }
}

/// Why a cluster was flagged.
public enum DuplicateCampaignReason: Sendable, Equatable, CustomStringConvertible {
    /// `fromNewAccounts` of the `submissions` made in the window starting at `windowStart`
    /// came from recently created accounts.
    case burstFromNewAccounts(windowStart: Date, window: TimeInterval, submissions: Int, fromNewAccounts: Int)
    /// One author made `submissions` contributions of the cluster.
    case repeatedByOneAuthor(authorID: String, submissions: Int)

    public var description: String {
        switch self {
        case .burstFromNewAccounts(let start, let window, let submissions, let new):
            let hours = (window / 3600 * 10).rounded() / 10
            return "\(new) of \(submissions) submissions within \(hours) h from \(start) came from recently created accounts"
        case .repeatedByOneAuthor(let author, let n):
            return "author \(author) submitted \(n) of them"
        }
    }
}

/// One cluster of near-identical contributions with its campaign signals.
public struct DuplicateClusterReport: Sendable, Equatable {
    /// Member ids in input order.
    public var memberIDs: [String]
    public var size: Int { memberIDs.count }
    public var distinctAuthors: Int
    public var firstSubmittedAt: Date
    public var lastSubmittedAt: Date
    public var timeSpan: TimeInterval { lastSubmittedAt.timeIntervalSince(firstSubmittedAt) }
    /// Contributions made from accounts younger than the rule's `newAccountAge`.
    public var fromNewAccounts: Int
    /// True when the burst rule fired (see `DuplicateCampaignRule`).
    public var isBurst: Bool
    /// Every rule that fired; empty for an unremarkable cluster.
    public var reasons: [DuplicateCampaignReason]
}

extension DuplicateDetector {
    /// Clusters `contributions` (as `clusters(texts:)`) and reports each cluster of two or
    /// more with its size, authors, time span and campaign flags, in cluster order.
    public func campaigns(
        _ contributions: [DuplicateCampaignContribution], rule: DuplicateCampaignRule = DuplicateCampaignRule()
    ) -> [DuplicateClusterReport] {
        let clustering = analyze(contributions.map(\.text))
        return clustering.clusters.map { Self.report(members: $0.map { contributions[$0] }, rule: rule) }
    }

    /// The campaign signals of one cluster (members in input order).
    public static func report(
        members: [DuplicateCampaignContribution], rule: DuplicateCampaignRule
    ) -> DuplicateClusterReport {
        precondition(!members.isEmpty, "a cluster has members")
        func isNew(_ c: DuplicateCampaignContribution) -> Bool {
            guard let created = c.authorCreatedAt else { return false }
            return c.submittedAt.timeIntervalSince(created) <= rule.newAccountAge
        }
        let times = members.map(\.submittedAt).sorted()
        let newTimes = members.filter(isNew).map(\.submittedAt).sorted()
        var reasons: [DuplicateCampaignReason] = []

        // Densest window of new-account submissions (earliest on ties), by two pointers.
        var best = (count: 0, start: 0)
        var lo = 0
        for hi in 0..<newTimes.count {
            while newTimes[hi].timeIntervalSince(newTimes[lo]) > rule.window { lo += 1 }
            if hi - lo + 1 > best.count { best = (hi - lo + 1, lo) }
        }
        var isBurst = false
        if best.count >= rule.minBurstSubmissions {
            let start = newTimes[best.start]
            let end = start.addingTimeInterval(rule.window)
            let inWindow = times.filter { $0 >= start && $0 <= end }.count
            if Double(best.count) >= rule.minNewAccountShare * Double(inWindow) {
                isBurst = true
                reasons.append(
                    .burstFromNewAccounts(
                        windowStart: start, window: rule.window, submissions: inWindow, fromNewAccounts: best.count))
            }
        }

        var perAuthor: [String: Int] = [:]
        for m in members { perAuthor[m.authorID, default: 0] += 1 }
        // Most prolific author; ties broken by id so that the report is deterministic.
        if let top = perAuthor.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }),
            top.value >= rule.maxPerAuthor
        {
            reasons.append(.repeatedByOneAuthor(authorID: top.key, submissions: top.value))
        }
        return DuplicateClusterReport(
            memberIDs: members.map(\.id), distinctAuthors: perAuthor.count, firstSubmittedAt: times.first!,
            lastSubmittedAt: times.last!, fromNewAccounts: newTimes.count, isBurst: isBurst, reasons: reasons)
    }
}
