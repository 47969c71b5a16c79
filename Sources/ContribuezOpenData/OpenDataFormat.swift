import ContribuezAnalysis
import Foundation

/// The open-data package's format, version 1: table names, columns, types and keys. The package
/// writer, `contribuez verify` and the public read API all take their names from here.
///
/// Conventions: UTF-8, comma, CRLF, a header row, RFC 4180 quoting; every `string` column is
/// neutralised for spreadsheets (`Neutralisation`), numeric columns never are. Instants are ISO 8601
/// UTC (`2026-03-01T12:00:00Z`, type `datetime`) except in `events.csv`, whose `at` is Unix
/// milliseconds (the chain hashes that integer). An empty cell is a missing value.
public enum OpenDataFormat {
    /// `contribuez_format_version` in `datapackage.json`.
    public static let version = "1"
    public static let descriptorPath = "datapackage.json"
    public static let readmePath = "README.md"
    public static let licenceName = "etalab-2.0"
    public static let licenceTitle = "Licence Ouverte / Open Licence version 2.0"
    public static let licencePath = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"

    /// Frictionless Table Schema field types used here.
    public enum FieldType: String, Sendable {
        case integer, number, string, datetime
    }

    public struct Field: Sendable, Equatable {
        public var name: String
        public var type: FieldType
        public var description: String

        public init(_ name: String, _ type: FieldType, _ description: String) {
            self.name = name; self.type = type; self.description = description
        }
    }

    public struct ForeignKey: Sendable, Equatable {
        public var fields: [String]
        /// Nil: the same table.
        public var resource: String?
        public var referenced: [String]
    }

    public struct Table: Sendable, Equatable {
        /// The resource name in `datapackage.json` (also the file name without `.csv`).
        public var name: String
        public var title: String
        public var fields: [Field]
        public var primaryKey: [String]
        public var foreignKeys: [ForeignKey]

        public var path: String { name + ".csv" }
        public var columns: [String] { fields.map(\.name) }

        /// The index of a column (crashes on a name that is not in the table: names are constants).
        public func column(_ name: String) -> Int {
            guard let i = fields.firstIndex(where: { $0.name == name }) else { preconditionFailure("\(self.name) has no column \(name)") }
            return i
        }

        /// Undoes spreadsheet neutralisation in the row's string columns.
        public func restore(_ row: [String]) -> [String] {
            var row = row
            for (i, f) in fields.enumerated() where f.type == .string && i < row.count { row[i] = Neutralisation.restore(row[i]) }
            return row
        }
    }

    static func fk(_ fields: [String], _ resource: String?, _ referenced: [String]) -> ForeignKey {
        ForeignKey(fields: fields, resource: resource, referenced: referenced)
    }

    public static let consultation = Table(
        name: "consultation", title: "Consultation",
        fields: [
            Field("id", .integer, "Consultation id"),
            Field("slug", .string, "Short name in addresses"),
            Field("title", .string, "Title"),
            Field("institution", .string, "Institution that consults"),
            Field("opens_at", .datetime, "Opening instant"),
            Field("closes_at", .datetime, "Closing instant"),
            Field("moderation", .string, "a_posteriori or a_priori"),
            Field("answer_threshold", .integer, "Votes a contribution needs by closing for an answer to be owed"),
            Field("answer_deadline_days", .integer, "Days after closing by which owed answers are due"),
            Field("exported_at", .datetime, "When this package was written"),
            Field("chain_length", .integer, "Entries in the event chain (last seq)"),
            Field("chain_head", .string, "Hash of the last chain entry (64 zeros when empty)"),
        ],
        primaryKey: ["id"], foreignKeys: [])

    public static let sections = Table(
        name: "sections", title: "Sections of the consulted text",
        fields: [
            Field("id", .integer, "Section id"),
            Field("position", .integer, "Order in the text"),
            Field("level", .integer, "1 title, 2 chapter, 3 section, 0 untitled group"),
            Field("title", .string, "Heading"),
            Field("subtitle", .string, "Subheading"),
        ],
        primaryKey: ["id"], foreignKeys: [])

