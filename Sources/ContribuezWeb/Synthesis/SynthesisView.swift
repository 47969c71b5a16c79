import ContribuezCore
import ContribuezSynthesis
import Foundation

/// The view data of the synthesis page.
struct SynthesisView {
    let screen: Screen
    let consultation: Consultation

    func text(_ key: String, _ params: [String: String] = [:]) -> String { screen.text(key, params) }

    /// How much of each long list the first screen shows; the rest is one link away (`SynthesisList`).
    static let firstScreen = (ranking: 10, themes: 8, consensus: 5, divisive: 5, clusters: 5)

    func data(latest: SynthesisRun?, result: SynthesisReport?, canRun: Bool, chain: ChainHead? = nil) -> [String: Any] {
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
        d["downloads"] = downloads(r)
        let g = r.groups
        let themes = r.themes ?? []
        let contributions = Set(r.clusters.flatMap { $0.members.map(\.contributionID) }).count
        d["overview"] = text("synthesis_overview", [
            "voters": "\(g.voters)", "targets": "\(r.tallies.count)", "groups": "\(g.groups.count)", "themes": "\(themes.count)",
            "themed": "\(themes.reduce(0) { $0 + $1.size })",
        ])
        if contributions > 0 { d["overviewClusters"] = text("synthesis_overview_clusters", ["n": "\(r.clusters.count)", "contributions": "\(contributions)"]) }
        // Representativeness first: every figure below is read knowing who took part.
        d["representativeness"] = representativeness(r.representativeness)
        // Opinion groups: the map, then one line per group, each with its own page.
        d["groupSummary"] = text("synthesis_groups_summary", ["groups": "\(g.groups.count)", "clustered": "\(g.clustered)", "voters": "\(g.voters)"])
        if !g.groups.isEmpty {
            d["hasGroups"] = true
            d["groups"] = g.groups.map { grp -> [String: Any] in
                [
                    "number": grp.index + 1, "size": grp.size, "class": "g\(min(grp.index, 4))",
                    "share": percent(Double(grp.size) / Double(max(1, g.clustered))),
                    "url": SynthesisRoute.group(c.id, number: grp.index + 1).path,
                    "top": grp.representative.first.map { x -> [String: Any] in
                        ["label": x.target.label, "url": url(x.target), "stance": stance(x)]
                    } as Any,
                ]
            }
            d["map"] = SynthesisMap.svg(g, title: text("synthesis_map_title"),
                                        description: text("synthesis_map_desc", ["groups": "\(g.groups.count)", "clustered": "\(g.clustered)", "voters": "\(g.voters)"]))
        }
        // Themes of the free text, largest first, each with its own page.
        if !themes.isEmpty {
            d["hasThemes"] = true
            d["themes"] = themes.prefix(Self.firstScreen.themes).map { themeRow($0) }
            if themes.count > Self.firstScreen.themes {
                d["themesMore"] = ["url": SynthesisList.themes.url(c.id), "text": text("synthesis_see_all", ["n": "\(themes.count)"])]
            }
        }
        d["tallies"] = r.tallies.prefix(Self.firstScreen.ranking).map { tallyRow($0) }
        if r.tallies.count > Self.firstScreen.ranking {
            d["talliesMore"] = ["url": SynthesisList.ranking.url(c.id), "text": text("synthesis_see_all", ["n": "\(r.tallies.count)"])]
        }
        d["hasKinds"] = !r.kinds.isEmpty
        d["kinds"] = r.kinds.map { k -> [String: Any] in
            ["kind": text("kind_\(k.kind)"), "voters": k.voters, "bar": screen.bar(k.counts.tally, label: text("kind_\(k.kind)"))]
        }
        d["consensus"] = g.consensus.prefix(Self.firstScreen.consensus).map { scored($0, score: percent($0.score)) }
        d["divisive"] = g.divisive.prefix(Self.firstScreen.divisive).map { scored($0, score: String(format: "%.2f", $0.score)) }
        d["hasConsensus"] = !g.consensus.isEmpty
        d["hasDivisive"] = !g.divisive.isEmpty
        if g.consensus.count > Self.firstScreen.consensus {
            d["consensusMore"] = ["url": SynthesisList.consensus.url(c.id), "text": text("synthesis_see_all", ["n": "\(g.consensus.count)"])]
        }
        if g.divisive.count > Self.firstScreen.divisive {
            d["divisiveMore"] = ["url": SynthesisList.divisive.url(c.id), "text": text("synthesis_see_all", ["n": "\(g.divisive.count)"])]
        }
        d["clusters"] = r.clusters.prefix(Self.firstScreen.clusters).map { cluster($0) }
        d["hasClusters"] = !r.clusters.isEmpty
        if r.clusters.count > Self.firstScreen.clusters {
            d["clustersMore"] = ["url": SynthesisList.clusters.url(c.id), "text": text("synthesis_see_all", ["n": "\(r.clusters.count)"])]
        }
        d["threshold"] = String(format: "%.2f", r.duplicateThreshold)
        return d
    }

