import Foundation

extension OpinionGroups {
    /// Who is clustered, into which base cluster and which group: the part of an analysis that
    /// differs between a one-shot run and a Polis update.
    struct Grouping {
        /// Rows clustered, ascending.
        var clustered: [Int]
        /// Base cluster (index) of each clustered row, in `clustered` order.
        var baseOfClustered: [Int]
        /// Group of each base cluster (by index).
        var groupOfBase: [Int]
        var silhouettes: [Int: Double]
        var history: KHistory
    }

    /// The k values Polis tries: 2 … min(5, 2 + ⌊base clusters / 12⌋) (conversation.clj, `max-k-fn`
    /// applied to the base-cluster centres), within `options.groupCountRange`.
    static func groupCounts(baseClusters: Int, options: Options) -> ClosedRange<Int>? {
        let maxK = min(options.groupCountRange.upperBound, 2 + baseClusters / 12)
        let minK = options.groupCountRange.lowerBound
        return baseClusters >= 2 && maxK >= minK ? minK...maxK : nil
    }

    /// The k with the best silhouette. Polis takes `(apply max-key silhouettes ks)` over the k in
    /// increasing order, and Clojure's `max-key` returns the *last* of equal maxima: an exact tie
    /// goes to the larger k. Differences under 1e-12 count as ties (rounding of the same score).
    public static func bestGroupCount(_ silhouettes: [Int: Double]) -> Int? {
        var best: (k: Int, score: Double)? = nil
        for k in silhouettes.keys.sorted() {
            let s = silhouettes[k]!
            if s.isNaN { continue }
            if best == nil || s >= best!.score - 1e-12 { best = (k, max(s, best?.score ?? s)) }
        }
        return best?.k
    }

    /// A snapshot analysed on its own, as Polis analyses a conversation the first time it sees it,
    /// with one addition: the group k-means is also run from k-means++ restarts, and Polis's start
    /// is replaced when it stalls in a clearly worse local optimum (`polisStartTolerance`).
    static func oneShotGroups(_ matrix: VoteMatrix, points: [Point], options: Options) -> Grouping {
        let clustered = clusteredParticipants(matrix, options: options)
        var rng = SeededGenerator(seed: options.seed)

        // Base clusters over the clustered participants' map points.
        let clusteredPoints = clustered.map { points[$0] }
        let base =
            options.initialization == .polis
            ? kMeansFirstDistinct(clusteredPoints, k: options.baseClusterCount, maxIterations: options.kMeansIterations)
            : kMeans(clusteredPoints, k: options.baseClusterCount, maxIterations: options.kMeansIterations, using: &rng)
        var baseWeights = [Double](repeating: 0, count: base.centers.count)
        for a in base.assignment { baseWeights[a] += 1 }

        // Group clusters over the base centres, weighted by base-cluster size.
        var silhouettes: [Int: Double] = [:]
        var clusterings: [Int: Clustering] = [:]
        if let ks = groupCounts(baseClusters: base.centers.count, options: options) {
            for k in ks {
                var best: Clustering? = nil
                for _ in 0..<max(options.groupRestarts, 1) {
                    let c = kMeans(
                        base.centers, weights: baseWeights, k: k, maxIterations: options.groupIterations, using: &rng)
                    if best == nil || c.inertia < best!.inertia - 1e-12 { best = c }
                }
                // NB: Polis's own start tracks Polis's groups better than the lowest-inertia
                // clustering, but it can stall with all first centres in one camp; the restarts
                // above catch that case.
                if options.initialization == .polis {
                    let polis = kMeansFirstDistinct(
                        base.centers, weights: baseWeights, k: k, maxIterations: options.groupIterations)
                    if let b = best, polis.inertia <= options.polisStartTolerance * b.inertia + 1e-12 { best = polis }
                }
                guard let chosen = best else { continue }
                clusterings[k] = chosen
                silhouettes[k] = silhouette(base.centers, assignment: chosen.assignment)
            }
        }
        let chosenK = bestGroupCount(silhouettes)
        let groupOfBase =
            chosenK.flatMap { clusterings[$0]?.assignment } ?? [Int](repeating: 0, count: base.centers.count)

        // The state a later Polis update starts from: this run is its first update.
        var history = KHistory()
        history.baseClusters = memberLists(base.assignment, count: base.centers.count).enumerated().map {
            BaseCluster(id: $0.offset, participants: $0.element.map { matrix.participantIDs[clustered[$0]] })
        }
        history.groupClusterings = clusterings.keys.sorted().map { k in
            let lists = memberLists(clusterings[k]!.assignment, count: clusterings[k]!.centers.count)
            return GroupClustering(k: k, groups: lists.enumerated().map { GroupCluster(id: $0.offset, baseClusters: $0.element) })
        }
        if let k = chosenK { history.advance(bestK: k, buffer: options.groupCountBuffer) }
        return Grouping(
            clustered: clustered, baseOfClustered: base.assignment, groupOfBase: groupOfBase,
            silhouettes: silhouettes, history: history)
    }

    /// The members (indexes) of each of `count` clusters given an assignment.
    static func memberLists(_ assignment: [Int], count: Int) -> [[Int]] {
        var lists = [[Int]](repeating: [], count: count)
        for (i, a) in assignment.enumerated() { lists[a].append(i) }
        return lists
    }
}
