import ContribuezCore
import Foundation
import Mustache

/// (1) Mustache all the way: the article page as the product rendered it before the typed rows (commit 14dbc1e^):
/// the product's own templates directory, with `article`, `arguments_block` and `sources_block` replaced by
/// their 14dbc1e^ texts (all-mustache/), which loop over row dictionaries through `contribution_row`, `tally`,
/// `followup_badge` (still in the product). The dictionaries are those of the old `Screen.row` and `Screen.tally`.
struct AllMustachePage {
    let library: MustacheLibrary
    let texts: Texts

    func render(_ p: PageData) -> String {
        let s = texts
        var data: [String: Any] = ["t": s.t, "csrf": "", "lang": "fr"]
        data["a"] = ["number": p.number, "title": p.title]
        data["consultationURL"] = Paths.consultation(p.consultationID)
        data["consultationTitle"] = p.consultationTitle
        data["synthesisURL"] = Paths.synthesis(p.articleID)
        data["bodyHTML"] = p.bodyHTML
        data["amendmentCount"] = p.amendmentTotal
        data["amendments"] = p.amendments.map { r -> [String: Any] in
            if r.contribution.isHidden { return ["url": Paths.contribution(r.contribution.id), "placeholder": s.hiddenPlaceholder(r.contribution)] }
            var d: [String: Any] = [
                "url": Paths.contribution(r.contribution.id), "heading": s.heading(r.contribution),
                "tallyText": s.tallyText(.amendment, r.tally, r.contribution.importedTally),
                "diffHTML": p.diffs[r.contribution.id] ?? "",
            ]
            if r.replies > 0 { d["repliesText"] = s.repliesText(r.replies) }
            return d
        }
        data["amendmentHint"] = s.hint(Limits.amendmentText); data["rationaleHint"] = s.hint(Limits.rationale)
        data["amendmentDraft"] = ["text": p.articleBody]
        data["amendmentAction"] = Paths.article(p.articleID) + "/amendments"
        data["argumentAction"] = Paths.article(p.articleID) + "/arguments"; data["sourceAction"] = Paths.article(p.articleID) + "/sources"
        if let e = p.explanationHTML { data["explanationHTML"] = e }
        if let pager = pager(p.amendmentTotal, s.text("amendments_heading"), "amendments", "modifications", p) { data["amendmentPager"] = pager }
        let bars = s.bars(live: p.liveTally, imported: p.importedTally)
        if let b = bars.live { data["live"] = Self.dict(b) }
        if let b = bars.imported { data["imported"] = Self.dict(b) }
        data["argumentsFor"] = p.pro.map(row); data["argumentsAgainst"] = p.con.map(row); data["sources"] = p.src.map(row)
        data["forCount"] = p.proTotal; data["againstCount"] = p.conTotal; data["sourceCount"] = p.srcTotal
        data["argumentCount"] = p.proTotal + p.conTotal
        data["forPager"] = pager(p.proTotal, s.text("arguments_for"), "pour", "arguments", p)
        data["againstPager"] = pager(p.conTotal, s.text("arguments_against"), "contre", "arguments", p)
        data["sourcePager"] = pager(p.srcTotal, s.text("sources_heading"), "sources", "sources", p)
        data["argumentHint"] = s.hint(Limits.argumentText)
        if let r = p.refusal { data["refusal"] = r }
        return library.render(data, withTemplate: "article") ?? ""
    }

    /// The old `Screen.row` (14dbc1e^), anonymous visitor (no « utile » form).
    func row(_ r: ContributionRow) -> [String: Any] {
        let s = texts, c = r.contribution
        if c.isHidden { return ["kind": c.kind.rawValue, "url": Paths.contribution(c.id), "placeholder": s.hiddenPlaceholder(c)] }
        var d: [String: Any] = [
            "kind": c.kind.rawValue, "url": Paths.contribution(c.id), "heading": s.heading(c),
            "tallyText": s.tallyText(c.kind, r.tally, c.importedTally),
        ]
        if !c.title.isEmpty { d["title"] = c.title }
        if c.kind != .amendment { d["excerpt"] = Texts.excerpt(c.body, 600) }
        if let stance = c.stance {
            d["stance"] = stance.rawValue
            d["stanceLabel"] = s.text(stance == .for ? "arguments_for" : "arguments_against")
        }
        if let url = c.url { d["sourceURL"] = url }
        if r.replies > 0 { d["repliesText"] = s.repliesText(r.replies) }
        return d
    }

    func pager(_ total: Int, _ label: String, _ param: String, _ anchor: String, _ p: PageData) -> [String: Any]? {
        guard let text = texts.pagerText(total: total, perPage: p.perPage) else { return nil }
        return ["pager": ["label": label, "text": text, "next": "\(Paths.article(p.articleID))?\(param)=2#\(anchor)"] as [String: Any]]
    }

