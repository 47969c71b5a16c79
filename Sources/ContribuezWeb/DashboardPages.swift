import ContribuezAnalysis
import ContribuezCore
import ContribuezSynthesis
import Foundation
import HTTPTypes
import Hummingbird

/// The representativeness dashboard of a consultation, and the organisers' margins upload.
struct DashboardPages {
    let deps: WebDependencies
    /// Targets per page of the reweighted-results table.
    static let perPage = 50

    func screen(_ req: Request, _ ctx: WebContext) -> Screen { Screen(deps: deps, context: ctx, request: req) }
    func id(_ ctx: WebContext) -> ID? { ctx.parameters.get("id", as: Int64.self).flatMap { $0 > 0 ? $0 : nil } }

    func readable(_ req: Request, _ ctx: WebContext) async throws -> Consultation? {
        guard let id = id(ctx), let c = try await deps.store.consultation(id: id),
              Permissions.can(ctx.actor, .read, on: c, at: deps.clock.now()) == .allowed else { return nil }
        return c
    }

    func show(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let c = try await readable(req, ctx) else { return s.notFound() }
        return try await page(s, c, ctx)
    }

    func page(_ s: Screen, _ c: Consultation, _ ctx: WebContext, errors: [String] = [], draft: [String: String] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        // NB: one page of targets at a time, from their own votes: at national scale (300,000 targets, 10 million
        // votes) the whole table would be hundreds of megabytes of HTML and minutes of work per request.
        guard let run = try await Reweighting.page(store: deps.store, consultationID: c.id, page: s.queryInt("page"), perPage: Self.perPage)
        else { return s.notFound() }
        let f = run.computation.figures
        var data: [String: Any] = [
            "css": ProfileRoute.css, "consultationTitle": c.title, "consultationURL": SiteRoute.consultation(c.id).path,
            "intro": s.text("dash_intro", ["participants": "\(f.summary.participants ?? 0)", "respondents": "\(f.summary.questionnaireRespondents)"]),
            "questionnaireShare": f.summary.questionnaireShare.map { Self.pct($0, s) } ?? "—",
            "maxDeviation": Self.points(f.summary.maxAbsoluteDeviation, s),
            "dimensions": f.summary.dimensions.map { dimension($0, s) },
            "alerts": f.summary.alerts.map { a in
                s.text("dash_alert_item", [
                    "dimension": dimensionLabel(a.dimension, s), "category": categoryLabel(a.dimension, a.category, a.label, s),
                    "participants": Self.pct(a.participantShare, s), "population": Self.pct(a.populationShare, s),
                ])
            },
            "targets": f.targets.map { target($0, s) },
            "method": s.text("dash_method_text", [
                "low": Self.number(f.trim?.low ?? 0, s), "high": Self.number(f.trim?.high ?? 0, s),
                "threshold": Self.number(f.minimumEffectiveSample, s),
            ]),
            "excludedText": s.text("dash_excluded", ["excluded": "\(f.excludedParticipants)", "weighted": "\(f.weightedParticipants)"]),
            "rakedText": f.rakedDimensions.isEmpty ? s.text("dash_raked_none")
                : s.text("dash_raked", ["dimensions": f.rakedDimensions.map { dimensionLabel($0, s) }.joined(separator: ", ")]),
            "skipped": f.skippedDimensions.map { k in
                s.text("dash_skip_\(k.reason)", ["dimension": dimensionLabel(k.dimension, s), "category": k.category.map { categoryLabel(k.dimension, $0, $0, s) } ?? ""])
            },
            "election": ProfileQuestion.votesEveryElection.codes.map { code in
                ["label": s.text("profile_a_votes_every_election_\(code)"), "count": f.votesEveryElection[code] ?? 0] as [String: Any]
            } + [["label": s.text("profile_prefer_not"), "count": f.votesEveryElection[ProfileAnswers.preferNot] ?? 0]],
            "uploadURL": ProfileRoute.uploadMargins(c.id), "resetURL": ProfileRoute.resetMargins(c.id),
            "draft": draft, "uploaded": f.marginsOrigin == "uploaded",
        ]
        let path = ProfileRoute.dashboard(c.id)
        if let p = s.pager(run.page, label: s.text("dash_targets_caption"), link: { "\(path)?page=\($0)#resultats" }) {
            data["targetPager"] = p
        }
        data["hasAlerts"] = !f.summary.alerts.isEmpty
        if f.isMeasurable {
            data["measurable"] = true
        } else {
            // Nothing to compare yet: no deviation, no alert, only the population side.
            data["maxDeviation"] = nil
            data["alerts"] = [String]()
            data["hasAlerts"] = false
            data["nothingMeasured"] = s.text("dash_nothing_measured")
        }
        data["hasSkipped"] = !f.skippedDimensions.isEmpty
        if let report = f.report {
            data["report"] = [
                "designEffect": Self.number(report.designEffect, s), "effectiveSampleSize": Self.number(report.effectiveSampleSize, s),
                "iterations": report.iterations, "maxError": String(format: "%.1e", report.maxRelativeMarginError),
                "minWeight": Self.number(report.minWeight, s), "maxWeight": Self.number(report.maxWeight, s),
                "atBounds": report.weightsAtTrimBounds,
            ] as [String: Any]
        }
        if Permissions.can(ctx.actor, .organise, on: c, at: deps.clock.now()) == .allowed { data["organiser"] = true }
        if !errors.isEmpty { data["errors"] = ["items": errors] }
        if s.request.uri.queryParameters["marges"] == "1" { data["flash"] = s.text("dash_margins_saved") }
        return s.html("dashboard", title: s.text("dash_title"), data: data, status: status)
    }

