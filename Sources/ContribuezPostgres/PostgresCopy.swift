import ContribuezCore
import ContribuezStore
import Foundation
import GRDB
import PostgresNIO

/// `contribuez copy` (issue 11): moves a whole platform from its SQLite file to an empty PostgreSQL
/// database, every row of every table with its id, in one PostgreSQL transaction, then verifies by recount
/// before committing: the same number of rows in every table, and counters equal to the votes recounted.
///
/// NB: the source is read from one WAL snapshot, so a server still writing to it does not tear the copy;
/// its pending migrations are applied first (both sides then have the same tables and columns). Rows go
/// in primary-key order, table after table in foreign-key order: every row a row points at was written
/// before it in SQLite, so it is already there (a reply's parent has a smaller id).
public enum PostgresCopy {
    public struct Report: Sendable {
        /// Rows copied per table, in the order they were copied.
        public var tables: [(name: String, rows: Int)]
        /// Counters compared with the recount of the live votes.
        public var talliesChecked: Int
    }

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case targetNotEmpty(table: String, rows: Int)
        case schemaMismatch(String)
        case countMismatch(table: String, source: Int, target: Int)
        case tallyMismatch(targets: Int)

        public var description: String {
            switch self {
            case .targetNotEmpty(let t, let n):
                return "the PostgreSQL database is not empty (table \(t) has \(n) rows): copy only into a new, empty database"
            case .schemaMismatch(let why): return "the two databases do not have the same tables: \(why)"
            case .countMismatch(let t, let s, let d): return "recount of \(t) differs: \(s) rows in SQLite, \(d) in PostgreSQL"
            case .tallyMismatch(let n): return "\(n) counters differ from the recount of the votes; nothing was copied"
            }
        }
    }

    enum Cell: Sendable { case null, int(Int64), double(Double), text(String), bytes(Data) }

    /// Copies `sqlitePath` into `target` (migrated, empty). Nothing is written to PostgreSQL unless every check passes.
    ///
    /// NB: sealed values (issue 13) are copied as they are: the target must have every key that sealed them
    /// (checked first), and every node on the PostgreSQL database then needs that keys file.
    public static func run(from sqlitePath: String, to target: PostgresStore, progress: @Sendable (String) -> Void = { _ in }) async throws -> Report {
        guard FileManager.default.fileExists(atPath: sqlitePath) else { throw Failure.schemaMismatch("no SQLite file at \(sqlitePath)") }
        // Applies the source's pending migrations, and seals what is still in clear with the target's keys; refuses
        // (KeyringError.databaseNeedsKeys) a source with values sealed under a key the target lacks.
        _ = try SQLiteStore(path: sqlitePath, keys: target.keyring)
        var configuration = Configuration()
        configuration.readonly = true
        let pool = try DatabasePool(path: sqlitePath, configuration: configuration)
        let snapshot = try pool.makeSnapshot()
        let sourceTables = try await snapshot.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'")
        }
        return try await target.write { c in
            let order = try await tableOrder(c)
            let missing = Set(sourceTables).symmetricDifference(order)
            guard missing.isEmpty else { throw Failure.schemaMismatch("only on one side: \(missing.sorted().joined(separator: ", "))") }
            for table in order {
                let n = try await c.count(PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(quoted(table))"))
                if n > 0 { throw Failure.targetNotEmpty(table: table, rows: n) }
            }
            var report = Report(tables: [], talliesChecked: 0)
            for table in order {
                let copied = try await copyTable(table, from: snapshot, to: c)
                report.tables.append((table, copied))
                progress("\(table): \(copied) rows")
            }
            try await resetSequences(c)
            // The recount, before COMMIT: a difference rolls everything back.
            for (table, copied) in report.tables {
                let source = try await snapshot.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(quoted(table))") ?? 0 }
                let target = try await c.count(PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(quoted(table))"))
                guard source == target, copied == target else { throw Failure.countMismatch(table: table, source: source, target: target) }
            }
            let wrong = try await c.count(
                """
                SELECT COUNT(*) FROM tallies t
                FULL JOIN (SELECT target_kind, target_id,
                        COUNT(*) FILTER (WHERE value = 'agree') AS agree, COUNT(*) FILTER (WHERE value = 'mixed') AS mixed,
                        COUNT(*) FILTER (WHERE value = 'disagree') AS disagree, COUNT(*) FILTER (WHERE value = 'useful') AS useful
                    FROM votes GROUP BY target_kind, target_id) v ON v.target_kind = t.target_kind AND v.target_id = t.target_id
                WHERE COALESCE(t.agree, 0) <> COALESCE(v.agree, 0) OR COALESCE(t.mixed, 0) <> COALESCE(v.mixed, 0)
                   OR COALESCE(t.disagree, 0) <> COALESCE(v.disagree, 0) OR COALESCE(t.useful, 0) <> COALESCE(v.useful, 0)
                """)
            guard wrong == 0 else { throw Failure.tallyMismatch(targets: wrong) }
            report.talliesChecked = try await c.count("SELECT COUNT(*) FROM tallies")
            return report
        }
    }

    static func quoted(_ identifier: String) -> String { "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// The store's tables, each after the tables its foreign keys point at.
    static func tableOrder(_ c: PostgresConnection) async throws -> [String] {
        let tables = try await c.rows(
            """
            SELECT table_name::text FROM information_schema.tables
            WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'
            ORDER BY table_name
            """).map { try $0[0] as String }
        var needs: [String: Set<String>] = [:]
        for row in try await c.rows(
            """
            SELECT src.relname::text, dst.relname::text FROM pg_constraint k
            JOIN pg_class src ON src.oid = k.conrelid JOIN pg_class dst ON dst.oid = k.confrelid
            WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace
            """) {
            let from: String = try row[0], to: String = try row[1]
            if from != to { needs[from, default: []].insert(to) }
        }
        var order: [String] = []
        var placed: Set<String> = []
        while order.count < tables.count {
            guard let next = tables.first(where: { !placed.contains($0) && (needs[$0] ?? []).isSubset(of: placed) }) else {
                throw Failure.schemaMismatch("foreign keys form a cycle")
            }
            order.append(next)
            placed.insert(next)
        }
        return order
    }

    static func copyTable(_ table: String, from snapshot: DatabaseSnapshot, to c: PostgresConnection) async throws -> Int {
        let types = Dictionary(uniqueKeysWithValues: try await c.rows(
            "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = \(table)"
        ).map { (try $0[0] as String, try $0[1] as String) })
        let columns = try await snapshot.read { db in try db.columns(in: table).map(\.name) }
        guard Set(columns) == Set(types.keys) else {
            throw Failure.schemaMismatch("table \(table) has columns \(columns.sorted()) in SQLite and \(types.keys.sorted()) in PostgreSQL")
        }
        let perBatch = max(1, min(2_000, 60_000 / max(1, columns.count)))
        let columnList = columns.map(quoted).joined(separator: ", ")
        var copied = 0
        var lastRowID: Int64 = .min
        while true {
            // Keyset paging on rowid: each batch starts where the last one ended.
            let after = lastRowID
            let (rows, last): ([[Cell]], Int64) = try await snapshot.read { db in
                var last = after
                let rows = try Row.fetchAll(
                    db, sql: "SELECT rowid, \(columnList) FROM \(quoted(table)) WHERE rowid > ? ORDER BY rowid LIMIT ?", arguments: [after, perBatch]
                ).map { row in
                    last = row[0]
                    return (1...columns.count).map { i -> Cell in
                        switch (row[i] as DatabaseValue).storage {
                        case .null: return .null
                        case .int64(let v): return .int(v)
                        case .double(let v): return .double(v)
                        case .string(let v): return .text(v)
                        // NB: a blob copied into a BYTEA column stays bytes (debate report attachments, issue 15).
                        case .blob(let v): return types[columns[i - 1]] == "bytea" ? .bytes(v) : .text(String(decoding: v, as: UTF8.self))
                        }
                    }
                }
                return (rows, last)
            }
            lastRowID = last
            if rows.isEmpty { return copied }
            var text = SQLText("INSERT INTO \(quoted(table)) (\(columnList)) VALUES ")
            var tuples: [String] = []
            tuples.reserveCapacity(rows.count)
            for row in rows {
                var marks: [String] = []
                for (i, cell) in row.enumerated() { marks.append(bind(cell, as: types[columns[i]] ?? "text", into: &text)) }
                tuples.append("(" + marks.joined(separator: ", ") + ")")
            }
            text.sql += tuples.joined(separator: ", ")
            try await c.run(text.query)
            copied += rows.count
        }
    }

    /// Binds a SQLite value as the PostgreSQL column's type expects it.
    static func bind(_ cell: Cell, as type: String, into text: inout SQLText) -> String {
        switch (cell, type) {
        case (.null, _):
            return text.bind(Optional<String>.none) + "::" + (type == "double precision" ? "float8" : type == "text" ? "text" : type == "bytea" ? "bytea" : "bigint")
        case (.bytes(let v), _): return text.bind(ByteBuffer(bytes: v))
        case (.int(let v), "double precision"): return text.bind(Double(v))
        case (.int(let v), "text"): return text.bind(String(v))
        case (.int(let v), _): return text.bind(v)
        case (.double(let v), "double precision"): return text.bind(v)
        case (.double(let v), "text"): return text.bind(String(v))
        case (.double(let v), _): return text.bind(Int64(v))
        case (.text(let v), _): return text.bind(v)
        }
    }

    /// Every serial column's sequence continues after the largest id copied.
    static func resetSequences(_ c: PostgresConnection) async throws {
        for row in try await c.rows(
            """
            SELECT table_name::text, column_name::text FROM information_schema.columns
            WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'
            """) {
            let table: String = try row[0], column: String = try row[1]
            var text = SQLText()
            let t = text.bind(quoted(table)), col = text.bind(column)
            text.sql = "SELECT setval(pg_get_serial_sequence(\(t), \(col)), COALESCE((SELECT MAX(\(quoted(column))) FROM \(quoted(table))), 0) + 1, false)"
            try await c.run(text.query)
        }
    }
}
