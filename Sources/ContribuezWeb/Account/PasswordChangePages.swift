import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// Changing one's password (ASVS 5.0 6.2.2, 6.2.3, 7.4.3): `/compte/mot-de-passe` and
/// `PUT /api/v1/me/password`. The current password is asked, guesses count against the same per-e-mail
/// limit as sign-ins, and every other session of the person ends.
struct PasswordChangePages {
    let deps: WebDependencies
    static let path = "/compte/mot-de-passe"

    func register(on router: Router<WebContext>) {
        router.get("/compte/mot-de-passe") { req, ctx in try await form(req, ctx) }
        router.post("/compte/mot-de-passe") { req, ctx in try await change(req, ctx) }
    }

    func screen(_ req: Request, _ ctx: WebContext) -> Screen { Screen(deps: deps, context: ctx, request: req) }

    func form(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard ctx.participant != nil else { return Screen.redirect(SiteRoute.signIn.path) }
        let s = screen(req, ctx)
        return page(s, flash: req.uri.queryParameters["fait"] != nil ? s.text("password_change_done") : nil)
    }

    func page(_ s: Screen, errors: [String] = [], flash: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        var data: [String: Any] = ["action": Self.path, "accountURL": ProfileRoute.account]
        if !errors.isEmpty { data["errors"] = ["items": errors] }
        if let flash { data["flash"] = flash }
        return s.html("account_password", title: s.text("password_change_title"), data: data, status: status)
    }

    func change(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        guard let me = ctx.participant else { return Screen.redirect(SiteRoute.signIn.path) }
        let limiter = RateLimiter(deps: deps)
        if case .limited(let rule, let wait) = try await limiter.signInAttempt(email: me.email ?? "participant:\(me.id)") {
            return TooManyRequests.page(s, rule, retryAfter: wait)
        }
        let command = ChangePassword(
            actor: ctx.actor, current: form.string("currentPassword"), new: form.string("newPassword"), sessionTokenHash: ctx.sessionTokenHash)
        switch try await command.run(deps.commands) {
        case .done:
            try await limiter.signedIn(email: me.email ?? "participant:\(me.id)")
            return Screen.redirect(Self.path + "?fait=1")
        case .invalid(let errors):
            return page(s, errors: errors.map { Self.message($0, s) }, status: .unprocessableContent)
        case .refused(.notSignedIn): return Screen.redirect(SiteRoute.signIn.path)
        case .refused: return page(s, errors: [s.text("password_change_wrong_current")], status: .forbidden)
        case .notFound, .conflict: return s.notFound()
        }
    }

    static func message(_ error: FieldError, _ s: Screen) -> String {
        if error.field == "newPassword" && error.rule == .notAllowed { return s.text("password_change_same") }
        if error.field == "newPassword" && error.rule == .tooShort { return s.text("err_password_too_short") }
        if error.field == "newPassword" && error.rule == .tooLong { return s.text("err_password_too_long") }
        return s.deps.catalogue.message(for: error, s.lang)
    }
}

/// `PUT /api/v1/me/password` with `currentPassword` and `newPassword`: 204, 403 `wrong_password`, 422 naming
/// the field, 429 when guesses exceed the sign-in limit of the account's e-mail.
struct PasswordChangeAPI {
    let api: APIHandlers
    var deps: WebDependencies { api.deps }

    func register(on group: RouterGroup<WebContext>) {
        group.put("me/password") { req, ctx in try await change(req, ctx) }
    }

    func change(_ req: Request, _ ctx: WebContext) async throws -> Response {
        if let r = api.authed(ctx) { return r }
        let json: JSONObject
        switch await api.body(req) { case .failure(let r): return r.response; case .success(let j): json = j }
        var errors: [FieldError] = []
        let current = json.string("currentPassword", &errors)
        let new = json.string("newPassword", &errors)
        guard errors.isEmpty else { return api.invalid(errors, ctx) }
        let me = ctx.participant!
        let limiter = RateLimiter(deps: deps)
        if case .limited(let rule, let wait) = try await limiter.signInAttempt(email: me.email ?? "participant:\(me.id)") {
            return TooManyRequests.problem(rule, retryAfter: wait, lang: ctx.lang, deps.catalogue)
        }
        switch try await ChangePassword(actor: ctx.actor, current: current, new: new, sessionTokenHash: ctx.sessionTokenHash).run(deps.commands) {
        case .done:
            try await limiter.signedIn(email: me.email ?? "participant:\(me.id)")
            return Response(status: .noContent)
        case .invalid(let e): return api.invalid(e, ctx)
        case .refused(.notSignedIn): return api.refused(.notSignedIn, ctx)
        case .refused: return APIHandlers.problem(.forbidden, "wrong_password", deps.catalogue.text("password_change_wrong_current", ctx.lang))
        case .notFound, .conflict: return api.notFound("participant")
        }
    }
}
