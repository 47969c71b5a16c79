import ContribuezAnalysis
import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// The follow-up JSON API (issue 9): answers, engagements, versions, uptake, Suivi, follows, notifications.
struct AnswersAPI {
    let api: APIHandlers
    var deps: WebDependencies { api.deps }

    func register(on group: RouterGroup<WebContext>) {
        group.put("contributions/:id/answer") { req, ctx in try await answer(req, ctx) }
        group.get("contributions/:id/answers") { req, ctx in try await answers(req, ctx) }
        group.get("consultations/:id/engagements") { req, ctx in try await engagements(req, ctx) }
        group.post("consultations/:id/versions") { req, ctx in try await publishVersion(req, ctx) }
        group.get("consultations/:id/versions") { req, ctx in try await versions(req, ctx) }
        group.get("articles/:id/versions") { req, ctx in try await articleVersions(req, ctx) }
        group.put("contributions/:id/uptake") { req, ctx in try await uptake(req, ctx) }
        group.delete("contributions/:id/uptake") { req, ctx in try await clearUptake(req, ctx) }
        group.get("consultations/:id/suivi") { req, ctx in try await suivi(req, ctx) }
        group.put("follows/:kind/:id") { req, ctx in try await follow(req, ctx, true) }
        group.delete("follows/:kind/:id") { req, ctx in try await follow(req, ctx, false) }
        group.get("notifications") { req, ctx in try await notifications(req, ctx) }
        group.post("notifications/read") { req, ctx in try await markRead(req, ctx) }
    }

    func respond<V>(_ outcome: Outcome<V>, _ ctx: WebContext, what: String, ok: (V) async throws -> Response) async throws -> Response {
        try await api.respond(outcome, ctx, what: what, ok: ok)
    }

    func readable(_ ctx: WebContext, consultationID: ID?) async throws -> Consultation? {
        guard let id = consultationID, let c = try await deps.store.consultation(id: id),
              Permissions.can(ctx.actor, .read, on: c, at: deps.clock.now()).isAllowed else { return nil }
        return c
    }

    // MARK: Answers

    func answer(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = api.id(ctx) else { return api.notFound("contribution") }
        if let r = api.authed(ctx) { return r }
        let json: JSONObject
        switch await api.body(req) { case .failure(let r): return r.response; case .success(let j): json = j }
        var errors = JSONObject.unknownFields(json, allowed: ["status", "text"])
        let raw = json.string("status", &errors), text = json.string("text", &errors)
        guard errors.isEmpty else { return api.invalid(errors, ctx) }
        guard let status = AnswerStatus(rawValue: raw) else {
            return api.invalid([FieldError(field: "status", rule: .unknownValue, value: AnswerStatus.allCases.map(\.rawValue).joined(separator: ", "))], ctx)
        }
        return try await respond(try await AnswerContribution(actor: ctx.actor, contributionID: id, status: status, text: text).run(deps.commands), ctx, what: "contribution") { _ in
            if let c = try await deps.store.contribution(id: id) { deps.engagementCache.invalidate(c.consultationID) }
            return try await history(id)
        }
    }

    func history(_ id: ID) async throws -> Response {
        let h = try await deps.store.answers(contributionID: id)
        guard let current = h.current else { return api.notFound("answer") }
        return APIHandlers.json(APIDoc.AnswerHistoryDTO(current: .init(current), previous: h.versions.dropFirst().map(APIDoc.AnswerDTO.init)))
    }

    func answers(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = api.id(ctx), let c = try await deps.store.contribution(id: id), c.isPublic,
              try await readable(ctx, consultationID: c.consultationID) != nil else { return api.notFound("contribution") }
        return try await history(id)
    }

    // MARK: Engagements

    static func engagementsDTO(_ ledger: EngagementLedger, consultationID: ID, tallies: [Target: Tally] = [:]) -> APIDoc.EngagementsDTO {
        APIDoc.EngagementsDTO(
            consultationId: consultationID, url: "/consultations/\(consultationID)/engagements", threshold: ledger.threshold, dueAt: ledger.dueAt,
            closed: ledger.isClosed, provisional: ledger.provisional,
            counts: .init(due: ledger.due, answeredOnTime: ledger.count(.answeredOnTime), answeredLate: ledger.count(.answeredLate),
                          overdue: ledger.count(.overdue), notYetDue: ledger.count(.notYetDue)),
            items: ledger.items.map { e in
                APIDoc.EngagementDTO(
                    contribution: APIDoc.ContributionDTO(e.candidate.contribution, tally: tallies[.contribution(e.candidate.contribution.id)] ?? .zero),
                    votes: e.candidate.votes, dueAt: e.dueAt,
                    state: e.state.rawValue, daysLate: e.daysLate, answeredAt: e.candidate.firstAnsweredAt, answerStatus: e.candidate.currentStatus?.rawValue)
            })
    }

