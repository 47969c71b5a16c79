import ContribuezCore
import ContribuezStore
import ContribuezWeb
import ContribuezImport
import ContribuezTestSupport
import Foundation
import HTTPTypes
import Testing

@Suite("Answer and follow up API (issue 9)")
struct FollowUpAPITests {
    static let day: TimeInterval = 86_400

    static func account(_ b: Browser, _ email: String) async throws -> (token: String, id: ID) {
        try await OrganiseAPITests.account(b, email)
    }

    static func markdown(_ b: Browser, _ method: HTTPRequest.Method, _ path: String, token: String, _ text: String) async throws -> Reply {
        try await b.request(method, "/api/v1" + path, headers: [.contentType: "text/markdown", .authorization: "Bearer \(token)"], body: text)
    }

    @Test("with a fixed clock: contributions over and under the threshold, one answer on time, one late, one overdue; a v1 takes up an amendment; Suivi shows a top proposal not taken up; followers are notified and mailed")
    func ledgerVersionsSuivi() async throws {
        let server = try await TestServer.make()
        let t0 = TestServer.t0
        try await server.run { b in
            // setup: an organiser's consultation, open for 10 days, threshold 3 votes, answers due 30 days after closing
            var orga = try await Self.account(b, "orga@example.org")
            _ = try await server.store.setRole(participantID: orga.id, role: .organiser)
            var answerer = try await Self.account(b, "answer@example.org")
            let iso = ISO8601DateFormatter()
            let created = try await b.api(.post, "/consultations", token: orga.token, json: [
                "title": "Suivi", "summary": "", "institution": "Ministère", "opensAt": iso.string(from: t0 - Self.day),
                "closesAt": iso.string(from: t0 + 10 * Self.day), "answerThreshold": 3, "answerDeadlineDays": 30,
            ])
            let id = try #require(created.json["id"] as? Int).int64
            #expect(try await Self.markdown(b, .put, "/consultations/\(id)/text", token: orga.token, DraftFixture.text).status == .ok)
            #expect(try await b.api(.post, "/consultations/\(id)/publish", token: orga.token).status == .ok)
            #expect(try await b.api(.put, "/consultations/\(id)/roles/\(answerer.id)", token: orga.token, json: ["role": "answerer"]).status == .ok)
            let article1 = try #require(try await server.store.articles(consultationID: id).first)
            var author = try await Self.account(b, "author@example.org")
            var voters: [String] = []
            for i in 1...4 { voters.append(try await Self.account(b, "v\(i)@example.org").token) }
            let follower = try await Self.account(b, "follower@example.org")

            func propose(_ title: String) async throws -> ID {
                let r = try await b.api(.post, "/consultations/\(id)/proposals", token: author.token, json: ["title": title, "text": "Texte de \(title)."])
                return try #require(r.json["id"] as? Int).int64
            }
            let p1 = try await propose("Priorité au logiciel libre"), p2 = try await propose("Ouvrir les données de transport")
            let p3 = try await propose("Une idée peu suivie")
            let amendment = try await b.api(.post, "/articles/\(article1.id)/amendments", token: author.token,
                                            json: ["text": "Les administrations publient, sans demande préalable, les documents administratifs qu'elles détiennent.", "rationale": "Ouverture par défaut."])
            let a1 = try #require(amendment.json["id"] as? Int).int64
            for (target, n) in [(p1, 4), (p2, 3), (a1, 3), (p3, 1)] {
                for token in voters.prefix(n) {
                    #expect(try await b.api(.put, "/contributions/\(target)/vote", token: token, json: ["value": "agree"]).status == .ok)
                }
            }
            #expect(try await b.api(.put, "/follows/contribution/\(p1)", token: follower.token).status == .ok)
            #expect(try await b.api(.put, "/follows/contribution/999999", token: follower.token).status == .notFound)
            #expect(try await b.api(.put, "/follows/planet/\(p1)", token: follower.token).status == .notFound)

            // act: answer p1 before closing (on time); nothing is due yet
            let before = try await b.api(.get, "/consultations/\(id)/engagements")
            #expect(before.json["closed"] as? Bool == false)
            #expect(before.json["provisional"] as? Int == 3)
            let onTime = try await b.api(.put, "/contributions/\(p1)/answer", token: answerer.token,
                                         json: ["status": "a_l_etude", "text": "Nous étudions cette proposition."])
            #expect(onTime.status == .ok, "\(onTime.body)")
            server.clock.advance(by: 5 * Self.day)
            let changed = try await b.api(.put, "/contributions/\(p1)/answer", token: answerer.token,
                                          json: ["status": "partiellement_retenue", "text": "Reprise en partie à l'article 1."])
            #expect((changed.json["previous"] as? [[String: Any]])?.first?["status"] as? String == "a_l_etude", "the earlier answer stays visible")

            // the consultation closes; 40 days later p2 is answered (late) and a1 never is (overdue)
            server.clock.set(t0 + 50 * Self.day)
            // Sessions last 30 days: sign in again.
            func signIn(_ email: String) async throws -> String {
                try #require(try await b.api(.post, "/sessions", json: ["email": email, "password": "cheval agrafe pile"]).json["token"] as? String)
            }
            orga.token = try await signIn("orga@example.org"); answerer.token = try await signIn("answer@example.org")
            author.token = try await signIn("author@example.org"); voters[3] = try await signIn("v4@example.org")
            let followerToken = try await signIn("follower@example.org")
            #expect(try await b.api(.put, "/contributions/\(p3)/vote", token: voters[3], json: ["value": "agree"]).status == .conflict)
            let late = try await b.api(.put, "/contributions/\(p2)/answer", token: answerer.token, json: ["status": "non_retenue", "text": "Hors du périmètre de la loi."])
            #expect(late.status == .ok)
            let ledger = try await b.api(.get, "/consultations/\(id)/engagements")

            // check: the ledger counts exactly
            let counts = try #require(ledger.json["counts"] as? [String: Any])
            #expect(counts["due"] as? Int == 3)
            #expect(counts["answeredOnTime"] as? Int == 1)
            #expect(counts["answeredLate"] as? Int == 1)
            #expect(counts["overdue"] as? Int == 1)
            #expect(counts["notYetDue"] as? Int == 0)
            let items = ledger.json["items"] as? [[String: Any]] ?? []
            #expect(items.first?["state"] as? String == "overdue")
            #expect(((items.first?["contribution"] as? [String: Any])?["id"] as? Int).map(Int64.init) == a1)
            #expect(items.first?["daysLate"] as? Int == 10)
            #expect(!items.contains { (($0["contribution"] as? [String: Any])?["id"] as? Int).map(Int64.init) == p3 }, "under the threshold")

            // bad input on answers
            #expect(try await b.api(.put, "/contributions/\(a1)/answer", token: author.token, json: ["status": "retenue", "text": "Moi-même."]).status == .forbidden)
            let unknown = try await b.api(.put, "/contributions/\(a1)/answer", token: answerer.token, json: ["status": "peut-être", "text": "?"])
            #expect(unknown.status == .unprocessableContent)
            #expect((unknown.json["errors"] as? [[String: Any]])?.first?["accepted"] as? [String] == AnswerStatus.allCases.map(\.rawValue))

            // a v1 changes article 1, renumbers 11 bis to 12, and takes up the amendment
            let v1Text = DraftFixture.text
                .replacingOccurrences(of: "Les administrations communiquent, à toute personne qui en fait la demande, les documents administratifs qu'elles détiennent.",
                                      with: "Les administrations publient, sans demande préalable, les documents administratifs qu'elles détiennent.")
                .replacingOccurrences(of: "## Article 11 bis", with: "## Article 12")
            let dup = try await Self.markdown(b, .post, "/consultations/\(id)/versions?label=v1", token: orga.token, "## Article 1\n\nUn.\n\n## Article 1\n\nDeux.\n")
            #expect(dup.status == .unprocessableContent)
            #expect((dup.json["errors"] as? [[String: Any]])?.first?["line"] as? Int == 5)
            #expect(try await server.store.textVersions(consultationID: id).isEmpty, "nothing saved")
            let v1 = try await Self.markdown(b, .post, "/consultations/\(id)/versions?label=v1%20%E2%80%94%20projet%20de%20loi%20d%C3%A9pos%C3%A9&date=2026-01-15&renumber=11%20bis:12",
                                             token: orga.token, v1Text)
            #expect(v1.status == .created, "\(v1.body)")
            #expect(v1.json["label"] as? String == "v1 — projet de loi déposé")
            let v1ID = try #require(v1.json["id"] as? Int).int64
            let taken = try await b.api(.put, "/contributions/\(a1)/uptake", token: orga.token, json: ["versionId": v1ID, "articleNumber": "1"])
            #expect(taken.status == .ok, "\(taken.body)")
            #expect(try await b.api(.put, "/contributions/\(p2)/uptake", token: orga.token, json: ["notTakenUp": "Relève du règlement, pas de la loi."]).status == .ok)
            #expect(try await b.api(.put, "/contributions/\(p3)/uptake", token: orga.token, json: ["versionId": v1ID, "articleNumber": "99"]).status == .unprocessableContent)
            #expect(try await b.api(.put, "/contributions/\(p3)/uptake", token: author.token, json: ["notTakenUp": "Non."]).status == .forbidden)

            let landed = try await b.api(.get, "/contributions/\(a1)")
            let uptake = try #require(landed.json["uptake"] as? [String: Any])
            #expect(uptake["articleNumber"] as? String == "1")
            #expect(uptake["versionLabel"] as? String == "v1 — projet de loi déposé")
            #expect(uptake["url"] as? String == "/consultations/\(id)/suivi#v1-article-1")
            let versions = try await b.api(.get, "/articles/\(article1.id)/versions?from=0&to=1")
            let stages = ((versions.json["article"] as? [String: Any])?["versions"] as? [[String: Any]]) ?? []
            #expect(stages.count == 2)
            #expect(stages.last?["unchanged"] as? Bool == false)
            let runs = (versions.json["comparison"] as? [String: Any])?["changes"] as? [[String: Any]] ?? []
            #expect(runs.contains { $0["op"] as? String == "added" && ($0["text"] as? String)?.contains("publient") == true })

            let suivi = try await b.api(.get, "/consultations/\(id)/suivi")
            let top = suivi.json["topContributions"] as? [[String: Any]] ?? []
            func outcome(_ cid: ID) -> String? {
                top.first { (($0["contribution"] as? [String: Any])?["id"] as? Int).map(Int64.init) == cid }?["outcome"] as? String
            }
            #expect(outcome(a1) == "taken_up")
            #expect(outcome(p2) == "not_taken_up")
            #expect(outcome(p1) == "answered")
            #expect(outcome(p3) == "none")
            let renumbered = (suivi.json["articles"] as? [[String: Any]] ?? []).first { $0["number"] as? String == "12" }
            #expect(((renumbered?["versions"] as? [[String: Any]])?.last?["previousNumber"] as? String) == "11 bis")

            // followers and authors were notified, in the app and in the outbox
            let notes = try await b.api(.get, "/notifications", token: followerToken)
            #expect(notes.json["unread"] as? Int == 2, "two answers on the followed proposal")
            #expect((notes.json["items"] as? [[String: Any]])?.first?["kind"] as? String == "answer")
            #expect(try await b.api(.post, "/notifications/read", token: followerToken).status == .noContent)
            #expect(try await b.api(.get, "/notifications", token: followerToken).json["unread"] as? Int == 0)
            let authorNotes = try await b.api(.get, "/notifications", token: author.token)
            #expect(((authorNotes.json["items"] as? [[String: Any]]) ?? []).contains { $0["kind"] as? String == "version" } == false, "the author follows contributions, not the consultation")
            let mailer = NotificationMailer(deps: server.deps, publicURL: "https://consultation.example.gouv.fr")
            let round = try await mailer.runOnce()
            #expect(round.mails == 2, "one mail each for the author and the follower")
            let queued = try await server.store.dueMails(at: server.clock.now(), limit: 100).filter { $0.kind != "welcome" }
            let toFollower = try #require(queued.first { $0.to == "follower@example.org" })
            #expect(toFollower.text.contains("https://consultation.example.gouv.fr/contributions/\(p1)"))
            #expect(toFollower.unsubscribeURL?.hasPrefix("https://consultation.example.gouv.fr/desabonnement/") == true)
            #expect(try await mailer.runOnce().mails == 0, "nothing is mailed twice")
        }
    }

