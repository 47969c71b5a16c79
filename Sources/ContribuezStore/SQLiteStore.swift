import ContribuezCore
import Foundation
import GRDB

/// The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, so an acknowledged
/// write survives a crash (invariant 2); only rate-limit counters commit without waiting for the disk (issue 13). GRDB gives one writer and concurrent readers.
public final class SQLiteStore: Store, SealingStore {
    let pool: DatabasePool
    let voteWriter: VoteWriter
    /// The keys personal data are sealed with (issue 13); never stored in the database.
    public let keyring: StoreKeys

    /// Opens (creating if needed) the database file and applies pending migrations (up to `migrateUpTo`
    /// included when given: tests of a migration prepare the state before it), then seals what is still in clear.
    /// `keys`: nil for `<path>.keys` beside the file (created, mode 0600, if missing).
    public init(path: String, migrateUpTo: String? = nil, keys: StoreKeys? = nil) throws {
        keyring = try keys ?? StoreKeys.beside(database: path)
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // NB: deleted rows (and the clear text a seal pass replaced) are overwritten, not left in free pages.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        pool = try DatabasePool(path: path, configuration: config)
        voteWriter = VoteWriter(pool: pool)
        try migrate(upTo: migrateUpTo)
        try sealPass()
    }

    public func ping() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// Applies the numbered migrations not yet applied; returns their ids.
    @discardableResult
    public func migrate(upTo last: String? = nil) throws -> [String] {
        var migrator = DatabaseMigrator()
        var applied: [String] = []
        for migration in Migrations.all {
            migrator.registerMigration(migration.id) { db in
                for sql in migration.statements {
                    try db.execute(sql: sql.replacingOccurrences(of: "AUTOINCREMENT_PK", with: "INTEGER PRIMARY KEY AUTOINCREMENT"))
                }
                for sql in Migrations.sqliteAfter[migration.id] ?? [] { try db.execute(sql: sql) }
                try SQLChain.afterMigration(db, migration.id)
            }
        }
        let before = try pool.read { db in try migrator.appliedIdentifiers(db) }
        if let last { try migrator.migrate(pool, upTo: last) } else { try migrator.migrate(pool) }
        let after = try pool.read { db in try migrator.appliedIdentifiers(db) }
        applied = Array(after.subtracting(before)).sorted()
        return applied
    }

    /// The journal mode and synchronous level in force (for tests of invariant 2).
    public func durabilitySettings() throws -> (journalMode: String, synchronous: Int) {
        try pool.read { db in
            (try String.fetchOne(db, cachedSQL: "PRAGMA journal_mode") ?? "", try Int.fetchOne(db, cachedSQL: "PRAGMA synchronous") ?? -1)
        }
    }

    // MARK: Consultations and text

    public func createConsultation(_ new: NewConsultation) async throws -> Consultation {
        try await pool.write { db in try Self.insertConsultation(db, new) }
    }

    static func insertConsultation(_ db: Database, _ new: NewConsultation) throws -> Consultation {
        try db.execute(
            sql: """
                INSERT INTO consultations (slug, title, summary, institution, is_published, opens_at, closes_at, allowed_kinds, provenance,
                    moderation, answer_threshold, answer_deadline_days, report_threshold, open_data_salt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [new.slug, new.title, new.summary, new.institution, new.isPublished ? 1 : 0,
                        SQL.ms(new.opensAt), SQL.ms(new.closesAt), SQL.kinds(new.allowedKinds), new.provenance,
                        new.settings.moderation.rawValue, new.settings.answerThreshold, new.settings.answerDeadlineDays,
                        new.settings.reportThreshold, SQLChain.newSaltHex()])
        return Consultation(
            id: db.lastInsertedRowID, slug: new.slug, title: new.title, summary: new.summary, institution: new.institution,
            isPublished: new.isPublished, opensAt: SQL.date(SQL.ms(new.opensAt)), closesAt: SQL.date(SQL.ms(new.closesAt)),
            allowedKinds: new.allowedKinds, provenance: new.provenance, settings: new.settings)
    }

    public func consultations() async throws -> [Consultation] {
        try await pool.read { db in
            try Row.fetchAll(db, cachedSQL: "SELECT * FROM consultations ORDER BY opens_at DESC, id DESC").map(SQL.consultation)
        }
    }

    public func consultation(id: ID) async throws -> Consultation? {
        try await pool.read { db in
            try Row.fetchOne(db, cachedSQL: "SELECT * FROM consultations WHERE id = ?", arguments: [id]).map(SQL.consultation)
        }
    }

    public func createSection(consultationID: ID, position: Int, title: String, subtitle: String) async throws -> Section {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO sections (consultation_id, position, title, subtitle) VALUES (?, ?, ?, ?)",
                arguments: [consultationID, position, title, subtitle])
            return Section(id: db.lastInsertedRowID, consultationID: consultationID, position: position, title: title, subtitle: subtitle)
        }
    }

    public func createArticle(_ new: NewArticle) async throws -> Article {
        try await pool.write { db in try Self.insertArticle(db, new) }
    }

    static func insertArticle(_ db: Database, _ new: NewArticle) throws -> Article {
        try db.execute(
            sql: """
                INSERT INTO articles (consultation_id, section_id, position, number, title, body, explanation, current_law)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [new.consultationID, new.sectionID, new.position, new.number, new.title, new.body, new.explanation, new.currentLaw])
        let id = db.lastInsertedRowID
        if let base = new.importedTally { try SQL.setBase(db, .article(id), base) }
        return Article(
            id: id, consultationID: new.consultationID, sectionID: new.sectionID, position: new.position, number: new.number,
            title: new.title, body: new.body, explanation: new.explanation, currentLaw: new.currentLaw,
            importedTally: new.importedTally)
    }