    func engagements(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let c = try await readable(ctx, consultationID: api.id(ctx)) else { return api.notFound("consultation") }
        let ledger = try await FollowUpQueries.engagements(deps, consultation: c)
        let tallies = try await deps.store.tallies(ledger.items.map { .contribution($0.candidate.contribution.id) })
        return APIHandlers.json(Self.engagementsDTO(ledger, consultationID: c.id, tallies: tallies))
    }

    // MARK: Versions

    static func versionDTO(_ v: TextVersion, articleCount: Int? = nil) -> APIDoc.VersionDTO {
        APIDoc.VersionDTO(id: v.id, consultationId: v.consultationID, position: v.position, label: v.label, publishedAt: v.publishedAt, articleCount: articleCount)
    }

    func publishVersion(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = api.id(ctx) else { return api.notFound("consultation") }
        if let r = api.authed(ctx) { return r }
        if let type = req.headers[.contentType]?.lowercased(), !(type.hasPrefix("text/markdown") || type.hasPrefix("text/plain")) {
            return APIHandlers.problem(.unsupportedMediaType, "unsupported_media_type", "Send the text as text/markdown.")
        }
        let q = req.uri.queryParameters
        let label = q["label"].map { String($0).removingPercentEncoding ?? String($0) } ?? ""
        var date: Date?
        if let raw = q["date"] {
            guard let d = CalendarDay.parse(String(raw)) else {
                return api.invalid([FieldError(field: "date", rule: .invalid)], ctx)
            }
            date = d
        }
        var renumbering: [String: String] = [:]
        if let raw = q["renumber"] {
            guard let r = PublishTextVersion.parseRenumbering(String(raw).removingPercentEncoding ?? String(raw)) else {
                return api.invalid([FieldError(field: "renumber", rule: .invalid)], ctx)
            }
            renumbering = r
        }
        let buffer: ByteBuffer
        do { buffer = try await req.body.collect(upTo: DraftText.maxBytes) } catch {
            return APIHandlers.problem(.contentTooLarge, "too_large", deps.catalogue.text("err_text_too_large", ctx.lang))
        }
        let command = PublishTextVersion(
            actor: ctx.actor, consultationID: id, label: label, publishedAt: date, markdown: Array(buffer.readableBytesView), renumbering: renumbering)
        return try await respond(try await command.run(deps.commands), ctx, what: "consultation") { v in
            let count = try await deps.store.articleVersions(versionID: v.id).count
            return APIHandlers.json(Self.versionDTO(v, articleCount: count), status: .created)
        }
    }

    func versions(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let c = try await readable(ctx, consultationID: api.id(ctx)) else { return api.notFound("consultation") }
        let versions = try await deps.store.textVersions(consultationID: c.id)
        var items: [APIDoc.VersionDTO] = []
        for v in versions { items.append(Self.versionDTO(v, articleCount: try await deps.store.articleVersions(versionID: v.id).count)) }
        return APIHandlers.json(["items": items])
    }

    static func stageDTO(_ s: ArticleStage) -> APIDoc.ArticleVersionDTO {
        APIDoc.ArticleVersionDTO(
            version: s.version.map { versionDTO($0) }, position: s.position, label: s.version?.label ?? "v0", number: s.number,
            previousNumber: s.previousNumber, title: s.title, body: s.body, changes: s.diff.map(runs), unchanged: s.unchanged)
    }

    static func runs(_ segments: [TextDiff.Segment]) -> [APIDoc.DiffRunDTO] {
        segments.map { seg in
            switch seg {
            case .same(let t): return .init(op: "same", text: t)
            case .added(let t): return .init(op: "added", text: t)
            case .removed(let t): return .init(op: "removed", text: t)
            }
        }
    }

    struct Comparison: Encodable {
        var from: Int
        var to: Int
        var changes: [APIDoc.DiffRunDTO]
    }

    struct ArticleVersionsWithComparison: Encodable {
        var article: APIDoc.ArticleVersionsDTO
        var comparison: Comparison?
    }

    func articleVersions(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = api.id(ctx), let a = try await deps.store.article(id: id),
              try await readable(ctx, consultationID: a.consultationID) != nil else { return api.notFound("article") }
        let (_, chains) = try await FollowUpQueries.chains(deps.store, consultationID: a.consultationID)
        guard let chain = chains.first(where: { $0.consultedArticleID == id }) else { return api.notFound("article") }
        let dto = APIDoc.ArticleVersionsDTO(articleId: id, url: SiteRoute.article(id).path, versions: chain.stages.map(Self.stageDTO))
        let q = req.uri.queryParameters
        var comparison: Comparison?
        if q["from"] != nil || q["to"] != nil {
            guard let from = q["from"].flatMap({ Int(String($0)) }), let to = q["to"].flatMap({ Int(String($0)) }),
                  let diff = FollowUpQueries.compare(chain, from: from, to: to) else {
                return APIHandlers.problem(.badRequest, "invalid_query", "from and to must be version positions of this article (0 is the consulted draft).")
            }
            comparison = Comparison(from: from, to: to, changes: Self.runs(diff))
        }
        return APIHandlers.json(ArticleVersionsWithComparison(article: dto, comparison: comparison))
    }

