import ContribuezAnalysis
import ContribuezCore
@testable import ContribuezWeb
import Foundation
import HTTPTypes
import Testing

/// The debate kit (issue 15, item 2): the print-ready document and the report templates.
@Suite("Debate kit")
struct DebateKitTests {
    /// A consultation of two sections and three articles, one title that a spreadsheet would run as a formula and one
    /// that holds markup.
    static func bundle(published: Bool = true) -> ImportBundle {
        let t0 = TestServer.t0
        let c = NewConsultation(
            slug: "kit-test", title: "Loi <vélo> & co", summary: "Un texte court.", institution: "Ville de Lyon", isPublished: published,
            opensAt: t0.addingTimeInterval(-86_400), closesAt: t0.addingTimeInterval(30 * 86_400))
        let sections: [ImportBundle.SectionItem] = [
            .init(title: "Titre Ier — Principes", subtitle: "", articles: [
                .init(key: "a1", number: "1", title: "Le droit au vélo", body: "Toute personne peut **circuler** à vélo.",
                      explanation: "Le vélo est bon pour la santé.",
                      currentLaw: "Art. L. 110. — Le vélo <i>est</i> toléré.\nIl circule à droite.", importedTally: nil),
                .init(key: "a2", number: "2", title: "=SOMME(A1:A9)", body: "Les communes aménagent des pistes.", explanation: "", importedTally: nil),
            ]),
            .init(title: "Titre II — Mise en œuvre", subtitle: "", articles: [
                .init(key: "a3", number: "3", title: "<script>alert(1)</script>", body: "Le décret fixe les <b>délais</b>.", explanation: "",
                      importedTally: nil),
            ]),
        ]
        return ImportBundle(consultation: c, sections: sections, contributions: [], participants: [], votes: [])
    }

