import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// The institution's answer on a contribution's page: the current one, the earlier versions, where it
/// landed in the text, and the answer form for answerers (issue 9).
struct AnswerPages {
    let deps: WebDependencies

    /// Adds the answer block (`followUp`) to the contribution page. `form` is the answer form sent back with errors.
    func decorate(_ data: inout [String: Any], _ s: Screen, _ c: Contribution, _ consultation: Consultation,
                  form: PageHandlers.FormState?) async throws {
        guard c.isPublic else { return }
        var d: [String: Any] = [:]
        let history = try await deps.store.answers(contributionID: c.id)
        if let current = history.current {
            d["current"] = answerData(s, current)
            let earlier = history.versions.dropFirst().map { answerData(s, $0) }
            if !earlier.isEmpty { d["previousAnswers"] = ["items": earlier] }
        }
        if let u = try await deps.store.uptakes(contributionIDs: [c.id])[c.id] { d["uptake"] = try await uptakeData(s, u, consultation.id) }
        d["follow"] = try await FollowUpPages(deps: deps).followButton(s, .contribution(c.id))
        if c.kind != .source, Permissions.can(s.context.actor, .answer, on: consultation, at: deps.clock.now()) == .allowed {
            let draft = form?.which == "answer" ? form?.draft : nil
            let chosen = (draft?["status"] as? String) ?? history.current?.status.rawValue
            var f: [String: Any] = [
                "action": FollowUpRoute.answer(c.id), "hint": s.hint(Limits.answerText),
                "text": (draft?["text"] as? String) ?? history.current?.text ?? "",
                "statuses": AnswerStatus.allCases.map { st in
                    ["value": st.rawValue, "label": s.text("answer_status_\(st.rawValue)"), "selected": st.rawValue == chosen] as [String: Any]
                },
                "open": draft != nil || history.current == nil,
                "legend": s.text(history.current == nil ? "followup_answer_give" : "followup_answer_change"),
            ]
            if let form, form.which == "answer", let e = s.errors(form.errors) { f["errors"] = e }
            d["answerForm"] = f
        }
        data["followUp"] = d
    }

    func answerData(_ s: Screen, _ a: Answer) -> [String: Any] {
        [
            "badge": s.answerBadge(a.status), "textHTML": SafeMarkdown.html(a.text),
            "byline": s.text("followup_answer_byline", ["date": deps.catalogue.date(a.at, s.lang), "name": a.answererName]),
            "date": deps.catalogue.date(a.at, s.lang),
        ]
    }

    /// « Reprise dans l'article N de la version v1 » (with its link) or « Non reprise : motif ».
    func uptakeData(_ s: Screen, _ u: UptakeRecord, _ consultationID: ID) async throws -> [String: Any] {
        switch u.uptake {
        case .takenUp(let versionID, let number):
            guard let v = try await deps.store.textVersion(id: versionID) else { return [:] }
            return ["takenUp": s.text("followup_taken_up", ["number": number, "version": v.label]),
                    "url": FollowUpQueries.uptakePath(consultationID: consultationID, version: v, number: number)]
        case .notTakenUp(let reason):
            return ["notTakenUp": s.text("followup_not_taken_up", ["reason": reason])]
        }
    }

    // MARK: Answering

    func answer(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = Screen(deps: deps, context: ctx, request: req)
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        guard let id = Institution.id(ctx) else { return s.notFound() }
        let raw = form.string("status"), text = form.string("text")
        guard let status = AnswerStatus(rawValue: raw) else {
            // Who may not answer hears that first, whatever they sent.
            if let refused = try await refusal(s, id) { return refused }
            let accepted = AnswerStatus.allCases.map { s.text("answer_status_\($0.rawValue)") }.joined(separator: ", ")
            return try await invalid(req, ctx, raw, text, [FieldError(field: "status", rule: .unknownValue, value: accepted)])
        }
        switch try await AnswerContribution(actor: ctx.actor, contributionID: id, status: status, text: text).run(deps.commands) {
        case .done(let answer):
            if let c = try await deps.store.contribution(id: answer.contributionID) { deps.engagementCache.invalidate(c.consultationID) }
            return Screen.redirect(Screen.with(SiteRoute.contribution(id).path, ok: "followup_answer_saved") + "#reponse")
        case .invalid(let errors): return try await invalid(req, ctx, raw, text, errors)
        case let other: return Institution.failure(other, s)
        }
    }

    /// The page for someone who may not answer this contribution; nil for an answerer.
    func refusal(_ s: Screen, _ id: ID) async throws -> Response? {
        let now = deps.clock.now()
        guard let c = try await deps.store.contribution(id: id), c.isPublic, let consultation = try await deps.store.consultation(id: c.consultationID),
              Permissions.can(s.context.actor, .read, on: consultation, at: now) == .allowed else { return s.notFound() }
        if case .refused(let r) = Permissions.can(s.context.actor, .answer, on: consultation, at: now) { return s.refused(r) }
        return nil
    }

    /// The contribution page again, with the answer form open, its draft and the errors.
    func invalid(_ req: Request, _ ctx: WebContext, _ status: String, _ text: String, _ errors: [FieldError]) async throws -> Response {
        let state = PageHandlers.FormState(which: "answer", draft: ["status": status, "text": text], errors: errors)
        return try await PageHandlers(deps: deps).contribution(req, ctx, form: state, status: .unprocessableContent)
    }
}