    public static let articles = Table(
        name: "articles", title: "Articles of the consulted text",
        fields: [
            Field("id", .integer, "Article id"),
            Field("section_id", .integer, "Section"),
            Field("position", .integer, "Order in the text"),
            Field("number", .string, "Article number"),
            Field("title", .string, "Title"),
            Field("body", .string, "Text (Markdown)"),
            Field("explanation", .string, "Explanatory statement (Markdown)"),
            Field("current_law", .string, "Law in force that the article changes (plain text; empty when none was given)"),
        ],
        primaryKey: ["id"], foreignKeys: [fk(["section_id"], "sections", ["id"])])

    public static let textVersions = Table(
        name: "text_versions", title: "Published versions of the text",
        fields: [
            Field("id", .integer, "Version id"),
            Field("position", .integer, "1 for the first version after the consulted one, then 2…"),
            Field("label", .string, "Label"),
            Field("published_at", .datetime, "Publication instant"),
        ],
        primaryKey: ["id"], foreignKeys: [])

    public static let articleVersions = Table(
        name: "article_versions", title: "Articles of each published version",
        fields: [
            Field("id", .integer, "Article version id"),
            Field("version_id", .integer, "Text version"),
            Field("position", .integer, "Order in the version"),
            Field("number", .string, "Article number in the version"),
            Field("previous_number", .string, "Number in the consulted text when renumbered"),
            Field("origin_article_id", .integer, "Consulted article it comes from"),
            Field("title", .string, "Title"),
            Field("body", .string, "Text (Markdown)"),
            Field("explanation", .string, "Explanatory statement (Markdown)"),
        ],
        primaryKey: ["id"],
        foreignKeys: [fk(["version_id"], "text_versions", ["id"]), fk(["origin_article_id"], "articles", ["id"])])

    public static let participants = Table(
        name: "participants", title: "Participants (pseudonymous)",
        fields: [
            Field("pseudonym", .string, "First 16 hex digits of HMAC-SHA256(consultation salt, participant id); the salt is never published"),
            Field("kind", .string, "citizen, company, association or public_body"),
            Field("organisation", .string, "Name of the organisation (empty for citizens)"),
        ],
        primaryKey: ["pseudonym"], foreignKeys: [])

    public static let contributions = Table(
        name: "contributions", title: "Contributions of every kind and state",
        fields: [
            Field("id", .integer, "Contribution id"),
            Field("kind", .string, "amendment, proposal, argument or source"),
            Field("article_id", .integer, "Article it is about"),
            Field("parent_id", .integer, "Contribution it answers (arguments and sources)"),
            Field("author", .string, "Author's pseudonym (empty: imported or deleted account)"),
            Field("author_kind", .string, "Author's kind"),
            Field("author_organisation", .string, "Organisation the author speaks for"),
            Field("title", .string, "Title"),
            Field("body", .string, "Text"),
            Field("rationale", .string, "Rationale (amendments)"),
            Field("stance", .string, "for or against (arguments)"),
            Field("url", .string, "Link (sources)"),
            Field("created_at", .datetime, "Creation instant"),
            Field("state", .string, "published, hidden, pending, rejected or erased"),
            Field("hidden_reason", .string, "Why moderation hid it: spam, offensive, off_topic, personal_data, other"),
            Field("content_sha256", .string, "SHA-256 of the content fields as hashed in the chain (empty when erased)"),
        ],
        primaryKey: ["id"],
        foreignKeys: [fk(["article_id"], "articles", ["id"]), fk(["parent_id"], nil, ["id"]), fk(["author"], "participants", ["pseudonym"])])

    /// The event chain, exactly the entry fields of `EventChain.Entry` in order.
    public static let events = Table(
        name: "events", title: "Event chain (every vote, withdrawal and contribution)",
        fields: [
            Field("seq", .integer, "1, 2, 3… without gaps"),
            Field("at", .integer, "Unix milliseconds"),
            Field("event", .string, "vote, withdraw or contribution"),
            Field("participant", .string, "Pseudonym (empty for a contribution without author)"),
            Field("target_type", .string, "article or contribution"),
            Field("target_id", .integer, "Target id"),
            Field("value", .string, "agree, mixed, disagree, useful; the kind for a contribution; empty for a withdrawal"),
            Field("content_sha256", .string, "Content hash of a contribution"),
            Field("hash", .string, "SHA-256(previous hash bytes ‖ canonical line)"),
        ],
        primaryKey: ["seq"], foreignKeys: [])

