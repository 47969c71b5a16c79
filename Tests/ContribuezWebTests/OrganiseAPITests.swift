import ContribuezCore
import ContribuezStore
import ContribuezWeb
import Foundation
import HTTPTypes
import Testing

/// A draft text of 12 articles in the import format (titles, chapters, « exposé des motifs »).
enum DraftFixture {
    static let text = """
    # Projet de loi pour une République numérique

    ## Titre Ier — La circulation des données et du savoir

    ### Chapitre Ier — Économie de la donnée

    ## Article 1er — Communication des documents administratifs

    Les administrations communiquent, à toute personne qui en fait la demande, les documents administratifs qu'elles détiennent.

    Exposé des motifs : l'ouverture des données publiques devient la règle.

    ## Article 2 — Données de référence

    La mise à disposition des données de référence constitue une mission de service public.

    > Les données de référence sont les plus utilisées par les acteurs publics et privés.

    ## Article 3

    Les administrations publient en ligne les règles définissant les principaux traitements algorithmiques.

    ## Article 4 — Codes sources

    Les codes sources sont des documents administratifs communicables.

    ### Chapitre II — Économie du savoir

    ## Article 5

    Les écrits scientifiques financés au moins pour moitié par des fonds publics peuvent être mis à disposition gratuitement.

    ## Article 6

    Les données de la recherche issues de fonds publics sont librement réutilisables.

    ## Article 7 — Fouille de textes

    Les copies numériques réalisées pour la fouille de textes et de données sont autorisées.

    ## Titre II — La protection des droits dans la société numérique

    ## Article 8 — Neutralité de l'internet

    Les fournisseurs d'accès traitent de manière égale le trafic.

    ## Article 9

    Le droit à la portabilité des données est garanti.

    ## Article 10 — Loyauté des plateformes

    Les opérateurs de plateforme délivrent une information loyale, claire et transparente.

    ## Article 11

    Les avis en ligne des consommateurs sont accompagnés d'une information sur leur vérification.

    ## Article 11 bis

    Les mineurs bénéficient d'un droit à l'oubli renforcé.
    """
}

