import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// `GET /api/v1/me/export` (the same ZIP as `/compte/donnees.zip`) and `DELETE /api/v1/me` (account
/// deletion with the choice of issue 12), both for the bearer of a session only.
struct PersonalDataAPI {
    let api: APIHandlers
    var deps: WebDependencies { api.deps }

    func register(on group: RouterGroup<WebContext>) {
        group.get("me/export") { req, ctx in try await export(req, ctx) }
        group.delete("me") { req, ctx in try await deleteMe(req, ctx) }
    }

    func export(_ req: Request, _ ctx: WebContext) async throws -> Response {
        if let r = api.authed(ctx) { return r }
        let export = PersonalExport(store: deps.store, participantID: ctx.participant!.id, now: deps.clock.now())
        return try await export.response() ?? api.notFound("participant")
    }

    /// Body: `password` (required), `contributions`: `keep` (default) or `erase`; 422 naming the field
    /// for anything else. 204 when deleted; 403 `wrong_password` when the password does not match.
    func deleteMe(_ req: Request, _ ctx: WebContext) async throws -> Response {
        if let r = api.authed(ctx) { return r }
        let json: JSONObject
        switch await api.body(req) { case .failure(let r): return r.response; case .success(let j): json = j }
        var errors: [FieldError] = []
        let password = json.string("password", &errors)
        let raw = json.optionalString("contributions", &errors) ?? ContributionsOnDeletion.keep.rawValue
        let choice = ContributionsOnDeletion(rawValue: raw)
        if errors.isEmpty, choice == nil {
            errors.append(FieldError(
                field: "contributions", rule: .unknownValue, value: ContributionsOnDeletion.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        guard errors.isEmpty, let choice else { return api.invalid(errors, ctx) }
        let command = DeleteAccount(
            actor: ctx.actor, password: password, anonymisedName: deps.catalogue.text("account_deleted_author", .fr), contributions: choice)
        switch try await command.run(deps.commands) {
        case .done: return Response(status: .noContent)
        case .refused(.notSignedIn): return api.refused(.notSignedIn, ctx)
        case .refused: return APIHandlers.problem(.forbidden, "wrong_password", deps.catalogue.text("account_wrong_password", ctx.lang))
        case .invalid(let e): return api.invalid(e, ctx)
        case .notFound, .conflict: return api.notFound("participant")
        }
    }
}
