import ContribuezCore
import ContribuezStore
import ContribuezWeb
import Foundation
import HTTPTypes
import Testing

@Suite("Security")
struct SecurityTests {
    @Test("a form without the CSRF token, with a wrong one, or from another origin is refused and changes nothing")
    func csrf() async throws {
        // setup
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await server.run { b in
            try await b.signUp(email: "csrf@example.fr")
            try await b.get("/articles/\(article.id)")
            let before = try await server.store.tallies([.article(article.id)])[.article(article.id)]
            // act
            let missing = try await b.post("/articles/\(article.id)/vote", [("value", "agree")], csrf: "")
            let wrong = try await b.post("/articles/\(article.id)/vote", [("value", "agree")], csrf: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            let crossOrigin = try await b.post("/articles/\(article.id)/vote", [("value", "agree")], origin: "https://evil.example")
            let crossSite = try await b.post("/articles/\(article.id)/vote", [("value", "agree")], extra: [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"])
            let nullOrigin = try await b.post("/articles/\(article.id)/vote", [("value", "agree")], origin: "null")
            let after = try await server.store.tallies([.article(article.id)])[.article(article.id)]
            let ok = try await b.post("/articles/\(article.id)/vote", [("value", "agree")])
            // check
            for r in [missing, wrong, crossOrigin, crossSite, nullOrigin] {
                #expect(r.status == .forbidden)
                #expect(r.body.contains("Le formulaire a expiré ou ne vient pas de ce site."))
            }
            #expect(before == after)
            #expect(ok.status == .seeOther)
        }
    }

    @Test("sign-up and sign-in forms need the visitor's CSRF token too")
    func csrfOnAnonymousForms() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // act: no page visited, so no CSRF cookie and no token
            let r = try await b.post("/signup", [("email", "x@example.fr"), ("password", "cheval agrafe pile"), ("displayName", "X"), ("kind", "citizen")], csrf: "forged")
            // check
            #expect(r.status == .forbidden)
            #expect(try await server.store.credentials(email: "x@example.fr") == nil)
        }
    }

    @Test("the session cookie is HttpOnly and SameSite=Lax, its token random and stored only as a hash")
    func sessionCookie() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            let r = try await b.signUp(email: "cookie@example.fr")
            let cookie = try #require(r.setCookies.first { $0.hasPrefix("cz_session=") })
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(cookie.contains("Path=/"))
            #expect(!cookie.contains("Secure"))
            let token = try #require(b.cookies["cz_session"])
            #expect(token.count >= 43, "256 bits in base64url")
            #expect(try await server.store.session(tokenHash: token, at: TestServer.t0) == nil, "the raw token is not a key")
            // sign out deletes the session
            try await b.get("/")
            try await b.post("/signout", [])
            #expect(b.cookies["cz_session"] == nil)
        }
    }

    @Test("Secure is added to cookies when served behind HTTPS")
    func secureCookies() async throws {
        var server = try await TestServer.make()
        var deps = WebDependencies(
            store: server.store, clock: server.clock, hasher: BcryptHasher(cost: 4), secrets: SystemSecretGenerator(),
            catalogue: server.deps.catalogue, views: server.deps.views, secureCookies: true)
        deps.formStamps.minimumAge = 0  // the fixed clock does not move between the page and its form
        server = TestServer(store: server.store, clock: server.clock, deps: deps, demo: server.demo)
        try await server.run { b in
            let r = try await b.signUp(email: "secure@example.fr")
            #expect(r.setCookies.contains { $0.hasPrefix("cz_session=") && $0.contains("Secure") })
        }
    }

    @Test("every page carries the security headers")
    func headers() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            for path in ["/", "/signin", "/nulle-part", "/api/v1/consultations"] {
                let r = try await b.get(path)
                #expect(r.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("default-src 'self'") == true, "\(path)")
                #expect(r.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("script-src 'self'") == true, "\(path)")
                #expect(r.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", "\(path)")
                #expect(r.headers[HTTPField.Name("X-Frame-Options")!] == "DENY", "\(path)")
                #expect(r.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin", "\(path)")
            }
        }
    }

    @Test("a form body that is not UTF-8 or too large gets 400 or 413, never a 500")
    func badBodies() async throws {
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await server.run { b in
            try await b.signUp(email: "bytes@example.fr")
            try await b.get("/articles/\(article.id)")
            let token = try #require(b.lastCSRF)
            let badPercent = try await b.request(.post, "/articles/\(article.id)/arguments",
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: "_csrf=\(token)&stance=for&text=%FF%FE%80")
            let huge = try await b.post("/articles/\(article.id)/arguments", [("stance", "for"), ("text", String(repeating: "x", count: 300_000))])
            #expect(badPercent.status == .badRequest)
            #expect(huge.status == .contentTooLarge)
        }
    }

    @Test("a redirect target from a form never leaves the site")
    func openRedirect() async throws {
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await server.run { b in
            try await b.signUp(email: "redirect@example.fr")
            try await b.get("/articles/\(article.id)")
            for back in ["https://evil.example/", "//evil.example/x", "/\\evil.example"] {
                let r = try await b.post("/articles/\(article.id)/vote", [("value", "agree"), ("back", back)])
                #expect(r.location?.hasPrefix("/articles/") == true, "\(back) → \(r.location ?? "")")
            }
        }
    }
}

