import ContribuezCore
import ContribuezPostgres
import ContribuezStore
import Foundation
import Testing

/// The event chain of issue 12 on every backend: appended with each event, read back, verified.
@Suite("Event chain store", .serialized)
struct ChainStoreTests {
    static let deletion = AuditEntry(
        consultationID: nil, actorID: nil, actorName: "Compte supprimé", action: .accountDeleted, targetKind: "participant", targetID: 0,
        reason: "keep", at: Fixture.t0)

    /// The whole chain, read in small pages (so paging is exercised too).
    static func chain(_ store: any Store, _ consultationID: ID) async throws -> [EventChain.Entry] {
        var all: [EventChain.Entry] = []
        while true {
            let page = try await store.chainEntries(consultationID: consultationID, after: all.last?.seq ?? 0, limit: 4)
            all += page
            if page.count < 4 { return all }
        }
    }

    @Test("votes, changes, withdrawals, contributions and an account deletion each append one entry, and the chain verifies", arguments: Backend.all)
    func mix(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let article = Target.article(f.article.id)
        let argument = try await f.argument("Un argument", author: f.alice)
        let held = try await f.store.addContribution(NewContribution(
            consultationID: f.consultation.id, kind: .proposal, articleID: nil, parentID: nil, authorID: f.bob.id, authorName: "Bob",
            title: "Une idée", body: "Attendre la modération", createdAt: Fixture.t0 + 1), held: true)
        let anonymous = try await f.store.addContribution(NewContribution(
            consultationID: f.consultation.id, kind: .source, articleID: f.article.id, parentID: nil, authorID: nil, authorName: "Importé",
            title: "Rapport", body: "Résumé", url: "https://example.org/r", createdAt: Fixture.t0 + 2))
        // act
        let votes: [VoteChange] = [
            try await f.store.castVote(participantID: f.alice.id, target: article, value: .agree, at: Fixture.t0 + 3),
            try await f.store.castVote(participantID: f.alice.id, target: article, value: .disagree, at: Fixture.t0 + 4),
            try await f.store.castVote(participantID: f.alice.id, target: article, value: .disagree, at: Fixture.t0 + 5),
            try await f.store.castVote(participantID: f.bob.id, target: article, value: .agree, at: Fixture.t0 + 6),
            try await f.store.castVote(participantID: f.bob.id, target: .contribution(argument.id), value: .useful, at: Fixture.t0 + 7),
        ]
        let withdrawn = try await f.store.withdrawVote(participantID: f.bob.id, target: .contribution(argument.id), at: Fixture.t0 + 8)
        let nothing = try await f.store.withdrawVote(participantID: f.bob.id, target: .contribution(argument.id), at: Fixture.t0 + 9)
        let deleted = try await f.store.deleteAccount(
            participantID: f.alice.id, anonymisedName: "Compte supprimé", contributions: .keep, audit: Self.deletion, at: Fixture.t0 + 10)
        let entries = try await Self.chain(f.store, f.consultation.id)
        let head = try await f.store.chainHead(consultationID: f.consultation.id)
        // check
        #expect(votes == [.created, .changed(from: .agree), .unchanged, .created, .created])
        #expect(withdrawn && !nothing && deleted)
        #expect(EventChain.verify(entries).isEmpty)
        #expect(entries.map(\.seq) == Array(1...9))
        #expect(entries.map(\.event) == [.contribution, .contribution, .contribution, .vote, .vote, .vote, .vote, .withdraw, .withdraw],
                "an unchanged vote and a withdrawal of nothing append nothing; the deletion withdraws Alice's live vote")
        #expect(head == ChainHead(length: 9, head: entries.last?.hash ?? ""))
        #expect(entries.map(\.value) == ["argument", "proposal", "source", "agree", "disagree", "agree", "useful", "", ""])
        #expect(entries[1].targetID == held.id && entries[1].contentSHA256 == EventChain.contentHash(of: held), "held contributions are chained")
        #expect(entries[2].participant == "", "a contribution without author has no pseudonym")
        #expect(entries[2].contentSHA256 == EventChain.contentHash(of: anonymous))
        #expect(entries[3].at == EventChain.milliseconds(Fixture.t0 + 3))
        let alice = entries[0].participant
        #expect(alice.count == 16 && alice != String(f.alice.id) && alice != entries[5].participant)
        #expect(entries[3].participant == alice && entries[8].participant == alice && entries[8].targetType == "article")
        #expect(entries.allSatisfy { $0.participant != String(f.alice.id) && $0.participant != String(f.bob.id) })
        // A copy with one vote's value changed is caught at that seq.
        var tampered = entries
        tampered[4].value = "agree"
        #expect(EventChain.verify(tampered).map(\.seq) == [5])
    }

    @Test("one person has a different pseudonym in each consultation, and chains are numbered per consultation", arguments: Backend.all)
    func perConsultation(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let other = try await f.store.createConsultation(NewConsultation(
            slug: "autre-\(UUID().uuidString.prefix(8))", title: "Autre", summary: "S", institution: "I", isPublished: true,
            opensAt: Fixture.t0 - 86_400, closesAt: Fixture.t0 + 86_400))
        let section = try await f.store.createSection(consultationID: other.id, position: 1, title: "T", subtitle: "")
        let otherArticle = try await f.store.createArticle(NewArticle(
            consultationID: other.id, sectionID: section.id, position: 1, number: "1", title: "A", body: "B", explanation: ""))
        // act
        _ = try await f.store.castVote(participantID: f.alice.id, target: .article(f.article.id), value: .agree, at: Fixture.t0)
        _ = try await f.store.castVote(participantID: f.alice.id, target: .article(otherArticle.id), value: .agree, at: Fixture.t0)
        let first = try await Self.chain(f.store, f.consultation.id)
        let second = try await Self.chain(f.store, other.id)
        // check
        #expect(first.count == 1 && second.count == 1)
        #expect(first[0].seq == 1 && second[0].seq == 1)
        #expect(first[0].participant != second[0].participant)
        #expect(first[0].hash != second[0].hash)
        #expect(try await f.store.chainHead(consultationID: 999_999) == .empty)
    }

    @Test("an import chains the bundle's contributions, then its votes in bundle order", arguments: Backend.all)
    func importChain(_ backend: Backend) async throws {
        // setup
        let store = try await backend.make()
        let t = Fixture.t0
        let bundle = ImportBundle(
            consultation: NewConsultation(
                slug: "import-\(UUID().uuidString.prefix(8))", title: "Import", summary: "", institution: "I", isPublished: true,
                opensAt: t - 86_400, closesAt: t - 3_600),
            sections: [.init(title: "T", subtitle: "", articles: [
                .init(key: "a1", number: "1", title: "A", body: "B", explanation: "", importedTally: Tally(agree: 5)),
            ])],
            contributions: [
                .init(key: "c1", kind: .proposal, articleKey: nil, parentKey: nil, authorKey: "p1", authorName: "P1", title: "Idée",
                      body: "Texte", createdAt: t - 7_200, importedTally: nil),
                .init(key: "c2", kind: .argument, articleKey: nil, parentKey: "c1", authorName: "Anonyme", title: "", body: "Pour",
                      stance: .for, createdAt: t - 7_100, importedTally: nil),
            ],
            participants: [.init(key: "p1", displayName: "P1", createdAt: t - 9_000), .init(key: "p2", displayName: "P2", createdAt: t - 9_000)],
            votes: [
                .init(participantKey: "p1", targetKey: "a1", value: .agree, at: t - 7_000),
                .init(participantKey: "p2", targetKey: "c1", value: .disagree, at: t - 6_900),
                .init(participantKey: "p2", targetKey: "c1", value: .agree, at: t - 6_800),
                .init(participantKey: "p1", targetKey: "c2", value: .useful, at: t - 6_700),
            ])
        // act
        let c = try await store.importConsultation(bundle)
        let entries = try await Self.chain(store, c.id)
        // check
        #expect(EventChain.verify(entries).isEmpty)
        #expect(entries.map(\.event) == [.contribution, .contribution, .vote, .vote, .vote, .vote])
        #expect(entries.map(\.value) == ["proposal", "argument", "agree", "disagree", "agree", "useful"])
        #expect(entries.map(\.at) == [t - 7_200, t - 7_100, t - 7_000, t - 6_900, t - 6_800, t - 6_700].map(EventChain.milliseconds))
        #expect(entries[1].participant == "" && entries[0].participant == entries[2].participant)
        #expect(try await store.chainHead(consultationID: c.id) == ChainHead(entries.last!))
    }

    @Test("concurrent votes through the group commit leave a gap-free chain with one entry per change", arguments: Backend.all)
    func concurrent(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        var people: [Participant] = []
        for i in 0..<30 {
            people.append(try await f.store.createParticipant(
                NewParticipant(email: "p\(i)@example.fr", displayName: "P\(i)", kind: .citizen, organization: nil, createdAt: Fixture.t0),
                passwordHash: "h"))
        }
        let store = f.store
        let article = f.article.id
        // act
        let changes = try await withThrowingTaskGroup(of: Int.self) { group in
            for (i, p) in people.enumerated() {
                group.addTask {
                    var n = 0
                    for value in [VoteValue.agree, .mixed, .mixed, .disagree] where i % 2 == 0 || value != .mixed {
                        if try await store.castVote(participantID: p.id, target: .article(article), value: value, at: Fixture.t0) != .unchanged { n += 1 }
                    }
                    if try await store.withdrawVote(participantID: p.id, target: .article(article), at: Fixture.t0) { n += 1 }
                    return n
                }
            }
            return try await group.reduce(0, +)
        }
        let entries = try await Self.chain(store, f.consultation.id)
        // check
        #expect(changes == 15 * 4 + 15 * 3)
        #expect(entries.count == changes)
        #expect(EventChain.verify(entries).isEmpty)
    }

    @Test("the chain refuses updates and deletes in the database", arguments: Backend.all)
    func appendOnly(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        _ = try await f.store.castVote(participantID: f.alice.id, target: .article(f.article.id), value: .agree, at: Fixture.t0)
        // act + check
        for sql in ["UPDATE event_chain SET value = 'disagree'", "DELETE FROM event_chain"] {
            if let s = f.store as? SQLiteStore {
                #expect(throws: (any Error).self) { try s.unsafeExecuteForTests(sql) }
            } else if let p = f.store as? PostgresStore {
                await #expect(throws: (any Error).self) { try await p.unsafeExecuteForTests(sql) }
            }
        }
        #expect(try await f.store.chainEntries(consultationID: f.consultation.id, after: 0, limit: 10).first?.value == "agree")
    }

    @Test("migration 0010 gives existing consultations a salt and builds their chain: contributions by id, then vote events by seq")
    func backfill() async throws {
        // setup: a database as it was before 0010
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cz-chain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("old.sqlite").path
        let old = try SQLiteStore(path: path, migrateUpTo: "0009-ranking")
        try old.unsafeExecuteForTests("""
            INSERT INTO consultations (id, slug, title, summary, institution, is_published, opens_at, closes_at) VALUES
              (1, 'a', 'A', '', 'I', 1, 0, 10), (2, 'b', 'B', '', 'I', 1, 0, 10), (3, 'c', 'C', '', 'I', 1, 0, 10);
            INSERT INTO sections (id, consultation_id, position, title, subtitle) VALUES (1, 1, 1, 'S', ''), (2, 2, 1, 'S', '');
            INSERT INTO articles (id, consultation_id, section_id, position, number, title, body, explanation) VALUES
              (1, 1, 1, 1, '1', 'A1', 'B', ''), (2, 2, 2, 1, '1', 'A2', 'B', '');
            INSERT INTO participants (id, email, password_hash, display_name, kind, created_at) VALUES
              (7, 'p@example.fr', 'h', 'P', 'citizen', 0);
            INSERT INTO contributions (id, consultation_id, kind, article_id, parent_id, author_id, author_name, title, body, rationale, stance, url, created_at)
              VALUES (1, 1, 'argument', 1, NULL, 7, 'P', '', 'Pour', '', 'for', NULL, 5),
                     (2, 2, 'proposal', NULL, NULL, NULL, 'X', 'T', 'Corps', '', NULL, NULL, 6);
            INSERT INTO vote_events (participant_id, target_kind, target_id, value, at) VALUES
              (7, 'article', 1, 'agree', 7), (7, 'contribution', 1, 'useful', 8), (7, 'article', 2, 'mixed', 9),
              (7, 'article', 1, NULL, 10), (8, 'article', 99, 'agree', 11);
            """)
        // act
        let store = try SQLiteStore(path: path)
        let first = try await Self.chain(store, 1)
        let second = try await Self.chain(store, 2)
        let third = try await Self.chain(store, 3)
        // check
        #expect(EventChain.verify(first).isEmpty && EventChain.verify(second).isEmpty)
        #expect(first.map(\.event) == [.contribution, .vote, .vote, .withdraw])
        #expect(first.map(\.at) == [5, 7, 8, 10])
        #expect(first[0].contentSHA256 == EventChain.contentHash(
            kind: .argument, articleID: 1, parentID: nil, stance: .for, title: "", body: "Pour", rationale: "", url: nil))
        #expect(second.map(\.event) == [.contribution, .vote])
        #expect(first[1].participant == first[0].participant && first[1].participant != second[1].participant, "one salt per consultation")
        let thirdHead = try await store.chainHead(consultationID: 3)
        #expect(third.isEmpty && thirdHead == .empty)
        #expect(try await store.chainHead(consultationID: 1) == ChainHead(first.last!))
        // New events continue the backfilled chain.
        _ = try await store.castVote(participantID: 7, target: .article(1), value: .disagree, at: Date(timeIntervalSince1970: 20))
        let after = try await Self.chain(store, 1)
        #expect(after.count == 5 && EventChain.verify(after).isEmpty)
    }

    @Test("the generator chains every contribution and vote it writes")
    func generated() async throws {
        // setup
        let f = try await Fixture.make(Backend.sqlite)
        let store = try #require(f.store as? SQLiteStore)
        // act
        let g = try await store.generateLarge(
            participants: 40, contributions: 60, votes: 500, articles: 5, sessions: 2, seed: 3, now: Fixture.t0,
            passwordHash: "h", tokenHash: { "hash-" + $0 })
        var entries: [EventChain.Entry] = []
        while true {
            let page = try await store.chainEntries(consultationID: g.consultation.id, after: entries.last?.seq ?? 0, limit: 200)
            entries += page
            if page.count < 200 { break }
        }
        // check
        #expect(entries.count == 60 + g.votes)
        #expect(entries.prefix(60).allSatisfy { $0.event == .contribution } && entries.dropFirst(60).allSatisfy { $0.event == .vote })
        #expect(EventChain.verify(entries).isEmpty)
        #expect(try await store.chainHead(consultationID: g.consultation.id) == ChainHead(entries.last!))
    }
}

