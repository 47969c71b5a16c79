import ContribuezCore
import ContribuezPostgres
import ContribuezStore
import Foundation
import Testing

/// A backend under test. SQLite always; PostgreSQL when `CONTRIBUEZ_TEST_POSTGRES_URL` is set (STYLE.md §9),
/// each store in a fresh schema of that database. Without the variable the PostgreSQL cases are not in
/// the arguments, and `PostgresOnlyTests` (enabled only with it) reports itself as skipped.
struct Backend: Sendable, CustomStringConvertible {
    var description: String
    var make: @Sendable () async throws -> any Store

    static let postgresURL: String? = ProcessInfo.processInfo.environment["CONTRIBUEZ_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    static let sqlite = Backend(description: "SQLite") {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("contribuez-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return try SQLiteStore(path: dir.appendingPathComponent("test.sqlite").path)
    }

    static let postgres = Backend(description: "PostgreSQL") { try await freshPostgres() }

    static var all: [Backend] { postgresURL == nil ? [sqlite] : [sqlite, postgres] }

    /// The keys of every PostgreSQL test store (issue 13): those of `CONTRIBUEZ_KEYS` (scripts/with-postgres exports
    /// throwaway ones, shared with the servers it starts), else keys for this process only.
    static let postgresKeys: StoreKeys = StoreKeys((try? Keyring.fromEnvironment()) ?? Keyring.generate())

    /// A PostgreSQL store in a schema of its own, migrated.
    static func freshPostgres() async throws -> PostgresStore {
        let url = try #require(postgresURL, "CONTRIBUEZ_TEST_POSTGRES_URL is not set")
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return try await PostgresStore(url: url, schema: schema, maximumConnections: 8, keys: postgresKeys)
    }
}

/// Builds a small consultation for store tests.
struct Fixture {
    let store: any Store
    let consultation: Consultation
    let article: Article
    let alice: Participant
    let bob: Participant
    static let t0 = Date(timeIntervalSince1970: 1_750_000_000)

    static func make(_ backend: Backend) async throws -> Fixture {
        let store = try await backend.make()
        let c = try await store.createConsultation(NewConsultation(
            slug: "test-\(UUID().uuidString.prefix(8))", title: "Consultation", summary: "S", institution: "I", isPublished: true,
            opensAt: t0 - 86_400, closesAt: t0 + 86_400))
        let s = try await store.createSection(consultationID: c.id, position: 1, title: "Titre I", subtitle: "")
        let a = try await store.createArticle(NewArticle(consultationID: c.id, sectionID: s.id, position: 1, number: "1", title: "Open data", body: "Texte", explanation: ""))
        let alice = try await store.createParticipant(NewParticipant(email: "alice@example.fr", displayName: "Alice", kind: .citizen, organization: nil, createdAt: t0), passwordHash: "h")
        let bob = try await store.createParticipant(NewParticipant(email: "bob@example.fr", displayName: "Bob", kind: .association, organization: "Asso", createdAt: t0), passwordHash: "h")
        return Fixture(store: store, consultation: c, article: a, alice: alice, bob: bob)
    }

    func argument(_ text: String, stance: Stance = .for, at offset: TimeInterval = 0, author: Participant? = nil) async throws -> Contribution {
        let who = author ?? alice
        return try await store.addContribution(NewContribution(
            consultationID: consultation.id, kind: .argument, articleID: article.id, parentID: nil, authorID: who.id,
            authorName: who.publicName, body: text, stance: stance, createdAt: Fixture.t0 + offset))
    }
}

@Suite("Store conformance", .serialized)
struct StoreConformanceTests {
    @Test("the SQLite file runs in WAL mode with synchronous=FULL")
    func durability() throws {
        // setup
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // act
        let store = try SQLiteStore(path: dir.appendingPathComponent("d.sqlite").path)
        let settings = try store.durabilitySettings()
        // check
        #expect(settings.journalMode == "wal")
        #expect(settings.synchronous == 2)
        #expect(try store.migrate().isEmpty, "migrations are applied once")
    }

