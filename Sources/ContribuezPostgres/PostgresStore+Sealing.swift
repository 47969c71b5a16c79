import ContribuezCore
import ContribuezStore
import Foundation
import PostgresNIO

/// Personal data sealed at rest (issue 13): the seal pass run at open, re-sealing under a new key, the keys
/// in use; the same statements as SQLiteStore+Sealing.swift.
extension PostgresStore {
    /// Values re-sealed per transaction: short transactions, so the nodes' own writes wait little.
    static let sealBatch = 500

    /// Seals what is still in clear (rows written before 0017) and fills the missing e-mail blind indexes.
    /// Idempotent; two nodes starting together may both run it (each UPDATE requires the value it read).
    @discardableResult
    public func sealPass() async throws -> Int {
        try keyring.check(against: try await keysInUse())
        var total = 0
        for column in SealedColumn.allCases {
            let pending = column == .participantEmail
                ? "(substr(email, 1, 3) <> 's1:' OR email_index IS NULL)"
                : "substr(\(column.column), 1, 3) <> 's1:'"
            while true {
                let keys = keyring.current
                let n = try await write { c in try await Self.resealBatch(c, column, pending: pending, keys) }
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
                let n = try await write { c in try await Self.resealBatch(c, column, pending: pending, keys) }
                if n == 0 { break }
                done += n
                progress(column.rawValue, done)
            }
            total += done
        }
        return total
    }

    /// Re-seals under the current key at most `sealBatch` values of `column` matching `pending` (constant SQL:
    /// the key id is letters and digits only); returns how many. The rows are locked first: a second node running
    /// the same pass waits for this batch, then no longer sees its rows; and each UPDATE requires the value read.
    static func resealBatch(_ c: PostgresConnection, _ column: SealedColumn, pending: String, _ keys: Keyring) async throws -> Int {
        let keyList = column.keyColumns.map(\.name).joined(separator: ", ")
        let rows = try await c.rows(PostgresQuery(unsafeSQL: """
            SELECT \(keyList), \(column.column) AS v FROM \(column.table) WHERE \(column.column) IS NOT NULL AND \(pending)
            LIMIT \(sealBatch) FOR UPDATE
            """))
        for row in rows {
            let old: String = try row["v"]
            let plain = try keys.unseal(old, column)
            var text = SQLText()
            var set = "\(column.column) = \(text.bind(keys.seal(plain, column)))"
            if column == .participantEmail { set += ", email_index = \(text.bind(keys.emailIndex(plain)))" }
            var match: [String] = []
            for key in column.keyColumns {
                if key.isText { match.append("\(key.name) = \(text.bind(try row[key.name] as String))") } else {
                    match.append("\(key.name) = \(text.bind(try row[key.name] as Int64))")
                }
            }
            match.append("\(column.column) = \(text.bind(old))")
            text.sql = "UPDATE \(column.table) SET \(set) WHERE \(match.joined(separator: " AND "))"
            try await c.run(text.query)
        }
        return rows.count
    }

    public func keysInUse() async throws -> [String: Int] {
        try await read { c in
            var counts: [String: Int] = [:]
            for column in SealedColumn.allCases {
                let col = column.column
                for row in try await c.rows(PostgresQuery(unsafeSQL: """
                    SELECT CASE WHEN substr(\(col), 1, 3) = 's1:' THEN split_part(\(col), ':', 2) ELSE '' END AS k, COUNT(*) AS n
                    FROM \(column.table) WHERE \(col) IS NOT NULL GROUP BY 1
                    """)) {
                    counts[try row["k"] as String, default: 0] += try row["n"] as Int
                }
            }
            return counts
        }
    }
}
