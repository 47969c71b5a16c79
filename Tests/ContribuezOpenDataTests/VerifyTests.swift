import ContribuezCore
import ContribuezImport
import ContribuezOpenData
import ContribuezStore
import ContribuezTestSupport
import Foundation
import Testing

@Suite("contribuez verify (issue 12)")
struct VerifyTests {
    /// A consultation with every kind of figure verify recounts: votes changed and withdrawn, a held
    /// item, a hidden one, an erased one, imported totals, answers owed (threshold 1) and given.
    static func consultation(_ backend: OpenDataBackend) async throws -> (store: any Store, c: Consultation, article: Article) {
        let store = try await backend.make()
        let t0 = OpenDataFixture.t0
        let c = try await store.createConsultation(NewConsultation(
            slug: "verif-\(UUID().uuidString.prefix(8).lowercased())", title: "À vérifier", summary: "S", institution: "Ministère",
            isPublished: true, opensAt: t0 - 86_400, closesAt: t0 + 86_400, settings: ConsultationSettings(answerThreshold: 1, answerDeadlineDays: 30)))
        let s = try await store.createSection(consultationID: c.id, position: 1, title: "Titre I", subtitle: "")
        let a = try await store.createArticle(NewArticle(
            consultationID: c.id, sectionID: s.id, position: 1, number: "1", title: "Article", body: "Texte", explanation: "",
            importedTally: Tally(agree: 4, mixed: 1, disagree: 2)))
        let b = try await store.createArticle(NewArticle(
            consultationID: c.id, sectionID: s.id, position: 2, number: "2", title: "Autre", body: "Texte", explanation: ""))
        let alice = try await OpenDataFixture.participant(store, "va@example.fr", "Alice")
        let bob = try await OpenDataFixture.participant(store, "vb@example.fr", "Bob", .company, organisation: "Société")
        let carol = try await OpenDataFixture.participant(store, "vc@example.fr", "Carol")
        func add(_ who: Participant?, _ kind: ContributionKind, _ body: String, article: ID? = nil, parent: ID? = nil, held: Bool = false,
                 at offset: TimeInterval = 0, imported: Tally? = nil) async throws -> Contribution {
            try await store.addContribution(NewContribution(
                consultationID: c.id, kind: kind, articleID: article, parentID: parent, authorID: who?.id, authorName: who?.publicName ?? "Importé",
                title: kind == .proposal || kind == .source ? "Titre \(body)" : "", body: body, rationale: kind == .amendment ? "Parce que" : "",
                stance: kind == .argument ? .against : nil, url: kind == .source ? "https://example.org/\(body.count)" : nil,
                createdAt: t0 + offset, importedTally: imported), held: held)
        }
        let proposal = try await add(alice, .proposal, "=SOMME(A1)", imported: Tally(agree: 3))
        let amendment = try await add(bob, .amendment, "Nouvelle rédaction", article: a.id, at: 1)
        let second = try await add(carol, .amendment, "Autre rédaction", article: a.id, at: 2)
        let argument = try await add(alice, .argument, "-1 n'est pas un nombre ici", article: a.id, at: 3)
        let reply = try await add(nil, .source, "Source importée", article: a.id, parent: amendment.id, at: 4)
        _ = try await add(bob, .proposal, "En attente", held: true, at: 5)
        let hidden = try await add(carol, .argument, "Masqué", article: b.id, at: 6)
        let erased = try await add(carol, .proposal, "Effacé", at: 7)
        let votes: [(Participant, Target, VoteValue?)] = [
            (alice, .article(a.id), .agree), (bob, .article(a.id), .disagree), (carol, .article(a.id), .mixed), (alice, .article(a.id), .mixed),
            (bob, .contribution(proposal.id), .agree), (carol, .contribution(proposal.id), .agree), (alice, .contribution(amendment.id), .agree),
            (carol, .contribution(amendment.id), .disagree), (bob, .contribution(second.id), .agree), (alice, .contribution(second.id), .agree),
            (bob, .contribution(argument.id), .useful), (carol, .contribution(reply.id), .useful), (bob, .article(b.id), .agree),
            (bob, .article(b.id), nil), (alice, .contribution(erased.id), .agree), (carol, .contribution(argument.id), .useful),
        ]
        for (i, (who, target, value)) in votes.enumerated() {
            let at = t0 + 10 + TimeInterval(i)
            if let value { _ = try await store.castVote(participantID: who.id, target: target, value: value, at: at) } else {
                _ = try await store.withdrawVote(participantID: who.id, target: target, at: at)
            }
        }
        // A vote after closing: counted live, not in the votes at closing of the answer statistics.
        _ = try await store.castVote(participantID: alice.id, target: .contribution(argument.id), value: .useful, at: t0 + 90_000)
        _ = try await store.moderate(
            contributionID: hidden.id, action: .hide, reason: .offensive, at: t0 + 40, audit: OpenDataFixture.audit(c.id, .hide, hidden.id, reason: "offensive"))
        _ = try await store.addAnswer(
            contributionID: amendment.id, status: .retenue, text: "Retenue.", answererID: nil, answererName: "Ministère", at: t0 + 50,
            audit: OpenDataFixture.audit(c.id, .answer, amendment.id), notifications: [])
        _ = try await store.addAnswer(
            contributionID: proposal.id, status: .aLEtude, text: "À l'étude.", answererID: nil, answererName: "Ministère", at: t0 + 86_400 * 45,
            audit: OpenDataFixture.audit(c.id, .answer, proposal.id), notifications: [])
        _ = try await store.deleteAccount(
            participantID: carol.id, anonymisedName: "Compte supprimé", contributions: .erase,
            audit: AuditEntry(consultationID: nil, actorID: nil, actorName: "", action: .accountDeleted, targetKind: "participant", targetID: carol.id, at: t0 + 60),
            at: t0 + 60)
        return (store, c, a)
    }

