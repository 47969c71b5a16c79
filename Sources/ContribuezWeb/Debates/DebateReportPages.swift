import ContribuezAnalysis
import ContribuezCore
import ContribuezSynthesis
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Debate reports (issue 15, items 3–5): the form and the template upload (one multipart POST), the report on the
/// debate page, the attachments as downloads, and the « Débats locaux » counts beside the online tallies.
struct DebateReportPages {
    let deps: WebDependencies

    var now: Date { deps.clock.now() }
    /// Amendment and argument rows the form offers (a template takes any number).
    static let formRows = 5
    /// The largest request: every attachment at its limit, a template, and the form's text.
    static let bodyLimit = DebateReportLimits.attachmentCount * DebateReportLimits.attachmentBytes + DebateReportLimits.templateBytes + 1024 * 1024

    func register(on router: Router<WebContext>) {
        router.get("/debats/:id/compte-rendu") { req, ctx in try await form(req, ctx) }
        router.post("/debats/:id/compte-rendu") { req, ctx in try await file(req, ctx) }
        router.get("/debats/:id/compte-rendu/pieces/:n") { req, ctx in try await attachment(req, ctx) }
    }

    func screen(_ req: Request, _ ctx: WebContext) -> Screen { Screen(deps: deps, context: ctx, request: req) }

    func readableDebate(_ ctx: WebContext) async throws -> (DebateRow, Consultation)? {
        try await DebatePages(deps: deps).readableDebate(ctx)
    }

    // MARK: The form

    func form(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let (row, c) = try await readableDebate(ctx) else { return s.notFound() }
        guard ctx.participant != nil else { return Screen.redirect(SiteRoute.signIn.path) }
        if case .refused(let r) = FileDebateReport.mayFile(ctx.actor, row.debate, c, at: now) { return s.refused(r) }
        if try await deps.store.debateReport(debateID: row.debate.id) != nil {
            return Screen.redirect(DebateRoute.debate(row.debate.id).path + "#compte-rendu")
        }
        if let p = FileDebateReport.debateProblem(row.debate, c, at: now) {
            return s.error(.conflict, DebateReportView.message(p, s, articles: [:]))
        }
        return try await page(s, row, c, draft: [:], problems: [])
    }

    func page(_ s: Screen, _ row: DebateRow, _ c: Consultation, draft: [String: String], problems: [String],
              status: HTTPResponse.Status = .ok) async throws -> Response {
        let d = row.debate
        let articles = try await deps.store.articles(consultationID: c.id)
        func options(_ selected: String) -> [[String: Any]] {
            articles.map { a in
                ["value": "\(a.id)", "label": DebateReportView.articleLabel(a, s), "selected": selected == "\(a.id)"] as [String: Any]
            }
        }
        var data: [String: Any] = [
            "title": d.title, "debateURL": DebateRoute.debate(d.id).path, "when": DebateView.when(d, s),
            "action": DebateReportRoute.file(d.id).path, "consultationID": "\(c.id)",
            "attendance": draft["attendance"] ?? "", "synthesis": draft["synthesis"] ?? "",
            "articles": articles.map { a -> [String: Any] in
                ["id": "\(a.id)", "label": DebateReportView.articleLabel(a, s),
                 "agree": draft["vote_\(a.id)_agree"] ?? "", "mixed": draft["vote_\(a.id)_mixed"] ?? "", "disagree": draft["vote_\(a.id)_disagree"] ?? ""]
            },
            "amendments": (1...Self.formRows).map { i -> [String: Any] in
                ["n": "\(i)", "options": options(draft["amendment_\(i)_article"] ?? ""), "text": draft["amendment_\(i)_text"] ?? ""]
            },
            "arguments": (1...Self.formRows).map { i -> [String: Any] in
                ["n": "\(i)", "options": options(draft["argument_\(i)_article"] ?? ""), "text": draft["argument_\(i)_text"] ?? "",
                 "for": draft["argument_\(i)_stance"] == "for", "against": draft["argument_\(i)_stance"] == "against"]
            },
            "attachmentsHint": s.text("debate_report_attachments_hint", [
                "n": "\(DebateReportLimits.attachmentCount)", "mb": "\(DebateReportLimits.attachmentBytes / (1024 * 1024))"]),
            "templateHint": s.text("debate_report_template_hint", ["columns": DebateReportReader.columns.joined(separator: ",")]),
            "profileQuestions": DebateProfileCount.questions.map { q -> [String: Any] in
                ["label": s.text("profile_q_\(q.rawValue)"), "answers": q.codes.map { code -> [String: Any] in
                    let name = DebateReportView.profileField(q, code)
                    return ["name": name, "label": s.text("profile_a_\(q.rawValue)_\(code)"), "value": draft[name] ?? ""]
                }]
            },
            "profileOpen": draft.contains { $0.key.hasPrefix("profile_") && !$0.value.trimmingCharacters(in: .whitespaces).isEmpty },
        ]
        if !problems.isEmpty { data["errors"] = ["items": problems] }
        return s.html("debate_report_form", title: s.text("debate_report_title") + " — " + d.title, data: data, status: status)
    }

