import ContribuezCore
import Plot

/// (3) JohnSundell/Plot: the same markup as `article.mustache` and its partials (anonymous visitor, closed
/// consultation), built from Plot's typed nodes and rendered to a String.
///
/// Plot 0.14.0 escapes `<`, `>` and `&` in `.text(...)` (leaving `"`/`'` and anything that already looks like
/// an entity, `&amp;`, as is) and does NOT escape attribute values (`Attribute.render` prints the value as
/// given). So every attribute value that can hold user text (a source's URL) goes through `attr(_:)`, the
/// product's byte escaper; without it the hostile check below fails (see `main.swift`, "Plot, attributes raw").
struct PlotPage {
    let texts: Texts
    /// Escape user text in attribute values by hand (Plot does not). Off only for the escaping check.
    var escapeAttributes = true
    /// Diagnostic variant: user and catalogue text escaped by the product's byte escaper and handed to Plot as
    /// `.raw`, to tell Plot's tree building from its Character-by-Character text escaping.
    var byteEscapedText = false

    typealias Body = Node<HTML.BodyContext>

    func attr(_ s: String) -> String {
        guard escapeAttributes else { return s }
        var w = HTMLWriter(capacity: s.utf8.count + 16)
        w.text(s)
        return w.string
    }

    func txt<C>(_ s: String) -> Node<C> {
        guard byteEscapedText else { return .text(s) }
        var w = HTMLWriter(capacity: s.utf8.count + 16)
        w.text(s)
        return .raw(w.string)
    }

    func render(_ p: PageData) -> String {
        let s = texts, t = texts.t
        let page: Body = .group([
            .p(.class("crumbs"), .a(.href(Paths.consultation(p.consultationID)),
                txt("\(t["back_to_consultation"] ?? "") — \(p.consultationTitle)"))),
            .h1(txt("\(t["article"] ?? "") \(p.number) — \(p.title)")),
            .unwrap(p.refusal) { .p(.class("notice"), txt($0)) },
            .div(.class("article-layout"),
                .div(.class("article-main"),
                    .section(.class("article-body"), .attribute(named: "aria-labelledby", value: "texte"),
                        .h2(.id("texte"), .class("visually-hidden"), txt("\(t["article"] ?? "") \(p.number)")),
                        .raw(p.bodyHTML)),
                    .unwrap(p.explanationHTML) { e in
                        .details(.class("explanation"), .summary(txt(t["explanation"] ?? "")), .raw(e))
                    }),
                .aside(.class("article-side"),
                    tally(live: p.liveTally, imported: p.importedTally),
                    .p(.a(.href(Paths.synthesis(p.articleID)), txt(t["link_article_synthesis"] ?? ""))))),
            .section(.attribute(named: "aria-labelledby", value: "modifications"),
                .h2(.id("modifications"), txt("\(t["amendments_heading"] ?? "") "), .small(txt("(\(p.amendmentTotal))"))),
                .forEach(p.amendments) { amendment($0, p) },
                .if(p.amendments.isEmpty, .p(txt(t["amendments_empty"] ?? ""))),
                pager(p.amendmentTotal, s.text("amendments_heading"), "amendments", "modifications", p)),
            .section(.attribute(named: "aria-labelledby", value: "arguments"),
                .h2(.id("arguments"), txt("\(t["arguments_heading"] ?? "") "), .small(txt("(\(p.proTotal + p.conTotal))"))),
                .div(.class("columns"),
                    column("for", t["arguments_for"] ?? "", p.pro, p.proTotal, "pour", p),
                    column("against", t["arguments_against"] ?? "", p.con, p.conTotal, "contre", p))),
            .section(.attribute(named: "aria-labelledby", value: "sources"),
                .h2(.id("sources"), txt("\(t["sources_heading"] ?? "") "), .small(txt("(\(p.srcTotal))"))),
                .ul(.class("contributions"), .forEach(p.src) { row($0) }),
                .if(p.src.isEmpty, .p(txt(t["sources_empty"] ?? ""))),
                pager(p.srcTotal, t["sources_heading"] ?? "", "sources", "sources", p)),
        ])
        return page.render()
    }

    func column(_ cls: String, _ heading: String, _ rows: [ContributionRow], _ total: Int, _ param: String, _ p: PageData) -> Body {
        .div(.class("column \(cls)"),
            .h3(txt(heading + " "), .small(txt("(\(total))"))),
            .ul(.class("contributions"), .forEach(rows) { row($0) }),
            .if(rows.isEmpty, .p(txt(texts.t["arguments_empty"] ?? ""))),
            pager(total, heading, param, "arguments", p))
    }

