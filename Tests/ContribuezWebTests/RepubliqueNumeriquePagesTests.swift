import ContribuezAnalysis
import ContribuezCore
import ContribuezImport
import ContribuezStore
import ContribuezWeb
import ContribuezTestSupport
import Foundation
import Testing


@Suite("République numérique pages")
struct RepubliqueNumeriquePagesTests {
    @Test("the import renders its 30 articles with their real arguments, imported tallies shown as such, and a closed notice")
    func articles() async throws {
        // setup
        let server = try await TestServer.make()
        let dir = SharedData.root.appendingPathComponent("republique-numerique-2015")
        let c = try await server.store.importConsultation(try RepubliqueNumeriqueImport.bundle(directory: dir))
        let arguments = try CSVTable(contentsOf: dir.appendingPathComponent("arguments.csv"))
        let opinion = try arguments.column("opinion_id"), body = try arguments.column("body"), trashed = try arguments.column("is_trashed")
        let articles = try await server.store.articles(consultationID: c.id)
        try await server.run { b in
            // act
            let overview = try await b.get("/consultations/\(c.id)")
            // check
            #expect(overview.status == .ok)
            #expect(overview.body.contains("Votes importés"))
            #expect(overview.body.contains("2237"))
            #expect(overview.body.contains("Cette consultation est terminée"))
            #expect(articles.count == 30)
            for (i, article) in articles.enumerated() {
                let page = try await b.get("/articles/\(article.id)")
                #expect(page.status == .ok, "article \(article.number)")
                #expect(page.body.contains("Article \(article.number) — "), "article \(article.number)")
                // The opinion ids of the 30 articles run from 61 to 90 in the order of the bill.
                let own = arguments.rows.filter { $0[opinion] == "\(61 + i)" && $0[trashed] == "False" }
                if let first = own.first {
                    let excerpt = String(first[body].prefix(60))
                        .replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
                        .replacingOccurrences(of: "'", with: "&#39;")
                    let all = try await allArgumentPages(b, article.id)
                    #expect(all.contains(excerpt), "article \(article.number): first argument not rendered")
                }
            }
        }
    }

    /// Every page of both argument columns.
    func allArgumentPages(_ b: Browser, _ id: ID) async throws -> String {
        var html = ""
        var page = 1
        while page < 20 {
            let r = try await b.get("/articles/\(id)?pour=\(page)&contre=\(page)")
            html += r.body
            if !r.body.contains("rel=\"next\"") { break }
            page += 1
        }
        return html
    }
}
