import Foundation

/// Vote counts per target and the ranking of targets by how surely they are
/// supported.
///
/// Ranking by raw agreement share would put a 1-vote, 1-agree amendment above
/// one agreed by 90 of 100 voters; ranking by raw counts would favour whatever
/// was published first. Targets are therefore ranked by the **lower bound of
/// the Wilson score interval** of their agreement share: the share we are 95 %
/// confident the target would at least get from a larger crowd like this one.
///
/// Choice made here (and shown in the synthesis): **positive = agree**, and
/// **n = all votes** (agree + mixed + disagree). A « mitigé » vote is not
/// support, so it lowers the score like a disagreement does; z = 1.96 (95 %).
///
/// Participant kinds are plain `String` keys (e.g. "citizen", "company",
/// "association", "publicBody") so this module stays free of the core types.
public enum Tallies {
    /// A vote on an article, proposal or amendment — or « utile » on an
    /// argument or a source.
    public enum Choice: String, Sendable, Hashable, CaseIterable {
        case agree
        case mixed
        case disagree
        /// The only vote on arguments and sources; it is not counted as
        /// agreement and not part of `total`.
        case useful
    }

    /// The counts of one target.
    public struct Count: Sendable, Hashable {
        public var agree: Int
        public var mixed: Int
        public var disagree: Int
        /// « Utile » votes (arguments and sources), kept apart from opinions.
        public var useful: Int

        public init(agree: Int = 0, mixed: Int = 0, disagree: Int = 0, useful: Int = 0) {
            self.agree = agree
            self.mixed = mixed
            self.disagree = disagree
            self.useful = useful
        }

        /// Opinion votes: agree + mixed + disagree (« utile » excluded).
        public var total: Int { agree + mixed + disagree }

        /// Share of opinion votes that agree, 0 when there is none.
        public var agreeShare: Double { share(agree) }
        /// Share of opinion votes that are mixed, 0 when there is none.
        public var mixedShare: Double { share(mixed) }
        /// Share of opinion votes that disagree, 0 when there is none.
        public var disagreeShare: Double { share(disagree) }

        /// Wilson lower bound of the agreement share (positive = agree, n = total).
        public var agreementScore: Double {
            Tallies.wilsonLowerBound(positive: agree, total: total)
        }

        /// Adds one vote.
        public mutating func add(_ choice: Choice) {
            switch choice {
            case .agree: agree += 1
            case .mixed: mixed += 1
            case .disagree: disagree += 1
            case .useful: useful += 1
            }
        }

        /// The sum of two counts (e.g. of two participant kinds).
        public static func + (lhs: Count, rhs: Count) -> Count {
            Count(
                agree: lhs.agree + rhs.agree, mixed: lhs.mixed + rhs.mixed,
                disagree: lhs.disagree + rhs.disagree, useful: lhs.useful + rhs.useful)
        }

        private func share(_ part: Int) -> Double {
            total == 0 ? 0 : Double(part) / Double(total)
        }
    }

    /// One target in a ranking.
    public struct Ranked<ID: Hashable & Sendable>: Sendable {
        public var id: ID
        public var count: Count
        /// The value the ranking is sorted by.
        public var score: Double
    }

    /// Counts a sequence of votes.
    public static func count<S: Sequence>(_ choices: S) -> Count where S.Element == Choice {
        var count = Count()
        for choice in choices { count.add(choice) }
        return count
    }

    /// Counts votes per participant kind; the values sum to `count` of all votes.
    ///
    /// - Parameter votes: pairs of (participant kind, choice).
    public static func breakdown<S: Sequence>(_ votes: S) -> [String: Count]
    where S.Element == (kind: String, choice: Choice) {
        var counts: [String: Count] = [:]
        for vote in votes { counts[vote.kind, default: Count()].add(vote.choice) }
        return counts
    }

    /// Lower bound of the Wilson score interval for a proportion.
    ///
    /// (p̂ + z²/2n − z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n), with p̂ = positive/n.
    /// Returns 0 when `total` is 0: no evidence means no support.
    ///
    /// - Parameters:
    ///   - positive: favourable votes; must be between 0 and `total`.
    ///   - total: all votes counted (n).
    ///   - z: the normal quantile; 1.96 for a 95 % interval.
    public static func wilsonLowerBound(positive: Int, total: Int, z: Double = 1.96) -> Double {
        precondition(positive >= 0 && positive <= total, "positive votes must be within 0...total")
        guard total > 0 else { return 0 }
        let n = Double(total)
        let p = Double(positive) / n
        let z2 = z * z
        let centre = p + z2 / (2 * n)
        let margin = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        // NB: max(0, …) absorbs a rounding error of ~1e-17 when positive == 0.
        return max(0, (centre - margin) / (1 + z2 / n))
    }

    /// Ranks targets by the Wilson lower bound of their agreement share,
    /// highest first.
    ///
    /// Ties (e.g. all unvoted targets, score 0) keep more votes first, then the
    /// input order, so the ranking is deterministic.
    public static func rankByAgreement<ID: Hashable & Sendable>(_ targets: [(id: ID, count: Count)]) -> [Ranked<ID>] {
        rank(targets) { $0.agreementScore }
    }

    /// Ranks arguments or sources by their « utile » votes, highest first;
    /// ties keep the input order.
    ///
    /// NB: there is no negative vote on arguments and sources and nobody
    /// records who read one without voting, so there is no n for a Wilson
    /// bound: the raw count is the only honest score.
    public static func rankByUseful<ID: Hashable & Sendable>(_ targets: [(id: ID, count: Count)]) -> [Ranked<ID>] {
        rank(targets) { Double($0.useful) }
    }

    private static func rank<ID: Hashable & Sendable>(
        _ targets: [(id: ID, count: Count)], by score: (Count) -> Double
    ) -> [Ranked<ID>] {
        let scored = targets.enumerated().map { (offset, target) in
            (offset: offset, ranked: Ranked(id: target.id, count: target.count, score: score(target.count)))
        }
        return scored.sorted { l, r in
            if l.ranked.score != r.ranked.score { return l.ranked.score > r.ranked.score }
            if l.ranked.count.total != r.ranked.count.total { return l.ranked.count.total > r.ranked.count.total }
            return l.offset < r.offset
        }.map(\.ranked)
    }
}