    // MARK: Uptake and Suivi

    func uptake(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = api.id(ctx) else { return api.notFound("contribution") }
        if let r = api.authed(ctx) { return r }
        let json: JSONObject
        switch await api.body(req) { case .failure(let r): return r.response; case .success(let j): json = j }
        var errors = JSONObject.unknownFields(json, allowed: ["versionId", "articleNumber", "notTakenUp"])
        let uptake: Uptake
        if json.values["notTakenUp"] != nil {
            if json.values["versionId"] != nil || json.values["articleNumber"] != nil { errors.append(FieldError(field: "notTakenUp", rule: .notAllowed)) }
            uptake = .notTakenUp(reason: json.string("notTakenUp", &errors))
        } else {
            let version = json.int("versionId", &errors)
            uptake = .takenUp(versionID: Int64(version), articleNumber: json.string("articleNumber", &errors))
        }
        guard errors.isEmpty else { return api.invalid(errors, ctx) }
        return try await respond(try await RecordUptake(actor: ctx.actor, contributionID: id, uptake: uptake).run(deps.commands), ctx, what: "contribution") { u in
            APIHandlers.json(try await uptakeDTO(u))
        }
    }

    func clearUptake(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let id = api.id(ctx) else { return api.notFound("contribution") }
        if let r = api.authed(ctx) { return r }
        return try await respond(try await ClearUptake(actor: ctx.actor, contributionID: id).run(deps.commands), ctx, what: "uptake") { _ in
            Response(status: .noContent)
        }
    }

    func uptakeDTO(_ u: UptakeRecord) async throws -> APIDoc.UptakeDTO {
        switch u.uptake {
        case .takenUp(let versionID, let number):
            let v = try await deps.store.textVersion(id: versionID)
            return APIDoc.UptakeDTO(
                contributionId: u.contributionID, takenUp: true, versionId: versionID, versionLabel: v?.label, articleNumber: number,
                notTakenUpReason: nil, url: v.map { FollowUpQueries.uptakePath(consultationID: $0.consultationID, version: $0, number: number) }, at: u.at)
        case .notTakenUp(let reason):
            return APIDoc.UptakeDTO(contributionId: u.contributionID, takenUp: false, notTakenUpReason: reason, at: u.at)
        }
    }

    func suivi(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let c = try await readable(ctx, consultationID: api.id(ctx)) else { return api.notFound("consultation") }
        let report = try await FollowUpQueries.suivi(deps.store, consultation: c)
        var top: [APIDoc.SuiviContributionDTO] = []
        for item in report.top {
            top.append(APIDoc.SuiviContributionDTO(
                contribution: APIDoc.ContributionDTO(item.row.contribution, tally: item.row.tally), rank: item.rank, outcome: item.outcome.rawValue,
                uptake: try await item.uptake.asyncMap(uptakeDTO), answerStatus: item.answer?.status.rawValue))
        }
        return APIHandlers.json(APIDoc.SuiviDTO(
            consultationId: c.id, url: "/consultations/\(c.id)/suivi",
            versions: report.versions.map { Self.versionDTO($0) },
            articles: report.chains.map { chain in
                APIDoc.SuiviArticleDTO(number: chain.current.number, title: chain.current.title, articleId: chain.consultedArticleID,
                                       versions: chain.stages.map(Self.stageDTO))
            },
            topContributions: top))
    }

    // MARK: Follows and notifications

    func follow(_ req: Request, _ ctx: WebContext, _ on: Bool) async throws -> Response {
        guard let kind = ctx.parameters.get("kind"), let id = api.id(ctx), let target = FollowTarget(kind: kind, id: id) else {
            return api.notFound()
        }
        if let r = api.authed(ctx) { return r }
        return try await respond(try await FollowTargetCommand(actor: ctx.actor, target: target, follow: on).run(deps.commands), ctx, what: kind) { _ in
            on ? APIHandlers.json(APIDoc.FollowDTO(target: kind, id: id, following: true)) : Response(status: .noContent)
        }
    }

    func notifications(_ req: Request, _ ctx: WebContext) async throws -> Response {
        if let r = api.authed(ctx) { return r }
        let me = ctx.participant!.id
        let page = try await deps.store.notifications(participantID: me, page: api.page(req))
        let unread = try await deps.store.unreadNotifications(participantID: me)
        return APIHandlers.json(APIDoc.NotificationPageDTO(
            unread: unread, items: page.items.map(APIDoc.NotificationDTO.init), page: page.page, perPage: page.perPage, total: page.total,
            pageCount: page.pageCount))
    }

    func markRead(_ req: Request, _ ctx: WebContext) async throws -> Response {
        if let r = api.authed(ctx) { return r }
        try await deps.store.markNotificationsRead(participantID: ctx.participant!.id, at: deps.clock.now())
        return Response(status: .noContent)
    }
}

extension Optional {
    func asyncMap<U>(_ f: (Wrapped) async throws -> U) async rethrows -> U? {
        guard let v = self else { return nil }
        return try await f(v)
    }
}
