import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// The JSON API under `/api/v1`: same commands and permission function as the pages.
struct APIHandlers {
    let deps: WebDependencies

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.dateEncodingStrategy = .iso8601
        return e
    }()

    func register(on router: Router<WebContext>) {
        let api = router.group("api/v1")
        api.get("openapi.json") { _, _ in OpenAPIDocument.response() }
        api.post("accounts") { req, ctx in try await createAccount(req, ctx) }
        api.post("sessions") { req, ctx in try await createSession(req, ctx) }
        api.delete("sessions/current") { req, ctx in try await deleteSession(req, ctx) }
        api.get("me") { req, ctx in me(ctx) }
        api.get("consultations") { req, ctx in try await consultations(req, ctx) }
        api.get("consultations/:id") { req, ctx in try await consultation(req, ctx) }
        api.get("consultations/:id/proposals") { req, ctx in try await proposals(req, ctx) }
        api.post("consultations/:id/proposals") { req, ctx in try await propose(req, ctx) }
        api.get("articles/:id") { req, ctx in try await article(req, ctx) }
        api.put("articles/:id/vote") { req, ctx in try await vote(req, ctx, article: true) }
        api.delete("articles/:id/vote") { req, ctx in try await withdraw(req, ctx, article: true) }
        api.put("contributions/:id/vote") { req, ctx in try await vote(req, ctx, article: false) }
        api.delete("contributions/:id/vote") { req, ctx in try await withdraw(req, ctx, article: false) }
        api.post("articles/:id/amendments") { req, ctx in try await amend(req, ctx) }
        api.post("articles/:id/arguments") { req, ctx in try await argue(req, ctx, article: true) }
        api.post("contributions/:id/arguments") { req, ctx in try await argue(req, ctx, article: false) }
        api.post("articles/:id/sources") { req, ctx in try await source(req, ctx, article: true) }
        api.post("contributions/:id/sources") { req, ctx in try await source(req, ctx, article: false) }
        api.get("contributions/:id") { req, ctx in try await contribution(req, ctx) }
        OrganiseAPI(api: self).register(on: api)
        ModerationAPI(api: self).register(on: api)
        AnswersAPI(api: self).register(on: api)
        OpenDataAPI(api: self).register(on: api)
        PersonalDataAPI(api: self).register(on: api)
        PasswordChangeAPI(api: self).register(on: api)
        SessionsAPI(api: self).register(on: api)
        SecondFactorAPI(api: self).register(on: api)
    }

    // MARK: Plumbing

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func problem(_ status: HTTPResponse.Status, _ code: String, _ detail: String, errors: [APIDoc.Problem.InvalidField]? = nil) -> Response {
        let doc = APIDoc.Problem(type: "urn:contribuez:problem:\(code)", title: status.reasonPhrase, status: status.code, detail: detail, errors: errors)
        let data = (try? encoder.encode(doc)) ?? Data()
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func id(_ ctx: WebContext) -> ID? { ctx.parameters.get("id", as: Int64.self).flatMap { $0 > 0 ? $0 : nil } }

    func notFound(_ what: String = "resource") -> Response { Self.problem(.notFound, "not_found", "No such \(what).") }

    func refused(_ reason: RefusalReason, _ ctx: WebContext) -> Response {
        let reason = ctx.staffRolesWithheld && reason.isStaffOnly ? .staffSecondFactorRequired : reason
        return Self.problem(Statuses.of(reason), reason.rawValue, deps.catalogue.message(for: reason, ctx.lang))
    }

    func invalid(_ errors: [FieldError], _ ctx: WebContext) -> Response {
        Self.problem(
            .unprocessableContent, "invalid", "Some fields are invalid.",
            errors: errors.map {
                .init(field: $0.field, rule: $0.rule.rawValue, limit: $0.limit, message: deps.catalogue.message(for: $0, ctx.lang),
                      line: $0.line, otherLine: $0.otherLine, value: $0.value,
                      accepted: $0.rule == .unknownValue ? $0.value?.components(separatedBy: ", ") : nil)
            })
    }

    /// A JSON object body: 413 when too large, 400 for invalid UTF-8 or malformed JSON or a non-object,
    /// 415 when the content type is not JSON.
    func body(_ req: Request) async -> Result<JSONObject, Refusal> {
        if let type = req.headers[.contentType], !type.lowercased().hasPrefix("application/json") && !type.lowercased().contains("+json") {
            return .failure(Refusal(response: Self.problem(.unsupportedMediaType, "unsupported_media_type", "Send application/json.")))
        }
        let buffer: ByteBuffer
        do { buffer = try await req.body.collect(upTo: 256 * 1024) } catch {
            return .failure(Refusal(response: Self.problem(.contentTooLarge, "too_large", "The body is larger than 256 KiB.")))
        }
        let bytes = Array(buffer.readableBytesView)
        guard String(validating: bytes, as: UTF8.self) != nil else {
            return .failure(Refusal(response: Self.problem(.badRequest, "invalid_utf8", "The body is not valid UTF-8.")))
        }
        guard let any = try? JSONSerialization.jsonObject(with: Data(bytes)), let dict = any as? [String: Any] else {
            return .failure(Refusal(response: Self.problem(.badRequest, "malformed_json", "The body is not a JSON object.")))
        }
        return .success(JSONObject(values: dict))
    }

    func conflict(_ c: Conflict, _ ctx: WebContext) -> Response {
        Self.problem(.conflict, c.rawValue, deps.catalogue.text(c == .duplicateEmail ? "err_duplicate_email" : "conflict_\(c.rawValue)", ctx.lang))
    }

    /// Maps a command's outcome to a response: `done` through `ok`, the rest to problem documents.
    func respond<V>(_ outcome: Outcome<V>, _ ctx: WebContext, what: String = "resource", ok: (V) async throws -> Response) async throws -> Response {
        switch outcome {
        case .done(let v): return try await ok(v)
        case .refused(let r): return refused(r, ctx)
        case .invalid(let e): return invalid(e, ctx)
        case .notFound: return notFound(what)
        case .conflict(let c): return conflict(c, ctx)
        }
    }

    func authed(_ ctx: WebContext) -> Response? {
        ctx.session == nil ? refused(.notSignedIn, ctx) : nil
    }

    func page(_ req: Request) -> PageRequest {
        let q = req.uri.queryParameters
        return PageRequest(page: q["page"].flatMap { Int(String($0)) } ?? 1, perPage: q["perPage"].flatMap { Int(String($0)) } ?? 20)
    }

    static func pageDTO(_ p: Page<ContributionRow>, answers: [ID: Answer] = [:]) -> APIDoc.PageDTO<APIDoc.ContributionDTO> {
        APIDoc.PageDTO(
            items: p.items.map {
                var dto = APIDoc.ContributionDTO($0.contribution, tally: $0.tally, replies: $0.replies, redact: true)
                if let a = answers[$0.contribution.id], $0.contribution.isPublic { dto.answer = .init(status: a.status.rawValue, at: a.at) }
                return dto
            },
            page: p.page, perPage: p.perPage, total: p.total, pageCount: p.pageCount)
    }

    /// Maps a contribution command's outcome to 201 or a problem.
    func created(_ outcome: Outcome<Contribution>, _ ctx: WebContext) async throws -> Response {
        switch outcome {
        case .done(let c): return Self.json(APIDoc.ContributionDTO(c, tally: .zero), status: .created)
        case .refused(let r): return refused(r, ctx)
        case .invalid(let e): return invalid(e, ctx)
        case .notFound: return notFound()
        case .conflict(let c): return conflict(c, ctx)
        }
    }

    // MARK: Accounts

    func createAccount(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let json: JSONObject
        switch await body(req) { case .failure(let r): return r.response; case .success(let j): json = j }
        var typeErrors: [FieldError] = []
        let email = json.string("email", &typeErrors), password = json.string("password", &typeErrors)
        let name = json.string("displayName", &typeErrors), kindRaw = json.string("kind", &typeErrors)
        let org = json.optionalString("organization", &typeErrors)
        guard typeErrors.isEmpty else { return invalid(typeErrors, ctx) }
        switch try await SignUp(email: email, password: password, displayName: name, kind: ParticipantKind(rawValue: kindRaw), organization: org).run(deps.commands) {
        case .done(let p):
            try await AccountWelcome(deps: deps).welcome(p, req, ctx, lang: ctx.lang)
            return Self.json(APIDoc.ParticipantDTO(p), status: .created)
        case .invalid(let e): return invalid(e, ctx)
        case .conflict: return Self.problem(.conflict, "duplicate_email", deps.catalogue.text("err_duplicate_email", ctx.lang))
        case .refused(let r): return refused(r, ctx)
        case .notFound: return notFound()
        }
    }

    func createSession(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let json: JSONObject
        switch await body(req) { case .failure(let r): return r.response; case .success(let j): json = j }
        var typeErrors: [FieldError] = []
        let email = json.string("email", &typeErrors), password = json.string("password", &typeErrors)
        guard typeErrors.isEmpty else { return invalid(typeErrors, ctx) }
        if case .limited(let rule, let wait) = try await RateLimiter(deps: deps).signInAttempt(email: email) {
            return TooManyRequests.problem(rule, retryAfter: wait, lang: ctx.lang, deps.catalogue)
        }
        switch try await SignIn(email: email, password: password).run(deps.commands) {
        case .done(let p):
            let check = SecondFactorCheck(deps: deps)
            let needsCode = try await check.required(p.id)
            var code = ""
            if needsCode {
                // NB: `code` is read only now, and only for an account with a second factor (issue 13).
                var codeErrors: [FieldError] = []
                code = json.optionalString("code", &codeErrors) ?? ""
                guard codeErrors.isEmpty else { return invalid(codeErrors, ctx) }
                guard !code.isEmpty else {
                    return Self.problem(.unauthorized, "second_factor_required", deps.catalogue.text("second_factor_signin_intro", ctx.lang),
                                        errors: [.init(field: "code", rule: "required", limit: nil, message: deps.catalogue.text("second_factor_signin_intro", ctx.lang),
                                                       line: nil, otherLine: nil, value: nil, accepted: nil)])
                }
            }
            let opened = try await SessionLifecycle(deps: deps).open(p, request: req)
            if needsCode, try await !check.verify(code, participantID: p.id, tokenHash: Tokens.hash(opened.token)) {
                try await deps.store.deleteSession(tokenHash: Tokens.hash(opened.token))
                return Self.problem(.unauthorized, "wrong_code", deps.catalogue.text("second_factor_err_code", ctx.lang),
                                    errors: [.init(field: "code", rule: "invalid", limit: nil, message: deps.catalogue.text("second_factor_err_code", ctx.lang),
                                                   line: nil, otherLine: nil, value: nil, accepted: nil)])
            }
            try await RateLimiter(deps: deps).signedIn(email: email)
            return Self.json(APIDoc.SessionDTO(token: opened.token, expiresAt: opened.expiresAt, participant: .init(p)), status: .created)
        case .refused(.accountFrozen):
            return Self.problem(.forbidden, "account_frozen", deps.catalogue.text("refused_account_frozen", ctx.lang))
        default:
            return Self.problem(.unauthorized, "wrong_credentials", deps.catalogue.text("err_wrong_credentials", ctx.lang))
        }
    }

    func deleteSession(_ req: Request, _ ctx: WebContext) async throws -> Response {
        if let r = authed(ctx) { return r }
        if let hash = ctx.sessionTokenHash { try await deps.store.deleteSession(tokenHash: hash) }
        return Response(status: .noContent)
    }

    func me(_ ctx: WebContext) -> Response {
        if let r = authed(ctx) { return r }
        return Self.json(APIDoc.ParticipantDTO(ctx.participant!))
    }

    // MARK: Reading

    func consultations(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let now = deps.clock.now()
        let items = try await deps.store.consultations()
            .filter { Permissions.can(ctx.actor, .read, on: $0, at: now) == .allowed }
            .map { APIDoc.ConsultationDTO($0, phase: $0.phase(at: now)) }
        return Self.json(APIDoc.ConsultationListDTO(items: items))
    }

    func consultation(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let now = deps.clock.now()
        guard let id = id(ctx), let c = try await deps.store.consultation(id: id),
              Permissions.can(ctx.actor, .read, on: c, at: now) == .allowed else { return notFound("consultation") }
        let sections = try await deps.store.sections(consultationID: id)
        let articles = try await deps.store.articles(consultationID: id)
        let tallies = try await deps.store.tallies(articles.map { .article($0.id) })
        let dto = sections.map { s in
            APIDoc.SectionDTO(id: s.id, title: s.title, subtitle: s.subtitle, articles: articles.filter { $0.sectionID == s.id }.map { a in
                APIDoc.ArticleSummaryDTO(
                    id: a.id, url: SiteRoute.article(a.id).path, number: a.number, title: a.title,
                    tally: .init(tallies[.article(a.id)] ?? .zero, scale: .opinion), importedTally: a.importedTally.map { .init($0, scale: .opinion) })
            })
        }
        var doc = APIDoc.ConsultationDTO(c, phase: c.phase(at: now), sections: dto)
        doc.chain = .init(try await deps.store.chainHead(consultationID: id))
        return Self.json(doc)
    }

    func proposals(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = id(ctx), let c = try await deps.store.consultation(id: id),
              Permissions.can(ctx.actor, .read, on: c, at: deps.clock.now()) == .allowed else { return notFound("consultation") }
        let p = try await deps.store.contributions(ContributionQuery(consultationID: id, kind: .proposal, placeholders: true), page: page(req))
        let answers = try await deps.store.currentAnswers(contributionIDs: p.items.map(\.contribution.id))
        return Self.json(Self.pageDTO(p, answers: answers))
    }

    /// The article with its direct contributions (amendments, arguments, sources), paginated;
    /// `?kind=amendment|argument|source` filters, `?order=supported|recent` sorts.
    func article(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = id(ctx), let a = try await deps.store.article(id: id), let c = try await deps.store.consultation(id: a.consultationID),
              Permissions.can(ctx.actor, .read, on: c, at: deps.clock.now()) == .allowed else { return notFound("article") }
        let q = req.uri.queryParameters
        var query = ContributionQuery(articleID: id, placeholders: true)
        if let k = q["kind"] {
            guard let kind = ContributionKind(rawValue: String(k)), kind != .proposal else {
                return Self.problem(.badRequest, "invalid_query", "kind must be amendment, argument or source.")
            }
            query.kind = kind
        }
        if let o = q["order"] {
            guard let order = ContributionQuery.Order(rawValue: String(o)) else {
                return Self.problem(.badRequest, "invalid_query", "order must be supported or recent.")
            }
            query.order = order
        }
        let contributions = try await deps.store.contributions(query, page: page(req))
        let tally = try await deps.store.tallies([.article(id)])[.article(id)] ?? .zero
        var mine: VoteValue?
        if let actor = ctx.actor { mine = try await deps.store.votes(participantID: actor.participantID, on: [.article(id)])[.article(id)] }
        return Self.json(APIDoc.ArticleDTO(
            id: a.id, url: SiteRoute.article(a.id).path, consultationId: a.consultationID, sectionId: a.sectionID, number: a.number,
            title: a.title, body: a.body, explanation: a.explanation, currentLaw: a.currentLaw, tally: .init(tally, scale: .opinion),
            importedTally: a.importedTally.map { .init($0, scale: .opinion) }, myVote: mine?.rawValue,
            contributions: Self.pageDTO(contributions, answers: try await deps.store.currentAnswers(contributionIDs: contributions.items.map(\.contribution.id)))))
    }

    func contribution(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = id(ctx), let c = try await deps.store.contribution(id: id),
              let consultation = try await deps.store.consultation(id: c.consultationID),
              Permissions.can(ctx.actor, .read, on: consultation, at: deps.clock.now()) == .allowed else { return notFound("contribution") }
        let now = deps.clock.now()
        let isAuthor = c.authorID != nil && c.authorID == ctx.actor?.participantID
        let isModerator = Permissions.can(ctx.actor, .moderate, on: consultation, at: now).isAllowed
        // Held and rejected items exist only for their author and the moderators; hidden ones keep a public trace.
        if c.status != .published && !isAuthor && !isModerator { return notFound("contribution") }
        if c.isHidden && c.status == .published && c.hidden == nil && !isModerator { return notFound("contribution") }
        let tally = try await deps.store.tallies([.contribution(id)])[.contribution(id)] ?? .zero
        var dto = APIDoc.ContributionDTO(c, tally: tally, redact: !isAuthor && !isModerator)
        if c.isPublic, let a = try await deps.store.answers(contributionID: id).current { dto.answer = .init(status: a.status.rawValue, at: a.at) }
        if c.isPublic, let u = try await deps.store.uptakes(contributionIDs: [id])[id] { dto.uptake = try await AnswersAPI(api: self).uptakeDTO(u) }
        return Self.json(dto)
    }

    // MARK: Writing

    func vote(_ req: Request, _ ctx: WebContext, article: Bool) async throws -> Response {
        guard let id = id(ctx) else { return notFound() }
        if let r = authed(ctx) { return r }
        let json: JSONObject
        switch await body(req) { case .failure(let r): return r.response; case .success(let j): json = j }
        var typeErrors: [FieldError] = []
        let raw = json.string("value", &typeErrors)
        guard typeErrors.isEmpty else { return invalid(typeErrors, ctx) }
        guard let value = VoteValue(rawValue: raw) else {
            return Self.problem(.unprocessableContent, "invalid_vote", "value must be one of agree, mixed, disagree, useful.",
                                errors: [.init(field: "value", rule: "invalid", limit: nil, message: deps.catalogue.message(for: FieldError(field: "value", rule: .invalid), ctx.lang))])
        }
        let target: Target = article ? .article(id) : .contribution(id)
        switch try await CastVote(actor: ctx.actor, target: target, value: value).run(deps.commands) {
        case .done(let result):
            let scale: VotingScale = value == .useful ? .usefulness : .opinion
            return Self.json(APIDoc.VoteDTO(target: target.kindName, value: value.rawValue, tally: .init(result.tally, scale: scale)))
        case .refused(let r): return refused(r, ctx)
        case .invalid(let errors):
            let detail = value == .useful
                ? "This target takes agree, mixed or disagree; useful is for arguments and sources."
                : "This target takes useful only (arguments and sources are rated useful, not agreed with)."
            return Self.problem(.unprocessableContent, "invalid_vote", detail, errors: errors.map {
                .init(field: $0.field, rule: $0.rule.rawValue, limit: $0.limit, message: deps.catalogue.message(for: $0, ctx.lang))
            })
        case .notFound: return notFound()
        case .conflict: return Self.problem(.conflict, "conflict", "Conflict.")
        }
    }

    func withdraw(_ req: Request, _ ctx: WebContext, article: Bool) async throws -> Response {
        guard let id = id(ctx) else { return notFound() }
        if let r = authed(ctx) { return r }
        let target: Target = article ? .article(id) : .contribution(id)
        switch try await WithdrawVote(actor: ctx.actor, target: target).run(deps.commands) {
        case .done: return Response(status: .noContent)
        case .refused(let r): return refused(r, ctx)
        case .notFound: return notFound()
        case .invalid(let e): return invalid(e, ctx)
        case .conflict: return Self.problem(.conflict, "conflict", "Conflict.")
        }
    }

    func amend(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = id(ctx) else { return notFound() }
        if let r = authed(ctx) { return r }
        let json: JSONObject
        switch await body(req) { case .failure(let r): return r.response; case .success(let j): json = j }
        var e: [FieldError] = []
        let text = json.string("text", &e), rationale = json.string("rationale", &e)
        guard e.isEmpty else { return invalid(e, ctx) }
        return try await created(ProposeAmendment(actor: ctx.actor, articleID: id, text: text, rationale: rationale).run(deps.commands), ctx)
    }

    func argue(_ req: Request, _ ctx: WebContext, article: Bool) async throws -> Response {
        guard let id = id(ctx) else { return notFound() }
        if let r = authed(ctx) { return r }
        let json: JSONObject
        switch await body(req) { case .failure(let r): return r.response; case .success(let j): json = j }
        var e: [FieldError] = []
        let stanceRaw = json.string("stance", &e), text = json.string("text", &e)
        guard e.isEmpty else { return invalid(e, ctx) }
        guard let stance = Stance(rawValue: stanceRaw) else { return invalid([FieldError(field: "stance", rule: .invalid)], ctx) }
        let target: Target = article ? .article(id) : .contribution(id)
        return try await created(AddArgument(actor: ctx.actor, target: target, stance: stance, text: text).run(deps.commands), ctx)
    }

    func source(_ req: Request, _ ctx: WebContext, article: Bool) async throws -> Response {
        guard let id = id(ctx) else { return notFound() }
        if let r = authed(ctx) { return r }
        let json: JSONObject
        switch await body(req) { case .failure(let r): return r.response; case .success(let j): json = j }
        var e: [FieldError] = []
        let url = json.string("url", &e), title = json.string("title", &e), summary = json.optionalString("summary", &e) ?? ""
        guard e.isEmpty else { return invalid(e, ctx) }
        let target: Target = article ? .article(id) : .contribution(id)
        return try await created(AddSource(actor: ctx.actor, target: target, url: url, title: title, summary: summary).run(deps.commands), ctx)
    }

    func propose(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = id(ctx) else { return notFound() }
        if let r = authed(ctx) { return r }
        let json: JSONObject
        switch await body(req) { case .failure(let r): return r.response; case .success(let j): json = j }
        var e: [FieldError] = []
        let title = json.string("title", &e), text = json.string("text", &e)
        guard e.isEmpty else { return invalid(e, ctx) }
        return try await created(ProposeArticle(actor: ctx.actor, consultationID: id, title: title, text: text).run(deps.commands), ctx)
    }
}

/// A decoded JSON object with typed field access that records what is missing or of the wrong type.
struct JSONObject: @unchecked Sendable {
    let values: [String: Any]

    func string(_ key: String, _ errors: inout [FieldError]) -> String {
        guard let v = values[key], !(v is NSNull) else { errors.append(FieldError(field: key, rule: .required)); return "" }
        guard let s = v as? String else { errors.append(FieldError(field: key, rule: .invalid)); return "" }
        return s
    }

    func optionalString(_ key: String, _ errors: inout [FieldError]) -> String? {
        guard let v = values[key], !(v is NSNull) else { return nil }
        guard let s = v as? String else { errors.append(FieldError(field: key, rule: .invalid)); return nil }
        return s
    }
}
