import ContribuezAnalysis
import ContribuezCore
import Foundation
import Hummingbird
import Mustache

/// Mustache templates (Resources/templates), escaping on by default. Raw output (`{{{…}}}`) is used only
/// for HTML this module produced itself: rendered templates, SafeMarkdown and the escaped diff.
public struct Views: Sendable {
    let library: MustacheLibrary
    /// Derived HTML rendered once and stored (issue 10); one per application, so per database.
    let rendered: RenderCache

    public static func bundled() async throws -> Views {
        guard let url = Bundle.module.url(forResource: "templates", withExtension: nil, subdirectory: "Resources") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return Views(library: try await MustacheLibrary(directory: url.path), rendered: RenderCache())
    }

    func render(_ template: String, _ data: [String: Any]) -> String {
        library.render(data, withTemplate: template) ?? ""
    }
}

/// Builds the pieces of view data that several pages share.
struct Screen {
    let deps: WebDependencies
    let context: WebContext
    let request: Request

    var lang: Lang { context.lang }
    var t: [String: String] { deps.catalogue.table(lang) }
    func text(_ key: String, _ params: [String: String] = [:]) -> String { deps.catalogue.text(key, lang, params) }

    /// Base data every template gets: the catalogue, the CSRF token, the public forms' stamp, who is signed in.
    func base() -> [String: Any] {
        var d: [String: Any] = [
            "t": t, "csrf": context.csrfToken, "lang": lang.rawValue,
            "formStamp": FormStamps.issue(at: deps.clock.now(), csrf: context.csrfToken, deps.formStamps),
        ]
        if let p = context.participant {
            var me: [String: Any] = ["name": p.publicName, "url": SiteRoute.participant(p.id).path, "notificationsURL": FollowUpRoute.notifications]
            if let n = context.unreadNotifications { me["unread"] = "\(n)"; me["hasUnread"] = n > 0 }
            d["me"] = me
        }
        if context.staffRolesWithheld {
            d["staffNotice"] = ["text": text("staff_second_factor_notice"), "link": text("staff_second_factor_link"), "url": SecondFactorRoute.settings]
        }
        return d
    }

    /// Renders `template` inside the layout.
    func html(_ template: String, title: String, data: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        var d = base()
        for (k, v) in data { d[k] = v }
        let content = deps.views.render(template, d)
        var layout = base()
        layout["title"] = title
        layout["content"] = content
        layout["otherLang"] = lang.other.rawValue
        layout["path"] = request.uri.path
        if let ok = request.uri.queryParameters["ok"].map(String.init), Self.flashKeys.contains(ok) {
            layout["flash"] = text(ok)
        }
        let body = deps.views.render("layout", layout)
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentLanguage] = lang.rawValue
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static let flashKeys: Set<String> = [
        "vote_saved", "vote_withdrawn", "sessions_ended_all", "accounts_frozen", "accounts_lifted", "accounts_upheld", "contribution_saved", "contribution_pending", "report_sent", "moderation_done",
        "instance_role_granted", "second_factor_reset_done", "role_granted", "role_revoked", "consultation_created", "consultation_saved", "text_saved",
        "article_saved", "consultation_published", "consultation_closed",
        "followup_answer_saved", "followup_version_published", "followup_uptake_saved", "followup_followed", "followup_unfollowed",
        "followup_marked_read", "followup_preferences_saved",
    ]

