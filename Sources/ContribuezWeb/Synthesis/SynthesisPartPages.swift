import ContribuezCore
import ContribuezSynthesis
import Foundation
import Hummingbird

/// The long lists of a synthesis, one page at a time; their heads are on the first screen.
public enum SynthesisList: String, Sendable, CaseIterable {
    case ranking = "classement", consensus, divisive = "division", clusters = "doublons", themes

    /// Items per page: clusters and themes print their excerpts, so fewer of them.
    var perPage: Int { self == .clusters || self == .themes ? 20 : 50 }

    func url(_ consultation: ID) -> String { SynthesisRoute.list(consultation, self, page: 1).path }
}

/// The pages below the first screen (issue 14): every long list paginated, one page per opinion group and per theme.
struct SynthesisPartPages {
    let deps: WebDependencies
    /// Contributions of a theme printed per page.
    static let membersPerPage = 30

    func list(_ list: SynthesisList, _ req: Request, _ ctx: WebContext) async throws -> Response {
        let handlers = SynthesisHandlers(deps: deps)
        let s = handlers.screen(req, ctx)
        guard let c = try await handlers.readable(ctx) else { return s.notFound() }
        guard let r = try await handlers.stored(c.id)?.report else { return s.error(.notFound, s.text("synthesis_none")) }
        let view = SynthesisView(screen: s, consultation: c)
        let count: Int
        switch list {
        case .ranking: count = r.tallies.count
        case .consensus: count = r.groups.consensus.count
        case .divisive: count = r.groups.divisive.count
        case .clusters: count = r.clusters.count
        case .themes: count = r.themes?.count ?? 0
        }
        let per = list.perPage
        let pageCount = max(1, (count + per - 1) / per)
        let number = s.queryInt("page")
        guard number <= pageCount else { return s.notFound() }
        let range = ((number - 1) * per)..<min(count, number * per)
        var d = base(view, r)
        d["heading"] = s.text("synthesis_list_\(list.rawValue)")
        d["hint"] = s.text("synthesis_list_\(list.rawValue)_hint")
        d["start"] = range.lowerBound + 1
        switch list {
        case .ranking: d["tallies"] = r.tallies[range].map { view.tallyRow($0) }
        case .consensus: d["scored"] = r.groups.consensus[range].map { view.scored($0, score: view.percent($0.score)) }
        case .divisive: d["scored"] = r.groups.divisive[range].map { view.scored($0, score: String(format: "%.2f", $0.score)) }
        case .clusters: d["clusters"] = r.clusters[range].map { view.cluster($0) }
        case .themes: d["themes"] = (r.themes ?? [])[range].map { view.themeRow($0) }
        }
        if count == 0 { d["empty"] = s.text("synthesis_empty") }
        for key in ["tallies", "scored", "clusters", "themes"] { d["has" + key.prefix(1).uppercased() + key.dropFirst()] = d[key] != nil }
        let page = Page(items: Array(range), page: number, perPage: per, total: count)
        d["pager"] = s.pager(page, label: d["heading"] as? String ?? "") { SynthesisRoute.list(c.id, list, page: $0).path }
        return s.html("synthesis_list", title: s.text("synthesis_list_title", ["list": s.text("synthesis_list_\(list.rawValue)"), "title": c.title]), data: d)
    }

    func group(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let handlers = SynthesisHandlers(deps: deps)
        let s = handlers.screen(req, ctx)
        guard let c = try await handlers.readable(ctx) else { return s.notFound() }
        guard let r = try await handlers.stored(c.id)?.report else { return s.error(.notFound, s.text("synthesis_none")) }
        guard let n = ctx.parameters.get("n", as: Int.self), n >= 1, n <= r.groups.groups.count else { return s.notFound() }
        let view = SynthesisView(screen: s, consultation: c)
        let g = r.groups.groups[n - 1]
        var d = base(view, r)
        d["heading"] = s.text("synthesis_group_heading", ["n": "\(n)"])
        d["class"] = "g\(min(g.index, 4))"
        d["summary"] = s.text("synthesis_group_summary", [
            "size": "\(g.size)", "share": view.percent(Double(g.size) / Double(max(1, r.groups.clustered))),
            "clustered": "\(r.groups.clustered)",
        ])
        d["representative"] = g.representative.map { x -> [String: Any] in
            ["label": x.target.label, "url": view.url(x.target), "text": x.target.text, "stance": view.stance(x)]
        }
        // Where the group stands apart on the themes: its share of "agree" against everyone else's.
        let leaning = (r.themes ?? []).compactMap { t -> (theme: SynthesisReport.Theme, mine: Double, others: Double, votes: Int)? in
            guard let by = t.byGroup, g.index < by.count, by[g.index].total > 0 else { return nil }
            let mine = by[g.index]
            let rest = by.enumerated().filter { $0.offset != g.index }.reduce(SynthesisReport.Counts()) { $0.adding($1.element) }
            let others = rest.total == 0 ? 0 : Double(rest.agree) / Double(rest.total)
            return (t, Double(mine.agree) / Double(mine.total), others, mine.total)
        }.sorted { abs($0.mine - $0.others) > abs($1.mine - $1.others) }
        d["themes"] = leaning.prefix(20).map { x -> [String: Any] in
            ["label": x.theme.label, "url": SynthesisRoute.theme(c.id, number: x.theme.index + 1, page: 1).path,
             "mine": view.percent(x.mine), "others": view.percent(x.others), "votes": x.votes]
        }
        d["hasThemes"] = !leaning.isEmpty
        d["hasRepresentative"] = !g.representative.isEmpty
        d["pointsURL"] = SynthesisRoute.csv(c.id, .points).path
        return s.html("synthesis_group", title: s.text("synthesis_group_title", ["n": "\(n)", "title": c.title]), data: d)
    }

