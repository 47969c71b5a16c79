import Foundation

/// Rate limits (issue 13): how many times one account, or one client address, may do an action within a
/// window. The counters live in the database (`RateLimitStore`), so every `serve` node shares them.
///
/// Counting is a sliding-window counter: each (rule, key) row keeps the hits admitted in the current
/// window and in the one before, and a hit is admitted when
/// `previous × (time left in the current window / window) + count + 1 ≤ limit`.
/// Windows are aligned on multiples of their length since 1970, so every node agrees on them. Unlike a
/// fixed window, a burst straddling two windows is still seen: 20 wrong sign-ins within a minute get
/// refused whatever the minute. Refused hits are not counted, so a person who retries while refused is
/// let in once the window has slid, however often they retried.
///
/// The production rules, one table (also in README, "Configuration"):
///
/// | rule                   | limit | window  | counts                                                   |
/// |------------------------|------:|---------|----------------------------------------------------------|
/// | `sign-in.account`      |    10 | 15 min  | failed sign-ins per e-mail (known or not); a success clears it |
/// | `sign-in.address`      |    30 | 1 min   | sign-in attempts per client address (a success clears nothing) |
/// | `sign-up.address`      |    20 | 1 h     | sign-ups per client address                              |
/// | `vote.account`         |   120 | 1 min   | votes cast, changed or withdrawn per account             |
/// | `vote.address`         |   600 | 1 min   | votes per client address                                 |
/// | `contribution.account` |    20 | 10 min  | proposals, amendments, arguments and sources per account |
/// | `contribution.address` |   100 | 10 min  | contributions per client address                         |
/// | `report.account`       |    20 | 1 h     | reports of contributions per account                     |
/// | `report.address`       |    60 | 1 h     | reports per client address                               |
/// | `export.account`       |    30 | 1 h     | downloads of exports (CSV, open data archives) per account |
/// | `export.address`       |    60 | 1 h     | downloads of exports per client address                  |
/// | `password-reset.account` |   5 | 1 h     | reset links asked for per e-mail (known or not)          |
/// | `password-reset.address` |  20 | 1 h     | reset links asked for per client address                 |
///
/// `contribuez serve --rate-limit NAME=COUNT/SECONDS` changes one rule, `NAME=off` removes it.
public enum RateLimit {
    /// What is limited.
    public enum Action: String, Sendable, CaseIterable {
        case signIn = "sign-in"
        case signUp = "sign-up"
        case vote
        case contribution
        case report
        case export
        case passwordReset = "password-reset"
    }

    /// Whose hits are counted together: one account (or, for sign-in, one e-mail), or one client address.
    public enum Scope: String, Sendable, CaseIterable {
        case account
        case address
    }

    /// At most `limit` hits per `window` seconds for one key.
    public struct Rule: Sendable, Hashable {
        public var action: Action
        public var scope: Scope
        public var limit: Int
        /// Seconds.
        public var window: Int

        public init(_ action: Action, _ scope: Scope, limit: Int, window: Int) {
            self.action = action; self.scope = scope; self.limit = limit; self.window = window
        }

        /// `action.scope`, as configured and stored: `sign-in.account`.
        public var name: String { "\(action.rawValue).\(scope.rawValue)" }
        var windowMS: Int64 { Int64(window) * 1000 }
    }

    /// The rules in force. `off` has none (benchmarks only, through an explicit `serve` flag).
    public struct Policy: Sendable, Equatable {
        public private(set) var rules: [Rule]

        public init(rules: [Rule]) { self.rules = rules }

        public static let production = Policy(rules: [
            Rule(.signIn, .account, limit: 10, window: 15 * 60),
            Rule(.signIn, .address, limit: 30, window: 60),
            Rule(.signUp, .address, limit: 20, window: 3600),
            Rule(.vote, .account, limit: 120, window: 60),
            Rule(.vote, .address, limit: 600, window: 60),
            Rule(.contribution, .account, limit: 20, window: 10 * 60),
            Rule(.contribution, .address, limit: 100, window: 10 * 60),
            Rule(.report, .account, limit: 20, window: 3600),
            Rule(.report, .address, limit: 60, window: 3600),
            Rule(.export, .account, limit: 30, window: 3600),
            Rule(.export, .address, limit: 60, window: 3600),
            Rule(.passwordReset, .account, limit: 5, window: 3600),
            Rule(.passwordReset, .address, limit: 20, window: 3600),
        ])

        public static let off = Policy(rules: [])

        public func rule(_ action: Action, _ scope: Scope) -> Rule? {
            rules.first { $0.action == action && $0.scope == scope }
        }

        /// Every rule name a configuration may name, whether in force or not.
        public static var names: [String] {
            Action.allCases.flatMap { a in Scope.allCases.map { "\(a.rawValue).\($0.rawValue)" } }
        }