    func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        html("error", title: text("error_title"), data: ["heading": "\(status.code) — \(status.reasonPhrase)", "message": message], status: status)
    }

    // MARK: Pieces

    func tally(live: Tally, imported: Tally?) -> [String: Any] {
        var d: [String: Any] = [:]
        if imported == nil || live.opinionTotal > 0 { d["live"] = bar(live, label: text("tally_live")) }
        if let imported { d["imported"] = bar(imported, label: text("tally_imported")) }
        return d
    }

    func bar(_ t: Tally, label: String) -> [String: Any] {
        let total = t.opinionTotal
        func pct(_ n: Int) -> Int { total == 0 ? 0 : Int((Double(n) * 100 / Double(total)).rounded()) }
        // Widths in hundredths of a percent, printed with two decimals (no String(format:): it is slow on Linux).
        func hundredths(_ n: Int) -> Int { total == 0 ? 0 : Int((Double(n) * 10_000 / Double(total)).rounded()) }
        func decimal(_ h: Int) -> String {
            let cents = h % 100
            return "\(h / 100)." + (cents < 10 ? "0\(cents)" : "\(cents)")
        }
        let aw = hundredths(t.agree), mw = hundredths(t.mixed), dw = hundredths(t.disagree)
        return [
            "label": label, "total": total, "agree": t.agree, "mixed": t.mixed, "disagree": t.disagree,
            "agreePct": pct(t.agree), "mixedPct": pct(t.mixed), "disagreePct": pct(t.disagree),
            "agreeW": decimal(aw), "mixedW": decimal(mw), "disagreeW": decimal(dw),
            "mixedX": decimal(aw), "disagreeX": decimal(aw + mw),
            "summary": "\(label) : " + text("tally_summary", ["agree": "\(t.agree)", "mixed": "\(t.mixed)", "disagree": "\(t.disagree)"]),
        ]
    }

    func tallyText(_ kind: ContributionKind, _ live: Tally, _ imported: Tally?) -> String {
        let all = live + (imported ?? .zero)
        if kind.votingScale == .usefulness { return text("useful_count", ["n": "\(all.useful)"]) }
        return text("tally_summary", ["agree": "\(all.agree)", "mixed": "\(all.mixed)", "disagree": "\(all.disagree)"])
    }

    func heading(_ c: Contribution) -> String {
        switch c.kind {
        case .amendment: return text("amendment_by", ["name": c.authorName])
        case .proposal: return text("proposal_by", ["name": c.authorName])
        case .argument: return text("argument_by", ["name": c.authorName])
        case .source: return text("source_by", ["name": c.authorName])
        }
    }

    static func excerpt(_ s: String, _ n: Int) -> String {
        s.count <= n ? s : String(s.prefix(n)) + "…"
    }

    func pager<T>(_ page: ContribuezCore.Page<T>, label: String, link: (Int) -> String) -> [String: Any]? {
        guard page.pageCount > 1 else { return nil }
        var d: [String: Any] = [
            "label": label,
            "text": text("page_of", ["page": "\(page.page)", "count": "\(page.pageCount)"]) + " · " + text("count_items", ["n": "\(page.total)"]),
        ]
        if page.hasPrevious { d["prev"] = link(page.page - 1) }
        if page.hasNext { d["next"] = link(page.page + 1) }
        return ["pager": d]
    }

    func voteForm(action: String, current: VoteValue?, back: String, legend: String) -> [String: Any] {
        var d: [String: Any] = [
            "action": action, "back": back, "legend": legend,
            "options": [VoteValue.agree, .mixed, .disagree].map { v in
                ["value": v.rawValue, "label": voteLabel(v), "checked": v == current] as [String: Any]
            },
        ]
        if let current { d["current"] = text("your_current_vote", ["value": voteLabel(current)]) }
        return d
    }

    func voteLabel(_ v: VoteValue) -> String {
        switch v {
        case .agree: return text("tally_agree")
        case .mixed: return text("tally_mixed")
        case .disagree: return text("tally_disagree")
        case .useful: return text("tally_useful")
        }
    }

    func phaseLabel(_ p: Phase) -> String { text("phase_\(p.rawValue)") }

    func dates(_ c: Consultation) -> String {
        text("dates_from_to", ["from": deps.catalogue.date(c.opensAt, lang), "to": deps.catalogue.date(c.closesAt.addingTimeInterval(-1), lang)])
    }

    func errors(_ list: [FieldError]) -> [String: Any]? {
        list.isEmpty ? nil : ["items": list.map { deps.catalogue.message(for: $0, lang) }]
    }

    func hint(_ range: ClosedRange<Int>) -> String {
        range.lowerBound <= 1 ? text("limit_hint", ["max": "\(range.upperBound)"])
            : text("limit_hint_range", ["min": "\(range.lowerBound)", "max": "\(range.upperBound)"])
    }

    /// Word-level diff rendered with `<del>`/`<ins>`, every character of both texts escaped.
    static func diffHTML(from old: String, to new: String) -> String {
        var out = HTMLWriter()
        for seg in TextDiff.words(from: old, to: new) {
            switch seg {
            case .same(let s): out.text(s)
            case .removed(let s): out.raw("<del>"); out.text(s); out.raw("</del>")
            case .added(let s): out.raw("<ins>"); out.text(s); out.raw("</ins>")
            }
        }
        return out.string
    }
}
