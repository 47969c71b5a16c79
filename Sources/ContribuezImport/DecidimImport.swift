import ContribuezAnalysis
import ContribuezCore
import Foundation

/// Turns a Decidim proposals component's open-data export (`…-open-data-proposals.csv` and, if
/// given, `…-open-data-proposal_comments.csv`) into an import bundle: a closed consultation whose
/// proposals are proposals and whose comments are arguments.
///
/// Columns are those of Decidim's `Decidim::Exporters::CSV`, which flattens the serializer's hash
/// with `/` (`title/fr`, `endorsements/total_count`) and joins arrays with ", ". Proposals follow
/// `ProposalSerializer` (0.27: `supports`, `endorsements/total_count`, withdrawn as `state` =
/// `withdrawn`) or its later shape (0.28+: `votes`, `likes/total_count`, `withdrawn`,
/// `withdrawn_at`, `author/id`); comments follow `CommentSerializer` (0.27: `body/<locale>`;
/// 0.28+: `body` and `locale`), with `alignment`, `depth`, `commentable_id`, `commentable_type`.
/// The column separator is read from the header (Decidim's default is `;`, many installations set `,`).
///
/// Mapping (stated in the consultation's provenance too):
/// - a proposal's supports (`supports`, or `votes` since 0.28) become its imported « d'accord »
///   total: a support is an agreement, and Decidim has no « pas d'accord ». Endorsements (likes)
///   are not added: a participant can both support and endorse, so adding them would count people
///   twice. Individual supports are not in Decidim's open data: there are no live votes.
/// - a withdrawn proposal is imported hidden (out of public lists, like a moderated-out Polis
///   statement); Decidim's answer states (accepted, rejected, evaluating…) are not imported.
/// - a comment with `alignment` 1 becomes an argument for, −1 an argument against. Our arguments
///   take a side (the database checks it) and are leaves, so a comment with `alignment` 0 — most
///   comments, and every reply, since Decidim aligns only comments on the proposal itself — is not
///   imported: the summary counts them. An aligned reply (`depth` > 0) would become an argument on
///   the proposal its thread belongs to, its text starting with whom it answers.
/// - HTML in bodies is turned into plain text; the text is taken in the chosen locale
///   (`title/fr`), else the first other locale that has one, else a machine translation.
/// - authors become pseudonymous participants (« Participant·e Decidim 42 », from `author/id`):
///   names are not imported, so they never reach our pages nor our open data.
public enum DecidimImport {
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case missingFile(String)
        case csv(file: String, reason: String)
        case missingColumn(file: String, column: String)
        case badRow(file: String, row: Int, reason: String)
        case empty(String)

