import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// Which requests count against which action's limits: one table for the pages and the API. A request
/// over a limit is answered 429 before its handler runs, so nothing of it is stored.
enum RateLimitRoutes {
    /// `*` stands for one path segment (an id, a table name).
    static let table: [(HTTPRequest.Method, String, RateLimit.Action)] = [
        (.post, "/signin", .signIn),
        (.post, "/api/v1/sessions", .signIn),
        (.post, "/signup", .signUp),
        (.post, "/api/v1/accounts", .signUp),
        (.post, "/articles/*/vote", .vote),
        (.post, "/contributions/*/vote", .vote),
        (.put, "/api/v1/articles/*/vote", .vote),
        (.delete, "/api/v1/articles/*/vote", .vote),
        (.put, "/api/v1/contributions/*/vote", .vote),
        (.delete, "/api/v1/contributions/*/vote", .vote),
        (.post, "/consultations/*/proposals", .contribution),
        (.post, "/articles/*/amendments", .contribution),
        (.post, "/articles/*/arguments", .contribution),
        (.post, "/contributions/*/arguments", .contribution),
        (.post, "/articles/*/sources", .contribution),
        (.post, "/contributions/*/sources", .contribution),
        (.post, "/api/v1/consultations/*/proposals", .contribution),
        (.post, "/api/v1/articles/*/amendments", .contribution),
        (.post, "/api/v1/articles/*/arguments", .contribution),
        (.post, "/api/v1/contributions/*/arguments", .contribution),
        (.post, "/api/v1/articles/*/sources", .contribution),
        (.post, "/api/v1/contributions/*/sources", .contribution),
        (.post, "/contributions/*/signalement", .report),
        (.post, "/api/v1/contributions/*/reports", .report),
        (.get, "/consultations/*/synthese.json", .export),
        (.get, "/consultations/*/synthese/*", .export),
        (.get, "/articles/*/synthese.json", .export),
        (.get, "/articles/*/synthese/*", .export),
        // Open data and personal data archives (issue 12).
        (.get, "/consultations/*/donnees.zip", .export),
        (.get, "/compte/donnees.zip", .export),
        (.post, "/compte/donnees/*", .export),
        // Password reset links (issue 13); per e-mail in the handler.
        (.post, "/mot-de-passe-oublie", .passwordReset),
        (.post, "/api/v1/password-resets", .passwordReset),
    ]

    static func action(_ method: HTTPRequest.Method, _ path: String) -> RateLimit.Action? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        for (m, pattern, action) in table where m == method {
            let p = pattern.split(separator: "/", omittingEmptySubsequences: false)
            guard p.count == segments.count else { continue }
            if zip(p, segments).allSatisfy({ $0 == "*" ? !$1.isEmpty : $0 == $1 }) { return action }
        }
        return nil
    }
}

/// Counts limited requests before their handler (after the session is known, for per-account rules).
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let deps: WebDependencies

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        guard !deps.rateLimits.policy.rules.isEmpty, let action = RateLimitRoutes.action(request.method, request.uri.path) else {
            return try await next(request, context)
        }
        switch try await RateLimiter(deps: deps).check(action, request, context) {
        case .allowed:
            return try await next(request, context)
        case .limited(let rule, let wait):
            return TooManyRequests.response(rule, retryAfter: wait, request, context, deps)
        }
    }
}
