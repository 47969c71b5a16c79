import ContribuezCore
import ContribuezPostgres
import ContribuezStore
import Foundation
import Testing

/// What only PostgreSQL has to prove: its durability setting, its migrations table, the twins of the
/// SQLite triggers, and one live vote under concurrency from two pools (two nodes) at once. Skipped,
/// and reported as such, when `CONTRIBUEZ_TEST_POSTGRES_URL` is not set.
@Suite("PostgreSQL store (issue 11)", .serialized, .enabled(if: Backend.postgresURL != nil, "CONTRIBUEZ_TEST_POSTGRES_URL is not set"))
struct PostgresStoreTests {
    @Test("commits are synchronous, and migrations are applied once and recorded")
    func durabilityAndMigrations() async throws {
        // setup
        let store = try await Backend.freshPostgres()
        // act
        let level = try await store.synchronousCommit()
        let again = try await store.migrate()
        let reopened = try await PostgresStore(url: try #require(Backend.postgresURL), schema: store.schema, maximumConnections: 2, keys: Backend.postgresKeys)
        // check
        #expect(level == "on")
        #expect(again.isEmpty, "migrations are applied once")
        #expect(try await reopened.migrate().isEmpty)
        #expect(try await reopened.consultations().isEmpty)
    }

    @Test("the database refuses an argument without a stance, a second live vote, and rewriting the logs or an answer")
    func databaseInvariants() async throws {
        // setup
        let f = try await Fixture.make(.postgres)
        let store = try #require(f.store as? PostgresStore)
        let arg = try await f.argument("Un argument")
        _ = try await store.castVote(participantID: f.alice.id, target: .article(f.article.id), value: .agree, at: Fixture.t0)
        let audit = AuditEntry(consultationID: f.consultation.id, actorID: nil, actorName: "test", action: .answer, targetKind: "contribution",
                               targetID: arg.id, reason: "", at: Fixture.t0)
        _ = try await store.addAnswer(contributionID: arg.id, status: .retenue, text: "Oui", answererID: nil, answererName: "Ministère",
                                      at: Fixture.t0, audit: audit, notifications: [])
        // act / check
        await #expect(throws: (any Error).self) {
            _ = try await store.addContribution(NewContribution(
                consultationID: f.consultation.id, kind: .argument, articleID: f.article.id, parentID: nil, authorID: f.alice.id,
                authorName: "Alice", body: "sans position", stance: nil, createdAt: Fixture.t0))
        }
        for sql in [
            "UPDATE vote_events SET value = 'disagree'", "DELETE FROM vote_events", "TRUNCATE vote_events",
            "UPDATE contribution_events SET event = 'hidden'", "DELETE FROM contribution_events",
            "UPDATE audit_log SET actor_name = 'quelqu''un d''autre'", "DELETE FROM audit_log",
            "UPDATE answers SET text = 'Non'",
            "INSERT INTO votes (participant_id, target_kind, target_id, value, cast_at) VALUES (\(f.alice.id), 'article', \(f.article.id), 'mixed', 0)",
        ] {
            await #expect(throws: (any Error).self, "\(sql)") { try await store.unsafeExecuteForTests(sql) }
        }
        #expect(try await store.voteEvents(after: 0, limit: 10).count == 1)
        #expect(try await store.answers(contributionID: arg.id).versions.map(\.text) == ["Oui"])
        #expect(try await store.auditEntries(consultationID: f.consultation.id, page: PageRequest()).total == 1)
    }