    public static let votes = Table(
        name: "votes", title: "Live votes",
        fields: [
            Field("participant", .string, "Voter's pseudonym"),
            Field("target_type", .string, "article or contribution"),
            Field("target_id", .integer, "Target id"),
            Field("value", .string, "agree, mixed, disagree or useful"),
            Field("cast_at", .datetime, "When the vote was cast or last changed"),
        ],
        primaryKey: ["participant", "target_type", "target_id"], foreignKeys: [fk(["participant"], "participants", ["pseudonym"])])

    public static let tallies = Table(
        name: "tallies", title: "Tallies as published",
        fields: [
            Field("target_type", .string, "article or contribution"),
            Field("target_id", .integer, "Target id"),
            Field("agree", .integer, "Live agree votes"),
            Field("mixed", .integer, "Live mixed votes"),
            Field("disagree", .integer, "Live disagree votes"),
            Field("useful", .integer, "Live useful votes"),
            Field("imported_agree", .integer, "Imported total (not events)"),
            Field("imported_mixed", .integer, "Imported total (not events)"),
            Field("imported_disagree", .integer, "Imported total (not events)"),
            Field("imported_useful", .integer, "Imported total (not events)"),
            Field("score", .number, "Ranking score"),
        ],
        primaryKey: ["target_type", "target_id"], foreignKeys: [])

    public static let ranking = Table(
        name: "ranking", title: "Published order of public contributions (score desc, then id desc)",
        fields: [
            Field("article_id", .integer, "Article (contributions attached directly to it); empty: the consultation-wide list"),
            Field("kind", .string, "Contribution kind ranked"),
            Field("rank", .integer, "1 for the first"),
            Field("contribution_id", .integer, "Contribution"),
            Field("score", .number, "Score"),
        ],
        primaryKey: ["article_id", "kind", "rank"], foreignKeys: [fk(["contribution_id"], "contributions", ["id"])])

    public static let answers = Table(
        name: "answers", title: "Institution's answers (every version)",
        fields: [
            Field("contribution_id", .integer, "Contribution answered"),
            Field("version", .integer, "1 for the first answer, then 2…"),
            Field("status", .string, "retenue, partiellement_retenue, non_retenue, hors_champ, a_l_etude"),
            Field("text", .string, "Answer"),
            Field("answered_at", .datetime, "When"),
        ],
        primaryKey: ["contribution_id", "version"], foreignKeys: [fk(["contribution_id"], "contributions", ["id"])])

    public static let answerStatistics = Table(
        name: "answer_statistics", title: "Answer commitments as published",
        fields: [
            Field("threshold", .integer, "Votes that make an answer owed"),
            Field("due_at", .datetime, "Closing + answer deadline"),
            Field("owed", .integer, "Contributions owed an answer"),
            Field("answered_on_time", .integer, "Answered by the due date"),
            Field("answered_late", .integer, "Answered after it"),
            Field("overdue", .integer, "Not answered, past due"),
            Field("not_yet_due", .integer, "Not answered, not yet due"),
        ],
        primaryKey: [], foreignKeys: [])

    public static let uptakes = Table(
        name: "uptakes", title: "Where contributions landed in later versions",
        fields: [
            Field("contribution_id", .integer, "Contribution"),
            Field("version_id", .integer, "Text version it was taken up in"),
            Field("article_number", .string, "Article of that version"),
            Field("not_taken_up_reason", .string, "Why it was not taken up"),
            Field("at", .datetime, "When recorded"),
        ],
        primaryKey: ["contribution_id"],
        foreignKeys: [fk(["contribution_id"], "contributions", ["id"]), fk(["version_id"], "text_versions", ["id"])])

