import ContribuezAnalysis
import ContribuezCore
import ContribuezImport
import Foundation

/// The view data of one article page, computed once before any measurement: what the product has in hand
/// after its database reads and its render-once look-up (issue 10, point 1). Every renderer below starts
/// from this value; none touches a database, Markdown or a diff while being timed.
struct PageData {
    var consultationID: ID
    var consultationTitle: String
    var articleID: ID
    var number: String
    var title: String
    /// SafeMarkdown output, precomputed (the product stores it: `rendered_html`).
    var bodyHTML: String
    var explanationHTML: String?
    var articleBody: String
    var liveTally: Tally
    var importedTally: Tally?
    var amendments: [ContributionRow]
    var amendmentTotal: Int
    /// Word diffs (escaped `<del>`/`<ins>` HTML), precomputed, by contribution id.
    var diffs: [ID: String]
    var pro: [ContributionRow], con: [ContributionRow], src: [ContributionRow]
    var proTotal: Int, conTotal: Int, srcTotal: Int
    /// The visitor is anonymous and the consultation closed (the real RN page): no forms, a refusal notice.
    var refusal: String?
    var perPage = 10
}

/// The message catalogue, merged from the product's `Resources/catalogue/*.json`, French table.
struct Texts {
    let t: [String: String]

    init(catalogueDirectory: URL) throws {
        var merged: [String: String] = [:]
        let files = try FileManager.default.contentsOfDirectory(atPath: catalogueDirectory.path).filter { $0.hasSuffix(".json") }.sorted()
        for file in files {
            let part = try JSONDecoder().decode([String: [String: String]].self, from: Data(contentsOf: catalogueDirectory.appendingPathComponent(file)))
            for (k, v) in part { merged[k] = v["fr"] ?? "" }
        }
        t = merged
    }

    // The same helpers as the product's `Screen` (Views.swift), on a plain table.
    func text(_ key: String, _ params: [String: String] = [:]) -> String {
        let s = t[key] ?? key
        return params.isEmpty ? s : Self.fill(s, params)
    }

    static func fill(_ template: String, _ params: [String: String]) -> String {
        var out = ""
        out.reserveCapacity(template.utf8.count + 16)
        var rest = template[...]
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest[rest.index(after: open)...]
            if let close = after.firstIndex(of: "}"), let value = params[String(after[..<close])] {
                out += value
                rest = after[after.index(after: close)...]
            } else {
                out += "{"
                rest = after
            }
        }
        out += rest
        return out
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

    /// Hidden items of an import have no moderation note: the product prints `hidden_contribution`.
    func hiddenPlaceholder(_ c: Contribution) -> String { text("hidden_contribution") }

    func repliesText(_ n: Int) -> String { n == 1 ? text("reply_one") : text("replies", ["n": "\(n)"]) }

    static func excerpt(_ s: String, _ n: Int) -> String {
        s.count <= n ? s : String(s.prefix(n)) + "…"
    }

    /// The pager text, or nil when one page holds everything (`Screen.pager`).
    func pagerText(total: Int, perPage: Int) -> String? {
        let pages = max(1, (total + perPage - 1) / perPage)
        guard pages > 1 else { return nil }
        return text("page_of", ["page": "1", "count": "\(pages)"]) + " · " + text("count_items", ["n": "\(total)"])
    }

    func hint(_ range: ClosedRange<Int>) -> String {
        range.lowerBound <= 1 ? text("limit_hint", ["max": "\(range.upperBound)"])
            : text("limit_hint_range", ["min": "\(range.lowerBound)", "max": "\(range.upperBound)"])
    }

    /// Bar geometry shared by the three renderers (`Screen.bar` / `writeBar`).
    struct Bar {
        var label: String, total: Int, agree: Int, mixed: Int, disagree: Int
        var agreePct: Int, mixedPct: Int, disagreePct: Int
        var agreeW: String, mixedW: String, disagreeW: String, mixedX: String, disagreeX: String
        var summary: String
    }

    func bar(_ t: Tally, label: String) -> Bar {
        let total = t.opinionTotal
        func pct(_ n: Int) -> Int { total == 0 ? 0 : Int((Double(n) * 100 / Double(total)).rounded()) }
        func hundredths(_ n: Int) -> Int { total == 0 ? 0 : Int((Double(n) * 10_000 / Double(total)).rounded()) }
        func decimal(_ h: Int) -> String {
            let cents = h % 100
            return "\(h / 100)." + (cents < 10 ? "0\(cents)" : "\(cents)")
        }
        let aw = hundredths(t.agree), mw = hundredths(t.mixed), dw = hundredths(t.disagree)
        return Bar(
            label: label, total: total, agree: t.agree, mixed: t.mixed, disagree: t.disagree,
            agreePct: pct(t.agree), mixedPct: pct(t.mixed), disagreePct: pct(t.disagree),
            agreeW: decimal(aw), mixedW: decimal(mw), disagreeW: decimal(dw), mixedX: decimal(aw), disagreeX: decimal(aw + mw),
            summary: "\(label) : " + text("tally_summary", ["agree": "\(t.agree)", "mixed": "\(t.mixed)", "disagree": "\(t.disagree)"]))
    }

    /// The bars a tally block shows: live unless only imported votes exist, then imported.
    func bars(live: Tally, imported: Tally?) -> (live: Bar?, imported: Bar?) {
        ((imported == nil || live.opinionTotal > 0) ? bar(live, label: text("tally_live")) : nil,
         imported.map { bar($0, label: text("tally_imported")) })
    }
}

