import ContribuezCore
import ContribuezWeb
import Foundation
import Testing

@Suite("Event chain on the results")
struct ChainPageTests {
    @Test("the synthesis page and the consultation's JSON show the chain's length and head, which follow each vote")
    func shown() async throws {
        // setup: the demo import has contributions (chained at import); one more vote through the API
        let server = try await TestServer.make()
        try await server.run { browser in
            let article = try await server.firstArticle()
            let token = try await browser.apiAccount("registre@example.org")
            let before = try await server.store.chainHead(consultationID: server.demo.id)
            // act
            let vote = try await browser.api(.put, "/articles/\(article.id)/vote", token: token, json: ["value": "agree"])
            let page = try await browser.get("/consultations/\(server.demo.id)/synthese")
            let json = try await browser.api(.get, "/consultations/\(server.demo.id)")
            // check
            let after = try await server.store.chainHead(consultationID: server.demo.id)
            #expect(vote.status == .ok || vote.status == .created, "\(vote.body)")
            #expect(after.length == before.length + 1 && after.head != before.head)
            #expect(page.status == .ok)
            #expect(page.body.contains("Registre des votes : \(after.length) entrées, empreinte <code class=\"chain-head\">\(after.head)</code>"))
            #expect(page.body.contains("contribuez verify"))
            let chain = try #require(json.json["chain"] as? [String: Any])
            #expect((chain["length"] as? NSNumber)?.int64Value == after.length)
            #expect(chain["head"] as? String == after.head)
        }
    }
}
