import ContribuezCore
import ContribuezStore
import Foundation
import Testing

@Suite("Generated consultation for load tests (issue 10)")
struct GenerateTests {
    @Test("the generator writes the live invariants: one vote per pair, counters equal to a recount, an event per vote, every index back, sessions that work")
    func invariants() async throws {
        // setup
        let f = try await Fixture.make(Backend.all[0])
        let store = try #require(f.store as? SQLiteStore)
        // act
        let g = try await store.generateLarge(
            participants: 200, contributions: 1_000, votes: 5_000, articles: 12, sessions: 50, seed: 7, now: Fixture.t0,
            passwordHash: "h", tokenHash: { "hash-" + $0 })
        // check
        #expect(g.votes == 5_000 && g.tokens.count == 50)
        let rows = try await store.contributions(ContributionQuery(consultationID: g.consultation.id), page: PageRequest(perPage: 100))
        #expect(rows.total == 1_000)
        // Ranked by the score kept on the row: non-increasing.
        let articles = try await store.articles(consultationID: g.consultation.id)
        let ranked = try await store.contributions(ContributionQuery(articleID: articles[0].id, kind: .argument, stance: .for), page: PageRequest(perPage: 50))
        let scores = ranked.items.map { $0.tally.opinionTotal > 0 ? $0.tally.wilsonLowerBound : Double($0.tally.useful) }
        #expect(zip(scores, scores.dropFirst()).allSatisfy { $0 >= $1 - 1e-12 })
        // Counters equal a replay of the log.
        var replay: [Target: Tally] = [:]
        var after: Int64 = 0
        while true {
            let events = try await store.voteEvents(after: after, limit: 2_000)
            if events.isEmpty { break }
            for e in events { if let v = e.value { replay[e.target, default: .zero].add(v) } }
            after = events.last!.sequence
        }
        let targets = Array(replay.keys)
        let tallies = try await store.tallies(targets)
        #expect(targets.allSatisfy { tallies[$0] == replay[$0] })
        #expect(replay.values.reduce(0) { $0 + $1.opinionTotal + $1.useful } == 5_000)
        #expect(try await store.session(tokenHash: "hash-" + g.tokens[0], at: Fixture.t0) != nil)
        // A vote on the generated data still goes through the ordinary path.
        let first = try #require(try await store.session(tokenHash: "hash-" + g.tokens[0], at: Fixture.t0))
        _ = try await store.castVote(participantID: first.participant.id, target: .article(articles[0].id), value: .agree, at: Fixture.t0)
    }
}
