import ContribuezCore
import ContribuezOpenData
import ContribuezSynthesis
import Foundation
import HTTPTypes
import Hummingbird

/// The public read API of the open data (issue 12): every table of the open-data package, page by
/// page, with the same columns and the same rows as its CSV file, under the package's publication
/// rule (`OpenDataAccess`: public once published; before that, the consultation's organisers only).
///
/// `GET /api/v1/consultations/{id}/open-data` lists the tables; `GET …/open-data/{table}?page=&per_page=`
/// gives one page of one table. Pages are counted in the package's row order; a deep page is read
/// from the start of the table (cost grows with the page number): for a whole table, the ZIP is
/// cheaper. `ETag` and `If-None-Match` come from `ResponseMiddleware`; `Cache-Control` is set here.
struct OpenDataAPI {
    let api: APIHandlers
    var deps: WebDependencies { api.deps }

    static let defaultPerPage = 100
    static let maxPerPage = 500
    /// Rows read per query while skipping to a page.
    static let readSize = 2_000

    func register(on group: RouterGroup<WebContext>) {
        group.get("consultations/:id/open-data") { req, ctx in try await index(req, ctx) }
        group.get("consultations/:id/open-data/:table") { req, ctx in try await table(req, ctx) }
    }

    /// The consultation and its publication state, when the caller may read its open data.
    func access(_ ctx: WebContext) async throws -> (Consultation, OpenDataAccess)? {
        let now = deps.clock.now()
        guard let id = api.id(ctx), let c = try await deps.store.consultation(id: id),
              Permissions.can(ctx.actor, .read, on: c, at: now) == .allowed,
              let access = try await OpenDataAccess.check(c, actor: ctx.actor, store: deps.store, at: now), access.mayDownload
        else { return nil }
        return (c, access)
    }

    func unavailable() -> Response {
        APIHandlers.problem(.notFound, "not_found", "No such consultation, or its open data is not published yet.")
    }

    /// Public data may be kept by shared caches a short while (votes still move while it is open);
    /// before publication only organisers see it, and no cache may keep it.
    static func cacheControl(_ access: OpenDataAccess, _ c: Consultation, at now: Date) -> String {
        guard access.isPublic else { return "private, no-store" }
        return c.phase(at: now) == .closed ? "public, max-age=300" : "public, max-age=30"
    }

    func index(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let (c, access) = try await access(ctx) else { return unavailable() }
        let hasSynthesis = try await deps.store.latestSynthesisResult(consultationID: c.id) != nil
        let tables = OpenDataFormat.tables + (hasSynthesis ? OpenDataFormat.synthesisTables : [])
        let dto = APIDoc.OpenDataIndexDTO(
            consultation: c.id, isPublic: access.isPublic, formatVersion: OpenDataFormat.version,
            download: "/consultations/\(c.id)/donnees.zip",
            tables: tables.map {
                .init(name: $0.name, title: $0.title, columns: $0.columns, primaryKey: $0.primaryKey,
                      href: OpenDataAPIRoute.table(consultationID: c.id, table: $0.name, page: 1, perPage: Self.defaultPerPage).path)
            })
        var response = APIHandlers.json(dto)
        response.headers[.cacheControl] = Self.cacheControl(access, c, at: deps.clock.now())
        return response
    }

