import ContribuezAnalysis
import ContribuezCore
import ContribuezImport
import ContribuezOpenData
import ContribuezStore
import ContribuezTestSupport
import Foundation
import Testing

@Suite("Polis openData export (issue 12)")
struct PolisExportTests {
    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polis-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func export(_ store: any Store, _ c: Consultation, pageSize: Int = 5_000) async throws -> (URL, PolisExport.Summary) {
        let dir = try folder()
        let summary = try await store.withOpenDataReader { reader in
            try await PolisExport.write(consultation: c, reader: reader, to: dir, pageSize: pageSize)
        }
        return (dir, summary)
    }

    static func table(_ dir: URL, _ file: String) throws -> CSVTable { try CSVTable(contentsOf: dir.appendingPathComponent(file)) }

    /// Every statement (proposal) of an imported consultation, in import order.
    static func statements(_ store: any Store, _ consultationID: ID) async throws -> [ContributionRow] {
        var all: [ContributionRow] = []
        var page = 1
        while true {
            let p = try await store.contributions(
                ContributionQuery(consultationID: consultationID, kind: .proposal, includeHidden: true, order: .recent),
                page: PageRequest(page: page, perPage: 100))
            all += p.items
            if !p.hasNext { break }
            page += 1
        }
        return all.sorted { $0.contribution.id < $1.contribution.id }
    }

    /// Two articles, proposals (one hidden by moderation, one held), an amendment, an argument with
    /// useful votes, and twelve voters who vote, change their minds and withdraw.
    struct Voted {
        let store: any Store
        let c: Consultation
        /// In statement order: the two articles, then the public or hidden proposals and amendments by id.
        let statements: [Target]
        let hidden: Target

        static func make(_ backend: OpenDataBackend) async throws -> Voted {
            let store = try await backend.make()
            let t0 = OpenDataFixture.t0
            let c = try await store.createConsultation(NewConsultation(
                slug: "polis-\(UUID().uuidString.prefix(8).lowercased())", title: "Le vélo en ville", summary: "Quelle place pour le vélo ?",
                institution: "Ville", isPublished: true, opensAt: t0 - 86_400, closesAt: t0 + 86_400))
            let s = try await store.createSection(consultationID: c.id, position: 1, title: "Titre I", subtitle: "")
            let a1 = try await store.createArticle(NewArticle(consultationID: c.id, sectionID: s.id, position: 1, number: "1", title: "Pistes", body: "Des pistes partout.", explanation: ""))
            let a2 = try await store.createArticle(NewArticle(consultationID: c.id, sectionID: s.id, position: 2, number: "2", title: "", body: "Des arceaux, \"sécurisés\".", explanation: ""))
            var people: [Participant] = []
            for i in 0..<12 { people.append(try await OpenDataFixture.participant(store, "p\(i)@example.fr", "Personne \(i)")) }
            func add(_ who: Participant, _ kind: ContributionKind, title: String, body: String, article: ID? = nil, parent: ID? = nil, held: Bool = false) async throws -> Contribution {
                try await store.addContribution(NewContribution(
                    consultationID: c.id, kind: kind, articleID: article, parentID: parent, authorID: who.id, authorName: who.publicName,
                    title: title, body: body, stance: kind == .argument ? .for : nil, createdAt: t0), held: held)
            }
            let p1 = try await add(people[0], .proposal, title: "Zones 30", body: "Partout en ville, sauf les axes.")
            let p2 = try await add(people[1], .proposal, title: "", body: "-1 voiture = +1 vélo")
            let hidden = try await add(people[2], .proposal, title: "Hors sujet", body: "…")
            let held = try await add(people[3], .proposal, title: "En attente", body: "…", held: true)
            let am = try await add(people[4], .amendment, title: "", body: "Des pistes séparées,\nlarges de deux mètres.", article: a1.id)
            let arg = try await add(people[5], .argument, title: "", body: "Plus sûr.", article: a1.id)
            _ = try await store.moderate(
                contributionID: hidden.id, action: .hide, reason: .offTopic, at: t0 + 1, audit: OpenDataFixture.audit(c.id, .hide, hidden.id, reason: "off_topic"))
            let targets: [Target] = [.article(a1.id), .article(a2.id), .contribution(p1.id), .contribution(p2.id), .contribution(hidden.id), .contribution(am.id)]
            let values: [VoteValue] = [.agree, .mixed, .disagree]
            var at = t0 + 10
            for (i, person) in people.enumerated() {
                for (j, target) in targets.enumerated() where (i + j) % 4 != 0 {
                    at += 1
                    _ = try await store.castVote(participantID: person.id, target: target, value: values[(i * 7 + j * 3) % 3], at: at)
                }
                // Some change their minds, one withdraws, some find the argument useful.
                if i % 3 == 0 { at += 1; _ = try await store.castVote(participantID: person.id, target: .contribution(p1.id), value: .agree, at: at) }
                if i == 5 { at += 1; _ = try await store.withdrawVote(participantID: person.id, target: .article(a2.id), at: at) }
                if i % 2 == 0 { at += 1; _ = try await store.castVote(participantID: person.id, target: .contribution(arg.id), value: .useful, at: at) }
            }
            _ = held
            return Voted(store: store, c: c, statements: targets, hidden: .contribution(hidden.id))
        }
    }

