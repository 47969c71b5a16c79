import ContribuezCore
import ContribuezImport
import ContribuezOpenData
import ContribuezStore
import ContribuezSynthesis
import ContribuezTestSupport
import Foundation
import Testing

@Suite("Open-data package (issue 12)")
struct OpenDataPackageTests {
    /// A small consultation with everything the package shows: an organisation and citizens, votes
    /// (one changed, one withdrawn), a formula-like title, a hidden item, an erased one, an answer.
    struct Small {
        let store: any Store
        let c: Consultation
        let article: Article
        let alice: Participant, bob: Participant, carol: Participant
        let formula: Contribution, hidden: Contribution, erased: Contribution, kept: Contribution

        static func make(_ backend: OpenDataBackend) async throws -> Small {
            let store = try await backend.make()
            let t0 = OpenDataFixture.t0
            let c = try await store.createConsultation(NewConsultation(
                slug: "od-\(UUID().uuidString.prefix(8).lowercased())", title: "Données", summary: "S", institution: "Ministère", isPublished: true,
                opensAt: t0 - 86_400, closesAt: t0 + 86_400))
            let s = try await store.createSection(consultationID: c.id, position: 1, title: "Titre I", subtitle: "")
            let a = try await store.createArticle(NewArticle(consultationID: c.id, sectionID: s.id, position: 1, number: "1", title: "Article", body: "Texte", explanation: "",
                                                             currentLaw: "-Ancien texte\nsur deux lignes"))
            let alice = try await OpenDataFixture.participant(store, "alice@example.fr", "Alice Martin")
            let bob = try await OpenDataFixture.participant(store, "bob@example.fr", "Bob Dupont", .association, organisation: "Asso Libre")
            let carol = try await OpenDataFixture.participant(store, "carol@example.fr", "Carol Durand")
            func add(_ who: Participant, _ kind: ContributionKind, title: String, body: String, article: ID? = nil, url: String? = nil) async throws -> Contribution {
                try await store.addContribution(NewContribution(
                    consultationID: c.id, kind: kind, articleID: article, parentID: nil, authorID: who.id, authorName: who.publicName,
                    title: title, body: body, stance: kind == .argument ? .for : nil, url: url, createdAt: t0), held: false)
            }
            let formula = try await add(alice, .proposal, title: "=HYPERLINK(\"http://x\";\"clic\")", body: "-1 et +2, @tous")
            let hidden = try await add(bob, .argument, title: "", body: "Un argument masqué", article: a.id)
            let erased = try await add(carol, .proposal, title: "Proposition de Carol", body: "Texte de Carol")
            let kept = try await add(bob, .amendment, title: "Amendement", body: "Nouvelle rédaction, \"citée\"\nsur deux lignes", article: a.id)
            _ = try await store.castVote(participantID: alice.id, target: .article(a.id), value: .agree, at: t0 + 1)
            _ = try await store.castVote(participantID: bob.id, target: .article(a.id), value: .disagree, at: t0 + 2)
            _ = try await store.castVote(participantID: bob.id, target: .contribution(formula.id), value: .agree, at: t0 + 3)
            _ = try await store.castVote(participantID: alice.id, target: .contribution(kept.id), value: .mixed, at: t0 + 4)
            _ = try await store.castVote(participantID: alice.id, target: .contribution(kept.id), value: .agree, at: t0 + 5)
            _ = try await store.castVote(participantID: carol.id, target: .contribution(kept.id), value: .disagree, at: t0 + 6)
            _ = try await store.castVote(participantID: alice.id, target: .contribution(formula.id), value: .agree, at: t0 + 7)
            _ = try await store.withdrawVote(participantID: alice.id, target: .contribution(formula.id), at: t0 + 8)
            _ = try await store.moderate(
                contributionID: hidden.id, action: .hide, reason: .offensive, at: t0 + 9, audit: OpenDataFixture.audit(c.id, .hide, hidden.id, reason: "offensive"))
            _ = try await store.addAnswer(
                contributionID: kept.id, status: .retenue, text: "Retenue.", answererID: nil, answererName: "Ministère", at: t0 + 10,
                audit: OpenDataFixture.audit(c.id, .answer, kept.id), notifications: [])
            _ = try await store.deleteAccount(
                participantID: carol.id, anonymisedName: "Compte supprimé", contributions: .erase,
                audit: AuditEntry(consultationID: nil, actorID: nil, actorName: "", action: .accountDeleted, targetKind: "participant", targetID: carol.id, at: t0 + 11),
                at: t0 + 11)
            return Small(store: store, c: c, article: a, alice: alice, bob: bob, carol: carol, formula: formula, hidden: hidden, erased: erased, kept: kept)
        }
    }

