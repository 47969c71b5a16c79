import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// The rate limits in force and whose forwarded headers are believed (`serve --rate-limit`,
/// `--trusted-proxy`; `--no-rate-limits` for benchmarks only).
public struct RateLimitSettings: Sendable {
    public var policy: RateLimit.Policy
    public var trustedProxies: TrustedProxies

    public init(policy: RateLimit.Policy = .production, trustedProxies: TrustedProxies = .none) {
        self.policy = policy; self.trustedProxies = trustedProxies
    }
}

/// When this node last purged expired counters: at most once a minute, a bounded delete.
final class RateLimitPurge: @unchecked Sendable {
    private let lock = NSLock()
    private var last: Date?

    /// True (and noted) when the last purge on this node is older than `every` seconds.
    func due(_ now: Date, every: TimeInterval) -> Bool {
        lock.withLock {
            if let l = last, now.timeIntervalSince(l) < every, now >= l { return false }
            last = now
            return true
        }
    }
}

/// Counts a request's hits against the rules of its action, in the database (so across nodes).
/// Keys are SHA-256 digests: the table never holds an e-mail, an account id or an address in clear.
struct RateLimiter {
    let deps: WebDependencies

    static let purgeEvery: TimeInterval = 60
    static let purgeBatch = 1_000

    var policy: RateLimit.Policy { deps.rateLimits.policy }

    /// The client address a rate limit counts (see `TrustedProxies.client`); `unknown` without a peer.
    func clientKey(_ request: Request, _ context: WebContext) -> String {
        deps.rateLimits.trustedProxies.client(peer: context.peerAddress, headers: request.headers)?.limitKey ?? "unknown"
    }

    static func digest(_ s: String) -> String { Tokens.hash(s) }

    /// The hits of one request: its client address, and its account when signed in. `sign-in.account`
    /// is not here: it is keyed by the e-mail typed, which only the handler reads (`signInAttempt`).
    func hits(_ action: RateLimit.Action, _ request: Request, _ context: WebContext) -> [RateLimit.Hit] {
        policy.rules.filter { $0.action == action }.compactMap { rule in
            switch rule.scope {
            case .address:
                return RateLimit.Hit(rule, key: Self.digest("address:" + clientKey(request, context)))
            case .account:
                guard action != .signIn, action != .passwordReset, let p = context.participant else { return nil }
                return RateLimit.Hit(rule, key: Self.digest("participant:\(p.id)"))
            }
        }
    }

    func check(_ action: RateLimit.Action, _ request: Request, _ context: WebContext) async throws -> RateLimit.Decision {
        try await count(hits(action, request, context))
    }

    /// Counts one sign-in attempt for the e-mail typed, whether an account has it or not (the answer must
    /// not tell). A success then clears it (`signedIn`), so what stays counted are failures.
    func signInAttempt(email: String) async throws -> RateLimit.Decision {
        guard let rule = policy.rule(.signIn, .account) else { return .allowed }
        return try await count([RateLimit.Hit(rule, key: Self.emailKey(email))])
    }

    func signedIn(email: String) async throws {
        guard let rule = policy.rule(.signIn, .account) else { return }
        try await deps.store.resetRateLimit(rule, key: Self.emailKey(email))
    }

    static func emailKey(_ email: String) -> String { digest("email:" + RateLimit.normalisedEmail(email)) }

    func count(_ hits: [RateLimit.Hit]) async throws -> RateLimit.Decision {
        guard !hits.isEmpty else { return .allowed }
        let now = deps.clock.now()
        let decision = try await deps.store.hitRateLimits(hits, at: now)
        if deps.rateLimitPurge.due(now, every: Self.purgeEvery) {
            // NB: opportunistic and bounded: whichever node counts a hit first in a minute deletes at most
            // a batch of rows past their expiry (through the index); a failure here never fails the request.
            _ = try? await deps.store.purgeRateLimits(at: now, max: Self.purgeBatch)
        }
        return decision
    }
}

/// The 429 answer: a page in the visitor's language, or a problem document (RFC 9457) in the API, both
/// with `Retry-After` in seconds.
enum TooManyRequests {
    static func response(_ rule: RateLimit.Rule, retryAfter: Int, _ request: Request, _ context: WebContext, _ deps: WebDependencies) -> Response {
        if request.uri.path.hasPrefix("/api/") { return problem(rule, retryAfter: retryAfter, lang: context.lang, deps.catalogue) }
        return page(Screen(deps: deps, context: context, request: request), rule, retryAfter: retryAfter)
    }

    static func page(_ s: Screen, _ rule: RateLimit.Rule, retryAfter: Int) -> Response {
        var response = s.error(.tooManyRequests, message(rule, retryAfter: retryAfter, lang: s.lang, s.deps.catalogue))
        response.headers[.retryAfter] = String(retryAfter)
        return response
    }

    struct Problem: Encodable {
        var type = "urn:contribuez:problem:rate_limited"
        var title = "Too Many Requests"
        var status = 429
        var detail: String
        var rule: String
        var retry_after: Int
    }

    static func problem(_ rule: RateLimit.Rule, retryAfter: Int, lang: Lang, _ catalogue: Catalogue) -> Response {
        let doc = Problem(detail: message(rule, retryAfter: retryAfter, lang: lang, catalogue), rule: rule.name, retry_after: retryAfter)
        let data = (try? APIHandlers.encoder.encode(doc)) ?? Data()
        return Response(
            status: .tooManyRequests, headers: [.contentType: "application/problem+json", .retryAfter: String(retryAfter)],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// « Trop de tentatives de connexion pour cette adresse e-mail. Réessayez dans 12 minutes. »
    static func message(_ rule: RateLimit.Rule, retryAfter: Int, lang: Lang, _ catalogue: Catalogue) -> String {
        let key = "rate_limit_\(rule.action.rawValue.replacingOccurrences(of: "-", with: "_"))_\(rule.scope.rawValue)"
        return catalogue.text(key, lang, ["wait": wait(retryAfter, lang: lang, catalogue)])
    }

    /// The wait in words, rounded up: seconds under a minute, minutes under an hour, else hours.
    static func wait(_ seconds: Int, lang: Lang, _ catalogue: Catalogue) -> String {
        let (n, unit) = seconds < 60 ? (seconds, "second") : seconds < 3600 ? ((seconds + 59) / 60, "minute") : ((seconds + 3599) / 3600, "hour")
        return catalogue.text("rate_limit_wait_\(unit)\(n == 1 ? "" : "s")", lang, ["n": String(n)])
    }
}