@Suite("Institution API (issue 8)")
struct OrganiseAPITests {
    /// An account with a bearer token, and its participant id.
    static func account(_ b: Browser, _ email: String) async throws -> (token: String, id: ID) {
        let token = try await b.apiAccount(email)
        let me = try await b.api(.get, "/me", token: token)
        return (token, try #require(me.json["id"] as? Int).int64)
    }

    @Test("the whole path: admin grants an organiser, who creates, imports 12 articles with a preview, publishes; three reports hide an argument; a moderator restores it; counts and audit show every step")
    func wholePath() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup: the first admin, as `contribuez grant EMAIL admin` makes it
            let admin = try await Self.account(b, "admin@example.org")
            _ = try await server.store.setRole(participantID: admin.id, role: .admin)
            let orga = try await Self.account(b, "orga@example.org")
            let moderator = try await Self.account(b, "mod@example.org")
            let author = try await Self.account(b, "author@example.org")
            var reporters: [String] = []
            for i in 1...3 { reporters.append(try await Self.account(b, "r\(i)@example.org").token) }

            // act: roles and set-up
            let granted = try await b.api(.put, "/participants/\(orga.id)/role", token: admin.token, json: ["role": "organiser"])
            #expect(granted.status == .ok, "\(granted.body)")
            let created = try await b.api(.post, "/consultations", token: orga.token, json: [
                "title": "République numérique", "summary": "Un projet de loi **ouvert**.", "institution": "Secrétariat d'État au numérique",
                "opensAt": "2025-10-01T08:00:00Z", "closesAt": "2025-11-30T22:00:00+01:00", "allowedKinds": ["citizen", "association"],
                "moderation": "a_posteriori", "answerThreshold": 50, "answerDeadlineDays": 30,
            ])
            #expect(created.status == .created, "\(created.body)")
            let id = try #require(created.json["id"] as? Int).int64
            #expect(created.json["url"] as? String == "/consultations/\(id)")
            #expect(created.json["isPublished"] as? Bool == false)
            #expect(created.json["answerThreshold"] as? Int == 50)
            // Drafts are invisible to the public.
            #expect(try await b.api(.get, "/consultations/\(id)").status == .notFound)

            let preview = try await b.request(.put, "/api/v1/consultations/\(id)/text?preview=true",
                                              headers: [.contentType: "text/markdown", .authorization: "Bearer \(orga.token)"], body: DraftFixture.text)
            #expect(preview.status == .ok, "\(preview.body)")
            #expect(preview.json["saved"] as? Bool == false)
            #expect(preview.json["articleCount"] as? Int == 12)
            #expect(try await server.store.articles(consultationID: id).isEmpty)

            let saved = try await b.request(.put, "/api/v1/consultations/\(id)/text",
                                            headers: [.contentType: "text/markdown", .authorization: "Bearer \(orga.token)"], body: DraftFixture.text)
            #expect(saved.status == .ok, "\(saved.body)")
            let articles = try await server.store.articles(consultationID: id)
            #expect(articles.map(\.number) == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "11 bis"])
            #expect(articles[0].explanation.contains("ouverture des données"))
            #expect(articles[1].explanation.contains("données de référence sont"))
            let sections = try await server.store.sections(consultationID: id)
            #expect(sections.map(\.level).contains(3))

            let published = try await b.api(.post, "/consultations/\(id)/publish", token: orga.token)
            #expect(published.status == .ok, "\(published.body)")
            #expect(published.json["phase"] as? String == "open")
            let roleGranted = try await b.api(.put, "/consultations/\(id)/roles/\(moderator.id)", token: orga.token, json: ["role": "moderator"])
            #expect(roleGranted.status == .ok, "\(roleGranted.body)")

            // act: participation, reports, moderation
            let argument = try await b.api(.post, "/articles/\(articles[0].id)/arguments", token: author.token,
                                           json: ["stance": "against", "text": "Cet argument sera signalé trois fois."])
            #expect(argument.status == .created, "\(argument.body)")
            let argumentID = try #require(argument.json["id"] as? Int).int64
            var lastReport: Reply?
            for (i, token) in reporters.enumerated() {
                lastReport = try await b.api(.post, "/contributions/\(argumentID)/reports", token: token,
                                             json: ["reason": i == 2 ? "spam" : "offensive"])
                #expect(lastReport?.status == .created, "\(lastReport?.body ?? "")")
            }
            #expect(lastReport?.json["hidden"] as? Bool == true)
            let publicView = try await b.api(.get, "/contributions/\(argumentID)")
            #expect(publicView.status == .ok)
            #expect(publicView.json["text"] as? String == "")
            let hiddenNote = try #require(publicView.json["hidden"] as? [String: Any])
            #expect(hiddenNote["reason"] as? String == "offensive")
            #expect(hiddenNote["byReports"] as? Bool == true)
            let listed = try await b.api(.get, "/articles/\(articles[0].id)?kind=argument")
            let items = (listed.json["contributions"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
            #expect(items.count == 1, "the hidden argument keeps its place")
            #expect(items.first?["text"] as? String == "")

            let queue = try await b.api(.get, "/consultations/\(id)/moderation", token: moderator.token)
            #expect(queue.status == .ok)
            let queued = queue.json["items"] as? [[String: Any]] ?? []
            #expect(queued.count == 1)
            #expect(queued.first?["reportCount"] as? Int == 3)
            #expect(try await b.api(.get, "/consultations/\(id)/moderation", token: author.token).status == .forbidden)

            let restored = try await b.api(.post, "/contributions/\(argumentID)/moderation", token: moderator.token,
                                           json: ["action": "restore", "reason": "compliant", "note": "Critique vive mais conforme à la charte."])
            #expect(restored.status == .ok, "\(restored.body)")
            #expect(restored.json["hidden"] == nil)
            #expect(try await b.api(.get, "/contributions/\(argumentID)").json["text"] as? String == "Cet argument sera signalé trois fois.")
            #expect((try await b.api(.get, "/consultations/\(id)/moderation", token: moderator.token).json["items"] as? [Any])?.isEmpty == true)

            // check: public counts and the audit trail
            let summary = try await b.api(.get, "/consultations/\(id)/moderation/summary")
            let decisions = summary.json["decisions"] as? [[String: Any]] ?? []
            #expect(decisions.contains { $0["action"] as? String == "hide_by_reports" && $0["reason"] as? String == "offensive" && $0["count"] as? Int == 1 })
            #expect(decisions.contains { $0["action"] as? String == "restore" && $0["reason"] as? String == "compliant" && $0["count"] as? Int == 1 })
            #expect(!summary.body.contains("mod@example.org") && !summary.body.contains("actor"))

            let audit = try await b.api(.get, "/consultations/\(id)/audit", token: admin.token)
            #expect(audit.status == .ok)
            let actions = (audit.json["items"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(actions == ["create_consultation", "import_text", "publish", "grant_role", "hide_by_reports", "restore"])
            let whole = try await b.api(.get, "/audit", token: admin.token)
            #expect((whole.json["items"] as? [[String: Any]] ?? []).first?["action"] as? String == "grant_instance_role")
            #expect(try await b.api(.get, "/consultations/\(id)/audit", token: orga.token).status == .forbidden)
            #expect(try await b.api(.get, "/audit", token: moderator.token).status == .forbidden)
            #expect(try await b.api(.get, "/audit").status == .unauthorized)
        }
    }

    @Test("bad input: no article, duplicate numbers with lines, over 2 MB, dates, unknown fields, roles and reasons, double report, someone else's consultation, unknown ids")
    func badInput() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            let orga = try await Self.account(b, "orga@example.org")
            _ = try await server.store.setRole(participantID: orga.id, role: .organiser)
            let other = try await Self.account(b, "other@example.org")
            _ = try await server.store.setRole(participantID: other.id, role: .organiser)
            let plain = try await Self.account(b, "plain@example.org")
            let body: [String: Any] = ["title": "Consultation test", "summary": "", "institution": "Ville", "opensAt": "2025-10-01T08:00:00Z", "closesAt": "2025-12-01T08:00:00Z"]
            let created = try await b.api(.post, "/consultations", token: orga.token, json: body)
            let id = try #require(created.json["id"] as? Int).int64
            func put(_ text: String, token: String? = nil, type: String = "text/markdown") async throws -> Reply {
                try await b.request(.put, "/api/v1/consultations/\(id)/text", headers: [.contentType: type, .authorization: "Bearer \(token ?? orga.token)"], body: text)
            }

            // act + check: the text
            let none = try await put("# Titre\n\nDu texte sans article.\n")
            #expect(none.status == .unprocessableContent)
            #expect(none.headers[.contentType] == "application/problem+json")
            #expect((none.json["errors"] as? [[String: Any]])?.first?["rule"] as? String == "no_article")
            let dup = try await put("## Article 1\n\nUn.\n\n## Article 2\n\nDeux.\n\n## Article 1er\n\nEncore un.\n")
            #expect(dup.status == .unprocessableContent)
            let dupError = try #require((dup.json["errors"] as? [[String: Any]])?.first)
            #expect(dupError["rule"] as? String == "duplicate_number")
            #expect(dupError["line"] as? Int == 9)
            #expect(dupError["otherLine"] as? Int == 1)
            #expect((dupError["message"] as? String)?.contains("Ligne 9") == true)
            let huge = try await put("## Article 1\n\n" + String(repeating: "a", count: 2 * 1024 * 1024))
            #expect(huge.status == .contentTooLarge)
            #expect(try await put("## Article 1\n\nUn.\n", type: "application/pdf").status == .unsupportedMediaType)
            #expect(try await put("## Article 1\n\nUn.\n", token: other.token).status == .forbidden)
            #expect(try await put("## Article 1\n\nUn.\n", token: plain.token).status == .forbidden)
            #expect(try await server.store.articles(consultationID: id).isEmpty, "nothing saved")

            // the consultation's fields
            var backwards = body; backwards["closesAt"] = "2025-09-01T08:00:00Z"
            let dates = try await b.api(.post, "/consultations", token: orga.token, json: backwards)
            #expect(dates.status == .unprocessableContent)
            #expect((dates.json["errors"] as? [[String: Any]])?.contains { $0["rule"] as? String == "before_opening" } == true)
            var extra = body; extra["isPublished"] = true; extra["id"] = 1
            let mass = try await b.api(.post, "/consultations", token: orga.token, json: extra)
            #expect(mass.status == .unprocessableContent)
            #expect(Set((mass.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }) == ["isPublished", "id"])
            var badMode = body; badMode["moderation"] = "never"
            let mode = try await b.api(.post, "/consultations", token: orga.token, json: badMode)
            #expect((mode.json["errors"] as? [[String: Any]])?.first?["accepted"] as? [String] == ["a_posteriori", "a_priori"])
            var badDate = body; badDate["opensAt"] = "1er octobre"
            #expect(try await b.api(.post, "/consultations", token: orga.token, json: badDate).status == .unprocessableContent)
            #expect(try await b.api(.post, "/consultations", token: plain.token, json: body).status == .forbidden)
            #expect(try await b.api(.post, "/consultations", json: body).status == .unauthorized)
            #expect(try await server.store.consultations().count == 2, "the demo and the one created")
            let patch = try await b.api(.patch, "/consultations/\(id)", token: orga.token, json: ["title": "Nouveau titre", "reportThreshold": 5])
            #expect(patch.status == .ok, "\(patch.body)")
            #expect(patch.json["reportThreshold"] as? Int == 5)
            #expect(try await b.api(.patch, "/consultations/\(id)", token: other.token, json: ["title": "Pris"]).status == .forbidden)
            #expect(try await b.api(.patch, "/consultations/999999", token: orga.token, json: ["title": "Rien"]).status == .notFound)
            #expect(try await b.api(.patch, "/consultations/\(id)", token: orga.token, json: ["slug": "x"]).status == .unprocessableContent)
            #expect(try await b.api(.post, "/consultations/\(id)/publish", token: orga.token).status == .unprocessableContent, "no text yet")

            // roles
            let role = try await b.api(.put, "/consultations/\(id)/roles/\(plain.id)", token: orga.token, json: ["role": "king"])
            #expect(role.status == .unprocessableContent)
            #expect((role.json["errors"] as? [[String: Any]])?.first?["accepted"] as? [String] == ["organiser", "moderator", "answerer"])
            #expect(try await b.api(.put, "/consultations/\(id)/roles/\(plain.id)", token: other.token, json: ["role": "moderator"]).status == .forbidden)
            #expect(try await b.api(.put, "/consultations/\(id)/roles/999999", token: orga.token, json: ["role": "moderator"]).status == .unprocessableContent)
            #expect(try await b.api(.delete, "/consultations/\(id)/roles/\(plain.id)", token: orga.token).status == .notFound)
            #expect(try await b.api(.put, "/participants/\(plain.id)/role", token: orga.token, json: ["role": "admin"]).status == .forbidden)

            // reports on the demo consultation
            let article = try await server.firstArticle()
            let arg = try await b.api(.post, "/articles/\(article.id)/arguments", token: other.token, json: ["stance": "for", "text": "Un argument à signaler."])
            let argID = try #require(arg.json["id"] as? Int).int64
            let unknownReason = try await b.api(.post, "/contributions/\(argID)/reports", token: plain.token, json: ["reason": "boring"])
            #expect(unknownReason.status == .unprocessableContent)
            #expect((unknownReason.json["errors"] as? [[String: Any]])?.first?["accepted"] as? [String] == ["spam", "offensive", "off_topic", "personal_data", "other"])
            #expect(try await b.api(.post, "/contributions/\(argID)/reports", token: plain.token, json: ["reason": "other"]).status == .unprocessableContent, "other needs a text")
            #expect(try await b.api(.post, "/contributions/\(argID)/reports", token: plain.token, json: ["reason": "spam"]).status == .created)
            let twice = try await b.api(.post, "/contributions/\(argID)/reports", token: plain.token, json: ["reason": "offensive"])
            #expect(twice.status == .conflict)
            #expect(twice.json["type"] as? String == "urn:contribuez:problem:duplicate_report")
            #expect(try await b.api(.post, "/contributions/999999/reports", token: plain.token, json: ["reason": "spam"]).status == .notFound)
            #expect(try await b.api(.post, "/contributions/\(argID)/reports", json: ["reason": "spam"]).status == .unauthorized)
            let notModerator = try await b.api(.post, "/contributions/\(argID)/moderation", token: orga.token, json: ["action": "hide", "reason": "spam"])
            #expect(notModerator.status == .forbidden, "organiser of another consultation")
            #expect(try await server.store.reports(contributionID: argID).count == 1)
        }
    }

    @Test("a_priori: a contribution is held, seen by its author and moderators only, published on approval; rejection keeps it out; hiding twice is idempotent")
    func aPriori() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            let orga = try await Self.account(b, "orga@example.org")
            _ = try await server.store.setRole(participantID: orga.id, role: .organiser)
            let author = try await Self.account(b, "author@example.org")
            let created = try await b.api(.post, "/consultations", token: orga.token, json: [
                "title": "Avant-propos", "summary": "", "institution": "Ville", "opensAt": "2025-10-01T08:00:00Z", "closesAt": "2025-12-01T08:00:00Z",
                "moderation": "a_priori",
            ])
            let id = try #require(created.json["id"] as? Int).int64
            _ = try await b.request(.put, "/api/v1/consultations/\(id)/text", headers: [.contentType: "text/markdown", .authorization: "Bearer \(orga.token)"], body: DraftFixture.text)
            #expect(try await b.api(.post, "/consultations/\(id)/publish", token: orga.token).status == .ok)
            let article = try #require(try await server.store.articles(consultationID: id).first)

            // act
            let held = try await b.api(.post, "/articles/\(article.id)/arguments", token: author.token, json: ["stance": "for", "text": "En attente de modération."])
            let rejected = try await b.api(.post, "/articles/\(article.id)/arguments", token: author.token, json: ["stance": "for", "text": "Sera refusé."])
            let heldID = try #require(held.json["id"] as? Int).int64, rejectedID = try #require(rejected.json["id"] as? Int).int64

            // check
            #expect(held.json["status"] as? String == "pending")
            #expect(try await b.api(.get, "/contributions/\(heldID)").status == .notFound)
            #expect(try await b.api(.get, "/contributions/\(heldID)", token: author.token).json["status"] as? String == "pending")
            #expect(((try await b.api(.get, "/articles/\(article.id)").json["contributions"] as? [String: Any])?["total"] as? Int) == 0)
            #expect(try await b.api(.post, "/contributions/\(heldID)/moderation", token: orga.token, json: ["action": "hide", "reason": "spam"]).status == .unprocessableContent)
            let approved = try await b.api(.post, "/contributions/\(heldID)/moderation", token: orga.token, json: ["action": "approve", "reason": "compliant"])
            #expect(approved.status == .ok, "\(approved.body)")
            #expect(try await b.api(.get, "/contributions/\(heldID)").json["text"] as? String == "En attente de modération.")
            let reject = try await b.api(.post, "/contributions/\(rejectedID)/moderation", token: orga.token, json: ["action": "reject", "reason": "off_topic"])
            #expect(reject.json["status"] as? String == "rejected")
            #expect(try await b.api(.get, "/contributions/\(rejectedID)").status == .notFound)
            #expect(try await server.store.unpublishedContributions(authorID: author.id, page: PageRequest()).items.map(\.id) == [rejectedID])

            let hide1 = try await b.api(.post, "/contributions/\(heldID)/moderation", token: orga.token, json: ["action": "hide", "reason": "personal_data"])
            let hide2 = try await b.api(.post, "/contributions/\(heldID)/moderation", token: orga.token, json: ["action": "hide", "reason": "personal_data"])
            #expect(hide1.status == .ok && hide2.status == .ok)
            let audit = try await server.store.auditEntries(consultationID: id, page: PageRequest(perPage: 100)).items.map(\.action)
            #expect(audit.filter { $0 == .hide }.count == 1, "the second hide changes nothing and records nothing")
            #expect(audit.contains(.approve) && audit.contains(.reject))
        }
    }

    @Test("closing early: a reason is required, the consultation closes now and shows it; nothing can be voted after")
    func closeEarly() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            let orga = try await Self.account(b, "orga@example.org")
            try await server.makeOrganiser(orga.id)
            let voter = try await Self.account(b, "voter@example.org")
            let article = try await server.firstArticle()
            // act
            let noReason = try await b.api(.post, "/consultations/\(server.demo.id)/close", token: orga.token, json: ["reason": ""])
            let closed = try await b.api(.post, "/consultations/\(server.demo.id)/close", token: orga.token, json: ["reason": "Le projet de loi est retiré."])
            let again = try await b.api(.post, "/consultations/\(server.demo.id)/close", token: orga.token, json: ["reason": "Encore."])
            let vote = try await b.api(.put, "/articles/\(article.id)/vote", token: voter.token, json: ["value": "agree"])
            // check
            #expect(noReason.status == .unprocessableContent)
            #expect(closed.status == .ok, "\(closed.body)")
            #expect(closed.json["phase"] as? String == "closed")
            #expect(closed.json["closedEarlyReason"] as? String == "Le projet de loi est retiré.")
            #expect(again.status == .conflict)
            #expect(vote.status == .conflict)
            #expect(try await b.api(.post, "/consultations/\(server.demo.id)/close", token: voter.token, json: ["reason": "Non."]).status == .forbidden)
            #expect(try await b.api(.post, "/consultations/424242/close", token: orga.token, json: ["reason": "Non."]).status == .notFound)
        }
    }
}

extension Int {
    var int64: Int64 { Int64(self) }
}
