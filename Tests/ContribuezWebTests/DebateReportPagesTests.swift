import ContribuezCore
import ContribuezStore
@testable import ContribuezWeb
import Foundation
import HTTPTypes
import Testing

/// Debate reports' pages (issue 15, items 3–5): the form and the template upload, the bad inputs each refused with a
/// French message and nothing stored, the attribution on the article pages, the side-by-side counts, the downloads.
@Suite("Debate report pages", .serialized)
struct DebateReportPagesTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 1, count: 200)
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 2, count: 200)

    /// A part of a multipart body: a field, or a file with its bytes.
    enum Part { case field(String, String), file(String, String, [UInt8]) }

    static func multipart(_ parts: [Part], boundary: String = "----contribuez-test-7d1f") -> [UInt8] {
        var out: [UInt8] = []
        for p in parts {
            out += Array("--\(boundary)\r\n".utf8)
            switch p {
            case .field(let name, let value):
                out += Array("Content-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
            case .file(let name, let filename, let bytes):
                out += Array("Content-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
                out += bytes + Array("\r\n".utf8)
            }
        }
        return out + Array("--\(boundary)--\r\n".utf8)
    }

    @discardableResult
    static func send(_ b: Browser, _ debateID: ID, _ parts: [Part], csrf: String? = nil) async throws -> Reply {
        let boundary = "----contribuez-test-7d1f"
        let body = multipart([.field("_csrf", csrf ?? b.lastCSRF ?? "")] + parts, boundary: boundary)
        return try await b.request(
            .post, "/debats/\(debateID)/compte-rendu",
            headers: [.contentType: "multipart/form-data; boundary=\(boundary)", HTTPField.Name("Origin")!: "http://localhost"], bytes: body)
    }

    /// Declares a debate on 20 October 2025 and moves the clock to the next day; the organiser stays signed in.
    static func heldDebate(_ b: Browser, _ server: TestServer) async throws -> ID {
        let id = try await DebatePagesTests.declare(b, server)
        server.clock.set(TestServer.t0 + 12 * 86_400)
        return id
    }

    /// The body with the escapes of apostrophes undone, to compare with messages as written.
    static func text(_ r: Reply) -> String {
        r.body.replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&#x27;", with: "'").replacingOccurrences(of: "&apos;", with: "'")
    }

    static func contributions(_ server: TestServer) async throws -> Int {
        try await server.store.contributions(ContributionQuery(consultationID: server.demo.id, includeHidden: true), page: PageRequest()).total
    }

    @Test("the organiser files the report through the form; contributions appear attributed and the counts stand apart")
    func formFiling() async throws {
        let server = try await TestServer.make()
        let articles = try await server.store.articles(consultationID: server.demo.id)
        let (a1, a2) = (articles[0], articles[1])
        try await server.run { b in
            // setup
            try await b.signUp(email: "voter@example.fr", name: "Votante")
            _ = try await b.get("/articles/\(a1.id)")
            let vote = try await b.post("/articles/\(a1.id)/vote", [("value", "agree"), ("back", "/articles/\(a1.id)")])
            #expect(vote.status == .seeOther)
            let online = try #require(try await server.store.tallies([.article(a1.id)])[.article(a1.id)])
            b.cookies = [:]
            let id = try await Self.heldDebate(b, server)
            let form = try await b.get("/debats/\(id)/compte-rendu")
            #expect(form.status == .ok && form.body.contains("enctype=\"multipart/form-data\""))
            // act
            let r = try await Self.send(b, id, [
                .field("attendance", "40"), .field("vote_\(a1.id)_agree", "25"), .field("vote_\(a1.id)_mixed", "10"), .field("vote_\(a1.id)_disagree", "5"),
                .field("amendment_1_article", "\(a2.id)"), .field("amendment_1_text", "Rédaction adoptée par la salle"),
                .field("argument_1_article", "\(a1.id)"), .field("argument_1_stance", "against"),
                .field("argument_1_text", "La salle craint un coût <b>trop</b> élevé"),
                .field("synthesis", "Un débat vif.\n\nDeux heures d'échanges."),
                .field("profile_sex_F", "22"), .field("profile_sex_M", "15"), .field("profile_age_75+", "0"), .field("profile_diploma_bac", " "),
                .file("photos", "feuille.png", Self.png), .file("photos", "scan.jpg", Self.jpeg),
            ])
            // check
            #expect(r.status == .seeOther, "\(r.body)")
            let page = try await b.get("/debats/\(id)?fait=compte_rendu")
            #expect(page.body.contains("Le compte rendu est déposé"))
            #expect(page.body.contains("40 participant·es") && page.body.contains("<p>Un débat vif.</p>"))
            #expect(Self.text(page).contains("<p>Deux heures d'échanges.</p>"))
            #expect(page.body.contains("feuille.png") && page.body.contains("/debats/\(id)/compte-rendu/pieces/2"))
            // the room's profile, in aggregate: counts, share of the answers, the population's share beside it, the rest unanswered
            let filed = try #require(try await server.store.debateReport(debateID: id))
            #expect(filed.profile == [
                DebateProfileCount(question: .sex, code: "F", count: 22), DebateProfileCount(question: .sex, code: "M", count: 15),
                DebateProfileCount(question: .age, code: "75+", count: 0),
            ])
            #expect(page.body.contains("<caption>Sexe</caption>"))
            #expect(page.body.contains("<tr><th scope=\"row\">Femme</th><td>22</td><td>59,5\u{202F}%</td><td>"))
            #expect(page.body.contains("Sans réponse : 3"), "40 people, 37 answers on sex")
            #expect(page.body.contains("Sans réponse : 40"), "nobody counted on age but the 0 of 75+")
            #expect(!page.body.contains("<caption>Diplôme le plus élevé</caption>"), "a question left empty is not shown")
            let article = try await b.get("/articles/\(a1.id)")
            #expect(article.body.contains("Débats locaux"))
            #expect(article.body.contains("40 mains levées dans 1 débat(s)"))
            #expect(article.body.contains("<strong>25</strong> (63 %)"), "the room's counts, in their own box")
            #expect(article.body.contains("Votes sur Contribuez — \(online.opinionTotal) "), "the online tally stays as it was, in its own bar")
            #expect(article.body.contains("Issu du débat local de Camille Organise — « Débat au Rize »"))
            #expect(article.body.contains("coût &lt;b&gt;trop&lt;/b&gt; élevé"))
            let other = try await b.get("/articles/\(a2.id)")
            #expect(other.body.contains("Issu du débat local de Camille Organise") && !other.body.contains("mains levées"))
            let tally = try await server.store.tallies([.article(a1.id)])[.article(a1.id)]
            #expect(tally == online, "hands are never added to online votes")
            let synthesis = try await b.get("/articles/\(a1.id)/synthese")
            #expect(synthesis.body.contains("40 mains levées dans 1 débat(s)"))
            // the consultation's synthesis: the room's hands beside the online votes, article by article, never summed
            let whole = try await b.get("/consultations/\(server.demo.id)/synthese")
            #expect(whole.status == .ok)
            #expect(whole.body.contains("id=\"debats-locaux\""))
            #expect(whole.body.contains("Débats tenus : 1 · comptes rendus déposés : 1 · manquants : 0"))
            #expect(whole.body.contains("<td>\(online.agree) / \(online.mixed) / \(online.disagree)</td><td>25 / 10 / 5 — 1 débat(s)</td>"))
            #expect(whole.body.contains("href=\"/articles/\(a1.id)/synthese\""))
            #expect(!whole.body.contains("/articles/\(a2.id)/synthese\">Article"), "an article without hands has no row")
            #expect(whole.body.contains("Qui était dans les salles"))
            #expect(whole.body.contains("37 personnes comptées dans 1 compte(s) rendu(s)"), "sex: 22 + 15")
            #expect(whole.body.contains("<tr><th scope=\"row\">Homme</th><td>15</td><td>40,5\u{202F}%</td>"))
            let consultation = try await b.get("/consultations/\(server.demo.id)")
            #expect(consultation.body.contains("Débats tenus : 1 · comptes rendus déposés : 1 · manquants : 0"))
            let download = try await b.get("/debats/\(id)/compte-rendu/pieces/1")
            #expect(download.status == .ok && download.bytes == Self.png)
            #expect(download.headers[.contentType] == "image/png")
            #expect(download.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"feuille.png\"") == true)
            #expect(download.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(try await b.get("/debats/\(id)/compte-rendu/pieces/3").status == .notFound)
        }
    }

    @Test("the filled CSV template is filed as the form; a JSON one too")
    func templateFiling() async throws {
        let server = try await TestServer.make()
        let a = try await server.firstArticle()
        try await server.run { b in
            // setup
            let id = try await DebatePagesTests.declare(b, server)
            let second = try await DebatePagesTests.declare(b, server, ["startsAt": "2025-10-21T09:00", "endsAt": "2025-10-21T10:00"])
            server.clock.set(TestServer.t0 + 13 * 86_400)
            let c = server.demo.id
            let csv = """
                type,consultation_id,article_id,article_title,count,agree,mixed,disagree,stance,text\r
                attendance,\(c),,,18,,,,,\r
                vote,\(c),\(a.id),"\(a.title)",,9,4,2,,\r
                argument,\(c),\(a.id),,,,,,for,"Un argument, avec une virgule"\r
                synthesis,\(c),,,,,,,,Synthèse du modèle\r
                profile,\(c),,Catégorie socioprofessionnelle — Cadres,7,,,,,pcs:cadres\r
                profile,\(c),,Catégorie socioprofessionnelle — Ouvriers,,,,,,pcs:ouvriers\r

                """
            _ = try await b.get("/debats/\(id)/compte-rendu")
            // act
            let r = try await Self.send(b, id, [.field("via", "template"), .file("template", "compte-rendu.csv", Array(csv.utf8))])
            // check
            #expect(r.status == .seeOther, "\(r.body)")
            let report = try #require(try await server.store.debateReport(debateID: id))
            #expect(report.source == .csv && report.attendance == 18 && report.synthesis == "Synthèse du modèle")
            #expect(report.votes == [DebateArticleCount(articleID: a.id, agree: 9, mixed: 4, disagree: 2)])
            #expect(try await server.store.contribution(id: report.contributionIDs[0])?.body == "Un argument, avec une virgule")
            #expect(report.profile == [DebateProfileCount(question: .pcs, code: "cadres", count: 7)])
            // The second debate, with JSON.
            let json = """
                {"format":"contribuez-debate-report/1","consultation_id":\(c),"attendance":12,
                 "votes":[{"article_id":\(a.id),"agree":3,"mixed":3,"disagree":3}],"amendments":[],"arguments":[],"synthesis":"JSON"}
                """
            let j = try await Self.send(b, second, [.file("template", "cr.json", Array(json.utf8))])
            #expect(j.status == .seeOther, "\(j.body)")
            #expect(try await server.store.debateReport(debateID: second)?.source == .json)
            #expect(try await server.store.debateVoteSums(consultationID: c)[a.id] == DebateVoteSum(agree: 12, mixed: 7, disagree: 5, debates: 2))
        }
    }

    @Test("bad input is refused with a French message, 422, and nothing is stored")
    func badInput() async throws {
        let server = try await TestServer.make()
        let articles = try await server.store.articles(consultationID: server.demo.id)
        let a = articles[0]
        try await server.run { b in
            // setup
            let id = try await DebatePagesTests.declare(b, server)
            _ = try await b.get("/debats/\(id)")
            let c = server.demo.id
            let before = try await Self.contributions(server)
            func template(_ lines: [String]) -> Part {
                .file("template", "cr.csv", Array((["type,consultation_id,article_id,article_title,count,agree,mixed,disagree,stance,text"] + lines).joined(separator: "\r\n").utf8))
            }
            // act + check: before the debate
            let early = try await Self.send(b, id, [.field("attendance", "10")])
            #expect(early.status == .unprocessableContent)
            #expect(Self.text(early).contains("Ce débat n'a pas encore eu lieu"))
            server.clock.set(TestServer.t0 + 12 * 86_400)
            _ = try await b.get("/debats/\(id)/compte-rendu")
            let cases: [([Part], String)] = [
                ([.field("attendance", "10"), .field("vote_\(a.id)_agree", "8"), .field("vote_\(a.id)_mixed", "4")],
                 "12 votes pour cet article, plus que les 10 participant·es."),
                ([.field("attendance", "dix")], "« dix » n'est pas un nombre entier."),
                ([.field("attendance", "10"), .field("profile_age_18-24", "7"), .field("profile_age_75+", "4")],
                 "Tranche d’âge : plus de réponses que les 10 participant·es."),
                ([.field("attendance", "10"), .field("profile_sex_F", "-2")], "Sexe — Femme"),
                ([template(["attendance,\(c),,,10,,,,,", "profile,\(c),,,3,,,,,age:3-5"])],
                 "Ligne 3 : « age:3-5 » n'est pas une réponse du questionnaire de profil"),
                ([template(["attendance,\(c + 1000),,,10,,,,,"])], "ce modèle est celui de la consultation \(c + 1000), pas de celle de ce débat (\(c))"),
                ([template(["attendance,\(c),,,10,,,,,", "vote,\(c),987654,,,1,,,,"])], "Ligne 3 : l'article 987654 n'est pas un article de cette consultation."),
                ([template(["attendance,\(c),,,10,,,,,", "vote,\(c),\(a.id),,,6,6,,,"])], "Ligne 3 : 12 votes pour cet article, plus que les 10 participant·es."),
                ([.field("attendance", "10"), .file("photos", "photo.jpg", Array("<html>".utf8))], "photo.jpg : ce fichier n'est ni une image JPEG ou PNG, ni un PDF"),
                ([.field("attendance", "10"), .file("photos", "enorme.jpg", [0xFF, 0xD8, 0xFF] + [UInt8](repeating: 0, count: 50 * 1024 * 1024))],
                 "enorme.jpg : fichier de 50 Mo, la limite est de 10 Mo par fichier."),
            ]
            for (parts, message) in cases {
                let r = try await Self.send(b, id, parts + [.field("amendment_1_article", "\(a.id)"), .field("amendment_1_text", "Texte adopté")])
                #expect(r.status == .unprocessableContent, "\(message)")
                #expect(Self.text(r).contains(message), "\(message)")
                #expect(r.body.contains("name=\"_csrf\""), "the form comes back")
            }
            #expect(try await server.store.debateReport(debateID: id) == nil)
            #expect(try await Self.contributions(server) == before, "no contribution stored")
            // A good report, then a second one.
            let ok = try await Self.send(b, id, [.field("attendance", "10")])
            #expect(ok.status == .seeOther)
            let again = try await Self.send(b, id, [.field("attendance", "11")])
            #expect(again.status == .unprocessableContent && again.body.contains("est définitif et ne peut pas être remplacé"))
            #expect(try await server.store.debateReport(debateID: id)?.attendance == 10)
        }
    }

    @Test("only the organiser or the consultation's moderators file; staff filing is audited; CSRF and origin are checked")
    func guards() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            let id = try await Self.heldDebate(b, server)
            _ = try await b.get("/debats/\(id)")
            let noToken = try await Self.send(b, id, [.field("attendance", "10")], csrf: "forged")
            b.cookies = [:]
            try await b.signUp(email: "autre@example.fr", name: "Quelqu'un")
            let stranger = try await Self.send(b, id, [.field("attendance", "10")])
            let strangerForm = try await b.get("/debats/\(id)/compte-rendu")
            b.cookies = [:]
            try await b.signUp(email: "modo@example.fr", name: "Modé Rateur")
            let moderator = try #require(try await server.store.credentials(email: "modo@example.fr")?.participant)
            try await server.makeOrganiser(moderator.id, role: .moderator)
            _ = try await b.get("/debats/\(id)/compte-rendu")
            // act
            let staff = try await Self.send(b, id, [.field("attendance", "30")])
            // check
            #expect(noToken.status == .forbidden)
            #expect(stranger.status == .forbidden && strangerForm.status == .forbidden)
            #expect(staff.status == .seeOther, "\(staff.body)")
            let trail = try await server.store.auditEntries(consultationID: server.demo.id, page: PageRequest()).items
            #expect(trail.contains { $0.action == .fileDebateReport && $0.targetID == id && $0.actorID == moderator.id })
        }
    }
}