    @Test("the kit is one print-ready document: cover with the CC BY-SA licence, guide, the text, one vote sheet per article, the report")
    func document() async throws {
        let server = try await TestServer.make()
        let c = try await server.store.importConsultation(Self.bundle())
        let articles = try await server.store.articles(consultationID: c.id)
        try await server.run { b in
            // act
            let page = try await b.get(KitRoute.kit(c.id).path)
            let css = try await b.get(KitRoute.stylesheet.path)
            // check: a document of its own (no site navigation), with its print stylesheet
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(!page.body.contains("<header class=\"site\">"))
            #expect(page.body.contains("href=\"/static/kit.css\""))
            #expect(css.status == .ok)
            #expect(css.body.contains("@page { size: A4"))
            #expect(css.body.contains(".no-print { display: none !important; }"))
            #expect(page.body.contains("class=\"kit-tools no-print\""))
            #expect(page.body.contains("https://creativecommons.org/licenses/by-sa/4.0/"))
            #expect(page.body.contains("Guide d&#39;animation") || page.body.contains("Guide d'animation"))
            // the text, rendered, in the order of the text, with explanations
            #expect(page.body.contains("<strong>circuler</strong>"))
            #expect(page.body.contains("Le vélo est bon pour la santé."))
            let one = try #require(page.body.range(of: "id=\"article-\(articles.first { $0.number == "1" }!.id)\""))
            let three = try #require(page.body.range(of: "id=\"article-\(articles.first { $0.number == "3" }!.id)\""))
            #expect(one.lowerBound < three.lowerBound)
            // one vote sheet per article, then the report with a row per article
            #expect(page.body.components(separatedBy: "class=\"page vote-sheet\"").count - 1 == 3)
            for a in articles { #expect(page.body.contains("data-article=\"\(a.id)\"")) }
            #expect(page.body.contains("class=\"page report\""))
            // what people wrote is escaped, never run
            #expect(!page.body.contains("<script>alert(1)</script>"))
            #expect(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(page.body.contains("Loi &lt;vélo&gt; &amp; co"))
            #expect(!page.body.contains("<b>délais</b>"))
            // the templates are linked
            #expect(page.body.contains("href=\"\(KitRoute.reportCSV(c.id).path)\""))
            #expect(page.body.contains("href=\"\(KitRoute.reportJSON(c.id).path)\""))
            // and the debates' list links to the kit
            let list = try await b.get(DebateRoute.list(consultationID: server.demo.id).path)
            #expect(list.body.contains("href=\"\(KitRoute.kit(server.demo.id).path)\""))
        }
    }

    @Test("the law in force and the proposed text side by side in the kit, and before the article on its page; an article without one says so")
    func currentLaw() async throws {
        let server = try await TestServer.make()
        let c = try await server.store.importConsultation(Self.bundle())
        let articles = try await server.store.articles(consultationID: c.id)
        let one = try #require(articles.first { $0.number == "1" })
        try await server.run { b in
            // act
            let kit = try await b.get(KitRoute.kit(c.id).path)
            let page = try await b.get(SiteRoute.article(one.id).path)
            let other = try await b.get(SiteRoute.article(articles.first { $0.number == "2" }!.id).path)
            // check: one before/after block, for article 1, the law escaped and kept as plain text with its line break
            #expect(kit.status == .ok)
            #expect(kit.body.components(separatedBy: "class=\"before-after\"").count - 1 == 1)
            let start = try #require(kit.body.range(of: "id=\"article-\(one.id)\""))
            let block = try #require(kit.body.range(of: "class=\"before-after\"", range: start.upperBound..<kit.body.endIndex))
            let before = try #require(kit.body.range(of: "Art. L. 110. — Le vélo &lt;i&gt;est&lt;/i&gt; toléré.\nIl circule à droite.",
                                                     range: block.upperBound..<kit.body.endIndex))
            let after = try #require(kit.body.range(of: "<strong>circuler</strong>", range: before.upperBound..<kit.body.endIndex))
            #expect(kit.body.range(of: "Texte proposé (après)", range: before.upperBound..<after.lowerBound) != nil)
            #expect(kit.body.contains("Droit en vigueur (avant)"))
            #expect(!kit.body.contains("<i>est</i>"))
            // the two articles without a law in force say so
            #expect(kit.body.components(separatedBy: "class=\"no-law\"").count - 1 == 2)
            // the article page: the law in force before the text, folded, escaped; none on an article without one
            #expect(page.status == .ok)
            #expect(page.body.contains("<details class=\"current-law\"><summary>Droit en vigueur (avant cet article)</summary>"))
            #expect(page.body.contains("Le vélo &lt;i&gt;est&lt;/i&gt; toléré."))
            #expect(other.status == .ok)
            #expect(!other.body.contains("class=\"current-law\""))
            // the API gives it too
            let api = try await b.get("/api/v1/articles/\(one.id)")
            #expect(api.status == .ok)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(api.bytes)) as? [String: Any])
            #expect(json["currentLaw"] as? String == "Art. L. 110. — Le vélo <i>est</i> toléré.\nIl circule à droite.")
        }
    }

    @Test("the CSV template: the report's columns, one attendance row, one vote row per article, a synthesis row; titles never start a formula")
    func csvTemplate() async throws {
        let server = try await TestServer.make()
        let c = try await server.store.importConsultation(Self.bundle())
        let articles = try await server.store.articles(consultationID: c.id).sorted { $0.number < $1.number }
        try await server.run { b in
            let reply = try await b.get(KitRoute.reportCSV(c.id).path)
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(reply.headers[.contentDisposition] == "attachment; filename=\"compte-rendu-kit-test.csv\"")
            let rows = try CSV.parse(reply.body)
            #expect(rows.first == DebateReportTemplate.columns)
            // header, attendance, 3 votes, synthesis, then one row per answer of the room's profile
            #expect(rows.count == 6 + DebateReportTemplate.profileAnswers.count)
            #expect(rows[1][0] == "attendance" && rows[1][1] == "\(c.id)")
            let votes = rows.filter { $0[0] == "vote" }
            #expect(votes.map { $0[2] } == articles.map { "\($0.id)" })
            let cid = "\(c.id)"
            let blank = votes.allSatisfy { (row: [String]) -> Bool in row[1] == cid && row[5].isEmpty && row[6].isEmpty && row[7].isEmpty }
            #expect(blank)
            // A title that a spreadsheet would run is behind "Article 2 — ", so the cell does not start with "=".
            #expect(votes[1][3] == "Article 2 — =SOMME(A1:A9)")
            #expect(rows[5][0] == "synthesis")
            let profile = rows.dropFirst(6)
            #expect(profile.allSatisfy { $0[0] == "profile" && $0[4].isEmpty })
            #expect(profile.map { $0[9] } == DebateReportTemplate.profileAnswers.map(\.key))
            #expect(profile.first?[3] == "Sexe — Femme")
            #expect(!profile.contains { $0[9].hasPrefix("departement:") })
        }
    }

    @Test("the JSON template: the format's name, the consultation, a vote entry per article with counts to fill (null)")
    func jsonTemplate() async throws {
        let server = try await TestServer.make()
        let c = try await server.store.importConsultation(Self.bundle())
        let articles = try await server.store.articles(consultationID: c.id).sorted { $0.number < $1.number }
        try await server.run { b in
            let reply = try await b.get(KitRoute.reportJSON(c.id).path)
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentDisposition] == "attachment; filename=\"compte-rendu-kit-test.json\"")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(reply.bytes)) as? [String: Any])
            #expect(object["format"] as? String == "contribuez-debate-report/1")
            #expect((object["consultation_id"] as? NSNumber)?.int64Value == c.id)
            #expect(object["attendance"] is NSNull)
            let votes = try #require(object["votes"] as? [[String: Any]])
            #expect(votes.compactMap { ($0["article_id"] as? NSNumber)?.int64Value } == articles.map(\.id))
            let unfilled = votes.allSatisfy { (v: [String: Any]) -> Bool in v["agree"] is NSNull && v["mixed"] is NSNull && v["disagree"] is NSNull }
            #expect(unfilled)
            #expect(votes[2]["article_title"] as? String == "Article 3 — <script>alert(1)</script>")
            #expect((object["amendments"] as? [Any])?.isEmpty == true && (object["arguments"] as? [Any])?.isEmpty == true)
            #expect(object["synthesis"] as? String == "")
            let profile = try #require(object["profile"] as? [[String: Any]])
            #expect(profile.count == DebateReportTemplate.profileAnswers.count)
            #expect(profile.allSatisfy { $0["count"] is NSNull })
            #expect(profile.last?["label"] as? String == "Votez-vous à toutes les élections ? — Jamais ou presque")
        }
    }

    @Test("no kit for a consultation that does not exist, is not published, or a malformed id: 404, never 500")
    func notFound() async throws {
        let server = try await TestServer.make()
        let draft = try await server.store.importConsultation(Self.bundle(published: false))
        try await server.run { b in
            for path in [
                KitRoute.kit(999_999).path, KitRoute.kit(draft.id).path, KitRoute.reportCSV(draft.id).path, KitRoute.reportJSON(draft.id).path,
                "/consultations/abc/kit", "/consultations/-1/kit/compte-rendu.csv",
            ] {
                let reply = try await b.get(path)
                #expect(reply.status == .notFound, "\(path)")
            }
        }
    }
}

