import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// Reports, the moderation queue and decisions, the public moderation summary and the audit trail (issue 8).
struct ModerationAPI {
    let api: APIHandlers
    var deps: WebDependencies { api.deps }

    func register(on group: RouterGroup<WebContext>) {
        group.post("contributions/:id/reports") { req, ctx in try await report(req, ctx) }
        group.post("contributions/:id/moderation") { req, ctx in try await moderate(req, ctx) }
        group.get("consultations/:id/moderation") { req, ctx in try await queue(req, ctx) }
        group.get("consultations/:id/moderation/summary") { req, ctx in try await summary(req, ctx) }
        group.get("consultations/:id/audit") { req, ctx in try await audit(req, ctx) }
        group.get("audit") { req, ctx in try await audit(req, ctx, whole: true) }
    }

    static let accepted = ModerationReason.reportable.map(\.rawValue).joined(separator: ", ")

    func report(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = api.id(ctx) else { return api.notFound("contribution") }
        if let r = api.authed(ctx) { return r }
        let json: JSONObject
        switch await api.body(req) { case .failure(let r): return r.response; case .success(let j): json = j }
        var errors = JSONObject.unknownFields(json, allowed: ["reason", "text"])
        let raw = json.string("reason", &errors), text = json.optionalString("text", &errors) ?? ""
        guard errors.isEmpty else { return api.invalid(errors, ctx) }
        let reason = ModerationReason(rawValue: raw).flatMap { ModerationReason.reportable.contains($0) ? $0 : nil }
        guard let reason else { return api.invalid([FieldError(field: "reason", rule: .unknownValue, value: Self.accepted)], ctx) }
        return try await api.respond(try await ReportContribution(actor: ctx.actor, contributionID: id, reason: reason, text: text).run(deps.commands),
                                     ctx, what: "contribution") { c in
            APIHandlers.json(ReportReceipt(contributionId: c.id, reason: reason.rawValue, hidden: c.isHidden), status: .created)
        }
    }

    struct ReportReceipt: Encodable {
        var contributionId: ID
        var reason: String
        /// Whether the item is now hidden (the report threshold was reached).
        var hidden: Bool
    }

    func moderate(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = api.id(ctx) else { return api.notFound("contribution") }
        if let r = api.authed(ctx) { return r }
        let json: JSONObject
        switch await api.body(req) { case .failure(let r): return r.response; case .success(let j): json = j }
        var errors = JSONObject.unknownFields(json, allowed: ["action", "reason", "note"])
        let actionRaw = json.string("action", &errors), reasonRaw = json.string("reason", &errors)
        let note = json.optionalString("note", &errors) ?? ""
        guard errors.isEmpty else { return api.invalid(errors, ctx) }
        var unknown: [FieldError] = []
        let action = ModerationAction(rawValue: actionRaw)
        if action == nil {
            unknown.append(FieldError(field: "action", rule: .unknownValue, value: ModerationAction.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        let reason = ModerationReason(rawValue: reasonRaw)
        if reason == nil {
            unknown.append(FieldError(field: "reason", rule: .unknownValue, value: ModerationReason.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        guard unknown.isEmpty, let action, let reason else { return api.invalid(unknown, ctx) }
        return try await api.respond(try await ModerateContribution(actor: ctx.actor, contributionID: id, action: action, reason: reason, note: note)
            .run(deps.commands), ctx, what: "contribution") { c in
            let tally = try await deps.store.tallies([.contribution(c.id)])[.contribution(c.id)] ?? .zero
            return APIHandlers.json(APIDoc.ContributionDTO(c, tally: tally))
        }
    }

    func queue(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = api.id(ctx), let c = try await deps.store.consultation(id: id) else { return api.notFound("consultation") }
        if let r = api.authed(ctx) { return r }
        // NB: 404, not 403, to whoever cannot see the consultation (an unpublished one's existence stays secret).
        guard Permissions.can(ctx.actor, .read, on: c, at: deps.clock.now()).isAllowed else { return api.notFound("consultation") }
        if case .refused(let r) = Permissions.can(ctx.actor, .moderate, on: c, at: deps.clock.now()) { return api.refused(r, ctx) }
        var reason: ModerationReason?
        if let raw = req.uri.queryParameters["reason"] {
            guard let r = ModerationReason(rawValue: String(raw)), ModerationReason.reportable.contains(r) else {
                return APIHandlers.problem(.badRequest, "invalid_query", "reason must be one of \(Self.accepted).")
            }
            reason = r
        }
        let page = try await deps.store.moderationQueue(consultationID: id, reason: reason, page: api.page(req))
        let tallies = try await deps.store.tallies(page.items.map { .contribution($0.contribution.id) })
        let items = page.items.map { item in
            APIDoc.ModerationItemDTO(
                contribution: APIDoc.ContributionDTO(item.contribution, tally: tallies[.contribution(item.contribution.id)] ?? .zero),
                held: item.contribution.status == .pending, reportCount: item.reports.count,
                reports: item.reports.map { APIDoc.ReportDTO(reason: $0.reason.rawValue, text: $0.text, createdAt: $0.createdAt) },
                since: item.since)
        }
        return APIHandlers.json(APIDoc.PageDTO(items: items, page: page.page, perPage: page.perPage, total: page.total, pageCount: page.pageCount))
    }

    func summary(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = api.id(ctx), let c = try await deps.store.consultation(id: id),
              Permissions.can(ctx.actor, .read, on: c, at: deps.clock.now()).isAllowed else { return api.notFound("consultation") }
        let s = try await deps.store.moderationSummary(consultationID: id, page: api.page(req))
        let hidden = s.hidden.items.map { APIDoc.ContributionDTO($0, tally: .zero, redact: true) }
        return APIHandlers.json(APIDoc.ModerationSummaryDTO(
            consultationId: id, decisions: s.counts.map { .init(action: $0.action.rawValue, reason: $0.reason, count: $0.count) },
            hidden: APIDoc.PageDTO(items: hidden, page: s.hidden.page, perPage: s.hidden.perPage, total: s.hidden.total, pageCount: s.hidden.pageCount)))
    }

    func audit(_ req: Request, _ ctx: WebContext, whole: Bool = false) async throws -> Response {
        var consultation: Consultation?
        if !whole {
            guard let id = api.id(ctx), let c = try await deps.store.consultation(id: id) else { return api.notFound("consultation") }
            consultation = c
        }
        if let r = api.authed(ctx) { return r }
        if let c = consultation, !Permissions.can(ctx.actor, .read, on: c, at: deps.clock.now()).isAllowed { return api.notFound("consultation") }
        let probe = consultation ?? Consultation(id: 0, slug: "", title: "", summary: "", institution: "", isPublished: false, opensAt: .distantPast, closesAt: .distantFuture)
        if case .refused(let r) = Permissions.can(ctx.actor, .readAudit, on: probe, at: deps.clock.now()) { return api.refused(r, ctx) }
        let page = try await deps.store.auditEntries(consultationID: consultation?.id, page: api.page(req))
        return APIHandlers.json(APIDoc.PageDTO(
            items: page.items.map(APIDoc.AuditEntryDTO.init), page: page.page, perPage: page.perPage, total: page.total, pageCount: page.pageCount))
    }
}
