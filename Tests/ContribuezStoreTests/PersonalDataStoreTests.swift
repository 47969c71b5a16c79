import ContribuezCore
import ContribuezPostgres
import ContribuezStore
import Foundation
import Testing

/// Personal data on demand and the deletion choice (issue 12), on every backend.
@Suite("Personal data store", .serialized)
struct PersonalDataStoreTests {
    static let audit = AuditEntry(
        consultationID: nil, actorID: nil, actorName: "Compte supprimé", action: .accountDeleted, targetKind: "participant", targetID: 0,
        reason: "erase", at: Fixture.t0)

    /// Alice writes, votes, follows, reports, gets a notification and a session; Bob does a little of each.
    static func populated(_ backend: Backend) async throws -> (Fixture, Contribution, Contribution) {
        let f = try await Fixture.make(backend)
        let mine = try await f.argument("Mon argument", author: f.alice)
        let bobs = try await f.argument("L'argument de Bob", author: f.bob)
        _ = try await f.store.castVote(participantID: f.alice.id, target: .article(f.article.id), value: .agree, at: Fixture.t0)
        _ = try await f.store.castVote(participantID: f.alice.id, target: .article(f.article.id), value: .disagree, at: Fixture.t0 + 1)
        _ = try await f.store.castVote(participantID: f.alice.id, target: .contribution(bobs.id), value: .useful, at: Fixture.t0 + 2)
        _ = try await f.store.castVote(participantID: f.bob.id, target: .article(f.article.id), value: .mixed, at: Fixture.t0 + 3)
        _ = try await f.store.follow(participantID: f.alice.id, target: .article(f.article.id), at: Fixture.t0)
        _ = try await f.store.follow(participantID: f.bob.id, target: .consultation(f.consultation.id), at: Fixture.t0)
        try await f.store.addNotifications([
            NewNotification(participantID: f.alice.id, kind: .reply, consultationID: f.consultation.id, path: "/contributions/\(mine.id)",
                            subject: "Mon argument", detail: "", createdAt: Fixture.t0),
            NewNotification(participantID: f.bob.id, kind: .reply, consultationID: f.consultation.id, path: "/contributions/\(bobs.id)",
                            subject: "Secret de Bob", detail: "", createdAt: Fixture.t0),
        ])
        let noHide = AuditEntry(consultationID: f.consultation.id, actorID: nil, actorName: "", action: .hideByReports, targetKind: "contribution",
                                targetID: bobs.id, at: Fixture.t0)
        _ = try await f.store.addReport(contributionID: bobs.id, participantID: f.alice.id, reason: .spam, text: "pub", at: Fixture.t0,
                                        threshold: 10, autoHide: noHide)
        try await f.store.createSession(tokenHash: "alice-session-hash", participantID: f.alice.id, csrfToken: "alice-csrf",
                                        createdAt: Fixture.t0, expiresAt: Fixture.t0 + 3600)
        try await f.store.createSession(tokenHash: "bob-session-hash", participantID: f.bob.id, csrfToken: "bob-csrf",
                                        createdAt: Fixture.t0, expiresAt: Fixture.t0 + 3600)
        return (f, mine, bobs)
    }

