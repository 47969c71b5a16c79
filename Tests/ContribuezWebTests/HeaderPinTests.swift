import ContribuezCore
import ContribuezStore
@testable import ContribuezWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 13, deliverable 3: every response of every route the sources declare carries a strict
/// Content-Security-Policy, `frame-ancestors 'none'`, `nosniff`, a Referrer-Policy, and HSTS when the site
/// is served over HTTPS; no page needs an inline script or a `style` attribute the policy would block.
@Suite("Header pin (issue 13)")
struct HeaderPinTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/ContribuezWeb")

    /// Every route registered in `Sources/ContribuezWeb` (`router.get("/…")`, `api.put("…")`, `group.post("…")`):
    /// read from the sources, so a route added later is walked without anyone editing this test.
    static func declaredRoutes() throws -> [(method: HTTPRequest.Method, pattern: String)] {
        let regex = try NSRegularExpression(pattern: #"\b(router|api|group)\.(get|post|put|patch|delete|head)\("([^"]*)""#)
        var found: [(HTTPRequest.Method, String)] = []
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
        for case let url as URL in files where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            for m in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let owner = String(text[Range(m.range(at: 1), in: text)!])
                let verb = String(text[Range(m.range(at: 2), in: text)!]).uppercased()
                var path = String(text[Range(m.range(at: 3), in: text)!])
                if owner != "router" { path = "/api/v1/" + path }
                if !path.hasPrefix("/") { path = "/" + path }
                found.append((HTTPRequest.Method(verb)!, path))
            }
        }
        return found
    }

    /// Real ids for each parameter, chosen by the segment before it.
    struct IDs {
        var consultation: ID, article: ID, contribution: ID, participant: ID
    }

    static func concrete(_ pattern: String, _ ids: IDs) -> String {
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var out: [String] = []
        for (i, part) in parts.enumerated() {
            guard part.hasPrefix(":") else { out.append(part); continue }
            let before = i > 0 ? parts[i - 1] : ""
            switch (before, part) {
            case (_, ":token"): out.append("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            case (_, ":kind"): out.append("article")
            case (_, ":table"): out.append("tallies")
            case (_, ":participant"), (_, ":participantId"): out.append("\(ids.participant)")
            case (":kind", _): out.append("\(ids.article)")
            case ("consultations", _): out.append("\(ids.consultation)")
            case ("articles", _): out.append("\(ids.article)")
            case ("contributions", _): out.append("\(ids.contribution)")
            case ("participants", _): out.append("\(ids.participant)")
            default: out.append("1")
            }
        }
        return out.joined(separator: "/")
    }

    /// What a strict policy must say and must not allow.
    static func checkHeaders(_ r: Reply, _ what: String, https: Bool) {
        let csp = r.headers[HTTPField.Name("Content-Security-Policy")!] ?? ""
        var directives: [String: [String]] = [:]
        for d in csp.split(separator: ";") {
            let words = d.split(separator: " ").map(String.init)
            if let name = words.first { directives[name.lowercased()] = Array(words.dropFirst()) }
        }
        #expect(directives["default-src"] == ["'self'"], "default-src 'self': \(what)")
        let script = directives["script-src"] ?? directives["default-src"] ?? []
        let style = directives["style-src"] ?? directives["default-src"] ?? []
        for (name, list) in [("script-src", script), ("style-src", style)] {
            #expect(!list.isEmpty, "\(name) present: \(what)")
            for bad in ["'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "http:", "https:", "blob:"] {
                #expect(!list.contains(bad), "\(name) without \(bad): \(what)")
            }
        }
        for attr in ["script-src-attr", "style-src-attr", "script-src-elem", "style-src-elem"] {
            #expect(directives[attr] == nil || directives[attr] == ["'none'"], "\(attr) not loosened: \(what)")
        }
        #expect(directives["frame-ancestors"] == ["'none'"], "frame-ancestors 'none': \(what)")
        #expect(directives["object-src"] == ["'none'"], "object-src 'none': \(what)")
        #expect(directives["base-uri"] == ["'none'"], "base-uri 'none': \(what)")
        #expect(directives["form-action"] == ["'self'"], "form-action 'self': \(what)")
        #expect(r.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", "nosniff: \(what)")
        #expect(r.headers[HTTPField.Name("X-Frame-Options")!] == "DENY", "X-Frame-Options: \(what)")
        let referrer = r.headers[HTTPField.Name("Referrer-Policy")!]
        #expect(["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"].contains(referrer ?? ""), "Referrer-Policy: \(what)")
        let hsts = r.headers[HTTPField.Name("Strict-Transport-Security")!]
        if https {
            let age = hsts?.split(separator: ";").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("max-age=") }
                .flatMap { Int($0.trimmingCharacters(in: .whitespaces).dropFirst(8)) } ?? 0
            #expect(age >= 31_536_000, "HSTS of at least a year: \(what) (\(hsts ?? "none"))")
            #expect(hsts?.lowercased().contains("includesubdomains") == true, "HSTS for subdomains: \(what)")
        } else {
            #expect(hsts == nil, "no HSTS over plain HTTP: \(what)")
        }
    }

    /// An HTML body needs nothing the policy blocks: no `<script>`, no `<style>`, no `style=` or `on…=` attribute,
    /// no `javascript:` URL (user text arrives escaped, so these can only come from templates or code).
    static func inlineOffences(_ html: String) -> [String] {
        let patterns = [#"<script\b"#, #"<style\b"#, #"<[a-zA-Z][^>]*\sstyle\s*="#, #"<[a-zA-Z][^>]*\son[a-z]+\s*="#,
                        #"(href|src|action|formaction)\s*=\s*["']?\s*javascript:"#]
        return patterns.filter { html.range(of: $0, options: [.regularExpression, .caseInsensitive]) != nil }
    }

    /// Walks every declared route with every method it is declared for, as the browser `b` (state-changing
    /// page routes without the CSRF token: they are refused, which is a response like any other).
    static func walk(_ b: Browser, _ routes: [(method: HTTPRequest.Method, pattern: String)], _ ids: IDs, token: String?,
                     https: Bool, who: String) async throws -> [HTTPResponse.Status: Int] {
        var statuses: [HTTPResponse.Status: Int] = [:]
        // NB: ending the session comes last, so the rest is walked signed in.
        let last = { (r: (method: HTTPRequest.Method, pattern: String)) in r.pattern.hasSuffix("sessions/current") || r.pattern == "/signout" }
        let ordered = routes.filter { !last($0) } + routes.filter(last)
        for route in ordered {
            let path = concrete(route.pattern, ids)
            let what = "\(who) \(route.method) \(path)"
            let r: Reply
            if path.hasPrefix("/api/") {
                let body: String? = route.method == .get || route.method == .delete && !path.hasSuffix("/me") ? nil : "{}"
                var h: HTTPFields = [.contentType: "application/json"]
                if let token { h[.authorization] = "Bearer \(token)" }
                r = try await b.request(route.method, path, headers: h, body: body)
            } else if route.method == .get {
                r = try await b.get(path)
            } else {
                r = try await b.request(route.method, path, headers: [.contentType: "application/x-www-form-urlencoded", HTTPField.Name("Origin")!: "http://localhost"], body: "")
            }
            statuses[r.status, default: 0] += 1
            #expect(r.status.code < 500, "no server error: \(what)")
            checkHeaders(r, what, https: https)
            if (r.headers[.contentType] ?? "").hasPrefix("text/html") {
                #expect(inlineOffences(r.body).isEmpty, "inline script or style on \(what): \(inlineOffences(r.body))")
            }
        }
        return statuses
    }

    static func server(https: Bool, rateLimits: RateLimitSettings? = nil) async throws -> TestServer {
        let s = try await TestServer.make()
        var deps = s.deps
        deps.secureCookies = https
        if let rateLimits { deps.rateLimits = rateLimits }
        return TestServer(store: s.store, clock: s.clock, deps: deps, demo: s.demo)
    }

    /// Walks every declared route anonymously, as a participant and as an admin organiser, plus the error
    /// and edge responses (404, 405/404 of an undeclared method, 400, 413, 415, 422, 429, redirects, static files).
    static func everything(https: Bool) async throws {
        // setup
        let server = try await server(https: https, rateLimits: RateLimitSettings(policy: try RateLimit.Policy.production.overriding(["sign-in.account=3/900"])))
        let routes = try declaredRoutes()
        #expect(routes.count >= 100, "the route scan finds the routes (\(routes.count))")
        for pattern in ["/", "/signin", "/api/v1/openapi.json", "/static/app.css", "/health", "/api/v1/me/export", "/compte/donnees/:token"] {
            #expect(routes.contains { $0.pattern == pattern }, "the scan sees \(pattern)")
        }
        for api in APIRouteList.all {
            let pattern = "/api/v1" + api.pattern.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: "")
            #expect(routes.contains { $0.method.rawValue == api.method && $0.pattern == pattern }, "the scan sees \(api.method) \(pattern)")
        }
        let article = try await server.firstArticle()
        try await server.run { b in
            let author = try await InstitutionFixtures.account(b, server, "auteur-entetes@example.fr", name: "Autrice")
            let participantToken = try await b.apiAccount("participant-entetes@example.fr")
            let argued = try await b.api(.post, "/articles/\(article.id)/arguments", token: participantToken, json: ["stance": "for", "text": "Un argument pour la marche des en-têtes."])
            let contribution = try #require(argued.json["id"] as? Int, "\(argued.body)")
            let ids = IDs(consultation: server.demo.id, article: article.id, contribution: ID(contribution), participant: author.id)

            // act and check: anonymous, participant (pages and API), admin and organiser of the demo
            let anonymous = Browser(client: b.client)
            var seen = try await walk(anonymous, routes, ids, token: nil, https: https, who: "anonymous")
            for (k, v) in try await walk(b, routes, ids, token: participantToken, https: https, who: "participant") { seen[k, default: 0] += v }
            let admin = Browser(client: b.client)
            let staff = try await InstitutionFixtures.account(admin, server, "admin-entetes@example.fr", name: "Admin", role: .admin)
            try await server.makeOrganiser(staff.id)
            let adminToken = try await admin.apiAccount("admin-api-entetes@example.fr")
            let adminAPI = try #require(try await server.store.participant(email: "admin-api-entetes@example.fr"))
            _ = try await server.store.setRole(participantID: adminAPI.id, role: .admin)
            try await server.makeOrganiser(adminAPI.id)
            for (k, v) in try await walk(admin, routes, ids, token: adminToken, https: https, who: "admin") { seen[k, default: 0] += v }
            #expect(seen[.ok, default: 0] > 40, "many pages answered 200: \(seen)")
            #expect(seen[.notFound] != nil && seen[.forbidden] != nil && seen[.unauthorized] != nil, "\(seen)")

            // act and check: errors and edges
            var edges: [(String, Reply)] = []
            edges.append(("404 page", try await anonymous.get("/nulle-part")))
            edges.append(("404 API", try await anonymous.get("/api/v1/nulle-part")))
            edges.append(("undeclared method", try await anonymous.request(.trace, "/")))
            edges.append(("undeclared method API", try await anonymous.request(.patch, "/api/v1/consultations")))
            edges.append(("OPTIONS", try await anonymous.request(.options, "/api/v1/consultations")))
            edges.append(("HEAD", try await anonymous.request(.head, "/")))
            edges.append(("400 malformed JSON", try await anonymous.request(.post, "/api/v1/accounts", headers: [.contentType: "application/json"], body: "{")))
            edges.append(("415", try await anonymous.request(.post, "/api/v1/accounts", headers: [.contentType: "text/plain"], body: "x")))
            edges.append(("422", try await anonymous.api(.post, "/accounts", json: ["email": "pas-une-adresse"])))
            edges.append(("413", try await anonymous.request(.post, "/api/v1/accounts", headers: [.contentType: "application/json"], body: String(repeating: " ", count: 300_000))))
            edges.append(("redirect to sign-in", try await anonymous.get("/compte/donnees.zip")))
            edges.append(("static css", try await anonymous.get("/static/app.css")))
            edges.append(("openapi", try await anonymous.get("/api/v1/openapi.json")))
            let limited = Browser(client: b.client)
            for _ in 0..<4 {
                try await limited.get("/signin")
                edges.append(("sign-in, maybe 429", try await limited.post("/signin", [("email", "personne@example.fr"), ("password", "mauvais")])))
            }
            for _ in 0..<4 {
                edges.append(("API sign-in, maybe 429", try await anonymous.api(.post, "/sessions", json: ["email": "personne@example.fr", "password": "mauvais"])))
            }
            #expect(edges.contains { $0.1.status == .tooManyRequests }, "a 429 was walked")
            #expect(edges.contains { $0.1.status == .seeOther || $0.1.status == .found }, "a redirect was walked")
            #expect(edges.contains { $0.1.status == .contentTooLarge }, "a 413 was walked")
            for (what, r) in edges {
                #expect(r.status.code < 500, "\(what): \(r.status)")
                checkHeaders(r, what, https: https)
            }
        }
    }

    @Test("every declared route, every error page (400, 404, 405, 413, 415, 422, 429), redirects and static files carry a strict CSP, frame-ancestors 'none', nosniff and a Referrer-Policy, and no HSTS over plain HTTP")
    func everyRoutePlainHTTP() async throws {
        try await Self.everything(https: false)
    }

    @Test("served over HTTPS (--secure-cookies), every response also carries HSTS for two years with subdomains")
    func everyRouteHTTPS() async throws {
        try await Self.everything(https: true)
    }

    @Test("no template or view code needs what the policy blocks: no inline script, style element, style or event-handler attribute, javascript: URL")
    func templatesNeedNoInlineScriptOrStyle() throws {
        // setup
        let templates = Self.sources.appendingPathComponent("Resources/templates")
        let names = try FileManager.default.contentsOfDirectory(atPath: templates.path).filter { $0.hasSuffix(".mustache") }
        #expect(names.count > 30)
        // act and check
        for name in names {
            let text = try String(contentsOf: templates.appendingPathComponent(name), encoding: .utf8)
            #expect(Self.inlineOffences(text).isEmpty, "\(name): \(Self.inlineOffences(text))")
            // NB: triple mustaches print raw HTML; each one must be HTML the code built (Markdown or a view's markup).
        }
        let swiftFiles = FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: nil)!
        for case let url as URL in swiftFiles where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            for pattern in [#"<script\b"#, #"<style\b"#, #"\sstyle=\\?""#, #"\son(click|load|error|submit|change|mouseover)=\\?""#] {
                #expect(text.range(of: pattern, options: [.regularExpression, .caseInsensitive]) == nil, "\(url.lastPathComponent) writes \(pattern)")
            }
        }
    }
}
