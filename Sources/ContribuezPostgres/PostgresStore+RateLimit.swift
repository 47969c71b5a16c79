import ContribuezCore
import ContribuezStore
import Foundation
import PostgresNIO

/// Rate-limit counters (issue 13) in the `rate_limits` table: the SQLite store's statement, with `$n` binds.
extension PostgresStore {
    /// Carries a refusal out of the transaction, which it rolls back (all hits or none).
    private struct Refused: Error { let decision: RateLimit.Decision }

    public func hitRateLimits(_ hits: [RateLimit.Hit], at now: Date) async throws -> RateLimit.Decision {
        guard !hits.isEmpty else { return .allowed }
        let nowMS = PG.ms(now)
        do {
            try await write { c in
                // NB: counters need not survive a crash of PostgreSQL (losing a few hits is harmless), so
                // this transaction alone does not wait for the WAL flush; every other write still does.
                try await c.run("SET LOCAL synchronous_commit = off")
                var decision = RateLimit.Decision.allowed
                for hit in hits {
                    // NB: two nodes hitting the same row take turns on it (ON CONFLICT locks the row and the
                    // SET reads its latest committed version), so concurrent hits count exactly.
                    guard let row = try await c.one(Self.rateLimitQuery(hit, nowMS: nowMS)) else {
                        throw StoreError.constraint("rate_limits upsert returned no row")
                    }
                    if try row["admitted"] as Int == 1 { continue }
                    let counter = RateLimit.Counter(
                        windowStart: PG.date(try row["window_start"]), count: try row["count"], previous: try row["previous"])
                    let wait = RateLimit.retryAfter(hit.rule, counter, nowMS: nowMS)
                    if case .limited(_, let longest) = decision, longest >= wait { continue }
                    decision = .limited(hit.rule, retryAfter: wait)
                }
                if case .limited = decision { throw Refused(decision: decision) }
            }
            return .allowed
        } catch let refused as Refused {
            return refused.decision
        }
    }

    public func resetRateLimit(_ rule: RateLimit.Rule, key: String) async throws {
        try await write { c in
            try await c.run("DELETE FROM rate_limits WHERE rule = \(rule.name) AND key = \(key)")
        }
    }

    public func rateLimitCounter(_ rule: RateLimit.Rule, key: String) async throws -> RateLimit.Counter? {
        try await single { c in
            guard let row = try await c.one("SELECT window_start, count, previous FROM rate_limits WHERE rule = \(rule.name) AND key = \(key)")
            else { return nil }
            return RateLimit.Counter(windowStart: PG.date(try row["window_start"]), count: try row["count"], previous: try row["previous"])
        }
    }

    public func purgeRateLimits(at now: Date, max: Int) async throws -> Int {
        try await write { c in
            try await c.run("""
                DELETE FROM rate_limits WHERE (rule, key) IN (
                    SELECT rule, key FROM rate_limits WHERE expires_at <= \(PG.ms(now)) ORDER BY expires_at LIMIT \(max))
                RETURNING 1
                """)
        }
    }

    /// The SQLite statement with its named parameters bound as `$n` (the names are distinct, none a prefix
    /// of another once replaced longest first).
    static func rateLimitQuery(_ hit: RateLimit.Hit, nowMS: Int64) -> PostgresQuery {
        let w = Int64(hit.rule.window) * 1000
        let start = RateLimit.windowStartMS(nowMS, window: hit.rule.window)
        let values: [(String, Int64)] = [
            (":expires", start + 2 * w), (":start", start), (":left", start + w - nowMS), (":limit", Int64(hit.rule.limit)), (":w", w),
        ]
        var sql = SQLiteStore.rateLimitUpsert
        var binds = PostgresBindings()
        binds.append(hit.rule.name)
        sql = sql.replacingOccurrences(of: ":rule", with: "$1")
        binds.append(hit.key)
        sql = sql.replacingOccurrences(of: ":key", with: "$2")
        for (name, value) in values {
            binds.append(value)
            sql = sql.replacingOccurrences(of: name, with: "$\(binds.count)")
        }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}
