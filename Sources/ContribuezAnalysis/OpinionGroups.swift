import Foundation

/// Opinion groups as Pol.is computes them: PCA of the participant × target vote matrix to two
/// components with Polis's sparsity-aware projection, ~100 base clusters, a weighted k-means over
/// the base-cluster centres with k in 2…5 chosen by silhouette, then per-group representative
/// targets, group-informed consensus and the most divisive targets.
///
/// The reference is the Clojure math of compdemocracy/polis (`math/src/polismath/math/`:
/// `conversation.clj`, `pca.clj`, `clusters.clj`, `repness.clj`, `stats.clj`). This is an
/// independent implementation. Polis depends on the history of a conversation (warm-started
/// clusters, k smoothing, participants who stay "in" once in): without `Options.history` a single
/// snapshot is analysed as Polis analyses a conversation the first time it sees it; with it, a run
/// is one Polis update (see `KHistory`).
public enum OpinionGroups {}

// MARK: - Vote matrix

extension OpinionGroups {
    /// One vote: a participant's opinion on a target (an article, a proposal, a statement).
    public struct Vote: Sendable, Hashable {
        public var participant: Int
        public var target: Int
        /// 1 = agree, −1 = disagree, 0 = pass or mixed ("mitigé").
        public var value: Int8

        public init(participant: Int, target: Int, value: Int8) {
            self.participant = participant
            self.target = target
            self.value = value
        }
    }

    /// Why a vote matrix could not be built.
    public enum MatrixError: Error, Equatable, CustomStringConvertible {
        case participantOutOfRange(Int, count: Int)
        case targetOutOfRange(Int, count: Int)
        case invalidValue(Int8)

        public var description: String {
            switch self {
            case .participantOutOfRange(let i, let n): return "participant index \(i) is outside 0..<\(n)"
            case .targetOutOfRange(let i, let n): return "target index \(i) is outside 0..<\(n)"
            case .invalidValue(let v): return "vote value \(v) is not 1 (agree), -1 (disagree) or 0 (pass)"
            }
        }
    }

    /// A compact sparse participant × target vote matrix (compressed rows): a missing cell means
    /// "not voted", which is not the same as a pass (0).
    ///
    /// About 5 bytes per vote plus 4 bytes per participant, so 5 M votes take ~25 MB.
    public struct VoteMatrix: Sendable {
        /// External ids of the rows (participants), in row order.
        public let participantIDs: [String]
        /// External ids of the columns (targets), in column order.
        public let targetIDs: [String]
        /// Row `r` owns entries `rowStart[r] ..< rowStart[r + 1]`, sorted by target.
        public let rowStart: [Int32]
        /// The target of each entry.
        public let targets: [Int32]
        /// The value of each entry: 1, −1 or 0.
        public let values: [Int8]

        public var participantCount: Int { participantIDs.count }
        public var targetCount: Int { targetIDs.count }
        public var voteCount: Int { values.count }

        /// Builds the matrix from (participant, target, value) triples given as indexes into the
        /// id arrays. When the same pair appears twice, the later triple wins (a changed vote).
        public init(participantIDs: [String], targetIDs: [String], votes: [Vote]) throws {
            let nRows = participantIDs.count, nCols = targetIDs.count
            // Counting sort by row keeps the input order inside a row (stable), which lets
            // "later wins" be decided by position below.
            var counts = [Int32](repeating: 0, count: nRows + 1)
            for v in votes {
                guard v.participant >= 0, v.participant < nRows else {
                    throw MatrixError.participantOutOfRange(v.participant, count: nRows)
                }
                guard v.target >= 0, v.target < nCols else {
                    throw MatrixError.targetOutOfRange(v.target, count: nCols)
                }
                guard v.value >= -1, v.value <= 1 else { throw MatrixError.invalidValue(v.value) }
                counts[v.participant + 1] += 1
            }
            for r in 0..<nRows { counts[r + 1] += counts[r] }
            var fill = counts
            var order = [Int32](repeating: 0, count: votes.count)
            for (i, v) in votes.enumerated() {
                order[Int(fill[v.participant])] = Int32(i)
                fill[v.participant] += 1
            }
            var start = [Int32](repeating: 0, count: nRows + 1)
            var cols: [Int32] = []
            var vals: [Int8] = []
            cols.reserveCapacity(votes.count)
            vals.reserveCapacity(votes.count)
            var slice: [(col: Int32, pos: Int32)] = []
            for r in 0..<nRows {
                slice.removeAll(keepingCapacity: true)
                for k in Int(counts[r])..<Int(counts[r + 1]) {
                    let i = order[k]
                    slice.append((Int32(votes[Int(i)].target), i))
                }
                slice.sort { $0.col != $1.col ? $0.col < $1.col : $0.pos < $1.pos }
                var k = 0
                while k < slice.count {
                    var last = k
                    while last + 1 < slice.count && slice[last + 1].col == slice[k].col { last += 1 }
                    cols.append(slice[k].col)
                    vals.append(votes[Int(slice[last].pos)].value)
                    k = last + 1
                }
                start[r + 1] = Int32(cols.count)
            }
            self.participantIDs = participantIDs
            self.targetIDs = targetIDs
            self.rowStart = start
            self.targets = cols
            self.values = vals
        }

        /// The number of votes (passes included) cast by `participant`.
        public func voteCount(ofParticipant participant: Int) -> Int {
            Int(rowStart[participant + 1] - rowStart[participant])
        }

