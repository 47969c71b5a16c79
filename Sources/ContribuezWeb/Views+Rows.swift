import ContribuezCore

/// The hot repeated parts of pages, written with `HTMLWriter` instead of swift-mustache (issue 10, point 2):
/// contribution rows, amendment items and tally bars. The markup is the one the `contribution_row`,
/// `useful_form` and `tally` templates used to print; pages pass the result to their template as raw HTML
/// (`{{{…HTML}}}`), every user string having been escaped here.
extension Screen {
    /// The current answers' statuses of the visible items, for their badges (one query).
    func answerStatuses(_ items: [ContributionRow]) async throws -> [ID: AnswerStatus] {
        let visible = items.filter { !$0.contribution.isHidden }.map(\.contribution.id)
        guard !visible.isEmpty else { return [:] }
        return try await deps.store.currentAnswers(contributionIDs: visible).mapValues(\.status)
    }

    /// `<li>` rows of a contribution list, with answer badges and, when allowed, the « utile » buttons.
    func rowsHTML(
        _ items: [ContributionRow], answers: [ID: AnswerStatus] = [:], myVotes: [Target: VoteValue] = [:],
        canVote: Bool = false, back: String = "", origins: [ID: (text: String, url: String)] = [:]
    ) -> String {
        var w = HTMLWriter(capacity: items.count * 700)
        let t = self.t
        for r in items {
            writeRow(&w, r, t: t, answer: answers[r.contribution.id], myVotes: myVotes, canVote: canVote, back: back, origin: origins[r.contribution.id])
        }
        return w.string
    }

    private func writeRow(
        _ w: inout HTMLWriter, _ r: ContributionRow, t: [String: String], answer: AnswerStatus?,
        myVotes: [Target: VoteValue], canVote: Bool, back: String, origin: (text: String, url: String)? = nil
    ) {
        let c = r.contribution
        let url = SiteRoute.contribution(c.id).path
        w.raw("\n<li class=\"contribution kind-"); w.text(c.kind.rawValue)
        if c.isHidden || c.erasedAt != nil {
            // A hidden or erased item keeps its place, without its text nor its author.
            w.raw(" hidden-item\">\n  <p class=\"placeholder\"><a href=\""); w.text(url); w.raw("\">"); w.text(hiddenPlaceholder(c))
            w.raw("</a></p>\n</li>\n")
            return
        }
        w.raw("\">\n  <p class=\"byline\"><a href=\""); w.text(url); w.raw("\">"); w.text(heading(c)); w.raw("</a>")
        if let stance = c.stance {
            w.raw(" · <span class=\"stance stance-"); w.text(stance.rawValue); w.raw("\">")
            w.text(text(stance == .for ? "arguments_for" : "arguments_against")); w.raw("</span>")
        }
        if let answer { writeBadge(&w, answer, t: t) }
        w.raw("</p>\n")
        if let origin { writeOrigin(&w, origin) }
        if !c.title.isEmpty { w.raw("  <p class=\"c-title\"><a href=\""); w.text(url); w.raw("\">"); w.text(c.title); w.raw("</a></p>\n") }
        if c.kind != .amendment, !c.body.isEmpty {
            w.raw("  <p class=\"excerpt\">"); w.text(Self.excerpt(c.body, 600)); w.raw("</p>\n")
        }
        if let source = c.url {
            w.raw("  <p><a href=\""); w.text(source); w.raw("\" rel=\"nofollow ugc noopener\">"); w.text(source); w.raw("</a></p>\n")
        }
        w.raw("  <p class=\"meta\">"); w.text(tallyText(c.kind, r.tally, c.importedTally))
        if r.replies > 0 { w.raw(" · "); w.text(repliesText(r.replies)) }
        w.raw("</p>\n")
        if canVote && c.kind.votingScale == .usefulness {
            let voted = myVotes[.contribution(c.id)] == .useful
            w.raw("  <form method=\"post\" action=\""); w.text(SiteRoute.voteContribution(c.id).path)
            w.raw("\" class=\"inline\">\n  <input type=\"hidden\" name=\"_csrf\" value=\""); w.text(context.csrfToken)
            w.raw("\">\n  <input type=\"hidden\" name=\"back\" value=\""); w.text(back); w.raw("\">\n  ")
            if voted {
                w.raw("<input type=\"hidden\" name=\"value\" value=\"withdraw\"><button type=\"submit\" class=\"small\" aria-pressed=\"true\">")
                w.text(t["vote_useful_withdraw"] ?? "")
            } else {
                w.raw("<input type=\"hidden\" name=\"value\" value=\"useful\"><button type=\"submit\" class=\"small\" aria-pressed=\"false\">")
                w.text(t["vote_useful"] ?? "")
            }
            w.raw("</button>\n</form>\n")
        }
        w.raw("</li>\n")
    }

