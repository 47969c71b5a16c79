import ContribuezCore
import Foundation
import GRDB

/// Personal data sealed at rest (issue 13): the seal pass run at open, re-sealing under a new key, the keys
/// in use. PostgresStore+Sealing.swift is the twin.
extension SQLiteStore {
    /// Values re-sealed per transaction: short transactions, so a running server's writes wait little.
    static let sealBatch = 500

    /// Seals what is still in clear (rows written before 0017) and fills the missing e-mail blind indexes.
    /// Idempotent; nothing to do on a database already sealed. Returns how many values were sealed.
    @discardableResult
    public func sealPass() throws -> Int {
        let applied = try pool.read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM grdb_migrations WHERE identifier = ?)", arguments: [Migrations.sealedDataID]) }
        guard applied == true else { return 0 }
        try keyring.check(against: try pool.read { db in try Self.keyCounts(db) })
        var total = 0
        for column in SealedColumn.allCases {
            let pending = column == .participantEmail
                ? "(substr(email, 1, 3) <> 's1:' OR email_index IS NULL)"
                : "substr(\(column.column), 1, 3) <> 's1:'"
            while true {
                let n = try pool.write { db in try Self.resealBatch(db, column, pending: pending, keyring.current) }
                total += n
                if n == 0 { break }
            }
        }
        return total
    }

    public func resealAll(progress: @Sendable (String, Int) -> Void) async throws -> Int {
        var total = 0
        for column in SealedColumn.allCases {
            var done = 0
            while true {
                let keys = keyring.current
                let mark = Keyring.prefix + keys.currentID + ":"
                let pending = "substr(\(column.column), 1, \(mark.count)) <> '\(mark)'"
                let n = try await pool.write { db in try Self.resealBatch(db, column, pending: pending, keys) }
                if n == 0 { break }
                done += n
                progress(column.rawValue, done)
            }
            total += done
        }
        return total
    }

    /// Re-seals under the current key at most `sealBatch` values of `column` matching `pending`; returns how many.
    /// NB: each UPDATE also requires the value read: one a server changed meanwhile is left for the next batch.
    static func resealBatch(_ db: Database, _ column: SealedColumn, pending: String, _ keys: Keyring) throws -> Int {
        let keyList = column.keyColumns.map(\.name).joined(separator: ", ")
        let rows = try Row.fetchAll(
            db, sql: "SELECT \(keyList), \(column.column) AS v FROM \(column.table) WHERE \(column.column) IS NOT NULL AND \(pending) LIMIT \(sealBatch)")
        let match = column.keyColumns.map { "\($0.name) = ?" }.joined(separator: " AND ") + " AND \(column.column) = ?"
        let set = column == .participantEmail ? "email = ?, email_index = ?" : "\(column.column) = ?"
        for row in rows {
            let old: String = row["v"]
            let plain = try keys.unseal(old, column)
            var arguments: [any DatabaseValueConvertible] = [keys.seal(plain, column)]
            if column == .participantEmail { arguments.append(keys.emailIndex(plain)) }
            for key in column.keyColumns { arguments.append(row[key.name] as DatabaseValue) }
            arguments.append(old)
            try db.execute(sql: "UPDATE \(column.table) SET \(set) WHERE \(match)", arguments: StatementArguments(arguments))
        }
        return rows.count
    }

    /// Whether deleted content is overwritten (`PRAGMA secure_delete`), for tests.
    public func secureDeleteEnabled() throws -> Bool {
        try pool.read { db in try Int.fetchOne(db, sql: "PRAGMA secure_delete") == 1 }
    }

    public func keysInUse() async throws -> [String: Int] {
        try await pool.read { db in try Self.keyCounts(db) }
    }

    /// How many values each key seals, by key id ("" for clear values).
    static func keyCounts(_ db: Database) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for column in SealedColumn.allCases {
            let c = column.column
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT CASE WHEN substr(\(c), 1, 3) = 's1:' THEN substr(\(c), 4, instr(substr(\(c), 4), ':') - 1) ELSE '' END AS k, COUNT(*) AS n
                    FROM \(column.table) WHERE \(c) IS NOT NULL GROUP BY k
                    """) {
                counts[row["k"], default: 0] += row["n"] as Int
            }
        }
        return counts
    }
}