    // MARK: Filing

    func file(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard OriginCheck.isSameOrigin(req) else { return s.error(.forbidden, s.text("error_csrf")) }
        // NB: who may file is settled before the body is read: nobody else makes the server read 100 MB.
        guard let (row, c) = try await readableDebate(ctx) else { return s.notFound() }
        guard ctx.participant != nil else { return s.refused(.notSignedIn) }
        if case .refused(let r) = FileDebateReport.mayFile(ctx.actor, row.debate, c, at: now) { return s.refused(r) }
        let form: MultipartForm
        do { form = try await MultipartForm.read(req, limit: Self.bodyLimit) } catch MultipartForm.Failure.tooLarge {
            return s.error(.contentTooLarge, s.text("debate_report_too_large", [
                "n": "\(DebateReportLimits.attachmentCount)", "mb": "\(DebateReportLimits.attachmentBytes / (1024 * 1024))"]))
        } catch MultipartForm.Failure.notMultipart {
            return s.error(.unsupportedMediaType, s.text("debate_report_not_multipart"))
        } catch {
            return s.error(.badRequest, s.text("error_bad_request", ["detail": s.text("error_detail_encoding")]))
        }
        let sent = form.string("_csrf")
        guard !sent.isEmpty, !ctx.csrfToken.isEmpty, Tokens.equal(sent, ctx.csrfToken), !ctx.issueVisitorCSRF || ctx.session != nil
        else { return s.error(.forbidden, s.text("error_csrf")) }
        let articles = try await deps.store.articles(consultationID: c.id)
        let (input, draft) = DebateReportView.input(form, articles: articles, s)
        let photos = form.files("photos").map { DebateAttachmentUpload(filename: $0.filename, bytes: $0.bytes) }
        let command = FileDebateReport(actor: ctx.actor, debateID: row.debate.id, input: input, attachments: photos)
        switch try await command.run(deps.commands) {
        case .done: return Screen.redirect(DebateRoute.debate(row.debate.id).path + "?fait=compte_rendu#compte-rendu")
        case .invalid(let problems):
            let byID = Dictionary(uniqueKeysWithValues: articles.map { ($0.id, $0) })
            var messages = problems.map { DebateReportView.message($0, s, articles: byID) }
            if !photos.isEmpty { messages.append(s.text("debate_report_choose_files_again")) }
            return try await page(s, row, c, draft: draft, problems: messages, status: .unprocessableContent)
        case .refused(let r): return s.refused(r)
        case .notFound: return s.notFound()
        }
    }

    // MARK: Attachments

    func attachment(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let (row, _) = try await readableDebate(ctx), let n = ctx.parameters.get("n", as: Int.self), n >= 1,
              let (a, bytes) = try await deps.store.debateReportAttachment(debateID: row.debate.id, number: n) else { return s.notFound() }
        var headers = HTTPFields()
        headers[.contentType] = a.type.rawValue
        // NB: always a download, never shown in the page's origin; the name is ASCII-only in `filename` (RFC 6266).
        let ascii = String(a.filename.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? Character($0) : "_" })
        let fallback = "debat-\(row.debate.id)-piece-\(a.number).\(a.type.fileExtension)"
        let encoded = a.filename.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? fallback
        headers[.contentDisposition] = "attachment; filename=\"\(ascii.isEmpty ? fallback : ascii)\"; filename*=UTF-8''\(encoded)"
        headers[.cacheControl] = "private, max-age=3600"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: The debate page

