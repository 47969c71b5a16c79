import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// The administration page (instance roles) and the whole audit trail, for admins only.
struct AdminPages {
    let deps: WebDependencies

    var now: Date { deps.clock.now() }
    func screen(_ req: Request, _ ctx: WebContext) -> Screen { Screen(deps: deps, context: ctx, request: req) }

    func show(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        if case .refused(let r) = Permissions.can(ctx.actor, .manageInstanceRoles, on: Institution.anyConsultation, at: now) { return s.refused(r) }
        return try await page(s, draft: ["role": Role.organiser.rawValue])
    }

    func page(_ s: Screen, draft: [String: String], errors: [String] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let staff = try await deps.store.participants(withRoles: [.admin, .organiser])
        let page = Institution.page(staff, PageRequest(page: s.queryInt("page"), perPage: 20))
        var data: [String: Any] = [
            "action": OrganiseRoute.grantInstanceRole.path, "resetAction": OrganiseRoute.resetSecondFactor.path, "journalURL": OrganiseRoute.journal().path,
            "newConsultationURL": OrganiseRoute.newConsultation.path, "draft": draft,
            "roles": Role.allCases.map { r in
                ["value": r.rawValue, "label": s.text("instance_role_\(r.rawValue)"), "selected": r.rawValue == draft["role"]] as [String: Any]
            },
            "staff": page.items.map { p -> [String: Any] in
                ["name": p.publicName, "url": SiteRoute.participant(p.id).path, "email": p.email ?? "", "role": s.text("instance_role_\(p.role.rawValue)")]
            },
            "staffCount": page.total, "hasStaff": !page.items.isEmpty,
        ]
        if let p = s.pager(page, label: s.text("admin_staff_heading"), link: { OrganiseRoute.admin(page: $0).path }) { data["staffPager"] = p }
        if !errors.isEmpty { data["errors"] = ["items": errors] }
        data["outbox"] = try await NotificationPages.outbox(s)
        return s.html("admin", title: s.text("admin_title"), data: data, status: status)
    }

