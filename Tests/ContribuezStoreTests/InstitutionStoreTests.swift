import ContribuezCore
import ContribuezStore
import Foundation
import Testing

@Suite("Institution store (issue 8)", .serialized)
struct InstitutionStoreTests {
    static func entry(_ c: ID?, _ action: AuditAction, target: ID = 0, reason: String = "") -> AuditEntry {
        AuditEntry(consultationID: c, actorID: nil, actorName: "test", action: action, targetKind: "contribution", targetID: target,
                   reason: reason, at: Fixture.t0)
    }

    static func tempPath() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cz-inst-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("i.sqlite").path
    }

    @Test("the migration keeps existing grants: organisers may still create and organise every consultation, moderators moderate them")
    func migrationKeepsGrants() async throws {
        // setup: a database as it was before 0004, with the global roles of the participation core
        let path = try Self.tempPath()
        let old = try SQLiteStore(path: path, migrateUpTo: "0003-profiles")
        try old.unsafeExecuteForTests("""
            INSERT INTO consultations (id, slug, title, summary, institution, is_published, opens_at, closes_at) VALUES
              (1, 'a', 'A', '', 'I', 1, 0, 10), (2, 'b', 'B', '', 'I', 0, 0, 10)
            """)
        try old.unsafeExecuteForTests("""
            INSERT INTO participants (id, email, password_hash, display_name, kind, role, created_at) VALUES
              (1, 'o@example.fr', 'h', 'O', 'citizen', 'organiser', 0), (2, 'm@example.fr', 'h', 'M', 'citizen', 'moderator', 0),
              (3, 'p@example.fr', 'h', 'P', 'citizen', 'participant', 0)
            """)
        // act
        let store = try SQLiteStore(path: path)
        // check
        #expect(try await store.participant(id: 1)?.role == .organiser)
        #expect(try await store.participant(id: 2)?.role == .participant)
        #expect(try await store.consultationRoles(participantID: 1) == [1: .organiser, 2: .organiser])
        #expect(try await store.consultationRoles(participantID: 2) == [1: .moderator, 2: .moderator])
        #expect(try await store.consultationRoles(participantID: 3).isEmpty)
        let consultation = try #require(try await store.consultation(id: 1))
        #expect(consultation.settings == ConsultationSettings())
        let organiser = Actor(try #require(try await store.participant(id: 1)), consultationRoles: try await store.consultationRoles(participantID: 1))
        #expect(Permissions.can(organiser, .organise, on: consultation, at: Date(timeIntervalSince1970: 0)) == .allowed)
    }

    @Test("roles are given, replaced and taken back, and the session carries them", arguments: Backend.all)
    func roles(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        // act
        try await f.store.grantRole(consultationID: f.consultation.id, participantID: f.alice.id, role: .moderator, audit: Self.entry(f.consultation.id, .grantRole))
        try await f.store.grantRole(consultationID: f.consultation.id, participantID: f.alice.id, role: .answerer, audit: Self.entry(f.consultation.id, .grantRole))
        try await f.store.createSession(tokenHash: "t", participantID: f.alice.id, csrfToken: "c", createdAt: Fixture.t0, expiresAt: Fixture.t0 + 60)
        let session = try #require(try await f.store.session(tokenHash: "t", at: Fixture.t0))
        let grants = try await f.store.roleGrants(consultationID: f.consultation.id)
        let revoked = try await f.store.revokeRole(consultationID: f.consultation.id, participantID: f.alice.id, audit: Self.entry(f.consultation.id, .revokeRole))
        let again = try await f.store.revokeRole(consultationID: f.consultation.id, participantID: f.alice.id, audit: Self.entry(f.consultation.id, .revokeRole))
        // check
        #expect(session.consultationRoles == [f.consultation.id: .answerer])
        #expect(grants.map(\.role) == [.answerer])
        #expect(revoked && !again)
        #expect(try await f.store.auditEntries(consultationID: f.consultation.id, page: PageRequest()).items.map(\.action) == [.grantRole, .grantRole, .revokeRole])
        #expect(try await f.store.setRole(participantID: f.bob.id, role: .admin))
        #expect(try await f.store.participants(withRoles: [.admin]).map(\.id) == [f.bob.id])
        #expect(try await f.store.setRole(participantID: f.bob.id, role: .participant))
        #expect(try await f.store.participant(id: f.bob.id)?.role == .participant)
        #expect(try await f.store.setRole(participantID: 999_999, role: .admin) == false)
    }

    @Test("one report per participant; the threshold of distinct reports hides the item with the most frequent reason", arguments: Backend.all)
    func reports(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let item = try await f.argument("À signaler")
        let carol = try await f.store.createParticipant(NewParticipant(email: "carol@example.fr", displayName: "Carol", kind: .citizen, organization: nil, createdAt: Fixture.t0), passwordHash: "h")
        let auto = Self.entry(f.consultation.id, .hideByReports, target: item.id)
        // act
        let first = try await f.store.addReport(contributionID: item.id, participantID: f.alice.id, reason: .spam, text: "", at: Fixture.t0, threshold: 3, autoHide: auto)
        await #expect(throws: StoreError.duplicateReport) {
            _ = try await f.store.addReport(contributionID: item.id, participantID: f.alice.id, reason: .offensive, text: "", at: Fixture.t0, threshold: 3, autoHide: auto)
        }
        _ = try await f.store.addReport(contributionID: item.id, participantID: f.bob.id, reason: .offensive, text: "", at: Fixture.t0 + 1, threshold: 3, autoHide: auto)
        let third = try await f.store.addReport(contributionID: item.id, participantID: carol.id, reason: .offensive, text: "insultes", at: Fixture.t0 + 2, threshold: 3, autoHide: auto)
        // check
        #expect(!first.isHidden)
        #expect(third.isHidden)
        #expect(third.hidden == HiddenNote(at: Fixture.t0 + 2, reason: .offensive, byReports: true))
        let queue = try await f.store.moderationQueue(consultationID: f.consultation.id, reason: nil, page: PageRequest())
        #expect(queue.items.map(\.contribution.id) == [item.id])
        #expect(queue.items.first?.reports.count == 3)
        #expect(try await f.store.moderationQueue(consultationID: f.consultation.id, reason: .personalData, page: PageRequest()).total == 0)
        let listed = try await f.store.contributions(ContributionQuery(articleID: f.article.id, kind: .argument, placeholders: true), page: PageRequest())
        #expect(listed.items.map(\.contribution.id) == [item.id])
        #expect(try await f.store.contributions(ContributionQuery(articleID: f.article.id, kind: .argument), page: PageRequest()).total == 0)
        // A moderator's decision closes the reports and empties the queue.
        let restored = try await f.store.moderate(contributionID: item.id, action: .restore, reason: .compliant, at: Fixture.t0 + 3,
                                                  audit: Self.entry(f.consultation.id, .restore, target: item.id, reason: "compliant"))
        #expect(!restored.isHidden && restored.hidden == nil)
        #expect(try await f.store.reports(contributionID: item.id).allSatisfy(\.resolved))
        #expect(try await f.store.moderationQueue(consultationID: f.consultation.id, reason: nil, page: PageRequest()).total == 0)
        let summary = try await f.store.moderationSummary(consultationID: f.consultation.id, page: PageRequest())
        #expect(summary.counts == [.init(action: .hideByReports, reason: "offensive", count: 1), .init(action: .restore, reason: "compliant", count: 1)])
        #expect(summary.hidden.total == 0)
    }

    @Test("held items stay out of public lists until approved; the event log tells their visibility", arguments: Backend.all)
    func held(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let held = try await f.store.addContribution(NewContribution(
            consultationID: f.consultation.id, kind: .argument, articleID: f.article.id, parentID: nil, authorID: f.alice.id,
            authorName: "Alice", body: "En attente", stance: .for, createdAt: Fixture.t0), held: true)
        // act
        let before = try await f.store.contributions(ContributionQuery(articleID: f.article.id, placeholders: true), page: PageRequest())
        let queue = try await f.store.moderationQueue(consultationID: f.consultation.id, reason: nil, page: PageRequest())
        let mine = try await f.store.unpublishedContributions(authorID: f.alice.id, page: PageRequest())
        let approved = try await f.store.moderate(contributionID: held.id, action: .approve, reason: .compliant, at: Fixture.t0 + 5,
                                                  audit: Self.entry(f.consultation.id, .approve, target: held.id))
        let after = try await f.store.contributions(ContributionQuery(articleID: f.article.id), page: PageRequest())
        // check
        #expect(held.status == .pending && held.isHidden)
        #expect(before.total == 0)
        #expect(queue.items.map(\.contribution.id) == [held.id])
        #expect(mine.items.map(\.id) == [held.id])
        #expect(approved.isPublic)
        #expect(after.items.map(\.contribution.id) == [held.id])
    }

    @Test("the audit trail is append-only in the database")
    func auditAppendOnly() async throws {
        // setup
        let store = try SQLiteStore(path: try Self.tempPath())
        try await store.appendAudit(Self.entry(nil, .grantInstanceRole))
        // act + check
        #expect(throws: (any Error).self) { try store.unsafeExecuteForTests("UPDATE audit_log SET actor_name = 'quelqu''un d''autre'") }
        #expect(throws: (any Error).self) { try store.unsafeExecuteForTests("DELETE FROM audit_log") }
        #expect(try await store.auditEntries(consultationID: nil, page: PageRequest()).items.map(\.actorName) == ["test"])
    }

    @Test("a draft text is replaced whole; closing early keeps the reason", arguments: Backend.all)
    func textAndClosing(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        guard case .parsed(let parsed) = DraftText.parse("# Titre\n\n## Article 1\n\nUn.\n\n## Article 2\n\nDeux.\n") else {
            Issue.record("the fixture text should parse"); return
        }
        // act
        let articles = try await f.store.replaceDraftText(consultationID: f.consultation.id, text: parsed, audit: Self.entry(f.consultation.id, .importText))
        try await f.store.closeEarly(consultationID: f.consultation.id, reason: "Retiré", at: Fixture.t0, audit: Self.entry(f.consultation.id, .close))
        // check
        #expect(articles.map(\.number) == ["1", "2"])
        #expect(try await f.store.articles(consultationID: f.consultation.id).map(\.number) == ["1", "2"])
        #expect(try await f.store.sections(consultationID: f.consultation.id).map(\.title) == ["Titre"])
        let closed = try #require(try await f.store.consultation(id: f.consultation.id))
        #expect(closed.closedEarlyReason == "Retiré")
        #expect(closed.phase(at: Fixture.t0) == .closed)
    }

    @Test("the law in force of an article is stored from the draft text, edited, and read back", arguments: Backend.all)
    func currentLaw(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let markdown = "## Article 1\n\nNouveau texte.\n\nDroit en vigueur : Ancien texte, alinéa 1.\nAlinéa 2.\n\n## Article 2\n\nDeux.\n"
        guard case .parsed(let parsed) = DraftText.parse(markdown) else { Issue.record("the fixture text should parse"); return }
        // act
        let articles = try await f.store.replaceDraftText(consultationID: f.consultation.id, text: parsed, audit: Self.entry(f.consultation.id, .importText))
        let first = try #require(articles.first)
        let updated = try await f.store.updateArticle(
            id: articles[1].id, title: "", body: "Deux.", explanation: "", currentLaw: "Droit « ancien » <b>brut</b>",
            audit: Self.entry(f.consultation.id, .editArticle))
        // check
        #expect(first.currentLaw == "Ancien texte, alinéa 1.\nAlinéa 2.")
        #expect(updated)
        let stored = try await f.store.articles(consultationID: f.consultation.id)
        #expect(stored.map(\.currentLaw) == ["Ancien texte, alinéa 1.\nAlinéa 2.", "Droit « ancien » <b>brut</b>"])
        #expect(try await f.store.article(id: first.id) == first)
        #expect(try await f.store.updateArticle(
            id: 999_999, title: "", body: "x", explanation: "", currentLaw: "", audit: Self.entry(f.consultation.id, .editArticle)) == false)
    }
}
