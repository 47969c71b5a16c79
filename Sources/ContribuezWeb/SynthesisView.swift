import ContribuezCore
import ContribuezSynthesis
import Foundation

/// The view data of the synthesis page.
struct SynthesisView {
    let screen: Screen
    let consultation: Consultation

    func text(_ key: String, _ params: [String: String] = [:]) -> String { screen.text(key, params) }

    /// Targets per page of the ranking; the page prints only these (the report itself is decoded once per run).
    static let rankingPerPage = 50
    /// Clusters shown on the page; the rest are in the downloads.
    static let clustersShown = 30

    func data(latest: SynthesisRun?, result: SynthesisReport?, canRun: Bool, rankingPage: Int = 1, chain: ChainHead? = nil) -> [String: Any] {
        let c = consultation
        var d: [String: Any] = [
            "consultationTitle": c.title, "consultationURL": SiteRoute.consultation(c.id).path,
            "stylesheet": SynthesisRoute.stylesheet.path,
        ]
        if canRun { d["runForm"] = ["action": SynthesisRoute.run(c.id).path] }
        if let latest {
            switch latest.status {
            case .running:
                d["running"] = [
                    "stage": text("synthesis_stage_\(latest.stage)"), "percent": Int((latest.progress * 100).rounded()),
                    "since": time(latest.startedAt),
                ] as [String: Any]
            case .failed:
                d["failed"] = ["at": time(latest.finishedAt ?? latest.updatedAt)]
            case .succeeded: break
            }
        }
        // The event chain (issue 12): what anyone can check the open data against, with or without a synthesis.
        if let chain { d["chain"] = ["summary": text("chain_summary", ["n": "\(chain.length)"]), "head": chain.head] }
        guard let r = result else { return d }
        d["result"] = true
        d["computedAt"] = time(r.computedAt)
        d["downloads"] = [["label": "JSON", "url": SynthesisRoute.json(c.id).path]]
            + SynthesisTable.allCases.map { ["label": text("synthesis_table_\($0.rawValue)") + " (CSV)", "url": SynthesisRoute.csv(c.id, $0).path] }
        // Long lists stay bounded (issue 10): one page of the ranking, its work bounded by the page size.
        let per = Self.rankingPerPage
        let pageCount = max(1, (r.tallies.count + per - 1) / per)
        let pageNumber = min(max(1, rankingPage), pageCount)
        let slice = r.tallies.dropFirst((pageNumber - 1) * per).prefix(per)
        d["tallies"] = slice.map { t -> [String: Any] in
            ["rank": t.rank, "label": t.target.label, "url": url(t.target), "kindLabel": text("synthesis_kind_\(t.target.kind.rawValue)"),
             "wilson": percent(t.wilson), "tallyHTML": screen.tallyHTML(live: t.live.tally, imported: t.imported?.tally)]
        }
        if let first = slice.first?.rank { d["rankingStart"] = first }
        let page = Page(items: Array(slice), page: pageNumber, perPage: per, total: r.tallies.count)
        d["rankingPager"] = screen.pager(page, label: text("synthesis_tallies")) { SynthesisRoute.ranking(c.id, page: $0).path + "#classement" }
        d["kinds"] = r.kinds.map { k -> [String: Any] in
            var row: [String: Any] = ["kind": text("kind_\(k.kind)"), "voters": k.voters]
            row["bar"] = screen.bar(k.counts.tally, label: text("kind_\(k.kind)"))
            return row
        }
        if !r.kinds.isEmpty { d["hasKinds"] = true }
        let g = r.groups
        d["groupSummary"] = text("synthesis_groups_summary", ["groups": "\(g.groups.count)", "clustered": "\(g.clustered)", "voters": "\(g.voters)"])
        if !g.groups.isEmpty {
            d["hasGroups"] = true
            d["groups"] = g.groups.map { grp -> [String: Any] in
                [
                    "number": grp.index + 1, "size": grp.size, "class": "g\(min(grp.index, 4))",
                    "representative": grp.representative.map { x -> [String: Any] in
                        ["label": x.target.label, "url": url(x.target), "text": x.target.text,
                         "stance": text(x.stance == "agree" ? "synthesis_stance_agree" : "synthesis_stance_disagree",
                                        ["pct": "\(Int((Double(x.successes) * 100 / Double(max(1, x.trials))).rounded()))", "n": "\(x.trials)"])]
                    },
                ]
            }
            d["map"] = SynthesisMap.svg(g, title: text("synthesis_map_title"),
                                        description: text("synthesis_map_desc", ["groups": "\(g.groups.count)", "clustered": "\(g.clustered)", "voters": "\(g.voters)"]))
        }
        d["consensus"] = g.consensus.map { scored($0, score: percent($0.score)) }
        d["divisive"] = g.divisive.map { scored($0, score: String(format: "%.2f", $0.score)) }
        if !g.consensus.isEmpty { d["hasConsensus"] = true }
        if !g.divisive.isEmpty { d["hasDivisive"] = true }
        if r.clusters.count > Self.clustersShown { d["clustersMore"] = text("count_items", ["n": "\(r.clusters.count)"]) }
        d["clusters"] = r.clusters.prefix(Self.clustersShown).map {
            screen.synthesisCluster(heading: $0.size, members: $0.members, distinctAuthors: $0.distinctAuthors, isBurst: $0.isBurst, reasons: $0.reasons)
        }
        if !r.clusters.isEmpty { d["hasClusters"] = true }
        d["threshold"] = String(format: "%.2f", r.duplicateThreshold)
        return d
    }

