import ContribuezCore
import ContribuezStore
import ContribuezWeb
import Foundation
import HTTPTypes
import Testing

/// People and texts the institution's page tests share.
enum InstitutionFixtures {
    /// Signs up through the form and gives the instance role; returns the participant.
    @discardableResult
    static func account(_ b: Browser, _ server: TestServer, _ email: String, name: String = "Camille", role: Role = .participant) async throws -> Participant {
        try await b.signUp(email: email, name: name)
        let p = try #require(try await server.store.participant(email: email))
        if role != .participant { _ = try await server.store.setRole(participantID: p.id, role: role) }
        return p
    }

    /// A Markdown draft text: one title, two chapters, `count` articles, explanations on the even ones.
    static func markdown(articles count: Int = 10) -> String {
        var lines = ["# Titre Ier — Dispositions générales", "", "## Chapitre 1er — Principes", ""]
        for n in 1...count {
            if n == count / 2 + 1 { lines += ["## Chapitre 2 — Mise en œuvre", ""] }
            lines += ["### Article \(n) — Règle numéro \(n)", "", "Le texte de l’article \(n) pose une règle claire.", ""]
            if n % 2 == 0 { lines += ["Exposé des motifs : l’article \(n) se justifie ainsi.", ""] }
        }
        return lines.joined(separator: "\n")
    }

