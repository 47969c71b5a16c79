import ContribuezCore
import ContribuezImport
import ContribuezStore
import ContribuezSynthesis
import ContribuezWeb
import Foundation
import HTTPTypes
import Testing

@Suite("Synthesis of one article")
struct SynthesisArticlePageTests {
    struct Planted {
        let article: Article
        let amendments: [ID]
        let twins: [ID]
        let onAmendment: ID
    }

    /// Adds to the demo's first article two more amendments with votes (one broadly supported, one rejected),
    /// two near-identical arguments on the article and a near-identical one on an amendment.
    static func plant(_ server: TestServer) async throws -> Planted {
        let article = try await server.firstArticle()
        let c = server.demo.id, now = server.clock.now()
        func amendment(_ body: String) async throws -> ID {
            try await server.store.addContribution(.init(
                consultationID: c, kind: .amendment, articleID: article.id, parentID: nil, authorID: nil, authorName: "Test",
                title: "Nouvelle rédaction", body: body, rationale: "Parce que.", createdAt: now)).id
        }
        let liked = try await amendment("Les données publiques sont ouvertes par défaut, dans un format réutilisable.")
        let rejected = try await amendment("Les données publiques restent fermées sauf exception.")
        for i in 0..<12 {
            let p = try await server.store.createParticipant(
                .init(email: "votant\(i)@example.org", displayName: "Votant \(i)", kind: i % 3 == 0 ? .association : .citizen,
                      organization: i % 3 == 0 ? "Asso \(i)" : nil, createdAt: now), passwordHash: "x")
            _ = try await server.store.castVote(participantID: p.id, target: .contribution(liked), value: i < 11 ? .agree : .disagree, at: now)
            _ = try await server.store.castVote(participantID: p.id, target: .contribution(rejected), value: i < 2 ? .agree : .disagree, at: now)
        }
        let campaign = "Nous demandons solennellement que cet article garantisse l'ouverture complète des données publiques sans aucune redevance"
        func argument(_ body: String, parent: ID?) async throws -> ID {
            try await server.store.addContribution(.init(
                consultationID: c, kind: .argument, articleID: parent == nil ? article.id : nil, parentID: parent, authorID: nil,
                authorName: "Test", body: body, stance: .for, createdAt: now)).id
        }
        let a = try await argument(campaign + ".", parent: nil)
        let b = try await argument(campaign + " !", parent: nil)
        let d = try await argument(campaign + " ?", parent: liked)
        return Planted(article: article, amendments: [liked, rejected], twins: [a, b], onAmendment: d)
    }

    @Test("before any run the article synthesis says so in French, and its downloads are 404")
    func beforeRun() async throws {
        // setup
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await server.run { browser in
            // act
            let page = try await browser.get(SynthesisRoute.article(article.id).path)
            let json = try await browser.get(SynthesisRoute.articleJSON(article.id).path)
            let csv = try await browser.get(SynthesisRoute.articleCSV(article.id, .tallies).path)
            // check
            #expect(page.status == .ok)
            #expect(page.body.contains("La synthèse de cette consultation n&#39;a pas encore été calculée"))
            #expect(page.body.contains("href=\"/consultations/\(server.demo.id)/synthese\""))
            #expect(json.status == .notFound)
            #expect(csv.status == .notFound)
        }
    }

