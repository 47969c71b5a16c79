import ContribuezCore
import Foundation
import GRDB

/// Rate-limit counters (issue 13) in the `rate_limits` table; the counting is `RateLimit.hit`'s, in SQL.
extension SQLiteStore {
    public func hitRateLimits(_ hits: [RateLimit.Hit], at now: Date) async throws -> RateLimit.Decision {
        guard !hits.isEmpty else { return .allowed }
        let nowMS = SQL.ms(now)
        return try await pool.writeWithoutTransaction { db in
            // NB: counters need not survive a power cut (losing a few hits is harmless), so their commit
            // does not wait for the disk: one fsync per vote for the counters would halve the vote rate.
            // The pragma is the writer connection's; it is set back before any other write runs on it.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            defer { try? db.execute(sql: "PRAGMA synchronous = FULL") }
            var decision = RateLimit.Decision.allowed
            try db.inTransaction {
                for hit in hits {
                    let row = try Row.fetchOne(db, sql: Self.rateLimitUpsert, arguments: Self.rateLimitArguments(hit, nowMS: nowMS))
                    guard let row else { throw StoreError.constraint("rate_limits upsert returned no row") }
                    if row["admitted"] as Int64 == 1 { continue }
                    let counter = RateLimit.Counter(windowStart: SQL.date(row["window_start"]), count: row["count"], previous: row["previous"])
                    let wait = RateLimit.retryAfter(hit.rule, counter, nowMS: nowMS)
                    if case .limited(_, let longest) = decision, longest >= wait { continue }
                    decision = .limited(hit.rule, retryAfter: wait)
                }
                // All or none: a refused hit leaves the other counters as they were.
                if case .limited = decision { return .rollback }
                return .commit
            }
            return decision
        }
    }

    public func resetRateLimit(_ rule: RateLimit.Rule, key: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM rate_limits WHERE rule = ? AND key = ?", arguments: [rule.name, key])
        }
    }

    public func rateLimitCounter(_ rule: RateLimit.Rule, key: String) async throws -> RateLimit.Counter? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT window_start, count, previous FROM rate_limits WHERE rule = ? AND key = ?", arguments: [rule.name, key])
                .map { RateLimit.Counter(windowStart: SQL.date($0["window_start"]), count: $0["count"], previous: $0["previous"]) }
        }
    }

    public func purgeRateLimits(at now: Date, max: Int) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: """
                    DELETE FROM rate_limits WHERE (rule, key) IN (
                        SELECT rule, key FROM rate_limits WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)
                    """,
                arguments: [SQL.ms(now), max])
            return db.changesCount
        }
    }

    /// One hit in one statement. `same`: the row is of the current window (or a later one, written by a
    /// node whose clock is ahead); `next`: of the window just before. Every SET expression reads the row
    /// as it was before the statement.
    public static let rateLimitUpsert = """
        INSERT INTO rate_limits (rule, key, window_start, count, previous, admitted, expires_at)
        VALUES (:rule, :key, :start, 1, 0, 1, :expires)
        ON CONFLICT (rule, key) DO UPDATE SET
            window_start = CASE WHEN \(RateLimitSQL.same) THEN rate_limits.window_start ELSE excluded.window_start END,
            previous = \(RateLimitSQL.previous),
            count = \(RateLimitSQL.count) + CASE WHEN \(RateLimitSQL.admits) THEN 1 ELSE 0 END,
            admitted = CASE WHEN \(RateLimitSQL.admits) THEN 1 ELSE 0 END,
            expires_at = CASE WHEN \(RateLimitSQL.same) THEN rate_limits.expires_at ELSE excluded.expires_at END
        RETURNING window_start, count, previous, admitted
        """

    static func rateLimitArguments(_ hit: RateLimit.Hit, nowMS: Int64) -> StatementArguments {
        let w = Int64(hit.rule.window) * 1000
        let start = RateLimit.windowStartMS(nowMS, window: hit.rule.window)
        return [
            "rule": hit.rule.name, "key": hit.key, "start": start, "expires": start + 2 * w,
            "w": w, "left": start + w - nowMS, "limit": Int64(hit.rule.limit),
        ]
    }
}

/// The pieces of the rate-limit upsert, with named parameters `:w` (window, ms), `:left` (ms left in the
/// current window) and `:limit`; the PostgreSQL store writes the same expressions with its own binds.
public enum RateLimitSQL {
    public static let same = "rate_limits.window_start >= excluded.window_start"
    public static let previous = """
        (CASE WHEN rate_limits.window_start >= excluded.window_start THEN rate_limits.previous \
        WHEN rate_limits.window_start = excluded.window_start - :w THEN rate_limits.count ELSE 0 END)
        """
    public static let count = "(CASE WHEN rate_limits.window_start >= excluded.window_start THEN rate_limits.count ELSE 0 END)"
    /// `previous × left + (count + 1) × w ≤ limit × w`, as `RateLimit.admits` (left is w when the row is of a later window).
    public static let admits = """
        (\(previous) * (CASE WHEN rate_limits.window_start > excluded.window_start THEN :w ELSE :left END) \
        + (\(count) + 1) * :w <= :limit * :w)
        """
}