    static func package(_ store: any Store, _ c: Consultation) async throws -> [UInt8] {
        try await OpenDataPackage.write(consultation: c, store: store, exportedAt: OpenDataFixture.t0 + 86_400 * 400, to: MemorySink(), pageSize: 3).bytes
    }

    /// The package with one entry's text changed (the others copied as they are).
    static func rewrite(_ bytes: [UInt8], _ entry: String, _ edit: (String) -> String) async throws -> [UInt8] {
        let zip = try ZipReader(bytes: bytes)
        var w = ZipWriter(sink: MemorySink())
        for e in zip.entries {
            var data = try zip.read(e.name)
            if e.name == entry {
                let edited = edit(String(decoding: data, as: UTF8.self))
                #expect(edited != String(decoding: data, as: UTF8.self), "the test changed nothing in \(entry)")
                data = Array(edited.utf8)
            }
            try await w.addEntry(e.name, data)
        }
        try await w.finish()
        return w.sink.bytes
    }

    /// Changes one cell of the first data line for which `pick` is true (cells split on commas: the
    /// tables edited here hold no quoted cell).
    static func editLine(_ text: String, column: Int, to value: String, where pick: ([String]) -> Bool) -> (String, [String]) {
        var lines = text.components(separatedBy: "\r\n")
        if lines.count == 1 { lines = text.components(separatedBy: "\n") }
        for i in 1..<lines.count {
            var cells = lines[i].components(separatedBy: ",")
            guard cells.count > column, pick(cells) else { continue }
            cells[column] = value
            lines[i] = cells.joined(separator: ",")
            return (lines.joined(separator: text.contains("\r\n") ? "\r\n" : "\n"), cells)
        }
        return (text, [])
    }

    @Test("a package exported from a consultation with votes verifies cleanly", arguments: OpenDataBackend.all)
    func clean(backend: OpenDataBackend) async throws {
        // setup
        let f = try await Self.consultation(backend)
        let bytes = try await Self.package(f.store, f.c)
        // act
        let report = try OpenDataVerifier.verify(try ZipReader(bytes: bytes))
        // check
        #expect(report.isClean, "\(report.text)")
        let head = try await f.store.chainHead(consultationID: f.c.id)
        #expect(report.text.contains("chain: \(head.length) entries") && report.text.contains(head.head))
        let exportedAt = OpenDataFixture.t0 + 86_400 * 400
        let ledger = EngagementLedger.compute(
            consultation: f.c, candidates: try await f.store.engagementCandidates(consultationID: f.c.id, closesAt: f.c.closesAt), now: exportedAt)
        #expect(ledger.due >= 4 && ledger.count(.answeredLate) == 1 && ledger.count(.answeredOnTime) == 1)
        #expect(report.text.contains("answer statistics: \(ledger.due) owed"), "\(report.text)")
        #expect(report.checked.count == 6)
    }

