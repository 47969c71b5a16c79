import Foundation
import Testing

@testable import ContribuezAnalysis

/// A deterministic two-camp consultation: camp A (rows 0..<perGroup) agrees with targets 0...4
/// and disagrees with 5...9, camp B the opposite; everyone agrees with target 10. Each
/// participant skips one target and flips one vote, so the camps are clear but not perfect.
enum PlantedOpinionMatrix {
    static let targets = 11
    static let consensusTarget = 10

    static func make(perGroup: Int = 20) throws -> OpinionGroups.VoteMatrix {
        var votes: [OpinionGroups.Vote] = []
        for p in 0..<(2 * perGroup) {
            let campA = p < perGroup
            for t in 0..<targets {
                if t == (p * 3) % 10 { continue }  // skipped
                var value: Int8 = t == consensusTarget ? 1 : ((t < 5) == campA ? 1 : -1)
                if t == (p * 7 + 1) % 10 { value = -value }  // flipped
                votes.append(.init(participant: p, target: t, value: value))
            }
        }
        return try OpinionGroups.VoteMatrix(
            participantIDs: (0..<(2 * perGroup)).map { "p\($0)" },
            targetIDs: (0..<targets).map { "t\($0)" }, votes: votes)
    }
}

@Suite("Adjusted Rand index")
struct OpinionGroupsARITests {
    @Test("identical partitions score 1 whatever the labels")
    func identicalPartitions() {
        // setup
        let a = [0, 0, 1, 1, 2, 2]
        let relabeled = [7, 7, 3, 3, 9, 9]

        // act
        let ari = AdjustedRandIndex.compute(a, relabeled)

        // check
        #expect(abs(ari - 1) < 1e-12)
    }

    @Test("a partial agreement gives the hand-computed value")
    func handComputedValue() {
        // setup: pairs agreeing = 2, row pairs = 6, column pairs = 3, all pairs = 15
        // → expected 6·3/15 = 1.2, max (6+3)/2 = 4.5, ARI = (2 − 1.2)/(4.5 − 1.2) = 0.8/3.3.
        let a = [0, 0, 0, 1, 1, 1]
        let b = [0, 0, 1, 1, 2, 2]

        // act
        let ari = AdjustedRandIndex.compute(a, b)

        // check
        #expect(abs(ari - 0.8 / 3.3) < 1e-12)
    }

    @Test("crossed partitions score below zero")
    func crossedPartitions() {
        // setup
        let a = [0, 0, 1, 1]
        let b = [0, 1, 0, 1]

        // act
        let ari = AdjustedRandIndex.compute(a, b)

        // check: index 0, expected 2/3, max 2 → −0.5
        #expect(abs(ari + 0.5) < 1e-12)
    }
}

@Suite("Vote matrix")
struct OpinionGroupsVoteMatrixTests {
    @Test("a later vote on the same target replaces the earlier one")
    func laterVoteWins() throws {
        // setup
        let votes: [OpinionGroups.Vote] = [
            .init(participant: 0, target: 1, value: 1), .init(participant: 0, target: 0, value: 0),
            .init(participant: 0, target: 1, value: -1),
        ]

        // act
        let m = try OpinionGroups.VoteMatrix(participantIDs: ["a", "b"], targetIDs: ["x", "y"], votes: votes)

        // check
        #expect(m.voteCount == 2)
        #expect(m.value(participant: 0, target: 1) == -1)
        #expect(m.value(participant: 0, target: 0) == 0)
        #expect(m.value(participant: 1, target: 0) == nil)
    }

    @Test("an index outside the ids or a value outside −1…1 is refused")
    func invalidTriples() {
        // setup
        let ids = ["a"]

        // act, check
        #expect(throws: OpinionGroups.MatrixError.targetOutOfRange(3, count: 1)) {
            try OpinionGroups.VoteMatrix(participantIDs: ids, targetIDs: ids, votes: [.init(participant: 0, target: 3, value: 1)])
        }
        #expect(throws: OpinionGroups.MatrixError.invalidValue(2)) {
            try OpinionGroups.VoteMatrix(participantIDs: ids, targetIDs: ids, votes: [.init(participant: 0, target: 0, value: 2)])
        }
    }
}

@Suite("Participant inclusion")
struct OpinionGroupsInclusionTests {
    /// `counts[i]` votes for participant i, on targets 0..<counts[i].
    static func matrix(voteCounts counts: [Int], targets: Int) throws -> OpinionGroups.VoteMatrix {
        var votes: [OpinionGroups.Vote] = []
        for (p, c) in counts.enumerated() {
            for t in 0..<c { votes.append(.init(participant: p, target: t, value: 1)) }
        }
        return try OpinionGroups.VoteMatrix(
            participantIDs: counts.indices.map { "p\($0)" }, targetIDs: (0..<targets).map { "t\($0)" }, votes: votes)
    }

