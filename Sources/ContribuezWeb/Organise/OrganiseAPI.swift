import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// The institution's JSON API (issue 8): create and edit a consultation, import its text, publish,
/// close, give roles. Same commands and permission function as the organiser pages.
struct OrganiseAPI {
    let api: APIHandlers
    var deps: WebDependencies { api.deps }

    func register(on group: RouterGroup<WebContext>) {
        group.post("consultations") { req, ctx in try await create(req, ctx) }
        group.patch("consultations/:id") { req, ctx in try await edit(req, ctx) }
        group.post("consultations/:id/publish") { req, ctx in try await publish(req, ctx) }
        group.post("consultations/:id/close") { req, ctx in try await close(req, ctx) }
        group.put("consultations/:id/text") { req, ctx in try await importText(req, ctx) }
        group.get("consultations/:id/roles") { req, ctx in try await roles(req, ctx) }
        group.put("consultations/:id/roles/:participantId") { req, ctx in try await grant(req, ctx) }
        group.delete("consultations/:id/roles/:participantId") { req, ctx in try await revoke(req, ctx) }
        group.put("participants/:id/role") { req, ctx in try await grantInstance(req, ctx) }
    }

    /// Maps any command outcome to a response; `done` is rendered by `ok`.
    func respond<V>(_ outcome: Outcome<V>, _ ctx: WebContext, what: String = "consultation", ok: (V) -> Response) async throws -> Response {
        try await api.respond(outcome, ctx, what: what) { ok($0) }
    }

    // MARK: Consultations

    static let consultationFields: Set<String> = [
        "title", "summary", "institution", "opensAt", "closesAt", "allowedKinds", "moderation", "answerThreshold", "answerDeadlineDays",
        "reportThreshold",
    ]

    /// Reads the fields present in `json` onto `draft`; unknown fields and wrong types are listed, never ignored.
    static func apply(_ json: JSONObject, to draft: inout ConsultationDraft, errors: inout [FieldError]) {
        for key in json.values.keys.sorted() where !consultationFields.contains(key) {
            errors.append(FieldError(field: key, rule: .unknownField))
        }
        if json.values["title"] != nil { draft.title = json.string("title", &errors) }
        if json.values["summary"] != nil { draft.summary = json.string("summary", &errors) }
        if json.values["institution"] != nil { draft.institution = json.string("institution", &errors) }
        if json.values["opensAt"] != nil { draft.opensAt = json.date("opensAt", &errors) }
        if json.values["closesAt"] != nil { draft.closesAt = json.date("closesAt", &errors) }
        if let raw = json.values["allowedKinds"] {
            if let list = raw as? [Any], list.allSatisfy({ $0 is String }) {
                let names = list.compactMap { $0 as? String }
                let kinds = names.compactMap(ParticipantKind.init(rawValue:))
                if kinds.count != names.count {
                    errors.append(FieldError(field: "allowedKinds", rule: .unknownValue,
                                             value: ParticipantKind.allCases.map(\.rawValue).joined(separator: ", ")))
                }
                draft.allowedKinds = Set(kinds)
            } else {
                errors.append(FieldError(field: "allowedKinds", rule: .invalid))
            }
        }
        if json.values["moderation"] != nil {
            let raw = json.string("moderation", &errors)
            if let mode = ModerationMode(rawValue: raw) { draft.settings.moderation = mode } else if json.values["moderation"] is String {  // a wrong type is already listed as invalid
                errors.append(FieldError(field: "moderation", rule: .unknownValue, value: ModerationMode.allCases.map(\.rawValue).joined(separator: ", ")))
            }
        }
        if json.values["answerThreshold"] != nil { draft.settings.answerThreshold = json.int("answerThreshold", &errors) }
        if json.values["answerDeadlineDays"] != nil { draft.settings.answerDeadlineDays = json.int("answerDeadlineDays", &errors) }
        if json.values["reportThreshold"] != nil { draft.settings.reportThreshold = json.int("reportThreshold", &errors) }
    }