    @Test("a package holds every table of the format, each header equal to its schema's fields", arguments: OpenDataBackend.all)
    func structure(backend: OpenDataBackend) async throws {
        // setup
        let f = try await Small.make(backend)
        // act
        let p = try await OpenDataFixture.export(f.store, f.c, pageSize: 2)
        // check
        #expect(p.descriptor.profile == "tabular-data-package")
        #expect(p.descriptor.licenses.map(\.name) == ["etalab-2.0"])
        #expect(p.descriptor.contribuezFormatVersion == "1")
        let head = try await f.store.chainHead(consultationID: f.c.id)
        #expect(p.descriptor.contribuezChain.length == head.length && p.descriptor.contribuezChain.head == head.head)
        #expect(head.length >= 12)
        #expect(p.descriptor.resources.map(\.name) == OpenDataFormat.tables.map(\.name))
        for r in p.descriptor.resources {
            let table = try #require(p.tables[r.name], "\(r.path) is missing")
            #expect(p.zip.entry(r.path) != nil)
            #expect(table.header == r.schema.fields.map(\.name), "\(r.name)")
            #expect(table.rows.allSatisfy { $0.count == table.header.count }, "\(r.name): ragged rows")
        }
        #expect(p.zip.entry(OpenDataFormat.readmePath) != nil)
        #expect(p.allText.contains("Pseudonymes") && p.allText.contains("Neutralised cells"))
    }

    @Test("participants appear only as pseudonyms: no e-mail, no citizen's name, no participant id", arguments: OpenDataBackend.all)
    func pseudonymsOnly(backend: OpenDataBackend) async throws {
        // setup
        let f = try await Small.make(backend)
        // act
        let p = try await OpenDataFixture.export(f.store, f.c, pageSize: 2)
        // check
        for forbidden in ["@example.fr", "Alice", "Martin", "Bob Dupont", "Carol", "Durand"] {
            #expect(!p.allText.contains(forbidden), "\(forbidden) is in the package")
        }
        #expect(p.allText.contains("Asso Libre"), "organisations are named")
        let participants = p.records(OpenDataFormat.participants)
        #expect(participants.count == 2, "carol deleted her account")
        let hex = Set("0123456789abcdef")
        let pseudonymColumns: [(OpenDataFormat.Table, String)] = [
            (OpenDataFormat.participants, "pseudonym"), (OpenDataFormat.votes, "participant"), (OpenDataFormat.events, "participant"),
            (OpenDataFormat.contributions, "author"),
        ]
        let ids = Set([f.alice.id, f.bob.id, f.carol.id].map(String.init))
        for (table, column) in pseudonymColumns {
            for row in p.records(table) {
                let value = row[column] ?? ""
                #expect(value.isEmpty || (value.count == 16 && value.allSatisfy(hex.contains)), "\(table.name).\(column) = \(value)")
                #expect(!ids.contains(value))
            }
        }
        for table in OpenDataFormat.tables {
            #expect(!table.columns.contains { $0.hasSuffix("participant_id") || $0 == "author_id" || $0.contains("email") || $0.contains("name") })
        }
        let bob = try #require(participants.first { $0["kind"] == "association" })
        #expect(bob["organisation"] == "Asso Libre")
        #expect(participants.first { $0["kind"] == "citizen" }?["organisation"] == "")
        // The same person has the same pseudonym in every table.
        let bobVotes = p.records(OpenDataFormat.votes).filter { $0["participant"] == bob["pseudonym"] }
        #expect(bobVotes.count == 2)
        #expect(p.records(OpenDataFormat.contributions).first { $0["id"] == String(f.kept.id) }?["author"] == bob["pseudonym"])
    }

