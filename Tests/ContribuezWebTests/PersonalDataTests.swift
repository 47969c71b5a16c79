import ContribuezCore
import ContribuezOpenData
import ContribuezWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A response with its bytes (the harness's `Reply` keeps text only).
struct BinaryReply {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var bytes: [UInt8]

    var text: String { String(decoding: bytes, as: UTF8.self) }
    func zip() throws -> ZipReader { try ZipReader(bytes: bytes) }
}

extension Browser {
    /// A request with the browser's cookies whose body is read as bytes; `form` posts like `post`.
    func binary(_ method: HTTPRequest.Method, _ uri: String, form: [(String, String)]? = nil, bearer: String? = nil) async throws -> BinaryReply {
        var h: HTTPFields = [:]
        if bearer == nil, !cookies.isEmpty { h[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }
        if let bearer { h[.authorization] = "Bearer \(bearer)" }
        var body: ByteBuffer?
        if var fields = form {
            if let token = lastCSRF { fields.append(("_csrf", token)) }
            h[.contentType] = "application/x-www-form-urlencoded"
            h[HTTPField.Name("Origin")!] = "http://localhost"
            body = ByteBuffer(string: Self.encode(fields))
        }
        let reply = try await client.execute(uri: uri, method: method, headers: h, body: body) { r in
            BinaryReply(status: r.status, headers: r.headers, bytes: Array(r.body.readableBytesView))
        }
        if bearer == nil { record(setCookies: reply.headers[values: .setCookie]) }
        return reply
    }
}

@Suite("Personal data on demand and the deletion choice (issue 12)")
struct PersonalDataTests {
    static func text(_ zip: ZipReader, _ name: String) throws -> String { String(decoding: try zip.read(name), as: UTF8.self) }

    /// Camille signs up, argues and votes on the first article.
    static func camille(_ server: TestServer, _ browser: Browser, email: String = "camille@example.org") async throws -> (Participant, Article) {
        let article = try await server.firstArticle()
        try await browser.signUp(email: email, name: "Camille Donnees")
        _ = try await browser.get("/articles/\(article.id)")
        _ = try await browser.post("/articles/\(article.id)/vote", [("value", "agree")])
        _ = try await browser.post("/articles/\(article.id)/arguments", [("stance", "for"), ("text", "=SOMME(A1) mon argument à moi")])
        let me = try #require(try await server.store.credentials(email: email)).participant
        return (me, article)
    }

    @Test("the download needs the person's session: the page sends to sign-in, the API answers 401")
    func needsSession() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { browser in
            // act
            let page = try await browser.binary(.get, "/compte/donnees.zip")
            let api = try await browser.api(.get, "/me/export")
            // check
            #expect(page.status == .seeOther && page.headers[.location] == "/signin")
            #expect(api.status == .unauthorized && api.headers[.contentType] == "application/problem+json")
        }
    }

    @Test("the ZIP from /compte holds the person's files and items, neutralised, with no secret and nobody else's data")
    func download() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { browser in
            let other = Browser(client: browser.client)
            try await other.signUp(email: "voisin@example.org", name: "Voisin Secret")
            let article = try await server.firstArticle()
            _ = try await other.get("/articles/\(article.id)")
            _ = try await other.post("/articles/\(article.id)/arguments", [("stance", "against"), ("text", "Texte du voisin")])
            let (me, _) = try await Self.camille(server, browser)
            let account = try await browser.get("/compte")
            // act
            let reply = try await browser.binary(.get, "/compte/donnees.zip")
            // check
            #expect(account.body.contains("/compte/donnees.zip") && account.body.contains("Recevoir le lien par courriel"))
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType] == "application/zip")
            #expect(reply.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"contribuez-mes-donnees-") == true)
            #expect(reply.headers[.cacheControl] == "no-store")
            let zip = try reply.zip()
            #expect(zip.entries.map(\.name) == PersonalExport.files)
            let all = try PersonalExport.files.map { try Self.text(zip, $0) }.joined(separator: "\n")
            let accountJSON = try #require(try JSONSerialization.jsonObject(with: Data(try zip.read("account.json"))) as? [String: Any])
            #expect(accountJSON["email"] as? String == "camille@example.org")
            #expect(accountJSON["id"] as? Int == Int(me.id))
            #expect(try Self.text(zip, "contributions.csv").contains("'=SOMME(A1) mon argument à moi"), "a formula is neutralised")
            #expect(try Self.text(zip, "votes.csv").contains("article,\(article.id),agree,"))
            #expect(try Self.text(zip, "vote_history.csv").contains("article,\(article.id),agree"))
            #expect(try Self.text(zip, "sessions.csv").split(separator: "\r\n").count == 2, "header and the one session")
            #expect(try Self.text(zip, "README.md").contains("Ce qui n'est pas inclus") && (try Self.text(zip, "README.md")).contains("What is not included"))
            #expect(!all.contains("voisin@example.org") && !all.contains("Texte du voisin") && !all.contains("Voisin Secret"))
            #expect(!all.contains("$2"), "no bcrypt hash")
            for cookie in Array(browser.cookies.values) + Array(other.cookies.values) { #expect(!all.contains(cookie), "no session or CSRF token") }
        }
    }

    @Test("another session only ever gets its own data (IDOR probe through the API)")
    func idor() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { browser in
            _ = try await Self.camille(server, browser)
            let bob = try await browser.apiAccount("bob-export@example.org")
            // act
            let reply = try await browser.binary(.get, "/api/v1/me/export", bearer: bob)
            let forged = try await browser.binary(.get, "/api/v1/me/export?participant=1", bearer: bob)
            // check
            #expect(reply.status == .ok)
            let text = try PersonalExport.files.map { try Self.text(try reply.zip(), $0) }.joined()
            #expect(text.contains("bob-export@example.org"))
            #expect(!text.contains("camille@example.org") && !text.contains("mon argument à moi"))
            #expect(try Self.text(try forged.zip(), "account.json") == (try Self.text(try reply.zip(), "account.json")), "no parameter selects someone else")
        }
    }

    /// Asks for the link and reads it back from the outbox.
    static func mailedLink(_ server: TestServer, _ browser: Browser) async throws -> String {
        _ = try await browser.get("/compte")
        let asked = try await browser.post("/compte/donnees/lien", [])
        #expect(asked.status == .seeOther && asked.location == "/compte?donnees=lien")
        let mail = try #require(try await server.store.dueMails(at: server.clock.now(), limit: 50).last { $0.kind == "personal_data" })
        #expect(mail.to == "camille@example.org")
        let start = try #require(mail.text.range(of: "/compte/donnees/"))
        return String(mail.text[start.lowerBound...].prefix { !$0.isWhitespace })
    }

    @Test("the mailed link works once, for its owner's session only, then says 410")
    func linkOnce() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { browser in
            _ = try await Self.camille(server, browser)
            let path = try await Self.mailedLink(server, browser)
            let intruder = Browser(client: browser.client)
            try await intruder.signUp(email: "intrus@example.org", name: "Intrus")
            // act
            let stranger = try await intruder.get(path)
            let strangerUse = try await intruder.binary(.post, path, form: [])
            let page = try await browser.get(path)
            let first = try await browser.binary(.post, path, form: [])
            let second = try await browser.binary(.post, path, form: [])
            let again = try await browser.get(path)
            let wrong = try await browser.get("/compte/donnees/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            // check
            #expect(stranger.status == .forbidden && strangerUse.status == .forbidden, "another account gets nothing")
            #expect(!strangerUse.text.contains("camille@example.org"))
            #expect(page.status == .ok && page.body.contains("method=\"post\""))
            #expect(first.status == .ok && first.headers[.contentType] == "application/zip")
            #expect(try Self.text(try first.zip(), "account.json").contains("camille@example.org"))
            #expect(second.status == .gone && second.text.contains("déjà servi"))
            #expect(again.status == .gone)
            #expect(wrong.status == .notFound)
        }
    }

    @Test("a link older than 24 hours is refused with 410, and needs the session before anything")
    func linkExpired() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { browser in
            _ = try await Self.camille(server, browser)
            let path = try await Self.mailedLink(server, browser)
            let anonymous = Browser(client: browser.client)
            let signedOut = try await anonymous.get(path)
            // act
            server.clock.advance(by: 24 * 3600 + 1)
            let late = try await browser.get(path)
            let lateUse = try await browser.binary(.post, path, form: [])
            // check
            #expect(signedOut.status == .unauthorized && signedOut.body.contains("Connectez-vous"))
            #expect(late.status == .gone && late.body.contains("expiré"))
            #expect(lateUse.status == .gone)
        }
    }

    @Test("deleting with erase shows « Contribution supprimée par son auteur » where it stood, keeps replies, audits without a name")
    func eraseOnDeletion() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { browser in
            let (me, article) = try await Self.camille(server, browser)
            let mine = try #require(try await server.store.personalContributions(participantID: me.id, after: 0, limit: 10).first)
            let other = Browser(client: browser.client)
            try await other.signUp(email: "repondant@example.org", name: "Répondant")
            _ = try await other.get("/contributions/\(mine.id)")
            _ = try await other.post("/contributions/\(mine.id)/vote", [("value", "useful")])
            _ = try await browser.get("/compte")
            // act
            let bogus = try await browser.post("/compte/supprimer", [("password", "cheval agrafe pile"), ("contributions", "n-importe")])
            let stillThere = try await server.store.participant(id: me.id)
            _ = try await browser.get("/compte")
            let done = try await browser.post("/compte/supprimer", [("password", "cheval agrafe pile"), ("contributions", "erase")])
            let gone = try await browser.get(done.location ?? "/")
            let articlePage = try await other.get("/articles/\(article.id)")
            let itsPage = try await other.get("/contributions/\(mine.id)")
            // check
            #expect(bogus.status == .unprocessableContent)
            #expect(stillThere != nil && bogus.body.contains("Choisissez ce que deviennent vos contributions"), "nothing deleted half-way")
            #expect(try await server.store.participant(id: me.id) == nil)
            #expect(done.status == .seeOther && gone.body.contains("effacées"))
            #expect(articlePage.body.contains("Contribution supprimée par son auteur"))
            #expect(!articlePage.body.contains("mon argument à moi") && !itsPage.body.contains("mon argument à moi"))
            #expect(itsPage.status == .ok && itsPage.body.contains("Contribution supprimée par son auteur"))
            let stored = try #require(try await server.store.contribution(id: mine.id))
            #expect(stored.erasedAt != nil && stored.body.isEmpty)
            #expect((try await server.store.tallies([.contribution(mine.id)])[.contribution(mine.id)])?.useful == 1, "others' votes stay")
            let trail = try await server.store.auditEntries(consultationID: nil, page: PageRequest(page: 1, perPage: 100)).items
            let entry = try #require(trail.first { $0.action == .accountDeleted })
            #expect(entry.reason == "erase" && entry.actorID == nil && !entry.actorName.contains("Camille"))
        }
    }

    @Test("the API deletes with the choice, and names the field for an unknown value (422)")
    func apiDeletion() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { browser in
            let token = try await browser.apiAccount("api-gone@example.org")
            let article = try await server.firstArticle()
            let created = try await browser.api(.post, "/articles/\(article.id)/arguments", token: token, json: ["stance": "for", "text": "Argument API"])
            let id = try #require(created.json["id"] as? Int)
            // act
            let bogus = try await browser.api(.delete, "/me", token: token, json: ["password": "cheval agrafe pile", "contributions": "burn"])
            let wrong = try await browser.api(.delete, "/me", token: token, json: ["password": "non", "contributions": "erase"])
            let done = try await browser.api(.delete, "/me", token: token, json: ["password": "cheval agrafe pile", "contributions": "erase"])
            let after = try await browser.api(.get, "/me", token: token)
            let detail = try await browser.api(.get, "/contributions/\(id)")
            // check
            #expect(bogus.status == .unprocessableContent)
            let errors = try #require(bogus.json["errors"] as? [[String: Any]])
            #expect(errors.first?["field"] as? String == "contributions")
            #expect(wrong.status == .forbidden)
            #expect(done.status == .noContent)
            #expect(after.status == .unauthorized)
            #expect(detail.json["text"] as? String == "" && detail.json["erasedAt"] != nil)
        }
    }
}