    func scored(_ x: SynthesisReport.Scored, score: String) -> [String: Any] {
        ["label": x.target.label, "url": url(x.target), "text": x.target.text, "score": score]
    }

    func url(_ t: SynthesisReport.TargetRef) -> String {
        t.kind == .article ? SiteRoute.article(t.id).path : SiteRoute.contribution(t.id).path
    }

    func percent(_ x: Double) -> String { String(format: "%.1f %%", x * 100) }

    func time(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: screen.lang == .fr ? "fr_FR" : "en_GB")
        f.timeZone = TimeZone(identifier: "Europe/Paris")
        f.dateStyle = .long
        f.timeStyle = .short
        return f.string(from: d)
    }
}

/// The opinion map as server-rendered SVG: one point per participant, coloured by group through CSS
/// classes of synthesis.css (no inline style: the CSP forbids it). Everything printed is escaped here.
enum SynthesisMap {
    static let width = 480.0, height = 320.0, margin = 16.0

    static func svg(_ g: SynthesisReport.Groups, title: String, description: String) -> String {
        let xs = g.points.map(\.x), ys = g.points.map(\.y)
        let (minX, maxX) = (xs.min() ?? -1, xs.max() ?? 1), (minY, maxY) = (ys.min() ?? -1, ys.max() ?? 1)
        let spanX = max(maxX - minX, 1e-9), spanY = max(maxY - minY, 1e-9)
        func px(_ x: Double) -> String { String(format: "%.1f", margin + (x - minX) / spanX * (width - 2 * margin)) }
        func py(_ y: Double) -> String { String(format: "%.1f", height - margin - (y - minY) / spanY * (height - 2 * margin)) }
        var out = "<svg class=\"opinion-map\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-labelledby=\"carte-titre carte-desc\" focusable=\"false\">"
        out += "<title id=\"carte-titre\">" + SafeMarkdown.escape(title) + "</title>"
        out += "<desc id=\"carte-desc\">" + SafeMarkdown.escape(description) + "</desc>"
        out += "<rect class=\"frame\" x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\"/>"
        // Unclustered participants first, so that group points stay on top.
        for p in g.points.sorted(by: { ($0.group == nil ? 0 : 1) < ($1.group == nil ? 0 : 1) }) {
            let cls = p.group.map { "g\(min($0, 4))" } ?? "gnone"
            out += "<circle class=\"\(cls)\" cx=\"\(px(p.x))\" cy=\"\(py(p.y))\" r=\"3\"/>"
        }
        return out + "</svg>"
    }
}

extension Screen {
    /// One cluster of near-identical contributions, shown once, its members expandable; shared by the
    /// consultation and article synthesis pages.
    func synthesisCluster(
        heading size: Int, members: [SynthesisReport.ClusterMember], distinctAuthors: Int, isBurst: Bool, reasons: [String]
    ) -> [String: Any] {
        var row: [String: Any] = [
            "heading": text("synthesis_cluster_size", ["n": "\(size)"]),
            "authors": text("synthesis_cluster_authors", ["n": "\(distinctAuthors)"]),
            "excerpt": members.first?.excerpt ?? "",
            "members": members.map { m in
                ["url": SiteRoute.contribution(m.contributionID).path, "label": text("synthesis_member", ["id": "\(m.contributionID)"]), "excerpt": m.excerpt]
            },
        ]
        if isBurst { row["burst"] = text("synthesis_cluster_burst") }
        if reasons.contains(where: { $0.hasPrefix("one_author") }) { row["oneAuthor"] = text("synthesis_cluster_one_author") }
        return row
    }
}