    @Test("cells a spreadsheet would run are neutralised; numbers are not; the reader restores the text exactly", arguments: OpenDataBackend.all)
    func neutralised(backend: OpenDataBackend) async throws {
        // setup
        let f = try await Small.make(backend)
        // act
        let p = try await OpenDataFixture.export(f.store, f.c)
        // check
        let raw = try #require(p.raw(OpenDataFormat.contributions).first { $0["id"] == String(f.formula.id) })
        #expect(raw["title"] == "'=HYPERLINK(\"http://x\";\"clic\")")
        #expect(raw["body"] == "'-1 et +2, @tous")
        let restored = try #require(p.records(OpenDataFormat.contributions).first { $0["id"] == String(f.formula.id) })
        #expect(restored["title"] == f.formula.title && restored["body"] == f.formula.body)
        #expect(restored["content_sha256"] == EventChain.contentHash(of: f.formula))
        let kept = try #require(p.records(OpenDataFormat.contributions).first { $0["id"] == String(f.kept.id) })
        #expect(kept["body"] == "Nouvelle rédaction, \"citée\"\nsur deux lignes")
        #expect(p.records(OpenDataFormat.events).allSatisfy { Int64($0["seq"] ?? "") != nil && Int64($0["at"] ?? "") != nil })
        // the article's law in force, neutralised and restored like any text
        #expect(p.raw(OpenDataFormat.articles).first?["current_law"] == "'-Ancien texte\nsur deux lignes")
        #expect(p.records(OpenDataFormat.articles).first?["current_law"] == "-Ancien texte\nsur deux lignes")
    }

    @Test("hidden items keep their reason, erased ones lose their text and author, withdrawn votes are gone", arguments: OpenDataBackend.all)
    func states(backend: OpenDataBackend) async throws {
        // setup
        let f = try await Small.make(backend)
        // act
        let p = try await OpenDataFixture.export(f.store, f.c, pageSize: 1)
        // check
        let rows = Dictionary(uniqueKeysWithValues: p.records(OpenDataFormat.contributions).map { ($0["id"] ?? "", $0) })
        #expect(rows.count == 4)
        #expect(rows[String(f.hidden.id)]?["state"] == "hidden" && rows[String(f.hidden.id)]?["hidden_reason"] == "offensive")
        #expect(rows[String(f.hidden.id)]?["body"] == "Un argument masqué", "a hidden item's text stays in the open data, with its reason")
        let erased = try #require(rows[String(f.erased.id)])
        #expect(erased["state"] == "erased")
        #expect(erased["title"] == "" && erased["body"] == "" && erased["author"] == "" && erased["content_sha256"] == "")
        #expect(rows[String(f.formula.id)]?["state"] == "published")
        let moderation = p.records(OpenDataFormat.moderation)
        #expect(moderation.map { [$0["contribution_id"] ?? "", $0["decision"] ?? "", $0["reason"] ?? ""] } == [[String(f.hidden.id), "hide", "offensive"]])
        // Votes: alice's withdrawn one and carol's (account deleted) are gone; the changed one is the new value.
        let votes = p.records(OpenDataFormat.votes)
        #expect(votes.count == 4)
        #expect(votes.contains { $0["target_type"] == "contribution" && $0["target_id"] == String(f.kept.id) && $0["value"] == "agree" })
        let tally = try #require(p.records(OpenDataFormat.tallies).first { $0["target_type"] == "contribution" && $0["target_id"] == String(f.kept.id) })
        #expect(tally["agree"] == "1" && tally["disagree"] == "0" && tally["mixed"] == "0" && tally["imported_agree"] == "")
        let answers = p.records(OpenDataFormat.answers)
        #expect(answers.map { $0["version"] } == ["1"] && answers.first?["status"] == "retenue")
        #expect(p.records(OpenDataFormat.answerStatistics).count == 1)
    }

