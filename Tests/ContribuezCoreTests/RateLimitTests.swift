import ContribuezCore
import Foundation
import Testing

/// The rate-limit policy and its counting model (issue 13), without a database.
@Suite("Rate limits: policy and counting")
struct RateLimitPolicyTests {
    static let rule = RateLimit.Rule(.signIn, .account, limit: 10, window: 900)
    /// A moment on a window boundary of 900 s (and of 60 s, 3600 s).
    static let t0: Int64 = 1_760_000_400_000

    /// Runs hits at the given offsets (ms) through the model; returns which were admitted.
    static func run(_ rule: RateLimit.Rule, _ offsets: [Int64], from start: RateLimit.Counter? = nil) -> (admitted: [Bool], counter: RateLimit.Counter?) {
        var counter = start
        var out: [Bool] = []
        for o in offsets {
            let r = RateLimit.hit(counter, rule, nowMS: t0 + o)
            counter = r.counter
            out.append(r.admitted)
        }
        return (out, counter)
    }

    @Test("the production table names every limited action, with sign-in at 10 failures per e-mail per 15 minutes")
    func productionTable() {
        let p = RateLimit.Policy.production
        #expect(p.rule(.signIn, .account) == RateLimit.Rule(.signIn, .account, limit: 10, window: 900))
        #expect(p.rule(.signIn, .address) == RateLimit.Rule(.signIn, .address, limit: 30, window: 60))
        for action in RateLimit.Action.allCases {
            #expect(p.rule(action, .address) != nil, "\(action) has a per-address rule")
        }
        for action in [RateLimit.Action.vote, .contribution, .report, .export] {
            #expect(p.rule(action, .account) != nil, "\(action) has a per-account rule")
        }
        #expect(Set(p.rules.map(\.name)).count == p.rules.count)
        #expect(RateLimit.Policy.off.rules.isEmpty)
    }

    @Test("the limit is admitted within a window; refused hits are not counted")
    func limitWithinWindow() {
        // act: 20 hits one second apart
        let (admitted, counter) = Self.run(Self.rule, (0..<20).map { Int64($0) * 1000 })
        // check
        #expect(admitted == Array(repeating: true, count: 10) + Array(repeating: false, count: 10))
        #expect(counter?.count == 10, "the 10 refused hits left the count as it was")
    }

    @Test("20 hits within a minute straddling two windows: still at most the limit admitted")
    func burstAcrossWindows() {
        // setup: 10 hits in the last 30 s of a 15-minute window, 10 in the first 30 s of the next
        let before: [Int64] = (0..<10).map { (i: Int) -> Int64 in 870_000 + Int64(i) * 3000 }
        let after: [Int64] = (0..<10).map { (i: Int) -> Int64 in 900_000 + Int64(i) * 3000 }
        let offsets = before + after
        // act
        let (admitted, _) = Self.run(Self.rule, offsets)
        // check: a fixed window would have let all 20 through
        #expect(admitted.filter { $0 }.count == 10)
    }

    @Test("after the window has slid, hits are admitted again, however often the refused client retried")
    func recovers() {
        // setup: 10 admitted, then a retry every minute for an hour (all refused at first)
        var (_, counter) = Self.run(Self.rule, (0..<10).map { Int64($0) * 1000 })
        var firstAdmitted: Int64?
        // act
        for minute in 1...60 {
            let now = Self.t0 + Int64(minute) * 60_000
            let r = RateLimit.hit(counter, Self.rule, nowMS: now)
            counter = r.counter
            if r.admitted && firstAdmitted == nil { firstAdmitted = Int64(minute) }
        }
        // check: admitted again within two windows (the previous window's weight decays), not locked forever
        // (10 × 810/900 + 1 ≤ 10 from 90 s into the next window: minute 17)
        #expect(firstAdmitted == 17)
    }

    static let scenarios: [(Int, Int, [Int64])] = {
        let straddling: [Int64] = (0..<6).map { (i: Int) -> Int64 in 880_000 + Int64(i) * 1000 }
            + (0..<4).map { (i: Int) -> Int64 in 901_000 + Int64(i) * 1000 }
        let fast: [Int64] = (0..<120).map { (i: Int) -> Int64 in Int64(i) * 400 }
        return [
            (10, 900, [Int64](repeating: 0, count: 10)),
            (10, 900, straddling),
            (3, 60, [0, 10_000, 59_000, 61_000, 62_000]),
            (1, 3600, [1234]),
            (120, 60, fast),
        ]
    }()

    @Test("Retry-After is the first whole second at which one more hit is admitted", arguments: scenarios)
    func retryAfter(limit: Int, window: Int, offsets: [Int64]) throws {
        // setup
        let rule = RateLimit.Rule(.vote, .account, limit: limit, window: window)
        var (_, counter) = Self.run(rule, offsets)
        let now = Self.t0 + (offsets.last ?? 0) + 100
        let refused = RateLimit.hit(counter, rule, nowMS: now)
        try #require(!refused.admitted, "the scenario must end refused")
        counter = refused.counter
        // act
        let wait = RateLimit.retryAfter(rule, counter!, nowMS: now)
        // check
        #expect(wait >= 1)
        #expect(!RateLimit.hit(counter, rule, nowMS: now + Int64(wait - 1) * 1000).admitted, "one second earlier is still refused")
        #expect(RateLimit.hit(counter, rule, nowMS: now + Int64(wait) * 1000).admitted)
    }

    @Test("windows are aligned on their length, so every node agrees; a counter from a later window is kept")
    func alignment() {
        #expect(RateLimit.windowStartMS(Self.t0 + 59_999, window: 60) == Self.t0)
        #expect(RateLimit.windowStartMS(Self.t0 + 60_000, window: 60) == Self.t0 + 60_000)
        let rule = RateLimit.Rule(.vote, .address, limit: 5, window: 60)
        let later = RateLimit.Counter(windowStart: Date(timeIntervalSince1970: Double(Self.t0 + 60_000) / 1000), count: 5, previous: 0)
        // A node whose clock is 2 s behind, just before the boundary, sees the row of the next window.
        let r = RateLimit.hit(later, rule, nowMS: Self.t0 + 58_000)
        #expect(!r.admitted)
        #expect(r.counter == later)
    }

    @Test("overrides change, add or remove one rule; unreadable ones are refused with the rule named")
    func overrides() throws {
        let p = try RateLimit.Policy.production.overriding(["vote.account=300/60", "sign-up.address=off", "sign-up.account=2/3600"])
        #expect(p.rule(.vote, .account) == RateLimit.Rule(.vote, .account, limit: 300, window: 60))
        #expect(p.rule(.signUp, .address) == nil)
        #expect(p.rule(.signUp, .account)?.limit == 2)
        #expect(p.rules.count == RateLimit.Policy.production.rules.count)
        for bad in ["vote.account", "vote.acount=3/60", "votes.account=3/60", "vote.account=0/60", "vote.account=3/0", "vote.account=3", "vote.account=x/60"] {
            #expect(throws: RateLimit.SpecError.self, "\(bad)") { try RateLimit.Policy.production.overriding([bad]) }
        }
    }

    @Test("an e-mail is counted once whatever its case and surrounding spaces")
    func emailKey() {
        #expect(RateLimit.normalisedEmail("  Camille@Example.FR\n") == "camille@example.fr")
    }
}
