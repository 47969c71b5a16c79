import ContribuezCore
import ContribuezPostgres
import ContribuezStore
import Foundation
import Testing

/// Rate-limit counters in the database (issue 13): the same counting as the model, exact under
/// concurrency, shared by two store instances on one database (two nodes). On both backends.
@Suite("Rate limit counters")
struct RateLimitStoreTests {
    /// On a 900 s (and 60 s, 3600 s) window boundary.
    static let t0 = Date(timeIntervalSince1970: 1_760_000_400)
    static let signIn = RateLimit.Rule(.signIn, .account, limit: 10, window: 900)
    static let votes = RateLimit.Rule(.vote, .account, limit: 50, window: 60)

    /// Two stores on one database, as two `serve` nodes: the same SQLite file, or the same PostgreSQL schema.
    static func twoNodes(_ backend: Backend) async throws -> (any Store, any Store) {
        if backend.description == "PostgreSQL" {
            let url = try #require(Backend.postgresURL)
            let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let a = try await PostgresStore(url: url, schema: schema, maximumConnections: 8, keys: Backend.postgresKeys)
            let b = try await PostgresStore(url: url, schema: schema, maximumConnections: 8, keys: Backend.postgresKeys)
            return (a, b)
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("contribuez-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("nodes.sqlite").path
        return (try SQLiteStore(path: path), try SQLiteStore(path: path))
    }

    @Test("hits follow the model: the limit is admitted, the rest refused with a Retry-After, and after the window admitted again", arguments: Backend.all)
    func followsModel(_ backend: Backend) async throws {
        // setup
        let store = try await backend.make()
        let hit = RateLimit.Hit(Self.signIn, key: "k1")
        var model: RateLimit.Counter?
        // act: 20 hits over 40 s, then a few across the next windows
        var offsets = (0..<20).map { TimeInterval($0) * 2 }
        offsets += [899, 900, 950, 990, 1000, 1500, 1801, 2700, 2701]
        for o in offsets {
            let now = Self.t0 + o
            let decision = try await store.hitRateLimits([hit], at: now)
            let expected = RateLimit.hit(model, Self.signIn, nowMS: Int64(now.timeIntervalSince1970 * 1000))
            // check
            if expected.admitted {
                #expect(decision == .allowed, "at +\(o) s")
            } else {
                let wait = RateLimit.retryAfter(Self.signIn, expected.counter, nowMS: Int64(now.timeIntervalSince1970 * 1000))
                #expect(decision == .limited(Self.signIn, retryAfter: wait), "at +\(o) s")
            }
            model = expected.counter
        }
        let stored = try await store.rateLimitCounter(Self.signIn, key: "k1")
        #expect(stored == model)
    }

    @Test("several hits count all or none: a refusal by one rule leaves the other counters as they were", arguments: Backend.all)
    func allOrNone(_ backend: Backend) async throws {
        // setup
        let store = try await backend.make()
        let address = RateLimit.Rule(.vote, .address, limit: 3, window: 60)
        let account = RateLimit.Rule(.vote, .account, limit: 100, window: 60)
        for i in 0..<3 {
            #expect(try await store.hitRateLimits([.init(address, key: "a"), .init(account, key: "p\(i)")], at: Self.t0) == .allowed)
        }
        // act
        let refused = try await store.hitRateLimits([.init(account, key: "p9"), .init(address, key: "a")], at: Self.t0 + 1)
        // check
        guard case .limited(let rule, _) = refused else { Issue.record("expected a refusal, got \(refused)"); return }
        #expect(rule == address)
        #expect(try await store.rateLimitCounter(account, key: "p9") == nil, "the account's hit was rolled back")
        #expect(try await store.rateLimitCounter(address, key: "a")?.count == 3)
        #expect(try await store.hitRateLimits([], at: Self.t0) == .allowed)
    }

    @Test("50 concurrent hits on two nodes sharing one database count exactly", arguments: Backend.all)
    func concurrentTwoNodes(_ backend: Backend) async throws {
        // setup
        let (a, b) = try await Self.twoNodes(backend)
        let hit = RateLimit.Hit(Self.votes, key: "shared")
        // act: 80 hits at once, half through each node; the limit is 50
        let admitted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<80 {
                let node = i % 2 == 0 ? a : b
                group.addTask { try await node.hitRateLimits([hit], at: Self.t0 + 1) == .allowed }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        // check
        #expect(admitted == 50)
        #expect(try await a.rateLimitCounter(Self.votes, key: "shared")?.count == 50)
        #expect(try await b.rateLimitCounter(Self.votes, key: "shared")?.count == 50)
        // A counter written on one node refuses on the other.
        guard case .limited = try await b.hitRateLimits([hit], at: Self.t0 + 2) else { Issue.record("node B admitted past the limit"); return }
        #expect(try await a.hitRateLimits([hit], at: Self.t0 + 120) == .allowed, "two windows later")
    }

    @Test("a reset forgets one counter only", arguments: Backend.all)
    func reset(_ backend: Backend) async throws {
        let store = try await backend.make()
        for _ in 0..<10 { _ = try await store.hitRateLimits([.init(Self.signIn, key: "x"), .init(Self.votes, key: "x")], at: Self.t0) }
        #expect(try await store.hitRateLimits([.init(Self.signIn, key: "x")], at: Self.t0) != .allowed)
        // act
        try await store.resetRateLimit(Self.signIn, key: "x")
        // check
        #expect(try await store.hitRateLimits([.init(Self.signIn, key: "x")], at: Self.t0) == .allowed)
        #expect(try await store.rateLimitCounter(Self.votes, key: "x")?.count == 10)
    }

    @Test("expired counters are purged in bounded batches, live ones kept", arguments: Backend.all)
    func purge(_ backend: Backend) async throws {
        // setup: 25 counters of a 60 s rule at t0, 5 more at t0 + 100 s
        let store = try await backend.make()
        let rule = RateLimit.Rule(.export, .address, limit: 5, window: 60)
        for i in 0..<25 { _ = try await store.hitRateLimits([.init(rule, key: "old\(i)")], at: Self.t0) }
        for i in 0..<5 { _ = try await store.hitRateLimits([.init(rule, key: "new\(i)")], at: Self.t0 + 100) }
        // act / check: nothing expires before the end of the window after the counter's
        #expect(try await store.purgeRateLimits(at: Self.t0 + 119, max: 100) == 0)
        #expect(try await store.purgeRateLimits(at: Self.t0 + 120, max: 10) == 10)
        #expect(try await store.purgeRateLimits(at: Self.t0 + 120, max: 100) == 15)
        #expect(try await store.purgeRateLimits(at: Self.t0 + 120, max: 100) == 0)
        #expect(try await store.rateLimitCounter(rule, key: "new0")?.count == 1)
        #expect(try await store.rateLimitCounter(rule, key: "old0") == nil)
    }
}
