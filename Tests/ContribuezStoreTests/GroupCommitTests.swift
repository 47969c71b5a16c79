import ContribuezCore
import ContribuezStore
import Foundation
import Testing

@Suite("Group commit of votes (issue 10)", .serialized)
struct GroupCommitTests {
    @Test("a thousand concurrent identical votes store exactly one, in fewer transactions than votes")
    func thousandIdentical() async throws {
        // setup
        let f = try await Fixture.make(Backend.all[0])
        let store = try #require(f.store as? SQLiteStore)
        let target = Target.article(f.article.id), alice = f.alice
        // act
        let outcomes = try await withThrowingTaskGroup(of: VoteChange.self) { group in
            for _ in 0..<1_000 { group.addTask { try await store.castVote(participantID: alice.id, target: target, value: .agree, at: Fixture.t0) } }
            var all: [VoteChange] = []
            for try await o in group { all.append(o) }
            return all
        }
        // check
        #expect(outcomes.filter { $0 == .created }.count == 1)
        #expect(outcomes.filter { $0 == .unchanged }.count == 999)
        #expect(try await store.tallies([target])[target] == Tally(agree: 1))
        #expect(try await store.voteEvents(after: 0, limit: 10).count == 1)
        let stats = store.voteWriterStats
        #expect(stats.votes == 1_000)
        #expect(stats.batches < 1_000, "concurrent votes share transactions")
    }

    @Test("concurrent votes of many participants, changes and withdrawals keep counters equal to a recount and to the log")
    func manyParticipants() async throws {
        // setup: 300 participants
        let f = try await Fixture.make(Backend.all[0])
        let store = try #require(f.store as? SQLiteStore)
        var people: [ID] = []
        for i in 0..<300 {
            people.append(try await store.createParticipant(
                NewParticipant(email: "p\(i)@example.fr", displayName: "P\(i)", kind: .citizen, organization: nil, createdAt: Fixture.t0), passwordHash: "h").id)
        }
        let target = Target.article(f.article.id)
        // act: each votes agree, then half change to disagree and a third withdraw, all at once
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, p) in people.enumerated() {
                group.addTask {
                    _ = try await store.castVote(participantID: p, target: target, value: .agree, at: Fixture.t0)
                    if i % 2 == 0 { _ = try await store.castVote(participantID: p, target: target, value: .disagree, at: Fixture.t0 + 1) }
                    if i % 3 == 0 { _ = try await store.withdrawVote(participantID: p, target: target, at: Fixture.t0 + 2) }
                }
            }
            try await group.waitForAll()
        }
        // check: the counters equal a recount of the live votes, and a replay of the log
        var recount = Tally()
        var replay: [ID: VoteValue] = [:]
        for p in people {
            if let v = try await store.votes(participantID: p, on: [target])[target] { recount.add(v) }
        }
        var after: Int64 = 0
        while true {
            let events = try await store.voteEvents(after: after, limit: 500)
            if events.isEmpty { break }
            for e in events where e.target == target { replay[e.participantID] = e.value }
            after = events.last!.sequence
        }
        var replayed = Tally()
        for v in replay.values.compactMap({ $0 }) { replayed.add(v) }
        let expectedAgree = people.indices.filter { $0 % 2 != 0 && $0 % 3 != 0 }.count
        let expectedDisagree = people.indices.filter { $0 % 2 == 0 && $0 % 3 != 0 }.count
        #expect(try await store.tallies([target])[target] == recount)
        #expect(recount == replayed)
        #expect(recount == Tally(agree: expectedAgree, disagree: expectedDisagree))
    }

    @Test("a vote that fails in a batch fails alone")
    func failingVoteAlone() async throws {
        // setup
        let f = try await Fixture.make(Backend.all[0])
        let store = try #require(f.store as? SQLiteStore)
        let target = Target.article(f.article.id), alice = f.alice
        // act: a vote from a participant that does not exist (foreign key), beside a good one, at once
        let badTask = Task { try await store.castVote(participantID: 999_999, target: target, value: .agree, at: Fixture.t0) }
        let goodTask = Task { try await store.castVote(participantID: alice.id, target: target, value: .mixed, at: Fixture.t0) }
        let goodResult = try await goodTask.value
        let badResult = await badTask.result
        // check
        #expect(goodResult == .created)
        if case .success = badResult { Issue.record("a vote of an unknown participant was stored") }
        #expect(try await store.tallies([target])[target] == Tally(mixed: 1))
    }
}
