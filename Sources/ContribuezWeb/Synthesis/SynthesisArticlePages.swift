import ContribuezCore
import ContribuezSynthesis
import Foundation
import HTTPTypes
import Hummingbird

/// The synthesis of one article: read from the latest succeeded run of its consultation, never computed here.
struct ArticleSynthesisHandlers {
    let deps: WebDependencies

    func screen(_ req: Request, _ ctx: WebContext) -> Screen { Screen(deps: deps, context: ctx, request: req) }

    /// The article of the route and its consultation, when the visitor may read it.
    func readable(_ ctx: WebContext) async throws -> (article: Article, consultation: Consultation)? {
        guard let id = ctx.parameters.get("id", as: Int64.self), id > 0, let a = try await deps.store.article(id: id),
              let c = try await deps.store.consultation(id: a.consultationID),
              Permissions.can(ctx.actor, .read, on: c, at: deps.clock.now()) == .allowed else { return nil }
        return (a, c)
    }

    func stored(_ article: Article) async throws -> (run: SynthesisRun, synthesis: ArticleSynthesis)? {
        guard let found = try await deps.store.latestSynthesisResult(consultationID: article.consultationID),
              let report = deps.synthesisReports.report(run: found.run.id, json: found.json) else { return nil }
        return (found.run, report.article(article.id))
    }

    func page(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let (a, c) = try await readable(ctx) else { return s.notFound() }
        let latest = try await deps.store.latestSynthesisRun(consultationID: c.id)
        let view = SynthesisArticleView(screen: s, consultation: c, article: a)
        var data = view.data(latest: latest, result: try await stored(a)?.synthesis)
        // Issue 15: the debates' counts, apart from the online figures.
        if let box = try await DebateReportPages(deps: deps).articleBox(s, a) { data["debateBox"] = box }
        return s.html("synthesis_article", title: s.text("synthesis_article_title", ["number": a.number, "title": c.title]), data: data)
    }

    func json(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let (a, _) = try await readable(ctx) else { return s.notFound() }
        guard let found = try await stored(a) else { return s.error(.notFound, s.text("synthesis_none")) }
        return SynthesisDownloads.response(
            try SynthesisReport.encoder.encode(found.synthesis), contentType: "application/json; charset=utf-8",
            filename: "synthese-article-\(a.id).json")
    }

    func csv(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let (a, _) = try await readable(ctx) else { return s.notFound() }
        let raw = ctx.parameters.get("table") ?? ""
        guard raw.hasSuffix(".csv"), let table = ArticleSynthesisTable(rawValue: String(raw.dropLast(4))) else { return s.notFound() }
        guard let found = try await stored(a) else { return s.error(.notFound, s.text("synthesis_none")) }
        return SynthesisDownloads.response(
            Data(ArticleSynthesisDownloads.csv(table, found.synthesis).utf8), contentType: "text/csv; charset=utf-8",
            filename: "synthese-article-\(a.id)-\(table.rawValue).csv")
    }
}

/// The tables of an article's synthesis, downloadable as CSV.
public enum ArticleSynthesisTable: String, Sendable, CaseIterable {
    case tallies, talliesByKind = "tallies_by_kind", groups, clusters
}

enum ArticleSynthesisDownloads {
    static func targets(_ s: ArticleSynthesis) -> [ArticleSynthesis.TargetFigures] { (s.article.map { [$0] } ?? []) + s.amendments }

    static func csv(_ table: ArticleSynthesisTable, _ s: ArticleSynthesis) -> String {
        let number = SynthesisDownloads.number
        var rows: [[String]] = []
        switch table {
        case .tallies:
            rows.append(["rank_in_article", "rank_in_consultation", "target", "kind", "id", "label", "agree", "mixed", "disagree", "total",
                         "imported_agree", "imported_mixed", "imported_disagree", "wilson_lower_bound"])
            for f in targets(s) {
                let t = f.tally
                rows.append([String(f.rank), String(t.rank), t.target.key, t.target.kind.rawValue, String(t.target.id), t.target.label,
                             String(t.live.agree), String(t.live.mixed), String(t.live.disagree), String(t.live.total),
                             t.imported.map { String($0.agree) } ?? "", t.imported.map { String($0.mixed) } ?? "",
                             t.imported.map { String($0.disagree) } ?? "", number(t.wilson)])
            }
        case .talliesByKind:
            rows.append(["target", "participant_kind", "agree", "mixed", "disagree"])
            for f in targets(s) {
                for (k, c) in f.tally.byKind.sorted(by: { $0.key < $1.key }) {
                    rows.append([f.tally.target.key, k, String(c.agree), String(c.mixed), String(c.disagree)])
                }
            }
        case .groups:
            rows.append(["target", "group", "group_size", "agree", "mixed", "disagree", "agree_share", "disagree_share",
                         "consensus_rank", "divisive_rank"])
            for f in targets(s) {
                guard let byGroup = f.byGroup else { continue }
                for (g, c) in byGroup.enumerated() {
                    let seen = Double(max(1, c.total))
                    rows.append([f.tally.target.key, String(g + 1), g < s.groupSizes.count ? String(s.groupSizes[g]) : "",
                                 String(c.agree), String(c.mixed), String(c.disagree),
                                 c.total == 0 ? "" : number(Double(c.agree) / seen), c.total == 0 ? "" : number(Double(c.disagree) / seen),
                                 f.consensusRank.map(String.init) ?? "", f.divisiveRank.map(String.init) ?? ""])
                }
            }
        case .clusters:
            rows.append(["cluster", "size", "distinct_authors", "is_burst", "reasons", "contribution_id", "contribution_kind", "parent_id"])
            for c in s.clusters {
                for m in c.members {
                    rows.append([String(c.index + 1), String(c.size), String(c.distinctAuthors), c.isBurst ? "1" : "0",
                                 c.reasons.joined(separator: ";"), String(m.contributionID), m.kind.rawValue, m.parentID.map(String.init) ?? ""])
                }
            }
        }
        return rows.map { $0.map(SynthesisDownloads.field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }
}
