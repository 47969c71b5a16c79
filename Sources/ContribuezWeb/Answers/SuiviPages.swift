import ContribuezAnalysis
import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// « Suivi »: how the text changed from the consulted draft through the published versions, and what
/// became of the most supported contributions; and one article's versions compared (issue 9).
struct SuiviPages {
    let deps: WebDependencies

    func readable(_ s: Screen, _ id: ID?) async throws -> Consultation? {
        guard let id, let c = try await deps.store.consultation(id: id),
              Permissions.can(s.context.actor, .read, on: c, at: deps.clock.now()) == .allowed else { return nil }
        return c
    }

    func show(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = Screen(deps: deps, context: ctx, request: req)
        guard let c = try await readable(s, Institution.id(ctx)) else { return s.notFound() }
        let report = try await FollowUpQueries.suivi(deps.store, consultation: c)
        var data: [String: Any] = [
            "consultationURL": SiteRoute.consultation(c.id).path, "consultationTitle": c.title, "engagementsURL": FollowUpRoute.engagements(c.id),
            "versions": [["label": s.text("followup_v0"), "date": deps.catalogue.date(c.opensAt, s.lang)]]
                + report.versions.map { ["label": $0.label, "date": deps.catalogue.date($0.publishedAt, s.lang)] },
            "articles": report.chains.map { chain(s, $0, versions: report.versions) },
            "top": try await report.top.asyncMapSequential { try await topItem(s, $0, c.id) },
            "hasTop": !report.top.isEmpty,
        ]
        if report.versions.isEmpty { data["noVersion"] = s.text("followup_no_version") }
        return s.html("followup_suivi", title: s.text("followup_suivi_title") + " — " + c.title, data: data)
    }

    /// One article through the versions: each stage with « inchangé » or its word diff, renumbering, removal.
    func chain(_ s: Screen, _ chain: ArticleChain, versions: [TextVersion]) -> [String: Any] {
        let current = chain.current
        var d: [String: Any] = [
            "heading": s.text("article") + " " + current.number + (current.title.isEmpty ? "" : " — " + current.title),
            "stages": chain.stages.enumerated().map { i, stage in self.stage(s, stage, first: i == 0) },
        ]
        if let id = chain.consultedArticleID {
            d["articleURL"] = SiteRoute.article(id).path
            if !versions.isEmpty { d["compareURL"] = FollowUpRoute.articleVersions(id, from: 0, to: current.position) }
        } else {
            d["newText"] = s.text("followup_new_article", ["version": chain.stages.first?.version?.label ?? ""])
        }
        if let removed = chain.removedIn { d["removed"] = s.text("followup_removed_in", ["version": removed.label]) }
        return d
    }

    func stage(_ s: Screen, _ stage: ArticleStage, first: Bool) -> [String: Any] {
        var d: [String: Any] = [
            "anchor": FollowUpQueries.anchor(version: stage.position, number: stage.number),
            "label": stage.version?.label ?? s.text("followup_v0"), "number": s.text("article") + " " + stage.number,
        ]
        if let before = stage.previousNumber, before != stage.number { d["renumbered"] = s.text("followup_renumbered", ["number": before]) }
        if first {
            d["bodyHTML"] = SafeMarkdown.escape(stage.body)
        } else if stage.unchanged {
            d["unchanged"] = s.text("followup_unchanged")
        } else if let diff = stage.diff {
            d["diffHTML"] = Screen.segmentsHTML(diff)
        } else {
            d["unchanged"] = s.text("followup_renumbered_only")
        }
        return d
    }

    /// What became of one of the most supported contributions.
    func topItem(_ s: Screen, _ item: SuiviItem, _ consultationID: ID) async throws -> [String: Any] {
        let c = item.row.contribution
        var d: [String: Any] = [
            "rank": "\(item.rank)", "url": SiteRoute.contribution(c.id).path, "title": s.label(c), "heading": s.heading(c),
            "tally": s.tallyText(c.kind, item.row.tally, c.importedTally),
        ]
        switch item.outcome {
        case .takenUp, .notTakenUp:
            if let u = item.uptake { d["uptake"] = try await AnswerPages(deps: deps).uptakeData(s, u, consultationID) }
        case .answered: break
        case .none: d["none"] = s.text("followup_no_link")
        }
        if let a = item.answer { d["badge"] = s.answerBadge(a.status) }
        return d
    }

    // MARK: One article's versions

    func articleVersions(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = Screen(deps: deps, context: ctx, request: req)
        guard let id = Institution.id(ctx), let a = try await deps.store.article(id: id),
              let c = try await readable(s, a.consultationID) else { return s.notFound() }
        let (versions, chains) = try await FollowUpQueries.chains(deps.store, consultationID: c.id)
        guard let chain = chains.first(where: { $0.consultedArticleID == id }) else { return s.notFound() }
        let q = req.uri.queryParameters
        let from = q["de"].flatMap { Int(String($0)) } ?? 0, to = q["a"].flatMap { Int(String($0)) } ?? chain.current.position
        func options(_ selected: Int) -> [[String: Any]] {
            chain.stages.map { ["value": "\($0.position)", "label": $0.version?.label ?? s.text("followup_v0"), "selected": $0.position == selected] }
        }
        var data: [String: Any] = [
            "articleURL": SiteRoute.article(id).path, "heading": s.text("article") + " " + a.number + (a.title.isEmpty ? "" : " — " + a.title),
            "suiviURL": FollowUpRoute.suivi(c.id), "action": FollowUpRoute.articleVersions(id), "fromOptions": options(from), "toOptions": options(to),
            "stages": chain.stages.enumerated().map { i, st in stage(s, st, first: i == 0) },
        ]
        if versions.isEmpty { data["noVersion"] = s.text("followup_no_version") }
        if let removed = chain.removedIn { data["removed"] = s.text("followup_removed_in", ["version": removed.label]) }
        var status = HTTPResponse.Status.ok
        if let diff = FollowUpQueries.compare(chain, from: from, to: to) {
            let label = { (p: Int) in chain.stages.first { $0.position == p }?.version?.label ?? s.text("followup_v0") }
            data["comparison"] = [
                "caption": s.text("followup_compare_caption", ["from": label(from), "to": label(to)]),
                "diffHTML": Screen.segmentsHTML(diff), "same": from == to || !diff.contains { if case .same = $0 { return false }; return true },
            ] as [String: Any]
        } else {
            data["compareError"] = s.text("followup_compare_invalid")
            status = .badRequest
        }
        return s.html("followup_article_versions", title: s.text("followup_versions_title") + " — " + s.text("article") + " " + a.number, data: data, status: status)
    }
}

extension Array {
    /// `map` with an async transform, one element after the other.
    func asyncMapSequential<U>(_ f: (Element) async throws -> U) async rethrows -> [U] {
        var out: [U] = []
        out.reserveCapacity(count)
        for e in self { out.append(try await f(e)) }
        return out
    }
}
