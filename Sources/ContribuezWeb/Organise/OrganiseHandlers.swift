import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// The institution's pages (issue 8): administration, set-up of a consultation, its roles.
struct OrganiseHandlers {
    let deps: WebDependencies

    func register(on router: Router<WebContext>) {
        let admin = AdminPages(deps: deps), setup = SetupPages(deps: deps), roles = RolesPages(deps: deps)
        router.get("/admin") { req, ctx in try await admin.show(req, ctx) }
        router.post("/admin/roles") { req, ctx in try await admin.grant(req, ctx) }
        router.post("/admin/double-authentification") { req, ctx in try await admin.resetSecondFactor(req, ctx) }
        router.get("/admin/journal") { req, ctx in try await admin.journal(req, ctx) }
        router.get("/consultations/nouvelle") { req, ctx in setup.newForm(req, ctx) }
        router.post("/consultations/nouvelle") { req, ctx in try await setup.create(req, ctx) }
        router.get("/consultations/:id/organiser") { req, ctx in try await setup.show(req, ctx) }
        router.post("/consultations/:id/organiser/reglages") { req, ctx in try await setup.editSettings(req, ctx) }
        router.post("/consultations/:id/organiser/texte") { req, ctx in try await setup.importText(req, ctx) }
        router.post("/consultations/:id/organiser/publier") { req, ctx in try await setup.publish(req, ctx) }
        router.post("/consultations/:id/organiser/clore") { req, ctx in try await setup.close(req, ctx) }
        router.get("/articles/:id/modifier") { req, ctx in try await setup.articleForm(req, ctx) }
        router.post("/articles/:id/modifier") { req, ctx in try await setup.saveArticle(req, ctx) }
        router.get("/consultations/:id/roles") { req, ctx in try await roles.show(req, ctx) }
        router.post("/consultations/:id/roles") { req, ctx in try await roles.grant(req, ctx) }
        router.post("/consultations/:id/roles/:participant/retirer") { req, ctx in try await roles.revoke(req, ctx) }
    }
}

/// What the institution's handlers share.
enum Institution {
    /// Instance actions (create a consultation, give instance roles, read the whole journal) ignore the
    /// consultation `Permissions.can` takes: any value does.
    static let anyConsultation = Consultation(
        id: 0, slug: "", title: "", summary: "", institution: "", isPublished: false, opensAt: .distantPast, closesAt: .distantFuture)

    static func id(_ ctx: WebContext, _ name: String = "id") -> ID? {
        ctx.parameters.get(name, as: Int64.self).flatMap { $0 > 0 ? $0 : nil }
    }

    /// Checks the form (origin, CSRF, size), then finds the consultation of the path's `id`: 404 when there is none.
    /// It checks no permission: `body` or its command does.
    static func withConsultation(_ deps: WebDependencies, _ req: Request, _ ctx: WebContext, limit: Int = 256 * 1024,
                                 _ body: (Screen, Form, Consultation) async throws -> Response) async throws -> Response {
        let s = Screen(deps: deps, context: ctx, request: req)
        let form: Form
        switch await FormGuard.check(req, ctx, s, limit: limit) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        guard let id = id(ctx), let c = try await deps.store.consultation(id: id) else { return s.notFound() }
        return try await body(s, form, c)
    }

    /// The response for an outcome that is neither done nor invalid.
    static func failure<T>(_ outcome: Outcome<T>, _ s: Screen) -> Response {
        switch outcome {
        case .refused(let r): return s.refused(r)
        case .conflict(let c): return s.error(.conflict, s.text("conflict_\(c.rawValue)"))
        case .notFound, .done, .invalid: return s.notFound()
        }
    }

    /// Paginates a list the store returns whole (role holders: a few dozen at most).
    static func page<T>(_ all: [T], _ request: PageRequest) -> ContribuezCore.Page<T> {
        let items = Array(all.dropFirst(request.offset).prefix(request.perPage))
        return ContribuezCore.Page(items: items, page: request.page, perPage: request.perPage, total: all.count)
    }
}