    @Test("the exported chain verifies, and its votes add up to the published tallies", arguments: OpenDataBackend.all)
    func chainAddsUp(backend: OpenDataBackend) async throws {
        // setup
        let f = try await Small.make(backend)
        // act
        let p = try await OpenDataFixture.export(f.store, f.c, pageSize: 3)
        // check
        let entries = p.records(OpenDataFormat.events).map { r in
            EventChain.Entry(
                seq: Int64(r["seq"]!)!, at: Int64(r["at"]!)!, event: EventChain.Event(rawValue: r["event"]!)!, participant: r["participant"]!,
                targetType: r["target_type"]!, targetID: Int64(r["target_id"]!)!, value: r["value"]!, contentSHA256: r["content_sha256"]!, hash: r["hash"]!)
        }
        #expect(EventChain.verify(entries).isEmpty)
        #expect(entries.last?.hash == p.descriptor.contribuezChain.head)
        var live: [String: String] = [:]
        for e in entries where e.event != .contribution {
            let key = "\(e.participant)|\(e.targetType)|\(e.targetID)"
            live[key] = e.event == .withdraw ? nil : e.value
        }
        let exported = Dictionary(uniqueKeysWithValues: p.records(OpenDataFormat.votes).map { ("\($0["participant"]!)|\($0["target_type"]!)|\($0["target_id"]!)", $0["value"]!) })
        #expect(live == exported)
    }

    @Test("the République numérique import with votes cast through the store exports a package that adds up")
    func republiqueNumerique() async throws {
        // setup
        let store = try await OpenDataBackend.sqlite.make()
        let c = try await store.importConsultation(try RepubliqueNumeriqueImport.bundle(directory: SharedData.url("republique-numerique-2015")))
        let articles = try await store.articles(consultationID: c.id)
        var voters: [Participant] = []
        for i in 0..<5 { voters.append(try await OpenDataFixture.participant(store, "v\(i)@example.fr", "Votant Numéro\(i)")) }
        for (i, v) in voters.enumerated() {
            for a in articles.prefix(10) { _ = try await store.castVote(participantID: v.id, target: .article(a.id), value: [.agree, .mixed, .disagree][(i + Int(a.id)) % 3], at: OpenDataFixture.t0) }
        }
        let formula = try await store.addContribution(NewContribution(
            consultationID: c.id, kind: .proposal, articleID: nil, parentID: nil, authorID: voters[0].id, authorName: voters[0].publicName,
            title: "=cmd|' /C calc'!A0", body: "Corps", createdAt: OpenDataFixture.t0), held: false)
        // act
        let p = try await OpenDataFixture.export(store, c)
        // check
        #expect(p.records(OpenDataFormat.articles).count == 30)
        let contributionCount = p.records(OpenDataFormat.contributions).count
        let stored = try await store.contributions(ContributionQuery(consultationID: c.id, includeHidden: true), page: PageRequest(page: 1, perPage: 1)).total
        #expect(contributionCount == stored && stored >= 666 + 3994 + 326 + 1)
        #expect(p.raw(OpenDataFormat.contributions).first { $0["id"] == String(formula.id) }?["title"] == "'=cmd|' /C calc'!A0")
        #expect(p.records(OpenDataFormat.votes).count == 50)
        #expect(!p.allText.contains("@example.fr") && !p.allText.contains("Votant Numéro"))
        for r in p.descriptor.resources { #expect(p.tables[r.name]?.header == r.schema.fields.map(\.name)) }
        // Tallies as published: imported totals apart from the live votes.
        let first = try #require(p.records(OpenDataFormat.tallies).first { $0["target_type"] == "article" && $0["target_id"] == String(articles[0].id) })
        let storedTally = try await store.tallies([.article(articles[0].id)])[.article(articles[0].id)] ?? .zero
        #expect(first["agree"] == String(storedTally.agree) && first["disagree"] == String(storedTally.disagree))
        #expect(first["imported_agree"] == articles[0].importedTally.map { String($0.agree) })
        // The published ranking of proposals starts at 1 and follows score then id, both descending.
        let proposals = p.records(OpenDataFormat.ranking).filter { $0["article_id"] == "" && $0["kind"] == "proposal" }
        #expect(proposals.first?["rank"] == "1")
        #expect(proposals.count > 600)
        let keys = proposals.map { (Double($0["score"]!)!, Int64($0["contribution_id"]!)!) }
        #expect(zip(keys, keys.dropFirst()).allSatisfy { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 > $1.1) })
        #expect(EventChain.verify(p.records(OpenDataFormat.events).map { r in
            EventChain.Entry(
                seq: Int64(r["seq"]!)!, at: Int64(r["at"]!)!, event: EventChain.Event(rawValue: r["event"]!)!, participant: r["participant"]!,
                targetType: r["target_type"]!, targetID: Int64(r["target_id"]!)!, value: r["value"]!, contentSHA256: r["content_sha256"]!, hash: r["hash"]!)
        }).isEmpty)
    }
}