        public var description: String {
            switch self {
            case .missingFile(let f): return "missing file \(f)"
            case .csv(let f, let why): return "\(f): \(why)"
            case .missingColumn(let f, let c): return "\(f): missing column \"\(c)\" (a Decidim open-data export has it)"
            case .badRow(let f, let r, let why): return "\(f), data row \(r): \(why)"
            case .empty(let why): return why
            }
        }
    }

    public struct Options: Sendable {
        public var title: String
        /// Nil: made from the title (« decidim-… »).
        public var slug: String?
        /// The language whose texts are imported when present (`title/<locale>`).
        public var locale: String
        public var institution: String

        public init(title: String, slug: String? = nil, locale: String = "fr", institution: String = "Decidim") {
            self.title = title; self.slug = slug; self.locale = locale; self.institution = institution
        }
    }

    /// What was read, for the command line's summary and for tests.
    public struct Summary: Sendable, Equatable {
        public var proposals: Int
        public var withdrawn: Int
        public var supports: Int
        public var argumentsFor: Int
        public var argumentsAgainst: Int
        /// Aligned replies, imported as arguments on their thread's proposal.
        public var replies: Int
        /// Comments with `alignment` 0 (replies included): not imported.
        public var neutralLeftOut: Int
        /// Authors of what was imported.
        public var participants: Int

        public init(proposals: Int, withdrawn: Int, supports: Int, argumentsFor: Int, argumentsAgainst: Int, replies: Int, neutralLeftOut: Int, participants: Int) {
            self.proposals = proposals; self.withdrawn = withdrawn; self.supports = supports; self.argumentsFor = argumentsFor
            self.argumentsAgainst = argumentsAgainst; self.replies = replies; self.neutralLeftOut = neutralLeftOut; self.participants = participants
        }
    }

    public static let proposalType = "Decidim::Proposals::Proposal"
    public static let commentType = "Decidim::Comments::Comment"

    public static func bundle(proposals: URL, comments: URL?, options: Options) throws -> ImportBundle {
        try read(proposals: proposals, comments: comments, options: options).bundle
    }

    public static func read(proposals proposalsURL: URL, comments commentsURL: URL?, options: Options) throws -> (bundle: ImportBundle, summary: Summary) {
        let title = options.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty else { throw Failure.empty("the consultation needs a title (--title)") }
        let proposalFile = proposalsURL.lastPathComponent
        let proposals = try readProposals(try Sheet(url: proposalsURL), file: proposalFile, locale: options.locale)
        guard !proposals.isEmpty else { throw Failure.empty("\(proposalFile): no proposal") }
        let comments = try commentsURL.map { url in
            try readComments(try Sheet(url: url), file: url.lastPathComponent, locale: options.locale)
        } ?? []

        // Each comment's proposal: follow `commentable_id` up through the comments it answers.
        let proposalIDs = Set(proposals.map(\.id))
        var byID: [String: Comment] = [:]
        for c in comments { byID[c.id] = c }
        var rootOf: [String: String] = [:]
        func root(_ c: Comment) throws -> String {
            if let r = rootOf[c.id] { return r }
            var seen: Set<String> = [c.id]
            var current = c
            while current.commentableType == commentType {
                guard let parent = byID[current.commentableID] else {
                    throw Failure.badRow(file: c.file, row: c.row, reason: "answers comment \(current.commentableID), which the file does not list")
                }
                guard seen.insert(parent.id).inserted else {
                    throw Failure.badRow(file: c.file, row: c.row, reason: "its thread loops back on comment \(parent.id)")
                }
                current = parent
            }
            guard proposalIDs.contains(current.commentableID) else {
                throw Failure.badRow(file: c.file, row: c.row, reason: "comments on proposal \(current.commentableID), which \(proposalFile) does not list")
            }
            rootOf[c.id] = current.commentableID
            return current.commentableID
        }
        var summary = Summary(
            proposals: proposals.count, withdrawn: proposals.filter(\.isWithdrawn).count,
            supports: proposals.reduce(0) { $0 + ($1.supports ?? 0) }, argumentsFor: 0, argumentsAgainst: 0,
            replies: 0, neutralLeftOut: 0, participants: 0)
        // Comments in the order they were written, so an import replays the debate as it happened.
        let ordered = comments.enumerated().sorted { ($0.element.createdAt, $0.offset) < ($1.element.createdAt, $1.offset) }.map(\.element)
        var arguments: [(comment: Comment, proposal: String, body: String, stance: Stance)] = []
        for c in ordered {
            // NB: every comment's thread is checked, imported or not: a broken file is refused whole.
            let proposal = try root(c)
            guard let stance = c.stance else { summary.neutralLeftOut += 1; continue }
            var body = c.body
            if c.commentableType == commentType {
                let answered = byID[c.commentableID]!
                body = "En réponse à \(answered.authorID.map(pseudonym) ?? anonymous) : " + body
                summary.replies += 1
            }
            if stance == .for { summary.argumentsFor += 1 } else { summary.argumentsAgainst += 1 }
            arguments.append((c, proposal, body, stance))
        }

        // Authors of what is imported: one pseudonymous participant per Decidim author id.
        var firstSeen: [String: Date] = [:]
        for p in proposals { if let a = p.authorID { firstSeen[a] = min(firstSeen[a] ?? p.publishedAt, p.publishedAt) } }
        for a in arguments { if let id = a.comment.authorID { firstSeen[id] = min(firstSeen[id] ?? a.comment.createdAt, a.comment.createdAt) } }
        let participants = firstSeen.keys.sorted(by: numericOrder).map {
            ImportBundle.ParticipantItem(key: "d:" + $0, displayName: pseudonym($0), createdAt: firstSeen[$0]!)
        }
        summary.participants = participants.count

        var contributions: [ImportBundle.ContributionItem] = proposals.map { p in
            .init(key: "p:" + p.id, kind: .proposal, articleKey: nil, parentKey: nil, authorKey: p.authorID.map { "d:" + $0 },
                  authorName: p.authorID.map(pseudonym) ?? anonymous, title: p.title, body: p.body, createdAt: p.publishedAt,
                  importedTally: p.supports.map { Tally(agree: $0) }, isHidden: p.isWithdrawn)
        }
        for a in arguments {
            contributions.append(
                .init(key: "c:" + a.comment.id, kind: .argument, articleKey: nil, parentKey: "p:" + a.proposal,
                      authorKey: a.comment.authorID.map { "d:" + $0 }, authorName: a.comment.authorID.map(pseudonym) ?? anonymous,
                      title: "", body: a.body, stance: a.stance, createdAt: a.comment.createdAt, importedTally: nil))
        }

        let dates = proposals.map(\.publishedAt) + comments.map(\.createdAt)
        let opens = dates.min()!, closes = dates.max()!.addingTimeInterval(1)
        let provenance = "Données ouvertes Decidim (\(proposalFile)\(commentsURL.map { ", " + $0.lastPathComponent } ?? "")). "
            + "Appuis (supports) importés comme totaux « d'accord » ; soutiens (endorsements) non comptés ; "
            + "propositions retirées importées masquées ; commentaires pour (1) et contre (−1) devenus arguments, "
            + "commentaires neutres (0) et réponses non importés ; auteurs pseudonymisés."
        let consultation = NewConsultation(
            slug: options.slug ?? String(("decidim-" + Slug.make(title)).prefix(80)), title: title,
            summary: "Propositions et commentaires importés des données ouvertes d'une plateforme Decidim.",
            institution: options.institution, isPublished: true, opensAt: opens, closesAt: closes, provenance: provenance)
        let bundle = ImportBundle(consultation: consultation, sections: [], contributions: contributions, participants: participants)
        return (bundle, summary)
    }

    // MARK: Rows

    struct Proposal {
        var id: String
        var title: String
        var body: String
        var publishedAt: Date
        var supports: Int?
        var isWithdrawn: Bool
        var authorID: String?
    }

    struct Comment {
        var id: String
        var file: String
        var row: Int
        var body: String
        var createdAt: Date
        var authorID: String?
        var stance: Stance?
        var commentableID: String
        var commentableType: String
    }

    static func readProposals(_ t: Sheet, file: String, locale: String) throws -> [Proposal] {
        let cID = try t.require("id", file)
        let title = try t.translated("title", locale: locale, file: file)
        let body = try t.translated("body", locale: locale, file: file)
        let cPublished = try t.require("published_at", file)
        let cCreated = t.column("created_at")
        let cState = t.column("state"), cWithdrawn = t.column("withdrawn"), cWithdrawnAt = t.column("withdrawn_at")
        let cSupports = t.column("supports") ?? t.column("votes")
        let cAuthor = t.column("author/id")
        var seen = Set<String>()
        var out: [Proposal] = []
        for (n, row) in t.rows.enumerated() {
            let r = n + 1
            let id = t.value(row, cID)
            guard !id.isEmpty, seen.insert(id).inserted else { throw Failure.badRow(file: file, row: r, reason: "id \"\(id)\" is empty or repeated") }
            let titleText = HTMLText.plain(title.pick(row, t))
            guard !titleText.isEmpty else { throw Failure.badRow(file: file, row: r, reason: "proposal \(id) has no title in any language") }
            let published = t.value(row, cPublished), created = t.value(row, cCreated)
            guard let at = decidimDate(published.isEmpty ? created : published) else {
                throw Failure.badRow(file: file, row: r, reason: "published_at \"\(published)\" is not a date")
            }
            var supports: Int?
            let rawSupports = t.value(row, cSupports)
            if !rawSupports.isEmpty {
                guard let s = Int(rawSupports), s >= 0 else { throw Failure.badRow(file: file, row: r, reason: "supports \"\(rawSupports)\" is not a count") }
                supports = s
            }
            let withdrawn = t.value(row, cState) == "withdrawn" || t.value(row, cWithdrawn) == "true" || !t.value(row, cWithdrawnAt).isEmpty
            // NB: co-authored proposals list every author id, joined by ", ": the first is the author.
            let author = t.value(row, cAuthor).split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) }
            out.append(Proposal(
                id: id, title: titleText, body: HTMLText.plain(body.pick(row, t)), publishedAt: at, supports: supports,
                isWithdrawn: withdrawn, authorID: author.flatMap { $0.isEmpty ? nil : $0 }))
        }
        return out
    }

    static func readComments(_ t: Sheet, file: String, locale: String) throws -> [Comment] {
        let cID = try t.require("id", file)
        let body = try t.translated("body", locale: locale, file: file)
        let cCreated = try t.require("created_at", file), cAlignment = try t.require("alignment", file)
        let cCommentable = try t.require("commentable_id", file), cType = try t.require("commentable_type", file)
        let cDepth = t.column("depth"), cAuthor = t.column("author/id")
        var seen = Set<String>()
        var out: [Comment] = []
        for (n, row) in t.rows.enumerated() {
            let r = n + 1
            let id = t.value(row, cID)
            guard !id.isEmpty, seen.insert(id).inserted else { throw Failure.badRow(file: file, row: r, reason: "id \"\(id)\" is empty or repeated") }
            let created = t.value(row, cCreated)
            guard let at = decidimDate(created) else { throw Failure.badRow(file: file, row: r, reason: "created_at \"\(created)\" is not a date") }
            let stance: Stance?
            switch t.value(row, cAlignment) {
            case "1": stance = .for
            case "-1": stance = .against
            case "0", "": stance = nil
            case let other: throw Failure.badRow(file: file, row: r, reason: "alignment \"\(other)\" is not 1, -1 or 0")
            }
            let type = t.value(row, cType)
            guard type == proposalType || type == commentType else {
                throw Failure.badRow(file: file, row: r, reason: "commentable_type \"\(type)\" is neither \(proposalType) nor \(commentType)")
            }
            let depth = t.value(row, cDepth)
            if !depth.isEmpty {
                guard let d = Int(depth), d >= 0 else { throw Failure.badRow(file: file, row: r, reason: "depth \"\(depth)\" is not a number") }
                guard (d == 0) == (type == proposalType) else {
                    throw Failure.badRow(file: file, row: r, reason: "depth \(d) does not match commentable_type \(type)")
                }
            }
            let text = HTMLText.plain(body.pick(row, t))
            guard !text.isEmpty else { throw Failure.badRow(file: file, row: r, reason: "comment \(id) has no text") }
            let author = t.value(row, cAuthor)
            out.append(Comment(
                id: id, file: file, row: r, body: text, createdAt: at, authorID: author.isEmpty ? nil : author, stance: stance,
                commentableID: t.value(row, cCommentable), commentableType: type))
        }
        return out
    }

    // MARK: Helpers

    static let anonymous = "Participant·e Decidim"

    static func pseudonym(_ decidimID: String) -> String { "Participant·e Decidim \(decidimID)" }

    static func numericOrder(_ a: String, _ b: String) -> Bool {
        switch (Int(a), Int(b)) {
        case let (x?, y?): return x < y
        default: return a < b
        }
    }

    /// Ruby's `Time#to_s` as Decidim's CSV writes it ("2023-03-14 10:12:45 UTC", "… +0100"), or ISO 8601.
    static func decidimDate(_ s: String) -> Date? {
        var t = s.trimmingCharacters(in: .whitespaces)
        guard t.count >= 19 else { return nil }
        let head = String(t.prefix(19)), tail = t.dropFirst(19)
        t = head + tail.replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "UTC", with: "")
        return ImportDates.iso8601(t)
    }

    /// A parsed CSV file, its separator read from the header.
    struct Sheet {
        let header: [String]
        let rows: [[String]]
        private let index: [String: Int]

        init(url: URL) throws {
            let file = url.lastPathComponent
            guard FileManager.default.fileExists(atPath: url.path) else { throw Failure.missingFile(url.path) }
            let text: String
            do { text = String(decoding: try Data(contentsOf: url), as: UTF8.self) } catch {
                throw Failure.csv(file: file, reason: "cannot be read: \(error.localizedDescription)")
            }
            // Decidim writes `;` unless the installation set DECIDIM_DEFAULT_CSV_COL_SEP: the header says which.
            let firstLine = text.prefix { $0 != "\n" && $0 != "\r" }
            let separator: UInt8 = firstLine.filter { $0 == ";" }.count > firstLine.filter { $0 == "," }.count ? UInt8(ascii: ";") : UInt8(ascii: ",")
            var all: [[String]]
            do { all = try CSV.parse(text, separator: separator) } catch let e as CSV.ParseError {
                throw Failure.csv(file: file, reason: e.description)
            }
            guard !all.isEmpty else { throw Failure.csv(file: file, reason: CSV.ParseError.emptyFile.description) }
            header = all.removeFirst().map { $0.trimmingCharacters(in: .whitespaces) }
            rows = all
            var index: [String: Int] = [:]
            for (i, name) in header.enumerated() where index[name] == nil { index[name] = i }
            self.index = index
        }

        func column(_ name: String) -> Int? { index[name] }

        func require(_ name: String, _ file: String) throws -> Int {
            guard let i = index[name] else { throw Failure.missingColumn(file: file, column: name) }
            return i
        }

        func value(_ row: [String], _ column: Int?) -> String {
            guard let column, column < row.count else { return "" }
            return row[column]
        }

        /// The columns of a translated field, best first: `name/<locale>`, the other locales in
        /// header order, then machine translations (`name/machine_translations/<locale>`); or the
        /// single column `name` when the export is not split by locale.
        func translated(_ name: String, locale: String, file: String) throws -> Translated {
            var human: [Int] = [], machine: [Int] = []
            for (i, h) in header.enumerated() where h.hasPrefix(name + "/") {
                let rest = h.dropFirst(name.count + 1)
                if rest.hasPrefix("machine_translations/") {
                    if rest.hasSuffix("/" + locale) { machine.insert(i, at: 0) } else { machine.append(i) }
                } else if !rest.contains("/") {
                    if rest == locale { human.insert(i, at: 0) } else { human.append(i) }
                }
            }
            if let single = index[name] { human.insert(single, at: 0) }
            guard !(human + machine).isEmpty else { throw Failure.missingColumn(file: file, column: "\(name)/\(locale)") }
            return Translated(columns: human + machine)
        }

        struct Translated {
            let columns: [Int]
            func pick(_ row: [String], _ sheet: Sheet) -> String {
                for c in columns {
                    let v = sheet.value(row, c)
                    if !v.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return v }
                }
                return ""
            }
        }
    }
}