    @Test("consultations, sections and articles come back as written", arguments: Backend.all)
    func text(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        // act
        let c = try await f.store.consultation(id: f.consultation.id)
        let articles = try await f.store.articles(consultationID: f.consultation.id)
        let sections = try await f.store.sections(consultationID: f.consultation.id)
        // check
        #expect(c == f.consultation)
        #expect(articles == [f.article])
        #expect(sections.map(\.title) == ["Titre I"])
        #expect(try await f.store.article(id: 999_999) == nil)
    }

    @Test("an e-mail address is unique, whatever its case", arguments: Backend.all)
    func uniqueEmail(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        // act
        await #expect(throws: StoreError.duplicateEmail) {
            _ = try await f.store.createParticipant(
                NewParticipant(email: "alice@example.fr", displayName: "Alice 2", kind: .citizen, organization: nil, createdAt: Fixture.t0), passwordHash: "x")
        }
        // check
        #expect(try await f.store.credentials(email: "ALICE@example.fr")?.participant.id == f.alice.id)
    }

    @Test("a session is found by its token hash until it expires or is deleted", arguments: Backend.all)
    func sessions(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        try await f.store.createSession(tokenHash: "abc", participantID: f.alice.id, csrfToken: "csrf", createdAt: Fixture.t0, expiresAt: Fixture.t0 + 60)
        // act
        let live = try await f.store.session(tokenHash: "abc", at: Fixture.t0 + 30)
        let expired = try await f.store.session(tokenHash: "abc", at: Fixture.t0 + 61)
        try await f.store.deleteSession(tokenHash: "abc")
        let deleted = try await f.store.session(tokenHash: "abc", at: Fixture.t0 + 30)
        // check
        #expect(live?.participant.id == f.alice.id)
        #expect(live?.csrfToken == "csrf")
        #expect(expired == nil)
        #expect(deleted == nil)
    }

    @Test("a vote is created, changed, left unchanged and withdrawn, with tallies following", arguments: Backend.all)
    func voteLifecycle(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let target = Target.article(f.article.id)
        // act
        let first = try await f.store.castVote(participantID: f.alice.id, target: target, value: .agree, at: Fixture.t0)
        let again = try await f.store.castVote(participantID: f.alice.id, target: target, value: .agree, at: Fixture.t0 + 1)
        let changed = try await f.store.castVote(participantID: f.alice.id, target: target, value: .disagree, at: Fixture.t0 + 2)
        _ = try await f.store.castVote(participantID: f.bob.id, target: target, value: .mixed, at: Fixture.t0 + 3)
        let tally = try await f.store.tallies([target])[target]
        let withdrawn = try await f.store.withdrawVote(participantID: f.alice.id, target: target, at: Fixture.t0 + 4)
        let withdrawnTwice = try await f.store.withdrawVote(participantID: f.alice.id, target: target, at: Fixture.t0 + 5)
        let after = try await f.store.tallies([target])[target]
        // check
        #expect(first == .created)
        #expect(again == .unchanged)
        #expect(changed == .changed(from: .agree))
        #expect(tally == Tally(agree: 0, mixed: 1, disagree: 1))
        #expect(withdrawn)
        #expect(!withdrawnTwice)
        #expect(after == Tally(mixed: 1))
        #expect(try await f.store.votes(participantID: f.alice.id, on: [target]).isEmpty)
        #expect(try await f.store.votes(participantID: f.bob.id, on: [target])[target] == .mixed)
    }

    @Test("every tally can be recomputed from the append-only vote log", arguments: Backend.all)
    func replay(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let arg = try await f.argument("Un argument")
        let targets: [Target] = [.article(f.article.id), .contribution(arg.id)]
        var rng = SystemRandomNumberGenerator()
        for i in 0..<200 {
            let who = Bool.random(using: &rng) ? f.alice : f.bob
            let t = targets[i % 2]
            if Int.random(in: 0..<5, using: &rng) == 0 {
                _ = try await f.store.withdrawVote(participantID: who.id, target: t, at: Fixture.t0 + Double(i))
            } else {
                let v: VoteValue = t == targets[1] ? .useful : [.agree, .mixed, .disagree].randomElement(using: &rng)!
                _ = try await f.store.castVote(participantID: who.id, target: t, value: v, at: Fixture.t0 + Double(i))
            }
        }
        // act
        var live: [ID: [Target: VoteValue]] = [:]
        var after: Int64 = 0
        while true {
            let events = try await f.store.voteEvents(after: after, limit: 50)
            if events.isEmpty { break }
            for e in events { live[e.participantID, default: [:]][e.target] = e.value }
            after = events.last!.sequence
        }
        var recomputed: [Target: Tally] = [:]
        for (_, votes) in live { for (t, v) in votes { recomputed[t, default: .zero].add(v) } }
        let stored = try await f.store.tallies(targets)
        // check
        for t in targets { #expect((recomputed[t] ?? .zero) == stored[t], "target \(t)") }
    }

    @Test("fifty concurrent identical votes store exactly one", arguments: Backend.all)
    func concurrentVotes(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let target = Target.article(f.article.id)
        let store = f.store, alice = f.alice
        // act
        let outcomes = try await withThrowingTaskGroup(of: VoteChange.self) { group in
            for _ in 0..<50 { group.addTask { try await store.castVote(participantID: alice.id, target: target, value: .agree, at: Fixture.t0) } }
            var all: [VoteChange] = []
            for try await o in group { all.append(o) }
            return all
        }
        // check
        #expect(outcomes.filter { $0 == .created }.count == 1)
        #expect(outcomes.filter { $0 == .unchanged }.count == 49)
        #expect(try await f.store.tallies([target])[target] == Tally(agree: 1))
        #expect(try await f.store.votes(participantID: alice.id, page: PageRequest()).total == 1)
    }

    @Test("contributions are filtered, paginated and ranked by support", arguments: Backend.all)
    func listing(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        var ids: [ID] = []
        for i in 0..<25 { ids.append(try await f.argument("Argument \(i)", stance: i % 5 == 0 ? .against : .for, at: Double(i)).id) }
        _ = try await f.store.castVote(participantID: f.bob.id, target: .contribution(ids[3]), value: .useful, at: Fixture.t0)
        _ = try await f.store.castVote(participantID: f.alice.id, target: .contribution(ids[3]), value: .useful, at: Fixture.t0)
        _ = try await f.store.castVote(participantID: f.bob.id, target: .contribution(ids[7]), value: .useful, at: Fixture.t0)
        // act
        let pro = try await f.store.contributions(ContributionQuery(articleID: f.article.id, kind: .argument, stance: .for), page: PageRequest(page: 1, perPage: 10))
        let page2 = try await f.store.contributions(ContributionQuery(articleID: f.article.id, kind: .argument, stance: .for), page: PageRequest(page: 2, perPage: 10))
        let against = try await f.store.contributions(ContributionQuery(articleID: f.article.id, kind: .argument, stance: .against), page: PageRequest())
        let recent = try await f.store.contributions(ContributionQuery(consultationID: f.consultation.id, order: .recent), page: PageRequest(page: 1, perPage: 1))
        // check
        #expect(pro.total == 20)
        #expect(pro.items.count == 10)
        #expect(page2.items.count == 10)
        #expect(Set(pro.items.map(\.contribution.id)).isDisjoint(with: page2.items.map(\.contribution.id)))
        #expect(pro.items.prefix(2).map(\.contribution.id) == [ids[3], ids[7]])
        #expect(pro.items[0].tally.useful == 2)
        #expect(against.total == 5)
        #expect(recent.items.first?.contribution.id == ids[24])
    }

    @Test("the database refuses an argument without a stance and a rewrite of the vote log")
    func databaseInvariants() async throws {
        // setup
        let f = try await Fixture.make(Backend.all[0])
        // act / check
        await #expect(throws: (any Error).self) {
            _ = try await f.store.addContribution(NewContribution(
                consultationID: f.consultation.id, kind: .argument, articleID: f.article.id, parentID: nil, authorID: f.alice.id,
                authorName: "Alice", body: "sans position", stance: nil, createdAt: Fixture.t0))
        }
        let store = try #require(f.store as? SQLiteStore)
        _ = try await store.castVote(participantID: f.alice.id, target: .article(f.article.id), value: .agree, at: Fixture.t0)
        #expect(throws: (any Error).self) { try store.unsafeExecuteForTests("UPDATE vote_events SET value = 'disagree'") }
        #expect(throws: (any Error).self) { try store.unsafeExecuteForTests("DELETE FROM vote_events") }
        #expect(throws: (any Error).self) {
            try store.unsafeExecuteForTests("INSERT INTO votes (participant_id, target_kind, target_id, value, cast_at) VALUES (\(f.alice.id), 'article', \(f.article.id), 'mixed', 0)")
        }
    }

    @Test("an import is written whole or not at all", arguments: Backend.all)
    func importAtomic(_ backend: Backend) async throws {
        // setup
        let store = try await backend.make()
        let consultation = NewConsultation(slug: "imp", title: "Import", summary: "", institution: "I", isPublished: true, opensAt: Fixture.t0, closesAt: Fixture.t0 + 10)
        let good = ImportBundle(
            consultation: consultation,
            sections: [.init(title: "S", subtitle: "", articles: [.init(key: "a1", number: "1", title: "A", body: "B", explanation: "", importedTally: Tally(agree: 5, mixed: 1, disagree: 2))])],
            contributions: [.init(key: "p1", kind: .proposal, articleKey: nil, parentKey: nil, authorName: "u_1", title: "Titre", body: "Corps", createdAt: Fixture.t0, importedTally: Tally(agree: 3)),
                            .init(key: "g1", kind: .argument, articleKey: nil, parentKey: "p1", authorName: "u_2", title: "", body: "Pour", stance: .for, createdAt: Fixture.t0, importedTally: Tally(useful: 4))],
            participants: [.init(key: "v", displayName: "Votant", createdAt: Fixture.t0)],
            votes: [.init(participantKey: "v", targetKey: "a1", value: .agree, at: Fixture.t0), .init(participantKey: "v", targetKey: "a1", value: .mixed, at: Fixture.t0 + 1)])
        var bad = good
        bad.consultation.slug = "imp-bad"
        bad.contributions.append(.init(key: "x", kind: .argument, articleKey: "missing", parentKey: nil, authorName: "u", title: "", body: "b", stance: .for, createdAt: Fixture.t0, importedTally: nil))
        // act
        let c = try await store.importConsultation(good)
        await #expect(throws: (any Error).self) { _ = try await store.importConsultation(bad) }
        await #expect(throws: (any Error).self) { _ = try await store.importConsultation(good) }
        // check
        #expect(try await store.consultations().map(\.slug) == ["imp"])
        let articles = try await store.articles(consultationID: c.id)
        #expect(articles.first?.importedTally == Tally(agree: 5, mixed: 1, disagree: 2))
        #expect(try await store.tallies([.article(articles[0].id)])[.article(articles[0].id)] == Tally(mixed: 1))
        let args = try await store.contributions(ContributionQuery(consultationID: c.id, kind: .argument), page: PageRequest())
        #expect(args.items.first?.contribution.importedTally == Tally(useful: 4))
        #expect(args.items.first?.contribution.parentID != nil)
    }

    @Test("a synthesis scan streams votes and texts in chunks, and replays the net vote changes after a watermark", arguments: Backend.all)
    func synthesisScan(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let target = Target.article(f.article.id)
        _ = try await f.store.castVote(participantID: f.alice.id, target: target, value: .agree, at: Fixture.t0)
        _ = try await f.store.castVote(participantID: f.bob.id, target: target, value: .mixed, at: Fixture.t0)
        for i in 0..<5 { _ = try await f.argument("Argument numéro \(i) sur les données ouvertes", at: Double(i)) }
        let before = ScanLog()
        _ = try await f.store.scanSynthesis(consultationID: f.consultation.id, parts: .all, changesAfter: nil, chunkSize: 2, into: before)
        let mark = try #require(before.frames.first?.watermark)
        // act: Alice changes her mind twice, Bob withdraws, a third voter arrives and leaves, Bob's useful vote is ignored.
        let carol = try await f.store.createParticipant(NewParticipant(email: "carol@example.fr", displayName: "Carol", kind: .company, organization: "SA", createdAt: Fixture.t0), passwordHash: "h")
        _ = try await f.store.castVote(participantID: f.alice.id, target: target, value: .mixed, at: Fixture.t0 + 1)
        _ = try await f.store.castVote(participantID: f.alice.id, target: target, value: .disagree, at: Fixture.t0 + 2)
        _ = try await f.store.withdrawVote(participantID: f.bob.id, target: target, at: Fixture.t0 + 3)
        _ = try await f.store.castVote(participantID: carol.id, target: target, value: .agree, at: Fixture.t0 + 4)
        _ = try await f.store.withdrawVote(participantID: carol.id, target: target, at: Fixture.t0 + 5)
        let after = ScanLog()
        let found = try await f.store.scanSynthesis(
            consultationID: f.consultation.id, parts: [], changesAfter: mark.voteSequence, chunkSize: 10, into: after)
        let missing = try await f.store.scanSynthesis(consultationID: 987_654, parts: .all, changesAfter: nil, chunkSize: 10, into: ScanLog())
        // check
        #expect(before.voteChunks.map(\.count) == [2])
        #expect(before.textChunks.map(\.count) == [2, 2, 1])
        #expect(before.frames.first?.participants.map(\.id) == [f.alice.id, f.bob.id])
        #expect(before.frames.first?.voteCount == 2 && before.frames.first?.textCount == 5)
        #expect(found && !missing)
        #expect(after.voteChunks.isEmpty && after.textChunks.isEmpty)
        let frame = try #require(after.frames.first)
        #expect(frame.watermark.voteSequence > mark.voteSequence && frame.watermark.texts == mark.texts && frame.voteCount == 1)
        let changes = after.changes.sorted { $0.participantID < $1.participantID }
        #expect(changes == [
            SynthesisVoteChange(participantID: f.alice.id, kind: .citizen, target: target, old: .agree, new: .disagree),
            SynthesisVoteChange(participantID: f.bob.id, kind: .association, target: target, old: .mixed, new: nil),
        ], "Carol's vote came and went: no net change")
    }

    @Test("the opinion voters are the participants behind the opinion votes, each once, ascending; the votes of some targets are theirs only", arguments: Backend.all)
    func opinionVoters(_ backend: Backend) async throws {
        // setup: alice votes on the article; bob only on a hidden proposal, and "useful" on an argument;
        // carol on a visible proposal, then withdraws; dave on the visible proposal.
        let f = try await Fixture.make(backend)
        func person(_ name: String) async throws -> Participant {
            try await f.store.createParticipant(NewParticipant(
                email: "\(name)@example.fr", displayName: name, kind: .citizen, organization: nil, createdAt: Fixture.t0), passwordHash: "h")
        }
        let carol = try await person("carol"), dave = try await person("dave")
        func proposal(_ title: String) async throws -> Contribution {
            try await f.store.addContribution(NewContribution(
                consultationID: f.consultation.id, kind: .proposal, articleID: nil, parentID: nil, authorID: f.alice.id, authorName: "Alice",
                title: title, body: "Corps", createdAt: Fixture.t0))
        }
        let visible = try await proposal("Visible"), hidden = try await proposal("Cachée")
        let argument = try await f.argument("Un argument")
        _ = try await f.store.castVote(participantID: dave.id, target: .contribution(visible.id), value: .disagree, at: Fixture.t0)
        _ = try await f.store.castVote(participantID: f.alice.id, target: .article(f.article.id), value: .mixed, at: Fixture.t0)
        _ = try await f.store.castVote(participantID: f.bob.id, target: .contribution(hidden.id), value: .agree, at: Fixture.t0)
        _ = try await f.store.castVote(participantID: f.bob.id, target: .contribution(argument.id), value: .useful, at: Fixture.t0)
        _ = try await f.store.castVote(participantID: carol.id, target: .contribution(visible.id), value: .agree, at: Fixture.t0)
        _ = try await f.store.withdrawVote(participantID: carol.id, target: .contribution(visible.id), at: Fixture.t0 + 1)
        _ = try await f.store.moderate(
            contributionID: hidden.id, action: .hide, reason: .spam, at: Fixture.t0 + 2,
            audit: AuditEntry(consultationID: f.consultation.id, actorID: nil, actorName: "test", action: .hide, targetKind: "contribution",
                              targetID: hidden.id, at: Fixture.t0 + 2))
        // act
        let voters = try await f.store.opinionVoters(consultationID: f.consultation.id)
        let behindVotes = Set(try await f.store.opinionVotes(consultationID: f.consultation.id).map(\.participantID)).sorted()
        // check
        #expect(voters == [f.alice.id, dave.id].sorted())
        #expect(voters == behindVotes)
        #expect(try await f.store.opinionVoters(consultationID: 999_999).isEmpty)
        // The votes of some targets only: the same rows as the whole list, filtered.
        let all = try await f.store.opinionVotes(consultationID: f.consultation.id)
        let some: [Target] = [.contribution(visible.id), .contribution(hidden.id), .contribution(argument.id)]
        let picked = try await f.store.opinionVotes(consultationID: f.consultation.id, targets: some)
        #expect(picked == all.filter { some.contains($0.target) })
        #expect(picked.map(\.participantID) == [dave.id])
        #expect(try await f.store.opinionVotes(consultationID: f.consultation.id, targets: [.article(f.article.id)]).map(\.participantID) == [f.alice.id])
        #expect(try await f.store.opinionVotes(consultationID: f.consultation.id, targets: []).isEmpty)
        #expect(try await f.store.opinionVotes(consultationID: 999_999, targets: some + [.article(f.article.id)]).isEmpty)
    }

    @Test("a synthesis state is kept per consultation, the newest replacing the previous one", arguments: Backend.all)
    func synthesisState(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let run = try #require(try await f.store.startSynthesisRun(consultationID: f.consultation.id, at: Fixture.t0, staleAfter: 60))
        let first = SynthesisState(consultationID: f.consultation.id, runID: run.id, watermark: .init(voteSequence: 7, texts: "1:2:3:4"), payload: Data([0, 1, 2, 255]))
        var second = first
        second.watermark.voteSequence = 9
        second.payload = Data(repeating: 42, count: 100_000)
        // act
        let none = try await f.store.synthesisState(consultationID: f.consultation.id)
        try await f.store.saveSynthesisState(first)
        let kept = try await f.store.synthesisState(consultationID: f.consultation.id)
        try await f.store.saveSynthesisState(second)
        let replaced = try await f.store.synthesisState(consultationID: f.consultation.id)
        // check
        #expect(none == nil)
        #expect(kept == first)
        #expect(replaced == second)
    }
}

/// Records what a synthesis scan streams.
final class ScanLog: SynthesisSink, @unchecked Sendable {
    var frames: [SynthesisFrame] = []
    var voteChunks: [[SynthesisSnapshot.VoteItem]] = []
    var textChunks: [[SynthesisSnapshot.TextItem]] = []
    var changes: [SynthesisVoteChange] = []
    func frame(_ frame: SynthesisFrame) throws { frames.append(frame) }
    func votes(_ chunk: [SynthesisSnapshot.VoteItem]) throws { voteChunks.append(chunk) }
    func texts(_ chunk: [SynthesisSnapshot.TextItem]) throws { textChunks.append(chunk) }
    func changes(_ chunk: [SynthesisVoteChange]) throws { changes.append(contentsOf: chunk) }
}