@Suite("Open-data store port (issue 12)")
struct OpenDataStoreTests {
    @Test("publication: published by hand, taken back, at closing off — each stored with its audit entry", arguments: OpenDataBackend.all)
    func publication(backend: OpenDataBackend) async throws {
        // setup
        let f = try await OpenDataPackageTests.Small.make(backend)
        let ctx = CommandContext(store: f.store, clock: FixedClock(OpenDataFixture.t0), hasher: NoHasher())
        let organiser = Actor(participantID: f.bob.id, kind: .association, role: .participant, consultationRoles: [f.c.id: .organiser])
        // act
        let before = try await f.store.openDataPublication(consultationID: f.c.id)
        let refused = try await PublishOpenData(actor: Actor(f.alice), consultationID: f.c.id).run(ctx)
        let published = try await PublishOpenData(actor: organiser, consultationID: f.c.id).run(ctx)
        let afterPublish = try await f.store.openDataPublication(consultationID: f.c.id)
        _ = try await UnpublishOpenData(actor: organiser, consultationID: f.c.id).run(ctx)
        _ = try await SetOpenDataAtClosing(actor: organiser, consultationID: f.c.id, atClosing: false).run(ctx)
        let after = try await f.store.openDataPublication(consultationID: f.c.id)
        let missing = try await PublishOpenData(actor: organiser, consultationID: 999_999).run(ctx)
        // check
        #expect(before == OpenDataPublication(atClosing: true, publishedAt: nil))
        guard case .refused(.organisersOnly) = refused else { Issue.record("a participant published: \(refused)"); return }
        guard case .done = published else { Issue.record("\(published)"); return }
        #expect(afterPublish?.publishedAt == OpenDataFixture.t0)
        #expect(after == OpenDataPublication(atClosing: false, publishedAt: nil))
        guard case .notFound = missing else { Issue.record("\(missing)"); return }
        let audit = try await f.store.auditEntries(consultationID: f.c.id, page: PageRequest(page: 1, perPage: 100)).items
        #expect(Set(audit.filter { $0.action == .editConsultation }.map(\.detail)) == ["open_data_published", "open_data_unpublished", "open_data_at_closing=off"])
        // Public: by hand at once; at closing only once closed, and only when that is on.
        var c = f.c
        #expect(!OpenDataPublication(atClosing: true).isPublic(c, at: OpenDataFixture.t0))
        #expect(OpenDataPublication(atClosing: true).isPublic(c, at: c.closesAt))
        #expect(!OpenDataPublication(atClosing: false).isPublic(c, at: c.closesAt))
        #expect(OpenDataPublication(atClosing: false, publishedAt: OpenDataFixture.t0).isPublic(c, at: OpenDataFixture.t0))
        c.isPublished = false
        #expect(!OpenDataPublication(atClosing: false, publishedAt: OpenDataFixture.t0).isPublic(c, at: c.closesAt))
    }

