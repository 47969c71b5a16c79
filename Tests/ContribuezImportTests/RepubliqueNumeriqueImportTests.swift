import ContribuezAnalysis
import ContribuezCore
import ContribuezImport
import ContribuezStore
import ContribuezTestSupport
import Foundation
import Testing

@Suite("Import: République numérique 2015")
struct RepubliqueNumeriqueImportTests {
    static let dir = SharedData.url("republique-numerique-2015")

    @Test("the snapshot loads 30 articles, 666 proposals, 3,994 arguments and 326 sources")
    func counts() async throws {
        // setup
        let bundle = try RepubliqueNumeriqueImport.bundle(directory: Self.dir)
        let store = try SQLiteStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("rn-\(UUID().uuidString).sqlite").path)
        // act
        let c = try await store.importConsultation(bundle)
        let articles = try await store.articles(consultationID: c.id)
        func count(_ k: ContributionKind) async throws -> Int {
            try await store.contributions(ContributionQuery(consultationID: c.id, kind: k, includeHidden: true), page: PageRequest(page: 1, perPage: 1)).total
        }
        // check
        #expect(articles.count == 30)
        #expect(try await count(.proposal) == 666)
        #expect(try await count(.argument) == 3994)
        #expect(try await count(.source) == 326)
        #expect(articles.map(\.number) == (1...30).map(String.init))
        #expect(c.phase(at: Date()) == .closed)
    }

    @Test("imported tallies equal the published counters, for every opinion")
    func tallies() async throws {
        // setup
        let table = try CSVTable(contentsOf: Self.dir.appendingPathComponent("opinions.csv"))
        let bundle = try RepubliqueNumeriqueImport.bundle(directory: Self.dir)
        let store = try SQLiteStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("rn-\(UUID().uuidString).sqlite").path)
        let c = try await store.importConsultation(bundle)
        // act
        let articles = try await store.articles(consultationID: c.id)
        var proposals: [Contribution] = []
        for page in 1...7 {
            proposals += try await store.contributions(
                ContributionQuery(consultationID: c.id, kind: .proposal, includeHidden: true, order: .recent), page: PageRequest(page: page, perPage: 100)
            ).items.map(\.contribution)
        }
        // check
        let ok = try table.column("votes_ok"), nok = try table.column("votes_nok"), mixed = try table.column("votes_mitige")
        let title = try table.column("title"), kind = try table.column("kind")
        var expectedArticles: [String: Tally] = [:]
        var expectedProposals: [String] = []
        for row in table.rows {
            let t = Tally(agree: Int(row[ok])!, mixed: Int(row[mixed])!, disagree: Int(row[nok])!)
            if row[kind] == "government_article" { expectedArticles[row[title]] = t } else { expectedProposals.append("\(row[title])|\(t)") }
        }
        for a in articles {
            #expect(a.importedTally == expectedArticles["Article \(a.number) - \(a.title)"], "article \(a.number)")
        }
        #expect(proposals.count == 666)
        #expect(proposals.map { "\($0.title)|\($0.importedTally ?? .zero)" }.sorted() == expectedProposals.sorted())
        let first = try #require(articles.first)
        #expect(first.importedTally == Tally(agree: 2237, mixed: 161, disagree: 49))
        #expect(articles[8].importedTally == Tally(agree: 1320, mixed: 282, disagree: 1732))
        let sum = articles.reduce(0) { $0 + ($1.importedTally?.opinionTotal ?? 0) }
        #expect(sum > 0)
    }

    @Test("a folder without the files gets a clear error and nothing is written")
    func missing() throws {
        #expect(throws: RepubliqueNumeriqueImport.Failure.missingFile("opinions.csv")) {
            _ = try RepubliqueNumeriqueImport.bundle(directory: FileManager.default.temporaryDirectory.appendingPathComponent("nowhere-\(UUID().uuidString)"))
        }
    }

    @Test("article titles split into number and title")
    func titles() {
        #expect(RepubliqueNumeriqueImport.splitArticleTitle("Article 12 - Portabilité des données") == ("12", "Portabilité des données"))
        #expect(RepubliqueNumeriqueImport.splitArticleTitle("Sans numéro") == ("", "Sans numéro"))
    }
}

@Suite("Demo consultation")
struct DemoTests {
    @Test("the demo opens the day before it is loaded, with six articles and votes")
    func demo() async throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let bundle = DemoConsultation.bundle(now: now)
        let store = try SQLiteStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString).sqlite").path)
        let c = try await store.importConsultation(bundle)
        let articles = try await store.articles(consultationID: c.id)
        #expect(c.phase(at: now) == .open)
        #expect(articles.count == 6)
        let t = try await store.tallies([.article(articles[0].id)])[.article(articles[0].id)]
        #expect(t?.opinionTotal == 6)
    }
}