@Suite("Escaping")
struct EscapingTests {
    static let payloads = [
        "<script>alert(\"xss\")</script>",
        "<img src=x onerror=alert(1)>",
        "\"><svg onload=alert(1)>",
        "';alert(String.fromCharCode(88,83,83))//",
        "[clic](javascript:alert(1))",
    ]

    @Test("what users write is escaped in every place it is rendered")
    func everyField() async throws {
        // setup
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        let payload = Self.payloads.joined(separator: " ")
        try await server.run { b in
            try await b.signUp(email: "xss@example.fr", name: "<b>Mallory</b><script>x</script>", kind: "association", organization: "<i>Org</i><script>y</script>")
            try await b.get("/articles/\(article.id)")
            // act
            let amendment = try await b.post("/articles/\(article.id)/amendments", [("text", article.body + " " + payload), ("rationale", payload)])
            try await b.post("/articles/\(article.id)/arguments", [("stance", "for"), ("text", payload)])
            try await b.post("/articles/\(article.id)/sources", [("url", "https://example.org/?q=%3Cscript%3E\"onmouseover=alert(1)"), ("title", payload), ("summary", payload)])
            try await b.get("/consultations/\(server.demo.id)/proposals")
            let proposal = try await b.post("/consultations/\(server.demo.id)/proposals", [("title", "Titre " + payload), ("text", payload)])
            let me = try #require(try await server.store.credentials(email: "xss@example.fr")?.participant)
            let pages = [
                try await b.get("/articles/\(article.id)"),
                try await b.get(amendment.location ?? "/"),
                try await b.get(proposal.location ?? "/"),
                try await b.get("/consultations/\(server.demo.id)"),
                try await b.get("/consultations/\(server.demo.id)/proposals"),
                try await b.get("/participants/\(me.id)"),
            ]
            // check
            for page in pages {
                #expect(page.status == .ok)
                #expect(!page.body.contains("<script>"), "raw script tag")
                #expect(!page.body.contains("<img src=x"), "raw img tag")
                #expect(!page.body.contains("<svg onload"), "raw svg tag")
                #expect(!page.body.contains("href=\"javascript:"), "javascript link")
                #expect(!page.body.contains("<b>Mallory</b>"), "raw markup in a name")
                #expect(!page.body.contains("\"onmouseover"), "attribute break-out")
            }
            #expect(pages[0].body.contains("&lt;script&gt;"))
            #expect(pages[0].body.contains("&lt;b&gt;Mallory&lt;/b&gt;"))
        }
    }
}