enum Paths {
    static func article(_ id: ID) -> String { "/articles/\(id)" }
    static func contribution(_ id: ID) -> String { "/contributions/\(id)" }
    static func consultation(_ id: ID) -> String { "/consultations/\(id)" }
    static func synthesis(_ id: ID) -> String { "/articles/\(id)/synthese" }
}

extension PageData {
    /// Loads République numérique through the product's importer (no store: ids are given in bundle order,
    /// as an import into an empty database gives them) and builds article `ordinal`'s first page.
    ///
    /// RN 2015 had no amendments (the platform only took votes, arguments and sources on articles), so the ten
    /// amendments are made from the article's own text: amendment k replaces the k-th sentence of the article by
    /// the text of a real argument on it (so the diff and the escaping work on real prose), authored by that
    /// argument's author. Replies are counted as the store does (visible children).
    static func republiqueNumerique(directory: URL, ordinal: Int, texts: Texts) throws -> PageData {
        let bundle = try RepubliqueNumeriqueImport.bundle(directory: directory)
        let articles = bundle.sections.flatMap(\.articles)
        let item = articles[ordinal - 1]
        let articleID = ID(ordinal)
        var idByKey: [String: ID] = [:]
        for (i, a) in articles.enumerated() { idByKey[a.key] = ID(i + 1) }
        var next = ID(articles.count + 1)
        var replies: [String: Int] = [:]
        for c in bundle.contributions where !c.isHidden { if let p = c.parentKey { replies[p, default: 0] += 1 } }
        var rows: [ContributionRow] = []
        for c in bundle.contributions {
            idByKey[c.key] = next
            defer { next += 1 }
            guard c.articleKey == item.key else { continue }
            let contribution = Contribution(
                id: next, consultationID: 1, kind: c.kind, articleID: articleID, parentID: nil, authorID: nil,
                authorName: c.authorName, title: c.title, body: c.body, stance: c.stance, url: c.url, createdAt: c.createdAt,
                importedTally: c.importedTally, isHidden: c.isHidden)
            rows.append(ContributionRow(contribution: contribution, tally: .zero, replies: replies[c.key] ?? 0))
        }
        // The store's default order: newest first, then highest id.
        rows.sort { ($0.contribution.createdAt, $0.contribution.id) > ($1.contribution.createdAt, $1.contribution.id) }
        let pro = rows.filter { $0.contribution.kind == .argument && $0.contribution.stance == .for }
        let con = rows.filter { $0.contribution.kind == .argument && $0.contribution.stance == .against }
        let src = rows.filter { $0.contribution.kind == .source }

        // Ten amendments from the article's sentences and visible arguments' texts (see above).
        let sentences = item.body.split(separator: ".", omittingEmptySubsequences: true).map(String.init)
        let donors = rows.filter { $0.contribution.kind == .argument && !$0.contribution.isHidden }
        var amendments: [ContributionRow] = []
        var diffs: [ID: String] = [:]
        for k in 0..<10 {
            let donor = donors[k % donors.count].contribution
            var s = sentences
            s[k % s.count] = " " + donor.body.replacingOccurrences(of: "\n", with: " ")
            let body = s.joined(separator: ".") + (item.body.hasSuffix(".") ? "." : "")
            let id = next + ID(k)
            let c = Contribution(
                id: id, consultationID: 1, kind: .amendment, articleID: articleID, parentID: nil, authorID: nil,
                authorName: donor.authorName, title: "", body: body, rationale: donor.body, createdAt: donor.createdAt,
                importedTally: Tally(agree: 40 + 7 * k, mixed: 3 * k, disagree: 11 + 5 * k))
            amendments.append(ContributionRow(contribution: c, tally: Tally(agree: k, mixed: 1, disagree: 2), replies: k % 3))
            diffs[id] = diffHTML(from: item.body, to: body)
        }
        return PageData(
            consultationID: 1, consultationTitle: bundle.consultation.title, articleID: articleID, number: item.number, title: item.title,
            bodyHTML: SafeMarkdown.html(item.body), explanationHTML: item.explanation.isEmpty ? nil : SafeMarkdown.html(item.explanation),
            articleBody: item.body, liveTally: .zero, importedTally: item.importedTally,
            amendments: amendments, amendmentTotal: amendments.count, diffs: diffs,
            pro: Array(pro.prefix(10)), con: Array(con.prefix(10)), src: Array(src.prefix(10)),
            proTotal: pro.count, conTotal: con.count, srcTotal: src.count,
            refusal: texts.text("refused_closed"))
    }

    /// `Screen.diffHTML` (Views.swift), same code.
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

    /// The hostile variant: every user string of the page replaced or suffixed by `evil`.
    func poisoned(_ evil: String) -> PageData {
        var d = self
        func poison(_ rows: [ContributionRow]) -> [ContributionRow] {
            rows.map { r in
                var r = r
                r.contribution.authorName = evil
                r.contribution.body = evil + r.contribution.body
                if !r.contribution.title.isEmpty { r.contribution.title = evil }
                if r.contribution.url != nil { r.contribution.url = "https://example.org/?q=" + evil }
                r.contribution.isHidden = false
                return r
            }
        }
        d.pro = poison(pro); d.con = poison(con); d.src = poison(src); d.amendments = poison(amendments)
        d.title = evil; d.consultationTitle = evil
        return d
    }
}
