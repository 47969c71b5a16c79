import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// Enrolling a second factor through the API (issue 13), for clients that never open the pages — staff among them,
/// whose roles stay withheld until their session is verified. The same steps as « Double authentification »:
/// `POST /me/second-factor` draws a secret, `POST /me/second-factor/confirmation` takes a code computed from it,
/// verifies the calling session and returns the ten recovery codes, once. `GET /me/second-factor` says where the
/// account stands; the secret is never shown again once confirmed.
struct SecondFactorAPI {
    let api: APIHandlers
    var deps: WebDependencies { api.deps }

    func register(on group: RouterGroup<WebContext>) {
        group.get("me/second-factor") { req, ctx in try await status(req, ctx) }
        group.post("me/second-factor") { req, ctx in try await begin(req, ctx) }
        group.post("me/second-factor/confirmation") { req, ctx in try await confirm(req, ctx) }
    }

    struct StatusDTO: Encodable {
        var active: Bool
        var enrolling: Bool
        var recoveryCodesLeft: Int
    }

    struct SecretDTO: Encodable {
        /// Base32, as authenticator apps take it typed.
        var secret: String
        /// `otpauth://totp/…`, for apps that open links.
        var uri: String
    }

    struct CodesDTO: Encodable {
        var recoveryCodes: [String]
    }

    func status(_ req: Request, _ ctx: WebContext) async throws -> Response {
        if let r = api.authed(ctx) { return r }
        let factor = try await deps.store.secondFactor(participantID: ctx.participant!.id)
        let active = factor?.confirmedAt != nil
        return APIHandlers.json(StatusDTO(active: active, enrolling: factor != nil && !active, recoveryCodesLeft: active ? factor!.recoveryCodesLeft : 0))
    }

    func begin(_ req: Request, _ ctx: WebContext) async throws -> Response {
        if let r = api.authed(ctx) { return r }
        let me = ctx.participant!
        guard let secret = try await SecondFactorCheck(deps: deps).begin(me.id) else {
            return APIHandlers.problem(.conflict, "second_factor_active", "Two-factor authentication is already on: it must be reset before a new secret.")
        }
        return APIHandlers.json(SecretDTO(secret: Base32.encode(secret), uri: TOTP.uri(secret: secret, label: me.publicName)), status: .created)
    }

    func confirm(_ req: Request, _ ctx: WebContext) async throws -> Response {
        if let r = api.authed(ctx) { return r }
        let json: JSONObject
        switch await api.body(req) {
        case .failure(let r): return r.response
        case .success(let j): json = j
        }
        var errors: [FieldError] = []
        let typed = json.string("code", &errors)
        guard errors.isEmpty else { return api.invalid(errors, ctx) }
        guard let hash = ctx.sessionTokenHash else { return api.refused(.notSignedIn, ctx) }
        switch try await SecondFactorCheck(deps: deps).confirm(typed, participantID: ctx.participant!.id, tokenHash: hash) {
        case .notEnrolling:
            return APIHandlers.problem(.conflict, "not_enrolling", "No secret waits for confirmation: ask for one with POST /me/second-factor.")
        case .wrongCode: return api.invalid([FieldError(field: "code", rule: .invalid)], ctx)
        case .confirmed(let codes): return APIHandlers.json(CodesDTO(recoveryCodes: codes))
        }
    }
}
