import ContribuezCore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Cookie names (session lifetimes: `SessionPolicy`, issue 13).
enum Cookies {
    static let session = "cz_session"
    static let csrf = "cz_csrf"
    static let lang = "cz_lang"
}

enum Tokens {
    /// Only a hash of the session token is stored: a leaked database does not leak live sessions.
    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Constant-time comparison for secrets.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// Tokens we issue are base64url: anything else in a cookie or header is ignored outright.
    static func wellFormed(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 128 && s.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 95
        }
    }
}

/// Browser-request origin checks (invariant 4), on top of the CSRF token.
enum OriginCheck {
    /// Refuses a state-changing request that a browser says comes from another site.
    static func isSameOrigin(_ request: Request) -> Bool {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!] {
            if site != "same-origin" && site != "none" { return false }
        }
        if let origin = request.headers[HTTPField.Name("Origin")!] {
            guard origin != "null", let url = URL(string: origin), let host = url.host else { return false }
            let authority = request.head.authority ?? ""
            let expected = authority.lowercased()
            let port = url.port.map { ":\($0)" } ?? ""
            return expected == (host.lowercased() + port) || expected == host.lowercased()
        }
        return true
    }
}

/// Security headers on every response (a test walks every declared route and pins them: HeaderPinTests).
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// No inline script, no inline style (no `style` attribute either: `style-src 'self'` blocks them), no
    /// plug-ins, no framing, no `<base>`; forms post only to the site. Pages need no script at all.
    static var contentSecurityPolicy: String {
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    }
    /// Two years, subdomains included (ASVS 5.0 3.4.1).
    static var strictTransportSecurity: String { "max-age=63072000; includeSubDomains" }

    /// True when the site is served over HTTPS (`serve --secure-cookies`, set behind a TLS proxy): every
    /// response then carries HSTS. NB: browsers ignore HSTS received over plain HTTP (RFC 6797 §8.1), so
    /// the header is only worth sending when the deployment says its public face is HTTPS.
    var https: Bool = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            // An error that no inner middleware turned into a response gets the headers too.
            response = try error.response(from: request, context: context)
        }
        response.headers[HTTPField.Name("Content-Security-Policy")!] = Self.contentSecurityPolicy
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        response.headers[HTTPField.Name("Permissions-Policy")!] = "camera=(), microphone=(), geolocation=()"
        if https {
            response.headers[HTTPField.Name("Strict-Transport-Security")!] = Self.strictTransportSecurity
        }
        if response.headers[.cacheControl] == nil {
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}

/// A response carried through `Result` when a request is refused before reaching its command.
struct Refusal: Error {
    let response: Response
}

/// How a raw session token is stored (its SHA-256), for tools that write sessions (`demo generate`).
public enum SessionTokens {
    public static func storedHash(_ token: String) -> String { Tokens.hash(token) }
}
