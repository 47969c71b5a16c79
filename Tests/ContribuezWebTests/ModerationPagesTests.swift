import ContribuezCore
import ContribuezStore
import ContribuezWeb
import Foundation
import HTTPTypes
import Testing

@Suite("Moderation pages: reports, placeholders, queue, public trace")
struct ModerationPagesTests {
    /// An argument on the demo's first article, posted through the form by a fresh account.
    static func argument(_ b: Browser, _ server: TestServer, text: String = "Un argument qui sera signalé.") async throws -> Contribution {
        let article = try await server.firstArticle()
        try await InstitutionFixtures.account(b, server, "auteur@example.fr", name: "Autrice")
        try await b.get("/articles/\(article.id)")
        let posted = try await b.post("/articles/\(article.id)/arguments", [("stance", "against"), ("text", text)])
        #expect(posted.status == .seeOther)
        let rows = try await server.store.contributions(ContributionQuery(articleID: article.id, kind: .argument, order: .recent), page: PageRequest())
        return try #require(rows.items.first { $0.contribution.body == text }?.contribution)
    }

    /// A new participant who reports the contribution through its page.
    static func report(_ b: Browser, _ server: TestServer, _ c: Contribution, _ n: Int, reason: String = "spam", text: String = "") async throws -> Reply {
        let reporter = Browser(client: b.client)
        try await InstitutionFixtures.account(reporter, server, "signale\(n)@example.fr", name: "Signaleur \(n)")
        try await reporter.get("/contributions/\(c.id)")
        return try await reporter.post("/contributions/\(c.id)/signalement", [("reason", reason), ("text", text)])
    }

