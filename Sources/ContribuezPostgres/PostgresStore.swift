import ContribuezCore
import ContribuezStore
import Foundation
import Logging
import PostgresNIO

/// The store on PostgreSQL (issue 11): the same ports, the same migrations and the same guarantees as
/// `SQLiteStore`, for several `contribuez serve` nodes on one database.
///
/// Durability (invariant 2): PostgreSQL's default `synchronous_commit=on`, which this store lowers only in
/// the transactions of rate-limit counters (`SET LOCAL`, issue 13): a COMMIT that returned is in the WAL on disk. One live vote per (participant, target) (invariant 1):
/// the primary key of `votes`, written with `INSERT … ON CONFLICT` and a row lock in one transaction
/// with the counters and the vote log.
public final class PostgresStore: Store, SynthesisActivityStore, @unchecked Sendable {
    let client: PostgresClient
    /// The keys personal data are sealed with (issue 13); never stored in the database. Every node on one
    /// database needs the same keys file.
    public let keyring: StoreKeys
    private let runner: Task<Void, Never>
    /// The schema the store lives in (`search_path`), nil for the server's default (`public`).
    public let schema: String?

    /// Whether `value` names a PostgreSQL database (`postgres://` or `postgresql://`) rather than a SQLite file.
    public static func isURL(_ value: String) -> Bool {
        let v = value.lowercased()
        return v.hasPrefix("postgres://") || v.hasPrefix("postgresql://")
    }

    public enum ConfigurationError: Error, CustomStringConvertible {
        case badURL(String)
        case badSchema(String)
        public var description: String {
            switch self {
            case .badURL(let why): return "bad PostgreSQL URL (postgres://user:password@host:port/database): \(why)"
            case .badSchema(let s): return "bad schema name \"\(s)\" (lowercase letters, digits and _ only)"
            }
        }
    }

