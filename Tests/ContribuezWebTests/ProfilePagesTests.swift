import ContribuezCore
import ContribuezStore
import ContribuezSynthesis
import ContribuezWeb
import Foundation
import HTTPTypes
import Testing

/// Answers to every question, as the form posts them.
private let fullAnswers: [(String, String)] = [
    ("profile_sex", "F"), ("profile_age", "35-44"), ("profile_departement", "2A"), ("profile_commune_size", "2000-9999"),
    ("profile_diploma", "bac+5"), ("profile_pcs", "cadres"), ("profile_votes_every_election", "parfois"),
]

@Suite("Profile questionnaire and account deletion pages")
struct ProfilePagesTests {
    @Test("a participant answers, changes and erases the questionnaire")
    func roundTrip() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { browser in
            try await browser.signUp(email: "p1@example.org")
            let me = try #require(try await server.store.credentials(email: "p1@example.org")).participant
            // act: consent screen first, then the form
            let consent = try await browser.get("/profil")
            let form = try await browser.get("/profil?etape=questionnaire")
            let saved = try await browser.post("/profil", fullAnswers + [("consent", "yes")])
            let first = try await server.store.profile(participantID: me.id)
            _ = try await browser.get("/profil")
            let changed = try await browser.post("/profil", [("profile_sex", "nr"), ("profile_age", "65-74"), ("consent", "yes")])
            let second = try await server.store.profile(participantID: me.id)
            _ = try await browser.get("/profil")
            let erased = try await browser.post("/profil/effacer", [])
            let third = try await server.store.profile(participantID: me.id)
            // check
            #expect(consent.status == .ok && consent.body.contains("/profil?etape=questionnaire"))
            #expect(form.status == .ok && form.body.contains("name=\"profile_departement\"") && form.body.contains("Je préfère ne pas répondre"))
            #expect(saved.status == .seeOther)
            #expect(first?.answers[.departement] == "2A" && first?.region == "94" && first?.answers[.diploma] == "bac+5")
            #expect(changed.status == .seeOther)
            #expect(second?.answers[.sex] == ProfileAnswers.preferNot && second?.answers[.age] == "65-74" && second?.answers[.diploma] == nil)
            #expect(second?.consentedAt == first?.consentedAt)
            #expect(erased.status == .seeOther)
            #expect(third == nil)
        }
    }

    @Test("answers never appear on the public participant page")
    func notOnPublicPage() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { browser in
            try await browser.signUp(email: "p2@example.org")
            let me = try #require(try await server.store.credentials(email: "p2@example.org")).participant
            _ = try await browser.get("/profil?etape=questionnaire")
            _ = try await browser.post("/profil", fullAnswers + [("consent", "yes")])
            // act
            let own = try await browser.get("/participants/\(me.id)")
            browser.cookies = [:]
            let publicPage = try await browser.get("/participants/\(me.id)")
            // check
            for page in [own, publicPage] {
                #expect(page.status == .ok)
                for label in ["Corse-du-Sud", "Bac +5", "Cadre, profession", "35 à 44 ans", "À certaines seulement"] {
                    #expect(!page.body.contains(label), "\(label)")
                }
            }
        }
    }

    @Test("an invalid answer code gets a French message and nothing is stored")
    func invalidCode() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { browser in
            try await browser.signUp(email: "p3@example.org")
            let me = try #require(try await server.store.credentials(email: "p3@example.org")).participant
            _ = try await browser.get("/profil?etape=questionnaire")
            // act
            let bad = try await browser.post("/profil", [("profile_sex", "F"), ("profile_age", "12-17"), ("consent", "yes")])
            let noConsent = try await browser.post("/profil", [("profile_sex", "F")])
            // check
            #expect(bad.status == .unprocessableContent)
            #expect(bad.body.contains("Tranche d’âge : valeur invalide."))
            #expect(!bad.body.contains("12-17"))
            #expect(noConsent.status == .unprocessableContent)
            #expect(noConsent.body.contains("Consentement"))
            #expect(try await server.store.profile(participantID: me.id) == nil)
        }
    }

    @Test("saving and erasing need the CSRF token")
    func csrf() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { browser in
            try await browser.signUp(email: "p4@example.org")
            let me = try #require(try await server.store.credentials(email: "p4@example.org")).participant
            _ = try await browser.get("/profil?etape=questionnaire")
            // act
            let forged = try await browser.post("/profil", fullAnswers + [("consent", "yes")], csrf: "forged-token")
            _ = try await browser.post("/profil", fullAnswers + [("consent", "yes")])
            let forgedErase = try await browser.post("/profil/effacer", [], csrf: "forged-token")
            // check
            #expect(forged.status == .forbidden)
            #expect(forgedErase.status == .forbidden)
            #expect(try await server.store.profile(participantID: me.id) != nil)
        }
    }

    @Test("the questionnaire needs an account")
    func needsAccount() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { browser in
            // act
            let page = try await browser.get("/profil")
            // check
            #expect(page.status == .forbidden)
        }
    }

    @Test("deleting an account withdraws its votes, erases its profile, anonymises its contributions and frees the e-mail")
    func deleteAccount() async throws {
        // setup
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await server.run { browser in
            try await browser.signUp(email: "gone@example.org", name: "Dominique Partant")
            let me = try #require(try await server.store.credentials(email: "gone@example.org")).participant
            _ = try await browser.get("/articles/\(article.id)")
            _ = try await browser.post("/articles/\(article.id)/vote", [("value", "disagree")])
            _ = try await browser.post("/articles/\(article.id)/arguments", [("stance", "against"), ("text", "Un argument qui restera publié.")])
            _ = try await browser.get("/profil?etape=questionnaire")
            _ = try await browser.post("/profil", fullAnswers + [("consent", "yes")])
            let before = try await server.store.tallies([.article(article.id)])[.article(article.id)] ?? .zero
            _ = try await browser.get("/compte")
            // act
            let wrong = try await browser.post("/compte/supprimer", [("password", "pas le bon")])
            let stillThere = try await server.store.participant(id: me.id)
            _ = try await browser.get("/compte")
            let done = try await browser.post("/compte/supprimer", [("password", "cheval agrafe pile")])
            // check
            #expect(wrong.status == .unprocessableContent && wrong.body.contains("Mot de passe incorrect"))
            #expect(stillThere != nil)
            #expect(done.status == .seeOther)
            #expect(try await server.store.participant(id: me.id) == nil)
            #expect(try await server.store.profile(participantID: me.id) == nil)
            let after = try await server.store.tallies([.article(article.id)])[.article(article.id)] ?? .zero
            #expect(after.disagree == before.disagree - 1)
            // Tallies equal a recount of the live votes of the log.
            var live: [String: VoteValue] = [:]
            for e in try await server.store.voteEvents(after: 0, limit: 100_000) where e.target == .article(article.id) {
                live["\(e.participantID)"] = e.value
            }
            var recount = Tally()
            for v in live.values { recount.add(v) }
            #expect(recount.agree == after.agree && recount.mixed == after.mixed && recount.disagree == after.disagree)
            let arguments = try await server.store.contributions(
                ContributionQuery(articleID: article.id, kind: .argument, order: .recent), page: PageRequest(page: 1, perPage: 100))
            let kept = try #require(arguments.items.first { $0.contribution.body == "Un argument qui restera publié." })
            #expect(kept.contribution.authorID == nil && kept.contribution.authorName == "Compte supprimé")
            // The e-mail can sign up again.
            let again = try await browser.signUp(email: "gone@example.org")
            #expect(again.status == .seeOther)
        }
    }
}