    @Test("the reads return the participant's own items, and only theirs", arguments: Backend.all)
    func ownItems(_ backend: Backend) async throws {
        // setup
        let (f, mine, bobs) = try await Self.populated(backend)
        let me = f.alice.id
        // act
        let account = try #require(try await f.store.personalAccount(participantID: me))
        let contributions = try await f.store.personalContributions(participantID: me, after: 0, limit: 100)
        let votes = try await f.store.personalVotes(participantID: me, after: .start, limit: 100)
        let history = try await f.store.personalVoteHistory(participantID: me, after: 0, limit: 100)
        let follows = try await f.store.personalFollows(participantID: me, after: .start, limit: 100)
        let notes = try await f.store.personalNotifications(participantID: me, after: 0, limit: 100)
        let reports = try await f.store.personalReports(participantID: me, after: 0, limit: 100)
        let sessions = try await f.store.personalSessions(participantID: me, offset: 0, limit: 100)
        // check
        #expect(account.participant.email == "alice@example.fr")
        #expect(contributions.map(\.id) == [mine.id])
        #expect(votes.map(\.target) == [.article(f.article.id), .contribution(bobs.id)])
        #expect(votes.map(\.value) == [.disagree, .useful])
        #expect(history.map(\.value) == [.agree, .disagree, .useful], "casts and changes, in order")
        #expect(history.allSatisfy { $0.participantID == me })
        #expect(follows.map(\.target) == [.article(f.article.id)])
        #expect(notes.map(\.subject) == ["Mon argument"])
        #expect(reports.map(\.contributionID) == [bobs.id])
        #expect(sessions == [PersonalSession(createdAt: Fixture.t0, expiresAt: Fixture.t0 + 3600)])
        #expect(try await f.store.personalAccount(participantID: 999_999) == nil)
    }

    @Test("the reads go page by page without losing or repeating a row", arguments: Backend.all)
    func paging(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        var targets: [Target] = [.article(f.article.id)]
        for i in 0..<4 { targets.append(.contribution(try await f.argument("a\(i)", author: f.bob).id)) }
        for (i, t) in targets.enumerated() {
            _ = try await f.store.castVote(participantID: f.alice.id, target: t, value: i == 0 ? .agree : .useful, at: Fixture.t0)
        }
        // act
        var seen: [Target] = []
        var key = PersonalKey.start
        while true {
            let page = try await f.store.personalVotes(participantID: f.alice.id, after: key, limit: 2)
            seen += page.map(\.target)
            guard page.count == 2, let last = page.last else { break }
            key = PersonalKey(kind: last.target.kindName, id: last.target.id)
        }
        var events: [VoteEvent] = []
        var seq: Int64 = 0
        while true {
            let page = try await f.store.personalVoteHistory(participantID: f.alice.id, after: seq, limit: 2)
            events += page
            guard page.count == 2, let last = page.last else { break }
            seq = last.sequence
        }
        // check
        #expect(seen == targets)
        #expect(events.map(\.target) == targets)
    }

    @Test("a mailed link is spent once, by its owner only, and not after 24 hours", arguments: Backend.all)
    func links(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let mail = NewMail(to: "alice@example.fr", subject: "Vos données", text: "lien", kind: "personal_data")
        try await f.store.createPersonalDataLink(tokenHash: "h1", participantID: f.alice.id, createdAt: Fixture.t0, expiresAt: Fixture.t0 + 86_400, mail: mail)
        try await f.store.createPersonalDataLink(tokenHash: "h2", participantID: f.alice.id, createdAt: Fixture.t0, expiresAt: Fixture.t0 + 86_400, mail: mail)
        // act
        let byBob = try await f.store.consumePersonalDataLink(tokenHash: "h1", participantID: f.bob.id, at: Fixture.t0 + 10)
        let first = try await f.store.consumePersonalDataLink(tokenHash: "h1", participantID: f.alice.id, at: Fixture.t0 + 20)
        let second = try await f.store.consumePersonalDataLink(tokenHash: "h1", participantID: f.alice.id, at: Fixture.t0 + 30)
        let late = try await f.store.consumePersonalDataLink(tokenHash: "h2", participantID: f.alice.id, at: Fixture.t0 + 86_400)
        let unknown = try await f.store.consumePersonalDataLink(tokenHash: "nope", participantID: f.alice.id, at: Fixture.t0)
        // check
        #expect(byBob == .otherParticipant)
        #expect(first == .consumed, "someone else's attempt did not spend it")
        #expect(second == .used)
        #expect(late == .expired)
        #expect(unknown == .unknown)
        #expect(try await f.store.personalDataLink(tokenHash: "h1")?.usedAt == Fixture.t0 + 20)
        #expect(try await f.store.personalDataLinksCreated(participantID: f.alice.id, since: Fixture.t0 - 1) == 2)
        let queued = try await f.store.dueMails(at: Fixture.t0, limit: 10)
        #expect(queued.map(\.kind) == ["personal_data", "personal_data"], "the mail is queued with the link, in its transaction")
    }