    /// The fields of the settings form, with overrides.
    static func settings(_ overrides: [String: String] = [:]) -> [(String, String)] {
        var f: [String: String] = [
            "title": "Loi pour une ville cyclable", "institution": "Ville de Lyon", "summary": "Un **projet** de règlement.",
            "opensAt": "2025-10-01T09:00", "closesAt": "2025-12-01T18:00", "moderation": "a_posteriori",
            "answerThreshold": "100", "answerDeadlineDays": "60", "reportThreshold": "3",
        ]
        for (k, v) in overrides { f[k] = v }
        return f.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Creates a consultation through the form as the browser's organiser; returns its id.
    static func create(_ b: Browser, _ overrides: [String: String] = [:]) async throws -> ID {
        try await b.get("/consultations/nouvelle")
        let created = try await b.post("/consultations/nouvelle", settings(overrides))
        #expect(created.status == .seeOther, "\(created.body)")
        let location = try #require(created.location)
        let parts = location.split(separator: "/")
        try #require(parts.count >= 2 && parts[0] == "consultations")
        return try #require(ID(String(parts[1])))
    }
}

@Suite("Institution pages: administration, set-up, roles")
struct OrganisePagesTests {
    @Test("only admins reach /admin; an admin gives the organiser role by e-mail, and the journal shows it")
    func adminGrantsOrganiser() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { b in
            let anonymous = try await Browser(client: b.client).get("/admin")
            let participant = Browser(client: b.client)
            try await InstitutionFixtures.account(participant, server, "future@example.fr", name: "Future Organisatrice")
            let refused = try await participant.get("/admin")
            try await InstitutionFixtures.account(b, server, "admin@example.fr", name: "Admin", role: .admin)
            // act
            let page = try await b.get("/admin")
            let granted = try await b.post("/admin/roles", [("email", "future@example.fr"), ("role", "organiser")])
            let after = try await b.get(granted.location ?? "/")
            let unknown = try await b.post("/admin/roles", [("email", "personne@example.fr"), ("role", "organiser")])
            let badRole = try await b.post("/admin/roles", [("email", "future@example.fr"), ("role", "empereur")])
            let journal = try await b.get("/admin/journal")
            let participantJournal = try await participant.get("/admin/journal")
            // check
            #expect(anonymous.status == .forbidden)
            #expect(refused.status == .forbidden)
            #expect(refused.body.contains("Seules les personnes qui administrent Contribuez peuvent faire cela."))
            #expect(page.status == .ok)
            #expect(page.body.contains("<label for=\"email\">"))
            #expect(granted.status == .seeOther)
            #expect(granted.location == "/admin?ok=instance_role_granted")
            #expect(after.body.contains("Le rôle est donné."))
            #expect(after.body.contains("Future Organisatrice"))
            #expect(try await server.store.participant(email: "future@example.fr")?.role == .organiser)
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.body.contains("Aucun compte n’a l’adresse personne@example.fr"))
            #expect(unknown.body.contains("value=\"personne@example.fr\""))
            #expect(badRole.status == .unprocessableContent)
            #expect(badRole.body.contains("valeurs acceptées") || badRole.body.contains("Valeurs acceptées : participant, organiser, admin."))
            #expect(journal.status == .ok)
            #expect(journal.body.contains("Rôle sur l’instance donné"))
            #expect(journal.body.contains("Organisateur·rice"))
            #expect(participantJournal.status == .forbidden)
        }
    }

    @Test("an instance organiser creates a consultation from the form; dates are read in Paris time")
    func createConsultation() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { b in
            try await InstitutionFixtures.account(b, server, "orga@example.fr", name: "Orga", role: .organiser)
            // act
            let home = try await b.get("/")
            let form = try await b.get("/consultations/nouvelle")
            let id = try await InstitutionFixtures.create(b, ["allowedKinds": "", "kind_association": "1", "moderation": "a_priori", "reportThreshold": "5"])
            let organiser = try await b.get("/consultations/\(id)/organiser?ok=consultation_created")
            let c = try #require(try await server.store.consultation(id: id))
            // check
            #expect(home.body.contains("href=\"/consultations/nouvelle\""))
            #expect(form.status == .ok)
            #expect(form.body.contains("type=\"datetime-local\""))
            #expect(form.body.contains("<legend>Mode de modération</legend>"))
            #expect(organiser.status == .ok)
            #expect(organiser.body.contains("La consultation est créée."))
            #expect(organiser.body.contains("Non publiée"))
            #expect(c.title == "Loi pour une ville cyclable")
            #expect(!c.isPublished)
            // 9:00 in Paris on 1 October 2025 (summer time, UTC+2) is 7:00 UTC.
            #expect(c.opensAt == ISO8601DateFormatter().date(from: "2025-10-01T07:00:00Z"))
            // 18:00 in Paris on 1 December 2025 (winter time, UTC+1) is 17:00 UTC.
            #expect(c.closesAt == ISO8601DateFormatter().date(from: "2025-12-01T17:00:00Z"))
            #expect(c.allowedKinds == [.association])
            #expect(c.settings == ConsultationSettings(moderation: .aPriori, answerThreshold: 100, answerDeadlineDays: 60, reportThreshold: 5))
            let orga = try #require(try await server.store.participant(email: "orga@example.fr"))
            #expect(try await server.store.consultationRoles(participantID: orga.id)[id] == .organiser)
        }
    }

    @Test("the creation form refuses participants, and shows bad or missing dates as field errors keeping the draft")
    func createRefusalsAndErrors() async throws {
        // setup
        let server = try await TestServer.make()
        let before = try await server.store.consultations().count
        try await server.run { b in
            let participant = Browser(client: b.client)
            try await InstitutionFixtures.account(participant, server, "simple@example.fr")
            try await InstitutionFixtures.account(b, server, "orga@example.fr", role: .organiser)
            try await b.get("/consultations/nouvelle")
            // act
            let refusedForm = try await participant.get("/consultations/nouvelle")
            try await participant.get("/")
            let refusedPost = try await participant.post("/consultations/nouvelle", InstitutionFixtures.settings())
            let anonymous = try await Browser(client: b.client).get("/consultations/nouvelle")
            let badDate = try await b.post("/consultations/nouvelle", InstitutionFixtures.settings(["opensAt": "31/02/2025", "title": "Brouillon gardé"]))
            let missing = try await b.post("/consultations/nouvelle", InstitutionFixtures.settings(["closesAt": ""]))
            let reversed = try await b.post("/consultations/nouvelle", InstitutionFixtures.settings(["closesAt": "2025-09-01T09:00"]))
            let noCSRF = try await b.post("/consultations/nouvelle", InstitutionFixtures.settings(), csrf: "")
            // check
            #expect(refusedForm.status == .forbidden)
            #expect(refusedPost.status == .forbidden)
            #expect(refusedPost.body.contains("Seuls les organisateurs"))
            #expect(anonymous.status == .forbidden)
            #expect(badDate.status == .unprocessableContent)
            #expect(badDate.body.contains("Date d&#39;ouverture : valeur invalide.") || badDate.body.contains("Date d'ouverture : valeur invalide."))
            #expect(badDate.body.contains("value=\"Brouillon gardé\""))
            #expect(missing.status == .unprocessableContent)
            #expect(missing.body.contains("Date de clôture : ce champ est obligatoire."))
            #expect(reversed.status == .unprocessableContent)
            #expect(reversed.body.contains("La date de clôture doit venir après la date d&#39;ouverture.")
                || reversed.body.contains("La date de clôture doit venir après la date d'ouverture."))
            #expect(noCSRF.status == .forbidden)
            #expect(try await server.store.consultations().count == before)
        }
    }

    @Test("the organiser previews a Markdown text (nothing saved), saves it, edits an article, publishes, then closes with a reason")
    func organiserPath() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { b in
            try await InstitutionFixtures.account(b, server, "orga@example.fr", name: "Orga", role: .organiser)
            let id = try await InstitutionFixtures.create(b, ["opensAt": "2025-10-01T09:00", "closesAt": "2025-12-01T18:00"])
            try await b.get("/consultations/\(id)/organiser")
            let markdown = InstitutionFixtures.markdown(articles: 10)
            // act
            let preview = try await b.post("/consultations/\(id)/organiser/texte", [("markdown", markdown), ("intent", "preview")])
            let afterPreview = try await server.store.articles(consultationID: id).count
            let saved = try await b.post("/consultations/\(id)/organiser/texte", [("markdown", markdown), ("intent", "save")])
            let page = try await b.get("/consultations/\(id)/organiser")
            let articles = try await server.store.articles(consultationID: id)
            let third = try #require(articles.first { $0.number == "3" })
            let editForm = try await b.get("/articles/\(third.id)/modifier")
            let edited = try await b.post("/articles/\(third.id)/modifier", [
                ("title", "Règle revue"), ("body", "Un texte revu."), ("explanation", ""), ("currentLaw", "  Art. 3. — L'ancienne règle.\r\nAlinéa 2.  "),
            ])
            let badEdit = try await b.post("/articles/\(third.id)/modifier", [("title", ""), ("body", ""), ("explanation", "")])
            let longLaw = try await b.post("/articles/\(third.id)/modifier", [
                ("title", "Règle revue"), ("body", "Un autre texte."), ("explanation", ""), ("currentLaw", String(repeating: "a", count: 100_001)),
            ])
            let afterLongLaw = try await server.store.article(id: third.id)
            try await b.get("/consultations/\(id)/organiser")
            let published = try await b.post("/consultations/\(id)/organiser/publier", [])
            let publicPage = try await Browser(client: b.client).get("/consultations/\(id)")
            let lateEdit = try await b.get("/articles/\(third.id)/modifier")
            try await b.get("/consultations/\(id)/organiser")
            let noReason = try await b.post("/consultations/\(id)/organiser/clore", [("reason", "")])
            let closed = try await b.post("/consultations/\(id)/organiser/clore", [("reason", "Le conseil municipal a voté le texte.")])
            let closedPage = try await Browser(client: b.client).get("/consultations/\(id)")
            let journal = try await server.store.auditEntries(consultationID: id, page: PageRequest(perPage: 50)).items.map(\.action)
            // check
            #expect(preview.status == .ok)
            #expect(preview.body.contains("10 articles dans 3 titres, chapitres ou sections."))
            #expect(preview.body.contains("Chapitre 2 — Mise en œuvre"))
            #expect(preview.body.contains("Règle numéro 10"))
            #expect(preview.body.contains("Le texte de l’article 7 pose une règle claire."))
            #expect(preview.body.contains("id=\"confirm-save\""))
            #expect(afterPreview == 0)
            #expect(saved.status == .seeOther)
            #expect(saved.location == "/consultations/\(id)/organiser?ok=text_saved#articles")
            #expect(page.body.contains("10 articles"))
            #expect(page.body.contains("href=\"/articles/\(third.id)/modifier\""))
            #expect(articles.count == 10)
            #expect(articles.first { $0.number == "2" }?.explanation.contains("se justifie ainsi") == true)
            #expect(editForm.status == .ok)
            #expect(editForm.body.contains("Le texte de l’article 3 pose une règle claire."))
            #expect(edited.status == .seeOther)
            #expect(editForm.body.contains("name=\"currentLaw\""))
            #expect(afterLongLaw?.body == "Un texte revu.")
            #expect(afterLongLaw?.currentLaw == "Art. 3. — L'ancienne règle.\nAlinéa 2.")
            #expect(longLaw.status == .unprocessableContent)
            #expect(longLaw.body.contains("Droit en vigueur : 100000 caractères au plus."))
            #expect(badEdit.status == .unprocessableContent)
            #expect(badEdit.body.contains("Texte de l&#39;article : ce champ est obligatoire.") || badEdit.body.contains("Texte de l'article : ce champ est obligatoire."))
            #expect(published.status == .seeOther)
            #expect(published.location == "/consultations/\(id)/organiser?ok=consultation_published")
            #expect(publicPage.status == .ok)
            #expect(publicPage.body.contains("<h3 class=\"section-heading\">Titre Ier — Dispositions générales"))
            #expect(publicPage.body.contains("<h4 class=\"section-heading\">Chapitre 1er — Principes"))
            #expect(publicPage.body.contains("<h5 class=\"article-heading\">"))
            #expect(publicPage.body.contains("<strong>projet</strong>"))
            #expect(lateEdit.status == .conflict)
            #expect(noReason.status == .unprocessableContent)
            #expect(noReason.body.contains("Motif : ce champ est obligatoire."))
            #expect(closed.status == .seeOther)
            #expect(closedPage.body.contains("Consultation close le"))
            #expect(closedPage.body.contains("Le conseil municipal a voté le texte."))
            #expect(journal.contains(.importText) && journal.contains(.editArticle) && journal.contains(.publish) && journal.contains(.close))
        }
    }

    @Test("a text with no article, or duplicate numbers, is shown again with line numbers, and nothing is saved")
    func badMarkdown() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { b in
            try await InstitutionFixtures.account(b, server, "orga@example.fr", role: .organiser)
            let id = try await InstitutionFixtures.create(b)
            try await b.get("/consultations/\(id)/organiser")
            let duplicate = "## Article 1\n\nUn.\n\n## Article 1\n\nDeux.\n"
            // act
            let none = try await b.post("/consultations/\(id)/organiser/texte", [("markdown", "# Un titre\n\nDu texte sans article.\n"), ("intent", "save")])
            let twice = try await b.post("/consultations/\(id)/organiser/texte", [("markdown", duplicate), ("intent", "preview")])
            let publishEmpty = try await b.post("/consultations/\(id)/organiser/publier", [])
            // check
            #expect(none.status == .unprocessableContent)
            #expect(none.body.contains("Le texte ne contient aucun article"))
            #expect(none.body.contains("Du texte sans article."))
            #expect(twice.status == .unprocessableContent)
            #expect(twice.body.contains("Ligne 5 : l&#39;article 1 existe déjà (ligne 1).") || twice.body.contains("Ligne 5 : l'article 1 existe déjà (ligne 1)."))
            #expect(publishEmpty.status == .unprocessableContent)
            #expect(try await server.store.articles(consultationID: id).isEmpty)
        }
    }

    @Test("organiser pages refuse participants, anonymous visitors, organisers of another consultation, and posts without CSRF")
    func organiserRefusals() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { b in
            try await InstitutionFixtures.account(b, server, "orga@example.fr", role: .organiser)
            let mine = try await InstitutionFixtures.create(b)
            let other = Browser(client: b.client)
            try await InstitutionFixtures.account(other, server, "autre@example.fr", role: .organiser)
            let theirs = try await InstitutionFixtures.create(other, ["title": "Une autre consultation"])
            let participant = Browser(client: b.client)
            try await InstitutionFixtures.account(participant, server, "simple@example.fr")
            try await b.get("/consultations/\(mine)/organiser")
            // act
            let crossPage = try await b.get("/consultations/\(theirs)/organiser")
            let crossRoles = try await b.get("/consultations/\(theirs)/roles")
            let crossText = try await b.post("/consultations/\(theirs)/organiser/texte", [("markdown", InstitutionFixtures.markdown()), ("intent", "save")])
            let crossPublish = try await b.post("/consultations/\(theirs)/organiser/publier", [])
            let participantPage = try await participant.get("/consultations/\(mine)/organiser")
            let demoPage = try await participant.get("/consultations/\(server.demo.id)/organiser")
            let anonymous = try await Browser(client: b.client).get("/consultations/\(mine)/organiser")
            let missing = try await b.get("/consultations/999999/organiser")
            let noCSRF = try await b.post("/consultations/\(mine)/organiser/texte", [("markdown", InstitutionFixtures.markdown()), ("intent", "save")], csrf: "")
            let otherOrigin = try await b.post("/consultations/\(mine)/organiser/publier", [], origin: "https://evil.example")
            // check
            #expect(crossPage.status == .forbidden)
            #expect(crossRoles.status == .forbidden)
            #expect(crossText.status == .forbidden)
            #expect(crossPublish.status == .forbidden)
            #expect(participantPage.status == .forbidden)
            #expect(demoPage.status == .forbidden)
            #expect(anonymous.status == .forbidden)
            #expect(missing.status == .notFound)
            #expect(noCSRF.status == .forbidden)
            #expect(otherOrigin.status == .forbidden)
            #expect(try await server.store.articles(consultationID: theirs).isEmpty)
            #expect(try await server.store.articles(consultationID: mine).isEmpty)
        }
    }

    @Test("the roles page gives a role by e-mail, refuses an unknown e-mail with a clear message, and takes roles back")
    func roles() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { b in
            let moderator = Browser(client: b.client)
            let m = try await InstitutionFixtures.account(moderator, server, "modo@example.fr", name: "Modo")
            try await InstitutionFixtures.account(b, server, "orga@example.fr", name: "Orga", role: .organiser)
            let id = try await InstitutionFixtures.create(b)
            // act
            let page = try await b.get("/consultations/\(id)/roles")
            let granted = try await b.post("/consultations/\(id)/roles", [("email", "MODO@example.fr"), ("role", "moderator")])
            let listed = try await b.get("/consultations/\(id)/roles")
            let queueAsModerator = try await moderator.get("/consultations/\(id)/moderation/file")
            let organiserAsModerator = try await moderator.get("/consultations/\(id)/organiser")
            let unknown = try await b.post("/consultations/\(id)/roles", [("email", "personne@example.fr"), ("role", "moderator")])
            let badRole = try await b.post("/consultations/\(id)/roles", [("email", "modo@example.fr"), ("role", "roi")])
            let revoked = try await b.post("/consultations/\(id)/roles/\(m.id)/retirer", [])
            let queueAfter = try await moderator.get("/consultations/\(id)/moderation/file")
            let again = try await b.post("/consultations/\(id)/roles/\(m.id)/retirer", [])
            // check
            #expect(page.status == .ok)
            #expect(page.body.contains("<select id=\"role\" name=\"role\">"))
            #expect(granted.status == .seeOther)
            #expect(granted.location == "/consultations/\(id)/roles?ok=role_granted")
            #expect(listed.body.contains("Modo"))
            #expect(listed.body.contains("Modération"))
            #expect(listed.body.contains("action=\"/consultations/\(id)/roles/\(m.id)/retirer\""))
            #expect(queueAsModerator.status == .ok)
            #expect(organiserAsModerator.status == .forbidden)
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.body.contains("Aucun compte n’a l’adresse personne@example.fr"))
            #expect(badRole.status == .unprocessableContent)
            #expect(revoked.status == .seeOther)
            // The consultation is not published: once the role is gone, the queue does not even exist for them.
            #expect(queueAfter.status == .notFound)
            #expect(again.status == .notFound)
            let actions = try await server.store.auditEntries(consultationID: id, page: PageRequest(perPage: 50)).items.map(\.action)
            #expect(actions.contains(.grantRole) && actions.contains(.revokeRole))
        }
    }

    @Test("the settings form edits the rules; a consultation's staff see links to their pages on the public page; pages speak English too")
    func settingsAndLinks() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { b in
            try await InstitutionFixtures.account(b, server, "admin@example.fr", role: .admin)
            try await b.get("/consultations/\(server.demo.id)/organiser")
            // act
            let saved = try await b.post("/consultations/\(server.demo.id)/organiser/reglages", InstitutionFixtures.settings([
                "title": server.demo.title, "opensAt": "2025-10-01T09:00", "closesAt": "2026-01-01T09:00", "moderation": "a_priori", "answerThreshold": "abc",
            ]))
            let fixed = try await b.post("/consultations/\(server.demo.id)/organiser/reglages", InstitutionFixtures.settings([
                "title": server.demo.title, "opensAt": "2025-10-01T09:00", "closesAt": "2026-01-01T09:00", "moderation": "a_priori",
            ]))
            let staffView = try await b.get("/consultations/\(server.demo.id)")
            let publicView = try await Browser(client: b.client).get("/consultations/\(server.demo.id)")
            let english = try await b.get("/consultations/\(server.demo.id)/organiser", headers: [.cookie: "cz_lang=en; " + b.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")])
            // check
            #expect(saved.status == .unprocessableContent)
            #expect(saved.body.contains("Seuil de réponse : valeur invalide."))
            #expect(fixed.status == .seeOther)
            #expect(try await server.store.consultation(id: server.demo.id)?.settings.moderation == .aPriori)
            #expect(staffView.body.contains("href=\"/consultations/\(server.demo.id)/organiser\""))
            #expect(staffView.body.contains("href=\"/consultations/\(server.demo.id)/moderation/file\""))
            #expect(!publicView.body.contains("/organiser\""))
            #expect(publicView.body.contains("href=\"/consultations/\(server.demo.id)/moderation\""))
            #expect(english.body.contains("Organising the consultation"))
            #expect(english.body.contains("Save the settings"))
        }
    }
}