@Suite("Debate kit: its templates read back")
struct DebateKitRoundTripTests {
    @Test("the kit's CSV, filled in as an organiser would, reads back with no problem: attendance, counts, an amendment, the synthesis")
    func csvRoundTrip() async throws {
        let server = try await TestServer.make()
        let c = try await server.store.importConsultation(DebateKitTests.bundle())
        let articles = try await server.store.articles(consultationID: c.id).sorted { $0.number < $1.number }
        let blank = String(decoding: DebateReportTemplate.csv(c, articles: articles), as: UTF8.self)
        // Untouched, it says what is missing (no attendance), never that the file is malformed.
        let untouched = DebateReportReader.read(Array(blank.utf8))
        #expect(untouched.consultationID == c.id)
        // Filled: the attendance, one article's hands, an amendment row added, the synthesis.
        var lines = blank.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        lines[1] = "attendance,\(c.id),,,18,,,,,"
        let first = try #require(lines.firstIndex { $0.hasPrefix("vote,\(c.id),\(articles[0].id),") })
        lines[first] = "vote,\(c.id),\(articles[0].id),\"Article 1 — Le droit au vélo\",,11,4,3,,"
        let synthesis = try #require(lines.firstIndex { $0.hasPrefix("synthesis,") })
        lines[synthesis] = "synthesis,\(c.id),,,,,,,,\"Un débat vif, surtout sur l'article 1.\""
        lines.insert("amendment,\(c.id),\(articles[0].id),,,,,,,\"Toute personne peut circuler à vélo, en sécurité.\"", at: synthesis)
        // and the room's profile, for one answer: the count goes in the row the template has for it
        let women = try #require(lines.firstIndex { $0.hasPrefix("profile,") && $0.hasSuffix(",sex:F") })
        lines[women] = "profile,\(c.id),,Sexe — Femme,8,,,,,sex:F"
        let filled = DebateReportReader.read(Array((lines.joined(separator: "\r\n") + "\r\n").utf8))
        #expect(filled.problems.isEmpty, "\(filled.problems)")
        #expect(filled.consultationID == c.id)
        #expect(filled.attendance == 18)
        let counted = filled.votes.filter { $0.articleID == articles[0].id }
        #expect(counted.count == 1)
        #expect(counted.first.map { [$0.agree, $0.mixed, $0.disagree] } == [11, 4, 3])
        #expect(filled.items.count == 1)
        #expect(filled.synthesis == "Un débat vif, surtout sur l'article 1.")
        #expect(filled.profile == [DebateProfileCount(question: .sex, code: "F", count: 8)])
    }

