import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// Creating a consultation, and its organiser page: settings, draft text (preview, save), articles,
/// publication, closing early.
struct SetupPages {
    let deps: WebDependencies

    var now: Date { deps.clock.now() }
    func screen(_ req: Request, _ ctx: WebContext) -> Screen { Screen(deps: deps, context: ctx, request: req) }

    /// The organiser page's forms as a failed post leaves them.
    struct State {
        var settings: ConsultationForm?
        var settingsErrors: [FieldError] = []
        var markdown: String?
        var textErrors: [FieldError] = []
        var preview: ParsedDraftText?
        var closeReason = ""
        var closeErrors: [FieldError] = []
        var publishErrors: [FieldError] = []
    }

    // MARK: Create

    func newForm(_ req: Request, _ ctx: WebContext) -> Response {
        let s = screen(req, ctx)
        if case .refused(let r) = Permissions.can(ctx.actor, .createConsultation, on: Institution.anyConsultation, at: now) { return s.refused(r) }
        return createPage(s, ConsultationForm.fresh(now: now))
    }

    func createPage(_ s: Screen, _ form: ConsultationForm, errors: [FieldError] = [], status: HTTPResponse.Status = .ok) -> Response {
        var data = form.data(s)
        data["action"] = OrganiseRoute.createConsultation.path
        if let e = s.errors(errors) { data["errors"] = e }
        return s.html("organise_new", title: s.text("organise_new_title"), data: data, status: status)
    }

    func create(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        let typed = ConsultationForm(form)
        let draft: ConsultationDraft
        switch typed.draft() {
        case .draft(let d): draft = d
        case .unreadable(let errors):
            if case .refused(let r) = Permissions.can(ctx.actor, .createConsultation, on: Institution.anyConsultation, at: now) { return s.refused(r) }
            return createPage(s, typed, errors: errors, status: .unprocessableContent)
        }
        let outcome = try await CreateConsultation(actor: ctx.actor, draft: draft).run(deps.commands)
        switch outcome {
        case .done(let c): return Screen.redirect(Screen.with(OrganiseRoute.organiser(c.id).path, ok: "consultation_created"))
        case .invalid(let errors): return createPage(s, typed, errors: errors, status: .unprocessableContent)
        default: return Institution.failure(outcome, s)
        }
    }

    // MARK: Organiser page

    /// The consultation, when the signed-in person may organise it; else the refusal page.
    func organised(_ s: Screen, _ ctx: WebContext) async throws -> Result<Consultation, Refusal> {
        guard let id = Institution.id(ctx), let c = try await deps.store.consultation(id: id) else { return .failure(Refusal(response: s.notFound())) }
        if case .refused(let r) = Permissions.can(ctx.actor, .organise, on: c, at: now) { return .failure(Refusal(response: s.refused(r))) }
        return .success(c)
    }

    func show(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        switch try await organised(s, ctx) {
        case .failure(let r): return r.response
        case .success(let c): return try await page(s, c, State())
        }
    }