    @Test("keyset pages of one row read every row once, in order", arguments: OpenDataBackend.all)
    func paging(backend: OpenDataBackend) async throws {
        // setup
        let f = try await OpenDataPackageTests.Small.make(backend)
        // act
        let (votes, tallies, participants) = try await f.store.withOpenDataReader { r in
            var votes: [OpenDataVote] = [], key = OpenDataVoteKey.start
            while let v = try await r.votes(consultationID: f.c.id, after: key, limit: 1).first { votes.append(v); key = v.key }
            var tallies: [OpenDataTally] = [], target: Target?
            while let t = try await r.tallies(consultationID: f.c.id, after: target, limit: 1).first { tallies.append(t); target = t.target }
            var participants: [OpenDataParticipant] = [], after: ID = 0
            while let p = try await r.participants(consultationID: f.c.id, after: after, limit: 1).first { participants.append(p); after = p.key }
            return (votes, tallies, participants)
        }
        // check
        #expect(votes.count == 4)
        #expect(votes.map(\.key) == votes.map(\.key).sorted())
        #expect(tallies.map(\.target) == [.article(f.article.id)] + [f.formula.id, f.hidden.id, f.erased.id, f.kept.id].sorted().map { .contribution($0) })
        #expect(participants.map(\.key) == [f.alice.id, f.bob.id])
        #expect(participants.map(\.pseudonym) == [f.alice.id, f.bob.id].map { id in votes.first { $0.key.participantID == id }!.participant })
    }

    @Test("a reader sees one snapshot: a vote cast while it reads is not in its pages", arguments: OpenDataBackend.all)
    func snapshot(backend: OpenDataBackend) async throws {
        // setup
        let f = try await OpenDataPackageTests.Small.make(backend)
        let dave = try await OpenDataFixture.participant(f.store, "dave@example.fr", "Dave")
        // act
        let (before, during) = try await f.store.withOpenDataReader { r in
            let before = try await r.votes(consultationID: f.c.id, after: .start, limit: 100).count
            _ = try await f.store.castVote(participantID: dave.id, target: .article(f.article.id), value: .agree, at: OpenDataFixture.t0 + 20)
            return (before, try await r.votes(consultationID: f.c.id, after: .start, limit: 100).count)
        }
        let after = try await f.store.withOpenDataReader { r in try await r.votes(consultationID: f.c.id, after: .start, limit: 100).count }
        // check
        #expect(before == 4 && during == 4 && after == 5)
    }
}

struct NoHasher: PasswordHasher {
    func hash(_ password: String) async -> String { password }
    func verify(_ password: String, against hash: String) async -> Bool { password == hash }
}

@Suite("Open-data package: synthesis tables (issue 12)")
struct OpenDataSynthesisTests {
    @Test("with a finished synthesis run the package carries its tables, described, and never the run's map of participants")
    func synthesisTables() async throws {
        // setup
        let f = try await OpenDataPackageTests.Small.make(.sqlite)
        let clock = FixedClock(OpenDataFixture.t0)
        let run = try #require(try await f.store.startSynthesisRun(consultationID: f.c.id, at: clock.now(), staleAfter: 60))
        let finished = await Synthesis.execute(run, store: f.store, clock: clock)
        // act
        let p = try await OpenDataFixture.export(f.store, f.c)
        // check
        #expect(finished.status == .succeeded)
        let names = (OpenDataFormat.tables + OpenDataFormat.synthesisTables).map(\.name)
        #expect(p.descriptor.resources.map(\.name) == names)
        for table in OpenDataFormat.synthesisTables { #expect(p.tables[table.name]?.header == table.columns, "\(table.name)") }
        #expect(p.zip.entry("synthesis_points.csv") == nil)
        #expect(!p.allText.contains("Alice") && !p.allText.contains("@example.fr"))
    }
}
