import ContribuezCore
import ContribuezStore
import Foundation
import Logging
import PostgresNIO

/// Row mapping and query helpers of the PostgreSQL adapter (the twin of `SQL` in ContribuezStore).
///
/// NB: values reach SQL only through binds: `PostgresQuery` interpolation, or `SQLText.bind` where the
/// statement is assembled from pieces (filters, IN lists). Only constant SQL text is ever concatenated.
enum PG {
    static let logger = Logger(label: "contribuez.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    static func ms(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(ms) / 1000) }

    static func kinds(_ set: Set<ParticipantKind>) -> String { set.map(\.rawValue).sorted().joined(separator: ",") }
    static func kinds(_ s: String) -> Set<ParticipantKind> {
        Set(s.split(separator: ",").compactMap { ParticipantKind(rawValue: String($0)) })
    }

    static func target(_ kind: String, _ id: ID) -> Target { kind == "article" ? .article(id) : .contribution(id) }

    static func group(_ targets: [Target]) -> [(String, [ID])] {
        let articles = targets.compactMap { if case .article(let id) = $0 { return id } else { return nil } }
        let contributions = targets.compactMap { if case .contribution(let id) = $0 { return id } else { return nil } }
        return [("article", articles), ("contribution", contributions)].filter { !$0.1.isEmpty }
    }

    /// The ranking score: Wilson lower bound on the opinion scale, "useful" count otherwise, over live + imported votes.
    static func score(live: Tally, base: Tally?) -> Double {
        let all = live + (base ?? .zero)
        return all.opinionTotal > 0 ? all.wilsonLowerBound : Double(all.useful)
    }

    // MARK: Errors

    /// The SQLSTATE of a server error, and the constraint it names.
    static func serverError(_ error: any Error) -> (state: String, constraint: String?)? {
        guard let e = error as? PSQLError, e.code == .server, let state = e.serverInfo?[.sqlState] else { return nil }
        return (state, e.serverInfo?[.constraintName])
    }

    static func isUniqueViolation(_ error: any Error, constraint: String) -> Bool {
        guard let (state, name) = serverError(error) else { return false }
        return state == "23505" && name == constraint
    }

    /// Deadlock or serialization failure: the transaction may simply be run again.
    static func isRetryable(_ error: any Error) -> Bool {
        guard let (state, _) = serverError(error) else { return false }
        return state == "40P01" || state == "40001"
    }

    // MARK: Shared selects (same columns and aliases as the SQLite adapter)

    static let participantSelect = "SELECT p.*, (SELECT role FROM instance_roles ir WHERE ir.participant_id = p.id) AS instance_role FROM participants p"

    static let tallyColumns = """
        t.agree AS t_agree, t.mixed AS t_mixed, t.disagree AS t_disagree, t.useful AS t_useful,
        t.base_agree AS t_base_agree, t.base_mixed AS t_base_mixed, t.base_disagree AS t_base_disagree, t.base_useful AS t_base_useful
        """
    static let articleSelect = "SELECT a.*, " + tallyColumns + " FROM articles a LEFT JOIN tallies t ON t.target_kind = 'article' AND t.target_id = a.id"
    static let contributionColumns = "c.*, " + tallyColumns
    static let contributionFrom = "FROM contributions c LEFT JOIN tallies t ON t.target_kind = 'contribution' AND t.target_id = c.id"
    static let contributionSelect = "SELECT " + contributionColumns + " " + contributionFrom

    // MARK: Row mapping

    static func consultation(_ row: PGRow) throws -> Consultation {
        try Consultation(
            id: row["id"], slug: row["slug"], title: row["title"], summary: row["summary"], institution: row["institution"],
            isPublished: (row["is_published"] as Int) == 1, opensAt: date(row["opens_at"]), closesAt: date(row["closes_at"]),
            allowedKinds: kinds(row["allowed_kinds"] as String), provenance: row["provenance"],
            settings: ConsultationSettings(
                moderation: ModerationMode(rawValue: row["moderation"]) ?? .aPosteriori, answerThreshold: row["answer_threshold"],
                answerDeadlineDays: row["answer_deadline_days"], reportThreshold: row["report_threshold"]),
            closedEarlyReason: row["closed_early_reason"])
    }

    /// A participant; the e-mail is opened with `keys` (display names are public: never sealed).
    static func participant(_ row: PGRow, _ keys: StoreKeys) throws -> Participant {
        try Participant(
            id: row["id"], email: keys.unseal(optional: row["email"] as String?, .participantEmail), displayName: row["display_name"],
            kind: ParticipantKind(rawValue: row["kind"]) ?? .citizen, organization: row["organization"],
            role: (row["instance_role"] as String?).flatMap(Role.init(rawValue:)) ?? .participant, createdAt: date(row["created_at"]))
    }

    /// The participant row with this e-mail, found by its blind index under every key of the ring.
    static func participantRow(_ c: PostgresConnection, email: String, _ keys: Keyring) async throws -> PGRow? {
        var text = SQLText()
        text.sql = participantSelect + " WHERE p.email_index = ANY(\(try text.bindArray(keys.emailIndexes(email)))::text[])"
        return try await c.one(text.query)
    }

    static func baseTally(_ row: PGRow) throws -> Tally? {
        let a: Int? = try row["t_base_agree"], m: Int? = try row["t_base_mixed"]
        let d: Int? = try row["t_base_disagree"], u: Int? = try row["t_base_useful"]
        if a == nil && m == nil && d == nil && u == nil { return nil }
        return Tally(agree: a ?? 0, mixed: m ?? 0, disagree: d ?? 0, useful: u ?? 0)
    }

    static func liveTally(_ row: PGRow) throws -> Tally {
        try Tally(agree: row["t_agree"] ?? 0, mixed: row["t_mixed"] ?? 0, disagree: row["t_disagree"] ?? 0, useful: row["t_useful"] ?? 0)
    }

    static func article(_ row: PGRow) throws -> Article {
        try Article(
            id: row["id"], consultationID: row["consultation_id"], sectionID: row["section_id"], position: row["position"],
            number: row["number"], title: row["title"], body: row["body"], explanation: row["explanation"],
            currentLaw: row["current_law"], importedTally: baseTally(row))
    }

    static func contribution(_ row: PGRow) throws -> Contribution {
        try Contribution(
            id: row["id"], consultationID: row["consultation_id"],
            kind: ContributionKind(rawValue: row["kind"]) ?? .proposal, articleID: row["article_id"], parentID: row["parent_id"],
            authorID: row["author_id"], authorName: row["author_name"], title: row["title"], body: row["body"],
            rationale: row["rationale"], stance: (row["stance"] as String?).flatMap(Stance.init(rawValue:)), url: row["url"],
            createdAt: date(row["created_at"]), importedTally: baseTally(row), isHidden: (row["is_hidden"] as Int) == 1,
            status: ContributionStatus(rawValue: row["status"]) ?? .published, hidden: hiddenNote(row),
            erasedAt: row.row.contains("erased_at") ? (try row["erased_at"] as Int64?).map(date) : nil)
    }

    static func hiddenNote(_ row: PGRow) throws -> HiddenNote? {
        guard (try row["is_hidden"] as Int) == 1, let at: Int64 = try row["hidden_at"],
              let reason = (try row["hidden_reason"] as String?).flatMap(ModerationReason.init(rawValue:)) else { return nil }
        return HiddenNote(at: date(at), reason: reason, byReports: (try row["hidden_by_reports"] as Int) == 1)
    }
}

/// A row read by column name; the type is inferred from the use (`let id: ID = try row["id"]`).
struct PGRow {
    let row: PostgresRandomAccessRow
    init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