    func page(_ s: Screen, _ c: Consultation, _ st: State, status: HTTPResponse.Status = .ok) async throws -> Response {
        let now = self.now
        func decision(_ a: Action) -> Decision { Permissions.can(s.context.actor, a, on: c, at: now) }
        let phase = c.phase(at: now)
        var data: [String: Any] = [
            "c": ["title": c.title, "institution": c.institution],
            "phase": phase.rawValue, "phaseLabel": s.phaseLabel(phase), "dates": s.dates(c),
            "statusText": s.text(c.isPublished ? "organise_status_published" : "organise_status_unpublished"),
            "moderationLabel": s.text("moderation_mode_\(c.settings.moderation.rawValue)"),
            "rulesText": s.text("organise_rules", [
                "answers": "\(c.settings.answerThreshold)", "days": "\(c.settings.answerDeadlineDays)", "reports": "\(c.settings.reportThreshold)",
            ]),
            "links": [
                ["url": SiteRoute.consultation(c.id).path, "label": s.text("organise_link_public")],
                ["url": OrganiseRoute.roles(c.id).path, "label": s.text("organise_link_roles")],
                ["url": ModerationRoute.queue(c.id).path, "label": s.text("organise_link_queue")],
                ["url": ModerationRoute.publicPage(c.id).path, "label": s.text("organise_link_public_moderation")],
                ["url": SiteRoute.synthesis(c.id).path, "label": s.text("link_synthesis_page")],
                ["url": SiteRoute.representativeness(c.id).path, "label": s.text("link_representativeness_page")],
                ["url": FollowUpRoute.newVersion(c.id), "label": s.text("followup_link_new_version")],
            ],
        ]
        if let reason = c.closedEarlyReason { data["closedEarly"] = s.text("closed_early", ["date": deps.catalogue.date(c.closesAt, s.lang), "reason": reason]) }
        switch decision(.editConsultation) {
        case .allowed:
            var f = (st.settings ?? ConsultationForm(ConsultationDraft(c))).data(s)
            f["action"] = OrganiseRoute.editSettings(c.id).path
            if let e = s.errors(st.settingsErrors) { f["errors"] = e }
            data["settings"] = f
        case .refused(let r): data["settingsRefusal"] = deps.catalogue.message(for: r, s.lang)
        }
        let editable = decision(.editText) == .allowed
        if editable {
            var t: [String: Any] = ["action": OrganiseRoute.importText(c.id).path, "markdown": st.markdown ?? ""]
            if let e = s.errors(st.textErrors) { t["errors"] = e }
            if let p = st.preview { t["preview"] = preview(s, p) }
            data["text"] = t
        } else {
            data["textRefusal"] = deps.catalogue.message(for: .notDraft, s.lang)
        }
        let sections = try await deps.store.sections(consultationID: c.id)
        let articles = try await deps.store.articles(consultationID: c.id)
        data["articleCount"] = s.text("organise_article_count", ["n": "\(articles.count)"])
        data["sections"] = sections.map { section -> [String: Any] in
            [
                "title": section.title.isEmpty ? s.text("organise_untitled_section") : section.title,
                "levelLabel": s.text("organise_level_\(min(section.level, 3))"),
                "articles": articles.filter { $0.sectionID == section.id }.map { a -> [String: Any] in
                    var d: [String: Any] = ["number": a.number, "url": SiteRoute.article(a.id).path]
                    if !a.title.isEmpty { d["articleTitle"] = a.title }
                    if editable { d["editURL"] = OrganiseRoute.editArticle(a.id).path }
                    return d
                },
            ]
        }
        if !c.isPublished {
            switch decision(.publish) {
            case .allowed: data["publishAction"] = OrganiseRoute.publish(c.id).path
            case .refused(let r): data["publishRefusal"] = deps.catalogue.message(for: r, s.lang)
            }
        }
        if let e = s.errors(st.publishErrors) { data["publishErrors"] = e }
        if decision(.close) == .allowed {
            var close: [String: Any] = ["action": OrganiseRoute.close(c.id).path, "reason": st.closeReason, "hint": s.hint(Limits.reason)]
            if let e = s.errors(st.closeErrors) { close["errors"] = e }
            data["close"] = close
        }
        if let openData = try await OpenDataPages(deps: deps).organiserSection(s, c) { data["openData"] = openData }
        return s.html("organise_consultation", title: s.text("organise_title", ["title": c.title]), data: data, status: status)
    }

    /// The parsed structure, as the organiser checks it before saving.
    func preview(_ s: Screen, _ p: ParsedDraftText) -> [String: Any] {
        [
            "summary": s.text("organise_preview_summary", ["articles": "\(p.articleCount)", "sections": "\(p.sections.filter { $0.level > 0 }.count)"]),
            "sections": p.sections.map { section -> [String: Any] in
                [
                    "title": section.level == 0 ? s.text("organise_untitled_section") : section.title,
                    "level": section.level, "levelLabel": s.text("organise_level_\(min(section.level, 3))"),
                    "hasArticles": !section.articles.isEmpty,
                    "lineText": section.line > 0 ? s.text("organise_line", ["line": "\(section.line)"]) : "",
                    "articles": section.articles.map { a -> [String: Any] in
                        var d: [String: Any] = [
                            "number": a.number, "lineText": s.text("organise_line", ["line": "\(a.line)"]),
                            "firstLine": Screen.excerpt(a.body.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? "", 160),
                            "hasExplanation": !a.explanation.isEmpty,
                        ]
                        if !a.title.isEmpty { d["articleTitle"] = a.title }
                        return d
                    },
                ]
            },
            "hasWarnings": !p.warnings.isEmpty,
            "warnings": p.warnings.map { w in s.text("organise_warning_\(w.code.rawValue)", ["line": "\(w.line ?? 0)"]) },
        ]
    }

    /// Checks the form, then finds the consultation; the command (or `body`) checks the person may organise it.
    func withOrganised(_ req: Request, _ ctx: WebContext, limit: Int = 256 * 1024,
                       _ body: (Screen, Form, Consultation) async throws -> Response) async throws -> Response {
        try await Institution.withConsultation(deps, req, ctx, limit: limit, body)
    }

    func editSettings(_ req: Request, _ ctx: WebContext) async throws -> Response {
        try await withOrganised(req, ctx) { s, form, c in
            let typed = ConsultationForm(form)
            switch typed.draft() {
            case .unreadable(let errors):
                if case .refused(let r) = Permissions.can(ctx.actor, .editConsultation, on: c, at: now) { return s.refused(r) }
                return try await page(s, c, State(settings: typed, settingsErrors: errors), status: .unprocessableContent)
            case .draft(let draft):
                let outcome = try await EditConsultation(actor: ctx.actor, consultationID: c.id, edit: { _ in draft }).run(deps.commands)
                switch outcome {
                case .done: return Screen.redirect(Screen.with(OrganiseRoute.organiser(c.id).path, ok: "consultation_saved"))
                case .invalid(let errors): return try await page(s, c, State(settings: typed, settingsErrors: errors), status: .unprocessableContent)
                default: return Institution.failure(outcome, s)
                }
            }
        }
    }