    func create(_ req: Request, _ ctx: WebContext) async throws -> Response {
        if let r = api.authed(ctx) { return r }
        let json: JSONObject
        switch await api.body(req) { case .failure(let r): return r.response; case .success(let j): json = j }
        var draft = ConsultationDraft(title: "", summary: "", institution: "", opensAt: nil, closesAt: nil)
        var errors: [FieldError] = []
        Self.apply(json, to: &draft, errors: &errors)
        guard errors.isEmpty else { return api.invalid(errors, ctx) }
        let now = deps.clock.now()
        return try await respond(try await CreateConsultation(actor: ctx.actor, draft: draft).run(deps.commands), ctx) { c in
            APIHandlers.json(APIDoc.ConsultationDTO(c, phase: c.phase(at: now)), status: .created)
        }
    }

    func edit(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = api.id(ctx) else { return api.notFound("consultation") }
        if let r = api.authed(ctx) { return r }
        let json: JSONObject
        switch await api.body(req) { case .failure(let r): return r.response; case .success(let j): json = j }
        // Decode once against a blank draft to refuse unknown fields and wrong types before touching anything.
        var probe = ConsultationDraft(title: "", summary: "", institution: "", opensAt: nil, closesAt: nil)
        var errors: [FieldError] = []
        Self.apply(json, to: &probe, errors: &errors)
        guard errors.isEmpty else { return api.invalid(errors, ctx) }
        let now = deps.clock.now()
        let outcome = try await EditConsultation(actor: ctx.actor, consultationID: id) { current in
            var d = current
            var ignored: [FieldError] = []
            Self.apply(json, to: &d, errors: &ignored)
            return d
        }.run(deps.commands)
        return try await respond(outcome, ctx) { c in APIHandlers.json(APIDoc.ConsultationDTO(c, phase: c.phase(at: now))) }
    }

    func publish(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = api.id(ctx) else { return api.notFound("consultation") }
        if let r = api.authed(ctx) { return r }
        let now = deps.clock.now()
        return try await respond(try await PublishConsultation(actor: ctx.actor, consultationID: id).run(deps.commands), ctx) { c in
            APIHandlers.json(APIDoc.ConsultationDTO(c, phase: c.phase(at: now)))
        }
    }

    func close(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = api.id(ctx) else { return api.notFound("consultation") }
        if let r = api.authed(ctx) { return r }
        let json: JSONObject
        switch await api.body(req) { case .failure(let r): return r.response; case .success(let j): json = j }
        var errors = JSONObject.unknownFields(json, allowed: ["reason"])
        let reason = json.string("reason", &errors)
        guard errors.isEmpty else { return api.invalid(errors, ctx) }
        let now = deps.clock.now()
        return try await respond(try await CloseConsultation(actor: ctx.actor, consultationID: id, reason: reason).run(deps.commands), ctx) { c in
            APIHandlers.json(APIDoc.ConsultationDTO(c, phase: c.phase(at: now)))
        }
    }

    // MARK: Text

    func importText(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = api.id(ctx) else { return api.notFound("consultation") }
        if let r = api.authed(ctx) { return r }
        if let type = req.headers[.contentType]?.lowercased(), !(type.hasPrefix("text/markdown") || type.hasPrefix("text/plain")) {
            return APIHandlers.problem(.unsupportedMediaType, "unsupported_media_type", "Send the text as text/markdown.")
        }
        let buffer: ByteBuffer
        do { buffer = try await req.body.collect(upTo: DraftText.maxBytes) } catch {
            return APIHandlers.problem(.contentTooLarge, "too_large", deps.catalogue.text("err_text_too_large", ctx.lang))
        }
        let preview = req.uri.queryParameters["preview"].map { $0 == "true" || $0 == "1" } ?? false
        let outcome = try await ImportDraftText(actor: ctx.actor, consultationID: id, markdown: Array(buffer.readableBytesView), preview: preview)
            .run(deps.commands)
        return try await respond(outcome, ctx) { result in APIHandlers.json(APIDoc.DraftTextDTO(id, result)) }
    }

    // MARK: Roles

