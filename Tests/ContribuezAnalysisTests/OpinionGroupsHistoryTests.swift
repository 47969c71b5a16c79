import ContribuezTestSupport
import Foundation
import Testing

@testable import ContribuezAnalysis

/// The number of groups as Polis chooses it: silhouette ties, the `group-k-smoother`, warm-started
/// k-means, and a replay of a real conversation's vote history.
@Suite("Opinion groups: choosing k as Polis does")
struct OpinionGroupsHistoryTests {
    @Test("an exact silhouette tie goes to the larger k, as Clojure's max-key does")
    func tieToLargerK() {
        // act, check
        #expect(OpinionGroups.bestGroupCount([2: 0.5, 3: 0.5, 4: 0.1]) == 3)
        #expect(OpinionGroups.bestGroupCount([2: 0.5, 3: 0.5 - 1e-15, 4: 0.1]) == 3)
        #expect(OpinionGroups.bestGroupCount([2: 0.6, 3: 0.5, 4: 0.6 - 1e-3]) == 2)
        #expect(OpinionGroups.bestGroupCount([2: 0.2, 3: 0.4, 4: 0.4, 5: 0.4]) == 5)
        #expect(OpinionGroups.bestGroupCount([:]) == nil)
    }

    @Test("the published k changes only after a new best k wins 4 updates in a row")
    func smootherHoldsPublishedK() {
        // setup
        var h = OpinionGroups.KHistory()

        // act, check: the first update publishes its best k directly.
        h.advance(bestK: 2, buffer: 4)
        #expect(h.publishedK == 2)
        // 3 wins three times, then 2 interrupts, then 3 again: never four in a row.
        for _ in 0..<3 { h.advance(bestK: 3, buffer: 4) }
        #expect(h.publishedK == 2 && h.candidateK == 3 && h.candidateCount == 3)
        h.advance(bestK: 2, buffer: 4)
        h.advance(bestK: 3, buffer: 4)
        #expect(h.publishedK == 2 && h.candidateCount == 1)
        for _ in 0..<2 { h.advance(bestK: 3, buffer: 4) }
        #expect(h.publishedK == 2)
        h.advance(bestK: 3, buffer: 4)
        #expect(h.publishedK == 3 && h.candidateCount == 4 && h.updates == 9)
    }

    @Test("analyze shows the published k until the best k has won 4 updates, and the history round-trips as JSON")
    func smootherInAnalyze() throws {
        // setup: the planted matrix has two camps (best k = 2); the history claims 3 was shown.
        let m = try PlantedOpinionMatrix.make()
        let first = OpinionGroups.analyze(m, options: { var o = OpinionGroups.Options(); o.history = .init(); return o }())
        #expect(first.groups.count == 2)
        var history = first.history
        history.publishedK = 3
        history.candidateK = 3
        history.candidateCount = 7

        // act, check: three updates keep 3 groups on screen, the fourth switches to 2.
        for update in 1...4 {
            let data = try JSONEncoder().encode(history)
            var options = OpinionGroups.Options()
            options.history = try JSONDecoder().decode(OpinionGroups.KHistory.self, from: data)
            #expect(options.history == history)
            let result = OpinionGroups.analyze(m, options: options)
            #expect(result.history.candidateK == 2 && result.history.candidateCount == update)
            #expect(result.groups.count == (update < 4 ? 3 : 2), "update \(update)")
            history = result.history
        }
    }

    @Test("without a history the analysis is the one-shot one, and it starts a history")
    func nilHistoryIsOneShot() throws {
        // setup
        let m = try PlantedOpinionMatrix.make()

        // act
        let result = OpinionGroups.analyze(m)

        // check
        #expect(result.history.updates == 1 && result.history.publishedK == result.groups.count)
        #expect(result.history.inConversation == Set((0..<40).map { "p\($0)" }))
        #expect(result.history.groupClusterings.map(\.k) == result.silhouettes.keys.sorted())
    }

    /// Four points on a wide rectangle: left/right and top/bottom are both stable 2-means.
    static let rectangle = [
        OpinionGroups.Point(x: 0, y: 0), OpinionGroups.Point(x: 0, y: 1),
        OpinionGroups.Point(x: 10, y: 0), OpinionGroups.Point(x: 10, y: 1),
    ]

