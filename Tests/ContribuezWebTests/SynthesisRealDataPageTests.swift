import ContribuezCore
import ContribuezImport
import ContribuezStore
import ContribuezSynthesis
import ContribuezWeb
import ContribuezTestSupport
import Foundation
import HTTPTypes
import Testing


@Suite("Synthesis pages on real data")
struct SynthesisRealDataPageTests {
    /// Imports a bundle into the test server's store and runs the synthesis as the scheduler or an organiser would.
    static func importAndRun(_ server: TestServer, _ bundle: ImportBundle) async throws -> (Consultation, SynthesisReport) {
        let c = try await server.store.importConsultation(bundle)
        let run = try #require(try await Synthesis.start(store: server.store, consultationID: c.id, clock: server.clock))
        let done = await Synthesis.execute(run, store: server.store, clock: server.clock)
        #expect(done.status == .succeeded, "\(done.failure ?? "")")
        let stored = try #require(try await server.store.latestSynthesisResult(consultationID: c.id))
        return (c, try SynthesisReport.decoder.decode(SynthesisReport.self, from: stored.json))
    }

    @Test("République numérique: the synthesis pages show the ranking and the folded clusters of near-identical arguments")
    func republiqueNumerique() async throws {
        // setup
        let server = try await TestServer.make()
        let bundle = try RepubliqueNumeriqueImport.bundle(directory: SharedData.url("republique-numerique-2015"))
        let (c, report) = try await Self.importAndRun(server, bundle)
        let argumentClusters = report.clusters.filter { $0.members.contains { $0.kind == .argument } }
        // The article whose arguments hold the most near-identical copies.
        var copies: [ID: Int] = [:]
        for cluster in argumentClusters {
            for m in cluster.members where m.kind == .argument { if let a = m.articleID { copies[a, default: 0] += 1 } }
        }
        let article = try #require(copies.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key)
        try await server.run { browser in
            // act
            let page = try await browser.get(SynthesisRoute.page(c.id).path)
            let articlePage = try await browser.get(SynthesisRoute.article(article).path)
            // check
            #expect(!argumentClusters.isEmpty)
            #expect(page.status == .ok)
            #expect(page.body.contains("Classement des articles et des contributions"))
            #expect(page.body.contains("contributions identiques ou presque"))
            #expect(page.body.contains("<details>"))
            #expect(articlePage.status == .ok)
            #expect(articlePage.body.contains("<svg class=\"bar-chart"))
            #expect(articlePage.body.contains("contributions identiques ou presque"))
            #expect(articlePage.body.contains("<details>"))
            let here = report.article(article)
            #expect(here.article?.tally.imported != nil)
            #expect(!here.clusters.isEmpty)
            for m in here.clusters.flatMap(\.members) { #expect(articlePage.body.contains("href=\"/contributions/\(m.contributionID)\"")) }
            // Issue 14: the first screen stays short (it was one 787 KB page of 692 items), and shows themes.
            let themes = report.themes ?? []
            #expect(page.body.utf8.count < 200_000, "first screen: \(page.body.utf8.count) bytes")
            #expect(themes.count >= 5)
            #expect(themes.allSatisfy { !$0.label.isEmpty && $0.representative.count == min(3, $0.size) })
            #expect(themes.map(\.size).reduce(0, +) == report.themes?.flatMap(\.members).count)
            for t in themes.prefix(8) {  // SynthesisView.firstScreen.themes
                #expect(page.body.contains("href=\"/consultations/\(c.id)/synthese/themes/\(t.index + 1)\""))
            }
            print("RN first screen: \(page.body.utf8.count) bytes; themes: " + themes.map { "\($0.label) (\($0.size))" }.joined(separator: " | "))
            print("RN: \(report.tallies.count) ranked targets, \(report.clusters.count) clusters (\(argumentClusters.count) with arguments, largest \(report.clusters.map(\.size).max() ?? 0)); article \(article): \(here.clusters.count) clusters, \(here.clusters.map(\.members.count).reduce(0, +)) arguments")
        }
    }

    @Test("Polis 15-per-hour-seattle: the synthesis page shows the SVG opinion map with at least two groups, consensus and division")
    func polis() async throws {
        // setup
        let server = try await TestServer.make()
        let bundle = try PolisImport.bundle(directory: SharedData.url("polis-opendata/15-per-hour-seattle"))
        let (c, report) = try await Self.importAndRun(server, bundle)
        try await server.run { browser in
            // act
            let page = try await browser.get(SynthesisRoute.page(c.id).path)
            let json = try await browser.get(SynthesisRoute.json(c.id).path)
            // check
            #expect(report.groups.groups.count >= 2)
            #expect(page.status == .ok)
            #expect(page.body.contains("<svg class=\"opinion-map\""))
            #expect(page.body.contains("<desc id=\"carte-desc\">"))
            for g in 0..<min(report.groups.groups.count, 5) { #expect(page.body.contains("<circle class=\"g\(g)\"")) }
            #expect(page.body.components(separatedBy: "<circle ").count - 1 == report.groups.points.count)
            #expect(!report.groups.consensus.isEmpty)
            #expect(page.body.contains("Ce qui rassemble les groupes"))
            #expect(json.status == .ok)
            print("Polis 15-per-hour-seattle: \(report.groups.voters) voters, \(report.groups.clustered) clustered, groups \(report.groups.groups.map(\.size)), \(report.groups.consensus.count) consensus, \(report.groups.divisive.count) divisive, \(report.tallies.count) statements")
        }
    }
}