    func theme(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let handlers = SynthesisHandlers(deps: deps)
        let s = handlers.screen(req, ctx)
        guard let c = try await handlers.readable(ctx) else { return s.notFound() }
        guard let r = try await handlers.stored(c.id)?.report else { return s.error(.notFound, s.text("synthesis_none")) }
        let themes = r.themes ?? []
        guard let n = ctx.parameters.get("n", as: Int.self), n >= 1, n <= themes.count else { return s.notFound() }
        let t = themes[n - 1]
        let view = SynthesisView(screen: s, consultation: c)
        var d = base(view, r)
        d["heading"] = s.text("synthesis_theme_heading", ["n": "\(n)", "label": t.label])
        d["terms"] = t.terms.joined(separator: ", ")
        d["summary"] = s.text("synthesis_theme_summary", [
            "size": "\(t.size)",
            "kinds": ContributionKind.allCases.compactMap { k in
                t.contributionKinds[k.rawValue].map { s.text("synthesis_theme_kind_\(k.rawValue)", ["n": "\($0)"]) }
            }.joined(separator: ", "),
        ])
        if t.support.total > 0 || t.imported != nil {
            d["tallyHTML"] = s.tallyHTML(live: t.support.tally, imported: t.imported?.tally)
        } else {
            d["noVotes"] = s.text("synthesis_theme_no_votes")
        }
        if let by = t.byGroup, by.contains(where: { $0.total > 0 }) {
            d["hasByGroup"] = true
            d["byGroup"] = by.enumerated().map { g, counts -> [String: Any] in
                let label = s.text("synthesis_group") + " \(g + 1)"
                return ["label": label, "class": "g\(min(g, 4))", "url": SynthesisRoute.group(c.id, number: g + 1).path,
                        "votes": counts.total, "bar": s.bar(counts.tally, label: label)]
            }
        }
        let kinds = ParticipantKind.allCases.compactMap { k -> [String: Any]? in
            guard let counts = t.byKind[k.rawValue], counts.total > 0 else { return nil }
            return ["label": s.text("kind_\(k.rawValue)"), "votes": counts.total, "bar": s.bar(counts.tally, label: s.text("kind_\(k.rawValue)"))]
        }
        if !kinds.isEmpty { d["byKind"] = kinds; d["hasByKind"] = true }
        d["authors"] = ParticipantKind.allCases.compactMap { k in
            t.authorsByKind[k.rawValue].map { s.text("synthesis_theme_authors_kind", ["kind": s.text("kind_\(k.rawValue)"), "n": "\($0)"]) }
        }.joined(separator: ", ")
        d["representative"] = t.representative.map { m -> [String: Any] in
            ["url": SiteRoute.contribution(m.contributionID).path, "label": s.text("synthesis_member", ["id": "\(m.contributionID)"]),
             "excerpt": m.excerpt]
        }
        // Every contribution of the theme, one page at a time, read as they are now (hidden since the run: left out).
        let per = Self.membersPerPage
        let pageCount = max(1, (t.members.count + per - 1) / per)
        let number = s.queryInt("page")
        guard number <= pageCount else { return s.notFound() }
        let slice = Array(t.members.dropFirst((number - 1) * per).prefix(per))
        var members: [[String: Any]] = []
        for id in slice {
            guard let m = try await deps.store.contribution(id: id), !m.isHidden, m.consultationID == c.id else { continue }
            let text = m.title.isEmpty ? m.body : m.title
            members.append([
                "url": SiteRoute.contribution(m.id).path, "kind": s.text("synthesis_theme_member_\(m.kind.rawValue)"),
                "author": m.authorName, "excerpt": text.count > 280 ? String(text.prefix(280)) + "…" : text,
            ])
        }
        d["members"] = members
        d["membersStart"] = (number - 1) * per + 1
        let page = Page(items: slice, page: number, perPage: per, total: t.members.count)
        d["pager"] = s.pager(page, label: s.text("synthesis_theme_members")) { SynthesisRoute.theme(c.id, number: n, page: $0).path + "#contributions" }
        return s.html("synthesis_theme", title: s.text("synthesis_theme_title", ["label": t.label, "title": c.title]), data: d)
    }

    /// What every page below the first screen shares: the way back and the run it reads.
    func base(_ view: SynthesisView, _ r: SynthesisReport) -> [String: Any] {
        let c = view.consultation
        return [
            "consultationTitle": c.title, "consultationURL": SiteRoute.consultation(c.id).path, "stylesheet": SynthesisRoute.stylesheet.path,
            "backURL": SynthesisRoute.page(c.id).path, "computedAt": view.time(r.computedAt),
        ]
    }
}