    /// Every table as CSV, and the whole report as JSON.
    func downloads(_ r: SynthesisReport) -> [[String: String]] {
        let c = consultation
        return [["label": text("synthesis_download_json"), "url": SynthesisRoute.json(c.id).path]]
            + SynthesisTable.allCases.map { ["label": text("synthesis_table_\($0.rawValue)") + " (CSV)", "url": SynthesisRoute.csv(c.id, $0).path] }
    }

    func representativeness(_ r: SynthesisReport.Representativeness?) -> [String: Any] {
        var d: [String: Any] = ["url": SiteRoute.representativeness(consultation.id).path]
        guard let r else { d["text"] = text("synthesis_repr_unknown"); return d }
        d["text"] = text("synthesis_repr_summary", ["respondents": "\(r.respondents)", "participants": "\(r.participants)"])
        if let max = r.maxDeviation {
            d["deviation"] = text("synthesis_repr_deviation", ["points": String(format: "%.1f", max * 100)])
        } else {
            d["deviation"] = text("synthesis_repr_not_measurable")
        }
        d["hasGaps"] = !r.gaps.isEmpty
        d["gaps"] = r.gaps.prefix(5).map { gap in
            text("synthesis_repr_gap", [
                "dimension": text("dash_dim_\(gap.dimension)"), "category": gap.label,
                "participants": percent(gap.participantShare), "population": percent(gap.populationShare),
            ])
        }
        d["raked"] = r.rakedDimensions.isEmpty ? text("dash_raked_none")
            : text("dash_raked", ["dimensions": r.rakedDimensions.map { text("dash_dim_\($0)") }.joined(separator: ", ")])
        return d
    }

    func themeRow(_ t: SynthesisReport.Theme) -> [String: Any] {
        var row: [String: Any] = [
            "number": t.index + 1, "label": t.label, "url": SynthesisRoute.theme(consultation.id, number: t.index + 1, page: 1).path,
            "size": text("synthesis_theme_size", ["n": "\(t.size)"]),
            "excerpt": t.representative.first?.excerpt ?? "",
        ]
        if t.support.total > 0 || t.imported != nil {
            row["tallyHTML"] = screen.tallyHTML(live: t.support.tally, imported: t.imported?.tally)
        } else {
            row["noVotes"] = text("synthesis_theme_no_votes")
        }
        return row
    }

    func tallyRow(_ t: SynthesisReport.TallyRow) -> [String: Any] {
        ["rank": t.rank, "label": t.target.label, "url": url(t.target), "kindLabel": text("synthesis_kind_\(t.target.kind.rawValue)"),
         "wilson": percent(t.wilson), "tallyHTML": screen.tallyHTML(live: t.live.tally, imported: t.imported?.tally)]
    }

    func cluster(_ x: SynthesisReport.Cluster) -> [String: Any] {
        screen.synthesisCluster(heading: x.size, members: x.members, distinctAuthors: x.distinctAuthors, isBurst: x.isBurst, reasons: x.reasons)
    }

    func stance(_ x: SynthesisReport.Representative) -> String {
        text(x.stance == "agree" ? "synthesis_stance_agree" : "synthesis_stance_disagree",
             ["pct": "\(Int((Double(x.successes) * 100 / Double(max(1, x.trials))).rounded()))", "n": "\(x.trials)"])
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
