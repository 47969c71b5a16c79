import ContribuezCore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Security events (ASVS 5.0 V16), one structured log line each, to the `contribuez.security` logger:
///
/// | event            | when                                                                 | level   |
/// |------------------|----------------------------------------------------------------------|---------|
/// | `auth.sign_in`   | a sign-in (form or API), `outcome=success` or `failure`               | notice / warning |
/// | `auth.sign_out`  | a sign-out (form or API)                                             | notice  |
/// | `access.denied`  | any other 401 or 403 (missing session, role refused, CSRF or origin check failed) | warning |
/// | `rate.limited`   | a 429                                                                | warning |
/// | `input.refused`  | a 400, 405, 413 or 415 (a body or method that no form or client of ours sends) | notice |
/// | `request.failed` | a 500 or an error that escaped every handler                          | error   |
/// | `form.refused`   | a public form refused by its honeypot or fill-time stamp, `outcome=honeypot`, `too_fast` or `stale` | warning |
///
/// Each line carries `at` (UTC, ISO 8601 with milliseconds), `method`, `route` (the route *template*,
/// `/api/v1/articles/{id}/vote`, never the path: paths may hold single-use tokens), `status`, the
/// participant's id when the request came with a session (`participant`), and `network`, a keyed hash of the
/// client address (IPv4) or /64 (IPv6) read through the trusted proxies: enough to correlate the attempts of
/// one client within one run of the node, not to recover the address. The key is drawn at start-up and never
/// written anywhere.
///
/// Never logged: e-mail addresses, names, passwords, tokens, bodies, query strings, and no vote next to a
/// person — a line whose route is a vote route carries no participant (invariant 7).
struct SecurityLogMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let deps: WebDependencies

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError {
            log(request, context, status: error.status)
            throw error
        } catch {
            log(request, context, status: .internalServerError)
            throw error
        }
        // A public form refused by its honeypot or stamp (FormGuard) says so in an internal header, removed here.
        var answered = response
        let formRefusal = answered.headers[FormStamps.refusalHeader]
        answered.headers[FormStamps.refusalHeader] = nil
        log(request, context, status: answered.status, formRefusal: formRefusal)
        return answered
    }

    /// Classifies one finished request; most requests are not security events and log nothing.
    func log(_ request: Request, _ context: WebContext, status: HTTPResponse.Status, formRefusal: String? = nil) {
        let route = context.endpointPath ?? "unmatched"
        let method = request.method
        let event: String
        var outcome: String?
        var level: Logger.Level
        if let formRefusal {
            event = "form.refused"; outcome = formRefusal; level = .warning
        } else if method == .post && (route == "/signin" || route == "/api/v1/sessions") && status != .tooManyRequests {
            event = "auth.sign_in"
            let ok = status.code < 400
            outcome = ok ? "success" : "failure"
            level = ok ? .notice : .warning
        } else if (method == .post && route == "/signout") || (method == .delete && route.hasPrefix("/api/v1/sessions")), status.code < 400 {
            event = "auth.sign_out"; level = .notice
        } else {
            switch status.code {
            case 401, 403: event = "access.denied"; level = .warning
            case 429: event = "rate.limited"; level = .warning
            case 400, 405, 413, 415: event = "input.refused"; level = .notice
            case 500...: event = "request.failed"; level = .error
            default: return
            }
        }
        var metadata: Logger.Metadata = [
            "event": .string(event),
            "at": .string(Self.utc(deps.clock.now())),
            "method": .string(method.rawValue),
            "route": .string(route),
            "status": .stringConvertible(status.code),
        ]
        if let outcome { metadata["outcome"] = .string(outcome) }
        // NB: no participant on vote routes: a refused or limited vote must not tie a person to a target.
        if let participant = context.participant, !Self.isVoteRoute(route) {
            metadata["participant"] = .stringConvertible(participant.id)
        }
        if let address = deps.rateLimits.trustedProxies.client(peer: context.peerAddress, headers: request.headers) {
            metadata["network"] = .string(SecurityLogKey.shared.pseudonym(address.limitKey))
        }
        deps.securityLogger.log(level: level, "security event", metadata: metadata)
    }

    static func isVoteRoute(_ route: String) -> Bool {
        route.split(separator: "/").contains { $0 == "vote" || $0 == "votes" || $0 == "useful" || $0.hasPrefix("vote") }
    }

    static func utc(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }
}

/// The key of the `network` pseudonyms: random per process, never stored.
final class SecurityLogKey: Sendable {
    static let shared = SecurityLogKey()
    private let keyBytes: [UInt8] = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }

    /// 16 hex digits of HMAC-SHA256(key, address).
    func pseudonym(_ address: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(address.utf8), using: SymmetricKey(data: keyBytes))
        return mac.prefix(8).map { String(format: "%02x", $0) }.joined()
    }
}