    /// The report on its debate's page, or the link to file it, or the note that it is missing.
    func decorateDebate(_ data: inout [String: Any], _ s: Screen, _ row: DebateRow, _ c: Consultation) async throws {
        let d = row.debate
        guard !d.isCancelled else { return }
        if let report = try await deps.store.debateReport(debateID: d.id) {
            let articles = Dictionary(uniqueKeysWithValues: try await deps.store.articles(consultationID: c.id).map { ($0.id, $0) })
            var contributions: [[String: Any]] = []
            for id in report.contributionIDs {
                guard let x = try await deps.store.contribution(id: id), x.isPublic || s.context.actor != nil else { continue }
                let article = x.articleID.flatMap { articles[$0] }.map { DebateReportView.articleLabel($0, s) } ?? ""
                let kind = x.kind == .amendment ? s.text("debate_report_amendment") : s.text(x.stance == .against ? "arguments_against" : "arguments_for")
                contributions.append([
                    "url": SiteRoute.contribution(x.id).path, "label": "\(kind) — \(article)",
                    "excerpt": x.isPublic ? Screen.excerpt(x.body, 300) : s.text("debate_report_contribution_not_public"),
                ])
            }
            data["report"] = [
                "attendance": s.text("debate_report_attendance_value", ["n": "\(report.attendance)"]),
                "filedAt": s.text("debate_report_filed_on", ["date": deps.catalogue.date(report.filedAt, s.lang)]),
                "paragraphs": DebateView.paragraphs(report.synthesis), "hasVotes": !report.votes.isEmpty,
                "votes": report.votes.map { v -> [String: Any] in
                    let a = articles[v.articleID]
                    return ["label": a.map { DebateReportView.articleLabel($0, s) } ?? "#\(v.articleID)", "url": SiteRoute.article(v.articleID).path,
                            "agree": v.agree.map(String.init) ?? "—", "mixed": v.mixed.map(String.init) ?? "—", "disagree": v.disagree.map(String.init) ?? "—"]
                },
                "hasContributions": !contributions.isEmpty, "contributions": contributions,
                "hasProfile": !report.profile.isEmpty,
                "profile": DebateReportView.profileRows(report, s, margins: Reweighting.margins(uploaded: try await deps.store.uploadedMargins(consultationID: c.id))),
                "hasAttachments": !report.attachments.isEmpty,
                "attachments": report.attachments.map { a -> [String: Any] in
                    ["name": a.filename, "url": DebateReportRoute.attachment(d.id, a.number).path,
                     "size": s.text("debate_report_size", ["kb": "\(max(1, (a.size + 1023) / 1024))"])]
                },
            ] as [String: Any]
        } else if d.hasStarted(at: now) {
            if FileDebateReport.mayFile(s.context.actor, d, c, at: now) == .allowed, FileDebateReport.debateProblem(d, c, at: now) == nil {
                data["reportFormURL"] = DebateReportRoute.form(d.id).path
            } else if d.isPast(at: now) {
                data["reportMissing"] = true
            }
        }
    }

    // MARK: Beside the online tallies

    /// The « Débats locaux » box of an article: hands counted in the filed reports, apart from the online votes.
    func articleBox(_ s: Screen, _ a: Article) async throws -> [String: Any]? {
        guard let sum = try await deps.store.debateVoteSums(consultationID: a.consultationID)[a.id] else { return nil }
        return DebateReportView.box(sum, s, listURL: DebateRoute.list(consultationID: a.consultationID, when: .past).path)
    }

    /// Where each of these contributions came from, as a line for its row (« issu du débat local de … »).
    func originLines(_ s: Screen, _ ids: [ID]) async throws -> [ID: (text: String, url: String)] {
        try await deps.store.debateOrigins(contributionIDs: ids).mapValues { o in
            (DebateReportView.originText(o, s), DebateRoute.debate(o.debateID).path)
        }
    }

    /// The consultation page's line: debates held, reports filed, reports missing.
    func consultationReports(_ s: Screen, _ c: Consultation) async throws -> String {
        let counts = try await deps.store.debateReportCounts(consultationID: c.id, at: now)
        return s.text("debate_report_consultation_counts", ["held": "\(counts.held)", "filed": "\(counts.filed)", "missing": "\(counts.missing)"])
    }
}

/// The reports' routes; links are printed from here.
enum DebateReportRoute: Sendable, Equatable {
    case form(ID)
    /// POST, multipart.
    case file(ID)
    case attachment(ID, Int)

    var method: String { if case .file = self { return "POST" } else { return "GET" } }

