import ContribuezCore
import ContribuezSynthesis
import Foundation
import HTTPTypes
import Hummingbird

/// The synthesis routes (issue 3). Links are printed from here, never assembled elsewhere.
public enum SynthesisRoute: Sendable, Equatable {
    case page(ID)
    /// One page of the whole ranking.
    case ranking(ID, page: Int)
    /// One page of a long list of the synthesis (the first screen shows only its head).
    case list(ID, SynthesisList, page: Int)
    /// One opinion group (numbered from 1, as on the page).
    case group(ID, number: Int)
    /// One theme (numbered from 1), with one page of its contributions.
    case theme(ID, number: Int, page: Int)
    /// POST: an organiser starts a run.
    case run(ID)
    case json(ID)
    case csv(ID, SynthesisTable)
    /// The synthesis of one article (by article id), read from the latest run of its consultation.
    case article(ID)
    case articleJSON(ID)
    case articleCSV(ID, ArticleSynthesisTable)
    case stylesheet

    public var method: String { if case .run = self { return "POST" } else { return "GET" } }

    public var path: String {
        switch self {
        case .page(let id), .run(let id): return "/consultations/\(id)/synthese"
        case .ranking(let id, let page): return SynthesisRoute.list(id, .ranking, page: page).path
        case .list(let id, let list, let page): return "/consultations/\(id)/synthese/\(list.rawValue)" + (page > 1 ? "?page=\(page)" : "")
        case .group(let id, let number): return "/consultations/\(id)/synthese/groupes/\(number)"
        case .theme(let id, let number, let page): return "/consultations/\(id)/synthese/themes/\(number)" + (page > 1 ? "?page=\(page)" : "")
        case .json(let id): return "/consultations/\(id)/synthese.json"
        case .csv(let id, let table): return "/consultations/\(id)/synthese/\(table.rawValue).csv"
        case .article(let id): return "/articles/\(id)/synthese"
        case .articleJSON(let id): return "/articles/\(id)/synthese.json"
        case .articleCSV(let id, let table): return "/articles/\(id)/synthese/\(table.rawValue).csv"
        case .stylesheet: return "/static/synthesis.css"
        }
    }

    static let patterns: [(method: String, pattern: String)] = [
        ("GET", "/consultations/:id/synthese"), ("POST", "/consultations/:id/synthese"),
        ("GET", "/consultations/:id/synthese.json"), ("GET", "/consultations/:id/synthese/:table"), ("GET", "/static/synthesis.css"),
        ("GET", "/articles/:id/synthese"), ("GET", "/articles/:id/synthese.json"), ("GET", "/articles/:id/synthese/:table"),
        ("GET", "/consultations/:id/synthese/groupes/:n"), ("GET", "/consultations/:id/synthese/themes/:n"),
        ("GET", "/consultations/:id/synthese/themes"),
    ]
}

/// Synthesis pages and downloads (issue 3).
struct SynthesisHandlers {
    let deps: WebDependencies

    func register(on router: Router<WebContext>) {
        router.get("/consultations/:id/synthese") { req, ctx in try await page(req, ctx) }
        router.post("/consultations/:id/synthese") { req, ctx in try await trigger(req, ctx) }
        router.get("/consultations/:id/synthese.json") { req, ctx in try await json(req, ctx) }
        // NB: one segment serves both the CSV tables ("tallies.csv") and the long lists ("classement").
        router.get("/consultations/:id/synthese/:table") { req, ctx in try await tableOrList(req, ctx) }
        let parts = SynthesisPartPages(deps: deps)
        router.get("/consultations/:id/synthese/groupes/:n") { req, ctx in try await parts.group(req, ctx) }
        router.get("/consultations/:id/synthese/themes/:n") { req, ctx in try await parts.theme(req, ctx) }
        // NB: the trie router takes the constant "themes" of the route above and does not fall back to ":table".
        router.get("/consultations/:id/synthese/themes") { req, ctx in try await parts.list(.themes, req, ctx) }
        router.get("/static/synthesis.css") { _, _ in SynthesisStylesheet.response() }
        let articles = ArticleSynthesisHandlers(deps: deps)
        router.get("/articles/:id/synthese") { req, ctx in try await articles.page(req, ctx) }
        router.get("/articles/:id/synthese.json") { req, ctx in try await articles.json(req, ctx) }
        router.get("/articles/:id/synthese/:table") { req, ctx in try await articles.csv(req, ctx) }
    }

    func screen(_ req: Request, _ ctx: WebContext) -> Screen { Screen(deps: deps, context: ctx, request: req) }

    /// The consultation of the route, when the visitor may read it.
    func readable(_ ctx: WebContext) async throws -> Consultation? {
        guard let id = ctx.parameters.get("id", as: Int64.self), id > 0, let c = try await deps.store.consultation(id: id),
              Permissions.can(ctx.actor, .read, on: c, at: deps.clock.now()) == .allowed else { return nil }
        return c
    }

    func stored(_ id: ID) async throws -> (run: SynthesisRun, report: SynthesisReport)? {
        guard let found = try await deps.store.latestSynthesisResult(consultationID: id),
              let report = deps.synthesisReports.report(run: found.run.id, json: found.json) else { return nil }
        return (found.run, report)
    }