    @Test("concurrent votes through two pools on one database keep one live vote each, and the counters equal a recount")
    func twoPools() async throws {
        // setup: two stores on the same schema, as two nodes would be
        let f = try await Fixture.make(.postgres)
        let first = try #require(f.store as? PostgresStore)
        let second = try await PostgresStore(url: try #require(Backend.postgresURL), schema: first.schema, maximumConnections: 8, keys: Backend.postgresKeys)
        let target = Target.article(f.article.id)
        let alice = f.alice, bob = f.bob
        // act: 200 identical votes of Alice, and Bob changing his mind 100 times, half on each node
        let outcomes = try await withThrowingTaskGroup(of: VoteChange?.self) { group in
            for i in 0..<200 {
                let store: PostgresStore = i % 2 == 0 ? first : second
                group.addTask { try await store.castVote(participantID: alice.id, target: target, value: .agree, at: Fixture.t0) }
            }
            for i in 0..<100 {
                let store: PostgresStore = i % 2 == 0 ? second : first
                let value: VoteValue = [.agree, .mixed, .disagree][i % 3]
                group.addTask { _ = try await store.castVote(participantID: bob.id, target: target, value: value, at: Fixture.t0 + Double(i)); return nil }
            }
            var all: [VoteChange] = []
            for try await o in group { if let o { all.append(o) } }
            return all
        }
        // check
        #expect(outcomes.filter { $0 == .created }.count == 1)
        #expect(outcomes.filter { $0 == .unchanged }.count == 199)
        let tally = try #require(try await second.tallies([target])[target])
        let live = try await first.votes(participantID: bob.id, on: [target])
        #expect(tally.agree + tally.mixed + tally.disagree == 2)
        #expect(tally.agree == 1 + (live[target] == .agree ? 1 : 0))
        var replay: [ID: VoteValue?] = [:]
        for e in try await first.voteEvents(after: 0, limit: 1_000) { replay[e.participantID] = e.value }
        #expect(replay[alice.id] == .some(.agree))
        #expect(replay[bob.id] == .some(live[target]))
    }

    @Test("copy moves every row with its id from SQLite, the counters equal a recount, ids continue after, and a non-empty target is refused")
    func copy() async throws {
        // setup: a SQLite platform with votes, a withdrawal, an import, an answer and a session
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cz-copy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("source.sqlite").path
        // NB: the values are copied sealed: the source is sealed with the keys the PostgreSQL nodes use.
        let f = try await Fixture.make(Backend(description: "SQLite file") { try SQLiteStore(path: path, keys: Backend.postgresKeys) })
        let arg = try await f.argument("Un argument")
        let reply = try await f.store.addContribution(NewContribution(
            consultationID: f.consultation.id, kind: .source, articleID: f.article.id, parentID: arg.id, authorID: f.bob.id,
            authorName: "Bob", body: "Une source", url: "https://example.org", createdAt: Fixture.t0 + 1))
        for (who, target, value) in [(f.alice, Target.article(f.article.id), VoteValue.agree), (f.bob, .article(f.article.id), .mixed),
                                     (f.bob, .contribution(arg.id), .useful), (f.alice, .contribution(reply.id), .useful)] {
            _ = try await f.store.castVote(participantID: who.id, target: target, value: value, at: Fixture.t0)
        }
        _ = try await f.store.withdrawVote(participantID: f.alice.id, target: .contribution(reply.id), at: Fixture.t0 + 2)
        try await f.store.createSession(tokenHash: "tok", participantID: f.alice.id, csrfToken: "c", createdAt: Fixture.t0, expiresAt: Fixture.t0 + 3_600)
        // A debate report with a photo (issue 15): its bytes must cross as bytes.
        let debate = try await DebateReportStoreTests.heldDebate(f)
        var filing = DebateReportStoreTests.report(f, debate)
        filing.contributions = []
        _ = try await f.store.fileDebateReport(filing)
        let target = try await Backend.freshPostgres()
        // act
        let report = try await PostgresCopy.run(from: path, to: target)
        // check
        #expect(report.tables.first { $0.name == "vote_events" }?.rows == 5)
        #expect(report.tables.first { $0.name == "votes" }?.rows == 3)
        #expect(try await target.consultation(id: f.consultation.id) == f.consultation)
        #expect(try await target.contribution(id: reply.id)?.parentID == arg.id)
        let targets: [Target] = [.article(f.article.id), .contribution(arg.id), .contribution(reply.id)]
        #expect(try await target.tallies(targets) == (try await f.store.tallies(targets)))
        #expect(try await target.session(tokenHash: "tok", at: Fixture.t0)?.participant.id == f.alice.id)
        #expect(try await target.voteEvents(after: 0, limit: 100) == (try await f.store.voteEvents(after: 0, limit: 100)))
        #expect(try await target.debateReport(debateID: debate.id) == (try await f.store.debateReport(debateID: debate.id)))
        #expect(try await target.debateReportAttachment(debateID: debate.id, number: 1)?.1 == DebateReportStoreTests.png)
        let next = try await target.addContribution(NewContribution(
            consultationID: f.consultation.id, kind: .argument, articleID: f.article.id, parentID: nil, authorID: f.alice.id,
            authorName: "Alice", body: "Après la copie", stance: .against, createdAt: Fixture.t0 + 3))
        #expect(next.id == reply.id + 1, "the id sequence continues after the copied ids")
        await #expect(throws: PostgresCopy.Failure.self) { _ = try await PostgresCopy.run(from: path, to: target) }
        #expect(try await target.contributions(ContributionQuery(consultationID: f.consultation.id), page: PageRequest()).total == 3)
    }
}
