import ContribuezCore
import ContribuezImport
import ContribuezStore
import ContribuezTestSupport
import ContribuezWeb
import Foundation
import HTTPTypes
import Testing

/// The consultation of the API scenario (FollowUpAPITests), built through the API: threshold 3 votes,
/// answers due 30 days after closing; p1, p2 and the amendment a1 over the threshold, p3 under.
struct LedgerScenario {
    var id: ID
    var article1: Article
    var p1: ID, p2: ID, p3: ID, a1: ID
    var orga: (token: String, id: ID)
    var answerer: (token: String, id: ID)
    var author: (token: String, id: ID)
    var follower: (token: String, id: ID)

    static let day: TimeInterval = 86_400
    static let password = "cheval agrafe pile"

    static func make(_ server: TestServer, _ b: Browser) async throws -> LedgerScenario {
        let t0 = TestServer.t0
        let orga = try await OrganiseAPITests.account(b, "orga@example.org")
        _ = try await server.store.setRole(participantID: orga.id, role: .organiser)
        let answerer = try await OrganiseAPITests.account(b, "answer@example.org")
        let iso = ISO8601DateFormatter()
        let created = try await b.api(.post, "/consultations", token: orga.token, json: [
            "title": "Suivi", "summary": "", "institution": "Ministère", "opensAt": iso.string(from: t0 - day),
            "closesAt": iso.string(from: t0 + 10 * day), "answerThreshold": 3, "answerDeadlineDays": 30,
        ])
        let id = try #require(created.json["id"] as? Int).int64
        #expect(try await FollowUpAPITests.markdown(b, .put, "/consultations/\(id)/text", token: orga.token, DraftFixture.text).status == .ok)
        #expect(try await b.api(.post, "/consultations/\(id)/publish", token: orga.token).status == .ok)
        #expect(try await b.api(.put, "/consultations/\(id)/roles/\(answerer.id)", token: orga.token, json: ["role": "answerer"]).status == .ok)
        let article1 = try #require(try await server.store.articles(consultationID: id).first)
        let author = try await OrganiseAPITests.account(b, "author@example.org")
        var voters: [String] = []
        for i in 1...4 { voters.append(try await OrganiseAPITests.account(b, "v\(i)@example.org").token) }
        let follower = try await OrganiseAPITests.account(b, "follower@example.org")
        func propose(_ title: String) async throws -> ID {
            let r = try await b.api(.post, "/consultations/\(id)/proposals", token: author.token, json: ["title": title, "text": "Texte de \(title)."])
            return try #require(r.json["id"] as? Int).int64
        }
        let p1 = try await propose("Priorité au logiciel libre"), p2 = try await propose("Ouvrir les données de transport")
        let p3 = try await propose("Une idée peu suivie")
        let amendment = try await b.api(.post, "/articles/\(article1.id)/amendments", token: author.token, json: [
            "text": "Les administrations publient, sans demande préalable, les documents administratifs qu'elles détiennent.", "rationale": "Ouverture par défaut.",
        ])
        let a1 = try #require(amendment.json["id"] as? Int).int64
        for (target, n) in [(p1, 4), (p2, 3), (a1, 3), (p3, 1)] {
            for token in voters.prefix(n) {
                #expect(try await b.api(.put, "/contributions/\(target)/vote", token: token, json: ["value": "agree"]).status == .ok)
            }
        }
        return LedgerScenario(id: id, article1: article1, p1: p1, p2: p2, p3: p3, a1: a1, orga: orga, answerer: answerer, author: author, follower: follower)
    }

    /// A new browser signed in through the form (sessions last 30 days: sign in again after moving the clock).
    static func browser(_ b: Browser, _ email: String) async throws -> Browser {
        let other = Browser(client: b.client)
        try await other.get("/signin")
        let r = try await other.post("/signin", [("email", email), ("password", password)])
        #expect(r.status == .seeOther, "\(r.body)")
        return other
    }

    /// The v1 of the API scenario: article 1 rewritten as the amendment proposed, 11 bis renumbered 12.
    static let v1Text = DraftFixture.text
        .replacingOccurrences(of: "Les administrations communiquent, à toute personne qui en fait la demande, les documents administratifs qu'elles détiennent.",
                              with: "Les administrations publient, sans demande préalable, les documents administratifs qu'elles détiennent.")
        .replacingOccurrences(of: "## Article 11 bis", with: "## Article 12")
}

@Suite("Answer and follow up pages (issue 9)")
struct FollowUpPagesTests {
    static let day = LedgerScenario.day