    static func dict(_ b: Texts.Bar) -> [String: Any] {
        [
            "label": b.label, "total": b.total, "agree": b.agree, "mixed": b.mixed, "disagree": b.disagree,
            "agreePct": b.agreePct, "mixedPct": b.mixedPct, "disagreePct": b.disagreePct,
            "agreeW": b.agreeW, "mixedW": b.mixedW, "disagreeW": b.disagreeW, "mixedX": b.mixedX, "disagreeX": b.disagreeX,
            "summary": b.summary,
        ]
    }
}

/// (2) The current product: the same skeleton templates (the product's own files, unchanged), the hot rows,
/// amendments and tally bar written by the product's `HTMLWriter` (HTMLWriter.swift is a symlink to the
/// product's file). `rowsHTML`, `amendmentsHTML` and `tallyHTML` are copies of Views+Rows.swift (there they are
/// methods of the web layer's `Screen`, which needs Hummingbird), reduced to the anonymous visitor.
struct WriterPage {
    let library: MustacheLibrary
    let texts: Texts

    func render(_ p: PageData) -> String {
        let s = texts
        var data: [String: Any] = ["t": s.t, "csrf": "", "lang": "fr"]
        data["a"] = ["number": p.number, "title": p.title]
        data["consultationURL"] = Paths.consultation(p.consultationID)
        data["consultationTitle"] = p.consultationTitle
        data["synthesisURL"] = Paths.synthesis(p.articleID)
        data["bodyHTML"] = p.bodyHTML
        data["amendmentCount"] = p.amendmentTotal
        data["amendments"] = !p.amendments.isEmpty
        data["amendmentsHTML"] = amendmentsHTML(p.amendments, diffs: p.diffs)
        data["amendmentHint"] = s.hint(Limits.amendmentText); data["rationaleHint"] = s.hint(Limits.rationale)
        data["amendmentDraft"] = ["text": p.articleBody]
        data["amendmentAction"] = Paths.article(p.articleID) + "/amendments"
        data["argumentAction"] = Paths.article(p.articleID) + "/arguments"; data["sourceAction"] = Paths.article(p.articleID) + "/sources"
        if let e = p.explanationHTML { data["explanationHTML"] = e }
        let all = AllMustachePage(library: library, texts: texts)
        if let pager = all.pager(p.amendmentTotal, s.text("amendments_heading"), "amendments", "modifications", p) { data["amendmentPager"] = pager }
        data["tallyHTML"] = tallyHTML(live: p.liveTally, imported: p.importedTally)
        data["argumentsFor"] = !p.pro.isEmpty; data["argumentsAgainst"] = !p.con.isEmpty; data["sources"] = !p.src.isEmpty
        data["argumentsForHTML"] = rowsHTML(p.pro); data["argumentsAgainstHTML"] = rowsHTML(p.con); data["sourcesHTML"] = rowsHTML(p.src)
        data["forCount"] = p.proTotal; data["againstCount"] = p.conTotal; data["sourceCount"] = p.srcTotal
        data["argumentCount"] = p.proTotal + p.conTotal
        data["forPager"] = all.pager(p.proTotal, s.text("arguments_for"), "pour", "arguments", p)
        data["againstPager"] = all.pager(p.conTotal, s.text("arguments_against"), "contre", "arguments", p)
        data["sourcePager"] = all.pager(p.srcTotal, s.text("sources_heading"), "sources", "sources", p)
        data["argumentHint"] = s.hint(Limits.argumentText)
        if let r = p.refusal { data["refusal"] = r }
        return library.render(data, withTemplate: "article") ?? ""
    }

    // MARK: Copied from Views+Rows.swift (anonymous visitor: no answers, no « utile » form)

    func rowsHTML(_ items: [ContributionRow]) -> String {
        var w = HTMLWriter(capacity: items.count * 700)
        for r in items { writeRow(&w, r) }
        return w.string
    }

    private func writeRow(_ w: inout HTMLWriter, _ r: ContributionRow) {
        let s = texts, c = r.contribution
        let url = Paths.contribution(c.id)
        w.raw("\n<li class=\"contribution kind-"); w.text(c.kind.rawValue)
        if c.isHidden {
            w.raw(" hidden-item\">\n  <p class=\"placeholder\"><a href=\""); w.text(url); w.raw("\">"); w.text(s.hiddenPlaceholder(c))
            w.raw("</a></p>\n</li>\n")
            return
        }
        w.raw("\">\n  <p class=\"byline\"><a href=\""); w.text(url); w.raw("\">"); w.text(s.heading(c)); w.raw("</a>")
        if let stance = c.stance {
            w.raw(" · <span class=\"stance stance-"); w.text(stance.rawValue); w.raw("\">")
            w.text(s.text(stance == .for ? "arguments_for" : "arguments_against")); w.raw("</span>")
        }
        w.raw("</p>\n")
        if !c.title.isEmpty { w.raw("  <p class=\"c-title\"><a href=\""); w.text(url); w.raw("\">"); w.text(c.title); w.raw("</a></p>\n") }
        if c.kind != .amendment, !c.body.isEmpty {
            w.raw("  <p class=\"excerpt\">"); w.text(Texts.excerpt(c.body, 600)); w.raw("</p>\n")
        }
        if let source = c.url {
            w.raw("  <p><a href=\""); w.text(source); w.raw("\" rel=\"nofollow ugc noopener\">"); w.text(source); w.raw("</a></p>\n")
        }
        w.raw("  <p class=\"meta\">"); w.text(s.tallyText(c.kind, r.tally, c.importedTally))
        if r.replies > 0 { w.raw(" · "); w.text(s.repliesText(r.replies)) }
        w.raw("</p>\n")
        w.raw("</li>\n")
    }