    @Test("one-click unsubscribe: the token alone stops the mails, without cookies or CSRF; an unknown token is 404")
    func unsubscribe() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            let p = try await Self.account(b, "u@example.org")
            let pref = try await server.store.mailPreference(participantID: p.id, newToken: "tok_\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))")
            // act
            let page = try await b.request(.get, "/desabonnement/\(pref.unsubscribeToken)")
            let oneClick = try await b.request(.post, "/desabonnement/\(pref.unsubscribeToken)", headers: [.contentType: "application/x-www-form-urlencoded"],
                                               body: "List-Unsubscribe=One-Click")
            let unknown = try await b.request(.post, "/desabonnement/nope", headers: [.contentType: "application/x-www-form-urlencoded"], body: "List-Unsubscribe=One-Click")
            // check
            #expect(page.status == .ok)
            #expect(oneClick.status == .ok)
            #expect(try await server.store.mailPreference(participantID: p.id, newToken: "x").frequency == .never)
            #expect(unknown.status == .notFound)
        }
    }
}

@Suite("Suivi on the real République numérique data (issue 9)")
struct FollowUpRealDataTests {
    @Test("the Suivi JSON lists the top 20 proposals by the Wilson ranking, the free-software one first, each with no link recorded and no version")
    func republiqueNumerique() async throws {
        // setup
        let server = try await TestServer.make()
        let dir = SharedData.root.appendingPathComponent("republique-numerique-2015")
        let c = try await server.store.importConsultation(try RepubliqueNumeriqueImport.bundle(directory: dir))
        try await server.run { b in
            // act
            let suivi = try await b.api(.get, "/consultations/\(c.id)/suivi")
            let ledger = try await b.api(.get, "/consultations/\(c.id)/engagements")
            // check
            #expect(suivi.status == .ok)
            #expect((suivi.json["versions"] as? [Any])?.isEmpty == true)
            #expect((suivi.json["articles"] as? [Any])?.count == 30)
            let top = suivi.json["topContributions"] as? [[String: Any]] ?? []
            #expect(top.count == 20)
            let first = top.first?["contribution"] as? [String: Any]
            #expect((first?["title"] as? String)?.hasPrefix("Donner la priorité aux logiciels libres et aux formats ouverts") == true)
            #expect(top.allSatisfy { $0["outcome"] as? String == "none" }, "nothing is invented: no link is recorded in the data")
            #expect(top.map { $0["rank"] as? Int } == (1...20).map { $0 })
            // The imported counters count as votes at closing: the 2015 consultation owes answers today.
            #expect(ledger.json["closed"] as? Bool == true)
            #expect(((ledger.json["counts"] as? [String: Any])?["due"] as? Int ?? 0) > 0)
        }
    }
}