    public func sections(consultationID: ID) async throws -> [Section] {
        try await pool.read { db in
            try Row.fetchAll(db, cachedSQL: "SELECT * FROM sections WHERE consultation_id = ? ORDER BY position, id", arguments: [consultationID])
                .map { Section(id: $0["id"], consultationID: $0["consultation_id"], position: $0["position"], title: $0["title"], subtitle: $0["subtitle"], level: $0["level"]) }
        }
    }

    public func articles(consultationID: ID) async throws -> [Article] {
        try await pool.read { db in
            try Row.fetchAll(db, cachedSQL: SQL.articleSelect + " WHERE a.consultation_id = ? ORDER BY a.position, a.id", arguments: [consultationID])
                .map(SQL.article)
        }
    }

    public func article(id: ID) async throws -> Article? {
        try await pool.read { db in
            try Row.fetchOne(db, cachedSQL: SQL.articleSelect + " WHERE a.id = ?", arguments: [id]).map(SQL.article)
        }
    }

    public func importConsultation(_ bundle: ImportBundle) async throws -> Consultation {
        try await pool.write { db in try SQLImport.run(db, bundle, scoreOf: SQL.score) }
    }

    // MARK: Participants and sessions

    public func createParticipant(_ new: NewParticipant, passwordHash: String) async throws -> Participant {
        let keys = keyring.current
        do {
            return try await pool.write { db in
                // NB: during a rotation the e-mail may still be indexed under an older key, which UNIQUE cannot see.
                if let email = new.email, try SQL.participantRow(db, email: email, keys) != nil { throw StoreError.duplicateEmail }
                try db.execute(
                    sql: """
                        INSERT INTO participants (email, email_index, password_hash, display_name, kind, organization, role, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [keys.seal(optional: new.email, .participantEmail), new.email.map(keys.emailIndex), new.email == nil ? nil : passwordHash,
                                new.displayName, new.kind.rawValue, new.organization, Role.participant.rawValue, SQL.ms(new.createdAt)])
                if new.role != .participant {
                    try db.execute(sql: "INSERT INTO instance_roles (participant_id, role) VALUES (?, ?)", arguments: [db.lastInsertedRowID, new.role.rawValue])
                }
                return Participant(
                    id: db.lastInsertedRowID, email: new.email, displayName: new.displayName, kind: new.kind,
                    organization: new.organization, role: new.role, createdAt: SQL.date(SQL.ms(new.createdAt)))
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT && (error.message ?? "").contains("participants.email_index") {
            throw StoreError.duplicateEmail
        }
    }

    public func participant(id: ID) async throws -> Participant? {
        try await pool.read { db in
            try Row.fetchOne(db, cachedSQL: SQL.participantSelect + " WHERE p.id = ?", arguments: [id]).map { try SQL.participant($0, keyring) }
        }
    }

    public func credentials(email: String) async throws -> (participant: Participant, passwordHash: String)? {
        let keys = keyring.current
        return try await pool.read { db in
            guard let row = try SQL.participantRow(db, email: email, keys), let hash: String = row["password_hash"] else { return nil }
            return (try SQL.participant(row, keyring), hash)
        }
    }

    // MARK: Contributions

    public func addContribution(_ new: NewContribution, held: Bool) async throws -> Contribution {
        try await pool.write { db in try SQL.insertContribution(db, new, hidden: false, held: held) }
    }

    public func contribution(id: ID) async throws -> Contribution? {
        try await pool.read { db in
            try Row.fetchOne(db, cachedSQL: SQL.contributionSelect + " WHERE c.id = ?", arguments: [id]).map(SQL.contribution)
        }
    }

    public func contributions(_ query: ContributionQuery, page: PageRequest) async throws -> Page<ContributionRow> {
        try await pool.read { db in
            let (whereSQL, args) = SQL.filter(query)
            let total = try Int.fetchOne(db, cachedSQL: "SELECT COUNT(*) FROM contributions c WHERE " + whereSQL, arguments: args) ?? 0
            let order = query.order == .supported ? "c.score DESC, c.id DESC" : "c.created_at DESC, c.id DESC"
            var pageArgs = args
            _ = pageArgs.append(contentsOf: [page.perPage, page.offset])
            let rows = try Row.fetchAll(
                db,
                cachedSQL: "SELECT " + SQL.contributionColumns
                    + ", (SELECT COUNT(*) FROM contributions r WHERE r.parent_id = c.id AND r.is_hidden = 0) AS replies "
                    + SQL.contributionFrom + " WHERE " + whereSQL + " ORDER BY " + order + " LIMIT ? OFFSET ?",
                arguments: pageArgs)
            let items = rows.map { ContributionRow(contribution: SQL.contribution($0), tally: SQL.liveTally($0), replies: $0["replies"]) }
            return Page(items: items, page: page.page, perPage: page.perPage, total: total)
        }
    }

    // MARK: Votes

    public func castVote(participantID: ID, target: Target, value: VoteValue, at: Date) async throws -> VoteChange {
        // NB: through the group-commit writer: answered once the batch holding this vote is durable.
        guard case .cast(let change) = try await voteWriter.submit(.cast(participantID: participantID, target: target, value: value, at: at)) else {
            throw StoreError.constraint("vote writer answered a cast with a withdrawal")
        }
        return change
    }

    public func withdrawVote(participantID: ID, target: Target, at: Date) async throws -> Bool {
        guard case .withdrawn(let removed) = try await voteWriter.submit(.withdraw(participantID: participantID, target: target, at: at)) else {
            throw StoreError.constraint("vote writer answered a withdrawal with a cast")
        }
        return removed
    }

    /// Batches and votes written by the group-commit writer since the store opened.
    public var voteWriterStats: (batches: Int, votes: Int) { voteWriter.stats }

    public func votes(participantID: ID, on targets: [Target]) async throws -> [Target: VoteValue] {
        guard !targets.isEmpty else { return [:] }
        return try await pool.read { db in
            var result: [Target: VoteValue] = [:]
            for (kind, ids) in SQL.group(targets) {
                let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
                var args: [any DatabaseValueConvertible] = [participantID, kind]
                args.append(contentsOf: ids)
                for row in try Row.fetchAll(
                    db, cachedSQL: "SELECT target_id, value FROM votes WHERE participant_id = ? AND target_kind = ? AND target_id IN (\(marks))",
                    arguments: StatementArguments(args)) {
                    let id: ID = row["target_id"]
                    if let v = VoteValue(rawValue: row["value"]) { result[SQL.target(kind, id)] = v }
                }
            }
            return result
        }
    }

    public func tallies(_ targets: [Target]) async throws -> [Target: Tally] {
        guard !targets.isEmpty else { return [:] }
        return try await pool.read { db in
            var result: [Target: Tally] = [:]
            for (kind, ids) in SQL.group(targets) {
                let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
                var args: [any DatabaseValueConvertible] = [kind]
                args.append(contentsOf: ids)
                for row in try Row.fetchAll(
                    db, cachedSQL: "SELECT * FROM tallies WHERE target_kind = ? AND target_id IN (\(marks))", arguments: StatementArguments(args)) {
                    result[SQL.target(kind, row["target_id"])] = Tally(
                        agree: row["agree"], mixed: row["mixed"], disagree: row["disagree"], useful: row["useful"])
                }
            }
            for t in targets where result[t] == nil { result[t] = .zero }
            return result
        }
    }

    public func votes(participantID: ID, page: PageRequest) async throws -> Page<Vote> {
        try await pool.read { db in
            let total = try Int.fetchOne(db, cachedSQL: "SELECT COUNT(*) FROM votes WHERE participant_id = ?", arguments: [participantID]) ?? 0
            let rows = try Row.fetchAll(
                db, cachedSQL: "SELECT * FROM votes WHERE participant_id = ? ORDER BY cast_at DESC, target_kind, target_id LIMIT ? OFFSET ?",
                arguments: [participantID, page.perPage, page.offset])
            let items = rows.compactMap { row -> Vote? in
                guard let v = VoteValue(rawValue: row["value"]) else { return nil }
                return Vote(participantID: participantID, target: SQL.target(row["target_kind"], row["target_id"]), value: v, castAt: SQL.date(row["cast_at"]))
            }
            return Page(items: items, page: page.page, perPage: page.perPage, total: total)
        }
    }

    public func voteEvents(after: Int64, limit: Int) async throws -> [VoteEvent] {
        try await pool.read { db in
            try Row.fetchAll(db, cachedSQL: "SELECT * FROM vote_events WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [after, limit]).map { row in
                VoteEvent(
                    sequence: row["seq"], participantID: row["participant_id"], target: SQL.target(row["target_kind"], row["target_id"]),
                    value: (row["value"] as String?).flatMap(VoteValue.init(rawValue:)), at: SQL.date(row["at"]))
            }
        }
    }
}

extension SQLiteStore {
    /// Runs raw SQL: for tests that check the database's own guards. Not used by the product.
    public func unsafeExecuteForTests(_ sql: String) throws {
        try pool.write { db in try db.execute(sql: sql) }
    }

    /// The first column of every row of a raw query, as stored: for tests that check what is on disk. Not used by the product.
    public func unsafeTextsForTests(_ sql: String) throws -> [String?] {
        try pool.read { db in try String?.fetchAll(db, sql: sql) }
    }
}