    @Test("a consultation's votes exported to Polis and imported back keep every statement's tally", arguments: OpenDataBackend.all)
    func roundTripTallies(backend: OpenDataBackend) async throws {
        // setup
        let f = try await Voted.make(backend)
        let original = try await f.store.tallies(f.statements)
        let target = try SQLiteStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("polis-back-\(UUID().uuidString).sqlite").path)
        // act
        let (dir, summary) = try await Self.export(f.store, f.c, pageSize: 3)
        let read = try PolisImport.read(directory: dir)
        let back = try await target.importConsultation(read.bundle)
        let imported = try await Self.statements(target, back.id)
        let importedTallies = try await target.tallies(imported.map { .contribution($0.contribution.id) })
        // check
        #expect(summary.statements == 6)
        #expect(summary.hiddenStatements == 1)
        #expect(summary.usefulLeftOut == 6)
        #expect(imported.count == f.statements.count)
        for (i, (t, row)) in zip(f.statements, imported).enumerated() {
            var expected = original[t] ?? .zero
            expected.useful = 0
            #expect((importedTallies[.contribution(row.contribution.id)] ?? .zero) == expected, "statement \(i) (\(t))")
            #expect(row.contribution.isHidden == (t == f.hidden), "statement \(i)")
        }
        #expect(read.summary.voteEvents == summary.votes)
        #expect(back.title == "Le vélo en ville")
        #expect(back.summary == "Quelle place pour le vélo ?")
        #expect(imported.contains { $0.contribution.body == "-1 voiture = +1 vélo" }, "the neutralising apostrophe is removed on import (issue 13)")
    }

    @Test("files have Polis's columns, agree is 1, disagree -1, mixed 0, and the README says so", arguments: OpenDataBackend.all)
    func layoutAndSign(backend: OpenDataBackend) async throws {
        // setup
        let f = try await Voted.make(backend)
        // act
        let (dir, summary) = try await Self.export(f.store, f.c)
        let comments = try Self.table(dir, "comments.csv"), votes = try Self.table(dir, "votes.csv")
        let matrix = try Self.table(dir, "participants-votes.csv")
        let readme = try String(contentsOf: dir.appendingPathComponent("README.md"), encoding: .utf8)
        let live = try await f.store.withOpenDataReader { try await $0.votes(consultationID: f.c.id, after: .start, limit: 10_000) }
        // check
        #expect(comments.header == ["timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees", "moderated", "comment-body"])
        #expect(votes.header == ["timestamp", "datetime", "comment-id", "voter-id", "vote"])
        #expect(Array(matrix.header.prefix(7)) == ["participant", "xid", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"])
        #expect(Array(matrix.header.dropFirst(7)) == (0..<6).map(String.init))
        #expect(comments.rows.map { $0[6] } == ["1", "1", "1", "1", "-1", "1"])
        #expect(comments.rows[0][7] == "Article 1 : Pistes\n\nDes pistes partout.")
        #expect(comments.rows[1][7] == "Article 2\n\nDes arceaux, \"sécurisés\".")
        #expect(comments.rows[3][7] == "'-1 voiture = +1 vélo", "a text that a spreadsheet would run gets an apostrophe (issue 13)")
        #expect(comments.rows[0][3] == "" && comments.rows[2][3] != "")
        // Every live opinion vote on a statement is one row, with its sign.
        let opinion = live.filter { $0.value != .useful && f.statements.contains($0.target) }
        #expect(votes.rows.count == opinion.count)
        #expect(summary.votes == opinion.count)
        let sign: [VoteValue: String] = [.agree: "1", .disagree: "-1", .mixed: "0"]
        let pseudonyms = Dictionary(uniqueKeysWithValues: matrix.rows.map { ($0[0], $0[1]) })
        let exported = Set(votes.rows.map { "\(pseudonyms[$0[3]]!)|\($0[2])|\($0[4])" })
        let expected = Set(opinion.map { "\($0.participant)|\(f.statements.firstIndex(of: $0.target)!)|\(sign[$0.value]!)" })
        #expect(exported == expected)
        // agrees / disagrees and the matrix agree with votes.csv.
        for (i, row) in comments.rows.enumerated() {
            #expect(Int(row[4]) == votes.rows.filter { $0[2] == String(i) && $0[4] == "1" }.count)
            #expect(Int(row[5]) == votes.rows.filter { $0[2] == String(i) && $0[4] == "-1" }.count)
        }
        for row in matrix.rows {
            let mine = votes.rows.filter { $0[3] == row[0] }
            #expect(Int(row[4]) == mine.count)
            for v in mine { #expect(row[7 + Int(v[2])!] == v[4]) }
        }
        #expect(!matrix.rows.contains { $0.joined().contains("example.fr") || $0.joined().contains("Personne") })
        #expect(readme.contains("agree = 1, disagree = -1, pass = 0"))
        #expect(readme.contains("d'accord = 1, pas d'accord = -1, passe = 0"))
    }

    /// Final votes of a Polis conversation, as (participant id, comment id) → vote, from its matrix.
    static func matrixVotes(_ dir: URL) throws -> [String: String] {
        let t = try table(dir, "participants-votes.csv")
        let first = try t.column("n-disagree") + 1, participant = try t.column("participant")
        var out: [String: String] = [:]
        for row in t.rows {
            for c in first..<min(row.count, t.header.count) where !row[c].isEmpty {
                out["\(row[participant])|\(t.header[c])"] = row[c]
            }
        }
        return out
    }

    @Test("a Polis conversation imported then exported gives back the same vote of each participant on each statement",
          arguments: ["15-per-hour-seattle", "london.youth.policing"], OpenDataBackend.all)
    func polisRoundTrip(conversation: String, backend: OpenDataBackend) async throws {
        // setup
        let source = SharedData.url("polis-opendata/" + conversation)
        let originalComments = try Self.table(source, "comments.csv")
        let originalVotes = try Self.matrixVotes(source)
        let store = try await backend.make()
        let read = try PolisImport.read(directory: source)
        let c = try await store.importConsultation(read.bundle)
        // act
        let (dir, summary) = try await Self.export(store, c, pageSize: 50)
        let exportedVotes = try Self.matrixVotes(dir)
        let exportedComments = try Self.table(dir, "comments.csv")
        // check
        // Statements come back in the order of comments.csv; participants numbered in the order of Polis's ids.
        let commentID = try originalComments.column("comment-id")
        let commentIndex = Dictionary(uniqueKeysWithValues: originalComments.rows.enumerated().map { ($0.element[commentID], String($0.offset)) })
        let polisIDs = read.bundle.participants.map { String($0.key.dropFirst(2)) }
        let participantIndex = Dictionary(uniqueKeysWithValues: polisIDs.enumerated().map { ($0.element, String($0.offset)) })
        let mapped = Dictionary(uniqueKeysWithValues: originalVotes.map { key, vote in
            let parts = key.split(separator: "|").map(String.init)
            return ("\(participantIndex[parts[0]]!)|\(commentIndex[parts[1]]!)", vote)
        })
        #expect(exportedVotes.count == originalVotes.count)
        #expect(exportedVotes == mapped)
        #expect(summary.votes == originalVotes.count)
        #expect(summary.participants == polisIDs.count)
        let body = try originalComments.column("comment-body"), moderated = try originalComments.column("moderated")
        #expect(exportedComments.rows.map { $0[7] } == originalComments.rows.map { $0[body] })
        #expect(exportedComments.rows.map { $0[6] == "-1" } == originalComments.rows.map { $0[moderated] == "-1" })
        let author = try originalComments.column("author-id")
        #expect(exportedComments.rows.map { $0[3] } == originalComments.rows.map { participantIndex[$0[author]]! })
    }
}