    @Test("participants with at least 7 votes are clustered, those with 6 are not")
    func sevenVotes() throws {
        // setup: 20 qualifying participants so the greedy top-up does not apply.
        let counts = [Int](repeating: 7, count: 20) + [6, 1, 0]
        let m = try Self.matrix(voteCounts: counts, targets: 10)

        // act
        let clustered = OpinionGroups.clusteredParticipants(m)

        // check
        #expect(clustered == Array(0..<20))
    }

    @Test("with fewer targets than 7, voting on all of them is enough")
    func fewTargets() throws {
        // setup
        let counts = [Int](repeating: 4, count: 16) + [3]
        let m = try Self.matrix(voteCounts: counts, targets: 4)

        // act
        let clustered = OpinionGroups.clusteredParticipants(m)

        // check
        #expect(clustered == Array(0..<16))
    }

    @Test("fewer than 15 qualifying participants are topped up with the most active others")
    func greedyTopUp() throws {
        // setup: 10 qualify; then 2, 5, 3, 0, 4, 1, 6 votes.
        let counts = [Int](repeating: 8, count: 10) + [2, 5, 3, 0, 4, 1, 6]
        let m = try Self.matrix(voteCounts: counts, targets: 10)

        // act
        let clustered = OpinionGroups.clusteredParticipants(m)

        // check: the five most active non-qualifying (6, 5, 4, 3, 2 votes) join; 0 and 1 vote do not.
        #expect(clustered == Array(0..<10) + [10, 11, 12, 14, 16])
    }
}

@Suite("k-means")
struct OpinionGroupsKMeansTests {
    static func blobs() -> [OpinionGroups.Point] {
        var rng = OpinionGroups.SeededGenerator(seed: 42)
        var points: [OpinionGroups.Point] = []
        for (cx, cy) in [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)] {
            for _ in 0..<50 {
                points.append(.init(x: cx + Double.random(in: -1...1, using: &rng), y: cy + Double.random(in: -1...1, using: &rng)))
            }
        }
        return points
    }

    @Test("the same seed gives the same clustering, and separated blobs are found")
    func deterministicForSeed() {
        // setup
        let points = Self.blobs()
        var rng1 = OpinionGroups.SeededGenerator(seed: 7)
        var rng2 = OpinionGroups.SeededGenerator(seed: 7)

        // act
        let first = OpinionGroups.kMeans(points, k: 3, using: &rng1)
        let second = OpinionGroups.kMeans(points, k: 3, using: &rng2)

        // check
        #expect(first.assignment == second.assignment)
        #expect(first.centers == second.centers)
        let truth = (0..<150).map { $0 / 50 }
        #expect(AdjustedRandIndex.compute(first.assignment, truth) == 1)
    }

    @Test("Polis's start (first distinct points) needs no seed and is repeatable")
    func polisStart() {
        // setup
        let points = Self.blobs()

        // act
        let first = OpinionGroups.kMeansFirstDistinct(points, k: 3)
        let second = OpinionGroups.kMeansFirstDistinct(points, k: 3)

        // check
        #expect(first.assignment == second.assignment)
        #expect(first.centers.count == 3)
    }

    @Test("silhouette is high for separated blobs and low for a random split")
    func silhouette() {
        // setup
        let points = Self.blobs()
        let truth = (0..<150).map { $0 / 50 }
        let scrambled = (0..<150).map { $0 % 3 }

        // act
        let good = OpinionGroups.silhouette(points, assignment: truth)
        let bad = OpinionGroups.silhouette(points, assignment: scrambled)

        // check
        #expect(good > 0.8)
        #expect(bad < 0.1)
    }
}

@Suite("Opinion groups on a planted two-camp matrix")
struct OpinionGroupsPlantedTests {
    @Test("the two camps are found and lie on opposite sides of the first axis")
    func campsFound() throws {
        // setup
        let m = try PlantedOpinionMatrix.make()

        // act
        let result = OpinionGroups.analyze(m)

        // check
        #expect(result.groups.count == 2)
        let groups = result.participantGroups.map { $0 ?? -1 }
        let truth = (0..<40).map { $0 / 20 }
        #expect(AdjustedRandIndex.compute(groups, truth) == 1)
        let xA = (0..<20).map { result.coordinates[$0].x }, xB = (20..<40).map { result.coordinates[$0].x }
        #expect(xA.allSatisfy { $0 > 0 } && xB.allSatisfy { $0 < 0 } || xA.allSatisfy { $0 < 0 } && xB.allSatisfy { $0 > 0 })
    }