    // MARK: View pieces

    func dimensionLabel(_ dimension: String, _ s: Screen) -> String { s.text("dash_dim_\(dimension)") }

    func categoryLabel(_ dimension: String, _ code: String, _ fallback: String, _ s: Screen) -> String {
        guard let q = ProfileQuestion(rawValue: dimension) else { return fallback }
        let key = "profile_a_\(q.rawValue)_\(code)"
        let text = s.text(key)
        return text == key ? fallback : text
    }

    func dimension(_ d: Representativeness.DimensionFigure, _ s: Screen) -> [String: Any] {
        let rowHeight = 34, labelWidth = 250, barWidth = 330.0
        let top = max(0.01, d.categories.map { max($0.participantShare, $0.populationShare) }.max() ?? 0.01)
        let categories = d.categories.enumerated().map { i, cat -> [String: Any] in
            let y = i * rowHeight
            var item: [String: Any] = [
                "label": categoryLabel(d.dimension, cat.code, cat.label, s), "participants": cat.participants,
                "participantShare": Self.pct(cat.participantShare, s), "populationShare": Self.pct(cat.populationShare, s),
                "deviation": Self.signedPoints(cat.deviation, s), "alert": cat.alert,
                "y": y, "textY": y + 18, "pY": y + 4, "popY": y + 17, "x": labelWidth,
                "pW": String(format: "%.1f", cat.participantShare / top * barWidth),
                "popW": String(format: "%.1f", cat.populationShare / top * barWidth),
            ]
            if let w = cat.weightedShare { item["weightedShare"] = Self.pct(w, s) }
            return item
        }
        var result: [String: Any] = [
            "id": d.dimension, "label": dimensionLabel(d.dimension, s), "categories": categories,
            "height": d.categories.count * rowHeight, "width": labelWidth + Int(barWidth) + 10,
            "answered": d.answered, "unanswered": d.unanswered, "measured": d.answered > 0,
            "maxDeviation": Self.points(d.maxAbsoluteDeviation, s), "dissimilarity": Self.points(d.dissimilarityIndex, s),
            "source": d.source, "year": d.year,
            "chartDesc": s.text("dash_chart_desc", ["dimension": dimensionLabel(d.dimension, s)]),
        ]
        // NB: an empty string is truthy in mustache sections; leave empty values out.
        if !d.sourceURL.isEmpty { result["sourceURL"] = d.sourceURL }
        if !d.universe.isEmpty { result["universe"] = d.universe }
        return result
    }

    func target(_ t: Reweighting.TargetFigure, _ s: Screen) -> [String: Any] {
        let label: String
        switch t.kind {
        case "article": label = s.text("dash_target_article", ["number": t.number, "title": t.title])
        case "amendment": label = s.text("dash_target_amendment", ["number": t.number, "title": t.title])
        default: label = s.text("dash_target_proposal", ["title": t.title])
        }
        let url = t.kind == "article" ? SiteRoute.article(t.id).path : SiteRoute.contribution(t.id).path
        return [
            "label": label, "url": url, "rawTotal": t.raw.opinionTotal, "weightedVoters": t.weightedVoters,
            "excludedVoters": t.excludedVoters, "effectiveSampleSize": Self.number(t.effectiveSampleSize, s), "tooFew": t.tooFew,
            "shares": t.shares.map { sh -> [String: Any] in
                var d: [String: Any] = ["raw": Self.pct(sh.rawShare, s)]
                if let w = sh.weightedShare, let m = sh.marginOfError {
                    d["weighted"] = s.text("dash_share_moe", ["share": Self.pct(w, s), "moe": Self.points(m, s)])
                }
                return d
            },
        ]
    }

