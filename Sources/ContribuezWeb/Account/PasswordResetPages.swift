import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// The paths of the password reset (issue 13); links are printed from here.
enum PasswordResetRoute {
    static let request = "/mot-de-passe-oublie"
    static func link(_ token: String) -> String { "/mot-de-passe/\(token)" }
}

/// « Mot de passe oublié » (issue 13): the form asking for a link, the mail, and the page behind the link.
///
/// NB: the answer to a request is the same whether an account has the address or not (no account
/// enumeration); the link alone resets, so it is single-use, an hour long, and its token is stored hashed.
struct PasswordResetPages {
    let deps: WebDependencies

    func register(on router: Router<WebContext>) {
        router.get("/mot-de-passe-oublie") { req, ctx in requestForm(screen(req, ctx)) }
        router.post("/mot-de-passe-oublie") { req, ctx in try await requestLink(req, ctx) }
        router.get("/mot-de-passe/:token") { req, ctx in try await linkPage(req, ctx) }
        router.post("/mot-de-passe/:token") { req, ctx in try await reset(req, ctx) }
    }

    func screen(_ req: Request, _ ctx: WebContext) -> Screen { Screen(deps: deps, context: ctx, request: req) }

    func requestForm(_ s: Screen, email: String = "", errors: [String] = [], sent: Bool = false, status: HTTPResponse.Status = .ok) -> Response {
        var data: [String: Any] = ["email": email, "action": PasswordResetRoute.request]
        if sent { data["sent"] = s.text("password_forgot_sent") }
        if !errors.isEmpty { data["errors"] = ["items": errors] }
        return s.html("password_forgot", title: s.text("password_forgot_title"), data: data, status: status)
    }

    /// Queues the mail when an account has the address; answers alike either way.
    func requestLink(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        let email = form.string("email")
        if case .limited(let rule, let wait) = try await RateLimiter(deps: deps).passwordResetAttempt(email: email) {
            return TooManyRequests.page(s, rule, retryAfter: wait)
        }
        let token = deps.secrets.secret(bytes: 32)
        switch try await RequestPasswordReset(email: email, tokenHash: Tokens.hash(token), mail: PasswordResetMail.make(deps, token: token, lang: s.lang)).run(deps.commands) {
        case .invalid(let errors):
            return requestForm(s, email: email, errors: errors.map { deps.catalogue.message(for: $0, s.lang) }, status: .unprocessableContent)
        default:
            return requestForm(s, sent: true)
        }
    }

    /// The page behind the mailed link: the new-password form, or why the link cannot be used. A GET
    /// spends nothing (a mail scanner opening the link cannot use it up).
    func linkPage(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let token = ctx.parameters.get("token"), Tokens.wellFormed(token),
              let link = try await deps.store.passwordReset(tokenHash: Tokens.hash(token)) else { return unusable(s, .unknown) }
        let now = deps.clock.now()
        if link.usedAt != nil || link.expiresAt <= now { return unusable(s, link.refusal(at: now)) }
        return resetForm(s, token: token)
    }

    func resetForm(_ s: Screen, token: String, errors: [String] = [], status: HTTPResponse.Status = .ok) -> Response {
        var data: [String: Any] = ["action": PasswordResetRoute.link(token)]
        if !errors.isEmpty { data["errors"] = ["items": errors] }
        return s.html("password_reset", title: s.text("password_reset_title"), data: data, status: status)
    }

    func reset(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        guard let token = ctx.parameters.get("token"), Tokens.wellFormed(token) else { return unusable(s, .unknown) }
        switch try await ResetPassword(tokenHash: Tokens.hash(token), password: form.string("password")).run(deps.commands) {
        case .done(.reset):
            var response = s.html(
                "password_reset", title: s.text("password_reset_title"),
                data: ["message": s.text("password_reset_done"), "signInURL": SiteRoute.signIn.path])
            // The session of this browser, if any, was revoked with the others: its cookie goes too.
            if ctx.session != nil {
                response.setCookie(Cookie(name: Cookies.session, value: "", maxAge: 0, path: "/", secure: deps.secureCookies, httpOnly: true, sameSite: .lax))
            }
            return response
        case .done(let use): return unusable(s, use)
        case .invalid(let errors):
            return resetForm(s, token: token, errors: errors.map { deps.catalogue.message(for: $0, s.lang) }, status: .unprocessableContent)
        default: return unusable(s, .unknown)
        }
    }

    /// A clear page for a link that cannot be used: 410 when used or expired, 404 when unknown.
    func unusable(_ s: Screen, _ use: PasswordResetUse) -> Response {
        let (key, status): (String, HTTPResponse.Status) = switch use {
        case .used: ("password_reset_used", .gone)
        case .expired: ("password_reset_expired", .gone)
        case .unknown, .reset: ("password_reset_unknown", .notFound)
        }
        return s.html(
            "password_reset", title: s.text("password_reset_title"),
            data: ["message": s.text(key), "failed": true, "againURL": PasswordResetRoute.request], status: status)
    }
}

/// The mail carrying a reset link, in the language of the page that asked for it.
enum PasswordResetMail {
    static func make(_ deps: WebDependencies, token: String, lang: Lang) -> NewMail {
        let base = deps.publicURL ?? "http://localhost:8080"
        return NewMail(
            to: "", subject: deps.catalogue.text("password_mail_subject", lang),
            text: deps.catalogue.text("password_mail_body", lang, ["link": base + PasswordResetRoute.link(token)]),
            kind: "password_reset")
    }
}

extension RateLimiter {
    /// Counts one reset request for the e-mail typed, whether an account has it or not (the answer must not tell).
    func passwordResetAttempt(email: String) async throws -> RateLimit.Decision {
        guard let rule = policy.rule(.passwordReset, .account) else { return .allowed }
        return try await count([RateLimit.Hit(rule, key: Self.digest("reset-email:" + RateLimit.normalisedEmail(email)))])
    }
}