@Suite("Representativeness dashboard pages")
struct ProfileDashboardTests {
    @Test("the dashboard shows the margins' sources, tables with headers and the method")
    func dashboard() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { browser in
            // act
            let page = try await browser.get("/consultations/\(server.demo.id)/representativite")
            let missing = try await browser.get("/consultations/999999/representativite")
            // check
            #expect(page.status == .ok)
            #expect(page.body.contains("INSEE") && page.body.contains("2021") && page.body.contains("2018"))
            #expect(page.body.contains("<th scope=\"row\">") && page.body.contains("<th scope=\"col\">"))
            #expect(page.body.contains("role=\"img\""))
            #expect(page.body.contains("1,96 × √(p × (1 − p) / n_eff)"))
            #expect(!page.body.contains("name=\"csv\""))
            #expect(missing.status == .notFound)
        }
    }

    @Test("the reweighted results are paged, 50 targets at a time, in the order of the full computation; a page past the end shows the last")
    func dashboardPaged() async throws {
        // setup: 60 more proposals, so the table runs past one page
        let server = try await TestServer.make()
        let author = try await server.store.createParticipant(
            NewParticipant(email: "auteur@example.org", displayName: "Auteur", kind: .citizen, organization: nil, createdAt: TestServer.t0),
            passwordHash: "x")
        for i in 0..<60 {
            _ = try await server.store.addContribution(NewContribution(
                consultationID: server.demo.id, kind: .proposal, articleID: nil, parentID: nil, authorID: author.id, authorName: "Auteur",
                title: "Proposition paginée \(i)", body: "Texte \(i)", createdAt: TestServer.t0))
        }
        let all = try #require(try await Reweighting.run(store: server.store, consultationID: server.demo.id)).figures.targets
        let pages = (all.count + 49) / 50
        #expect(pages >= 2)
        let links = all.map { t in t.kind == "article" ? "href=\"/articles/\(t.id)\"" : "href=\"/contributions/\(t.id)\"" }
        try await server.run { browser in
            // act
            let first = try await browser.get("/consultations/\(server.demo.id)/representativite")
            let second = try await browser.get("/consultations/\(server.demo.id)/representativite?page=2")
            let beyond = try await browser.get("/consultations/\(server.demo.id)/representativite?page=999")
            // check
            #expect(first.status == .ok && second.status == .ok && beyond.status == .ok)
            #expect(first.body.contains(links[0]) && first.body.contains(links[49]))
            #expect(!first.body.contains(links[50]))
            #expect(second.body.contains(links[50]) && !second.body.contains(links[49]))
            #expect(first.body.contains("?page=2#resultats") && first.body.contains("rel=\"next\""))
            #expect(beyond.body.contains(links[links.count - 1]) && !beyond.body.contains("rel=\"next\""))
            #expect(first.body.contains("Page 1 sur \(pages)"), "the pager says where the reader is")
        }
    }

    @Test("a skewed population shows its gap, the alert and the reweighted tally on the page")
    func skewedPage() async throws {
        // setup: 40 men who agree, 10 women who disagree
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        for i in 0..<50 {
            let man = i < 40
            let p = try await server.store.createParticipant(
                NewParticipant(email: "s\(i)@example.org", displayName: "S \(i)", kind: .citizen, organization: nil, createdAt: TestServer.t0),
                passwordHash: "x")
            _ = try await server.store.saveProfile(participantID: p.id, answers: [.sex: man ? "M" : "F"], at: TestServer.t0)
            _ = try await server.store.castVote(participantID: p.id, target: .article(article.id), value: man ? .agree : .disagree, at: TestServer.t0)
        }
        try await server.run { browser in
            // act
            let page = try await browser.get("/consultations/\(server.demo.id)/representativite")
            // check
            #expect(page.status == .ok)
            #expect(page.body.contains("Sexe — Femme : 20,0\u{202F}% des participant·es"))
            #expect(page.body.contains("(sous-représenté)"))
            #expect(page.body.contains("Redressement sur : Sexe."))
            #expect(page.body.contains(" ± "))
        }
    }

    @Test("organisers upload margins; bad files get a clear message and nothing is stored")
    func upload() async throws {
        // setup
        let server = try await TestServer.make()
        let url = "/consultations/\(server.demo.id)/representativite/marges"
        try await server.run { browser in
            try await browser.signUp(email: "plain@example.org")
            _ = try await browser.get("/consultations/\(server.demo.id)/representativite")
            let refused = try await browser.post(url, [("source", "Ville"), ("year", "2020"), ("csv", "dimension,category,share\nsex,F,0.5\nsex,M,0.5\n")])
            let organiser = try #require(try await server.store.credentials(email: "plain@example.org")).participant
            try await server.makeOrganiser(organiser.id)
            _ = try await browser.get("/consultations/\(server.demo.id)/representativite")
            // act
            let sum = try await browser.post(url, [("source", "Ville"), ("year", "2020"), ("csv", "dimension,category,share\nsex,F,0.5\nsex,M,0.4\n")])
            let unknown = try await browser.post(url, [("source", "Ville"), ("year", "2020"), ("csv", "dimension,category,share\nsex,X,0.5\nsex,M,0.5\n")])
            let negative = try await browser.post(url, [("source", "Ville"), ("year", "2020"), ("csv", "dimension,category,share\nsex,F,1.2\nsex,M,-0.2\n")])
            let storedAfterBad = try await server.store.uploadedMargins(consultationID: server.demo.id)
            let good = try await browser.post(url, [("source", "Ville de Test"), ("year", "2020"), ("csv", "dimension,category,share\nsex,F,0.6\nsex,M,0.4\n")])
            let shown = try await browser.get("/consultations/\(server.demo.id)/representativite")
            // check
            #expect(refused.status == .forbidden)
            #expect(sum.status == .unprocessableContent && sum.body.contains("au lieu de 1") && sum.body.contains("Rien n’a été enregistré"))
            #expect(unknown.status == .unprocessableContent && unknown.body.contains("Catégorie inconnue"))
            #expect(negative.status == .unprocessableContent && negative.body.contains("négative"))
            #expect(storedAfterBad == nil)
            #expect(good.status == .seeOther)
            #expect(try await server.store.uploadedMargins(consultationID: server.demo.id)?.rows.count == 2)
            #expect(shown.body.contains("Ville de Test, 2020"))
        }
    }
}
