import ContribuezCore
import ContribuezOpenData
import Foundation
import HTTPTypes
import Hummingbird

/// The debate kit of a consultation (issue 15, item 2), under CC BY-SA 4.0: one print-ready HTML document (A4 pages,
/// no navigation when printed) with the text (articles and their explanations), a facilitation guide, one vote sheet
/// per article and the report template; and that report template as CSV and JSON files, pre-filled with the
/// consultation and its articles, which an organiser fills in and uploads after the debate.
enum KitRoute: Sendable, Equatable {
    case kit(ID)
    case reportCSV(ID)
    case reportJSON(ID)
    case stylesheet

    var path: String {
        switch self {
        case .kit(let id): return "/consultations/\(id)/kit"
        case .reportCSV(let id): return "/consultations/\(id)/kit/compte-rendu.csv"
        case .reportJSON(let id): return "/consultations/\(id)/kit/compte-rendu.json"
        case .stylesheet: return "/static/kit.css"
        }
    }

    static let patterns: [(method: String, pattern: String)] = [
        ("GET", "/consultations/:id/kit"), ("GET", "/consultations/:id/kit/compte-rendu.csv"),
        ("GET", "/consultations/:id/kit/compte-rendu.json"), ("GET", "/static/kit.css"),
    ]
}

/// The report template's two forms, in the columns and keys the upload reads (`DebateReportReader`).
enum DebateReportTemplate {
    static let format = DebateReportReader.format
    static let columns = DebateReportReader.columns

    /// One `attendance` row, one `vote` row per article (counts left empty), one `synthesis` row. Amendments and
    /// arguments are added by the organiser as rows of their own (`amendment`: article_id, text; `argument`:
    /// article_id, stance `for` or `against`, text). Then one `profile` row per answer of the profile questionnaire
    /// (count empty: optional), its key in `text` and its label in `article_title`.
    static func csv(_ c: Consultation, articles: [Article], profileLabel: (DebateProfileCount) -> String = { $0.key }) -> [UInt8] {
        var out: [UInt8] = []
        CSVWriter.header(columns, to: &out)
        let cid = CSVCell.int(c.id)
        CSVWriter.append([.text("attendance"), cid, .empty, .empty, .empty, .empty, .empty, .empty, .empty, .empty], to: &out)
        for a in articles {
            CSVWriter.append(
                [.text("vote"), cid, .int(a.id), .text(articleLabel(a)), .empty, .empty, .empty, .empty, .empty, .empty], to: &out)
        }
        CSVWriter.append([.text("synthesis"), cid, .empty, .empty, .empty, .empty, .empty, .empty, .empty, .empty], to: &out)
        for p in profileAnswers {
            CSVWriter.append([.text("profile"), cid, .empty, .text(profileLabel(p)), .empty, .empty, .empty, .empty, .empty, .text(p.key)], to: &out)
        }
        return out
    }