    @Test("a signed-in participant reports once: the form, a thank-you flash, then 409 for a second report")
    func reportOnce() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { b in
            let c = try await Self.argument(b, server)
            let reporter = Browser(client: b.client)
            try await InstitutionFixtures.account(reporter, server, "vigilant@example.fr")
            // act
            let anonymous = try await Browser(client: b.client).get("/contributions/\(c.id)")
            let page = try await reporter.get("/contributions/\(c.id)")
            let noText = try await reporter.post("/contributions/\(c.id)/signalement", [("reason", "other"), ("text", "")])
            let noCSRF = try await reporter.post("/contributions/\(c.id)/signalement", [("reason", "spam")], csrf: "")
            let sent = try await reporter.post("/contributions/\(c.id)/signalement", [("reason", "offensive"), ("text", "Insultant.")])
            let after = try await reporter.get(sent.location ?? "/")
            let twice = try await reporter.post("/contributions/\(c.id)/signalement", [("reason", "spam")])
            let anonymousPost = try await Browser(client: b.client).post("/contributions/\(c.id)/signalement", [("reason", "spam")])
            // check
            #expect(!anonymous.body.contains("/signalement\""))
            #expect(page.body.contains("action=\"/contributions/\(c.id)/signalement\""))
            #expect(page.body.contains("Propos injurieux ou haineux"))
            #expect(page.body.contains("<legend>Pourquoi signalez-vous cette contribution ?</legend>"))
            #expect(noText.status == .unprocessableContent)
            #expect(noText.body.contains("Précision") || noText.body.contains("ce champ est obligatoire"))
            #expect(noCSRF.status == .forbidden)
            #expect(sent.status == .seeOther)
            #expect(sent.location == "/contributions/\(c.id)?ok=report_sent")
            #expect(after.body.contains("Merci, votre signalement a été transmis."))
            #expect(after.body.contains("Vous avez signalé cette contribution."))
            #expect(!after.body.contains("action=\"/contributions/\(c.id)/signalement\""))
            #expect(twice.status == .conflict)
            #expect(twice.body.contains("Vous avez déjà signalé cette contribution."))
            #expect(anonymousPost.status == .forbidden)
            #expect(try await server.store.reports(contributionID: c.id).count == 1)
        }
    }

    @Test("three reports hide an argument with its placeholder; a moderator restores it from the queue; the public page counts both")
    func hideByReportsThenRestore() async throws {
        // setup
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await server.run { b in
            let c = try await Self.argument(b, server)
            let moderator = Browser(client: b.client)
            let m = try await InstitutionFixtures.account(moderator, server, "modo@example.fr", name: "Modo")
            try await server.makeOrganiser(m.id, role: .moderator)
            // act
            for n in 1...3 { _ = try await Self.report(b, server, c, n, reason: n == 3 ? "offensive" : "spam") }
            let hiddenArticle = try await Browser(client: b.client).get("/articles/\(article.id)")
            let hiddenItem = try await Browser(client: b.client).get("/contributions/\(c.id)")
            let authorPage = try await b.get("/participants/\(c.authorID ?? 0)")
            let participantQueue = try await b.get("/consultations/\(server.demo.id)/moderation/file")
            let anonymousQueue = try await Browser(client: b.client).get("/consultations/\(server.demo.id)/moderation/file")
            let queue = try await moderator.get("/consultations/\(server.demo.id)/moderation/file")
            let filtered = try await moderator.get("/consultations/\(server.demo.id)/moderation/file?motif=personal_data")
            let byOffensive = try await moderator.get("/consultations/\(server.demo.id)/moderation/file?motif=offensive")
            let moderatorView = try await moderator.get("/contributions/\(c.id)")
            let restored = try await moderator.post("/contributions/\(c.id)/moderation", [
                ("action", "restore"), ("reason", "compliant"), ("note", "Critique vive mais conforme."),
                ("back", "/consultations/\(server.demo.id)/moderation/file"),
            ])
            let queueAfter = try await moderator.get(restored.location ?? "/")
            let shownAgain = try await Browser(client: b.client).get("/articles/\(article.id)")
            let publicPage = try await Browser(client: b.client).get("/consultations/\(server.demo.id)/moderation")
            // check
            #expect(hiddenArticle.body.contains("après plusieurs signalements, en attente de vérification : Spam ou publicité"))
            #expect(!hiddenArticle.body.contains("Un argument qui sera signalé."))
            #expect(hiddenItem.status == .ok)
            #expect(hiddenItem.body.contains("après plusieurs signalements"))
            #expect(!hiddenItem.body.contains("Un argument qui sera signalé."))
            #expect(!hiddenItem.body.contains("Autrice"))
            #expect(authorPage.body.contains("En attente ou masquées"))
            #expect(authorPage.body.contains("après plusieurs signalements"))
            #expect(participantQueue.status == .forbidden)
            #expect(anonymousQueue.status == .forbidden)
            #expect(queue.status == .ok)
            #expect(queue.body.contains("Un argument qui sera signalé."))
            #expect(queue.body.contains("Spam ou publicité : 2"))
            #expect(queue.body.contains("Propos injurieux ou haineux : 1"))
            #expect(queue.body.contains("name=\"action\" value=\"restore\""))
            #expect(!filtered.body.contains("Un argument qui sera signalé."))
            #expect(byOffensive.body.contains("Un argument qui sera signalé."))
            #expect(moderatorView.body.contains("Un argument qui sera signalé."))
            #expect(moderatorView.body.contains("après plusieurs signalements"))
            #expect(restored.status == .seeOther)
            #expect(queueAfter.body.contains("La décision est enregistrée."))
            #expect(queueAfter.body.contains("Rien à modérer."))
            #expect(shownAgain.body.contains("Un argument qui sera signalé."))
            #expect(publicPage.status == .ok)
            #expect(publicPage.body.contains("Masquée après signalements"))
            #expect(publicPage.body.contains("Rétablie"))
            #expect(publicPage.body.contains("Conforme à la charte"))
            #expect(!publicPage.body.contains("Modo"))
        }
    }

    @Test("a moderator hides with a charter reason; the placeholder keeps its place; a bad decision is 422 on the queue")
    func hideByModerator() async throws {
        // setup
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await server.run { b in
            let c = try await Self.argument(b, server, text: "Mon numéro est le 06 12 34 56 78.")
            _ = try await Self.report(b, server, c, 1, reason: "personal_data")
            let moderator = Browser(client: b.client)
            let m = try await InstitutionFixtures.account(moderator, server, "modo@example.fr")
            try await server.makeOrganiser(m.id, role: .moderator)
            try await moderator.get("/consultations/\(server.demo.id)/moderation/file")
            // act
            let wrong = try await moderator.post("/contributions/\(c.id)/moderation", [("action", "hide"), ("reason", "compliant")])
            let hidden = try await moderator.post("/contributions/\(c.id)/moderation", [("action", "hide"), ("reason", "personal_data")])
            let page = try await Browser(client: b.client).get("/articles/\(article.id)")
            let publicPage = try await Browser(client: b.client).get("/consultations/\(server.demo.id)/moderation")
            let notModerator = try await b.post("/contributions/\(c.id)/moderation", [("action", "restore"), ("reason", "compliant")])
            // check
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.body.contains("Motif : valeur inconnue."))
            #expect(hidden.status == .seeOther)
            #expect(page.body.contains("Masqué par la modération le"))
            #expect(page.body.contains(": Données personnelles"))
            #expect(!page.body.contains("06 12 34 56 78"))
            #expect(publicPage.body.contains("Données personnelles"))
            #expect(publicPage.body.contains("href=\"/contributions/\(c.id)\""))
            #expect(notModerator.status == .forbidden)
        }
    }

    @Test("on an unpublished consultation, a participant who cannot read it gets 404 from the queue and from the moderation form, even with a bad action")
    func unpublishedIsNotFound() async throws {
        // setup
        let server = try await TestServer.make()
        let hidden = try await server.store.createConsultation(NewConsultation(
            slug: "brouillon", title: "Brouillon", summary: "", institution: "Ville", isPublished: false,
            opensAt: TestServer.t0 - 86_400, closesAt: TestServer.t0 + 86_400))
        let c = try await server.store.addContribution(NewContribution(
            consultationID: hidden.id, kind: .proposal, articleID: nil, parentID: nil, authorID: nil, authorName: "X",
            title: "Pas encore publique", body: "Une proposition d'une consultation non publiée.", createdAt: TestServer.t0))
        try await server.run { b in
            try await InstitutionFixtures.account(b, server, "curieux@example.fr", name: "Curieux")
            try await b.get("/")
            // act
            let queue = try await b.get("/consultations/\(hidden.id)/moderation/file")
            let badAction = try await b.post("/contributions/\(c.id)/moderation", [("action", "nope"), ("reason", "spam")])
            let goodAction = try await b.post("/contributions/\(c.id)/moderation", [("action", "hide"), ("reason", "spam")])
            // check
            #expect(queue.status == .notFound)
            #expect(badAction.status == .notFound, "a bad action must not tell that the contribution exists")
            #expect(goodAction.status == .notFound)
            #expect(try await server.store.contribution(id: c.id)?.isHidden == false)
        }
    }

    @Test("a priori: a new argument is held, the public does not see it, its author sees « en attente »; approval publishes it")
    func aPriori() async throws {
        // setup
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        var demo = server.demo
        demo.settings.moderation = .aPriori
        try await server.store.updateConsultation(demo, audit: AuditEntry(
            consultationID: demo.id, actorID: nil, actorName: "test", action: .editConsultation, targetKind: "consultation", targetID: demo.id, at: server.clock.now()))
        try await server.run { b in
            let author = try await InstitutionFixtures.account(b, server, "auteur@example.fr", name: "Autrice")
            try await b.get("/articles/\(article.id)")
            // act
            let posted = try await b.post("/articles/\(article.id)/arguments", [("stance", "for"), ("text", "Un argument tenu en attente.")])
            let flash = try await b.get(posted.location ?? "/")
            let held = try #require(try await server.store.unpublishedContributions(authorID: author.id, page: PageRequest()).items.first)
            let publicArticle = try await Browser(client: b.client).get("/articles/\(article.id)")
            let publicItem = try await Browser(client: b.client).get("/contributions/\(held.id)")
            let ownItem = try await b.get("/contributions/\(held.id)")
            let own = try await b.get("/participants/\(author.id)")
            let moderator = Browser(client: b.client)
            let m = try await InstitutionFixtures.account(moderator, server, "modo@example.fr")
            try await server.makeOrganiser(m.id, role: .moderator)
            let queue = try await moderator.get("/consultations/\(server.demo.id)/moderation/file")
            let approved = try await moderator.post("/contributions/\(held.id)/moderation", [("action", "approve"), ("reason", "compliant")])
            let publicAfter = try await Browser(client: b.client).get("/articles/\(article.id)")
            let ownAfter = try await b.get("/participants/\(author.id)")
            // check
            #expect(posted.status == .seeOther)
            #expect(posted.location == "/articles/\(article.id)?ok=contribution_pending")
            #expect(flash.body.contains("elle sera publiée après vérification par la modération"))
            #expect(held.status == .pending)
            #expect(!publicArticle.body.contains("Un argument tenu en attente."))
            #expect(publicItem.status == .notFound)
            #expect(ownItem.status == .ok)
            #expect(ownItem.body.contains("En attente de modération"))
            #expect(own.body.contains("Un argument tenu en attente."))
            #expect(own.body.contains("En attente de modération"))
            #expect(queue.body.contains("Un argument tenu en attente."))
            #expect(queue.body.contains("name=\"action\" value=\"approve\""))
            #expect(queue.body.contains("name=\"action\" value=\"reject\""))
            #expect(approved.status == .seeOther)
            #expect(publicAfter.body.contains("Un argument tenu en attente."))
            #expect(!ownAfter.body.contains("En attente de modération"))
        }
    }

    @Test("a rejected item stays out of public view and its author sees why")
    func rejected() async throws {
        // setup
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        var demo = server.demo
        demo.settings.moderation = .aPriori
        try await server.store.updateConsultation(demo, audit: AuditEntry(
            consultationID: demo.id, actorID: nil, actorName: "test", action: .editConsultation, targetKind: "consultation", targetID: demo.id, at: server.clock.now()))
        try await server.run { b in
            let author = try await InstitutionFixtures.account(b, server, "auteur@example.fr", name: "Autrice")
            try await b.get("/articles/\(article.id)")
            try await b.post("/articles/\(article.id)/arguments", [("stance", "for"), ("text", "Achetez mes montres pas chères.")])
            let held = try #require(try await server.store.unpublishedContributions(authorID: author.id, page: PageRequest()).items.first)
            let moderator = Browser(client: b.client)
            let m = try await InstitutionFixtures.account(moderator, server, "modo@example.fr")
            try await server.makeOrganiser(m.id, role: .moderator)
            try await moderator.get("/consultations/\(server.demo.id)/moderation/file")
            // act
            let rejected = try await moderator.post("/contributions/\(held.id)/moderation", [("action", "reject"), ("reason", "spam")])
            let own = try await b.get("/participants/\(author.id)")
            let publicArticle = try await Browser(client: b.client).get("/articles/\(article.id)")
            // check
            #expect(rejected.status == .seeOther)
            #expect(own.body.contains("Refusée par la modération : Spam ou publicité"))
            #expect(!publicArticle.body.contains("Achetez mes montres"))
        }
    }
}

