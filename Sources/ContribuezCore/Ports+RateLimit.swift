import Foundation

/// Rate-limit counters in the database (issue 13), so that several `serve` nodes share them. `Store`
/// inherits it. The reference model of the counting is `RateLimit.hit`.
public protocol RateLimitStore: Sendable {
    /// Counts one hit for each of `hits` at `now`, all or none, in one transaction: when every rule admits
    /// its hit, each counter takes one and the answer is `.allowed`; when one refuses, nothing is counted
    /// and the answer is the refusal with the longest wait. Concurrent callers on any node count exactly
    /// (each hit is one `INSERT … ON CONFLICT DO UPDATE` on the (rule, key) row, which locks it).
    func hitRateLimits(_ hits: [RateLimit.Hit], at now: Date) async throws -> RateLimit.Decision
    /// Forgets the counter of `key` for `rule` (a successful sign-in clears the e-mail's failures).
    func resetRateLimit(_ rule: RateLimit.Rule, key: String) async throws
    /// The stored counter of `key` for `rule`, as it was last written (tests and diagnostics).
    func rateLimitCounter(_ rule: RateLimit.Rule, key: String) async throws -> RateLimit.Counter?
    /// Deletes at most `max` counters that no longer count at `now` (their window and the next one are
    /// over); returns how many it deleted.
    func purgeRateLimits(at now: Date, max: Int) async throws -> Int
}