    func row(_ r: ContributionRow) -> Node<HTML.ListContext> {
        let s = texts, c = r.contribution
        let url = Paths.contribution(c.id)
        if c.isHidden {
            return .li(.class("contribution kind-\(c.kind.rawValue) hidden-item"),
                .p(.class("placeholder"), .a(.href(url), txt(s.hiddenPlaceholder(c)))))
        }
        return .li(.class("contribution kind-\(c.kind.rawValue)"),
            .p(.class("byline"), .a(.href(url), txt(s.heading(c))),
                .unwrap(c.stance) { stance in
                    .group(txt(" · "), .span(.class("stance stance-\(stance.rawValue)"),
                        txt(s.text(stance == .for ? "arguments_for" : "arguments_against"))))
                }),
            .if(!c.title.isEmpty, .p(.class("c-title"), .a(.href(url), txt(c.title)))),
            .if(c.kind != .amendment && !c.body.isEmpty, .p(.class("excerpt"), txt(Texts.excerpt(c.body, 600)))),
            .unwrap(c.url) { source in
                .p(.a(.href(attr(source)), .attribute(named: "rel", value: "nofollow ugc noopener"), txt(source)))
            },
            .p(.class("meta"), txt(s.tallyText(c.kind, r.tally, c.importedTally)),
                .if(r.replies > 0, txt(" · " + s.repliesText(r.replies)))))
    }

    func amendment(_ r: ContributionRow, _ p: PageData) -> Body {
        let s = texts, t = texts.t, c = r.contribution
        let url = Paths.contribution(c.id)
        if c.isHidden {
            return .p(.class("amendment hidden-item placeholder"), .a(.href(url), txt(s.hiddenPlaceholder(c))))
        }
        return .article(.class("amendment"),
            .h3(.a(.href(url), txt(s.heading(c)))),
            .p(.class("meta"), txt(s.tallyText(.amendment, r.tally, c.importedTally)),
                .if(r.replies > 0, txt(" · " + s.repliesText(r.replies)))),
            .p(.class("legend"), txt(t["diff_legend"] ?? "")),
            .div(.class("diff"), .raw(p.diffs[c.id] ?? "")),
            .p(.a(.href(url), txt("\(t["see"] ?? "") — \(t["rationale"] ?? ""), \(t["arguments_heading"] ?? "")"))))
    }

    func tally(live: Tally, imported: Tally?) -> Body {
        let bars = texts.bars(live: live, imported: imported)
        return .div(.class("tally"),
            .unwrap(bars.live) { bar($0, imported: false) },
            .unwrap(bars.imported) { bar($0, imported: true) })
    }

    func bar(_ b: Texts.Bar, imported: Bool) -> Body {
        let t = texts.t
        func rect(_ cls: String, _ x: String, _ width: String) -> Body {
            .selfClosedElement(named: "rect", attributes: [
                Attribute<HTML.BodyContext>(name: "class", value: cls), Attribute(name: "x", value: x), Attribute(name: "y", value: "0"),
                Attribute(name: "width", value: width), Attribute(name: "height", value: "4"),
            ])
        }
        func count(_ cls: String, _ key: String, _ n: Int, _ pct: Int) -> Node<HTML.ListContext> {
            .li(.class(cls), txt((t[key] ?? "") + (t["colon"] ?? "") + " "), .strong(txt("\(n)")), txt(" (\(pct) %)"))
        }
        return .group(
            .p(.class("tally-label"), txt("\(b.label) — \(b.total) \(t["tally_votes"] ?? "")")),
            .element(named: "svg", nodes: [
                .class(imported ? "bar-chart imported" : "bar-chart"), .attribute(named: "viewBox", value: "0 0 100 4"),
                .attribute(named: "preserveAspectRatio", value: "none"), .attribute(named: "role", value: "img"),
                .attribute(named: "aria-label", value: attr(b.summary)), .attribute(named: "focusable", value: "false"),
                rect("agree", "0", b.agreeW), rect("mixed", b.mixedX, b.mixedW), rect("disagree", b.disagreeX, b.disagreeW),
            ]),
            .ul(.class("tally-counts"),
                count("agree", "tally_agree", b.agree, b.agreePct),
                count("mixed", "tally_mixed", b.mixed, b.mixedPct),
                count("disagree", "tally_disagree", b.disagree, b.disagreePct)))
    }

    func pager(_ total: Int, _ label: String, _ param: String, _ anchor: String, _ p: PageData) -> Body {
        guard let text = texts.pagerText(total: total, perPage: p.perPage) else { return .empty }
        let t = texts.t
        return .element(named: "nav", nodes: [
            .class("pager"), .attribute(named: "aria-label", value: attr("\(t["pagination"] ?? "") — \(label)")),
            .span(txt(text)),
            .a(.href("\(Paths.article(p.articleID))?\(param)=2#\(anchor)"), .attribute(named: "rel", value: "next"), txt(t["page_next"] ?? "")),
        ])
    }
}
