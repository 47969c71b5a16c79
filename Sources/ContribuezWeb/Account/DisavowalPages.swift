import ContribuezCore
@preconcurrency import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The paths of « ce n'était pas moi » (issue 13).
enum DisavowalRoute {
    static func link(_ token: String) -> String { "/compte/pas-moi/\(token)" }
}

/// What follows every sign-up (page or API): the welcome mail with its « ce n'était pas moi » link, and the
/// sign-up's network (a keyed hash of its /24 or /64) for the moderators' burst list.
struct AccountWelcome {
    let deps: WebDependencies

    /// The name of the key of network hashes in `server_secrets` (shared by every node, so bursts add up).
    static let networkKeyName = "sign-up-network-key"

    func welcome(_ participant: Participant, _ request: Request, _ context: WebContext, lang: Lang) async throws {
        let now = deps.clock.now()
        if let email = participant.email {
            let token = deps.secrets.secret(bytes: 32)
            let base = deps.publicURL ?? "http://localhost:8080"
            let mail = NewMail(
                to: email, subject: deps.catalogue.text("disavow_mail_subject", lang),
                text: deps.catalogue.text("disavow_mail_body", lang, ["name": participant.displayName, "link": base + DisavowalRoute.link(token)]),
                kind: "welcome")
            try await deps.store.createDisavowal(
                tokenHash: Tokens.hash(token), participantID: participant.id, createdAt: now, expiresAt: now + Disavowals.lifetime, mail: mail)
        }
        if let address = deps.rateLimits.trustedProxies.client(peer: context.peerAddress, headers: request.headers) {
            let key = try await deps.store.serverSecret(
                name: Self.networkKeyName, candidate: SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString(), at: now)
            try await deps.store.recordSignUpNetwork(
                participantID: participant.id, network: Self.network(address, key: key), at: now, purgeBefore: now - Disavowals.networkRetention)
        }
    }

    /// HMAC-SHA256 of the address's /24 (IPv4) or /64 (IPv6) under the shared key: 24 hex digits. The table
    /// never holds an address, and a hash cannot be reversed by trying the 2^24 IPv4 networks without the key.
    static func network(_ address: IPAddress, key: String) -> String {
        let range: String
        if address.isV4 {
            let b = address.bytes
            range = "\(b[12]).\(b[13]).\(b[14]).0/24"
        } else {
            range = address.limitKey
        }
        let mac = HMAC<SHA256>.authenticationCode(for: Data(range.utf8), using: SymmetricKey(data: Data(key.utf8)))
        return mac.prefix(12).map { String(format: "%02x", $0) }.joined()
    }
}

/// « Ce n'était pas moi »: the welcome mail's link. A GET shows what will happen (mail scanners follow links:
/// nothing changes on a GET); the form's POST freezes the account.
struct DisavowalPages {
    let deps: WebDependencies

    func register(on router: Router<WebContext>) {
        router.get("/compte/pas-moi/:token") { req, ctx in try await show(req, ctx) }
        router.post("/compte/pas-moi/:token") { req, ctx in try await disavow(req, ctx) }
    }

    func screen(_ req: Request, _ ctx: WebContext) -> Screen { Screen(deps: deps, context: ctx, request: req) }

    func show(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let token = ctx.parameters.get("token"), Tokens.wellFormed(token),
              let link = try await deps.store.disavowal(tokenHash: Tokens.hash(token))
        else { return message(s, "disavow_unknown", status: .notFound) }
        if link.usedAt != nil { return message(s, "disavow_used", status: .gone) }
        if link.expiresAt <= deps.clock.now() { return message(s, "disavow_expired", status: .gone) }
        return s.html("account_disavow", title: s.text("disavow_title"), data: ["action": DisavowalRoute.link(token), "ask": true])
    }

    func disavow(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success: break
        }
        guard let token = ctx.parameters.get("token"), Tokens.wellFormed(token) else { return message(s, "disavow_unknown", status: .notFound) }
        switch try await DisavowAccount(tokenHash: Tokens.hash(token)).run(deps.commands) {
        case .done(.frozen(let id)):
            var response = message(s, "disavow_done", status: .ok)
            // This browser may hold a session of the frozen account: it was deleted with the others.
            if ctx.session?.participant.id == id { response.setCookie(SessionLifecycle(deps: deps).clearedCookie()) }
            return response
        case .done(.used): return message(s, "disavow_used", status: .gone)
        case .done(.expired): return message(s, "disavow_expired", status: .gone)
        default: return message(s, "disavow_unknown", status: .notFound)
        }
    }

    func message(_ s: Screen, _ key: String, status: HTTPResponse.Status) -> Response {
        s.html("account_disavow", title: s.text("disavow_title"), data: ["message": s.text(key), "failed": status != .ok], status: status)
    }
}