    /// Connects (a pool of at most `maximumConnections`) and, unless `migrate` is false, applies pending
    /// migrations and seals what is still in clear. `schema`: the store's tables live in that schema (created if
    /// missing) — tests give each store a fresh one. The URL may carry `?sslmode=disable|prefer|require` (default
    /// prefer). `keys`: nil for those of `CONTRIBUEZ_KEYS`; without either, the store refuses to open.
    public init(url: String, schema: String? = nil, maximumConnections: Int = 20, migrate: Bool = true, keys: StoreKeys? = nil) async throws {
        guard let keys = try keys ?? Keyring.fromEnvironment().map(StoreKeys.init) else { throw KeyringError.noKeys }
        keyring = keys
        let configuration = try Self.configuration(url: url, schema: schema, maximumConnections: maximumConnections)
        let client = PostgresClient(configuration: configuration)
        self.client = client
        self.schema = schema
        runner = Task { await client.run() }
        do {
            if let schema {
                _ = try await client.withConnection { c in try await c.run(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \"\(schema)\"")) }
            }
            if migrate {
                try await self.migrate()
                try await sealPass()
            }
        } catch {
            runner.cancel()
            throw error
        }
    }

    deinit { runner.cancel() }

    /// Closes the pool. The store cannot be used afterwards.
    public func close() { runner.cancel() }

    static func configuration(url: String, schema: String?, maximumConnections: Int) throws -> PostgresClient.Configuration {
        guard isURL(url), let parts = URLComponents(string: url) else { throw ConfigurationError.badURL("not a postgres:// URL") }
        guard let host = parts.host, !host.isEmpty else { throw ConfigurationError.badURL("no host") }
        guard let user = parts.user, !user.isEmpty else { throw ConfigurationError.badURL("no user name") }
        let database = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        guard !database.isEmpty, !database.contains("/") else { throw ConfigurationError.badURL("no database name after the port") }
        let query = Dictionary((parts.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, b in b })
        let tls: PostgresClient.Configuration.TLS
        switch query["sslmode"] ?? "prefer" {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        case let other: throw ConfigurationError.badURL("sslmode \(other) is not one of disable, prefer, require")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: parts.port ?? 5432, username: user, password: parts.password, database: database, tls: tls)
        configuration.options.maximumConnections = max(1, maximumConnections)
        configuration.options.additionalStartupParameters = [("application_name", "contribuez")]
        if let schema {
            guard !schema.isEmpty, schema.count <= 63,
                  schema.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" })
            else { throw ConfigurationError.badSchema(schema) }
            configuration.options.additionalStartupParameters.append(("search_path", schema))
        }
        return configuration
    }

    // MARK: Transactions

    /// Runs `body` in one read-write transaction (READ COMMITTED, PostgreSQL's default): all of it, or
    /// nothing. A deadlock or serialization failure runs it again (at most 5 times).
    @discardableResult
    func write<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do { return try await transaction("BEGIN", body) } catch where attempt < 5 && PG.isRetryable(error) { continue }
        }
    }

    /// Runs `body` in a read-only REPEATABLE READ transaction: every statement sees the same committed
    /// state, as a SQLite read transaction in WAL mode does.
    func read<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    /// Runs `body`, which reads with one statement, on a pooled connection without an explicit
    /// transaction: a single statement already sees one committed state, and it saves two round trips.
    func single<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { c in try await body(c) }
    }

    private func transaction<T>(_ begin: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { c in
            try await c.run(PostgresQuery(unsafeSQL: begin))
            do {
                let value = try await body(c)
                try await c.run("COMMIT")
                return value
            } catch {
                // NB: the error that aborted the transaction is the one that matters; a failed ROLLBACK
                // (connection gone) leaves nothing behind either, since the server rolls back on close.
                _ = try? await c.run("ROLLBACK")
                throw error
            }
        }
    }

    // MARK: Migrations

    /// Applies the numbered migrations not yet applied (recorded in `schema_migrations`); returns their ids.
    /// NB: each migration runs in its own transaction under an advisory lock of the schema, so two nodes
    /// starting together apply each one once.
    @discardableResult
    public func migrate() async throws -> [String] {
        var applied: [String] = []
        for migration in Migrations.all {
            let done: Bool = try await write { c in
                try await c.run("SELECT pg_advisory_xact_lock(hashtext('contribuez-migrations:' || current_schema()))")
                try await c.run("CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)")
                if try await c.count("SELECT COUNT(*) FROM schema_migrations WHERE id = \(migration.id)") > 0 { return false }
                let overrides = Migrations.postgresOverrides[migration.id] ?? [:]
                for (i, statement) in migration.statements.enumerated() {
                    let sql = (overrides[i] ?? statement).replacingOccurrences(of: "AUTOINCREMENT_PK", with: "BIGSERIAL PRIMARY KEY")
                    try await c.run(PostgresQuery(unsafeSQL: sql))
                }
                for sql in Migrations.postgresAfter[migration.id] ?? [] { try await c.run(PostgresQuery(unsafeSQL: sql)) }
                try await PGChain.afterMigration(c, migration.id)
                try await c.run("INSERT INTO schema_migrations (id, applied_at) VALUES (\(migration.id), \(PG.ms(Date())))")
                return true
            }
            if done { applied.append(migration.id) }
        }
        return applied
    }

    public enum PingError: Error, CustomStringConvertible {
        case timedOut
        public var description: String { "no answer from PostgreSQL in time" }
    }

    /// `SELECT 1` on a pooled connection, given up after `timeout`: with the server down the pool keeps
    /// retrying to connect and a request would wait, so the wait is bounded here.
    public func ping() async throws { try await ping(timeout: .seconds(2)) }

    public func ping(timeout: Duration) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { [client] in
                _ = try await client.withConnection { c in try await c.scalar("SELECT 1", as: Int32.self) }
                return true
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return false
            }
            defer { group.cancelAll() }
            guard try await group.next() == true else { throw PingError.timedOut }
        }
    }

    /// The `synchronous_commit` level in force (for tests of invariant 2).
    public func synchronousCommit() async throws -> String {
        try await single { c in try await c.scalar("SHOW synchronous_commit", as: String.self) ?? "" }
    }

    /// Runs raw SQL: for tests that check the database's own guards. Not used by the product.
    public func unsafeExecuteForTests(_ sql: String) async throws {
        _ = try await write { c in try await c.run(PostgresQuery(unsafeSQL: sql)) }
    }

    /// The first column of every row of a raw query, as stored: for tests that check what is on disk. Not used by the product.
    public func unsafeTextsForTests(_ sql: String) async throws -> [String?] {
        try await read { c in try await c.rows(PostgresQuery(unsafeSQL: sql)).map { try $0[0] as String? } }
    }

    // MARK: Consultations and text

    public func createConsultation(_ new: NewConsultation) async throws -> Consultation {
        try await write { c in try await Self.insertConsultation(c, new) }
    }

    static func insertConsultation(_ c: PostgresConnection, _ new: NewConsultation) async throws -> Consultation {
        let isPublished = new.isPublished ? 1 : 0
        guard let id = try await c.scalar(
            """
            INSERT INTO consultations (slug, title, summary, institution, is_published, opens_at, closes_at, allowed_kinds, provenance,
                moderation, answer_threshold, answer_deadline_days, report_threshold, open_data_salt)
            VALUES (\(new.slug), \(new.title), \(new.summary), \(new.institution), \(isPublished), \(PG.ms(new.opensAt)),
                \(PG.ms(new.closesAt)), \(PG.kinds(new.allowedKinds)), \(new.provenance), \(new.settings.moderation.rawValue),
                \(new.settings.answerThreshold), \(new.settings.answerDeadlineDays), \(new.settings.reportThreshold),
                \(EventChain.hex(EventChain.newSalt())))
            RETURNING id
            """, as: ID.self) else { throw StoreError.constraint("consultation not inserted") }
        return Consultation(
            id: id, slug: new.slug, title: new.title, summary: new.summary, institution: new.institution,
            isPublished: new.isPublished, opensAt: PG.date(PG.ms(new.opensAt)), closesAt: PG.date(PG.ms(new.closesAt)),
            allowedKinds: new.allowedKinds, provenance: new.provenance, settings: new.settings)
    }

    public func consultations() async throws -> [Consultation] {
        try await single { c in try await c.rows("SELECT * FROM consultations ORDER BY opens_at DESC, id DESC").map(PG.consultation) }
    }

    public func consultation(id: ID) async throws -> Consultation? {
        try await single { c in try await c.one("SELECT * FROM consultations WHERE id = \(id)").map(PG.consultation) }
    }

    public func createSection(consultationID: ID, position: Int, title: String, subtitle: String) async throws -> Section {
        try await write { c in
            guard let id = try await c.scalar(
                "INSERT INTO sections (consultation_id, position, title, subtitle) VALUES (\(consultationID), \(position), \(title), \(subtitle)) RETURNING id",
                as: ID.self) else { throw StoreError.constraint("section not inserted") }
            return Section(id: id, consultationID: consultationID, position: position, title: title, subtitle: subtitle)
        }
    }

    public func createArticle(_ new: NewArticle) async throws -> Article {
        try await write { c in try await Self.insertArticle(c, new) }
    }

    static func insertArticle(_ c: PostgresConnection, _ new: NewArticle) async throws -> Article {
        guard let id = try await c.scalar(
            """
            INSERT INTO articles (consultation_id, section_id, position, number, title, body, explanation, current_law)
            VALUES (\(new.consultationID), \(new.sectionID), \(new.position), \(new.number), \(new.title), \(new.body),
                    \(new.explanation), \(new.currentLaw))
            RETURNING id
            """, as: ID.self) else { throw StoreError.constraint("article not inserted") }
        if let base = new.importedTally { try await setBase(c, .article(id), base) }
        return Article(
            id: id, consultationID: new.consultationID, sectionID: new.sectionID, position: new.position, number: new.number,
            title: new.title, body: new.body, explanation: new.explanation, currentLaw: new.currentLaw,
            importedTally: new.importedTally)
    }

    public func sections(consultationID: ID) async throws -> [Section] {
        try await single { c in
            try await c.rows("SELECT * FROM sections WHERE consultation_id = \(consultationID) ORDER BY position, id").map { r in
                try Section(id: r["id"], consultationID: r["consultation_id"], position: r["position"], title: r["title"],
                            subtitle: r["subtitle"], level: r["level"])
            }
        }
    }

    public func articles(consultationID: ID) async throws -> [Article] {
        try await single { c in
            try await c.rows("\(unescaped: PG.articleSelect) WHERE a.consultation_id = \(consultationID) ORDER BY a.position, a.id").map(PG.article)
        }
    }

    public func article(id: ID) async throws -> Article? {
        try await single { c in try await c.one("\(unescaped: PG.articleSelect) WHERE a.id = \(id)").map(PG.article) }
    }

    public func importConsultation(_ bundle: ImportBundle) async throws -> Consultation {
        try await write { c in try await PGImport.run(c, bundle) }
    }

    // MARK: Participants and sessions

    public func createParticipant(_ new: NewParticipant, passwordHash: String) async throws -> Participant {
        let keys = keyring.current
        do {
            return try await write { c in
                // NB: during a rotation the e-mail may still be indexed under an older key, which UNIQUE cannot see.
                if let email = new.email, try await PG.participantRow(c, email: email, keys) != nil { throw StoreError.duplicateEmail }
                let hash: String? = new.email == nil ? nil : passwordHash
                let sealed = keys.seal(optional: new.email, .participantEmail), index = new.email.map(keys.emailIndex)
                guard let id = try await c.scalar(
                    """
                    INSERT INTO participants (email, email_index, password_hash, display_name, kind, organization, role, created_at)
                    VALUES (\(sealed), \(index), \(hash), \(new.displayName), \(new.kind.rawValue), \(new.organization),
                        \(Role.participant.rawValue), \(PG.ms(new.createdAt)))
                    RETURNING id
                    """, as: ID.self) else { throw StoreError.constraint("participant not inserted") }
                if new.role != .participant {
                    try await c.run("INSERT INTO instance_roles (participant_id, role) VALUES (\(id), \(new.role.rawValue))")
                }
                return Participant(
                    id: id, email: new.email, displayName: new.displayName, kind: new.kind,
                    organization: new.organization, role: new.role, createdAt: PG.date(PG.ms(new.createdAt)))
            }
        } catch where PG.isUniqueViolation(error, constraint: "participants_by_email_index") {
            throw StoreError.duplicateEmail
        }
    }

    public func participant(id: ID) async throws -> Participant? {
        try await single { c in try await c.one("\(unescaped: PG.participantSelect) WHERE p.id = \(id)").map { try PG.participant($0, keyring) } }
    }

    public func credentials(email: String) async throws -> (participant: Participant, passwordHash: String)? {
        let keys = keyring.current
        return try await single { c in
            guard let row = try await PG.participantRow(c, email: email, keys), let hash: String = try row["password_hash"] else { return nil }
            return (try PG.participant(row, keyring), hash)
        }
    }

    // MARK: Contributions

    public func addContribution(_ new: NewContribution, held: Bool) async throws -> Contribution {
        try await write { c in try await Self.insertContribution(c, new, hidden: false, held: held) }
    }

    /// `held`: kept from the public until a moderator approves it (`a_priori` consultations).
    static func insertContribution(_ c: PostgresConnection, _ new: NewContribution, hidden: Bool, held: Bool = false) async throws -> Contribution {
        let isHidden = hidden || held
        let hiddenFlag = isHidden ? 1 : 0
        let status = held ? ContributionStatus.pending.rawValue : ContributionStatus.published.rawValue
        guard let id = try await c.scalar(
            """
            INSERT INTO contributions (consultation_id, kind, article_id, parent_id, author_id, author_name, title, body,
                rationale, stance, url, created_at, is_hidden, status)
            VALUES (\(new.consultationID), \(new.kind.rawValue), \(new.articleID), \(new.parentID), \(new.authorID), \(new.authorName),
                \(new.title), \(new.body), \(new.rationale), \(new.stance?.rawValue), \(new.url), \(PG.ms(new.createdAt)), \(hiddenFlag), \(status))
            RETURNING id
            """, as: ID.self) else { throw StoreError.constraint("contribution not inserted") }
        try await c.run("INSERT INTO contribution_events (contribution_id, event, at) VALUES (\(id), 'created', \(PG.ms(new.createdAt)))")
        // NB: the event log tells visibility: a held item is created hidden, and approval restores it.
        if held {
            try await c.run("INSERT INTO contribution_events (contribution_id, event, at) VALUES (\(id), 'hidden', \(PG.ms(new.createdAt)))")
        }
        if let base = new.importedTally { try await setBase(c, .contribution(id), base) }
        let stored = Contribution(
            id: id, consultationID: new.consultationID, kind: new.kind, articleID: new.articleID, parentID: new.parentID,
            authorID: new.authorID, authorName: new.authorName, title: new.title, body: new.body, rationale: new.rationale,
            stance: new.stance, url: new.url, createdAt: PG.date(PG.ms(new.createdAt)), importedTally: new.importedTally, isHidden: isHidden,
            status: held ? .pending : .published)
        // Issue 12: every contribution, held ones too, enters the consultation's event chain.
        try await PGChain.appendContribution(c, stored)
        return stored
    }

    public func contribution(id: ID) async throws -> Contribution? {
        try await single { c in try await c.one("\(unescaped: PG.contributionSelect) WHERE c.id = \(id)").map(PG.contribution) }
    }

    /// The WHERE clause of a contribution query, its values bound into `text`.
    static func filter(_ q: ContributionQuery, into text: inout SQLText) -> String {
        var parts = ["1 = 1"]
        if let v = q.consultationID { parts.append("c.consultation_id = \(text.bind(v))") }
        if let v = q.articleID {
            parts.append("c.article_id = \(text.bind(v))")
            if q.directOnly && q.parentID == nil { parts.append("c.parent_id IS NULL") }
        }
        if let v = q.parentID { parts.append("c.parent_id = \(text.bind(v))") }
        if let v = q.kind { parts.append("c.kind = \(text.bind(v.rawValue))") }
        if let v = q.stance { parts.append("c.stance = \(text.bind(v.rawValue))") }
        if let v = q.authorID { parts.append("c.author_id = \(text.bind(v))") }
        if q.placeholders && !q.includeHidden {
            parts.append("(c.is_hidden = 0 OR (c.status = 'published' AND c.hidden_at IS NOT NULL))")
        } else if !q.includeHidden { parts.append("c.is_hidden = 0") }
        return parts.joined(separator: " AND ")
    }

    public func contributions(_ query: ContributionQuery, page: PageRequest) async throws -> Page<ContributionRow> {
        try await read { c in
            var countText = SQLText()
            countText.sql = "SELECT COUNT(*) FROM contributions c WHERE " + Self.filter(query, into: &countText)
            let total = try await c.count(countText.query)
            let order = query.order == .supported ? "c.score DESC, c.id DESC" : "c.created_at DESC, c.id DESC"
            var text = SQLText()
            let whereSQL = Self.filter(query, into: &text)
            text.sql = "SELECT " + PG.contributionColumns
                + ", (SELECT COUNT(*) FROM contributions r WHERE r.parent_id = c.id AND r.is_hidden = 0) AS replies "
                + PG.contributionFrom + " WHERE " + whereSQL + " ORDER BY " + order
                + " LIMIT \(text.bind(page.perPage)) OFFSET \(text.bind(page.offset))"
            let items = try await c.rows(text.query).map { r in
                try ContributionRow(contribution: PG.contribution(r), tally: PG.liveTally(r), replies: r["replies"])
            }
            return Page(items: items, page: page.page, perPage: page.perPage, total: total)
        }
    }

    // MARK: Votes

    public func castVote(participantID: ID, target: Target, value: VoteValue, at: Date) async throws -> VoteChange {
        try await write { c in try await Self.cast(c, participantID, target, value, at) }
    }

    /// Inserts or changes the live vote inside the caller's transaction, with its event and counters.
    ///
    /// NB: `ON CONFLICT DO NOTHING` waits for a concurrent insert of the same key and then sees it; the
    /// `FOR UPDATE` read then holds the row until commit, so concurrent identical votes serialise on it
    /// and exactly one of them creates the vote. A row withdrawn in between is inserted again (the loop).
    static func cast(_ c: PostgresConnection, _ participantID: ID, _ target: Target, _ value: VoteValue, _ at: Date) async throws -> VoteChange {
        var previous: VoteValue?
        while true {
            let inserted = try await c.run(
                """
                INSERT INTO votes (participant_id, target_kind, target_id, value, cast_at)
                VALUES (\(participantID), \(target.kindName), \(target.id), \(value.rawValue), \(PG.ms(at)))
                ON CONFLICT (participant_id, target_kind, target_id) DO NOTHING RETURNING 1
                """)
            if inserted == 1 { previous = nil; break }
            if let current = try await c.scalar(
                """
                SELECT value FROM votes WHERE participant_id = \(participantID) AND target_kind = \(target.kindName)
                    AND target_id = \(target.id) FOR UPDATE
                """, as: String.self) {
                previous = VoteValue(rawValue: current)
                break
            }
        }
        if let previous {
            if previous == value { return .unchanged }
            try await c.run(
                """
                UPDATE votes SET value = \(value.rawValue), cast_at = \(PG.ms(at))
                WHERE participant_id = \(participantID) AND target_kind = \(target.kindName) AND target_id = \(target.id)
                """)
        }
        try await appendVoteEvent(c, participantID, target, value, at)
        var delta = Tally()
        delta.add(value)
        if let previous { delta.add(previous, -1) }
        try await bumpTally(c, target, delta)
        return previous.map { .changed(from: $0) } ?? .created
    }

    public func withdrawVote(participantID: ID, target: Target, at: Date) async throws -> Bool {
        try await write { c in
            guard let previous = try await c.scalar(
                """
                DELETE FROM votes WHERE participant_id = \(participantID) AND target_kind = \(target.kindName) AND target_id = \(target.id)
                RETURNING value
                """, as: String.self).flatMap(VoteValue.init(rawValue:))
            else { return false }
            try await Self.withdrawn(c, participantID, target, previous, at)
            return true
        }
    }

    /// After the live row is deleted: the withdrawal event and the counters.
    static func withdrawn(_ c: PostgresConnection, _ participantID: ID, _ target: Target, _ previous: VoteValue, _ at: Date) async throws {
        try await appendVoteEvent(c, participantID, target, nil, at)
        var delta = Tally()
        delta.add(previous, -1)
        try await bumpTally(c, target, delta)
    }

    /// Appends to the vote log and to the consultation's event chain (issue 12), in the caller's transaction.
    static func appendVoteEvent(_ c: PostgresConnection, _ participantID: ID, _ target: Target, _ value: VoteValue?, _ at: Date) async throws {
        try await c.run(
            """
            INSERT INTO vote_events (participant_id, target_kind, target_id, value, at)
            VALUES (\(participantID), \(target.kindName), \(target.id), \(value?.rawValue), \(PG.ms(at)))
            """)
        try await PGChain.appendVote(c, participantID, target, value, at)
    }

    static func setBase(_ c: PostgresConnection, _ target: Target, _ base: Tally) async throws {
        try await c.run(
            """
            INSERT INTO tallies (target_kind, target_id, base_agree, base_mixed, base_disagree, base_useful, score)
            VALUES (\(target.kindName), \(target.id), \(base.agree), \(base.mixed), \(base.disagree), \(base.useful), \(PG.score(live: .zero, base: base)))
            ON CONFLICT (target_kind, target_id) DO UPDATE SET base_agree = excluded.base_agree, base_mixed = excluded.base_mixed,
                base_disagree = excluded.base_disagree, base_useful = excluded.base_useful, score = excluded.score
            """)
        if case .contribution(let id) = target {
            try await c.run("UPDATE contributions SET score = \(PG.score(live: .zero, base: base)) WHERE id = \(id)")
        }
    }

    /// Adds `d` to the live counters (creating the row at zero first) and recomputes the score.
    /// NB: the upsert takes the row lock, held until commit: votes on one target serialise here.
    static func bumpTally(_ c: PostgresConnection, _ target: Target, _ d: Tally) async throws {
        try await c.run("INSERT INTO tallies (target_kind, target_id) VALUES (\(target.kindName), \(target.id)) ON CONFLICT (target_kind, target_id) DO NOTHING")
        guard let row = try await c.one(
            """
            UPDATE tallies SET agree = agree + \(d.agree), mixed = mixed + \(d.mixed), disagree = disagree + \(d.disagree), useful = useful + \(d.useful)
            WHERE target_kind = \(target.kindName) AND target_id = \(target.id)
            RETURNING agree, mixed, disagree, useful, base_agree, base_mixed, base_disagree, base_useful
            """) else { return }
        let live = try Tally(agree: row["agree"], mixed: row["mixed"], disagree: row["disagree"], useful: row["useful"])
        let a: Int? = try row["base_agree"], m: Int? = try row["base_mixed"], dd: Int? = try row["base_disagree"], u: Int? = try row["base_useful"]
        let base = (a == nil && m == nil && dd == nil && u == nil) ? nil : Tally(agree: a ?? 0, mixed: m ?? 0, disagree: dd ?? 0, useful: u ?? 0)
        let score = PG.score(live: live, base: base)
        try await c.run("UPDATE tallies SET score = \(score) WHERE target_kind = \(target.kindName) AND target_id = \(target.id)")
        // NB: the same score on the row, for the indexes that rank lists (0009-ranking).
        if case .contribution(let id) = target { try await c.run("UPDATE contributions SET score = \(score) WHERE id = \(id)") }
    }

    public func votes(participantID: ID, on targets: [Target]) async throws -> [Target: VoteValue] {
        guard !targets.isEmpty else { return [:] }
        return try await read { c in
            var result: [Target: VoteValue] = [:]
            for (kind, ids) in PG.group(targets) {
                for row in try await c.rows(
                    "SELECT target_id, value FROM votes WHERE participant_id = \(participantID) AND target_kind = \(kind) AND target_id = ANY(\(ids))") {
                    let id: ID = try row["target_id"]
                    if let v = VoteValue(rawValue: try row["value"]) { result[PG.target(kind, id)] = v }
                }
            }
            return result
        }
    }

    public func tallies(_ targets: [Target]) async throws -> [Target: Tally] {
        guard !targets.isEmpty else { return [:] }
        return try await read { c in
            var result: [Target: Tally] = [:]
            for (kind, ids) in PG.group(targets) {
                for row in try await c.rows("SELECT * FROM tallies WHERE target_kind = \(kind) AND target_id = ANY(\(ids))") {
                    result[PG.target(kind, try row["target_id"])] = try Tally(
                        agree: row["agree"], mixed: row["mixed"], disagree: row["disagree"], useful: row["useful"])
                }
            }
            for t in targets where result[t] == nil { result[t] = .zero }
            return result
        }
    }

    public func votes(participantID: ID, page: PageRequest) async throws -> Page<Vote> {
        try await read { c in
            let total = try await c.count("SELECT COUNT(*) FROM votes WHERE participant_id = \(participantID)")
            let rows = try await c.rows(
                """
                SELECT * FROM votes WHERE participant_id = \(participantID)
                ORDER BY cast_at DESC, target_kind COLLATE "C", target_id LIMIT \(page.perPage) OFFSET \(page.offset)
                """)
            let items = try rows.compactMap { row -> Vote? in
                guard let v = VoteValue(rawValue: try row["value"]) else { return nil }
                return try Vote(participantID: participantID, target: PG.target(row["target_kind"], row["target_id"]), value: v,
                                castAt: PG.date(row["cast_at"]))
            }
            return Page(items: items, page: page.page, perPage: page.perPage, total: total)
        }
    }

    public func voteEvents(after: Int64, limit: Int) async throws -> [VoteEvent] {
        try await single { c in
            try await c.rows("SELECT * FROM vote_events WHERE seq > \(after) ORDER BY seq LIMIT \(limit)").map { row in
                try VoteEvent(
                    sequence: row["seq"], participantID: row["participant_id"], target: PG.target(row["target_kind"], row["target_id"]),
                    value: (row["value"] as String?).flatMap(VoteValue.init(rawValue:)), at: PG.date(row["at"]))
            }
        }
    }
}
