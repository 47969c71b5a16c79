import ContribuezAnalysis
import ContribuezCore
import ContribuezSynthesis
import Foundation
import HTTPTypes
import Hummingbird

/// The pages of issue 4. NB: `SiteRoute` belongs to the participation core; these links are printed from here.
enum ProfileRoute {
    static let profile = "/profil"
    static let questionnaire = "/profil?etape=questionnaire"
    static let erase = "/profil/effacer"
    static let account = "/compte"
    static let deleteAccount = "/compte/supprimer"
    static let accountDeleted = "/compte/supprime"
    static let css = "/static/profile.css"
    static func dashboard(_ id: ID) -> String { "/consultations/\(id)/representativite" }
    static func uploadMargins(_ id: ID) -> String { "/consultations/\(id)/representativite/marges" }
    static func resetMargins(_ id: ID) -> String { "/consultations/\(id)/representativite/marges/supprimer" }
}

/// Opt-in profile questionnaire, account deletion and representativeness dashboard (issue 4).
struct ProfileHandlers {
    let deps: WebDependencies

    func register(on router: Router<WebContext>) {
        router.get("/profil") { req, ctx in try await profile(req, ctx) }
        router.post("/profil") { req, ctx in try await saveProfile(req, ctx) }
        router.post("/profil/effacer") { req, ctx in try await eraseProfile(req, ctx) }
        router.get("/compte") { req, ctx in account(req, ctx) }
        router.post("/compte/supprimer") { req, ctx in try await deleteAccount(req, ctx) }
        router.get("/compte/supprime") { req, ctx in
            let s = screen(req, ctx)
            let erased = req.uri.queryParameters["contributions"] == "effacees"
            return s.html("profile_deleted", title: s.text("account_deleted_title"), data: ["css": ProfileRoute.css, "erased": erased])
        }
        let dashboard = DashboardPages(deps: deps)
        router.get("/consultations/:id/representativite") { req, ctx in try await dashboard.show(req, ctx) }
        router.post("/consultations/:id/representativite/marges") { req, ctx in try await dashboard.upload(req, ctx) }
        router.post("/consultations/:id/representativite/marges/supprimer") { req, ctx in try await dashboard.reset(req, ctx) }
        router.get("/static/profile.css") { _, _ in ProfileStatic.css() }
        PersonalDataPages(deps: deps).register(on: router)
    }

    func screen(_ req: Request, _ ctx: WebContext) -> Screen { Screen(deps: deps, context: ctx, request: req) }

    // MARK: Questionnaire

    func profile(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let me = ctx.participant else { return s.refused(.notSignedIn) }
        let current = try await deps.store.profile(participantID: me.id)
        let wantsForm = req.uri.queryParameters["etape"] == "questionnaire"
        if current == nil && !wantsForm {
            return s.html("profile_consent", title: s.text("profile_consent_title"), data: base(s))
        }
        var flash: String?
        if req.uri.queryParameters["enregistre"] != nil { flash = s.text("profile_saved") }
        return form(s, answers: current?.answers ?? [:], hasProfile: current != nil, consent: current != nil, flash: flash)
    }

    func base(_ s: Screen) -> [String: Any] {
        [
            "css": ProfileRoute.css, "profileURL": ProfileRoute.profile, "questionnaireURL": ProfileRoute.questionnaire,
            "eraseURL": ProfileRoute.erase, "accountURL": ProfileRoute.account, "deleteURL": ProfileRoute.deleteAccount,
        ]
    }

    func form(
        _ s: Screen, answers: [ProfileQuestion: String], hasProfile: Bool, consent: Bool, flash: String? = nil,
        errors: [String] = [], status: HTTPResponse.Status = .ok
    ) -> Response {
        var data = base(s)
        data["questions"] = ProfileQuestion.allCases.map { q -> [String: Any] in
            let selected = answers[q] ?? ProfileAnswers.preferNot
            var options: [[String: Any]] = [["value": ProfileAnswers.preferNot, "label": s.text("profile_prefer_not"), "selected": selected == ProfileAnswers.preferNot]]
            options += q.codes.map { code in ["value": code, "label": Self.answerLabel(s, q, code), "selected": selected == code] }
            return ["field": q.field, "label": s.text("profile_q_\(q.rawValue)"), "hint": s.text("profile_h_\(q.rawValue)"), "options": options]
        }
        data["hasProfile"] = hasProfile
        data["consent"] = consent
        if let flash { data["flash"] = flash }
        if !errors.isEmpty { data["errors"] = ["items": errors] }
        return s.html("profile", title: s.text("profile_title"), data: data, status: status)
    }