    @Test("an unknown or malformed article id is a 404, not a 500")
    func unknown() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { browser in
            // act
            let missing = try await browser.get("/articles/999999/synthese")
            let malformed = try await browser.get("/articles/abc/synthese")
            let badTable = try await browser.get("/articles/999999/synthese/nope.csv")
            // check
            #expect(missing.status == .notFound)
            #expect(malformed.status == .notFound)
            #expect(badTable.status == .notFound)
        }
    }

    @Test("after a run the page shows the article's tally, its amendments ranked by Wilson, kinds, groups and the folded duplicates")
    func afterRun() async throws {
        // setup
        let server = try await TestServer.make()
        let planted = try await Self.plant(server)
        try await SynthesisPageTests.runDirectly(server)
        let report = try #require(try await server.store.latestSynthesisResult(consultationID: server.demo.id))
        let decoded = try SynthesisReport.decoder.decode(SynthesisReport.self, from: report.json)
        try await server.run { browser in
            // act
            let page = try await browser.get(SynthesisRoute.article(planted.article.id).path)
            // check
            #expect(page.status == .ok)
            let body = page.body
            #expect(body.contains("Dernière synthèse calculée le"))
            #expect(body.contains("<svg class=\"bar-chart\""))
            #expect(body.contains("Votes par type de profil"))
            // Amendments in the order of the Wilson bound, the supported one before the rejected one.
            let expected = decoded.tallies.filter { $0.target.kind == .amendment && $0.target.articleID == planted.article.id }
            #expect(expected.count == 3)
            #expect(expected.map(\.wilson) == expected.map(\.wilson).sorted(by: >))
            let positions = expected.map { body.range(of: "href=\"/contributions/\($0.target.id)\"")?.lowerBound }
            #expect(positions.allSatisfy { $0 != nil })
            #expect(zip(positions, positions.dropFirst()).allSatisfy { $0! < $1! })
            let liked = try #require(body.range(of: "href=\"/contributions/\(planted.amendments[0])\""))
            let rejected = try #require(body.range(of: "href=\"/contributions/\(planted.amendments[1])\""))
            #expect(liked.lowerBound < rejected.lowerBound)
            // Groups: the run has them, so the article shows how each group voted.
            #expect(!decoded.groups.groups.isEmpty)
            #expect(body.contains("<caption>Votes par groupe d&#39;opinion"))
            // Duplicates: the three near-identical arguments are one cluster, shown once with its members folded.
            #expect(body.contains("3 contributions identiques ou presque"))
            #expect(body.contains("<details>"))
            for id in planted.twins + [planted.onAmendment] { #expect(body.contains("href=\"/contributions/\(id)\"")) }
            #expect(body.contains("href=\"/consultations/\(server.demo.id)/synthese\""))
            #expect(!body.contains("style="))
        }
    }

    @Test("the article's JSON and CSV tables download and agree with the page's data")
    func downloads() async throws {
        // setup
        let server = try await TestServer.make()
        let planted = try await Self.plant(server)
        try await SynthesisPageTests.runDirectly(server)
        try await server.run { browser in
            // act
            let json = try await browser.get(SynthesisRoute.articleJSON(planted.article.id).path)
            var csvs: [ArticleSynthesisTable: Reply] = [:]
            for table in ArticleSynthesisTable.allCases { csvs[table] = try await browser.get(SynthesisRoute.articleCSV(planted.article.id, table).path) }
            // check
            #expect(json.status == .ok)
            #expect(json.headers[.contentType] == "application/json; charset=utf-8")
            let synthesis = try SynthesisReport.decoder.decode(ArticleSynthesis.self, from: Data(json.body.utf8))
            #expect(synthesis.articleID == planted.article.id)
            #expect(synthesis.complete)
            #expect(synthesis.article?.tally.target.id == planted.article.id)
            #expect(synthesis.amendments.map(\.rank) == Array(1...synthesis.amendments.count))
            for (table, reply) in csvs {
                #expect(reply.status == .ok, "\(table)")
                #expect(reply.headers[.contentDisposition] == "attachment; filename=\"synthese-article-\(planted.article.id)-\(table.rawValue).csv\"")
                let rows = try CSVRows.parse(reply.body)
                #expect(rows.allSatisfy { $0.count == rows[0].count }, "\(table)")
            }
            #expect(try CSVRows.parse(csvs[.tallies]!.body).count == 1 + 1 + synthesis.amendments.count)
            let groupRows = try CSVRows.parse(csvs[.groups]!.body).count - 1
            #expect(groupRows == (1 + synthesis.amendments.count) * synthesis.groupSizes.count)
            #expect(try CSVRows.parse(csvs[.clusters]!.body).count - 1 == synthesis.clusters.map(\.members.count).reduce(0, +))
        }
    }

    @Test("a report stored before per-article data still decodes; the page then says to run the synthesis again")
    func olderReport() async throws {
        // setup
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await SynthesisPageTests.runDirectly(server)
        let stored = try #require(try await server.store.latestSynthesisResult(consultationID: server.demo.id))
        var old = try #require(try JSONSerialization.jsonObject(with: stored.json) as? [String: Any])
        func strip(_ x: Any) -> Any {
            if var d = x as? [String: Any] {
                d["articleID"] = nil; d["parentID"] = nil; d["byGroup"] = nil
                return d.mapValues(strip)
            }
            if let a = x as? [Any] { return a.map(strip) }
            return x
        }
        old = strip(old) as! [String: Any]
        let oldJSON = try JSONSerialization.data(withJSONObject: old)
        let run = try #require(try await server.store.startSynthesisRun(consultationID: server.demo.id, at: server.clock.now(), staleAfter: 60))
        try await server.store.finishSynthesisRun(id: run.id, result: oldJSON, failure: nil, at: server.clock.now())
        try await server.run { browser in
            // act
            let page = try await browser.get(SynthesisRoute.article(article.id).path)
            // check
            #expect(!String(decoding: oldJSON, as: UTF8.self).contains("articleID"))
            #expect(page.status == .ok)
            #expect(page.body.contains("relancez le calcul"))
            #expect(page.body.contains("<svg class=\"bar-chart\""))
        }
    }
}