/// Plain text (read as Markdown by our pages) from the small HTML Decidim stores in bodies (its
/// rich-text editor): paragraphs and headings are separated by a blank line, list items become
/// `- ` lines, `<br>` a line break; other tags go, entities are decoded, blank lines collapse.
enum HTMLText {
    static let blocks: Set<String> = ["p", "div", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "tr", "pre"]

    static func plain(_ html: String) -> String {
        var out = ""
        var i = html.startIndex
        while i < html.endIndex {
            let ch = html[i]
            if ch == "<", let close = html[i...].firstIndex(of: ">"), isTag(html[html.index(after: i)..<close]) {
                let name = html[html.index(after: i)..<close].drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }.lowercased()
                let closing = html[html.index(after: i)...].hasPrefix("/")
                if blocks.contains(name) { out += "\n\n" } else if name == "br" { out += "\n" } else if name == "li" && !closing { out += "\n- " }
                i = html.index(after: close)
                continue
            }
            if ch == "&", let semi = html[i...].prefix(12).firstIndex(of: ";"), let decoded = entity(html[html.index(after: i)..<semi]) {
                out += decoded
                i = html.index(after: semi)
                continue
            }
            out.append(ch)
            i = html.index(after: i)
        }
        // Spaces around line breaks go; more than one blank line becomes one.
        let lines = out.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        var kept: [String] = []
        for line in lines where !(line.isEmpty && (kept.last?.isEmpty ?? true)) { kept.append(line) }
        while kept.last?.isEmpty == true { kept.removeLast() }
        return kept.joined(separator: "\n")
    }

    /// `<p>`, `</p>`, `<br/>`, `<a href=…>`: a letter (or `/` then a letter) right after `<`.
    static func isTag(_ inner: Substring) -> Bool {
        let s = inner.first == "/" ? inner.dropFirst() : inner
        return s.first.map { $0.isASCII && $0.isLetter } ?? false
    }

    static func entity(_ name: Substring) -> String? {
        switch name {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos", "#39": return "'"
        case "nbsp": return " "
        default:
            guard name.first == "#" else { return nil }
            let digits = name.dropFirst()
            let code = digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
            return code.flatMap(Unicode.Scalar.init).map { String(Character($0)) }
        }
    }
}