    /// The admin forms' common start: same origin, CSRF token and body (`FormGuard`), then the admin's permission.
    func adminForm(_ s: Screen, _ req: Request, _ ctx: WebContext) async -> Result<Form, Refusal> {
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return .failure(r)
        case .success(let form):
            if case .refused(let r) = Permissions.can(ctx.actor, .manageInstanceRoles, on: Institution.anyConsultation, at: now) {
                return .failure(Refusal(response: s.refused(r)))
            }
            return .success(form)
        }
    }

    func grant(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        let form: Form
        switch await adminForm(s, req, ctx) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        let email = Validate.clean(form.string("email"))
        let draft = ["email": email, "role": form.string("role")]
        guard let role = Role(rawValue: form.string("role")) else {
            let accepted = Role.allCases.map(\.rawValue).joined(separator: ", ")
            return try await page(s, draft: draft, errors: s.messages([FieldError(field: "role", rule: .unknownValue, value: accepted)]),
                                  status: .unprocessableContent)
        }
        guard let p = try await deps.store.participant(email: email) else {
            return try await page(s, draft: draft, errors: [s.text("organise_err_unknown_email", ["email": email])], status: .unprocessableContent)
        }
        let outcome = try await GrantInstanceRole(actor: ctx.actor, participantID: p.id, role: role).run(deps.commands)
        switch outcome {
        case .done: return Screen.redirect(Screen.with(OrganiseRoute.admin().path, ok: "instance_role_granted"))
        case .invalid(let errors): return try await page(s, draft: draft, errors: s.messages(errors), status: .unprocessableContent)
        default: return Institution.failure(outcome, s)
        }
    }

    // MARK: Second factors

    /// Resets the second factor of someone who lost their phone and recovery codes (issue 13): their sessions end,
    /// they get a mail saying so, and they enrol again at their next sign-in.
    func resetSecondFactor(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        let form: Form
        switch await adminForm(s, req, ctx) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        let email = Validate.clean(form.string("email"))
        let reason = form.string("reason")
        let draft = ["resetEmail": email, "resetReason": reason, "role": Role.organiser.rawValue]
        guard let p = try await deps.store.participant(email: email), p.email != nil else {
            return try await page(s, draft: draft, errors: [s.text("organise_err_unknown_email", ["email": email])], status: .unprocessableContent)
        }
        let outcome = try await ResetSecondFactor(actor: ctx.actor, participantID: p.id, reason: reason).run(deps.commands)
        switch outcome {
        case .done(let target):
            if let to = target.email {
                let base = deps.publicURL ?? "http://localhost:8080"
                let lang = s.lang
                _ = try await deps.store.enqueueMail(NewMail(
                    to: to, subject: deps.catalogue.text("second_factor_reset_mail_subject", lang),
                    text: deps.catalogue.text("second_factor_reset_mail_body", lang, ["url": base + SecondFactorRoute.settings]),
                    kind: "security"), at: now)
            }
            return Screen.redirect(Screen.with(OrganiseRoute.admin().path, ok: "second_factor_reset_done"))
        case .conflict:
            return try await page(s, draft: draft, errors: [s.text("second_factor_reset_none", ["email": email])], status: .conflict)
        case .invalid(let errors): return try await page(s, draft: draft, errors: s.messages(errors), status: .unprocessableContent)
        default: return Institution.failure(outcome, s)
        }
    }

    // MARK: Journal

    func journal(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        if case .refused(let r) = Permissions.can(ctx.actor, .readAudit, on: Institution.anyConsultation, at: now) { return s.refused(r) }
        let entries = try await deps.store.auditEntries(consultationID: nil, page: PageRequest(page: s.queryInt("page"), perPage: 50))
        var data: [String: Any] = [
            "adminURL": OrganiseRoute.admin().path, "count": entries.total, "hasEntries": !entries.items.isEmpty,
            "entries": entries.items.map { e -> [String: Any] in
                var d: [String: Any] = [
                    "date": s.dateTime(e.at), "who": e.actorName, "action": s.auditActionLabel(e.action),
                    "target": target(s, e), "reason": reason(s, e), "detail": e.detail,
                ]
                if let url = targetURL(e) { d["targetURL"] = url }
                return d
            },
        ]
        if let p = s.pager(entries, label: s.text("journal_title"), link: { OrganiseRoute.journal(page: $0).path }) { data["pager"] = p }
        return s.html("admin_journal", title: s.text("journal_title"), data: data)
    }

    func target(_ s: Screen, _ e: AuditEntry) -> String {
        let kind = s.text("audit_target_\(e.targetKind)")
        return e.targetID > 0 ? "\(kind) #\(e.targetID)" : kind
    }

    func targetURL(_ e: AuditEntry) -> String? {
        guard e.targetID > 0 else { return nil }
        switch e.targetKind {
        case "consultation": return SiteRoute.consultation(e.targetID).path
        case "contribution": return SiteRoute.contribution(e.targetID).path
        case "article": return SiteRoute.article(e.targetID).path
        case "participant": return SiteRoute.participant(e.targetID).path
        default: return nil
        }
    }

    /// The reason in words: a charter reason, a role, or as written.
    func reason(_ s: Screen, _ e: AuditEntry) -> String {
        switch e.action {
        case .grantInstanceRole: return Role(rawValue: e.reason).map { s.text("instance_role_\($0.rawValue)") } ?? e.reason
        case .grantRole, .revokeRole: return ConsultationRole(rawValue: e.reason).map { s.text("consultation_role_\($0.rawValue)") } ?? e.reason
        case .hide, .restore, .approve, .reject, .hideByReports: return e.reason.isEmpty && e.action != .hideByReports ? "" : s.reasonLabel(raw: e.reason)
        default: return e.reason
        }
    }
}
