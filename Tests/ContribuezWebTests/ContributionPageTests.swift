import ContribuezCore
import ContribuezStore
import ContribuezWeb
import Foundation
import HTTPTypes
import Testing

@Suite("Contribution pages")
struct ContributionPageTests {
    @Test("on a proposal page one votes, argues and adds a source; arguments take useful votes through their button")
    func proposalPage() async throws {
        // setup
        let server = try await TestServer.make()
        let proposal = try #require(try await server.store.contributions(
            ContributionQuery(consultationID: server.demo.id, kind: .proposal), page: PageRequest()).items.first?.contribution)
        let path = "/contributions/\(proposal.id)"
        try await server.run { b in
            try await b.signUp(email: "prop@example.fr", name: "Proposante")
            let page = try await b.get(path)
            // act
            let vote = try await b.post("\(path)/vote", [("value", "agree"), ("back", path)])
            let arg = try await b.post("\(path)/arguments", [("stance", "against"), ("text", "Le code seul ne suffit pas.")])
            let src = try await b.post("\(path)/sources", [("url", "https://www.etalab.gouv.fr/algorithmes"), ("title", "Guide Etalab"), ("summary", "")])
            let after = try await b.get(path)
            let argument = try #require(try await server.store.contributions(ContributionQuery(parentID: proposal.id, kind: .argument, stance: .against), page: PageRequest()).items.first?.contribution)
            let useful = try await b.post("/contributions/\(argument.id)/vote", [("value", "useful"), ("back", path)])
            let usefulTally = try await server.store.tallies([.contribution(argument.id)])[.contribution(argument.id)]
            let again = try await b.get(path)
            let unuseful = try await b.post("/contributions/\(argument.id)/vote", [("value", "withdraw"), ("back", path)])
            let wrongScale = try await b.post("/contributions/\(argument.id)/vote", [("value", "agree")])
            // check
            #expect(page.status == .ok)
            #expect(page.body.contains("Publier le code source des algorithmes publics"))
            #expect(vote.location == "\(path)?ok=vote_saved")
            #expect(arg.location == "\(path)?ok=contribution_saved")
            #expect(src.status == .seeOther)
            #expect(after.body.contains("Le code seul ne suffit pas."))
            #expect(after.body.contains("Guide Etalab"))
            #expect(after.body.contains("Votre vote actuel : D’accord"))
            #expect(useful.status == .seeOther)
            #expect(usefulTally == Tally(useful: 1))
            #expect(again.body.contains("aria-pressed=\"true\""))
            #expect(unuseful.status == .seeOther)
            #expect(try await server.store.tallies([.contribution(argument.id)])[.contribution(argument.id)] == Tally())
            #expect(wrongScale.status == .unprocessableContent)
        }
    }

    @Test("an argument's own page shows its text, its useful count and what it is about")
    func argumentPage() async throws {
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        let argument = try #require(try await server.store.contributions(ContributionQuery(articleID: article.id, kind: .argument), page: PageRequest()).items.first)
        try await server.run { b in
            let page = try await b.get("/contributions/\(argument.contribution.id)")
            #expect(page.status == .ok)
            #expect(page.body.contains(argument.contribution.body.prefix(40)))
            #expect(page.body.contains("\(argument.tally.useful) utile"))
            #expect(page.body.contains("/articles/\(article.id)"))
        }
    }

    @Test("withdrawing a vote on a contribution through the API answers 204 and updates the tally")
    func apiWithdrawOnContribution() async throws {
        let server = try await TestServer.make()
        let amendment = try #require(try await server.store.contributions(
            ContributionQuery(consultationID: server.demo.id, kind: .amendment), page: PageRequest()).items.first)
        try await server.run { b in
            let token = try await b.apiAccount("withdraw@example.fr")
            let put = try await b.api(.put, "/contributions/\(amendment.contribution.id)/vote", token: token, json: ["value": "disagree"])
            let del = try await b.api(.delete, "/contributions/\(amendment.contribution.id)/vote", token: token)
            let delAgain = try await b.api(.delete, "/contributions/\(amendment.contribution.id)/vote", token: token)
            #expect(put.status == .ok)
            #expect((put.json["tally"] as? [String: Int])?["disagree"] == amendment.tally.disagree + 1)
            #expect(del.status == .noContent)
            #expect(delAgain.status == .noContent)
            #expect(try await server.store.tallies([.contribution(amendment.contribution.id)])[.contribution(amendment.contribution.id)] == amendment.tally)
        }
    }
}
