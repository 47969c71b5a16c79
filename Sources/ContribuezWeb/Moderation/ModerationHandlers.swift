import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// Reports, the moderators' queue, and the public trace of moderation (issue 8).
struct ModerationHandlers {
    let deps: WebDependencies

    var now: Date { deps.clock.now() }
    func screen(_ req: Request, _ ctx: WebContext) -> Screen { Screen(deps: deps, context: ctx, request: req) }

    func register(on router: Router<WebContext>) {
        router.post("/contributions/:id/signalement") { req, ctx in try await report(req, ctx) }
        router.post("/contributions/:id/moderation") { req, ctx in try await moderate(req, ctx) }
        router.get("/consultations/:id/moderation/file") { req, ctx in try await queue(req, ctx) }
        router.get("/consultations/:id/moderation") { req, ctx in try await publicPage(req, ctx) }
    }

    // MARK: Reporting

    func report(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        guard let id = Institution.id(ctx) else { return s.notFound() }
        let reason = ModerationReason(rawValue: form.string("reason"))
        let outcome = try await ReportContribution(actor: ctx.actor, contributionID: id, reason: reason, text: form.string("text")).run(deps.commands)
        switch outcome {
        case .done: return Screen.redirect(Screen.with(SiteRoute.contribution(id).path, ok: "report_sent"))
        case .invalid(let errors):
            let state = PageHandlers.FormState(which: "report", draft: ["text": form.string("text"), "reason": reason?.rawValue ?? ""], errors: errors)
            return try await PageHandlers(deps: deps).contribution(req, ctx, form: state, status: .unprocessableContent)
        default: return Institution.failure(outcome, s)
        }
    }

    // MARK: The moderators' queue

    /// The consultation when the signed-in person may moderate it; else the refusal page.
    func moderated(_ s: Screen, _ id: ID?) async throws -> Result<Consultation, Refusal> {
        guard let id, let c = try await deps.store.consultation(id: id) else { return .failure(Refusal(response: s.notFound())) }
        // Who may not even read the consultation (unpublished) learns nothing of it: 404, as the commands answer.
        guard Permissions.can(s.context.actor, .read, on: c, at: now).isAllowed else { return .failure(Refusal(response: s.notFound())) }
        if case .refused(let r) = Permissions.can(s.context.actor, .moderate, on: c, at: now) { return .failure(Refusal(response: s.refused(r))) }
        return .success(c)
    }

    func queue(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        switch try await moderated(s, Institution.id(ctx)) {
        case .failure(let r): return r.response
        case .success(let c): return try await queuePage(s, c)
        }
    }

    func queuePage(_ s: Screen, _ c: Consultation, errors: [FieldError] = [], failedItem: ID? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let filter = s.request.uri.queryParameters["motif"].flatMap { ModerationReason(rawValue: String($0)) }
        let page = try await deps.store.moderationQueue(consultationID: c.id, reason: filter, page: PageRequest(page: s.queryInt("page"), perPage: 20))
        let back = ModerationRoute.queue(c.id, reason: filter, page: page.page).path
        var data: [String: Any] = [
            "consultationTitle": c.title, "consultationURL": SiteRoute.consultation(c.id).path,
            "organiserURL": OrganiseRoute.organiser(c.id).path, "publicURL": ModerationRoute.publicPage(c.id).path,
            "filterAction": ModerationRoute.queue(c.id).path,
            "filters": [["value": "", "label": s.text("moderation_filter_all"), "selected": filter == nil] as [String: Any]]
                + s.reasonOptions(ModerationReason.reportable, selected: filter),
            "count": page.total, "hasItems": !page.items.isEmpty,
            "items": page.items.map { item(s, $0, back: back, errors: $0.contribution.id == failedItem ? errors : []) },
        ]
        if let p = s.pager(page, label: s.text("moderation_queue_title"), link: { ModerationRoute.queue(c.id, reason: filter, page: $0).path }) {
            data["pager"] = p
        }
        return s.html("moderation_queue", title: s.text("moderation_queue_title") + " — " + c.title, data: data, status: status)
    }

