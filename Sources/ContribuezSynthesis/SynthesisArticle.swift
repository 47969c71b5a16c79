import ContribuezCore
import Foundation

/// The part of a stored synthesis that concerns one article: its tally, its amendments ranked,
/// how the opinion groups voted on them, and the duplicate clusters among the contributions about it.
/// Pure extraction from a `SynthesisReport`: no analysis runs on the request path.
public struct ArticleSynthesis: Sendable, Codable, Equatable {
    /// A group in which the target is representative (Polis repness).
    public struct Representative: Sendable, Codable, Equatable {
        /// 0-based group index.
        public var group: Int
        /// "agree" or "disagree".
        public var stance: String
        public var successes: Int
        public var trials: Int
    }

    /// The article or one of its amendments, with everything the synthesis says about it.
    public struct TargetFigures: Sendable, Codable, Equatable {
        /// Rank among the article's amendments by the Wilson lower bound (1 for the article itself).
        public var rank: Int
        /// The row of the consultation's ranking (global rank, counts, breakdown by participant kind).
        public var tally: SynthesisReport.TallyRow
        /// Votes of each opinion group (index = group index); nil when the run has no groups or no such data.
        public var byGroup: [SynthesisReport.Counts]?
        /// 1-based position in the consultation's consensus list, if listed.
        public var consensusRank: Int?
        public var consensusScore: Double?
        /// 1-based position in the list of divisive targets, if listed.
        public var divisiveRank: Int?
        public var divisiveScore: Double?
        public var representative: [Representative]
    }

    /// A duplicate cluster with at least one member about this article.
    public struct ClusterSlice: Sendable, Codable, Equatable {
        public var index: Int
        /// Size of the whole cluster, across the consultation.
        public var size: Int
        public var distinctAuthors: Int
        public var isBurst: Bool
        public var reasons: [String]
        /// The members about this article (the others are listed on the consultation synthesis).
        public var members: [SynthesisReport.ClusterMember]
    }

    public var consultationID: ID
    public var articleID: ID
    public var computedAt: Date
    public var duplicateThreshold: Double
    /// False when the stored report predates per-article data (amendments, groups and clusters then stay empty).
    public var complete: Bool
    /// Nil when the article was not in the run (added since, or hidden).
    public var article: TargetFigures?
    /// Ranked by the Wilson lower bound of agreement, best first.
    public var amendments: [TargetFigures]
    /// Size of each opinion group of the run (index = group index).
    public var groupSizes: [Int]
    public var clusters: [ClusterSlice]
}

extension SynthesisReport {
    /// Whether the report carries the per-article fields (runs stored before them do not).
    public var hasArticleData: Bool { tallies.contains { $0.target.articleID != nil } }

    /// What the report says about one article.
    public func article(_ articleID: ID) -> ArticleSynthesis {
        var consensusRank: [String: (Int, Double)] = [:], divisiveRank: [String: (Int, Double)] = [:]
        for (i, x) in groups.consensus.enumerated() where consensusRank[x.target.key] == nil { consensusRank[x.target.key] = (i + 1, x.score) }
        for (i, x) in groups.divisive.enumerated() where divisiveRank[x.target.key] == nil { divisiveRank[x.target.key] = (i + 1, x.score) }
        var representative: [String: [ArticleSynthesis.Representative]] = [:]
        for g in groups.groups {
            for r in g.representative {
                representative[r.target.key, default: []].append(.init(group: g.index, stance: r.stance, successes: r.successes, trials: r.trials))
            }
        }
        func figures(_ row: TallyRow, rank: Int) -> ArticleSynthesis.TargetFigures {
            let key = row.target.key
            return .init(
                rank: rank, tally: row, byGroup: groups.byGroup?[key], consensusRank: consensusRank[key]?.0, consensusScore: consensusRank[key]?.1,
                divisiveRank: divisiveRank[key]?.0, divisiveScore: divisiveRank[key]?.1, representative: representative[key] ?? [])
        }
        let own = tallies.first { $0.target.kind == .article && $0.target.id == articleID }
        // NB: `tallies` is already ranked by the Wilson bound: filtering keeps that order.
        let amendments = tallies.filter { $0.target.kind == .amendment && $0.target.articleID == articleID }
        let clusters = self.clusters.compactMap { c -> ArticleSynthesis.ClusterSlice? in
            let here = c.members.filter { $0.articleID == articleID }
            guard !here.isEmpty else { return nil }
            return .init(index: c.index, size: c.size, distinctAuthors: c.distinctAuthors, isBurst: c.isBurst, reasons: c.reasons, members: here)
        }
        return ArticleSynthesis(
            consultationID: consultationID, articleID: articleID, computedAt: computedAt, duplicateThreshold: duplicateThreshold,
            complete: hasArticleData, article: own.map { figures($0, rank: 1) },
            amendments: amendments.enumerated().map { figures($1, rank: $0 + 1) },
            groupSizes: groups.groups.map(\.size), clusters: clusters)
    }
}