    @Test("representative targets carry the camp's stance")
    func repnessSign() throws {
        // setup
        let m = try PlantedOpinionMatrix.make()

        // act
        let result = OpinionGroups.analyze(m)

        // check
        let groupOfA = try #require(result.participantGroups[0])
        for (g, group) in result.groups.enumerated() {
            #expect(!group.representative.isEmpty)
            let isA = g == groupOfA
            for r in group.representative {
                #expect(r.target != PlantedOpinionMatrix.consensusTarget)
                // Camp A agrees with 0...4 and disagrees with 5...9; camp B the opposite.
                let expected: OpinionGroups.Stance = (r.target < 5) == isA ? .agree : .disagree
                #expect(r.stance == expected, "group \(g) target \(r.target)")
                #expect(r.ratioZ > OpinionGroups.z90 && r.probabilityZ > OpinionGroups.z90)
            }
        }
    }

    @Test("the shared target is the top consensus and the least divisive")
    func consensusAndDivision() throws {
        // setup
        let m = try PlantedOpinionMatrix.make()

        // act
        let result = OpinionGroups.analyze(m)

        // check
        #expect(result.consensus.first?.target == PlantedOpinionMatrix.consensusTarget)
        #expect(!result.divisive.contains { $0.target == PlantedOpinionMatrix.consensusTarget })
        #expect(result.divisive.allSatisfy { $0.score > 0.1 })
    }

    @Test("an excluded target is never listed and does not move the groups")
    func excludedTarget() throws {
        // setup: everyone agrees with the consensus target, so it carries no opinion axis.
        let m = try PlantedOpinionMatrix.make()
        var options = OpinionGroups.Options()
        options.excludedTargets = [PlantedOpinionMatrix.consensusTarget]
        let baseline = OpinionGroups.analyze(m)

        // act
        let result = OpinionGroups.analyze(m, options: options)

        // check
        let listed = result.consensus.map(\.target) + result.divisive.map(\.target)
            + result.groups.flatMap { $0.representative.map(\.target) }
        #expect(!listed.contains(PlantedOpinionMatrix.consensusTarget))
        #expect(baseline.consensus.first?.target == PlantedOpinionMatrix.consensusTarget)
        #expect(result.groupInformedConsensus[PlantedOpinionMatrix.consensusTarget] == 0)
        #expect(result.participantGroups == baseline.participantGroups)
    }
}

@Suite("Group-informed consensus")
struct OpinionGroupsConsensusTests {
    @Test("consensus is the product over groups of (agree + 1) / (seen + 2)")
    func handComputed() throws {
        // setup: group 0 = rows 0, 1, 2; group 1 = rows 3, 4; row 5 not clustered.
        // target 0: group 0 agree, agree, pass (A 2, S 3); group 1 agree, disagree (A 1, S 2).
        // target 1: group 0 disagree, unseen, unseen (A 0, S 1); group 1 unseen (A 0, S 0).
        let votes: [OpinionGroups.Vote] = [
            .init(participant: 0, target: 0, value: 1), .init(participant: 1, target: 0, value: 1),
            .init(participant: 2, target: 0, value: 0), .init(participant: 3, target: 0, value: 1),
            .init(participant: 4, target: 0, value: -1), .init(participant: 5, target: 0, value: 1),
            .init(participant: 0, target: 1, value: -1), .init(participant: 5, target: 1, value: 1),
        ]
        let m = try OpinionGroups.VoteMatrix(
            participantIDs: (0..<6).map { "p\($0)" }, targetIDs: ["a", "b"], votes: votes)
        let tallies = OpinionGroups.GroupTallies(m, participantGroups: [0, 0, 0, 1, 1, nil], groupCount: 2)

        // act
        let consensus = OpinionGroups.groupInformedConsensus(tallies)
        let division = OpinionGroups.divisiveness(tallies)

        // check
        #expect(abs(consensus[0] - (3.0 / 5.0) * (2.0 / 4.0)) < 1e-12)
        #expect(abs(consensus[1] - (1.0 / 3.0) * (1.0 / 2.0)) < 1e-12)
        // Rates 0.6 and 0.5 → mean 0.55, population variance 0.0025.
        #expect(abs(division[0] - 0.0025) < 1e-12)
    }
}
