import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// The signed-in participant's sessions in the API (issue 13): `GET /api/v1/sessions` lists the live ones
/// (paginated; `current` marks the one making the request), `DELETE /api/v1/sessions/{id}` ends one of one's own
/// (404 for any other handle, someone else's included), `DELETE /api/v1/sessions` ends them all.
struct SessionsAPI {
    let api: APIHandlers
    var deps: WebDependencies { api.deps }

    func register(on group: RouterGroup<WebContext>) {
        group.get("sessions") { req, ctx in try await list(req, ctx) }
        group.delete("sessions") { req, ctx in try await endAll(req, ctx) }
        group.delete("sessions/:id") { req, ctx in try await endOne(req, ctx) }
    }

    struct SessionDTO: Encodable {
        var id: String
        var createdAt: Date
        var lastSeenAt: Date
        var expiresAt: Date
        var browser: String?
        var system: String?
        /// « Chromium sur Linux », in the request's language.
        var label: String
        var current: Bool
    }

    func list(_ req: Request, _ ctx: WebContext) async throws -> Response {
        if let r = api.authed(ctx) { return r }
        let paging: PageRequest
        switch Self.paging(req) {
        case .failure(let e): return api.invalid(e.errors, ctx)
        case .success(let p): paging = p
        }
        let me = ctx.participant!.id, now = deps.clock.now()
        let total = try await deps.store.activeSessionCount(participantID: me, at: now)
        let rows = try await deps.store.activeSessions(participantID: me, at: now, offset: paging.offset, limit: paging.perPage)
        let items = rows.map { s in
            let parts = s.agent.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            return SessionDTO(
                id: s.publicID, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, expiresAt: s.expiresAt,
                browser: parts.first.flatMap { $0.isEmpty ? nil : $0 }, system: parts.count > 1 && !parts[1].isEmpty ? parts[1] : nil,
                label: ClientAgent.label(s.agent, deps.catalogue, ctx.lang), current: s.publicID == ctx.session?.publicID)
        }
        let page = Page(items: items, page: paging.page, perPage: paging.perPage, total: total)
        return APIHandlers.json(APIDoc.PageDTO(items: items, page: page.page, perPage: page.perPage, total: total, pageCount: page.pageCount))
    }

    func endOne(_ req: Request, _ ctx: WebContext) async throws -> Response {
        if let r = api.authed(ctx) { return r }
        guard let id = ctx.parameters.get("id"), Self.wellFormedHandle(id),
              try await deps.store.endSession(publicID: id, participantID: ctx.participant!.id)
        else { return api.notFound("session") }
        return Response(status: .noContent)
    }

    /// « Se déconnecter partout »: every session of the participant, this one included.
    func endAll(_ req: Request, _ ctx: WebContext) async throws -> Response {
        if let r = api.authed(ctx) { return r }
        try await deps.store.endAllSessions(participantID: ctx.participant!.id)
        return Response(status: .noContent)
    }

    struct InvalidPaging: Error { var errors: [FieldError] }

    /// `page` ≥ 1 and `perPage` 1…100, integers; 422 naming the field otherwise.
    static func paging(_ req: Request) -> Result<PageRequest, InvalidPaging> {
        let q = req.uri.queryParameters
        var errors: [FieldError] = []
        var page = 1, perPage = 20
        if let raw = q["page"] {
            if let n = Int(String(raw)), (1...PageRequest.maxPage).contains(n) { page = n } else {
                errors.append(FieldError(field: "page", rule: .invalid, limit: PageRequest.maxPage, value: String(raw)))
            }
        }
        if let raw = q["perPage"] {
            if let n = Int(String(raw)), (1...PageRequest.maxPerPage).contains(n) { perPage = n } else {
                errors.append(FieldError(field: "perPage", rule: .invalid, limit: PageRequest.maxPerPage, value: String(raw)))
            }
        }
        return errors.isEmpty ? .success(PageRequest(page: page, perPage: perPage)) : .failure(InvalidPaging(errors: errors))
    }

    /// Handles are 32 lowercase hex digits.
    static func wellFormedHandle(_ s: String) -> Bool {
        s.utf8.count == 32 && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