    /// The local debates' show-of-hands counts beside the online votes, article by article (issue 15): live figures
    /// read at request time, as on the article pages, and never added together. Nil when no report counted hands.
    func debates(_ s: Screen, _ c: Consultation) async throws -> [String: Any]? {
        let sums = try await deps.store.debateVoteSums(consultationID: c.id)
        let profile = try await deps.store.debateProfileSums(consultationID: c.id)
        guard !sums.isEmpty || !profile.isEmpty else { return nil }
        // NB: one row per article that has counts: bounded by the text's length, so not paginated.
        let articles = try await deps.store.articles(consultationID: c.id).filter { sums[$0.id] != nil }
        let online = try await deps.store.tallies(articles.map { .article($0.id) })
        let rows: [[String: Any]] = articles.map { a in
            let sum = sums[a.id]!
            let live = online[.article(a.id)] ?? .zero
            return [
                "label": DebateReportTemplate.articleLabel(a), "url": SynthesisRoute.article(a.id).path,
                "online": s.text("synthesis_debates_row", ["agree": "\(live.agree)", "mixed": "\(live.mixed)", "disagree": "\(live.disagree)"]),
                "room": s.text("synthesis_debates_room_row", [
                    "agree": "\(sum.agree)", "mixed": "\(sum.mixed)", "disagree": "\(sum.disagree)", "debates": "\(sum.debates)",
                ]),
            ]
        }
        // The rooms' profiles, summed over the reports that gave one, beside the population's shares: who the rooms were.
        let margins = Reweighting.margins(uploaded: try await deps.store.uploadedMargins(consultationID: c.id))
        let tables = DebateReportView.profileTables(profile.counts, s, margins: margins) { q, answered in
            s.text("synthesis_debates_profile_footer", ["people": "\(answered)", "reports": "\(profile.reports[q] ?? 0)"])
        }
        return [
            "counts": try await DebateReportPages(deps: deps).consultationReports(s, c), "rows": rows, "hasRows": !rows.isEmpty,
            "listURL": DebateRoute.list(consultationID: c.id, when: .past).path,
            "hasProfile": !tables.isEmpty, "profile": tables,
        ]
    }

    func page(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let c = try await readable(ctx) else { return s.notFound() }
        let latest = try await deps.store.latestSynthesisRun(consultationID: c.id)
        let result = try await stored(c.id)
        let view = SynthesisView(screen: s, consultation: c)
        var data = view.data(latest: latest, result: result?.report, canRun: Permissions.can(ctx.actor, .organise, on: c, at: deps.clock.now()) == .allowed,
                             chain: try await deps.store.chainHead(consultationID: c.id))
        if let debates = try await debates(s, c) { data["debates"] = debates }
        return s.html("synthesis", title: s.text("synthesis_title", ["title": c.title]), data: data)
    }

    func trigger(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success: break
        }
        guard let c = try await readable(ctx) else { return s.notFound() }
        guard Permissions.can(ctx.actor, .organise, on: c, at: deps.clock.now()) == .allowed else { return s.error(.forbidden, s.text("synthesis_organisers_only")) }
        let (store, clock) = (deps.store, deps.clock)
        if let run = try await Synthesis.start(store: store, consultationID: c.id, clock: clock) {
            // NB: off the request path; the run row reports progress to every page and node.
            Task.detached { await Synthesis.execute(run, store: store, clock: clock) }
        }
        return Screen.redirect(SynthesisRoute.page(c.id).path)
    }

    func json(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let c = try await readable(ctx) else { return s.notFound() }
        guard let found = try await deps.store.latestSynthesisResult(consultationID: c.id) else {
            return s.error(.notFound, s.text("synthesis_none"))
        }
        return SynthesisDownloads.response(
            found.json, contentType: "application/json; charset=utf-8", filename: "synthese-\(c.id).json")
    }

    func tableOrList(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let raw = ctx.parameters.get("table") ?? ""
        if let list = SynthesisList(rawValue: raw) { return try await SynthesisPartPages(deps: deps).list(list, req, ctx) }
        return try await csv(req, ctx)
    }

    func csv(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let c = try await readable(ctx) else { return s.notFound() }
        let raw = ctx.parameters.get("table") ?? ""
        guard raw.hasSuffix(".csv"), let table = SynthesisTable(rawValue: String(raw.dropLast(4))) else { return s.notFound() }
        guard let result = try await stored(c.id) else { return s.error(.notFound, s.text("synthesis_none")) }
        return SynthesisDownloads.response(
            Data(SynthesisDownloads.csv(table, result.report).utf8), contentType: "text/csv; charset=utf-8",
            filename: "synthese-\(c.id)-\(table.rawValue).csv")
    }
}

/// Serves `Resources/static/synthesis.css`.
enum SynthesisStylesheet {
    static let data: Data? = Bundle.module.url(forResource: "synthesis", withExtension: "css", subdirectory: "Resources/static")
        .flatMap { try? Data(contentsOf: $0) }

    static func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/css; charset=utf-8"
        headers[.cacheControl] = "public, max-age=3600"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data ?? Data())))
    }
}
