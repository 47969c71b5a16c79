import ContribuezCore
import Foundation
import GRDB

/// Leases on scheduled jobs (issue 11) in the `job_leases` table.
extension SQLiteStore {
    public func acquireLease(name: String, holder: String, at: Date, until: Date) async throws -> Bool {
        try await pool.write { db in
            // The upsert changes the row only when it is free, expired or already the holder's.
            try db.execute(
                sql: """
                    INSERT INTO job_leases (name, holder, expires_at) VALUES (?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                    WHERE job_leases.holder = excluded.holder OR job_leases.expires_at <= ?
                    """,
                arguments: [name, holder, SQL.ms(until), SQL.ms(at)])
            return db.changesCount > 0
        }
    }

    public func releaseLease(name: String, holder: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM job_leases WHERE name = ? AND holder = ?", arguments: [name, holder])
        }
    }
}