    /// One item of the queue: the contribution in full, its open reports by reason, and the decisions that apply.
    func item(_ s: Screen, _ item: ModerationItem, back: String, errors: [FieldError]) -> [String: Any] {
        let c = item.contribution
        var counts: [ModerationReason: Int] = [:]
        for r in item.reports { counts[r.reason, default: 0] += 1 }
        let held = c.status == .pending
        var d: [String: Any] = [
            "id": c.id, "url": SiteRoute.contribution(c.id).path, "heading": s.heading(c), "kindLabel": s.text("kind_\(c.kind.rawValue)"),
            "bodyHTML": SafeMarkdown.html(c.body), "created": s.dateTime(c.createdAt), "since": s.dateTime(item.since),
            "state": held ? s.text("moderation_state_held") : (c.isHidden ? s.hiddenPlaceholder(c) : s.text("moderation_state_published")),
            "reportCount": item.reports.count,
            "reasonCounts": ModerationReason.allCases.compactMap { r in counts[r].map { s.text("moderation_reason_count", ["reason": s.reasonLabel(r), "n": "\($0)"]) } },
            "reports": item.reports.filter { !$0.text.isEmpty }.map { ["reason": s.reasonLabel($0.reason), "text": $0.text, "date": s.dateTime($0.createdAt)] },
            "action": ModerationRoute.moderate(c.id).path, "back": back,
            // Hide / reject: a violation of the charter. Restore / approve: compliant, or another reason with a note.
            "againstAction": held ? ModerationAction.reject.rawValue : ModerationAction.hide.rawValue,
            "againstLabel": s.text(held ? "moderation_reject" : "moderation_hide"),
            "againstReasons": s.reasonOptions(ModerationReason.violations, selected: item.reports.first?.reason),
            "forAction": held ? ModerationAction.approve.rawValue : ModerationAction.restore.rawValue,
            "forLabel": s.text(held ? "moderation_approve" : (c.isHidden ? "moderation_restore" : "moderation_keep")),
            "forReasons": s.reasonOptions([.compliant, .other], selected: .compliant),
        ]
        if !c.title.isEmpty { d["itemTitle"] = c.title }
        if let url = c.url { d["sourceURL"] = url }
        if !c.rationale.isEmpty { d["rationaleHTML"] = SafeMarkdown.html(c.rationale) }
        if let e = s.errors(errors) { d["errors"] = e }
        return d
    }

    func moderate(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        guard let id = Institution.id(ctx), let item = try await deps.store.contribution(id: id) else { return s.notFound() }
        if case .failure(let r) = try await moderated(s, item.consultationID) { return r.response }
        guard let action = ModerationAction(rawValue: form.string("action")), let reason = ModerationReason(rawValue: form.string("reason")) else {
            let accepted = form["action"].flatMap(ModerationAction.init(rawValue:)) == nil
                ? FieldError(field: "action", rule: .unknownValue, value: ModerationAction.allCases.map(\.rawValue).joined(separator: ", "))
                : FieldError(field: "reason", rule: .unknownValue, value: ModerationReason.allCases.map(\.rawValue).joined(separator: ", "))
            return try await failed(s, item, [accepted])
        }
        let outcome = try await ModerateContribution(actor: ctx.actor, contributionID: id, action: action, reason: reason, note: form.string("note")).run(deps.commands)
        switch outcome {
        case .done:
            let back = Screen.safeBack(form["back"], fallback: ModerationRoute.queue(item.consultationID).path)
            return Screen.redirect(back + (back.contains("?") ? "&" : "?") + "ok=moderation_done")
        case .invalid(let errors): return try await failed(s, item, errors)
        default: return Institution.failure(outcome, s)
        }
    }

    /// A decision the moderator got wrong: the queue again, the errors on the item (422).
    func failed(_ s: Screen, _ item: Contribution, _ errors: [FieldError]) async throws -> Response {
        switch try await moderated(s, item.consultationID) {
        case .failure(let r): return r.response
        case .success(let c): return try await queuePage(s, c, errors: errors, failedItem: item.id, status: .unprocessableContent)
        }
    }

    // MARK: The public trace

    func publicPage(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let id = Institution.id(ctx), let c = try await deps.store.consultation(id: id),
              Permissions.can(ctx.actor, .read, on: c, at: now) == .allowed else { return s.notFound() }
        let summary = try await deps.store.moderationSummary(consultationID: c.id, page: PageRequest(page: s.queryInt("page"), perPage: 20))
        // NB: never who decided: the public sees what, why and when.
        var data: [String: Any] = [
            "consultationTitle": c.title, "consultationURL": SiteRoute.consultation(c.id).path,
            "hasCounts": !summary.counts.isEmpty,
            "counts": summary.counts.map { ["action": s.auditActionLabel($0.action), "reason": s.reasonLabel(raw: $0.reason), "count": $0.count] as [String: Any] },
            "total": summary.counts.reduce(0) { $0 + $1.count },
            "hiddenCount": summary.hidden.total, "hasHidden": !summary.hidden.items.isEmpty,
            "hidden": summary.hidden.items.map { h -> [String: Any] in
                ["heading": s.text("kind_\(h.kind.rawValue)"), "url": SiteRoute.contribution(h.id).path, "placeholder": s.hiddenPlaceholder(h)]
            },
        ]
        if let p = s.pager(summary.hidden, label: s.text("moderation_public_hidden_heading"), link: { ModerationRoute.publicPage(c.id, page: $0).path }) {
            data["pager"] = p
        }
        return s.html("moderation_public", title: s.text("moderation_public_title") + " — " + c.title, data: data)
    }
}