    @Test("one vote's value edited in events.csv is named at its seq")
    func tamperedEvent() async throws {
        // setup
        let f = try await Self.consultation(.sqlite)
        let bytes = try await Self.package(f.store, f.c)
        var cells: [String] = []
        // act
        let tampered = try await Self.rewrite(bytes, "events.csv") { text in
            let (edited, row) = Self.editLine(text, column: 6, to: "disagree") { $0[2] == "vote" && $0[6] == "agree" }
            cells = row
            return edited
        }
        let report = try OpenDataVerifier.verify(try ZipReader(bytes: tampered))
        // check
        #expect(!report.isClean)
        let seq = try #require(cells.first)
        let named = report.differences.first { $0.table == "events" && $0.row == "seq \(seq)" }
        #expect(named != nil, "\(report.text)")
        #expect(named?.expected.hasPrefix("hash ") == true && named?.found == "hash \(cells[8])")
        #expect(!report.differences.contains { $0.table == "events" && $0.row != "seq \(seq)" }, "one edited row is named once")
    }

    @Test("one vote's value edited in votes.csv is named with its participant and target")
    func tamperedVote() async throws {
        // setup
        let f = try await Self.consultation(.sqlite)
        let bytes = try await Self.package(f.store, f.c)
        var cells: [String] = []
        // act
        let tampered = try await Self.rewrite(bytes, "votes.csv") { text in
            let (edited, row) = Self.editLine(text, column: 3, to: "disagree") { $0[3] == "agree" }
            cells = row
            return edited
        }
        let report = try OpenDataVerifier.verify(try ZipReader(bytes: tampered))
        // check
        #expect(report.differenceCount == 1, "\(report.text)")
        #expect(report.differences.first == OpenDataVerifier.Difference(
            table: "votes", row: "participant \(cells[0]), \(cells[1]) \(cells[2])", expected: "agree", found: "disagree"))
        #expect(report.text.contains("votes, participant \(cells[0]), \(cells[1]) \(cells[2]), agree, disagree"))
    }

    @Test("one count edited in tallies.csv is named with its target and column")
    func tamperedTally() async throws {
        // setup
        let f = try await Self.consultation(.sqlite)
        let bytes = try await Self.package(f.store, f.c)
        // act
        let tampered = try await Self.rewrite(bytes, "tallies.csv") { text in
            Self.editLine(text, column: 2, to: "41") { $0[0] == "article" && $0[1] == "\(f.article.id)" }.0
        }
        let report = try OpenDataVerifier.verify(try ZipReader(bytes: tampered))
        // check
        #expect(report.differences.contains(OpenDataVerifier.Difference(
            table: "tallies", row: "article \(f.article.id)", expected: "agree 0", found: "agree 41")), "\(report.text)")
    }

    @Test("edited answer statistics and a reordered ranking are named")
    func tamperedFigures() async throws {
        // setup
        let f = try await Self.consultation(.sqlite)
        let bytes = try await Self.package(f.store, f.c)
        // act
        let statistics = try await Self.rewrite(bytes, "answer_statistics.csv") { text in
            Self.editLine(text, column: 4, to: "0") { _ in true }.0
        }
        let ranking = try await Self.rewrite(bytes, "ranking.csv") { text in
            Self.editLine(text, column: 3, to: "999") { $0[0] == "" && $0[2] == "1" }.0
        }
        let a = try OpenDataVerifier.verify(try ZipReader(bytes: statistics))
        let b = try OpenDataVerifier.verify(try ZipReader(bytes: ranking))
        // check
        #expect(a.differences.contains { $0.table == "answer_statistics" && $0.found == "answered_late 0" }, "\(a.text)")
        #expect(b.differences.contains { $0.table == "ranking" && $0.row.hasSuffix("rank 1") && $0.found.hasPrefix("contribution 999") }, "\(b.text)")
    }

    @Test("an erased contribution's content is not checked, an edited one is")
    func contentHash() async throws {
        // setup
        let f = try await Self.consultation(.sqlite)
        let bytes = try await Self.package(f.store, f.c)
        // act
        let tampered = try await Self.rewrite(bytes, "contributions.csv") { text in
            text.replacingOccurrences(of: "Nouvelle rédaction", with: "Rédaction changée")
        }
        let report = try OpenDataVerifier.verify(try ZipReader(bytes: tampered))
        // check
        #expect(report.differenceCount == 1, "\(report.text)")
        #expect(report.differences.first?.table == "contributions" && report.differences.first?.expected.hasPrefix("content_sha256 ") == true)
        #expect(report.text.contains("erased by their authors"))
    }

    @Test("the République numérique import with votes cast here verifies cleanly, imported totals included, and an edited vote is named")
    func republiqueNumerique() async throws {
        // setup: the 2015 snapshot (imported totals, hidden items) and live votes on articles and contributions
        let store = try await OpenDataBackend.sqlite.make()
        let c = try await store.importConsultation(try RepubliqueNumeriqueImport.bundle(directory: SharedData.url("republique-numerique-2015")))
        let articles = try await store.articles(consultationID: c.id)
        let proposals = try await store.contributions(ContributionQuery(consultationID: c.id, kind: .proposal), page: PageRequest(page: 1, perPage: 20)).items
        var voters: [Participant] = []
        for i in 0..<6 { voters.append(try await OpenDataFixture.participant(store, "rn\(i)@example.fr", "Votant \(i)")) }
        for (i, v) in voters.enumerated() {
            for a in articles.prefix(12) {
                _ = try await store.castVote(participantID: v.id, target: .article(a.id), value: [.agree, .mixed, .disagree][(i + Int(a.id)) % 3], at: OpenDataFixture.t0)
            }
            for p in proposals.prefix(8) {
                _ = try await store.castVote(participantID: v.id, target: .contribution(p.contribution.id), value: i % 4 == 0 ? .disagree : .agree, at: OpenDataFixture.t0)
            }
        }
        _ = try await store.withdrawVote(participantID: voters[0].id, target: .article(articles[0].id), at: OpenDataFixture.t0 + 1)
        let bytes = try await OpenDataPackage.write(consultation: c, store: store, exportedAt: OpenDataFixture.t0, to: MemorySink()).bytes
        // act
        let report = try OpenDataVerifier.verify(try ZipReader(bytes: bytes))
        let tampered = try await Self.rewrite(bytes, "votes.csv") { text in
            Self.editLine(text, column: 3, to: "mixed") { $0[3] == "agree" }.0
        }
        let tamperedReport = try OpenDataVerifier.verify(try ZipReader(bytes: tampered))
        // check
        #expect(report.isClean, "\(report.text)")
        #expect(report.text.contains("votes: \(6 * 20 - 1) live votes"), "\(report.text)")
        #expect(tamperedReport.differenceCount == 1 && tamperedReport.differences.first?.table == "votes", "\(tamperedReport.text)")
    }

    @Test("a file that is not a package is refused as such")
    func notAPackage() async throws {
        // setup
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cz-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let text = dir.appendingPathComponent("texte.zip")
        try Data("ceci n'est pas une archive".utf8).write(to: text)
        var w = ZipWriter(sink: MemorySink())
        try await w.addEntry("autre.txt", Array("rien".utf8))
        try await w.finish()
        // act + check
        #expect(throws: OpenDataVerifier.NotAPackage.self) { try OpenDataVerifier.verify(path: text.path) }
        #expect(throws: OpenDataVerifier.NotAPackage.self) { try OpenDataVerifier.verify(path: dir.appendingPathComponent("absent.zip").path) }
        #expect(throws: OpenDataVerifier.NotAPackage.self) { try OpenDataVerifier.verify(try ZipReader(bytes: w.sink.bytes)) }
    }
}
