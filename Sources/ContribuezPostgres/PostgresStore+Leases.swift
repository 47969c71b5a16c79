import ContribuezCore
import Foundation
import PostgresNIO

/// Leases on scheduled jobs (issue 11) in the `job_leases` table.
extension PostgresStore {
    public func acquireLease(name: String, holder: String, at: Date, until: Date) async throws -> Bool {
        try await write { c in
            // NB: two nodes upserting at once take turns on the row (ON CONFLICT locks it and checks the
            // WHERE against its latest version): exactly one of them gets a free lease.
            try await c.run(
                """
                INSERT INTO job_leases (name, holder, expires_at) VALUES (\(name), \(holder), \(PG.ms(until)))
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE job_leases.holder = excluded.holder OR job_leases.expires_at <= \(PG.ms(at))
                RETURNING 1
                """) > 0
        }
    }

    public func releaseLease(name: String, holder: String) async throws {
        try await write { c in
            try await c.run("DELETE FROM job_leases WHERE name = \(name) AND holder = \(holder)")
        }
    }
}