    @Test("k-means starts from the previous clusters when there are some, else from the first distinct points")
    func warmStartUsed() {
        // setup
        let ones = [Double](repeating: 1, count: 4)

        // act
        let cold = OpinionGroups.polisKMeans(Self.rectangle, weights: ones, k: 2, previous: [], maxIterations: 20)
        let warm = OpinionGroups.polisKMeans(
            Self.rectangle, weights: ones, k: 2, previous: [(id: 7, members: [0, 1]), (id: 9, members: [2, 3])],
            maxIterations: 20)

        // check: the cold start (0,0),(0,1) settles top/bottom; the warm one keeps left/right and its ids.
        #expect(cold.assignment[0] == cold.assignment[2] && cold.assignment[1] == cold.assignment[3])
        #expect(cold.assignment[0] != cold.assignment[1])
        #expect(warm.assignment[0] == warm.assignment[1] && warm.assignment[2] == warm.assignment[3])
        #expect(warm.assignment[0] != warm.assignment[2])
        #expect(Set(warm.ids) == [7, 9])
    }

    @Test("a previous clustering with too few clusters is topped up with the most distal point")
    func cleanStartSplitsOutlier() {
        // setup
        let ones = [Double](repeating: 1, count: 4)

        // act
        let (ids, centers) = OpinionGroups.cleanStart(
            Self.rectangle, weights: ones, k: 2, previous: [(id: 4, members: [0, 1, 2])])

        // check: the old cluster keeps its id, point 3 (farthest from its centre) starts cluster 5.
        #expect(ids == [4, 5])
        #expect(centers[1] == Self.rectangle[3])
    }

    @Test("participants clustered at an earlier update stay clustered (Polis in-conv)")
    func inConversationSticks() throws {
        // setup: p40 has 2 votes, too few to be clustered on their own.
        var votes: [OpinionGroups.Vote] = []
        let planted = try PlantedOpinionMatrix.make()
        for r in 0..<planted.participantCount {
            for t in 0..<planted.targetCount {
                if let v = planted.value(participant: r, target: t) { votes.append(.init(participant: r, target: t, value: v)) }
            }
        }
        votes += [.init(participant: 40, target: 0, value: 1), .init(participant: 40, target: 5, value: -1)]
        let m = try OpinionGroups.VoteMatrix(
            participantIDs: planted.participantIDs + ["p40"], targetIDs: planted.targetIDs, votes: votes)
        var history = OpinionGroups.KHistory()
        history.baseClusters = [OpinionGroups.BaseCluster(id: 0, participants: ["p40", "p0"])]

        // act
        let fresh = OpinionGroups.analyze(m, options: { var o = OpinionGroups.Options(); o.history = .init(); return o }())
        let kept = OpinionGroups.analyze(m, options: { var o = OpinionGroups.Options(); o.history = history; return o }())

        // check
        #expect(fresh.participantGroups[40] == nil)
        #expect(kept.participantGroups[40] != nil)
    }

    @Test("replaying london.youth.policing's votes gives Polis's 3 groups, where the one-shot analysis gives 4")
    func replayRealConversation() throws {
        // setup (CC BY 4.0, The Computational Democracy Project)
        let folder = SharedData.url("polis-opendata").appendingPathComponent("london.youth.policing")
        let conversation = try PolisOpenData.read(directory: folder)
        let events = try OpinionGroups.readVoteEvents(folder.appendingPathComponent("votes.csv"))
        let polisK = Set(conversation.polisGroups.compactMap { $0 }).count

        // act
        let oneShot = OpinionGroups.analyze(conversation.matrix, options: conversation.analysisOptions())
        let replay = try OpinionGroups.replay(
            events, excludedTargetIDs: Set(conversation.comments.filter(\.isModeratedOut).map(\.id)),
            options: conversation.analysisOptions())

        // check
        #expect(events.count == 640)
        #expect(replay.updates == 485)  // one per second that holds votes
        #expect(polisK == 3)
        #expect(oneShot.groups.count == 4)
        #expect(replay.result.groups.count == polisK)
        #expect(replay.publishedK.last == polisK)
        // The final matrix of the replay is the exported one (last vote wins).
        #expect(replay.matrix.voteCount == conversation.matrix.voteCount)
    }
}