    @Test("of concurrent uses of one link, exactly one spends it", arguments: Backend.all)
    func concurrentUse(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        try await f.store.createPersonalDataLink(
            tokenHash: "race", participantID: f.alice.id, createdAt: Fixture.t0, expiresAt: Fixture.t0 + 86_400,
            mail: NewMail(to: "alice@example.fr", subject: "s", text: "t", kind: "personal_data"))
        let store = f.store, alice = f.alice.id
        // act
        let uses = try await withThrowingTaskGroup(of: PersonalDataLinkUse.self) { group in
            for _ in 0..<8 { group.addTask { try await store.consumePersonalDataLink(tokenHash: "race", participantID: alice, at: Fixture.t0 + 5) } }
            var all: [PersonalDataLinkUse] = []
            for try await u in group { all.append(u) }
            return all
        }
        // check
        #expect(uses.filter { $0 == .consumed }.count == 1)
        #expect(uses.filter { $0 == .used }.count == 7)
    }

    @Test("deleting with erase empties the texts in place, keeps replies and others' votes, and audits without a name", arguments: Backend.all)
    func erase(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let amendment = try await f.store.addContribution(NewContribution(
            consultationID: f.consultation.id, kind: .amendment, articleID: f.article.id, parentID: nil, authorID: f.alice.id,
            authorName: "Alice", title: "Titre", body: "Nouvelle rédaction", rationale: "Parce que", createdAt: Fixture.t0))
        let source = try await f.store.addContribution(NewContribution(
            consultationID: f.consultation.id, kind: .source, articleID: f.article.id, parentID: nil, authorID: f.alice.id,
            authorName: "Alice", title: "Rapport", body: "Résumé", url: "https://example.org/r", createdAt: Fixture.t0))
        let reply = try await f.store.addContribution(NewContribution(
            consultationID: f.consultation.id, kind: .argument, articleID: f.article.id, parentID: amendment.id, authorID: f.bob.id,
            authorName: "Bob", body: "Je suis contre", stance: .against, createdAt: Fixture.t0 + 1))
        _ = try await f.store.castVote(participantID: f.bob.id, target: .contribution(amendment.id), value: .agree, at: Fixture.t0 + 2)
        _ = try await f.store.castVote(participantID: f.alice.id, target: .contribution(amendment.id), value: .agree, at: Fixture.t0 + 3)
        // act
        let deleted = try await f.store.deleteAccount(
            participantID: f.alice.id, anonymisedName: "Compte supprimé", contributions: .erase, audit: Self.audit, at: Fixture.t0 + 10)
        // check
        #expect(deleted)
        let erased = try #require(try await f.store.contribution(id: amendment.id))
        #expect(erased.title == "" && erased.body == "" && erased.rationale == "")
        #expect(erased.erasedAt == Fixture.t0 + 10)
        #expect(erased.authorID == nil && erased.authorName == "Compte supprimé")
        #expect(!erased.isPublic)
        let erasedSource = try #require(try await f.store.contribution(id: source.id))
        #expect(erasedSource.url == "" && erasedSource.body == "" && erasedSource.title == "")
        let kept = try #require(try await f.store.contribution(id: reply.id))
        #expect(kept.body == "Je suis contre" && kept.parentID == amendment.id && kept.erasedAt == nil, "the reply keeps its place")
        let tally = try await f.store.tallies([.contribution(amendment.id)])[.contribution(amendment.id)]
        #expect(tally?.agree == 1, "Bob's vote stays, Alice's is withdrawn")
        #expect(try await f.store.participant(id: f.alice.id) == nil)
        let snapshot = try #require(try await f.store.synthesisSnapshot(consultationID: f.consultation.id))
        #expect(!snapshot.texts.contains { $0.contributionID == amendment.id } && !snapshot.targets.contains { $0.target == .contribution(amendment.id) },
                "an erased contribution counts nowhere as text")
        #expect(snapshot.texts.contains { $0.contributionID == reply.id })
        let trail = try await f.store.auditEntries(consultationID: nil, page: PageRequest(page: 1, perPage: 50)).items
        let entry = try #require(trail.first { $0.action == .accountDeleted })
        #expect(entry.actorID == nil && entry.targetID == 0 && entry.reason == "erase")
        #expect(!entry.actorName.contains("Alice") && !entry.detail.contains("alice"))
    }

    @Test("the audit trail's CHECK accepts every audit action of the code", arguments: Backend.all)
    func everyAuditAction(_ backend: Backend) async throws {
        // setup
        let store = try await backend.make()
        // act
        for action in AuditAction.allCases {
            try await store.appendAudit(AuditEntry(
                consultationID: nil, actorID: nil, actorName: "t", action: action, targetKind: "participant", targetID: 0, at: Fixture.t0))
        }
        // check
        let trail = try await store.auditEntries(consultationID: nil, page: PageRequest(page: 1, perPage: 100)).items
        #expect(trail.map(\.action) == AuditAction.allCases)
    }

    @Test("migration 0012 keeps the audit trail as it was, append-only, and lets it take account_deleted")
    func migrationKeepsTrail() async throws {
        // setup
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cz-0012-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("old.sqlite").path
        let old = try SQLiteStore(path: path, migrateUpTo: "0011-open-data")
        let before = AuditEntry(consultationID: nil, actorID: 7, actorName: "Ancienne", action: .grantInstanceRole, targetKind: "participant",
                                targetID: 7, reason: "admin", at: Fixture.t0)
        try await old.appendAudit(before)
        try await old.appendAudit(before)
        // act
        let store = try SQLiteStore(path: path)
        try await store.appendAudit(Self.audit)
        // check
        let trail = try await store.auditEntries(consultationID: nil, page: PageRequest(page: 1, perPage: 10)).items
        #expect(trail.map(\.sequence) == [1, 2, 3])
        #expect(trail.map(\.action) == [.grantInstanceRole, .grantInstanceRole, .accountDeleted])
        #expect(trail[0].actorName == "Ancienne")
        #expect(throws: (any Error).self, "still append-only") { try store.unsafeExecuteForTests("DELETE FROM audit_log") }
        #expect(throws: (any Error).self, "still append-only") { try store.unsafeExecuteForTests("UPDATE audit_log SET actor_name = 'x'") }
        #expect(throws: (any Error).self, "the CHECK still refuses unknown actions") {
            try store.unsafeExecuteForTests("INSERT INTO audit_log (actor_name, action, target_kind, target_id, reason, detail, at) VALUES ('x', 'nope', 'p', 0, '', '', 0)")
        }
    }

    @Test("deleting with keep leaves the texts under « Compte supprimé »", arguments: Backend.all)
    func keep(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let mine = try await f.argument("Je reste", author: f.alice)
        var audit = Self.audit
        audit.reason = "keep"
        // act
        let deleted = try await f.store.deleteAccount(
            participantID: f.alice.id, anonymisedName: "Compte supprimé", contributions: .keep, audit: audit, at: Fixture.t0 + 10)
        // check
        #expect(deleted)
        let kept = try #require(try await f.store.contribution(id: mine.id))
        #expect(kept.body == "Je reste" && kept.erasedAt == nil && kept.authorID == nil && kept.authorName == "Compte supprimé")
        #expect(kept.isPublic)
        let trail = try await f.store.auditEntries(consultationID: nil, page: PageRequest(page: 1, perPage: 50)).items
        #expect(trail.contains { $0.action == .accountDeleted && $0.reason == "keep" })
    }
}