    static func pct(_ x: Double, _ s: Screen) -> String {
        let v = String(format: "%.1f", x * 100)
        return (s.lang == .fr ? v.replacingOccurrences(of: ".", with: ",") + "\u{202F}%" : v + "%")
    }

    static func points(_ x: Double, _ s: Screen) -> String {
        let v = String(format: "%.1f", x * 100)
        return s.text("dash_points", ["n": s.lang == .fr ? v.replacingOccurrences(of: ".", with: ",") : v])
    }

    static func signedPoints(_ x: Double, _ s: Screen) -> String {
        (x >= 0 ? "+" : "−") + points(abs(x), s)
    }

    static func number(_ x: Double, _ s: Screen) -> String {
        let v = x == x.rounded() ? String(format: "%.0f", x) : String(format: "%.2f", x)
        return s.lang == .fr ? v.replacingOccurrences(of: ".", with: ",") : v
    }

    // MARK: Organisers' margins

    func upload(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        guard let c = try await readable(req, ctx) else { return s.notFound() }
        if case .refused(let reason) = Permissions.can(ctx.actor, .organise, on: c, at: deps.clock.now()) {
            return reason == .notSignedIn ? s.refused(reason) : s.error(.forbidden, s.text("dash_organisers_only"))
        }
        let source = Validate.clean(form.string("source")), csv = form.string("csv")
        let draft = ["source": source, "year": form.string("year"), "csv": csv]
        var errors: [String] = []
        var fieldErrors: [FieldError] = []
        Validate.text(source, field: "margins_source", limits: 3...250, errors: &fieldErrors)
        errors += fieldErrors.map { deps.catalogue.message(for: $0, s.lang) }
        let year = Int(form.string("year").trimmingCharacters(in: .whitespaces))
        if year == nil || !(1900...2100).contains(year!) { errors.append(s.text("margins_err_year")) }
        var parsed: [Raking.Margin] = []
        if csv.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            errors.append(s.text("margins_err_empty_file"))
        } else {
            do { parsed = try ReferenceMargins.parseUploaded(csv: csv) } catch { errors.append(Self.message(error, s)) }
        }
        guard errors.isEmpty, let year else { return try await page(s, c, ctx, errors: errors, draft: draft, status: .unprocessableContent) }
        let rows = parsed.flatMap { m in zip(m.categories, m.shares).map { UploadedMargins.Row(dimension: m.dimension, category: $0, share: $1) } }
        try await deps.store.saveUploadedMargins(UploadedMargins(consultationID: c.id, source: source, year: year, rows: rows, uploadedAt: deps.clock.now()))
        return Screen.redirect(ProfileRoute.dashboard(c.id) + "?marges=1")
    }

    func reset(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success: break
        }
        guard let c = try await readable(req, ctx) else { return s.notFound() }
        if case .refused(let reason) = Permissions.can(ctx.actor, .organise, on: c, at: deps.clock.now()) {
            return reason == .notSignedIn ? s.refused(reason) : s.error(.forbidden, s.text("dash_organisers_only"))
        }
        try await deps.store.deleteUploadedMargins(consultationID: c.id)
        return Screen.redirect(ProfileRoute.dashboard(c.id))
    }

    /// The French (or English) message for a bad margins file.
    static func message(_ error: RakingError, _ s: Screen) -> String {
        switch error {
        case .unknownDimension(let d, let declared):
            return s.text("margins_err_unknown_dimension", ["dimension": d, "declared": declared.joined(separator: ", ")])
        case .unknownMarginCategory(let d, let c, let declared):
            return s.text("margins_err_unknown_category", ["dimension": d, "category": c, "declared": declared.joined(separator: ", ")])
        case .sharesDoNotSumToOne(let d, let sum, _):
            return s.text("margins_err_sum", ["dimension": d, "sum": String(format: "%.6f", sum)])
        case .negativeShare(let d, let c, let share):
            return s.text("margins_err_negative", ["dimension": d, "category": c, "share": "\(share)"])
        case .invalidShare(let d, let c, let value, let line):
            return s.text("margins_err_not_number", ["dimension": d, "category": c, "value": value, "line": line.map(String.init) ?? "?"])
        case .duplicateCategory(let d, let c):
            return s.text("margins_err_duplicate", ["dimension": d, "category": c])
        case .missingColumn(_, let column):
            return s.text("margins_err_missing_column", ["column": column])
        default:
            return s.text("margins_err_other", ["detail": error.description])
        }
    }
}
