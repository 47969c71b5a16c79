import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// For organisers: publish a new version of the text, then link its changed articles to the
/// contributions they took up, or record a contribution as not taken up (issue 9).
struct VersionPages {
    let deps: WebDependencies

    var now: Date { deps.clock.now() }

    /// The consultation, when the signed-in person may publish its versions; else the refusal page.
    func publishable(_ s: Screen, _ id: ID?) async throws -> Result<Consultation, Refusal> {
        guard let id, let c = try await deps.store.consultation(id: id),
              Permissions.can(s.context.actor, .read, on: c, at: now) == .allowed else { return .failure(Refusal(response: s.notFound())) }
        if case .refused(let r) = Permissions.can(s.context.actor, .publishVersion, on: c, at: now) { return .failure(Refusal(response: s.refused(r))) }
        return .success(c)
    }

    // MARK: Publishing

    func newForm(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = Screen(deps: deps, context: ctx, request: req)
        switch try await publishable(s, Institution.id(ctx)) {
        case .failure(let r): return r.response
        case .success(let c): return try await form(s, c, draft: [:])
        }
    }

    func form(_ s: Screen, _ c: Consultation, draft: [String: String], errors: [String] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let versions = try await deps.store.textVersions(consultationID: c.id)
        var data: [String: Any] = [
            "consultationURL": SiteRoute.consultation(c.id).path, "consultationTitle": c.title, "suiviURL": FollowUpRoute.suivi(c.id),
            "action": FollowUpRoute.newVersion(c.id), "draft": draft, "labelHint": s.hint(Limits.versionLabel),
            "previous": s.text("followup_version_previous", ["label": versions.last?.label ?? s.text("followup_v0")]),
            "versions": versions.map { v in ["label": v.label, "date": deps.catalogue.date(v.publishedAt, s.lang), "uptakesURL": FollowUpRoute.uptakes(v.id)] },
        ]
        if !errors.isEmpty { data["errors"] = ["items": errors] }
        return s.html("followup_version_new", title: s.text("followup_version_new_title") + " — " + c.title, data: data, status: status)
    }

    func publish(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = Screen(deps: deps, context: ctx, request: req)
        let form: Form
        // NB: a 2 MB text grows when URL-encoded (accents take 6 bytes for 2), as in the draft import.
        switch await FormGuard.check(req, ctx, s, limit: DraftText.maxBytes * 3 + 64 * 1024) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        let c: Consultation
        switch try await publishable(s, Institution.id(ctx)) {
        case .failure(let r): return r.response
        case .success(let found): c = found
        }
        let draft = ["label": form.string("label"), "date": form.string("date"), "markdown": form.string("markdown"), "renumbering": form.string("renumbering")]
        var errors: [FieldError] = []
        let date = draft["date"]!.isEmpty ? nil : CalendarDay.parse(draft["date"]!)
        if !draft["date"]!.isEmpty && date == nil { errors.append(FieldError(field: "date", rule: .invalid)) }
        let renumbering = PublishTextVersion.parseRenumbering(draft["renumbering"]!)
        if renumbering == nil { errors.append(FieldError(field: "renumbering", rule: .invalid)) }
        if errors.isEmpty {
            let command = PublishTextVersion(actor: ctx.actor, consultationID: c.id, label: draft["label"]!, publishedAt: date,
                                             markdown: Array(draft["markdown"]!.utf8), renumbering: renumbering ?? [:])
            switch try await command.run(deps.commands) {
            case .done(let v): return Screen.redirect(Screen.with(FollowUpRoute.uptakes(v.id), ok: "followup_version_published"))
            case .invalid(let e): errors = e
            case let other: return Institution.failure(other, s)
            }
        }
        return try await self.form(s, c, draft: draft, errors: errors.map { message($0, s) }, status: .unprocessableContent)
    }

    /// A renumbering that names a missing number says which one. The form's field is `renumbering`;
    /// `PublishTextVersion` names it `renumber`, as the API does.
    func message(_ e: FieldError, _ s: Screen) -> String {
        let renumbering = e.field == "renumbering" || e.field == "renumber"
        if renumbering, e.rule == .invalid, let value = e.value { return s.text("followup_err_renumbering_number", ["number": value]) }
        if renumbering, e.rule == .invalid { return s.text("followup_err_renumbering") }
        return deps.catalogue.message(for: e, s.lang)
    }

    // MARK: Uptake

    /// The version, when the signed-in person may record uptake for its consultation.
    func version(_ s: Screen, _ ctx: WebContext) async throws -> Result<(TextVersion, Consultation), Refusal> {
        guard let id = Institution.id(ctx), let v = try await deps.store.textVersion(id: id) else { return .failure(Refusal(response: s.notFound())) }
        return try await publishable(s, v.consultationID).map { (v, $0) }
    }

    func uptakeForm(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = Screen(deps: deps, context: ctx, request: req)
        switch try await version(s, ctx) {
        case .failure(let r): return r.response
        case .success(let (v, c)): return try await uptakePage(s, v, c, draft: [:])
        }
    }