    struct JSONTemplate: Encodable {
        struct Vote: Encodable {
            var articleID: ID
            var articleTitle: String
            enum CodingKeys: String, CodingKey { case articleID = "article_id", articleTitle = "article_title", agree, mixed, disagree }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(articleID, forKey: .articleID)
                try c.encode(articleTitle, forKey: .articleTitle)
                // Counts to fill in: null until then.
                try c.encodeNil(forKey: .agree)
                try c.encodeNil(forKey: .mixed)
                try c.encodeNil(forKey: .disagree)
            }
        }
        struct Text: Encodable {}
        struct Profile: Encodable {
            var question: String
            var code: String
            var label: String
            enum CodingKeys: String, CodingKey { case question, code, label, count }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(question, forKey: .question)
                try c.encode(code, forKey: .code)
                try c.encode(label, forKey: .label)
                try c.encodeNil(forKey: .count)
            }
        }
        var consultationID: ID
        var votes: [Vote]
        var profile: [Profile]
        enum CodingKeys: String, CodingKey {
            case format, consultationID = "consultation_id", attendance, votes, amendments, arguments, synthesis, profile
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(DebateReportTemplate.format, forKey: .format)
            try c.encode(consultationID, forKey: .consultationID)
            try c.encodeNil(forKey: .attendance)
            try c.encode(votes, forKey: .votes)
            try c.encode([Text](), forKey: .amendments)
            try c.encode([Text](), forKey: .arguments)
            try c.encode("", forKey: .synthesis)
            try c.encode(profile, forKey: .profile)
        }
    }

    static func json(_ c: Consultation, articles: [Article], profileLabel: (DebateProfileCount) -> String = { $0.key }) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(JSONTemplate(
            consultationID: c.id, votes: articles.map { .init(articleID: $0.id, articleTitle: articleLabel($0)) },
            profile: profileAnswers.map { .init(question: $0.question.rawValue, code: $0.code, label: profileLabel($0)) }))
    }

    /// Every answer a room's profile may count, in the questionnaire's order (count 0: a placeholder).
    static let profileAnswers: [DebateProfileCount] = DebateProfileCount.questions.flatMap { q in
        q.codes.map { DebateProfileCount(question: q, code: $0, count: 0) }
    }

    /// "Article 3 — Titre" as the sheets print it.
    static func articleLabel(_ a: Article) -> String { a.title.isEmpty ? "Article \(a.number)" : "Article \(a.number) — \(a.title)" }
}

struct DebateKitPages {
    let deps: WebDependencies

    func register(on router: Router<WebContext>) {
        router.get("/consultations/:id/kit") { req, ctx in try await kit(req, ctx) }
        router.get("/consultations/:id/kit/compte-rendu.csv") { req, ctx in try await reportCSV(req, ctx) }
        router.get("/consultations/:id/kit/compte-rendu.json") { req, ctx in try await reportJSON(req, ctx) }
        router.get("/static/kit.css") { _, _ in KitStylesheet.response() }
    }

    /// The consultation of the path and its text, when the actor may read it.
    func readable(_ ctx: WebContext) async throws -> (Consultation, [Section], [Article])? {
        guard let id = Institution.id(ctx), let c = try await deps.store.consultation(id: id),
              Permissions.can(ctx.actor, .read, on: c, at: deps.clock.now()) == .allowed else { return nil }
        let sections = try await deps.store.sections(consultationID: id).sorted { $0.position < $1.position }
        let articles = try await deps.store.articles(consultationID: id)
        // NB: in the order of the text: by section, then by position within it.
        let sectionOrder = Dictionary(uniqueKeysWithValues: sections.enumerated().map { ($1.id, $0) })
        let ordered = articles.sorted {
            let (a, b) = (sectionOrder[$0.sectionID] ?? Int.max, sectionOrder[$1.sectionID] ?? Int.max)
            return a != b ? a < b : $0.position < $1.position
        }
        return (c, sections, ordered)
    }

