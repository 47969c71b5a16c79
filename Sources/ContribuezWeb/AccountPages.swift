import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// Sign-up, sign-in, sign-out and the language switch.
struct AccountPages {
    let deps: WebDependencies

    func kinds(_ s: Screen, selected: String?) -> [[String: Any]] {
        ParticipantKind.allCases.map { k in
            ["value": k.rawValue, "label": s.text("kind_\(k.rawValue)"), "checked": (selected ?? "citizen") == k.rawValue]
        }
    }

    func signUpForm(_ s: Screen, draft: [String: String] = [:], errors: [String] = [], status: HTTPResponse.Status = .ok) -> Response {
        var data: [String: Any] = ["draft": draft, "kinds": kinds(s, selected: draft["kind"])]
        if !errors.isEmpty { data["errors"] = ["items": errors] }
        return s.html("signup", title: s.text("signup_title"), data: data, status: status)
    }

    func signInForm(_ s: Screen, draft: [String: String] = [:], errors: [String] = [], status: HTTPResponse.Status = .ok) -> Response {
        var data: [String: Any] = ["draft": draft]
        if !errors.isEmpty { data["errors"] = ["items": errors] }
        return s.html("signin", title: s.text("signin_title"), data: data, status: status)
    }

    func signUp(_ req: Request, _ ctx: WebContext, _ s: Screen) async throws -> Response {
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        let draft = ["email": form.string("email"), "displayName": form.string("displayName"), "kind": form.string("kind"), "organization": form.string("organization")]
        let command = SignUp(
            email: form.string("email"), password: form.string("password"), displayName: form.string("displayName"),
            kind: ParticipantKind(rawValue: form.string("kind")), organization: form.string("organization"))
        switch try await command.run(deps.commands) {
        case .done(let participant):
            try await AccountWelcome(deps: deps).welcome(participant, req, ctx, lang: s.lang)
            return try await startSession(participant, req, ctx, then: SiteRoute.home.path)
        case .invalid(let errors):
            return signUpForm(s, draft: draft, errors: errors.map { deps.catalogue.message(for: $0, s.lang) }, status: .unprocessableContent)
        case .conflict:
            return signUpForm(s, draft: draft, errors: [s.text("err_duplicate_email")], status: .conflict)
        case .refused(let r):
            return signUpForm(s, draft: draft, errors: [deps.catalogue.message(for: r, s.lang)], status: .forbidden)
        case .notFound:
            return s.notFound()
        }
    }

    func signIn(_ req: Request, _ ctx: WebContext, _ s: Screen) async throws -> Response {
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        if case .limited(let rule, let wait) = try await RateLimiter(deps: deps).signInAttempt(email: form.string("email")) {
            return TooManyRequests.page(s, rule, retryAfter: wait)
        }
        switch try await SignIn(email: form.string("email"), password: form.string("password")).run(deps.commands) {
        case .done(let participant):
            try await RateLimiter(deps: deps).signedIn(email: form.string("email"))
            // NB: with a second factor the new session gives no access until the code is given (issue 13).
            let next = try await SecondFactorCheck(deps: deps).required(participant.id) ? SecondFactorRoute.signInCode : SiteRoute.home.path
            return try await startSession(participant, req, ctx, then: next)
        case .refused(.accountFrozen):
            return signInForm(s, draft: ["email": form.string("email")], errors: [s.text("refused_account_frozen")], status: .forbidden)
        default:
            return signInForm(s, draft: ["email": form.string("email")], errors: [s.text("err_wrong_credentials")], status: .unauthorized)
        }
    }

    /// A new random session token (256 bits) in an HttpOnly, SameSite=Lax cookie; only its hash is stored. A session
    /// the browser already had is ended: signing in always gives a new identifier (issue 13).
    func startSession(_ participant: Participant, _ req: Request, _ ctx: WebContext, then location: String) async throws -> Response {
        if let old = ctx.sessionTokenHash { try await deps.store.deleteSession(tokenHash: old) }
        let lifecycle = SessionLifecycle(deps: deps)
        let opened = try await lifecycle.open(participant, request: req)
        var response = Screen.redirect(location)
        response.setCookie(lifecycle.cookie(opened.token, expiresAt: opened.expiresAt))
        return response
    }

    func signOut(_ req: Request, _ ctx: WebContext, _ s: Screen) async throws -> Response {
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success: break
        }
        if let hash = ctx.sessionTokenHash { try await deps.store.deleteSession(tokenHash: hash) }
        var response = Screen.redirect(SiteRoute.home.path)
        response.setCookie(SessionLifecycle(deps: deps).clearedCookie())
        return response
    }

    func language(_ req: Request, _ ctx: WebContext, _ s: Screen) async throws -> Response {
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        let lang = Lang(rawValue: form.string("lang")) ?? .fr
        var response = Screen.redirect(Screen.safeBack(form["back"], fallback: "/"))
        response.setCookie(Cookie(name: Cookies.lang, value: lang.rawValue, maxAge: 365 * 86_400, path: "/", secure: deps.secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }
}