    func uptakePage(_ s: Screen, _ v: TextVersion, _ c: Consultation, draft: [String: String], errors: [String] = [],
                    status: HTTPResponse.Status = .ok) async throws -> Response {
        let (_, chains) = try await FollowUpQueries.chains(deps.store, consultationID: c.id)
        // The articles this version changed (new ones included), with their stage in this version.
        let changed = chains.compactMap { chain -> (ArticleChain, ArticleStage)? in
            guard let stage = chain.stages.first(where: { $0.version?.id == v.id }), !stage.unchanged else { return nil }
            return (chain, stage)
        }
        var articles: [[String: Any]] = []
        for (chain, stage) in changed {
            var amendments: [ContributionRow] = []
            if let aid = chain.consultedArticleID {
                amendments = try await deps.store.contributions(ContributionQuery(articleID: aid, kind: .amendment), page: PageRequest(page: 1, perPage: 20)).items
            }
            let uptakes = amendments.isEmpty ? [:] : try await deps.store.uptakes(contributionIDs: amendments.map(\.contribution.id))
            let key = FollowUpQueries.anchor(version: v.position, number: stage.number)
            articles.append([
                "number": stage.number, "heading": s.text("article") + " " + stage.number + (stage.title.isEmpty ? "" : " — " + stage.title),
                "anchor": key, "suiviURL": FollowUpQueries.uptakePath(consultationID: c.id, version: v, number: stage.number),
                "others": draft["article"] == stage.number ? draft["others", default: ""] : "",
                "amendments": amendments.map { r -> [String: Any] in
                    var taken = false
                    if case .takenUp(let vid, let n)? = uptakes[r.contribution.id]?.uptake { taken = vid == v.id && n == stage.number }
                    return ["id": "\(r.contribution.id)", "field": "c\(r.contribution.id)", "fieldID": "\(key)-c\(r.contribution.id)",
                            "label": s.heading(r.contribution), "tally": s.tallyText(.amendment, r.tally, r.contribution.importedTally),
                            "url": SiteRoute.contribution(r.contribution.id).path, "checked": taken || draft["c\(r.contribution.id)"] != nil]
                },
            ])
        }
        var data: [String: Any] = [
            "heading": s.text("followup_uptake_title", ["version": v.label]), "consultationTitle": c.title,
            "suiviURL": FollowUpRoute.suivi(c.id), "newVersionURL": FollowUpRoute.newVersion(c.id), "action": FollowUpRoute.uptakes(v.id),
            "articles": articles, "hasArticles": !articles.isEmpty, "draft": draft, "reasonHint": s.hint(Limits.uptakeReason),
        ]
        if !errors.isEmpty { data["errors"] = ["items": errors] }
        return s.html("followup_uptake", title: s.text("followup_uptake_title", ["version": v.label]), data: data, status: status)
    }

    /// `intent=take`: the checked amendments and the other ids are taken up in `article`;
    /// `intent=reject`: `contribution` was not taken up, for `reason`.
    func recordUptakes(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = Screen(deps: deps, context: ctx, request: req)
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        let v: TextVersion, c: Consultation
        switch try await version(s, ctx) {
        case .failure(let r): return r.response
        case .success(let found): (v, c) = found
        }
        var draft = form.values
        draft["_csrf"] = nil
        let command: RecordUptakes
        if form.string("intent") == "reject" {
            command = RecordUptakes(actor: ctx.actor, consultationID: c.id,
                                    items: [UptakeItem(rawID: form.string("contribution"), uptake: .notTakenUp(reason: form.string("reason")))])
        } else {
            let number = form.string("article")
            let checked = form.values.keys.filter { $0.hasPrefix("c") && Int64($0.dropFirst()) != nil }.map { String($0.dropFirst()) }.sorted()
            let others = form.string("others").split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init)
            // Amendments shown ticked and now unticked: their link to this article of this version is removed.
            let shown = Set(form.all("shown").compactMap { Int64($0) })
            let unticked = shown.subtracting(checked.compactMap { Int64($0) })
            command = RecordUptakes(actor: ctx.actor, consultationID: c.id,
                                    items: (checked + others).map { UptakeItem(rawID: $0, uptake: .takenUp(versionID: v.id, articleNumber: number)) },
                                    unlink: Array(unticked), unlinkFrom: (v.id, number))
        }
        var errors: [String] = []
        switch try await command.run(deps.commands) {
        case .done(let changed): if changed == 0 && command.items.isEmpty { errors.append(s.text("followup_err_uptake_none")) }
        case .invalid(let e):
            errors = e.map { error in
                if error.field == "contribution" { return s.text("followup_err_uptake_id", ["id": error.value ?? ""]) }
                return s.messages([error]).map { (error.item.map { $0 + " — " } ?? "") + $0 }.joined(separator: " ")
            }
        case let other: return Institution.failure(other, s)
        }
        guard errors.isEmpty else { return try await uptakePage(s, v, c, draft: draft, errors: errors, status: .unprocessableContent) }
        return Screen.redirect(Screen.with(FollowUpRoute.uptakes(v.id), ok: "followup_uptake_saved"))
    }
}