    func roles(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = api.id(ctx), let c = try await deps.store.consultation(id: id) else { return api.notFound("consultation") }
        if let r = api.authed(ctx) { return r }
        if case .refused(let r) = Permissions.can(ctx.actor, .manageRoles, on: c, at: deps.clock.now()) { return api.refused(r, ctx) }
        let grants = try await deps.store.roleGrants(consultationID: id)
        return APIHandlers.json(APIDoc.RoleListDTO(items: grants.map { APIDoc.RoleDTO(consultationId: id, $0) }))
    }

    func grant(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = api.id(ctx), let pid = ctx.parameters.get("participantId", as: Int64.self), pid > 0 else { return api.notFound() }
        if let r = api.authed(ctx) { return r }
        let json: JSONObject
        switch await api.body(req) { case .failure(let r): return r.response; case .success(let j): json = j }
        var errors = JSONObject.unknownFields(json, allowed: ["role"])
        let raw = json.string("role", &errors)
        guard errors.isEmpty else { return api.invalid(errors, ctx) }
        guard let role = ConsultationRole(rawValue: raw) else {
            return api.invalid([FieldError(field: "role", rule: .unknownValue, value: ConsultationRole.allCases.map(\.rawValue).joined(separator: ", "))], ctx)
        }
        return try await respond(try await GrantRole(actor: ctx.actor, consultationID: id, participantID: pid, role: role).run(deps.commands), ctx) { g in
            APIHandlers.json(APIDoc.RoleDTO(consultationId: id, g))
        }
    }

    func revoke(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = api.id(ctx), let pid = ctx.parameters.get("participantId", as: Int64.self), pid > 0 else { return api.notFound() }
        if let r = api.authed(ctx) { return r }
        return try await respond(try await RevokeRole(actor: ctx.actor, consultationID: id, participantID: pid).run(deps.commands), ctx, what: "role") { _ in
            Response(status: .noContent)
        }
    }

    func grantInstance(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let pid = api.id(ctx) else { return api.notFound("participant") }
        if let r = api.authed(ctx) { return r }
        let json: JSONObject
        switch await api.body(req) { case .failure(let r): return r.response; case .success(let j): json = j }
        var errors = JSONObject.unknownFields(json, allowed: ["role"])
        let raw = json.string("role", &errors)
        guard errors.isEmpty else { return api.invalid(errors, ctx) }
        guard let role = Role(rawValue: raw) else {
            return api.invalid([FieldError(field: "role", rule: .unknownValue, value: Role.allCases.map(\.rawValue).joined(separator: ", "))], ctx)
        }
        return try await respond(try await GrantInstanceRole(actor: ctx.actor, participantID: pid, role: role).run(deps.commands), ctx, what: "participant") { p in
            APIHandlers.json(APIDoc.InstanceRoleDTO(participant: .init(p), role: p.role.rawValue))
        }
    }
}

extension JSONObject {
    /// An ISO 8601 instant with its offset ("2026-01-15T09:00:00+01:00", "…Z", fractional seconds allowed).
    func date(_ key: String, _ errors: inout [FieldError]) -> Date? {
        let s = string(key, &errors)
        guard !s.isEmpty else { return nil }
        if let d = APIDates.parse(s) { return d }
        errors.append(FieldError(field: key, rule: .invalid))
        return nil
    }

    func int(_ key: String, _ errors: inout [FieldError]) -> Int {
        guard let v = values[key], !(v is NSNull) else { errors.append(FieldError(field: key, rule: .required)); return 0 }
        // NB: JSONSerialization gives NSNumber for booleans too; refuse them and non-integral numbers.
        guard let n = v as? NSNumber, String(describing: type(of: v)) != "__NSCFBoolean", let i = Int(exactly: n.doubleValue) else {
            errors.append(FieldError(field: key, rule: .invalid)); return 0
        }
        return i
    }

    static func unknownFields(_ json: JSONObject, allowed: Set<String>) -> [FieldError] {
        json.values.keys.sorted().filter { !allowed.contains($0) }.map { FieldError(field: $0, rule: .unknownField) }
    }
}

enum APIDates {
    static func parse(_ s: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let d = plain.date(from: s) { return d }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: s)
    }
}
