import ContribuezCore
import ContribuezOpenData
import ContribuezStore
@testable import ContribuezWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 13, deliverable 6, tried as an attacker would: participant B (Bruno) reaches for participant A's
/// (Alice's) things through pages and the API — drafts held for moderation, an organiser's unpublished
/// consultation, questionnaire answers, notifications, the personal-data export and its mailed link, follows,
/// votes, sessions — and every JSON write is sent with fields nobody may set (mass assignment).
@Suite("Attack probes: IDOR and mass assignment (issue 13)")
struct AttackProbeTests {
    static let password = "cheval agrafe pile"

    static func server() async throws -> TestServer {
        let s = try await TestServer.make()
        var deps = s.deps
        deps.rateLimits = RateLimitSettings(policy: .off)
        return TestServer(store: s.store, clock: s.clock, deps: deps, demo: s.demo)
    }

    /// An account signed in twice: a browser session (pages) and a bearer token (API).
    struct Person {
        var id: ID
        var email: String
        var browser: Browser
        var token: String
    }

    static func person(_ b: Browser, _ server: TestServer, _ email: String, name: String) async throws -> Person {
        let browser = Browser(client: b.client)
        try await browser.signUp(email: email, name: name)
        let p = try #require(try await server.store.participant(email: email))
        let session = try await browser.api(.post, "/sessions", json: ["email": email, "password": password])
        return Person(id: p.id, email: email, browser: browser, token: try #require(session.json["token"] as? String))
    }

    static func audit(_ server: TestServer, _ action: AuditAction) -> AuditEntry {
        AuditEntry(consultationID: server.demo.id, actorID: nil, actorName: "test", action: action, targetKind: "consultation",
                   targetID: server.demo.id, reason: "", at: server.clock.now())
    }

    static func zipText(_ reply: BinaryReply, _ file: String) throws -> String {
        String(decoding: try reply.zip().read(file), as: UTF8.self)
    }

    // MARK: IDOR

    @Test("Bruno cannot read or act on Alice's contribution held for moderation (her draft): 404 on pages and API, as for the public; Alice sees it")
    func heldContribution() async throws {
        // setup: the demo consultation moderated a priori, Alice's argument held
        let server = try await Self.server()
        let article = try await server.firstArticle()
        var consultation = try #require(try await server.store.consultation(id: server.demo.id))
        consultation.settings.moderation = .aPriori
        try await server.store.updateConsultation(consultation, audit: Self.audit(server, .editConsultation))
        try await server.run { b in
            let alice = try await Self.person(b, server, "alice-brouillon@example.fr", name: "Alice")
            let bruno = try await Self.person(b, server, "bruno-brouillon@example.fr", name: "Bruno")
            let held = try await b.api(.post, "/articles/\(article.id)/arguments", token: alice.token, json: ["stance": "for", "text": "Mon brouillon secret en attente."])
            #expect(held.status == .created && held.json["status"] as? String == "pending", "\(held.body)")
            let id = try #require(held.json["id"] as? Int)
            try await bruno.browser.get("/articles/\(article.id)")
            // act
            let page = try await bruno.browser.get("/contributions/\(id)")
            let anonymous = try await Browser(client: b.client).get("/contributions/\(id)")
            let api = try await b.api(.get, "/contributions/\(id)", token: bruno.token)
            let vote = try await b.api(.put, "/contributions/\(id)/vote", token: bruno.token, json: ["value": "useful"])
            let reply = try await b.api(.post, "/contributions/\(id)/arguments", token: bruno.token, json: ["stance": "for", "text": "Je réponds."])
            let source = try await b.api(.post, "/contributions/\(id)/sources", token: bruno.token, json: ["url": "https://example.org/", "title": "Source"])
            let report = try await b.api(.post, "/contributions/\(id)/reports", token: bruno.token, json: ["reason": "spam"])
            let follow = try await b.api(.put, "/follows/contribution/\(id)", token: bruno.token)
            let formVote = try await bruno.browser.post("/contributions/\(id)/vote", [("value", "useful")])
            let articlePage = try await bruno.browser.get("/articles/\(article.id)")
            let list = try await b.api(.get, "/articles/\(article.id)", token: bruno.token)
            let own = try await alice.browser.get("/contributions/\(id)")
            // check
            for (what, r) in [("page", page), ("anonymous page", anonymous), ("API read", api), ("API vote", vote), ("API reply", reply),
                              ("API source", source), ("API report", report), ("API follow", follow), ("form vote", formVote)] {
                #expect(r.status == .notFound, "\(what): \(r.status)")
                #expect(!r.body.contains("brouillon secret"), "\(what) leaks the text")
            }
            #expect(!articlePage.body.contains("brouillon secret") && !list.body.contains("brouillon secret"))
            #expect(own.status == .ok && own.body.contains("brouillon secret"), "its author sees it")
            #expect(try await server.store.tallies([.contribution(ID(id))])[.contribution(ID(id))] ?? .zero == .zero)
        }
    }

    @Test("an organiser of nothing cannot see or change another organiser's unpublished consultation: 404 on pages and API")
    func unpublishedConsultation() async throws {
        // setup
        let server = try await Self.server()
        try await server.run { b in
            let alice = try await Self.person(b, server, "alice-orga@example.fr", name: "Alice")
            let bruno = try await Self.person(b, server, "bruno-orga@example.fr", name: "Bruno")
            _ = try await server.store.setRole(participantID: alice.id, role: .organiser)
            _ = try await server.store.setRole(participantID: bruno.id, role: .organiser)
            let created = try await b.api(.post, "/consultations", token: alice.token, json: [
                "title": "Projet confidentiel de loi", "institution": "Ministère", "summary": "Pas encore public.",
                "opensAt": "2025-10-01T09:00:00Z", "closesAt": "2025-12-01T18:00:00Z",
            ])
            #expect(created.status == .created, "\(created.body)")
            let id = try #require(created.json["id"] as? Int)
            let text = "# Titre\n\n### Article 1 — Un\n\nLe texte secret.\n"
            let imported = try await b.request(.put, "/api/v1/consultations/\(id)/text", headers: [.contentType: "text/markdown", .authorization: "Bearer \(alice.token)"], body: text)
            #expect(imported.status == .ok, "\(imported.body)")
            try await bruno.browser.get("/")
            // act
            var replies: [(String, Reply)] = []
            for path in ["/consultations/\(id)", "/consultations/\(id)/organiser", "/consultations/\(id)/proposals", "/consultations/\(id)/roles",
                         "/consultations/\(id)/moderation", "/consultations/\(id)/moderation/file", "/consultations/\(id)/synthese",
                         "/consultations/\(id)/suivi", "/consultations/\(id)/engagements", "/consultations/\(id)/donnees.zip",
                         "/consultations/\(id)/versions/nouvelle", "/consultations/\(id)/representativite"] {
                replies.append(("page \(path)", try await bruno.browser.get(path)))
            }
            try await bruno.browser.takeFormStamp()  // a valid stamp: the probe must reach the consultation check
            for path in ["/consultations/\(id)/organiser/reglages", "/consultations/\(id)/organiser/publier", "/consultations/\(id)/organiser/clore",
                         "/consultations/\(id)/roles", "/consultations/\(id)/proposals"] {
                replies.append(("form \(path)", try await bruno.browser.post(path, [("title", "Piraté"), ("reason", "x"), ("email", bruno.email), ("role", "organiser")])))
            }
            for path in ["/consultations/\(id)", "/consultations/\(id)/proposals", "/consultations/\(id)/roles", "/consultations/\(id)/moderation",
                         "/consultations/\(id)/audit", "/consultations/\(id)/versions", "/consultations/\(id)/engagements", "/consultations/\(id)/suivi",
                         "/consultations/\(id)/open-data"] {
                replies.append(("API GET \(path)", try await b.api(.get, path, token: bruno.token)))
            }
            replies.append(("API PATCH", try await b.api(.patch, "/consultations/\(id)", token: bruno.token, json: ["title": "Piraté"])))
            replies.append(("API publish", try await b.api(.post, "/consultations/\(id)/publish", token: bruno.token, json: [:])))
            replies.append(("API close", try await b.api(.post, "/consultations/\(id)/close", token: bruno.token, json: ["reason": "x"])))
            replies.append(("API grant self", try await b.api(.put, "/consultations/\(id)/roles/\(bruno.id)", token: bruno.token, json: ["role": "organiser"])))
            replies.append(("API text", try await b.request(.put, "/api/v1/consultations/\(id)/text", headers: [.contentType: "text/markdown", .authorization: "Bearer \(bruno.token)"], body: "# Piraté\n\n### Article 1 — X\n\nY\n")))
            // check
            // NB: the organiser's own routes (set-up page and forms, roles, PATCH, publish, close, text) answer 403
            // to another organiser, as issue 8's tests pin; everything that reads the consultation answers 404.
            let organiserOnly = ["/organiser", "/roles", "API PATCH", "API publish", "API close", "API grant self", "API text"]
            for (what, r) in replies {
                if organiserOnly.contains(where: { what.contains($0) }) {
                    #expect(r.status == .notFound || r.status == .forbidden, "\(what): \(r.status)")
                } else {
                    #expect(r.status == .notFound, "\(what): \(r.status)")
                }
                #expect(!r.body.contains("confidentiel") && !r.body.contains("texte secret"), "\(what) leaks the draft")
            }
            let after = try #require(try await server.store.consultation(id: ID(id)))
            #expect(after.title == "Projet confidentiel de loi" && !after.isPublished)
            #expect(try await server.store.roleGrants(consultationID: ID(id)).allSatisfy { $0.participant.id != bruno.id })
        }
    }

    @Test("Alice's questionnaire answers, notifications, follows and votes are hers: Bruno's pages, API and export never show or change them")
    func personalThings() async throws {
        // setup
        let server = try await Self.server()
        let article = try await server.firstArticle()
        try await server.run { b in
            let alice = try await Self.person(b, server, "alice-perso@example.fr", name: "Alice")
            let bruno = try await Self.person(b, server, "bruno-perso@example.fr", name: "Bruno")
            try await alice.browser.get("/profil?etape=questionnaire")
            var answers = ProfileQuestion.allCases.map { ($0.field, $0.codes.first!) }
            answers = answers.map { $0.0 == ProfileQuestion.departement.field ? ($0.0, "15") : $0 }
            let saved = try await alice.browser.post("/profil", answers + [("consent", "yes")])
            #expect(saved.status == .seeOther)
            let aliceProfile = try #require(try await server.store.profile(participantID: alice.id))
            try await server.store.addNotifications([NewNotification(
                participantID: alice.id, kind: .answer, consultationID: server.demo.id, path: "/articles/\(article.id)",
                subject: "Réponse privée pour Alice", detail: "Détail privé", createdAt: server.clock.now())])
            #expect(try await b.api(.put, "/follows/article/\(article.id)", token: alice.token).status == .ok)
            #expect(try await b.api(.put, "/articles/\(article.id)/vote", token: alice.token, json: ["value": "disagree"]).status == .ok)
            let tallyBefore = try await server.store.tallies([.article(article.id)])[.article(article.id)]
            // act: Bruno reads and writes with Alice's id wherever a field or parameter could carry it
            try await bruno.browser.get("/profil?etape=questionnaire")
            let brunoProfile = try await bruno.browser.post("/profil", ProfileQuestion.allCases.map { ($0.field, $0.codes.last!) } + [
                ("consent", "yes"), ("participant", "\(alice.id)"), ("participantId", "\(alice.id)"), ("id", "\(alice.id)")])
            let profilePage = try await bruno.browser.get("/profil?participant=\(alice.id)")
            let alicePage = try await bruno.browser.get("/participants/\(alice.id)")
            let notifications = try await bruno.browser.get("/notifications?participant=\(alice.id)")
            let apiNotifications = try await b.api(.get, "/notifications?participantId=\(alice.id)", token: bruno.token)
            try await bruno.browser.get("/notifications")
            let markPage = try await bruno.browser.post("/notifications/lues", [("participant", "\(alice.id)")])
            let markAPI = try await b.api(.post, "/notifications/read", token: bruno.token, json: ["participantId": alice.id, "ids": [1, 2, 3]])
            let unfollow = try await b.api(.delete, "/follows/article/\(article.id)", token: bruno.token, json: ["participantId": alice.id])
            let withdraw = try await b.api(.delete, "/articles/\(article.id)/vote", token: bruno.token, json: ["participantId": alice.id])
            let articleAPI = try await b.api(.get, "/articles/\(article.id)", token: bruno.token)
            let export = try await bruno.browser.binary(.get, "/api/v1/me/export?participant=\(alice.id)&participantId=\(alice.id)", bearer: bruno.token)
            let exportPage = try await bruno.browser.binary(.get, "/compte/donnees.zip?participant=\(alice.id)")
            // check
            #expect(brunoProfile.status == .seeOther)
            #expect(try await server.store.profile(participantID: alice.id) == aliceProfile, "Alice's answers untouched")
            #expect(try await server.store.profile(participantID: bruno.id)?.answers[.departement] == ProfileQuestion.departement.codes.last)
            #expect(!profilePage.body.contains("value=\"15\" selected") && !alicePage.body.contains("Cantal"), "no answer of Alice's shown to Bruno")
            #expect(profilePage.body.contains("value=\"\(ProfileQuestion.departement.codes.last!)\" selected"), "Bruno sees his own")
            #expect(notifications.status == .ok && !notifications.body.contains("Réponse privée"))
            #expect(apiNotifications.status == .ok && !apiNotifications.body.contains("Réponse privée"))
            #expect(markPage.status == .seeOther && markAPI.status.code < 500)
            #expect(try await server.store.unreadNotifications(participantID: alice.id) == 1, "Alice's notification still unread")
            #expect(unfollow.status.code < 500 && withdraw.status.code < 500)
            #expect(try await server.store.follows(participantID: alice.id, among: [.article(article.id)]) == [.article(article.id)])
            #expect(try await server.store.tallies([.article(article.id)])[.article(article.id)] == tallyBefore, "Alice's vote stands")
            #expect(articleAPI.json["myVote"] == nil || articleAPI.json["myVote"] is NSNull, "Bruno sees no vote of his: \(articleAPI.json["myVote"] ?? "")")
            for zip in [export, exportPage] {
                #expect(zip.status == .ok)
                let all = try PersonalExport.files.map { try Self.zipText(zip, $0) }.joined()
                #expect(all.contains(bruno.email) && !all.contains(alice.email) && !all.contains("Réponse privée"))
                #expect(try Self.zipText(zip, "votes.csv").split(whereSeparator: \.isNewline).count <= 1, "no vote in Bruno's export")
                #expect(try Self.zipText(zip, "follows.csv").split(whereSeparator: \.isNewline).count <= 1, "no follow in Bruno's export")
            }
        }
    }

    @Test("Alice's mailed export link is refused to Bruno (403, not spent) and still serves Alice once; sessions are per person")
    func exportLinkAndSessions() async throws {
        // setup
        let server = try await Self.server()
        try await server.run { b in
            let alice = try await Self.person(b, server, "alice-lien@example.fr", name: "Alice")
            let bruno = try await Self.person(b, server, "bruno-lien@example.fr", name: "Bruno")
            try await alice.browser.get("/compte")
            #expect(try await alice.browser.post("/compte/donnees/lien", []).status == .seeOther)
            let mail = try #require(try await server.store.dueMails(at: server.clock.now(), limit: 50).last { $0.kind == "personal_data" })
            let start = try #require(mail.text.range(of: "/compte/donnees/"))
            let path = String(mail.text[start.lowerBound...].prefix { !$0.isWhitespace })
            try await bruno.browser.get("/compte")
            // act
            let look = try await bruno.browser.get(path)
            let use = try await bruno.browser.binary(.post, path, form: [])
            let anonymous = try await Browser(client: b.client).binary(.post, path, form: [])
            let brunoSignsOut = try await b.api(.delete, "/sessions/current", token: bruno.token)
            let aliceStill = try await b.api(.get, "/me", token: alice.token)
            let brunoGone = try await b.api(.get, "/me", token: bruno.token)
            try await alice.browser.get(path)
            let aliceUse = try await alice.browser.binary(.post, path, form: [])
            // check
            #expect(look.status == .forbidden && use.status == .forbidden, "\(look.status) \(use.status)")
            #expect(!use.text.contains(alice.email))
            #expect(anonymous.status.code >= 300 && anonymous.status.code < 500 && !anonymous.text.contains(alice.email))
            let aliceFile = aliceUse.status == .ok ? try Self.zipText(aliceUse, "account.json") : ""
            #expect(aliceUse.status == .ok && aliceFile.contains(alice.email), "not spent by Bruno's tries")
            #expect(brunoSignsOut.status == .noContent && brunoGone.status == .unauthorized)
            #expect(aliceStill.status == .ok && aliceStill.json["id"] as? Int == Int(alice.id), "Bruno's sign-out ends his session only")
        }
    }

    @Test("staff of one consultation cannot moderate, answer, grant roles or read the audit of another")
    func staffOfAnotherConsultation() async throws {
        // setup: Bruno organises, moderates and answers his own consultation; the demo is not his
        let server = try await Self.server()
        let article = try await server.firstArticle()
        try await server.run { b in
            let alice = try await Self.person(b, server, "alice-staff@example.fr", name: "Alice")
            let bruno = try await Self.person(b, server, "bruno-staff@example.fr", name: "Bruno")
            _ = try await server.store.setRole(participantID: bruno.id, role: .organiser)
            let created = try await b.api(.post, "/consultations", token: bruno.token, json: [
                "title": "La consultation de Bruno", "institution": "Mairie", "summary": "Sienne.",
                "opensAt": "2025-10-01T09:00:00Z", "closesAt": "2025-12-01T18:00:00Z",
            ])
            let own = ID(try #require(created.json["id"] as? Int))
            for role in [ConsultationRole.moderator, .answerer] { try await server.makeOrganiser(bruno.id, of: own, role: role) }
            let argued = try await b.api(.post, "/articles/\(article.id)/arguments", token: alice.token, json: ["stance": "for", "text": "Argument d'Alice."])
            let id = try #require(argued.json["id"] as? Int)
            try await bruno.browser.get("/contributions/\(id)")
            // act
            let moderate = try await b.api(.post, "/contributions/\(id)/moderation", token: bruno.token, json: ["action": "hide", "reason": "spam"])
            let answer = try await b.api(.put, "/contributions/\(id)/answer", token: bruno.token, json: ["status": "retenue", "text": "Oui."])
            let grant = try await b.api(.put, "/consultations/\(server.demo.id)/roles/\(bruno.id)", token: bruno.token, json: ["role": "organiser"])
            let instance = try await b.api(.put, "/participants/\(bruno.id)/role", token: bruno.token, json: ["role": "admin"])
            let audit = try await b.api(.get, "/consultations/\(server.demo.id)/audit", token: bruno.token)
            let allAudit = try await b.api(.get, "/audit", token: bruno.token)
            let queue = try await bruno.browser.get("/consultations/\(server.demo.id)/moderation/file")
            let formModerate = try await bruno.browser.post("/contributions/\(id)/moderation", [("action", "hide"), ("reason", "spam")])
            let formAnswer = try await bruno.browser.post("/contributions/\(id)/reponse", [("status", "retenue"), ("text", "Oui.")])
            let admin = try await bruno.browser.get("/admin")
            // check
            for (what, r) in [("moderate", moderate), ("answer", answer), ("grant", grant), ("instance role", instance), ("audit", audit),
                              ("all audit", allAudit), ("queue page", queue), ("moderate form", formModerate), ("answer form", formAnswer), ("admin", admin)] {
                #expect(r.status == .forbidden || r.status == .notFound, "\(what): \(r.status)")
            }
            #expect(try await server.store.contribution(id: ID(id))?.isHidden == false)
            #expect(try await server.store.answers(contributionID: ID(id)).current == nil)
            #expect(try #require(try await server.store.participant(email: bruno.email)).role == .organiser)
        }
    }

    // MARK: Mass assignment

    /// Fields no client may set, with values that would matter if applied.
    static func forbidden(_ other: ID, _ consultation: ID) -> [String: Any] {
        [
            "id": 987_654, "participantId": other, "authorId": other, "author": ["id": other, "name": "Quelqu'un d'autre"],
            "role": "admin", "hidden": true, "isHidden": true, "status": "rejected", "isPublished": true, "published": true,
            "createdAt": "2001-01-01T00:00:00Z", "consultationId": consultation, "tally": ["agree": 1000], "erasedAt": "2001-01-01T00:00:00Z",
            "emailVerified": true, "kind": "public_body",
        ]
    }

    /// A write with the forbidden fields: refused with 422 naming one of them, or done with none applied (`applied`
    /// says whether the read-back shows one). Returns the reply.
    @discardableResult
    static func probe(_ what: String, _ reply: Reply, extra: [String: Any], applied: (Reply) async throws -> [String]) async throws -> Reply {
        #expect(reply.status.code < 500, "\(what): \(reply.status) \(reply.body)")
        if reply.status == .unprocessableContent {
            let fields = ((reply.json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }
            #expect(fields.contains { extra.keys.contains($0) }, "\(what): 422 names an extra field: \(reply.body)")
        } else {
            #expect(reply.status.code < 300, "\(what): \(reply.status) \(reply.body)")
            let wrong = try await applied(reply)
            #expect(wrong.isEmpty, "\(what) applied \(wrong)")
        }
        return reply
    }

    @Test("every JSON write of the API, sent with id, participantId, authorId, role, hidden, status, isPublished, createdAt, consultationId…: refused with 422 naming the field, or done without applying any of them")
    func massAssignment() async throws {
        // setup
        let server = try await Self.server()
        let article = try await server.firstArticle()
        let t0 = server.clock.now()
        try await server.run { b in
            let victim = try await Self.person(b, server, "victime-masse@example.fr", name: "Victime")
            let other = try await b.api(.post, "/consultations", token: nil, json: [:])
            #expect(other.status == .unauthorized)
            let extra = Self.forbidden(victim.id, 424_242)

            // accounts: no role, no kind beyond the one given, a fresh id
            var account = extra
            for (k, v) in ["email": "masse@example.fr", "password": Self.password, "displayName": "Masse", "kind": "citizen"] as [String: Any] { account[k] = v }
            try await Self.probe("POST /accounts", try await b.api(.post, "/accounts", json: account), extra: extra) { r in
                guard let p = try await server.store.participant(email: "masse@example.fr") else { return ["no account"] }
                var wrong: [String] = []
                if p.role != .participant { wrong.append("role") }
                if p.kind != .citizen { wrong.append("kind") }
                if p.id == 987_654 { wrong.append("id") }
                if p.createdAt != t0 { wrong.append("createdAt") }
                return wrong
            }
            // sessions: the session is the e-mail's owner, whatever participantId says
            var sessionBody = extra
            sessionBody["email"] = "masse@example.fr"; sessionBody["password"] = Self.password
            let session = try await b.api(.post, "/sessions", json: sessionBody)
            #expect(session.status == .created || session.status == .unprocessableContent, "\(session.body)")
            var token = session.json["token"] as? String ?? ""
            if token.isEmpty {
                token = try await b.api(.post, "/sessions", json: ["email": "masse@example.fr", "password": Self.password]).json["token"] as? String ?? ""
            }
            let me = try await b.api(.get, "/me", token: token)
            #expect(me.json["email"] == nil || me.json["email"] as? String == "masse@example.fr")
            #expect(me.json["id"] as? Int != Int(victim.id) && me.json["displayName"] as? String == "Masse", "\(me.body)")
            let meID = ID(try #require(me.json["id"] as? Int))

            // contributions: author is the caller, status published, consultation of the path, fresh id and date, zero tally
            func contributionApplied(_ r: Reply, consultation: ID = server.demo.id) async throws -> [String] {
                guard let id = r.json["id"] as? Int, let c = try await server.store.contribution(id: ID(id)) else { return ["no contribution"] }
                var wrong: [String] = []
                if c.authorID != meID { wrong.append("authorId") }
                if c.status != .published { wrong.append("status") }
                if c.isHidden { wrong.append("hidden") }
                if c.consultationID != consultation { wrong.append("consultationId") }
                if id == 987_654 { wrong.append("id") }
                if c.createdAt != t0 { wrong.append("createdAt") }
                if c.erasedAt != nil { wrong.append("erasedAt") }
                if (try await server.store.tallies([.contribution(c.id)])[.contribution(c.id)] ?? .zero) != .zero { wrong.append("tally") }
                return wrong
            }
            func with(_ fields: [String: Any]) -> [String: Any] { extra.merging(fields) { _, new in new } }
            let proposal = try await Self.probe("POST proposals", try await b.api(.post, "/consultations/\(server.demo.id)/proposals", token: token,
                                                json: with(["title": "Proposition", "text": "Texte de masse."])), extra: extra) { try await contributionApplied($0) }
            let amendment = try await Self.probe("POST amendments", try await b.api(.post, "/articles/\(article.id)/amendments", token: token,
                                                 json: with(["text": article.body + " Amendé.", "rationale": "Parce que."])), extra: extra) { try await contributionApplied($0) }
            let argument = try await Self.probe("POST article arguments", try await b.api(.post, "/articles/\(article.id)/arguments", token: token,
                                                json: with(["stance": "for", "text": "Argument de masse."])), extra: extra) { try await contributionApplied($0) }
            try await Self.probe("POST article sources", try await b.api(.post, "/articles/\(article.id)/sources", token: token,
                                 json: with(["url": "https://example.org/a", "title": "Source", "summary": "Résumé"])), extra: extra) { try await contributionApplied($0) }
            let targetID = (amendment.json["id"] as? Int) ?? (proposal.json["id"] as? Int) ?? (argument.json["id"] as? Int) ?? 0
            if targetID > 0 {
                try await Self.probe("POST contribution arguments", try await b.api(.post, "/contributions/\(targetID)/arguments", token: token,
                                     json: with(["stance": "against", "text": "Réplique de masse."])), extra: extra) { try await contributionApplied($0) }
                try await Self.probe("POST contribution sources", try await b.api(.post, "/contributions/\(targetID)/sources", token: token,
                                     json: with(["url": "https://example.org/b", "title": "Source 2"])), extra: extra) { try await contributionApplied($0) }
            }

            // votes: the caller's vote, one step on the tally, nobody else's
            let before = try await server.store.tallies([.article(article.id)])[.article(article.id)] ?? .zero
            try await Self.probe("PUT article vote", try await b.api(.put, "/articles/\(article.id)/vote", token: token, json: with(["value": "agree"])), extra: extra) { _ in
                var wrong: [String] = []
                let after = try await server.store.tallies([.article(article.id)])[.article(article.id)] ?? .zero
                if after != Tally(agree: before.agree + 1, mixed: before.mixed, disagree: before.disagree) { wrong.append("tally") }
                let events = try await server.store.voteEvents(after: 0, limit: 100_000)
                if events.contains(where: { $0.participantID == victim.id }) { wrong.append("participantId") }
                if !events.contains(where: { $0.participantID == meID && $0.target == .article(article.id) }) { wrong.append("not the caller's") }
                return wrong
            }
            if let argumentID = argument.json["id"] as? Int {
                let other = try await Self.person(b, server, "voteur-masse@example.fr", name: "Voteur")
                try await Self.probe("PUT contribution vote", try await b.api(.put, "/contributions/\(argumentID)/vote", token: other.token, json: with(["value": "useful"])), extra: extra) { _ in
                    (try await server.store.tallies([.contribution(ID(argumentID))])[.contribution(ID(argumentID))] == Tally(useful: 1)) ? [] : ["tally"]
                }
                // reports: one report of the caller's, nothing hidden
                try await Self.probe("POST reports", try await b.api(.post, "/contributions/\(argumentID)/reports", token: other.token, json: with(["reason": "spam"])), extra: extra) { _ in
                    let reports = try await server.store.reports(contributionID: ID(argumentID))
                    var wrong: [String] = []
                    if reports.count != 1 || reports.first?.participantID != other.id { wrong.append("participantId") }
                    if try await server.store.contribution(id: ID(argumentID))?.isHidden == true { wrong.append("hidden") }
                    return wrong
                }
            }

            // the institution's side: an organiser's writes
            let orga = try await Self.person(b, server, "orga-masse@example.fr", name: "Orga")
            _ = try await server.store.setRole(participantID: orga.id, role: .organiser)
            let created = try await Self.probe("POST consultations", try await b.api(.post, "/consultations", token: orga.token, json: with([
                "title": "Consultation de masse", "institution": "Ville", "summary": "Résumé.", "opensAt": "2025-10-01T09:00:00Z", "closesAt": "2025-12-01T18:00:00Z",
            ])), extra: extra) { r in
                guard let id = r.json["id"] as? Int, let c = try await server.store.consultation(id: ID(id)) else { return ["no consultation"] }
                return c.isPublished ? ["isPublished"] : []
            }
            let plain = try await b.api(.post, "/consultations", token: orga.token, json: [
                "title": "Consultation de masse", "institution": "Ville", "summary": "Résumé.", "opensAt": "2025-10-01T09:00:00Z", "closesAt": "2025-12-01T18:00:00Z",
            ])
            let cid = (created.json["id"] as? Int) ?? (plain.json["id"] as? Int) ?? 0
            #expect(cid > 0)
            try await Self.probe("PATCH consultation", try await b.api(.patch, "/consultations/\(cid)", token: orga.token, json: with(["title": "Titre modifié"])), extra: extra) { _ in
                let c = try await server.store.consultation(id: ID(cid))
                return c?.isPublished == true ? ["isPublished"] : []
            }
            try await Self.probe("PUT roles", try await b.api(.put, "/consultations/\(cid)/roles/\(victim.id)", token: orga.token, json: with(["role": "moderator"])), extra: extra) { _ in
                let grants = try await server.store.roleGrants(consultationID: ID(cid))
                return grants.contains { $0.participant.id == victim.id && $0.role != .moderator } ? ["role"] : []
            }
            try await Self.probe("POST close", try await b.api(.post, "/consultations/\(cid)/close", token: orga.token, json: with(["reason": "Fin."])), extra: extra) { _ in [] }

            // moderation and answers on the demo, by its staff
            let staff = try await Self.person(b, server, "staff-masse@example.fr", name: "Staff")
            for role in [ConsultationRole.moderator, .answerer] { try await server.makeOrganiser(staff.id, role: role) }
            if let argumentID = argument.json["id"] as? Int {
                try await Self.probe("POST moderation", try await b.api(.post, "/contributions/\(argumentID)/moderation", token: staff.token,
                                     json: with(["action": "restore", "reason": "spam", "note": "ok"])), extra: extra) { _ in
                    try await server.store.contribution(id: ID(argumentID))?.authorID != meID ? ["authorId"] : []
                }
                try await Self.probe("PUT answer", try await b.api(.put, "/contributions/\(argumentID)/answer", token: staff.token,
                                     json: with(["status": "retenue", "text": "Retenu."])), extra: extra) { _ in
                    let current = try await server.store.answers(contributionID: ID(argumentID)).current
                    return current?.answererID == victim.id ? ["participantId"] : []
                }
            }
            // the admin's instance role: only the role named, on the participant of the path
            let admin = try await Self.person(b, server, "admin-masse@example.fr", name: "Admin")
            _ = try await server.store.setRole(participantID: admin.id, role: .admin)
            var roleBody = extra
            roleBody["role"] = "moderator"
            try await Self.probe("PUT instance role", try await b.api(.put, "/participants/\(meID)/role", token: admin.token, json: roleBody), extra: extra.filter { $0.key != "role" }) { _ in
                let victimNow = try #require(try await server.store.participant(email: victim.email))
                return victimNow.role != .participant ? ["participantId"] : []
            }
            // account deletion: only the caller's, whatever participantId says
            let deleted = try await b.api(.delete, "/me", token: token, json: with(["password": Self.password, "contributions": "keep"]))
            #expect(deleted.status.code < 500, "\(deleted.body)")
            #expect(try await server.store.participant(email: victim.email) != nil, "the victim's account stays")
            let victimMe = try await b.api(.get, "/me", token: victim.token)
            #expect(victimMe.status == .ok)
        }
    }
}