    func table(_ req: Request, _ ctx: WebContext) async throws -> Response {
        // The request first: a bad table name or page answers 422 whatever the consultation.
        var errors: [FieldError] = []
        let name = ctx.parameters.get("table") ?? ""
        let table = OpenDataFormat.table(named: name)
        if table == nil {
            let names = (OpenDataFormat.tables + OpenDataFormat.synthesisTables).map(\.name)
            errors.append(FieldError(field: "table", rule: .unknownValue, value: names.joined(separator: ", ")))
        }
        let q = req.uri.queryParameters
        var page = 1, perPage = Self.defaultPerPage
        if let raw = q["page"] {
            if let p = Int(String(raw)), p >= 1, p <= 1_000_000_000 { page = p } else { errors.append(FieldError(field: "page", rule: .invalid, value: String(raw))) }
        }
        if let raw = q["per_page"] {
            if let p = Int(String(raw)), (1...Self.maxPerPage).contains(p) { perPage = p } else {
                errors.append(FieldError(field: "per_page", rule: .invalid, limit: Self.maxPerPage, value: String(raw)))
            }
        }
        guard errors.isEmpty, let table else { return api.invalid(errors, ctx) }
        guard let (c, access) = try await access(ctx) else { return unavailable() }

        let now = deps.clock.now()
        let store = deps.store
        var ledger: EngagementLedger?
        if table == OpenDataFormat.answerStatistics {
            ledger = EngagementLedger.compute(
                consultation: c, candidates: try await store.engagementCandidates(consultationID: c.id, closesAt: c.closesAt), now: now)
        }
        var synthesis: SynthesisReport?
        if OpenDataFormat.synthesisTables.contains(table) {
            guard let (_, json) = try await store.latestSynthesisResult(consultationID: c.id),
                  let report = try? SynthesisReport.decoder.decode(SynthesisReport.self, from: json)
            else { return APIHandlers.problem(.notFound, "not_found", "This consultation has no synthesis yet, so no \(table.name) table.") }
            synthesis = report
        }
        let skip = (page - 1) * perPage
        let rows: [[String]] = try await store.withOpenDataReader { [ledger, synthesis] reader in
            let source = OpenDataRows(consultation: c, reader: reader, readAt: now, ledger: ledger, synthesis: synthesis, pageSize: Self.readSize)
            var seen = 0
            var out: [[String]] = []
            // One row more than the page, to know whether there is a next one.
            try await source.scan(table) { cells in
                seen += 1
                if seen > skip { out.append(cells.map(OpenDataRows.value)) }
                return out.count <= perPage
            }
            return out
        }
        let hasNext = rows.count > perPage
        let route = { (p: Int) in OpenDataAPIRoute.table(consultationID: c.id, table: table.name, page: p, perPage: perPage).path }
        let next = hasNext ? route(page + 1) : nil
        let prev = page > 1 ? route(page - 1) : nil
        let dto = APIDoc.OpenDataPageDTO(
            table: table.name, title: table.title, columns: table.columns, page: page, perPage: perPage,
            rows: Array(rows.prefix(perPage)), next: next, prev: prev)
        var response = APIHandlers.json(dto)
        response.headers[.cacheControl] = Self.cacheControl(access, c, at: now)
        let links = [next.map { "<\($0)>; rel=\"next\"" }, prev.map { "<\($0)>; rel=\"prev\"" }].compactMap { $0 }
        if !links.isEmpty { response.headers[HTTPField.Name("Link")!] = links.joined(separator: ", ") }
        return response
    }
}

/// The read API's links, printed from here.
enum OpenDataAPIRoute: Equatable {
    case index(consultationID: ID)
    case table(consultationID: ID, table: String, page: Int, perPage: Int)

    var path: String {
        switch self {
        case .index(let id): return APIRoute.prefix + "/consultations/\(id)/open-data"
        case .table(let id, let table, let page, let perPage):
            return APIRoute.prefix + "/consultations/\(id)/open-data/\(table)?page=\(page)&per_page=\(perPage)"
        }
    }
}

extension APIDoc {
    /// `GET /consultations/{id}/open-data`.
    struct OpenDataIndexDTO: Encodable {
        struct Table: Encodable {
            var name: String
            var title: String
            var columns: [String]
            var primaryKey: [String]
            var href: String
        }
        var consultation: ID
        var isPublic: Bool
        var formatVersion: String
        var download: String
        var tables: [Table]
    }

    /// `GET /consultations/{id}/open-data/{table}`: one page of rows, cells in `columns` order.
    struct OpenDataPageDTO: Encodable {
        var table: String
        var title: String
        var columns: [String]
        var page: Int
        var perPage: Int
        var rows: [[String]]
        var next: String?
        var prev: String?
    }
}
