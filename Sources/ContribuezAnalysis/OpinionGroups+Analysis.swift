import Foundation

extension OpinionGroups {
    /// The participants Polis clusters: those with at least `min(minimumVotes, targets voted on)`
    /// votes (passes count), topped up to `greedyParticipantCount` with the most active others
    /// when fewer qualify. Ascending row indexes.
    ///
    /// `alreadyIn` are rows clustered at an earlier update: Polis keeps a participant in once they
    /// qualified (`in-conv`), even if moderation later removes the targets they voted on.
    public static func clusteredParticipants(
        _ matrix: VoteMatrix, options: Options = .init(), alreadyIn: Set<Int> = []
    ) -> [Int] {
        var votedTargets = [Bool](repeating: false, count: matrix.targetCount)
        for t in matrix.targets { votedTargets[Int(t)] = true }
        let targetCount = votedTargets.lazy.filter { $0 }.count
        let threshold = min(options.minimumVotes, targetCount)
        var included = [Bool](repeating: false, count: matrix.participantCount)
        var count = 0
        for r in 0..<matrix.participantCount {
            let v = matrix.voteCount(ofParticipant: r)
            if (v > 0 && v >= threshold) || alreadyIn.contains(r) { included[r] = true; count += 1 }
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

    /// Runs the whole Polis pipeline: inclusion rule, sparsity-aware PCA, base clusters, group
    /// clusters with k chosen by silhouette, then representative targets, group-informed consensus
    /// and division.
    ///
    /// With `options.history == nil` a single snapshot is analysed on its own (see `oneShotGroups`).
    /// With a history (even an empty one) the run is one Polis update (see `polisUpdateGroups`):
    /// k-means starts from the previous clusters, participants once clustered stay clustered, and
    /// the number of groups follows Polis's smoother. `Result.history` is the state to pass next time.
    public static func analyze(_ matrix: VoteMatrix, options: Options = .init()) -> Result {
        let projection = project(matrix, options: options)
        let grouping =
            options.history.map { polisUpdateGroups(matrix, points: projection.points, history: $0, options: options) }
            ?? oneShotGroups(matrix, points: projection.points, options: options)
        let clustered = grouping.clustered
        let bestGroupOfBase = grouping.groupOfBase
        let silhouettes = grouping.silhouettes

        // Participants' groups, then groups renumbered largest first (ties: earliest member).
        var rawGroup = [Int?](repeating: nil, count: matrix.participantCount)
        for (i, r) in clustered.enumerated() { rawGroup[r] = bestGroupOfBase[grouping.baseOfClustered[i]] }
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
            history: grouping.history,
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