    func writeBadge(_ w: inout HTMLWriter, _ status: AnswerStatus, t: [String: String]) {
        w.raw(" <span class=\"answer-badge answer-"); w.text(status.rawValue); w.raw("\"><span class=\"visually-hidden\">")
        w.text(t["followup_answer_heading"] ?? ""); w.text(t["colon"] ?? ""); w.raw(" </span>")
        w.text(text("answer_status_\(status.rawValue)")); w.raw("</span>")
    }

    /// « Issu du débat local de … » (issue 15), linked to the debate.
    func writeOrigin(_ w: inout HTMLWriter, _ origin: (text: String, url: String)) {
        w.raw("  <p class=\"debate-origin\"><a href=\""); w.text(origin.url); w.raw("\">"); w.text(origin.text); w.raw("</a></p>\n")
    }

    func repliesText(_ n: Int) -> String { n == 1 ? text("reply_one") : text("replies", ["n": "\(n)"]) }

    /// The amendments of an article page, each with its stored word diff.
    func amendmentsHTML(
        _ items: [ContributionRow], diffs: [RenderedKey: String], answers: [ID: AnswerStatus], origins: [ID: (text: String, url: String)] = [:]
    ) -> String {
        var w = HTMLWriter(capacity: items.count * 2_000)
        let t = self.t
        for r in items {
            let c = r.contribution
            let url = SiteRoute.contribution(c.id).path
            if c.isHidden || c.erasedAt != nil {
                w.raw("<p class=\"amendment hidden-item placeholder\"><a href=\""); w.text(url); w.raw("\">"); w.text(hiddenPlaceholder(c)); w.raw("</a></p>\n")
                continue
            }
            w.raw("<article class=\"amendment\">\n  <h3><a href=\""); w.text(url); w.raw("\">"); w.text(heading(c)); w.raw("</a>")
            if let a = answers[c.id] { writeBadge(&w, a, t: t) }
            w.raw("</h3>\n")
            if let origin = origins[c.id] { writeOrigin(&w, origin) }
            w.raw("  <p class=\"meta\">"); w.text(tallyText(.amendment, r.tally, c.importedTally))
            if r.replies > 0 { w.raw(" · "); w.text(repliesText(r.replies)) }
            w.raw("</p>\n  <p class=\"legend\">"); w.text(t["diff_legend"] ?? "")
            w.raw("</p>\n  <div class=\"diff\">"); w.trusted(diffs[RenderedKey(.contribution(c.id), .diff)] ?? "")
            w.raw("</div>\n  <p><a href=\""); w.text(url); w.raw("\">"); w.text(t["see"] ?? ""); w.raw(" — ")
            w.text(t["rationale"] ?? ""); w.raw(", "); w.text(t["arguments_heading"] ?? ""); w.raw("</a></p>\n</article>\n")
        }
        return w.string
    }

    /// The `tally` block: the live bar (unless only imported votes exist) and the imported one.
    func tallyHTML(live: Tally, imported: Tally?) -> String {
        var w = HTMLWriter(capacity: 2_000)
        let t = self.t
        w.raw("<div class=\"tally\">\n")
        if imported == nil || live.opinionTotal > 0 { writeBar(&w, live, label: text("tally_live"), imported: false, t: t) }
        if let imported { writeBar(&w, imported, label: text("tally_imported"), imported: true, t: t) }
        w.raw("</div>\n")
        return w.string
    }

    private func writeBar(_ w: inout HTMLWriter, _ tally: Tally, label: String, imported: Bool, t: [String: String]) {
        let total = tally.opinionTotal
        func pct(_ n: Int) -> Int { total == 0 ? 0 : Int((Double(n) * 100 / Double(total)).rounded()) }
        // Widths in hundredths of a percent, printed with two decimals (no String(format:): it is slow on Linux).
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
        w.text(text("tally_summary", ["agree": "\(tally.agree)", "mixed": "\(tally.mixed)", "disagree": "\(tally.disagree)"]))
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