    var path: String {
        switch self {
        case .form(let id), .file(let id): return "/debats/\(id)/compte-rendu"
        case .attachment(let id, let n): return "/debats/\(id)/compte-rendu/pieces/\(n)"
        }
    }
}

/// The pieces of report pages: the form's decoding, messages per problem, the counts' box, the origin line.
enum DebateReportView {
    static func articleLabel(_ a: Article, _ s: Screen) -> String {
        a.title.isEmpty ? "\(s.text("article")) \(a.number)" : "\(s.text("article")) \(a.number) — \(a.title)"
    }

    static func box(_ sum: DebateVoteSum, _ s: Screen, listURL: String) -> [String: Any] {
        let total = sum.total
        func pct(_ n: Int) -> String { total == 0 ? "0" : "\(Int((Double(n) * 100 / Double(total)).rounded()))" }
        return [
            "agree": "\(sum.agree)", "mixed": "\(sum.mixed)", "disagree": "\(sum.disagree)", "total": "\(total)",
            "agreePct": pct(sum.agree), "mixedPct": pct(sum.mixed), "disagreePct": pct(sum.disagree),
            "debates": s.text("debate_report_box_debates", ["n": "\(sum.debates)", "hands": "\(total)"]), "listURL": listURL,
        ]
    }

    /// The form field of one answer's count: `profile_age_25-34`.
    static func profileField(_ q: ProfileQuestion, _ code: String) -> String { "profile_\(q.rawValue)_\(code)" }

    /// « Tranche d'âge — 25-34 ans », the place of a profile count in messages.
    static func profileLabel(_ p: DebateProfileCount, _ s: Screen) -> String {
        s.text("profile_q_\(p.question.rawValue)") + " — " + s.text("profile_a_\(p.question.rawValue)_\(p.code)")
    }

    /// The room's profile, question by question: each answer's count and share of the answers given, the reference
    /// share beside it when there is a margin for the question, and those in the room who did not answer.
    static func profileRows(_ report: DebateReport, _ s: Screen, margins: [ReferenceMargin]) -> [[String: Any]] {
        profileTables(report.profile, s, margins: margins) { _, answered in
            s.text("debate_report_profile_unanswered", ["n": "\(max(0, report.attendance - answered))"])
        }
    }

    /// One table per question counted: each answer's people and share of the answers, the reference share beside it
    /// when a margin covers the question, and a footer line given the question and the people who answered.
    static func profileTables(_ list: [DebateProfileCount], _ s: Screen, margins: [ReferenceMargin],
                              footer: (ProfileQuestion, Int) -> String) -> [[String: Any]] {
        let byQuestion = Dictionary(grouping: list, by: \.question)
        return DebateProfileCount.questions.compactMap { q -> [String: Any]? in
            guard let counts = byQuestion[q] else { return nil }
            let answered = counts.reduce(0) { $0 + $1.count }
            let margin = margins.first { $0.dimension == q.rawValue }
            let shares = Dictionary(uniqueKeysWithValues: (margin?.categories ?? []).map { ($0.code, $0.share) })
            return [
                "question": s.text("profile_q_\(q.rawValue)"),
                "hasReference": margin != nil,
                "rows": counts.map { p -> [String: Any] in
                    ["label": s.text("profile_a_\(q.rawValue)_\(p.code)"), "count": "\(p.count)",
                     "share": answered == 0 ? "—" : DashboardPages.pct(Double(p.count) / Double(answered), s),
                     "reference": shares[p.code].map { DashboardPages.pct($0, s) } ?? "—"]
                },
                "footer": footer(q, answered),
            ]
        }
    }

    static func originText(_ o: DebateOrigin, _ s: Screen) -> String {
        let place = o.commune.map { ", \($0)" } ?? ""
        return s.text("debate_report_origin", [
            "organiser": o.organiserName, "title": o.title, "date": s.deps.catalogue.date(o.startsAt, s.lang) + place])
    }