    public static let moderation = Table(
        name: "moderation", title: "Moderation decisions (what and why, never who)",
        fields: [
            Field("contribution_id", .integer, "Contribution"),
            Field("at", .datetime, "When"),
            Field("decision", .string, "hide, restore, approve, reject or hide_by_reports"),
            Field("reason", .string, "Reason from the charter"),
        ],
        primaryKey: [], foreignKeys: [fk(["contribution_id"], "contributions", ["id"])])

    public static let synthesisGroups = Table(
        name: "synthesis_groups", title: "Synthesis: opinion groups",
        fields: [Field("group", .integer, "Group number"), Field("size", .integer, "Voters in the group")],
        primaryKey: ["group"], foreignKeys: [])

    public static let synthesisRepresentative = Table(
        name: "synthesis_representative", title: "Synthesis: what sets each group apart",
        fields: [
            Field("group", .integer, "Group number"), Field("target", .string, "Target key"), Field("label", .string, "Target label"),
            Field("stance", .string, "agree or disagree"), Field("successes", .integer, "Votes with that stance in the group"),
            Field("trials", .integer, "Votes in the group"), Field("probability", .number, "Estimated probability"),
        ],
        primaryKey: [], foreignKeys: [])

    public static let synthesisConsensus = Table(
        name: "synthesis_consensus", title: "Synthesis: consensus across groups",
        fields: [Field("rank", .integer, "Rank"), Field("target", .string, "Target key"), Field("label", .string, "Label"), Field("score", .number, "Score")],
        primaryKey: ["rank"], foreignKeys: [])

    public static let synthesisDivisive = Table(
        name: "synthesis_divisive", title: "Synthesis: what divides groups",
        fields: [Field("rank", .integer, "Rank"), Field("target", .string, "Target key"), Field("label", .string, "Label"), Field("score", .number, "Score")],
        primaryKey: ["rank"], foreignKeys: [])

    public static let synthesisClusters = Table(
        name: "synthesis_clusters", title: "Synthesis: near-duplicate clusters and campaigns",
        fields: [
            Field("cluster", .integer, "Cluster number"), Field("size", .integer, "Members"), Field("distinct_authors", .integer, "Distinct authors"),
            Field("is_burst", .integer, "1 when posted in a burst"), Field("reasons", .string, "Why flagged as a campaign (;-separated)"),
            Field("contribution_id", .integer, "Member contribution"), Field("contribution_kind", .string, "Its kind"),
        ],
        primaryKey: ["cluster", "contribution_id"], foreignKeys: [fk(["contribution_id"], "contributions", ["id"])])

    /// The tables always present, in package order.
    public static let tables: [Table] = [
        consultation, sections, articles, textVersions, articleVersions, participants, contributions, events, votes, tallies,
        ranking, answers, answerStatistics, uptakes, moderation, debateReports, debateVotes, debateProfiles, debateContributions,
    ]

    /// Written when the consultation has a successful synthesis run.
    public static let synthesisTables: [Table] = [synthesisGroups, synthesisRepresentative, synthesisConsensus, synthesisDivisive, synthesisClusters]

    public static func table(named name: String) -> Table? { (tables + synthesisTables).first { $0.name == name } }

    // MARK: Cells

    /// ISO 8601 UTC to the second, the `datetime` format of the package.
    public static func datetime(_ date: Date) -> String {
        let t = Int64((date.timeIntervalSince1970).rounded(.down))
        let days = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
        let secs = t - days * 86_400
        let (y, m, d) = civil(days)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let year = String(y).count >= 4 ? String(y) : String(repeating: "0", count: 4 - String(y).count) + String(y)
        return "\(year)-\(two(m))-\(two(d))T\(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60))Z"
    }

    /// Parses `datetime` cells (nil when malformed).
    public static func parseDatetime(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s)
    }

    /// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm): fast and locale-free.
    static func civil(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}

extension CSVCell {
    /// A `datetime` cell.
    public static func datetime(_ date: Date?) -> CSVCell { date.map { .text(OpenDataFormat.datetime($0)) } ?? .empty }
}