@Suite("Correcting an uptake (issue 9)")
struct ClearUptakeTests {
    @Test("an organiser removes an uptake recorded by mistake; it is gone from the contribution and traced; others are refused")
    func clear() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup: the demo consultation, an organiser, a v1, an amendment taken up in article 1
            let orga = try await OrganiseAPITests.account(b, "orga@example.org")
            try await server.makeOrganiser(orga.id)
            let author = try await OrganiseAPITests.account(b, "author@example.org")
            let article = try await server.firstArticle()
            let amendment = try await b.api(.post, "/articles/\(article.id)/amendments", token: author.token,
                                            json: ["text": "Une nouvelle rédaction.", "rationale": "Plus simple."])
            let amendmentID = try #require(amendment.json["id"] as? Int).int64
            let v1 = try await FollowUpAPITests.markdown(b, .post, "/consultations/\(server.demo.id)/versions?label=v1", token: orga.token,
                                                          "## Article 1\n\nUne nouvelle rédaction.\n")
            let v1ID = try #require(v1.json["id"] as? Int).int64
            #expect(try await b.api(.put, "/contributions/\(amendmentID)/uptake", token: orga.token, json: ["versionId": v1ID, "articleNumber": "1"]).status == .ok)
            // act
            let refused = try await b.api(.delete, "/contributions/\(amendmentID)/uptake", token: author.token)
            let removed = try await b.api(.delete, "/contributions/\(amendmentID)/uptake", token: orga.token)
            let again = try await b.api(.delete, "/contributions/\(amendmentID)/uptake", token: orga.token)
            // check
            #expect(refused.status == .forbidden)
            #expect(removed.status == .noContent)
            #expect(again.status == .notFound)
            #expect(try await b.api(.get, "/contributions/\(amendmentID)").json["uptake"] == nil)
            let audit = try await server.store.auditEntries(consultationID: server.demo.id, page: PageRequest(perPage: 100)).items
            #expect(audit.filter { $0.action == .recordUptake }.map(\.detail).last == "removed")
        }
    }
}
