import ContribuezCore
import Foundation
import Hummingbird

/// One-click unsubscribe (RFC 8058). The random token in the link is the only credential: mail
/// clients POST `List-Unsubscribe=One-Click` without cookies, so this form carries no CSRF token —
/// it can do one thing only, stop the mails of the token's owner, and it is idempotent.
struct UnsubscribePages {
    let deps: WebDependencies

    func register(on router: Router<WebContext>) {
        router.get("/desabonnement/:token") { req, ctx in try await show(req, ctx) }
        router.post("/desabonnement/:token") { req, ctx in try await unsubscribe(req, ctx) }
    }

    func token(_ ctx: WebContext) -> String? {
        guard let t = ctx.parameters.get("token"), Tokens.wellFormed(t) else { return nil }
        return t
    }

    func show(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = Screen(deps: deps, context: ctx, request: req)
        guard let t = token(ctx) else { return s.error(.notFound, s.text("unsubscribe_unknown")) }
        return s.html("unsubscribe", title: s.text("unsubscribe_title"), data: ["action": FollowUpRoute.unsubscribe(t)])
    }

    func unsubscribe(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = Screen(deps: deps, context: ctx, request: req)
        _ = try? await req.body.collect(upTo: 4096)
        guard let t = token(ctx), try await deps.store.unsubscribe(token: t) != nil else {
            return s.error(.notFound, s.text("unsubscribe_unknown"))
        }
        return s.html("unsubscribe", title: s.text("unsubscribe_title"), data: ["done": true])
    }
}