    static func answerLabel(_ s: Screen, _ q: ProfileQuestion, _ code: String) -> String {
        if q == .departement { return "\(code) — \(Departements.name(of: code) ?? code)" }
        return s.text("profile_a_\(q.rawValue)_\(code)")
    }

    func saveProfile(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        var answers: [ProfileQuestion: String] = [:]
        for q in ProfileQuestion.allCases { answers[q] = form[q.field] }
        let consent = form.string("consent") == "yes"
        switch try await SaveProfile(actor: ctx.actor, consent: consent, answers: answers).run(deps.commands) {
        case .done: return Screen.redirect(ProfileRoute.profile + "?enregistre=1")
        case .invalid(let errors):
            var hasProfile = false
            if let me = ctx.participant { hasProfile = try await deps.store.profile(participantID: me.id) != nil }
            // NB: an invalid code is not echoed back into the form; the question falls back to "prefer not".
            let kept = answers.filter { q, v in v == ProfileAnswers.preferNot || q.codes.contains(v) }
            return self.form(
                s, answers: kept, hasProfile: hasProfile, consent: consent,
                errors: errors.map { deps.catalogue.message(for: $0, s.lang) }, status: .unprocessableContent)
        case .refused(let r): return s.refused(r)
        case .notFound, .conflict: return s.notFound()
        }
    }

    func eraseProfile(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success: break
        }
        switch try await EraseProfile(actor: ctx.actor).run(deps.commands) {
        case .done: return Screen.redirect(ProfileRoute.account + "?profil=efface")
        case .refused(let r): return s.refused(r)
        default: return s.notFound()
        }
    }

    // MARK: Account

    func account(
        _ req: Request, _ ctx: WebContext, errors: [String] = [], status: HTTPResponse.Status = .ok, choice: ContributionsOnDeletion = .keep
    ) -> Response {
        let s = screen(req, ctx)
        guard ctx.participant != nil else { return s.refused(.notSignedIn) }
        var data = base(s)
        if req.uri.queryParameters["profil"] == "efface" { data["flash"] = s.text("profile_erased") }
        AccountDataView.decorate(&data, s, choice: choice)
        data["sessionsURL"] = SessionsRoute.list
        if !errors.isEmpty { data["errors"] = ["items": errors] }
        return s.html("profile_account", title: s.text("account_title"), data: data, status: status)
    }

    func deleteAccount(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        // The choice of issue 12: keep the contributions under « Compte supprimé » (the default) or erase them.
        guard let choice = ContributionsOnDeletion(rawValue: form["contributions"] ?? ContributionsOnDeletion.keep.rawValue) else {
            return account(req, ctx, errors: [s.text("account_contributions_invalid")], status: .unprocessableContent)
        }
        let command = DeleteAccount(
            actor: ctx.actor, password: form.string("password"), anonymisedName: deps.catalogue.text("account_deleted_author", .fr),
            contributions: choice)
        switch try await command.run(deps.commands) {
        case .done:
            var response = Screen.redirect(ProfileRoute.accountDeleted + (choice == .erase ? "?contributions=effacees" : ""))
            response.setCookie(Cookie(name: Cookies.session, value: "", maxAge: 0, path: "/", secure: deps.secureCookies, httpOnly: true, sameSite: .lax))
            return response
        case .refused(.notSignedIn): return s.refused(.notSignedIn)
        case .refused: return account(req, ctx, errors: [s.text("account_wrong_password")], status: .unprocessableContent, choice: choice)
        default: return s.notFound()
        }
    }
}

enum ProfileStatic {
    static let cssData: Data? = Bundle.module.url(forResource: "profile", withExtension: "css", subdirectory: "Resources/static")
        .flatMap { try? Data(contentsOf: $0) }

    static func css() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/css; charset=utf-8"
        headers[.cacheControl] = "public, max-age=3600"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: cssData ?? Data())))
    }
}