    /// The form's fields as the command takes them, and as typed (to show the form again). A filled template, when one
    /// was sent, replaces the form's fields.
    static func input(_ form: MultipartForm, articles: [Article], _ s: Screen) -> (DebateReportInput, [String: String]) {
        var draft: [String: String] = [:]
        for (k, v) in form.values where k != "_csrf" { draft[k] = v }
        if let template = form.files("template").first {
            return (DebateReportReader.read(template.bytes), draft)
        }
        var input = DebateReportInput(source: .form, attendance: nil, synthesis: form.string("synthesis"))
        func number(_ raw: String, _ place: DebateReportProblem.Place) -> (ok: Bool, value: Int?) {
            let t = raw.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { return (true, nil) }
            guard let n = Int(t) else { input.problems.append(DebateReportProblem(.notANumber, at: place, value: t)); return (false, nil) }
            if n < 0 { input.problems.append(DebateReportProblem(.negative, at: place, value: t)); return (false, nil) }
            return (true, n)
        }
        let attendance = number(form.string("attendance"), .field("attendance"))
        input.attendance = attendance.value
        if attendance.ok, attendance.value == nil { input.problems.append(DebateReportProblem(.attendanceMissing, at: .field("attendance"))) }
        for a in articles {
            let place = DebateReportProblem.Place.field(articleLabel(a, s))
            let agree = number(form.string("vote_\(a.id)_agree"), place), mixed = number(form.string("vote_\(a.id)_mixed"), place)
            let disagree = number(form.string("vote_\(a.id)_disagree"), place)
            let count = DebateArticleCount(articleID: a.id, agree: agree.value, mixed: mixed.value, disagree: disagree.value)
            if agree.ok, mixed.ok, disagree.ok, !count.isEmpty { input.votes.append(count); input.voteOrigins.append(place) }
        }
        for q in DebateProfileCount.questions {
            for code in q.codes {
                let place = DebateReportProblem.Place.field(profileLabel(DebateProfileCount(question: q, code: code, count: 0), s))
                let n = number(form.string(profileField(q, code)), place)
                if n.ok, let count = n.value {
                    input.profile.append(DebateProfileCount(question: q, code: code, count: count)); input.profileOrigins.append(place)
                }
            }
        }
        for kind in [ContributionKind.amendment, .argument] {
            let prefix = kind == .amendment ? "amendment" : "argument"
            for i in 1...DebateReportPages.formRows {
                let text = form.string("\(prefix)_\(i)_text"), article = form.string("\(prefix)_\(i)_article")
                guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || !article.isEmpty else { continue }
                let place = DebateReportProblem.Place.field(s.text("debate_report_\(prefix)_n", ["n": "\(i)"]))
                let stance = kind == .argument ? Stance(rawValue: form.string("\(prefix)_\(i)_stance")) : nil
                input.items.append(DebateReportItem(articleID: ID(article), kind: kind, stance: stance, text: text, origin: place))
            }
        }
        return (input, draft)
    }

    /// « Ligne 4 : … », « votes[2].agree : … », « Article 3 : … », « photo.jpg : … », or the message alone.
    static func message(_ p: DebateReportProblem, _ s: Screen, articles: [ID: Article]) -> String {
        var params: [String: String] = ["value": p.value ?? "", "limit": p.limit.map(String.init) ?? ""]
        switch p.kind {
        case .unknownArticle: params["value"] = p.value ?? ""
        case .attachmentTooLarge:
            params["mb"] = "\(DebateReportLimits.attachmentBytes / (1024 * 1024))"
            params["size"] = p.value.flatMap(Int.init).map { "\(($0 + 512 * 1024) / (1024 * 1024))" } ?? ""
        case .countsOverAttendance: params["attendance"] = p.limit.map(String.init) ?? ""
        case .profileOverAttendance:
            params["attendance"] = p.limit.map(String.init) ?? ""
            params["question"] = p.value.flatMap(ProfileQuestion.init(rawValue:)).map { s.text("profile_q_\($0.rawValue)") } ?? (p.value ?? "")
        case .otherConsultation: params["expected"] = p.limit.map(String.init) ?? ""
        case .header: params["columns"] = DebateReportReader.columns.joined(separator: ",")
        case .format: params["format"] = DebateReportReader.format
        case .tooLarge: params["kb"] = "\((p.limit ?? 0) / 1024)"
        default: break
        }
        let text = s.text("debate_report_problem_\(p.kind.rawValue)", params)
        switch p.place {
        case .line(let n)?: return s.text("debate_report_at_line", ["n": "\(n)", "message": text])
        case .path(let path)?: return s.text("debate_report_at_place", ["place": path, "message": text])
        case .field(let name)?:
            let label = name == "attendance" || name == "synthesis" ? s.text("debate_report_field_\(name)") : name
            return s.text("debate_report_at_place", ["place": label, "message": text])
        case .file(let name)?: return s.text("debate_report_at_place", ["place": name, "message": text])
        case nil: return text
        }
    }
}
