import Foundation

extension OpinionGroups {
    /// The participants Polis clusters: those with at least `min(minimumVotes, targets voted on)`
    /// votes (passes count), topped up to `greedyParticipantCount` with the most active others
    /// when fewer qualify. Ascending row indexes.
    ///
    /// NB: live Polis also keeps a participant clustered once they qualified, even if moderation
    /// later removes the targets they voted on; a snapshot cannot know that history.
    public static func clusteredParticipants(_ matrix: VoteMatrix, options: Options = .init()) -> [Int] {
        var votedTargets = [Bool](repeating: false, count: matrix.targetCount)
        for t in matrix.targets { votedTargets[Int(t)] = true }
        let targetCount = votedTargets.lazy.filter { $0 }.count
        let threshold = min(options.minimumVotes, targetCount)
        var included = [Bool](repeating: false, count: matrix.participantCount)
        var count = 0
        for r in 0..<matrix.participantCount {
            let v = matrix.voteCount(ofParticipant: r)
            if v > 0 && v >= threshold { included[r] = true; count += 1 }
        }
        if count < options.greedyParticipantCount {
            let others = (0..<matrix.participantCount)
                .filter { !included[$0] && matrix.voteCount(ofParticipant: $0) > 0 }
                .sorted {
                    let a = matrix.voteCount(ofParticipant: $0), b = matrix.voteCount(ofParticipant: $1)
                    return a != b ? a > b : $0 < $1
                }
            for r in others.prefix(options.greedyParticipantCount - count) { included[r] = true }
        }
        return (0..<matrix.participantCount).filter { included[$0] }
    }

    /// Runs the whole Polis pipeline on a snapshot: inclusion rule, sparsity-aware PCA, base
    /// clusters, group clusters with k chosen by silhouette, then representative targets,
    /// group-informed consensus and division.
    ///
    /// Polis smooths k over successive updates (a new k must win `group-k-buffer` = 4 updates in a
    /// row); on the first update of a conversation it takes the best k directly, which is what a
    /// single snapshot gives.
    public static func analyze(_ matrix: VoteMatrix, options: Options = .init()) -> Result {
        let projection = project(matrix, options: options)
        let clustered = clusteredParticipants(matrix, options: options)
        var rng = SeededGenerator(seed: options.seed)

        // Base clusters over the clustered participants' map points.
        let clusteredPoints = clustered.map { projection.points[$0] }
        let base =
            options.initialization == .polis
            ? kMeansFirstDistinct(clusteredPoints, k: options.baseClusterCount, maxIterations: options.kMeansIterations)
            : kMeans(clusteredPoints, k: options.baseClusterCount, maxIterations: options.kMeansIterations, using: &rng)
        var baseWeights = [Double](repeating: 0, count: base.centers.count)
        for a in base.assignment { baseWeights[a] += 1 }

        // Group clusters over the base centres, weighted by base-cluster size.
        var silhouettes: [Int: Double] = [:]
        var bestGroupOfBase = [Int](repeating: 0, count: base.centers.count)
        let maxK = min(options.groupCountRange.upperBound, 2 + base.centers.count / 12)
        let minK = options.groupCountRange.lowerBound
        if base.centers.count >= 2 && maxK >= minK {
            var bestScore = -Double.infinity
            for k in minK...maxK {
                var best: Clustering? = nil
                for _ in 0..<max(options.groupRestarts, 1) {
                    let c = kMeans(
                        base.centers, weights: baseWeights, k: k, maxIterations: options.groupIterations, using: &rng)
                    if best == nil || c.inertia < best!.inertia - 1e-12 { best = c }
                }
                // NB: Polis's own start tracks Polis's groups better than the lowest-inertia
                // clustering (mean ARI 0.55 vs 0.49 on the 13 openData conversations), but it can
                // stall with all first centres in one camp; the restarts above catch that case.
                if options.initialization == .polis {
                    let polis = kMeansFirstDistinct(
                        base.centers, weights: baseWeights, k: k, maxIterations: options.groupIterations)
                    if let b = best, polis.inertia <= options.polisStartTolerance * b.inertia + 1e-12 { best = polis }
                }
                guard let chosen = best else { continue }
                let s = silhouette(base.centers, assignment: chosen.assignment)
                silhouettes[k] = s
                if s > bestScore + 1e-12 {
                    bestScore = s
                    bestGroupOfBase = chosen.assignment
                }
            }
        }

        // Participants' groups, then groups renumbered largest first (ties: earliest member).
        var rawGroup = [Int?](repeating: nil, count: matrix.participantCount)
        for (i, r) in clustered.enumerated() { rawGroup[r] = bestGroupOfBase[base.assignment[i]] }
        let rawCount = (bestGroupOfBase.max() ?? -1) + 1
        var members = [[Int]](repeating: [], count: rawCount)
        for r in 0..<matrix.participantCount { if let g = rawGroup[r] { members[g].append(r) } }
        let sizes = members.map(\.count)
        let firstMember = members.map { $0.first ?? Int.max }
        let order = (0..<rawCount).filter { sizes[$0] > 0 }.sorted { (a: Int, b: Int) -> Bool in
            sizes[a] != sizes[b] ? sizes[a] > sizes[b] : firstMember[a] < firstMember[b]
        }
        var renumber = [Int](repeating: -1, count: rawCount)
        for (new, old) in order.enumerated() { renumber[old] = new }
        let participantGroups = rawGroup.map { $0.map { renumber[$0] } }
        let groupMembers = order.map { members[$0] }

        let tallies = GroupTallies(matrix, participantGroups: participantGroups, groupCount: groupMembers.count)
        let representative = representativeTargets(tallies, options: options)
        let consensusScores = groupInformedConsensus(tallies)
        let excluded = options.excludedTargets
        let eligible = (0..<matrix.targetCount).filter { !excluded.contains($0) }
        let consensus = topTargets(eligible, scores: consensusScores, limit: options.consensusLimit)
        let division = divisiveness(tallies)
        let divisive = topTargets(
            eligible.filter { tallies.seenByClustered[$0] > 0 }, scores: division, limit: options.divisiveLimit)
        var consensusOut = consensusScores
        for t in excluded where t >= 0 && t < consensusOut.count { consensusOut[t] = 0 }

        return Result(
            participantGroups: participantGroups,
            coordinates: projection.points,
            groups: zip(groupMembers, representative).map { Group(members: $0, representative: $1) },
            silhouettes: silhouettes,
            consensus: consensus,
            divisive: divisive,
            groupInformedConsensus: consensusOut
        )
    }

    /// The `limit` targets with the highest score, ties by target order.
    static func topTargets(_ targets: [Int], scores: [Double], limit: Int) -> [ScoredTarget] {
        let sorted = targets.sorted { (a: Int, b: Int) -> Bool in
            scores[a] != scores[b] ? scores[a] > scores[b] : a < b
        }
        return sorted.prefix(limit).map { ScoredTarget(target: $0, score: scores[$0]) }
    }
}
