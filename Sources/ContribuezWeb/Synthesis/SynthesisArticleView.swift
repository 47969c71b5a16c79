import ContribuezCore
import ContribuezSynthesis
import Foundation

/// The view data of an article's synthesis page.
struct SynthesisArticleView {
    let screen: Screen
    let consultation: Consultation
    let article: Article

    func text(_ key: String, _ params: [String: String] = [:]) -> String { screen.text(key, params) }

    func data(latest: SynthesisRun?, result: ArticleSynthesis?) -> [String: Any] {
        let general = SynthesisView(screen: screen, consultation: consultation)
        let a = article
        var d: [String: Any] = [
            "articleLabel": a.title.isEmpty ? text("synthesis_article_label", ["number": a.number])
                : text("synthesis_article_label_titled", ["number": a.number, "title": a.title]),
            "articleURL": SiteRoute.article(a.id).path, "consultationTitle": consultation.title,
            "consultationURL": SiteRoute.consultation(consultation.id).path,
            "synthesisURL": SynthesisRoute.page(consultation.id).path, "stylesheet": SynthesisRoute.stylesheet.path,
        ]
        if let latest, latest.status == .running {
            d["running"] = ["stage": text("synthesis_stage_\(latest.stage)"), "percent": Int((latest.progress * 100).rounded())] as [String: Any]
        }
        guard let r = result else { return d }
        d["result"] = true
        d["computedAt"] = general.time(r.computedAt)
        if !r.complete { d["incomplete"] = true }
        if r.article == nil { d["notInRun"] = true }
        d["downloads"] = [["label": "JSON", "url": SynthesisRoute.articleJSON(a.id).path]]
            + ArticleSynthesisTable.allCases.map {
                ["label": text("synthesis_article_table_\($0.rawValue)") + " (CSV)", "url": SynthesisRoute.articleCSV(a.id, $0).path]
            }
        if let own = r.article { d["article"] = target(own, r, general) }
        d["amendments"] = r.amendments.map { target($0, r, general) }
        d["amendmentsSummary"] = r.amendments.isEmpty ? text("synthesis_article_no_amendments")
            : text("synthesis_article_amendments_summary", ["n": "\(r.amendments.count)"])
        d["groupsSummary"] = r.groupSizes.isEmpty ? text("synthesis_article_no_groups")
            : text("synthesis_article_groups_summary", ["groups": "\(r.groupSizes.count)",
                                                        "sizes": r.groupSizes.enumerated().map { "\(text("synthesis_group")) \($0 + 1) : \($1)" }.joined(separator: " · ")])
        d["clusters"] = r.clusters.map { cl -> [String: Any] in
            var row = screen.synthesisCluster(
                heading: cl.members.count, members: cl.members, distinctAuthors: cl.distinctAuthors, isBurst: cl.isBurst, reasons: cl.reasons)
            if cl.size > cl.members.count { row["elsewhere"] = text("synthesis_article_cluster_elsewhere", ["n": "\(cl.size)"]) }
            return row
        }
        if !r.clusters.isEmpty { d["hasClusters"] = true }
        d["threshold"] = String(format: "%.2f", r.duplicateThreshold)
        return d
    }

    /// The article or an amendment: tally with bars, breakdown by participant kind, votes per opinion group, position.
    func target(_ f: ArticleSynthesis.TargetFigures, _ r: ArticleSynthesis, _ general: SynthesisView) -> [String: Any] {
        let t = f.tally
        var row: [String: Any] = [
            "targetLabel": t.target.label, "targetURL": general.url(t.target), "rank": f.rank, "globalRank": t.rank,
            "wilson": general.percent(t.wilson),
        ]
        for (k, v) in screen.tally(live: t.live.tally, imported: t.imported?.tally) { row[k] = v }
        let kinds = ParticipantKind.allCases.compactMap { k -> [String: Any]? in
            guard let c = t.byKind[k.rawValue], c.total > 0 else { return nil }
            var item: [String: Any] = ["kindName": text("kind_\(k.rawValue)"), "kindTotal": c.total]
            item["bar"] = screen.bar(c.tally, label: text("kind_\(k.rawValue)"))
            return item
        }
        row["kinds"] = kinds
        row["hasKinds"] = !kinds.isEmpty
        row["hasGroupRows"] = f.byGroup.map { !$0.isEmpty } ?? false
        if let byGroup = f.byGroup {
            row["groupRows"] = byGroup.enumerated().map { g, c -> [String: Any] in
                let seen = Double(max(1, c.total))
                return [
                    "groupNumber": g + 1, "groupClass": "g\(min(g, 4))", "seen": c.total,
                    "agreeShare": c.total == 0 ? "—" : general.percent(Double(c.agree) / seen),
                    "disagreeShare": c.total == 0 ? "—" : general.percent(Double(c.disagree) / seen),
                ]
            }
        }
        var positions: [String] = []
        if let rank = f.consensusRank { positions.append(text("synthesis_article_in_consensus", ["rank": "\(rank)"])) }
        if let rank = f.divisiveRank { positions.append(text("synthesis_article_in_divisive", ["rank": "\(rank)"])) }
        for x in f.representative {
            let pct = "\(Int((Double(x.successes) * 100 / Double(max(1, x.trials))).rounded()))"
            positions.append(text(x.stance == "agree" ? "synthesis_article_repr_agree" : "synthesis_article_repr_disagree",
                                  ["group": "\(x.group + 1)", "pct": pct, "n": "\(x.trials)"]))
        }
        row["positions"] = positions
        return row
    }
}
