import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// The paths of the session pages (issue 13), beside `/compte`.
enum SessionsRoute {
    static let list = "/compte/sessions"
    static func list(page: Int) -> String { page <= 1 ? list : "\(list)?page=\(page)" }
    static func end(_ publicID: String) -> String { "/compte/sessions/\(publicID)/fin" }
    static let endAll = "/compte/sessions/partout"
}

/// « Mes sessions » (issue 13): the participant's live sessions (created, last seen, a coarse client, « cette
/// session » marked), ending one, and « Se déconnecter partout ».
struct SessionsPages {
    let deps: WebDependencies

    static let perPage = 20

    func register(on router: Router<WebContext>) {
        router.get("/compte/sessions") { req, ctx in try await list(req, ctx) }
        router.post("/compte/sessions/partout") { req, ctx in try await endAll(req, ctx) }
        router.post("/compte/sessions/:id/fin") { req, ctx in try await endOne(req, ctx) }
    }

    func screen(_ req: Request, _ ctx: WebContext) -> Screen { Screen(deps: deps, context: ctx, request: req) }

    func list(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let me = ctx.participant else { return s.refused(.notSignedIn) }
        let pageNumber = req.uri.queryParameters["page"].flatMap { Int(String($0)) } ?? 1
        let paging = PageRequest(page: pageNumber, perPage: Self.perPage)
        let now = deps.clock.now()
        let total = try await deps.store.activeSessionCount(participantID: me.id, at: now)
        let rows = try await deps.store.activeSessions(participantID: me.id, at: now, offset: paging.offset, limit: paging.perPage)
        let items: [[String: Any]] = rows.map { row in
            [
                "agent": ClientAgent.label(row.agent, deps.catalogue, s.lang),
                "created": dateTime(row.createdAt, s.lang),
                "lastSeen": dateTime(row.lastSeenAt, s.lang),
                "current": row.publicID == ctx.session?.publicID,
                "endURL": SessionsRoute.end(row.publicID),
            ]
        }
        let limits = deps.sessionPolicy.limits(staff: SessionPrivileges.isStaff(role: me.role, consultationRoles: ctx.session?.consultationRoles ?? [:]))
        var data: [String: Any] = [
            "intro": s.text("sessions_intro", ["idle": duration(limits.idle, s), "absolute": duration(limits.absolute, s)]),
            "sessions": items, "endAllURL": SessionsRoute.endAll, "accountURL": ProfileRoute.account,
            "count": s.text("sessions_count", ["n": "\(total)"]),
        ]
        if req.uri.queryParameters["fin"] == "1" { data["flash"] = s.text("sessions_ended_one") }
        if let p = s.pager(Page(items: rows, page: paging.page, perPage: paging.perPage, total: total), label: s.text("sessions_title"),
                           link: { SessionsRoute.list(page: $0) }) {
            data["pager"] = p["pager"]
        }
        return s.html("account_sessions", title: s.text("sessions_title"), data: data)
    }

    /// Ends one of one's sessions; ending the current one signs this browser out.
    func endOne(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success: break
        }
        guard let me = ctx.participant else { return s.refused(.notSignedIn) }
        guard let id = ctx.parameters.get("id"), SessionsAPI.wellFormedHandle(id),
              try await deps.store.endSession(publicID: id, participantID: me.id)
        else { return s.notFound() }
        if id == ctx.session?.publicID { return signedOut() }
        return Screen.redirect(SessionsRoute.list + "?fin=1")
    }

    /// « Se déconnecter partout »: every session of the participant, this one included.
    func endAll(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success: break
        }
        guard let me = ctx.participant else { return s.refused(.notSignedIn) }
        try await deps.store.endAllSessions(participantID: me.id)
        return signedOut()
    }

    func signedOut() -> Response {
        var response = Screen.redirect(SiteRoute.signIn.path + "?ok=sessions_ended_all")
        response.setCookie(SessionLifecycle(deps: deps).clearedCookie())
        return response
    }

    /// « 30 minutes », « 2 heures », « 30 jours ».
    func duration(_ seconds: TimeInterval, _ s: Screen) -> String {
        let n = Int(seconds)
        if n >= 86_400, n % 86_400 == 0 { return s.text("sessions_days", ["n": "\(n / 86_400)"]) }
        if n >= 3_600, n % 3_600 == 0 { return s.text("sessions_hours", ["n": "\(n / 3_600)"]) }
        return s.text("sessions_minutes", ["n": "\(max(1, n / 60))"])
    }

    func dateTime(_ d: Date, _ lang: Lang) -> String {
        d.formatted(Date.FormatStyle(date: .long, time: .shortened, locale: Locale(identifier: lang == .fr ? "fr_FR" : "en_GB"), timeZone: Catalogue.paris))
    }
}