    func amendmentsHTML(_ items: [ContributionRow], diffs: [ID: String]) -> String {
        var w = HTMLWriter(capacity: items.count * 2_000)
        let s = texts, t = texts.t
        for r in items {
            let c = r.contribution
            let url = Paths.contribution(c.id)
            if c.isHidden {
                w.raw("<p class=\"amendment hidden-item placeholder\"><a href=\""); w.text(url); w.raw("\">"); w.text(s.hiddenPlaceholder(c)); w.raw("</a></p>\n")
                continue
            }
            w.raw("<article class=\"amendment\">\n  <h3><a href=\""); w.text(url); w.raw("\">"); w.text(s.heading(c)); w.raw("</a>")
            w.raw("</h3>\n  <p class=\"meta\">"); w.text(s.tallyText(.amendment, r.tally, c.importedTally))
            if r.replies > 0 { w.raw(" · "); w.text(s.repliesText(r.replies)) }
            w.raw("</p>\n  <p class=\"legend\">"); w.text(t["diff_legend"] ?? "")
            w.raw("</p>\n  <div class=\"diff\">"); w.trusted(diffs[c.id] ?? "")
            w.raw("</div>\n  <p><a href=\""); w.text(url); w.raw("\">"); w.text(t["see"] ?? ""); w.raw(" — ")
            w.text(t["rationale"] ?? ""); w.raw(", "); w.text(t["arguments_heading"] ?? ""); w.raw("</a></p>\n</article>\n")
        }
        return w.string
    }

    func tallyHTML(live: Tally, imported: Tally?) -> String {
        var w = HTMLWriter(capacity: 2_000)
        let t = texts.t
        w.raw("<div class=\"tally\">\n")
        if imported == nil || live.opinionTotal > 0 { writeBar(&w, live, label: texts.text("tally_live"), imported: false, t: t) }
        if let imported { writeBar(&w, imported, label: texts.text("tally_imported"), imported: true, t: t) }
        w.raw("</div>\n")
        return w.string
    }

    private func writeBar(_ w: inout HTMLWriter, _ tally: Tally, label: String, imported: Bool, t: [String: String]) {
        let total = tally.opinionTotal
        func pct(_ n: Int) -> Int { total == 0 ? 0 : Int((Double(n) * 100 / Double(total)).rounded()) }
        func hundredths(_ n: Int) -> Int { total == 0 ? 0 : Int((Double(n) * 10_000 / Double(total)).rounded()) }
        func decimal(_ w: inout HTMLWriter, _ h: Int) {
            w.int(h / 100); w.raw(".")
            if h % 100 < 10 { w.raw("0") }
            w.int(h % 100)
        }
        let aw = hundredths(tally.agree), mw = hundredths(tally.mixed), dw = hundredths(tally.disagree)
        let colon = t["colon"] ?? ""
        w.raw("<p class=\"tally-label\">"); w.text(label); w.raw(" — "); w.int(total); w.raw(" "); w.text(t["tally_votes"] ?? ""); w.raw("</p>\n")
        w.raw(imported ? "<svg class=\"bar-chart imported\"" : "<svg class=\"bar-chart\"")
        w.raw(" viewBox=\"0 0 100 4\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"")
        w.text(label); w.raw(" : ")
        w.text(texts.text("tally_summary", ["agree": "\(tally.agree)", "mixed": "\(tally.mixed)", "disagree": "\(tally.disagree)"]))
        w.raw("\" focusable=\"false\"><rect class=\"agree\" x=\"0\" y=\"0\" width=\""); decimal(&w, aw)
        w.raw("\" height=\"4\"/><rect class=\"mixed\" x=\""); decimal(&w, aw); w.raw("\" y=\"0\" width=\""); decimal(&w, mw)
        w.raw("\" height=\"4\"/><rect class=\"disagree\" x=\""); decimal(&w, aw + mw); w.raw("\" y=\"0\" width=\""); decimal(&w, dw)
        w.raw("\" height=\"4\"/></svg>\n<ul class=\"tally-counts\">\n")
        for (cls, key, n) in [("agree", "tally_agree", tally.agree), ("mixed", "tally_mixed", tally.mixed), ("disagree", "tally_disagree", tally.disagree)] {
            w.raw("  <li class=\""); w.text(cls); w.raw("\">"); w.text(t[key] ?? ""); w.text(colon); w.raw(" <strong>"); w.int(n)
            w.raw("</strong> ("); w.int(pct(n)); w.raw(" %)</li>\n")
        }
        w.raw("</ul>\n")
    }
}
