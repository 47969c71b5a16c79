import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// The paths of the review of accounts (issue 13).
enum AccountReviewRoute {
    static let list = "/moderation/comptes"
    static func freeze(_ id: ID) -> String { "/moderation/comptes/\(id)/gel" }
    static func review(_ id: ID) -> String { "/moderation/comptes/\(id)/revue" }
}

/// « Comptes à examiner »: frozen accounts pending review (« ce n'était pas moi », or frozen by a moderator),
/// and bursts of sign-ups from one network. For instance admins and whoever moderates or organises a
/// consultation (`Action.reviewAccounts`); every decision goes through a command and the audit trail.
struct AccountReviewPages {
    let deps: WebDependencies

    static let perPage = 20
    /// The periods a moderator may look at bursts over, and the default one.
    static let periods: [(key: String, seconds: TimeInterval)] = [("1h", 3_600), ("24h", 86_400), ("7j", 7 * 86_400)]

    func register(on router: Router<WebContext>) {
        router.get("/moderation/comptes") { req, ctx in try await list(req, ctx) }
        router.post("/moderation/comptes/:id/gel") { req, ctx in try await freeze(req, ctx) }
        router.post("/moderation/comptes/:id/revue") { req, ctx in try await review(req, ctx) }
    }

    func screen(_ req: Request, _ ctx: WebContext) -> Screen { Screen(deps: deps, context: ctx, request: req) }

    func list(_ req: Request, _ ctx: WebContext) async throws -> Response {
        try await page(screen(req, ctx))
    }

    func page(_ s: Screen, errors: [String] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        if case .refused(let r) = Permissions.can(s.context.actor, .reviewAccounts, on: Institution.anyConsultation, at: deps.clock.now()) {
            return s.refused(r)
        }
        let query = s.request.uri.queryParameters
        let periodKey = query["periode"].map(String.init) ?? "24h"
        guard let period = Self.periods.first(where: { $0.key == periodKey }) else {
            return s.error(.badRequest, s.text("accounts_err_period", ["accepted": Self.periods.map(\.key).joined(separator: ", ")]))
        }
        let frozenPage = try await deps.store.frozenAccounts(page: PageRequest(page: s.queryInt("page"), perPage: Self.perPage))
        let burstPage = try await deps.store.signUpBursts(
            since: deps.clock.now() - period.seconds, minimum: Disavowals.burstMinimum, page: PageRequest(page: s.queryInt("rafales"), perPage: 10))
        var data: [String: Any] = [
            "frozen": frozenPage.items.map { f -> [String: Any] in
                [
                    "name": f.displayName, "url": SiteRoute.participant(f.participantID).path,
                    "origin": s.text("accounts_origin_\(f.origin.rawValue)"), "reason": f.reason, "hasReason": !f.reason.isEmpty,
                    "frozenAt": deps.catalogue.date(f.frozenAt, s.lang), "createdAt": deps.catalogue.date(f.accountCreatedAt, s.lang),
                    "hidden": s.text("accounts_hidden_count", ["n": "\(f.hiddenContributions)"]),
                    "reviewURL": AccountReviewRoute.review(f.participantID),
                ]
            },
            "hasFrozen": !frozenPage.items.isEmpty, "frozenCount": s.text("accounts_frozen_count", ["n": "\(frozenPage.total)"]),
            "bursts": burstPage.items.map { b -> [String: Any] in
                [
                    "label": s.text("accounts_burst_label", ["n": "\(b.count)", "network": String(b.network.prefix(8))]),
                    "span": s.text("accounts_burst_span", ["first": deps.catalogue.date(b.first, s.lang), "last": deps.catalogue.date(b.last, s.lang)]),
                    "accounts": b.accounts.map { a -> [String: Any] in
                        ["name": a.displayName, "url": SiteRoute.participant(a.participantID).path, "frozen": a.frozen,
                         "freezeURL": AccountReviewRoute.freeze(a.participantID), "createdAt": deps.catalogue.date(a.createdAt, s.lang)]
                    },
                    "more": b.count > b.accounts.count ? s.text("accounts_burst_more", ["n": "\(b.count - b.accounts.count)"]) : "",
                ]
            },
            "hasBursts": !burstPage.items.isEmpty,
            "burstIntro": s.text("accounts_bursts_intro", ["n": "\(Disavowals.burstMinimum)"]),
            "periods": Self.periods.map { p -> [String: Any] in
                ["label": s.text("accounts_period_\(p.key)"), "url": AccountReviewRoute.list + "?periode=\(p.key)", "current": p.key == period.key]
            },
        ]
        if let p = s.pager(frozenPage, label: s.text("accounts_frozen_heading"), link: { AccountReviewRoute.list + "?periode=\(period.key)&page=\($0)" }) {
            data["frozenPager"] = p
        }
        if let p = s.pager(burstPage, label: s.text("accounts_bursts_heading"), link: { AccountReviewRoute.list + "?periode=\(period.key)&rafales=\($0)" }) {
            data["burstPager"] = p
        }
        if !errors.isEmpty { data["errors"] = ["items": errors] }
        return s.html("moderation_accounts", title: s.text("accounts_title"), data: data, status: status)
    }

    func freeze(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        guard let id = Institution.id(ctx) else { return s.notFound() }
        switch try await FreezeAccount(actor: ctx.actor, participantID: id, reason: form.string("reason")).run(deps.commands) {
        case .done: return Screen.redirect(AccountReviewRoute.list + "?ok=accounts_frozen")
        case .invalid(let errors): return try await page(s, errors: s.messages(errors), status: .unprocessableContent)
        case .refused(let r): return s.refused(r)
        case .notFound: return s.notFound()
        case .conflict: return try await page(s, errors: [s.text("accounts_err_already_frozen")], status: .conflict)
        }
    }

    func review(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        guard let id = Institution.id(ctx) else { return s.notFound() }
        let decision = ReviewFreeze.Decision(rawValue: form.string("decision"))
        switch try await ReviewFreeze(actor: ctx.actor, participantID: id, decision: decision, reason: form.string("reason")).run(deps.commands) {
        case .done(.lift): return Screen.redirect(AccountReviewRoute.list + "?ok=accounts_lifted")
        case .done(.uphold): return Screen.redirect(AccountReviewRoute.list + "?ok=accounts_upheld")
        case .invalid(let errors): return try await page(s, errors: s.messages(errors), status: .unprocessableContent)
        case .refused(let r): return s.refused(r)
        case .notFound: return s.notFound()
        case .conflict: return try await page(s, errors: [s.text("accounts_err_reviewed")], status: .conflict)
        }
    }
}
