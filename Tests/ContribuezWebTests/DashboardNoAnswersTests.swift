import ContribuezCore
import ContribuezStore
import ContribuezSynthesis
import ContribuezWeb
import Foundation
import Testing

@Suite("Representativeness dashboard before anyone answered")
struct DashboardNoAnswersTests {
    static func dashboard(_ server: TestServer) -> String { SiteRoute.representativeness(server.demo.id).path }

    @Test("with no answers the dashboard says nothing can be measured yet, shows no deviation nor alert, and keeps the population side")
    func noAnswers() async throws {
        // setup: the demo consultation has voters but no questionnaire answers
        let server = try await TestServer.make()
        let figures = try #require(try await Reweighting.run(store: server.store, consultationID: server.demo.id)).figures
        try await server.run { browser in
            // act
            let page = try await browser.get(Self.dashboard(server))
            // check
            #expect(figures.summary.participants ?? 0 > 0)
            #expect(!figures.isMeasurable)
            #expect(figures.summary.maxAbsoluteDeviation == 0)
            #expect(figures.summary.alerts.isEmpty)
            #expect(page.status == .ok)
            #expect(page.body.contains("Personne n’a encore répondu au questionnaire facultatif"))
            #expect(page.body.contains("Pas d’alerte possible tant que personne n’a répondu"))
            #expect(!page.body.contains("Écart absolu maximal"))
            #expect(!page.body.contains("Aucun groupe n’est en dessous de la moitié"))
            #expect(!page.body.contains("class=\"bar-participants\""))
            // The population side stays: bars, shares and sources.
            #expect(page.body.contains("class=\"bar-population\""))
            #expect(page.body.contains("INSEE"))
            #expect(page.body.contains("pas d’écart mesurable"))
        }
    }

    @Test("once one question has answers, indicators come back for it only; unanswered questions stay unmeasured")
    func oneQuestionAnswered() async throws {
        // setup
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        for i in 0..<4 {
            let p = try await server.store.createParticipant(
                NewParticipant(email: "r\(i)@example.org", displayName: "R \(i)", kind: .citizen, organization: nil, createdAt: TestServer.t0),
                passwordHash: "x")
            _ = try await server.store.saveProfile(participantID: p.id, answers: [.sex: "F"], at: TestServer.t0)
            _ = try await server.store.castVote(participantID: p.id, target: .article(article.id), value: .agree, at: TestServer.t0)
        }
        // act
        let figures = try #require(try await Reweighting.run(store: server.store, consultationID: server.demo.id)).figures
        try await server.run { browser in
            let page = try await browser.get(Self.dashboard(server))
            // check
            let sex = try #require(figures.summary.dimensions.first { $0.dimension == "sex" })
            #expect(figures.isMeasurable)
            #expect(sex.answered == 4)
            #expect(figures.summary.maxAbsoluteDeviation == sex.maxAbsoluteDeviation)
            #expect(figures.summary.dimensions.filter { $0.answered == 0 }.allSatisfy { d in !figures.summary.alerts.contains { $0.dimension == d.dimension } })
            #expect(page.status == .ok)
            #expect(!page.body.contains("Personne n’a encore répondu au questionnaire facultatif"))
            #expect(page.body.contains("Écart absolu maximal"))
            #expect(page.body.contains("class=\"bar-participants\""))
            #expect(page.body.contains("pas d’écart mesurable"))
        }
    }
}