    func kit(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = Screen(deps: deps, context: ctx, request: req)
        guard let (c, sections, articles) = try await readable(ctx) else { return s.notFound() }
        var jobs: [RenderJob] = []
        for a in articles {
            jobs.append(.body(.article(a.id), a.body))
            if !a.explanation.isEmpty { jobs.append(RenderJob(key: RenderedKey(.article(a.id), .explanation), text: a.explanation)) }
        }
        let html = try await deps.views.rendered.html(jobs, store: deps.store)
        func articleData(_ a: Article) -> [String: Any] {
            var d: [String: Any] = [
                "id": a.id, "number": a.number, "title": a.title, "label": DebateReportTemplate.articleLabel(a),
                "bodyHTML": html[RenderedKey(.article(a.id), .body)] ?? "",
            ]
            if let e = html[RenderedKey(.article(a.id), .explanation)] { d["explanationHTML"] = e }
            // The law before (plain text, escaped by the template) beside the text after; "" hides the column.
            if !a.currentLaw.isEmpty { d["currentLaw"] = a.currentLaw }
            return d
        }
        var bySection: [ID: [Article]] = [:]
        for a in articles { bySection[a.sectionID, default: []].append(a) }
        let text: [[String: Any]] = sections.compactMap { section in
            guard let list = bySection[section.id] else { return section.level > 0 ? ["title": section.title, "subtitle": section.subtitle, "articles": [Any]()] : nil }
            return ["title": section.title, "subtitle": section.subtitle, "hasTitle": !section.title.isEmpty, "articles": list.map(articleData)]
        }
        let generated = DateFormatter.kitDate(lang: s.lang).string(from: deps.clock.now())
        var d = s.base()
        d["title"] = s.text("kit_title") + " — " + c.title
        d["consultationTitle"] = c.title
        d["institution"] = c.institution
        d["summary"] = c.summary
        d["consultationURL"] = SiteRoute.consultation(c.id).path
        d["debatesURL"] = DebateRoute.list(consultationID: c.id).path
        d["csvURL"] = KitRoute.reportCSV(c.id).path
        d["jsonURL"] = KitRoute.reportJSON(c.id).path
        d["stylesheet"] = KitRoute.stylesheet.path
        d["generated"] = s.text("kit_generated", ["date": generated])
        d["sections"] = text
        d["sheets"] = articles.map(articleData)
        d["hasArticles"] = !articles.isEmpty
        d["articleCount"] = articles.count
        d["reportRows"] = articles.map { ["label": DebateReportTemplate.articleLabel($0)] }
        d["profileSheet"] = DebateProfileCount.questions.map { q -> [String: Any] in
            ["question": s.text("profile_q_\(q.rawValue)"), "answers": q.codes.map { ["label": s.text("profile_a_\(q.rawValue)_\($0)")] }]
        }
        d["consultationID"] = c.id
        let body = deps.views.render("debate_kit", d)
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentLanguage] = s.lang.rawValue
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    func reportCSV(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let (c, _, articles) = try await readable(ctx) else { return Screen(deps: deps, context: ctx, request: req).notFound() }
        let s = Screen(deps: deps, context: ctx, request: req)
        let csv = DebateReportTemplate.csv(c, articles: articles) { DebateReportView.profileLabel($0, s) }
        return download(csv, type: "text/csv; charset=utf-8", name: "compte-rendu-\(c.slug).csv")
    }

    func reportJSON(_ req: Request, _ ctx: WebContext) async throws -> Response {
        guard let (c, _, articles) = try await readable(ctx) else { return Screen(deps: deps, context: ctx, request: req).notFound() }
        let s = Screen(deps: deps, context: ctx, request: req)
        let json = try DebateReportTemplate.json(c, articles: articles) { DebateReportView.profileLabel($0, s) }
        return download(Array(json), type: "application/json", name: "compte-rendu-\(c.slug).json")
    }

    func download(_ bytes: [UInt8], type: String, name: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        // NB: only [a-z0-9.-] reach the quoted name (an imported slug may hold anything).
        let safe = String(String.UnicodeScalarView(name.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "." }))
        headers[.contentDisposition] = "attachment; filename=\"\(safe)\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension DateFormatter {
    /// "4 décembre 2026" / "4 December 2026".
    static func kitDate(lang: Lang) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: lang == .fr ? "fr_FR" : "en_GB")
        f.timeZone = TimeZone(identifier: "Europe/Paris")
        f.dateStyle = .long
        f.timeStyle = .none
        return f
    }
}

enum KitStylesheet {
    static let data: Data? = Bundle.module.url(forResource: "kit", withExtension: "css", subdirectory: "Resources/static")
        .flatMap { try? Data(contentsOf: $0) }

    static func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/css; charset=utf-8"
        headers[.cacheControl] = "public, max-age=3600"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data ?? Data())))
    }
}
