import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// The roles of one consultation: organisers, moderators, answerers, given and taken back by admins
/// and the consultation's organisers.
struct RolesPages {
    let deps: WebDependencies

    var now: Date { deps.clock.now() }
    func screen(_ req: Request, _ ctx: WebContext) -> Screen { Screen(deps: deps, context: ctx, request: req) }

    func show(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let id = Institution.id(ctx), let c = try await deps.store.consultation(id: id) else { return s.notFound() }
        if case .refused(let r) = Permissions.can(ctx.actor, .manageRoles, on: c, at: now) { return s.refused(r) }
        return try await page(s, c, draft: ["role": ConsultationRole.moderator.rawValue])
    }

    func page(_ s: Screen, _ c: Consultation, draft: [String: String], errors: [String] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let grants = try await deps.store.roleGrants(consultationID: c.id)
        let page = Institution.page(grants, PageRequest(page: s.queryInt("page"), perPage: 20))
        var data: [String: Any] = [
            "consultationTitle": c.title, "organiserURL": OrganiseRoute.organiser(c.id).path,
            "action": OrganiseRoute.grantRole(c.id).path, "draft": draft, "count": page.total, "hasGrants": !page.items.isEmpty,
            "roles": ConsultationRole.allCases.map { r in
                ["value": r.rawValue, "label": s.text("consultation_role_\(r.rawValue)"), "selected": r.rawValue == draft["role"]] as [String: Any]
            },
            "grants": page.items.map { g -> [String: Any] in
                [
                    "name": g.participant.publicName, "url": SiteRoute.participant(g.participant.id).path,
                    "role": s.text("consultation_role_\(g.role.rawValue)"),
                    "revokeAction": OrganiseRoute.revokeRole(consultationID: c.id, participantID: g.participant.id).path,
                    "revokeLabel": s.text("roles_revoke_label", ["name": g.participant.publicName]),
                ]
            },
        ]
        if let p = s.pager(page, label: s.text("roles_heading"), link: { "\(OrganiseRoute.roles(c.id).path)?page=\($0)" }) { data["pager"] = p }
        if !errors.isEmpty { data["errors"] = ["items": errors] }
        return s.html("organise_roles", title: s.text("roles_title", ["title": c.title]), data: data, status: status)
    }

    func grant(_ req: Request, _ ctx: WebContext) async throws -> Response {
        try await Institution.withConsultation(deps, req, ctx) { s, form, c in
            if case .refused(let r) = Permissions.can(ctx.actor, .manageRoles, on: c, at: now) { return s.refused(r) }
            let email = Validate.clean(form.string("email"))
            let draft = ["email": email, "role": form.string("role")]
            guard let role = ConsultationRole(rawValue: form.string("role")) else {
                let accepted = ConsultationRole.allCases.map(\.rawValue).joined(separator: ", ")
                return try await page(s, c, draft: draft, errors: s.messages([FieldError(field: "role", rule: .unknownValue, value: accepted)]),
                                      status: .unprocessableContent)
            }
            guard let p = try await deps.store.participant(email: email) else {
                return try await page(s, c, draft: draft, errors: [s.text("organise_err_unknown_email", ["email": email])], status: .unprocessableContent)
            }
            let outcome = try await GrantRole(actor: ctx.actor, consultationID: c.id, participantID: p.id, role: role).run(deps.commands)
            switch outcome {
            case .done: return Screen.redirect(Screen.with(OrganiseRoute.roles(c.id).path, ok: "role_granted"))
            case .invalid(let errors):
                return try await page(s, c, draft: draft, errors: s.messages(errors), status: .unprocessableContent)
            default: return Institution.failure(outcome, s)
            }
        }
    }

    func revoke(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success: break
        }
        guard let id = Institution.id(ctx), let participantID = Institution.id(ctx, "participant") else { return s.notFound() }
        let outcome = try await RevokeRole(actor: ctx.actor, consultationID: id, participantID: participantID).run(deps.commands)
        switch outcome {
        case .done: return Screen.redirect(Screen.with(OrganiseRoute.roles(id).path, ok: "role_revoked"))
        default: return Institution.failure(outcome, s)
        }
    }
}