    subscript<T: PostgresDecodable>(_ column: String) -> T {
        get throws { try row[column].decode(T.self) }
    }
    subscript<T: PostgresDecodable>(_ index: Int) -> T {
        get throws { try row[index].decode(T.self) }
    }
}

/// A statement assembled from constant pieces, with its values bound as `$n`.
struct SQLText {
    var sql: String
    var binds = PostgresBindings()

    init(_ sql: String = "") { self.sql = sql }

    /// Binds the value and returns its placeholder.
    mutating func bind<V: PostgresDynamicTypeEncodable>(_ value: V) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }
    mutating func bind<V: PostgresDynamicTypeEncodable>(_ value: V?) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }
    mutating func bindArray<V: PostgresArrayEncodable>(_ values: [V]) throws -> String {
        try binds.append(values)
        return "$\(binds.count)"
    }

    var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}

/// A statement was not sent: its connection was already closed (the server went away).
struct PGConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the PostgreSQL connection is closed" }
}

extension PostgresConnection {
    /// Runs the query, refusing at once on a closed connection.
    ///
    /// NB: PostgresNIO (1.33) drops a query written to a closed channel without failing it, so the caller
    /// would wait forever — seen when PostgreSQL crashes under load: a transaction whose server died
    /// between two statements (or its ROLLBACK) hung, and with it the server's graceful shutdown.
    func send(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        guard !isClosed else { throw PGConnectionClosed() }
        return try await self.query(query, logger: PG.logger)
    }

    /// All rows of the query.
    func rows(_ query: PostgresQuery) async throws -> [PGRow] {
        var out: [PGRow] = []
        for try await row in try await send(query) { out.append(PGRow(row)) }
        return out
    }

    func one(_ query: PostgresQuery) async throws -> PGRow? { try await rows(query).first }

    /// The first column of the first row, nil when there is no row (or the value is NULL).
    func scalar<T: PostgresDecodable>(_ query: PostgresQuery, as: T.Type = T.self) async throws -> T? {
        guard let row = try await one(query) else { return nil }
        return try row[0] as T?
    }

    func count(_ query: PostgresQuery) async throws -> Int { try await scalar(query, as: Int.self) ?? 0 }

    /// Runs the statement; returns the number of rows it returned (use `RETURNING 1` to count changed rows).
    @discardableResult
    func run(_ query: PostgresQuery) async throws -> Int {
        var n = 0
        for try await _ in try await send(query) { n += 1 }
        return n
    }
}
