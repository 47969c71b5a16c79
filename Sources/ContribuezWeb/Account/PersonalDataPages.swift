import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// The paths of issue 12's personal data. NB: `SiteRoute` belongs to the participation core; these
/// links are printed from here.
enum PersonalDataRoute {
    static let download = "/compte/donnees.zip"
    static let requestLink = "/compte/donnees/lien"
    static func link(_ token: String) -> String { "/compte/donnees/\(token)" }
}

/// « Mes données » (issue 12): the download from `/compte`, the link sent by mail, and the pages behind it.
struct PersonalDataPages {
    let deps: WebDependencies

    func register(on router: Router<WebContext>) {
        router.get("/compte/donnees.zip") { req, ctx in try await download(req, ctx) }
        router.post("/compte/donnees/lien") { req, ctx in try await requestLink(req, ctx) }
        router.get("/compte/donnees/:token") { req, ctx in try await linkPage(req, ctx) }
        router.post("/compte/donnees/:token") { req, ctx in try await useLink(req, ctx) }
    }

    func screen(_ req: Request, _ ctx: WebContext) -> Screen { Screen(deps: deps, context: ctx, request: req) }

    func export(_ participantID: ID) -> PersonalExport {
        PersonalExport(store: deps.store, participantID: participantID, now: deps.clock.now())
    }

    /// The ZIP for the signed-in participant; without a session, the sign-in page.
    func download(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let me = ctx.participant else { return Screen.redirect(SiteRoute.signIn.path) }
        return try await export(me.id).response() ?? screen(req, ctx).notFound()
    }

    /// Queues the mail with a fresh link (its token's hash only is stored), then back to `/compte`.
    func requestLink(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success: break
        }
        guard let me = ctx.participant else { return s.refused(.notSignedIn) }
        let token = deps.secrets.secret(bytes: 32)
        let base = (deps.publicURL ?? "http://localhost:8080")
        let lang = ctx.lang
        let mail = NewMail(
            to: me.email ?? "", subject: deps.catalogue.text("personal_mail_subject", lang),
            text: deps.catalogue.text("personal_mail_body", lang, [
                "name": me.displayName, "link": base + PersonalDataRoute.link(token), "account": base + ProfileRoute.account,
            ]),
            kind: "personal_data")
        switch try await RequestPersonalDataLink(actor: ctx.actor, tokenHash: Tokens.hash(token), mail: mail).run(deps.commands) {
        case .done: return Screen.redirect(ProfileRoute.account + "?donnees=lien")
        case .conflict: return AccountDataView.account(s, deps, errors: [s.text("personal_too_many_links")], status: .tooManyRequests)
        case .invalid: return AccountDataView.account(s, deps, errors: [s.text("personal_no_email")], status: .unprocessableContent)
        case .refused(let r): return s.refused(r)
        case .notFound: return s.notFound()
        }
    }

    /// The page behind the mailed link: says what the link is worth, and offers the download as a POST
    /// (a GET spends nothing, so a mail scanner opening the link cannot use it up).
    func linkPage(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let token = ctx.parameters.get("token"), Tokens.wellFormed(token) else { return unusable(s, .unknown) }
        guard let link = try await deps.store.personalDataLink(tokenHash: Tokens.hash(token)) else { return unusable(s, .unknown) }
        if link.usedAt != nil { return unusable(s, .used) }
        if link.expiresAt <= deps.clock.now() { return unusable(s, .expired) }
        guard let me = ctx.participant else {
            return s.html(
                "account_data_link", title: s.text("personal_link_title"),
                data: ["message": s.text("personal_link_sign_in"), "signInURL": SiteRoute.signIn.path], status: .unauthorized)
        }
        guard me.id == link.participantID else { return unusable(s, .otherParticipant) }
        return s.html(
            "account_data_link", title: s.text("personal_link_title"),
            data: [
                "message": s.text("personal_link_ready", ["date": deps.catalogue.date(link.expiresAt, s.lang)]),
                "action": PersonalDataRoute.link(token),
            ])
    }

    /// Spends the link (atomically) and streams the ZIP.
    func useLink(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success: break
        }
        guard let token = ctx.parameters.get("token"), Tokens.wellFormed(token) else { return unusable(s, .unknown) }
        switch try await UsePersonalDataLink(actor: ctx.actor, tokenHash: Tokens.hash(token)).run(deps.commands) {
        case .done(.consumed): return try await export(ctx.participant!.id).response() ?? s.notFound()
        case .done(let use): return unusable(s, use)
        case .refused: return Screen.redirect(SiteRoute.signIn.path)
        default: return s.notFound()
        }
    }

    /// A clear page for a link that cannot be used: 410 when used or expired.
    func unusable(_ s: Screen, _ use: PersonalDataLinkUse) -> Response {
        let (key, status): (String, HTTPResponse.Status) = switch use {
        case .used: ("personal_link_used", .gone)
        case .expired: ("personal_link_expired", .gone)
        case .otherParticipant: ("personal_link_other", .forbidden)
        case .unknown, .consumed: ("personal_link_unknown", .notFound)
        }
        return s.html(
            "account_data_link", title: s.text("personal_link_title"),
            data: ["message": s.text(key), "accountURL": ProfileRoute.account, "failed": true], status: status)
    }
}

/// The `/compte` page's data for issue 12: the download, the mailed link and the deletion choice.
enum AccountDataView {
    /// Adds the « Mes données » section and the deletion choice to the account page's data.
    static func decorate(_ data: inout [String: Any], _ s: Screen, choice: ContributionsOnDeletion = .keep) {
        data["downloadURL"] = PersonalDataRoute.download
        data["linkURL"] = PersonalDataRoute.requestLink
        data["linkHours"] = "\(Int(PersonalDataLinks.lifetime / 3600))"
        data["deletionChoices"] = ContributionsOnDeletion.allCases.map { c -> [String: Any] in
            ["value": c.rawValue, "label": s.text("account_contributions_\(c.rawValue)"), "checked": c == choice]
        }
        switch s.request.uri.queryParameters["donnees"] {
        case "lien": data["flash"] = s.text("personal_link_sent")
        default: break
        }
    }

    /// The account page with errors (the handlers of `ProfilePages` render it the same way).
    static func account(_ s: Screen, _ deps: WebDependencies, errors: [String], status: HTTPResponse.Status) -> Response {
        ProfileHandlers(deps: deps).account(s.request, s.context, errors: errors, status: status)
    }
}