    /// "Prévisualiser" parses and shows the structure; "Enregistrer le texte" replaces the draft text.
    func importText(_ req: Request, _ ctx: WebContext) async throws -> Response {
        // NB: a 2 MB text grows when URL-encoded (accents take 6 bytes for 2): room for it, the command refuses beyond 2 MB.
        try await withOrganised(req, ctx, limit: DraftText.maxBytes * 3 + 64 * 1024) { s, form, c in
            let markdown = form.string("markdown")
            let save = form.string("intent") == "save"
            let outcome = try await ImportDraftText(actor: ctx.actor, consultationID: c.id, markdown: Array(markdown.utf8), preview: !save).run(deps.commands)
            switch outcome {
            case .done(let result) where result.saved:
                return Screen.redirect(Screen.with(OrganiseRoute.organiser(c.id).path, ok: "text_saved") + "#articles")
            case .done(let result):
                return try await page(s, c, State(markdown: markdown, preview: result.parsed))
            case .invalid(let errors):
                return try await page(s, c, State(markdown: markdown, textErrors: errors), status: .unprocessableContent)
            default: return Institution.failure(outcome, s)
            }
        }
    }

    func publish(_ req: Request, _ ctx: WebContext) async throws -> Response {
        try await withOrganised(req, ctx) { s, _, c in
            let outcome = try await PublishConsultation(actor: ctx.actor, consultationID: c.id).run(deps.commands)
            switch outcome {
            case .done: return Screen.redirect(Screen.with(OrganiseRoute.organiser(c.id).path, ok: "consultation_published"))
            case .invalid(let errors): return try await page(s, c, State(publishErrors: errors), status: .unprocessableContent)
            default: return Institution.failure(outcome, s)
            }
        }
    }

    func close(_ req: Request, _ ctx: WebContext) async throws -> Response {
        try await withOrganised(req, ctx) { s, form, c in
            let outcome = try await CloseConsultation(actor: ctx.actor, consultationID: c.id, reason: form.string("reason")).run(deps.commands)
            switch outcome {
            case .done: return Screen.redirect(Screen.with(OrganiseRoute.organiser(c.id).path, ok: "consultation_closed"))
            case .invalid(let errors):
                return try await page(s, c, State(closeReason: form.string("reason"), closeErrors: errors), status: .unprocessableContent)
            default: return Institution.failure(outcome, s)
            }
        }
    }

    // MARK: One article, while the consultation is a draft

    func articleForm(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let id = Institution.id(ctx), let a = try await deps.store.article(id: id),
              let c = try await deps.store.consultation(id: a.consultationID) else { return s.notFound() }
        if case .refused(let r) = Permissions.can(ctx.actor, .editText, on: c, at: now) { return s.refused(r) }
        return articlePage(s, a, c, draft: ["title": a.title, "body": a.body, "explanation": a.explanation, "currentLaw": a.currentLaw])
    }

    func articlePage(_ s: Screen, _ a: Article, _ c: Consultation, draft: [String: String], errors: [FieldError] = [],
                     status: HTTPResponse.Status = .ok) -> Response {
        var data: [String: Any] = [
            "number": a.number, "consultationTitle": c.title, "organiserURL": OrganiseRoute.organiser(c.id).path,
            "action": OrganiseRoute.saveArticle(a.id).path, "draft": draft,
            "titleHint": s.hint(Limits.articleTitle), "bodyHint": s.hint(Limits.articleBody), "explanationHint": s.hint(Limits.explanation),
            "currentLawHint": s.text("organise_current_law_hint") + " " + s.hint(Limits.currentLaw),
        ]
        if let e = s.errors(errors) { data["errors"] = e }
        return s.html("organise_article", title: s.text("organise_article_title", ["number": a.number]), data: data, status: status)
    }

    func saveArticle(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        guard let id = Institution.id(ctx), let a = try await deps.store.article(id: id),
              let c = try await deps.store.consultation(id: a.consultationID) else { return s.notFound() }
        let draft = [
            "title": form.string("title"), "body": form.string("body"), "explanation": form.string("explanation"),
            "currentLaw": form.string("currentLaw"),
        ]
        let outcome = try await EditArticle(
            actor: ctx.actor, articleID: id, title: draft["title"]!, body: draft["body"]!, explanation: draft["explanation"]!,
            currentLaw: draft["currentLaw"]!).run(deps.commands)
        switch outcome {
        case .done: return Screen.redirect(Screen.with(OrganiseRoute.organiser(c.id).path, ok: "article_saved") + "#articles")
        case .invalid(let errors): return articlePage(s, a, c, draft: draft, errors: errors, status: .unprocessableContent)
        default: return Institution.failure(outcome, s)
        }
    }
}