    @Test("the kit's JSON, filled in, reads back with no problem")
    func jsonRoundTrip() async throws {
        let server = try await TestServer.make()
        let c = try await server.store.importConsultation(DebateKitTests.bundle())
        let articles = try await server.store.articles(consultationID: c.id).sorted { $0.number < $1.number }
        var object = try #require(try JSONSerialization.jsonObject(with: try DebateReportTemplate.json(c, articles: articles)) as? [String: Any])
        object["attendance"] = 9
        var votes = try #require(object["votes"] as? [[String: Any]])
        votes[1]["agree"] = 5; votes[1]["mixed"] = 2; votes[1]["disagree"] = 1
        object["votes"] = votes
        object["arguments"] = [["article_id": articles[1].id, "stance": "for", "text": "Les pistes protègent les enfants."]]
        object["synthesis"] = "Accord large."
        var profile = try #require(object["profile"] as? [[String: Any]])
        let cadres = try #require(profile.firstIndex { $0["question"] as? String == "pcs" && $0["code"] as? String == "cadres" })
        profile[cadres]["count"] = 3
        object["profile"] = profile
        let filled = DebateReportReader.read(Array(try JSONSerialization.data(withJSONObject: object)))
        #expect(filled.problems.isEmpty, "\(filled.problems)")
        #expect(filled.consultationID == c.id)
        #expect(filled.attendance == 9)
        #expect(filled.votes.first { $0.articleID == articles[1].id }.map { [$0.agree, $0.mixed, $0.disagree] } == [5, 2, 1])
        #expect(filled.items.count == 1)
        #expect(filled.profile == [DebateProfileCount(question: .pcs, code: "cadres", count: 3)])
    }
}