    @Test("an answerer answers from the contribution page; a changed answer keeps the previous one visible; a participant gets 403; an unknown status is a 422 in French that keeps the draft")
    func answerForm() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            let s = try await LedgerScenario.make(server, b)
            let answerer = try await LedgerScenario.browser(b, "answer@example.org")
            let participant = try await LedgerScenario.browser(b, "v1@example.org")
            let page = "/contributions/\(s.p1)"
            // act
            let form = try await answerer.get(page)
            let first = try await answerer.post("\(page)/reponse", [("status", "a_l_etude"), ("text", "Nous **étudions** cette proposition.")])
            server.clock.advance(by: 2 * Self.day)
            try await answerer.get(page)
            let second = try await answerer.post("\(page)/reponse", [("status", "partiellement_retenue"), ("text", "Reprise en partie à l'article 1.")])
            let shown = try await answerer.get(page)
            try await participant.get(page)
            let refused = try await participant.post("\(page)/reponse", [("status", "retenue"), ("text", "Moi-même.")])
            let unknown = try await answerer.post("\(page)/reponse", [("status", "peut-etre"), ("text", "Mon brouillon <b>gardé</b>")])
            let publicView = try await Browser(client: b.client).get(page)
            let list = try await Browser(client: b.client).get("/consultations/\(s.id)/proposals")
            // check
            #expect(form.body.contains("name=\"status\""), "the answerer sees the form")
            #expect(first.status == .seeOther)
            #expect(first.location == "\(page)?ok=followup_answer_saved#reponse")
            #expect(second.status == .seeOther)
            #expect(shown.body.contains("Partiellement retenue"))
            #expect(shown.body.contains("Reprise en partie à l&#39;article 1."))
            #expect(shown.body.contains("Versions précédentes"))
            #expect(shown.body.contains("<strong>étudions</strong>"), "safe Markdown")
            #expect(shown.body.contains("À l&#39;étude") || shown.body.contains("À l'étude"))
            #expect(refused.status == .forbidden)
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.body.contains("Statut : valeur inconnue. Valeurs acceptées : Retenue, Partiellement retenue"))
            #expect(unknown.body.contains("Mon brouillon &lt;b&gt;gardé&lt;/b&gt;"), "the draft is kept, escaped")
            #expect(!publicView.body.contains("name=\"status\""), "visitors see the answer, not the form")
            #expect(publicView.body.contains("Partiellement retenue"))
            #expect(list.body.contains("answer-badge answer-partiellement_retenue"), "a badge in lists")
            #expect(try await server.store.answers(contributionID: s.p1).versions.count == 2)
        }
    }

    @Test("with a fixed clock the Engagements page counts due, on time, late, overdue exactly, overdue first with its days; the consultation header shows the overdue count")
    func engagements() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup: p1 answered before closing, p2 answered 10 days late, a1 never
            let s = try await LedgerScenario.make(server, b)
            let before = try await Browser(client: b.client).get("/consultations/\(s.id)/engagements")
            let answerer = try await LedgerScenario.browser(b, "answer@example.org")
            try await answerer.get("/contributions/\(s.p1)")
            #expect(try await answerer.post("/contributions/\(s.p1)/reponse", [("status", "a_l_etude"), ("text", "À l'étude.")]).status == .seeOther)
            server.clock.set(TestServer.t0 + 50 * Self.day)
            let late = try await LedgerScenario.browser(b, "answer@example.org")
            try await late.get("/contributions/\(s.p2)")
            #expect(try await late.post("/contributions/\(s.p2)/reponse", [("status", "non_retenue"), ("text", "Hors du périmètre.")]).status == .seeOther)
            // act
            let ledger = try await Browser(client: b.client).get("/consultations/\(s.id)/engagements")
            let header = try await Browser(client: b.client).get("/consultations/\(s.id)")
            // check
            #expect(before.status == .ok)
            #expect(before.body.contains("Rien n&#39;est encore dû") || before.body.contains("Rien n'est encore dû"))
            #expect(before.body.contains("À ce jour, 3 contribution(s) dépassent le seuil de 3 votes."))
            #expect(ledger.status == .ok)
            for (n, label) in [(3, "réponses dues"), (1, "données à temps"), (1, "données en retard"), (1, "en retard aujourd&#39;hui"), (0, "pas encore échues")] {
                #expect(ledger.body.contains("<strong>\(n)</strong> <span>\(label)</span>"), "\(n) \(label)")
            }
            let overdue = try #require(ledger.body.range(of: "En retard de 10 jour(s)"))
            let onTime = try #require(ledger.body.range(of: "Répondu à temps"))
            #expect(overdue.lowerBound < onTime.lowerBound, "the overdue list comes first")
            #expect(ledger.body.contains("Répondu avec 10 jour(s) de retard"))
            #expect(!ledger.body.contains("Une idée peu suivie"), "under the threshold")
            #expect(header.body.contains("1 réponse en retard"))
            #expect(header.body.contains("href=\"/consultations/\(s.id)/engagements\""))
            #expect(header.body.contains("href=\"/consultations/\(s.id)/suivi\""))
        }
    }

    @Test("an organiser publishes v1 from the form, links the amendment it took up and records a proposal not taken up; the contribution pages and the Suivi page show where each landed, the renumbering and the diffs")
    func versionsUptakeSuivi() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            let s = try await LedgerScenario.make(server, b)
            server.clock.set(TestServer.t0 + 20 * Self.day)
            let orga = try await LedgerScenario.browser(b, "orga@example.org")
            let organiserPage = try await orga.get("/consultations/\(s.id)/organiser")
            // act
            let form = try await orga.get("/consultations/\(s.id)/versions/nouvelle")
            let published = try await orga.post("/consultations/\(s.id)/versions/nouvelle", [
                ("label", "v1 — projet de loi déposé"), ("date", "2026-01-15"), ("markdown", LedgerScenario.v1Text), ("renumbering", "11 bis → 12"),
            ])
            let v1 = try #require(try await server.store.textVersions(consultationID: s.id).first)
            let uptakePage = try await orga.get("/versions/\(v1.id)/reprises")
            let taken = try await orga.post("/versions/\(v1.id)/reprises", [("intent", "take"), ("article", "1"), ("c\(s.a1)", "1")])
            let badID = try await orga.post("/versions/\(v1.id)/reprises", [("intent", "take"), ("article", "1"), ("others", "abc")])
            let rejected = try await orga.post("/versions/\(v1.id)/reprises", [("intent", "reject"), ("contribution", "\(s.p2)"), ("reason", "Relève du règlement.")])
            let amendmentPage = try await Browser(client: b.client).get("/contributions/\(s.a1)")
            let p2Page = try await Browser(client: b.client).get("/contributions/\(s.p2)")
            let suivi = try await Browser(client: b.client).get("/consultations/\(s.id)/suivi")
            let article = try await Browser(client: b.client).get("/articles/\(s.article1.id)")
            // check
            #expect(organiserPage.body.contains("href=\"/consultations/\(s.id)/versions/nouvelle\""))
            #expect(form.body.contains("type=\"date\""))
            #expect(published.status == .seeOther, "\(published.body)")
            #expect(published.location == "/versions/\(v1.id)/reprises?ok=followup_version_published")
            #expect(v1.label == "v1 — projet de loi déposé")
            #expect(uptakePage.body.contains("name=\"c\(s.a1)\""), "the amendment of the changed article is offered")
            #expect(taken.status == .seeOther, "\(taken.body)")
            #expect(badID.status == .unprocessableContent)
            #expect(badID.body.contains("« abc » n&#39;est pas le numéro d&#39;une contribution"))
            #expect(rejected.status == .seeOther, "\(rejected.body)")
            #expect(amendmentPage.body.contains("Reprise dans l&#39;article 1 de la version « v1 — projet de loi déposé »"))
            #expect(amendmentPage.body.contains("href=\"/consultations/\(s.id)/suivi#v1-article-1\""))
            #expect(p2Page.body.contains("Non reprise : Relève du règlement."))
            #expect(suivi.body.contains("id=\"v1-article-1\""))
            #expect(suivi.body.contains("<ins>publient,"), "the word diff of article 1")
            #expect(suivi.body.contains("ex-article 11 bis"))
            #expect(suivi.body.contains("inchangé"))
            #expect(suivi.body.contains("Non reprise : Relève du règlement."))
            #expect(suivi.body.contains("Aucun lien enregistré"), "p1 and p3 have no uptake and no answer")
            #expect(article.body.contains("href=\"/articles/\(s.article1.id)/versions?de=0&amp;a=1\""))
        }
    }

    @Test("the uptake form is all or nothing: a bad id or another consultation's contribution among good ones saves none of them (422 naming it, never 403), and an unticked link is not removed by a refused batch")
    func uptakeBatchAllOrNothing() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup: a1 taken up in article 1 of v1; another consultation's contribution
            let s = try await LedgerScenario.make(server, b)
            server.clock.set(TestServer.t0 + 20 * Self.day)
            let orga = try await LedgerScenario.browser(b, "orga@example.org")
            try await orga.get("/consultations/\(s.id)/versions/nouvelle")
            #expect(try await orga.post("/consultations/\(s.id)/versions/nouvelle", [
                ("label", "v1"), ("date", "2026-01-15"), ("markdown", LedgerScenario.v1Text), ("renumbering", "11 bis → 12"),
            ]).status == .seeOther)
            let v1 = try #require(try await server.store.textVersions(consultationID: s.id).first)
            try await orga.get("/versions/\(v1.id)/reprises")
            #expect(try await orga.post("/versions/\(v1.id)/reprises", [("intent", "take"), ("article", "1"), ("c\(s.a1)", "1")]).status == .seeOther)
            let elsewhere = try await server.store.createConsultation(NewConsultation(
                slug: "ailleurs", title: "Ailleurs", summary: "", institution: "Ville", isPublished: true,
                opensAt: TestServer.t0 - Self.day, closesAt: TestServer.t0 + Self.day))
            let foreign = try await server.store.addContribution(NewContribution(
                consultationID: elsewhere.id, kind: .proposal, articleID: nil, parentID: nil, authorID: nil, authorName: "X",
                title: "Autre part", body: "Une proposition d'une autre consultation.", createdAt: TestServer.t0))
            // act: a1 unticked (shown) + p1 good + a bad id; then p1 + the other consultation's contribution
            let mixed = try await orga.post("/versions/\(v1.id)/reprises", [
                ("intent", "take"), ("article", "1"), ("shown", "\(s.a1)"), ("others", "\(s.p1), 999999"),
            ])
            let foreignBatch = try await orga.post("/versions/\(v1.id)/reprises", [
                ("intent", "take"), ("article", "1"), ("others", "\(s.p1) \(foreign.id)"),
            ])
            let after = try await server.store.uptakes(contributionIDs: [s.a1, s.p1, foreign.id])
            // check
            #expect(mixed.status == .unprocessableContent)
            #expect(mixed.body.contains("« 999999 » n&#39;est pas le numéro d&#39;une contribution"))
            #expect(foreignBatch.status == .unprocessableContent, "never a 403 that would say the id exists elsewhere")
            #expect(foreignBatch.body.contains("« \(foreign.id) » n&#39;est pas le numéro d&#39;une contribution"))
            #expect(after[s.p1] == nil, "nothing of a refused batch is saved")
            #expect(after[foreign.id] == nil)
            if case .takenUp(let v, let n)? = after[s.a1]?.uptake { #expect(v == v1.id && n == "1") } else {
                Issue.record("the link unticked in a refused batch stays: \(String(describing: after[s.a1]))")
            }
        }
    }

    @Test("an article's versions compare any two stages with a word diff; an unknown version is a 400")
    func articleVersions() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            let s = try await LedgerScenario.make(server, b)
            let v1 = try await FollowUpAPITests.markdown(b, .post, "/consultations/\(s.id)/versions?label=v1&renumber=11%20bis:12", token: s.orga.token, LedgerScenario.v1Text)
            #expect(v1.status == .created, "\(v1.body)")
            // act
            let compared = try await b.get("/articles/\(s.article1.id)/versions?de=0&a=1")
            let same = try await b.get("/articles/\(s.article1.id)/versions?de=1&a=1")
            let unknown = try await b.get("/articles/\(s.article1.id)/versions?de=0&a=7")
            // check
            #expect(compared.status == .ok)
            #expect(compared.body.contains("<del>communiquent,"))
            #expect(compared.body.contains("<ins>publient,"))
            #expect(compared.body.contains("<option value=\"1\" selected>v1</option>"))
            #expect(same.body.contains("inchangé"))
            #expect(unknown.status == .badRequest)
        }
    }

    @Test("a version with duplicate article numbers is a 422 with the line numbers and nothing saved; a participant cannot publish one")
    func publishDuplicate() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            let s = try await LedgerScenario.make(server, b)
            let orga = try await LedgerScenario.browser(b, "orga@example.org")
            let participant = try await LedgerScenario.browser(b, "v2@example.org")
            try await orga.get("/consultations/\(s.id)/versions/nouvelle")
            // act
            let dup = try await orga.post("/consultations/\(s.id)/versions/nouvelle", [
                ("label", "v1"), ("date", ""), ("markdown", "## Article 1\n\nUn.\n\n## Article 1\n\nDeux.\n"), ("renumbering", ""),
            ])
            let badRenumbering = try await orga.post("/consultations/\(s.id)/versions/nouvelle", [
                ("label", "v1"), ("date", "2026-02-30"), ("markdown", LedgerScenario.v1Text), ("renumbering", "99 → 12"),
            ])
            let refused = try await participant.get("/consultations/\(s.id)/versions/nouvelle")
            // check
            #expect(dup.status == .unprocessableContent)
            #expect(dup.body.contains("Ligne 5 : l&#39;article 1 existe déjà (ligne 1)."), "\(dup.body)")
            #expect(dup.body.contains("Deux."), "the draft is kept")
            #expect(badRenumbering.status == .unprocessableContent)
            #expect(badRenumbering.body.contains("Date : valeur invalide."))
            #expect(try await server.store.textVersions(consultationID: s.id).isEmpty, "nothing saved")
            #expect(refused.status == .forbidden)
        }
    }

    @Test("signed-in participants follow and unfollow a consultation, an article and a contribution with buttons; visitors see none")
    func followButtons() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            try await b.signUp(email: "suit@example.org")
            let me = try #require(try await server.store.participant(email: "suit@example.org"))
            let article = try await server.firstArticle()
            let contribution = try #require(try await server.store.contributions(ContributionQuery(consultationID: server.demo.id, kind: .proposal), page: PageRequest()).items.first)
            // act
            let page = try await b.get("/consultations/\(server.demo.id)")
            let follow = try await b.post("/suivis/consultation/\(server.demo.id)", [("action", "follow"), ("back", "/consultations/\(server.demo.id)")])
            let after = try await b.get(try #require(follow.location))
            try await b.get("/articles/\(article.id)")
            let followArticle = try await b.post("/suivis/article/\(article.id)", [("action", "follow"), ("back", "/articles/\(article.id)")])
            try await b.get("/contributions/\(contribution.contribution.id)")
            let followContribution = try await b.post("/suivis/contribution/\(contribution.contribution.id)", [("action", "follow"), ("back", "//evil.example")])
            let unfollow = try await b.post("/suivis/consultation/\(server.demo.id)", [("action", "unfollow"), ("back", "/consultations/\(server.demo.id)")])
            let unknownKind = try await b.post("/suivis/planete/1", [("action", "follow")])
            let visitor = try await Browser(client: b.client).get("/consultations/\(server.demo.id)")
            // check
            #expect(page.body.contains("action=\"/suivis/consultation/\(server.demo.id)\""))
            #expect(page.body.contains(">Suivre</button>"))
            #expect(follow.status == .seeOther)
            #expect(follow.location == "/consultations/\(server.demo.id)?ok=followup_followed")
            #expect(after.body.contains(">Ne plus suivre</button>"))
            #expect(after.body.contains("Vous suivez désormais ceci"))
            #expect(followArticle.status == .seeOther)
            #expect(followContribution.location == "/?ok=followup_followed", "never an open redirect")
            #expect(unfollow.status == .seeOther)
            #expect(unknownKind.status == .notFound)
            let follows = try await server.store.follows(participantID: me.id, among: [
                .consultation(server.demo.id), .article(article.id), .contribution(contribution.contribution.id),
            ])
            #expect(follows == [.article(article.id), .contribution(contribution.contribution.id)])
            #expect(!visitor.body.contains("/suivis/"))
        }
    }

    @Test("a follower sees « Notifications (1) » in the nav and the sentence on the notifications page, highlighted until marked read; mail preferences are saved from the form")
    func notifications() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup: the follower follows p1, which the answerer then answers
            let s = try await LedgerScenario.make(server, b)
            #expect(try await b.api(.put, "/follows/contribution/\(s.p1)", token: s.follower.token).status == .ok)
            #expect(try await b.api(.put, "/contributions/\(s.p1)/answer", token: s.answerer.token, json: ["status": "retenue", "text": "Oui."]).status == .ok)
            let follower = try await LedgerScenario.browser(b, "follower@example.org")
            // act
            let home = try await follower.get("/")
            let list = try await follower.get("/notifications")
            let read = try await follower.post("/notifications/lues", [])
            let after = try await follower.get("/notifications")
            let prefs = try await follower.get("/notifications/preferences")
            let saved = try await follower.post("/notifications/preferences", [("frequency", "daily"), ("lang", "en")])
            let bad = try await follower.post("/notifications/preferences", [("frequency", "hourly"), ("lang", "fr")])
            let visitor = try await Browser(client: b.client).get("/notifications")
            // check
            #expect(home.body.contains("Notifications (1)"))
            #expect(list.body.contains("class=\"notification unread\""))
            #expect(list.body.contains("Réponse de l&#39;institution (Retenue) : « Priorité au logiciel libre »"))
            #expect(list.body.contains("href=\"/contributions/\(s.p1)\""))
            #expect(read.status == .seeOther)
            #expect(after.body.contains("Notifications (0)"))
            #expect(!after.body.contains("class=\"notification unread\""))
            #expect(prefs.body.contains("value=\"immediate\" checked"))
            #expect(saved.status == .seeOther)
            let pref = try await server.store.mailPreference(participantID: s.follower.id, newToken: "unused")
            #expect(pref.frequency == .daily)
            #expect(pref.lang == "en")
            #expect(bad.status == .unprocessableContent)
            #expect(bad.body.contains("Fréquence des courriels : valeur inconnue."))
            #expect(visitor.status == .forbidden)
        }
    }

    @Test("every follow-up form refuses a POST without its CSRF token")
    func csrf() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            let s = try await LedgerScenario.make(server, b)
            let orga = try await LedgerScenario.browser(b, "orga@example.org")
            // act
            var statuses: [HTTPResponse.Status] = []
            for (path, fields) in [
                ("/contributions/\(s.p1)/reponse", [("status", "retenue"), ("text", "Oui.")]),
                ("/consultations/\(s.id)/versions/nouvelle", [("label", "v1"), ("markdown", LedgerScenario.v1Text)]),
                ("/suivis/consultation/\(s.id)", [("action", "follow")]),
                ("/notifications/preferences", [("frequency", "never"), ("lang", "fr")]),
                ("/notifications/lues", []),
            ] {
                statuses.append(try await orga.post(path, fields, csrf: "").status)
            }
            // check
            #expect(statuses == Array(repeating: .forbidden, count: 5))
            #expect(try await server.store.textVersions(consultationID: s.id).isEmpty)
            #expect(try await server.store.answers(contributionID: s.p1).versions.isEmpty)
        }
    }

    @Test("the Suivi page of the demo says no version was published and lists its top contributions; the admin page shows the outbox and that no SMTP server is set")
    func demoSuiviAndOutbox() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            try await b.signUp(email: "admin@example.org")
            let admin = try #require(try await server.store.participant(email: "admin@example.org"))
            _ = try await server.store.setRole(participantID: admin.id, role: .admin)
            // act
            let suivi = try await b.get("/consultations/\(server.demo.id)/suivi")
            let adminPage = try await b.get("/admin")
            // check
            #expect(suivi.status == .ok)
            #expect(suivi.body.contains("Aucune version du texte n&#39;a été publiée depuis la consultation."))
            #expect(suivi.body.contains("Aucun lien enregistré"))
            #expect(suivi.body.contains("id=\"v0-article-1\""))
            #expect(adminPage.body.contains("Courriels sortants"))
            #expect(adminPage.body.contains("Aucun serveur SMTP n&#39;est configuré"))
        }
    }

    @Test("République numérique: the Suivi page lists the top 20 proposals, first « Donner la priorité aux logiciels libres… », each with no link recorded, and says no version was published")
    func republiqueNumeriqueSuivi() async throws {
        // setup
        let server = try await TestServer.make()
        let dir = SharedData.root.appendingPathComponent("republique-numerique-2015")
        let c = try await server.store.importConsultation(try RepubliqueNumeriqueImport.bundle(directory: dir))
        try await server.run { b in
            // act
            let suivi = try await b.get("/consultations/\(c.id)/suivi")
            // check
            #expect(suivi.status == .ok)
            let rows = suivi.body.components(separatedBy: "<td class=\"num\">").dropFirst()
            #expect(rows.count == 20)
            #expect(rows.first?.contains("Donner la priorité aux logiciels libres et aux formats ouverts dans le service public") == true)
            #expect(rows.allSatisfy { $0.contains("<span class=\"no-link\">Aucun lien enregistré</span>") })
            #expect(suivi.body.contains("Aucune version du texte n&#39;a été publiée depuis la consultation."))
            #expect(suivi.body.components(separatedBy: "class=\"suivi-article\"").count - 1 == 30)
        }
    }
}
