import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// Opening, resuming and rotating sessions (issue 13).
///
/// - Sign-in opens a new session (new token: a token from before sign-in never becomes a signed-in one).
/// - Its idle and absolute timeouts come from `WebDependencies.sessionPolicy`, by whether the participant holds a
///   staff role; they are written on the row and enforced by the query that reads it.
/// - When the database's roles no longer match those the session was opened with (a role granted or revoked, on the
///   instance or a consultation), the next request replaces the token before it runs: a browser gets the new
///   cookie with that response, an API client the new bearer token in the `Contribuez-Session-Token` header.
/// - The last-seen time is written at most once per `SessionPolicy.touchInterval`.
struct SessionLifecycle {
    let deps: WebDependencies

    /// What the middleware does with a session it found.
    enum Resumed {
        case live(SessionRecord)
        /// Same session, new token: the client gets `token` (cookie or header), valid until `expiresAt`.
        case rotated(SessionRecord, token: String, tokenHash: String, expiresAt: Date)
        /// The session ended here (a rotation that lost a race with another request, or whose new privileges'
        /// absolute limit is already past).
        case ended(why: String)
    }

    /// Opens a session for the participant who just proved who they are; returns the raw token (for the cookie
    /// or the API's answer) and its absolute end.
    func open(_ participant: Participant, request: Request) async throws -> (token: String, expiresAt: Date) {
        let roles = try await deps.store.consultationRoles(participantID: participant.id)
        let limits = deps.sessionPolicy.limits(staff: SessionPrivileges.isStaff(role: participant.role, consultationRoles: roles))
        let token = deps.secrets.secret(bytes: 32)
        let now = deps.clock.now()
        let expires = now + limits.absolute
        try await deps.store.openSession(NewSession(
            tokenHash: Tokens.hash(token), participantID: participant.id, csrfToken: deps.secrets.secret(bytes: 32),
            createdAt: now, expiresAt: expires, idleTimeout: limits.idle, agent: ClientAgent.describe(request.headers[.userAgent])))
        return (token, expires)
    }

    func resume(_ record: SessionRecord, tokenHash: String) async throws -> Resumed {
        let now = deps.clock.now()
        guard record.privilegesChanged else {
            if now.timeIntervalSince(record.lastSeenAt) >= SessionPolicy.touchInterval {
                try await deps.store.touchSession(tokenHash: tokenHash, at: now)
            }
            return .live(record)
        }
        let limits = deps.sessionPolicy.limits(staff: SessionPrivileges.isStaff(role: record.participant.role, consultationRoles: record.consultationRoles))
        let expires = record.createdAt + limits.absolute
        guard expires > now else {
            try await deps.store.deleteSession(tokenHash: tokenHash)
            return .ended(why: "past the absolute limit of the new privileges")
        }
        let token = deps.secrets.secret(bytes: 32)
        let hash = Tokens.hash(token)
        guard try await deps.store.rotateSession(
            tokenHash: tokenHash, to: hash, privileges: record.currentPrivileges, idleTimeout: limits.idle, expiresAt: expires, at: now)
        else { return .ended(why: "rotated by another request") }
        var rotated = record
        rotated.privileges = record.currentPrivileges
        rotated.expiresAt = expires
        rotated.lastSeenAt = now
        return .rotated(rotated, token: token, tokenHash: hash, expiresAt: expires)
    }

    /// The session cookie for `token`, kept until `expiresAt` (the idle timeout is the server's to enforce).
    func cookie(_ token: String, expiresAt: Date) -> Cookie {
        Cookie(name: Cookies.session, value: token, maxAge: max(1, Int(expiresAt.timeIntervalSince(deps.clock.now()))), path: "/",
               secure: deps.secureCookies, httpOnly: true, sameSite: .lax)
    }

    /// The header by which an API client receives its replaced bearer token (the old one no longer works).
    static let rotatedTokenHeader = HTTPField.Name("Contribuez-Session-Token")!

    /// The cookie that removes the session cookie.
    func clearedCookie() -> Cookie {
        Cookie(name: Cookies.session, value: "", maxAge: 0, path: "/", secure: deps.secureCookies, httpOnly: true, sameSite: .lax)
    }
}

/// A coarse description of the client, for the list of sessions: a browser family and an operating system,
/// from the User-Agent header. NB: only these two words are stored, never the header itself nor an address.
enum ClientAgent {
    static let browsers: [(needle: String, name: String)] = [
        ("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chromium/", "Chromium"), ("HeadlessChrome/", "Chromium"),
        ("Chrome/", "Chrome"), ("Safari/", "Safari"), ("curl/", "curl"), ("python-requests/", "Python"), ("Python-urllib/", "Python"),
    ]
    static let systems: [(needle: String, name: String)] = [
        ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Windows", "Windows"), ("CrOS", "ChromeOS"),
        ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("Linux", "Linux"), ("FreeBSD", "FreeBSD"),
    ]

    /// "Browser|System", either part empty when not recognised.
    static func describe(_ userAgent: String?) -> String {
        guard let ua = userAgent?.prefix(512) else { return "|" }
        let browser = browsers.first { ua.contains($0.needle) }?.name ?? ""
        let system = systems.first { ua.contains($0.needle) }?.name ?? ""
        return browser + "|" + system
    }

    /// The stored description as words of the interface: « Chromium sur Linux ».
    static func label(_ stored: String, _ catalogue: Catalogue, _ lang: Lang) -> String {
        let parts = stored.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        let browser = parts.first.flatMap { $0.isEmpty ? nil : $0 } ?? catalogue.text("sessions_unknown_browser", lang)
        let system = parts.count > 1 && !parts[1].isEmpty ? parts[1] : catalogue.text("sessions_unknown_system", lang)
        return catalogue.text("sessions_agent", lang, ["browser": browser, "system": system])
    }
}