@Suite("Moderating from the contribution page")
struct ModerateFromPageTests {
    @Test("a moderator hides a published argument from its own page and restores it there; a participant sees no such form")
    func hideFromPage() async throws {
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await server.run { b in
            // setup: an argument, a moderator of the demo consultation
            try await b.signUp(email: "auteur@example.org", name: "Auteur")
            _ = try await b.get("/articles/\(article.id)")
            _ = try await b.post("/articles/\(article.id)/arguments", [("stance", "against"), ("text", "Un argument que la modération masquera.")])
            let author = try #require(try await server.store.participant(email: "auteur@example.org"))
            let mine = try await server.store.contributions(ContributionQuery(articleID: article.id, kind: .argument, authorID: author.id), page: PageRequest())
            let argument = try #require(mine.items.first).contribution
            let asAuthor = try await b.get("/contributions/\(argument.id)")
            b.cookies = [:]
            try await b.signUp(email: "modo@example.org", name: "Modo")
            let moderator = try #require(try await server.store.participant(email: "modo@example.org"))
            try await server.makeOrganiser(moderator.id, role: .moderator)
            // act
            let page = try await b.get("/contributions/\(argument.id)")
            let hidden = try await b.post("/contributions/\(argument.id)/moderation", [
                ("action", "hide"), ("reason", "personal_data"), ("note", "Un numéro de téléphone."), ("back", "/contributions/\(argument.id)")])
            let afterHide = try await b.get("/contributions/\(argument.id)")
            let restored = try await b.post("/contributions/\(argument.id)/moderation", [
                ("action", "restore"), ("reason", "compliant"), ("note", "Numéro retiré par l'auteur."), ("back", "/contributions/\(argument.id)")])
            // check
            #expect(!asAuthor.body.contains("name=\"action\" value=\"hide\""))
            #expect(page.body.contains("name=\"action\" value=\"hide\""))
            #expect(hidden.status == .seeOther)
            #expect(hidden.location?.hasPrefix("/contributions/\(argument.id)") == true)
            #expect(afterHide.body.contains("name=\"action\" value=\"restore\""))
            #expect(restored.status == .seeOther)
            #expect(try await server.store.contribution(id: argument.id)?.isPublic == true)
        }
    }
}