        /// Applies overrides written `NAME=COUNT/SECONDS` (`vote.account=300/60`) or `NAME=off`.
        public func overriding(_ specs: [String]) throws(SpecError) -> Policy {
            var policy = self
            for spec in specs {
                let parts = spec.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2 else { throw SpecError(spec: spec, problem: "expected NAME=COUNT/SECONDS or NAME=off") }
                let pieces = parts[0].split(separator: ".").map(String.init)
                guard pieces.count == 2, let action = Action(rawValue: pieces[0]), let scope = Scope(rawValue: pieces[1]) else {
                    throw SpecError(spec: spec, problem: "unknown rule (known: \(Self.names.joined(separator: ", ")))")
                }
                policy.rules.removeAll { $0.action == action && $0.scope == scope }
                if parts[1] == "off" { continue }
                let numbers = parts[1].split(separator: "/").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard numbers.count == 2, let limit = numbers[0], let window = numbers[1],
                      (1...1_000_000).contains(limit), (1...7 * 86_400).contains(window) else {
                    throw SpecError(spec: spec, problem: "COUNT must be 1…1000000 and SECONDS 1…604800")
                }
                policy.rules.append(Rule(action, scope, limit: limit, window: window))
            }
            return policy
        }
    }

    /// A rate-limit override that cannot be read.
    public struct SpecError: Error, Equatable, CustomStringConvertible {
        public var spec: String
        public var problem: String
        public var description: String { "--rate-limit \(spec): \(problem)" }
    }

    /// A counter as the store keeps it, once rolled to the window of the moment asked about.
    public struct Counter: Sendable, Equatable {
        public var windowStart: Date
        /// Hits admitted in the window starting at `windowStart`.
        public var count: Int
        /// Hits admitted in the window before.
        public var previous: Int

        public init(windowStart: Date, count: Int, previous: Int) {
            self.windowStart = windowStart; self.count = count; self.previous = previous
        }
    }

    /// One hit to count: the rule and the key (an opaque digest, never raw personal data).
    public struct Hit: Sendable, Hashable {
        public var rule: Rule
        public var key: String
        public init(_ rule: Rule, key: String) { self.rule = rule; self.key = key }
    }

    public enum Decision: Sendable, Equatable {
        case allowed
        /// Refused by `rule`; one more hit fits in `retryAfter` seconds (at least 1).
        case limited(Rule, retryAfter: Int)
    }

    /// The start of the window `now` falls in, in milliseconds since 1970.
    public static func windowStartMS(_ nowMS: Int64, window: Int) -> Int64 {
        let w = Int64(window) * 1000
        return nowMS - ((nowMS % w) + w) % w
    }

    /// Whether one more hit fits. NB: the stores compute the same inequality in SQL, in integers:
    /// `previous × (windowStart + window − now) + (count + 1) × window ≤ limit × window` (milliseconds).
    public static func admits(_ rule: Rule, _ counter: Counter, nowMS: Int64) -> Bool {
        let w = rule.windowMS
        let left = max(0, min(w, ms(counter.windowStart) + w - nowMS))
        return Int64(counter.previous) * left + Int64(counter.count + 1) * w <= Int64(rule.limit) * w
    }

    /// The counter rolled to the window of `nowMS`: the same window keeps its counts, the next one makes the
    /// count the previous, a later one starts from zero. A counter from a later window (a node whose clock
    /// is behind) is kept as it is.
    public static func rolled(_ stored: Counter?, _ rule: Rule, nowMS: Int64) -> Counter {
        let start = windowStartMS(nowMS, window: rule.window)
        guard let stored else { return Counter(windowStart: date(start), count: 0, previous: 0) }
        let stored0 = ms(stored.windowStart)
        if stored0 >= start { return stored }
        if stored0 == start - rule.windowMS { return Counter(windowStart: date(start), count: 0, previous: stored.count) }
        return Counter(windowStart: date(start), count: 0, previous: 0)
    }

    /// The reference model of one hit, which the stores reproduce in one SQL statement: the counter after
    /// the hit, and whether it was admitted (counted) or refused (not counted).
    public static func hit(_ stored: Counter?, _ rule: Rule, nowMS: Int64) -> (counter: Counter, admitted: Bool) {
        var c = rolled(stored, rule, nowMS: nowMS)
        let ok = admits(rule, c, nowMS: nowMS)
        if ok { c.count += 1 }
        return (c, ok)
    }

    /// Seconds until one more hit fits, for `Retry-After` (at least 1), given the rolled counter that
    /// refused a hit at `nowMS`.
    public static func retryAfter(_ rule: Rule, _ counter: Counter, nowMS: Int64) -> Int {
        let w = Double(rule.windowMS)
        let start = Double(ms(counter.windowStart))
        let limit = Double(rule.limit), count = Double(counter.count), previous = Double(counter.previous)
        let t: Double
        if count + 1 <= limit && previous > 0 {
            // This window: the previous one's weight must fall to what is left.
            t = start + w - (limit - count - 1) * w / previous
        } else {
            // The next window, where this window's count weighs on the previous side.
            t = max(start + w, start + 2 * w - (limit - 1) * w / max(count, 1))
        }
        return max(1, Int(((t - Double(nowMS)) / 1000).rounded(.up)))
    }

    /// The key of an e-mail address for `sign-in.account`: trimmed and lower-cased as the store looks it
    /// up, so `Camille@Example.fr ` and `camille@example.fr` share a counter. The web layer hashes it.
    public static func normalisedEmail(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    static func ms(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(ms) / 1000) }
}