@Suite("Event chain on two PostgreSQL nodes", .serialized, .enabled(if: Backend.postgresURL != nil, "CONTRIBUEZ_TEST_POSTGRES_URL is not set"))
struct ChainTwoNodesTests {
    @Test("votes from two store instances on one database leave one gap-free, valid chain")
    func twoNodes() async throws {
        // setup: two stores (two nodes) on the same schema
        let url = try #require(Backend.postgresURL)
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let first = try await PostgresStore(url: url, schema: schema, maximumConnections: 8, keys: Backend.postgresKeys)
        let second = try await PostgresStore(url: url, schema: schema, maximumConnections: 8, keys: Backend.postgresKeys)
        let f = try await Fixture.make(Backend(description: "first") { first })
        var people: [Participant] = []
        for i in 0..<40 {
            people.append(try await first.createParticipant(
                NewParticipant(email: "n\(i)@example.fr", displayName: "N\(i)", kind: .citizen, organization: nil, createdAt: Fixture.t0),
                passwordHash: "h"))
        }
        let article = f.article.id
        // act
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, p) in people.enumerated() {
                let node: PostgresStore = i % 2 == 0 ? first : second
                group.addTask {
                    _ = try await node.castVote(participantID: p.id, target: .article(article), value: .agree, at: Fixture.t0)
                    _ = try await node.castVote(participantID: p.id, target: .article(article), value: .disagree, at: Fixture.t0 + 1)
                }
            }
            try await group.waitForAll()
        }
        let entries = try await ChainStoreTests.chain(second, f.consultation.id)
        // check
        #expect(entries.count == 80)
        #expect(entries.map(\.seq) == Array(1...80))
        #expect(EventChain.verify(entries).isEmpty)
        #expect(try await first.chainHead(consultationID: f.consultation.id) == ChainHead(entries.last!))
    }

    @Test("copy carries the salts and the chains from SQLite, and new events continue them")
    func copy() async throws {
        // setup
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cz-chaincopy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("source.sqlite").path
        // NB: the values are copied sealed: the source is sealed with the keys the PostgreSQL nodes use.
        let f = try await Fixture.make(Backend(description: "SQLite file") { try SQLiteStore(path: path, keys: Backend.postgresKeys) })
        let arg = try await f.argument("Un argument")
        _ = try await f.store.castVote(participantID: f.bob.id, target: .contribution(arg.id), value: .useful, at: Fixture.t0)
        let target = try await Backend.freshPostgres()
        // act
        _ = try await PostgresCopy.run(from: path, to: target)
        _ = try await target.castVote(participantID: f.alice.id, target: .contribution(arg.id), value: .useful, at: Fixture.t0 + 1)
        _ = try await f.store.castVote(participantID: f.alice.id, target: .contribution(arg.id), value: .useful, at: Fixture.t0 + 1)
        let copied = try await ChainStoreTests.chain(target, f.consultation.id)
        let source = try await ChainStoreTests.chain(f.store, f.consultation.id)
        // check
        #expect(copied.count == 3 && EventChain.verify(copied).isEmpty)
        #expect(copied == source, "the same salt gives the same pseudonym, so the same entry and hash")
    }
}
