import ContribuezCore
import ContribuezStore
import ContribuezWeb
import Foundation
import HTTPTypes
import Testing

@Suite("HTML pages")
struct PageTests {
    @Test("the home page lists the demo consultation and its page lists articles with tallies")
    func homeAndConsultation() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { b in
            // act
            let home = try await b.get("/")
            let page = try await b.get("/consultations/\(server.demo.id)")
            // check
            #expect(home.status == .ok)
            #expect(home.body.contains("Pour une République numérique (démonstration)"))
            #expect(home.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.status == .ok)
            #expect(page.body.contains("Open data par défaut"))
            #expect(page.body.contains("class=\"bar-chart\""))
            #expect(page.body.contains("Publier le code source des algorithmes publics"))
        }
    }

    @Test("a visitor signs up, votes, changes and withdraws the vote, with redirects after each post")
    func signUpAndVote() async throws {
        // setup
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await server.run { b in
            // act
            let signup = try await b.signUp(email: "camille@example.fr")
            let page = try await b.get("/articles/\(article.id)")
            let vote = try await b.post("/articles/\(article.id)/vote", [("value", "disagree"), ("back", "/articles/\(article.id)")])
            let after = try await b.get(vote.location ?? "/")
            let tally1 = try await server.store.tallies([.article(article.id)])[.article(article.id)]
            try await b.post("/articles/\(article.id)/vote", [("value", "agree")])
            let tally2 = try await server.store.tallies([.article(article.id)])[.article(article.id)]
            try await b.post("/articles/\(article.id)/vote", [("value", "withdraw")])
            let tally3 = try await server.store.tallies([.article(article.id)])[.article(article.id)]
            // check
            #expect(signup.status == .seeOther)
            #expect(b.cookies["cz_session"] != nil)
            #expect(page.body.contains("name=\"value\" value=\"agree\""))
            #expect(vote.status == .seeOther)
            #expect(vote.location == "/articles/\(article.id)?ok=vote_saved")
            #expect(after.body.contains("Votre vote est enregistré."))
            #expect(after.body.contains("Votre vote actuel : Pas d’accord"))
            let demoVotes = try await demoTally(server, article)
            #expect(tally1 == demoVotes + Tally(disagree: 1))
            #expect(tally2 == demoVotes + Tally(agree: 1))
            #expect(tally3 == demoVotes)
        }
    }

    func demoTally(_ server: TestServer, _ article: Article) async throws -> Tally {
        // The demo's own participants voted 6 times on each article.
        var t = Tally()
        for v in [VoteValue.agree, .agree, .mixed, .agree, .disagree, .agree] { t.add(v) }
        return t
    }

    @Test("an amendment posted through the form is listed on the article with a word-level diff")
    func amendment() async throws {
        // setup
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        let newText = article.body.replacingOccurrences(of: "diffusent publiquement", with: "publient sans délai")
        try await server.run { b in
            try await b.signUp(email: "amendeur@example.fr", name: "Amendeur")
            try await b.get("/articles/\(article.id)")
            // act
            let posted = try await b.post("/articles/\(article.id)/amendments", [("text", newText), ("rationale", "Plus direct.")])
            let page = try await b.get("/articles/\(article.id)")
            let own = try await b.get(posted.location ?? "/")
            // check
            #expect(posted.status == .seeOther)
            #expect(page.body.contains("Modification proposée par Amendeur"))
            #expect(page.body.contains("<ins>publient</ins>") || page.body.contains("<ins>publient sans délai</ins>"))
            #expect(page.body.contains("<del>"))
            #expect(own.status == .ok)
            #expect(own.body.contains("Plus direct."))
        }
    }

    @Test("arguments, sources and proposals posted through forms appear where they belong")
    func contributions() async throws {
        // setup
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await server.run { b in
            try await b.signUp(email: "argue@example.fr", name: "Argue")
            try await b.get("/articles/\(article.id)")
            // act
            let arg = try await b.post("/articles/\(article.id)/arguments", [("stance", "against"), ("text", "Un argument contre, précis.")])
            let src = try await b.post("/articles/\(article.id)/sources", [("url", "https://www.cada.fr/"), ("title", "Site de la CADA"), ("summary", "Avis de la commission.")])
            try await b.get("/consultations/\(server.demo.id)/proposals")
            let prop = try await b.post("/consultations/\(server.demo.id)/proposals", [("title", "Un registre des algorithmes"), ("text", "Chaque administration publie la liste de ses algorithmes.")])
            let page = try await b.get("/articles/\(article.id)")
            let proposals = try await b.get("/consultations/\(server.demo.id)/proposals")
            // check
            #expect(arg.status == .seeOther)
            #expect(src.status == .seeOther)
            #expect(prop.status == .seeOther)
            #expect(page.body.contains("Un argument contre, précis."))
            #expect(page.body.contains("Site de la CADA"))
            #expect(proposals.body.contains("Un registre des algorithmes"))
        }
    }

    @Test("an invalid form is shown again with French messages, its draft kept, and nothing stored")
    func invalidForms() async throws {
        // setup
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await server.run { b in
            try await b.signUp(email: "invalid@example.fr")
            try await b.get("/articles/\(article.id)")
            let before = try await server.store.contributions(ContributionQuery(articleID: article.id), page: PageRequest()).total
            // act
            let tooLong = try await b.post("/articles/\(article.id)/arguments", [("stance", "for"), ("text", String(repeating: "a", count: 2001))])
            let noStance = try await b.post("/articles/\(article.id)/arguments", [("text", "Sans position")])
            let badURL = try await b.post("/articles/\(article.id)/sources", [("url", "javascript:alert(1)"), ("title", "Piège")])
            let empty = try await b.post("/articles/\(article.id)/amendments", [("text", ""), ("rationale", "")])
            let after = try await server.store.contributions(ContributionQuery(articleID: article.id), page: PageRequest()).total
            // check
            #expect(tooLong.status == .unprocessableContent)
            #expect(tooLong.body.contains("Texte : 2000 caractères au plus."))
            #expect(noStance.status == .unprocessableContent)
            #expect(noStance.body.contains("Position (pour ou contre) : valeur invalide."))
            #expect(noStance.body.contains("Sans position"))
            #expect(badURL.status == .unprocessableContent)
            #expect(badURL.body.contains("Adresse (URL, http ou https) : valeur invalide."))
            #expect(empty.status == .unprocessableContent)
            #expect(empty.body.contains("ce champ est obligatoire"))
            #expect(before == after)
        }
    }

    @Test("sign-up refuses a duplicate e-mail, a common password and a missing organisation name")
    func signUpErrors() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { b in
            try await b.signUp(email: "dup@example.fr")
            let other = Browser(client: b.client)
            // act
            let duplicate = try await other.signUp(email: "DUP@example.fr")
            let common = try await other.signUp(email: "new@example.fr", password: "azertyuiop")
            let org = try await other.signUp(email: "org@example.fr", kind: "association", organization: "")
            let wrong = try await other.post("/signin", [("email", "dup@example.fr"), ("password", "pas le bon mot")])
            let right = try await other.post("/signin", [("email", "dup@example.fr"), ("password", "cheval agrafe pile")])
            // check
            #expect(duplicate.status == .conflict)
            #expect(duplicate.body.contains("Un compte existe déjà avec cette adresse électronique."))
            #expect(common.status == .unprocessableContent)
            #expect(common.body.contains("fait partie des plus utilisés"))
            #expect(org.status == .unprocessableContent)
            #expect(org.body.contains("Nom de l’organisation : ce champ est obligatoire."))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.body.contains("Adresse électronique ou mot de passe incorrect."))
            #expect(right.status == .seeOther)
        }
    }

    @Test("the participant page shows contributions to all, and votes to their author only")
    func participantPage() async throws {
        // setup
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await server.run { b in
            try await b.signUp(email: "me@example.fr", name: "Moi")
            try await b.get("/articles/\(article.id)")
            try await b.post("/articles/\(article.id)/vote", [("value", "mixed")])
            try await b.post("/articles/\(article.id)/arguments", [("stance", "for"), ("text", "Mon argument public")])
            let me = try #require(try await server.store.credentials(email: "me@example.fr")?.participant)
            // act
            let mine = try await b.get("/participants/\(me.id)")
            let visitor = Browser(client: b.client)
            let theirs = try await visitor.get("/participants/\(me.id)")
            // check
            #expect(mine.body.contains("Mon argument public"))
            #expect(mine.body.contains("Mes votes"))
            #expect(mine.body.contains("Mitigé"))
            #expect(theirs.body.contains("Mon argument public"))
            #expect(!theirs.body.contains("Mes votes"))
        }
    }

    @Test("a closed consultation still reads but refuses votes and contributions with the reason")
    func closed() async throws {
        // setup
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await server.run { b in
            try await b.signUp(email: "late@example.fr")
            try await b.get("/articles/\(article.id)")
            server.clock.advance(by: 61 * 86_400)
            // NB: sessions last 30 days, so sign in again after the jump.
            try await b.get("/signin")
            try await b.post("/signin", [("email", "late@example.fr"), ("password", "cheval agrafe pile")])
            // act
            let page = try await b.get("/articles/\(article.id)")
            let vote = try await b.post("/articles/\(article.id)/vote", [("value", "agree")])
            try await b.takeFormStamp()  // the closed article shows no form: take a stamp elsewhere, as a script would
            let arg = try await b.post("/articles/\(article.id)/arguments", [("stance", "for"), ("text", "Trop tard")])
            // check
            #expect(page.status == .ok)
            #expect(page.body.contains("Cette consultation est terminée"))
            #expect(!page.body.contains("name=\"value\" value=\"agree\""))
            #expect(vote.status == .conflict)
            #expect(vote.body.contains("Cette consultation est terminée"))
            #expect(arg.status == .conflict)
        }
    }

    @Test("unknown pages and ids answer 404 with a French page")
    func notFound() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            for path in ["/articles/999999", "/contributions/0", "/consultations/abc", "/participants/-1", "/nulle-part"] {
                let r = try await b.get(path)
                #expect(r.status == .notFound, "\(path)")
                #expect(r.body.contains("Cette page n’existe pas."), "\(path)")
            }
        }
    }

    @Test("English is picked from Accept-Language and by the visible switch")
    func english() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            let en = try await b.get("/", headers: [.acceptLanguage: "en-GB,en;q=0.9,fr;q=0.5"])
            let fr = try await b.get("/", headers: [.acceptLanguage: "fr-FR,fr;q=0.9,en;q=0.5"])
            try await b.post("/language", [("lang", "en"), ("back", "/")])
            let switched = try await b.get("/")
            #expect(en.body.contains("<html lang=\"en\">"))
            #expect(en.body.contains("Sign in"))
            #expect(fr.body.contains("Se connecter"))
            #expect(switched.body.contains("Create an account"))
        }
    }

    @Test("the catalogue has every key in French and English, and every key the templates use")
    func catalogue() throws {
        let catalogue = try Catalogue.bundled()
        #expect(catalogue.incomplete.isEmpty)
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/ContribuezWeb/Resources/templates")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".mustache") }
        #expect(!files.isEmpty)
        for f in files {
            let text = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
            var rest = text[...]
            while let r = rest.range(of: "{{t.") {
                let after = rest[r.upperBound...]
                let key = String(after.prefix { $0 != "}" })
                #expect(catalogue.keys.contains(key), "\(f) uses t.\(key)")
                rest = after
            }
        }
    }
}