        /// The vote of `participant` on `target`, nil when not voted.
        public func value(participant: Int, target: Int) -> Int8? {
            var lo = Int(rowStart[participant]), hi = Int(rowStart[participant + 1])
            let t = Int32(target)
            while lo < hi {
                let mid = (lo + hi) / 2
                if targets[mid] < t { lo = mid + 1 } else { hi = mid }
            }
            return lo < Int(rowStart[participant + 1]) && targets[lo] == t ? values[lo] : nil
        }
    }
}

// MARK: - Options and results

extension OpinionGroups {
    /// The knobs of the analysis; the defaults are Polis's.
    public struct Options: Sendable {
        /// A participant is clustered with at least `min(minimumVotes, number of targets)` votes.
        public var minimumVotes = 7
        /// Polis tops the clustered set up to this many participants (most votes first) when
        /// fewer pass the vote rule, so that a young conversation still shows groups.
        public var greedyParticipantCount = 15
        /// Number of base clusters (Polis `base-k`).
        public var baseClusterCount = 100
        /// Group counts tried; Polis also caps the maximum at 2 + (base clusters / 12).
        public var groupCountRange: ClosedRange<Int> = 2...5
        /// Polis's memory of earlier updates (`Result.history` of the previous run). nil analyses
        /// the snapshot on its own; `KHistory()` starts a history as Polis's first update would.
        public var history: KHistory? = nil
        /// Updates in a row a new best k must win before it is shown (Polis `group-k-buffer`).
        public var groupCountBuffer = 4
        /// Targets left out of the analysis (moderated out). As in Polis their column is zeroed:
        /// they weigh nothing in the PCA, are never listed, but still count in the projection's
        /// sparsity scaling as a vote of every participant.
        public var excludedTargets: Set<Int> = []
        /// Power-iteration steps for the PCA (Polis `pca-iters`).
        public var pcaIterations = 100
        /// Lloyd steps of the base-cluster k-means (Polis `base-iters`).
        public var kMeansIterations = 100
        /// Lloyd steps of the group k-means: Polis passes `:cluster-iters` (100), which its `kmeans`
        /// does not read, so its default `max-iters`, 20, applies.
        public var groupIterations = 20
        /// How k-means picks its starting centres.
        public var initialization: Initialization = .polis
        /// With `.polis`, Polis's start is kept unless k-means++ restarts find a clustering whose
        /// weighted inertia is lower by more than this factor (Polis's start can stall in a poor
        /// local optimum, e.g. when its first centres fall in the same camp).
        public var polisStartTolerance = 1.25
        /// Restarts of the group k-means (k-means++ seeds); the lowest weighted inertia wins. With
        /// `.polis` they only serve as the yardstick of `polisStartTolerance`.
        public var groupRestarts = 16
        /// Seed of every random choice (k-means++ restarts); the same seed gives the same result.
        public var seed: UInt64 = 0
        /// How many targets to list per group, for consensus and for division.
        public var representativeLimit = 5
        public var consensusLimit = 5
        public var divisiveLimit = 5

        public init() {}
    }

    /// How the k-means of the base clusters and of the groups start.
    public enum Initialization: Sendable, Hashable {
        /// Polis's start: the first distinct points in participant order, then the first distinct
        /// base-cluster centres. Deterministic without a seed.
        case polis
        /// k-means++ seeded by `Options.seed`; the group level keeps the lowest-inertia run of
        /// `Options.groupRestarts`.
        case kMeansPlusPlus
    }

    /// A point of the opinion map.
    public struct Point: Sendable, Hashable, Codable {
        public var x: Double
        public var y: Double
        public init(x: Double, y: Double) { self.x = x; self.y = y }
    }

    /// Whether a target represents its group by agreement or by disagreement.
    public enum Stance: String, Sendable, Codable { case agree, disagree }

    /// A target that tells a group apart from the others (Polis "repness").
    public struct RepresentativeTarget: Sendable, Hashable {
        public var target: Int
        public var stance: Stance
        /// Votes of the group in that stance, and votes seen (passes included).
        public var successes: Int
        public var trials: Int
        /// Smoothed share of the group in that stance: (successes + 1) / (trials + 2).
        public var probability: Double
        /// That share divided by the same share among all other groups.
        public var ratio: Double
        /// One-proportion z (share > 1/2) and two-proportion z (group vs the rest).
        public var probabilityZ: Double
        public var ratioZ: Double
    }

    /// One opinion group.
    public struct Group: Sendable {
        /// Participants (row indexes) of the group, ascending.
        public var members: [Int]
        /// Representative targets, as Polis orders them (agrees first).
        public var representative: [RepresentativeTarget]
    }

    /// A target and a score (consensus or division).
    public struct ScoredTarget: Sendable, Hashable {
        public var target: Int
        public var score: Double
    }

    /// The outcome of `analyze`.
    public struct Result: Sendable {
        /// The group of each participant (row), nil when the participant was not clustered.
        public var participantGroups: [Int?]
        /// Map coordinates of every participant (clustered or not).
        public var coordinates: [Point]
        /// Groups, largest first.
        public var groups: [Group]
        /// Silhouette of each k tried (k → silhouette over the base clusters).
        public var silhouettes: [Int: Double]
        /// The state to pass as `Options.history` to the next run (after this one, even when
        /// this one had no history: it then counts as the first update).
        public var history: KHistory
        /// Targets with the highest group-informed consensus, best first.
        public var consensus: [ScoredTarget]
        /// Targets that split the groups most, most divisive first.
        public var divisive: [ScoredTarget]
        /// Group-informed consensus of every target (0 for excluded targets).
        public var groupInformedConsensus: [Double]
        /// Number of participants clustered.
        public var clusteredCount: Int { participantGroups.lazy.filter { $0 != nil }.count }
    }
}
