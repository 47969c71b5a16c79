import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// Local debates (issue 15, item 1): the public list of a consultation's debates (by département and date, no map),
/// a page per debate, the declaration form, registration with a waiting list, the organiser's registrations page and
/// messages, and iCalendar feeds. Every form goes through `FormGuard` (origin, CSRF) and one command.
struct DebatePages {
    let deps: WebDependencies
    static let perPage = 20

    var now: Date { deps.clock.now() }

    func register(on router: Router<WebContext>) {
        router.get("/consultations/:id/debats") { req, ctx in try await list(req, ctx) }
        router.get("/consultations/:id/debats/nouveau") { req, ctx in try await newForm(req, ctx) }
        router.get("/consultations/:id/debats/calendrier.ics") { req, ctx in try await consultationCalendar(req, ctx) }
        router.post("/consultations/:id/debats") { req, ctx in try await declare(req, ctx) }
        router.get("/debats/:id") { req, ctx in try await page(req, ctx) }
        router.get("/debats/:id/calendrier.ics") { req, ctx in try await calendar(req, ctx) }
        router.get("/debats/:id/inscrits") { req, ctx in try await registrants(req, ctx) }
        router.get("/mes-debats") { req, ctx in try await mine(req, ctx) }
        router.post("/debats/:id/inscription") { req, ctx in try await registration(req, ctx) }
        router.post("/debats/:id/desinscription") { req, ctx in try await unregistration(req, ctx) }
        router.post("/debats/:id/annulation") { req, ctx in try await cancel(req, ctx) }
        router.post("/debats/:id/messages") { req, ctx in try await message(req, ctx) }
        DebateReportPages(deps: deps).register(on: router)
    }

    func screen(_ req: Request, _ ctx: WebContext) -> Screen { Screen(deps: deps, context: ctx, request: req) }

    /// The consultation of the path's `id`, when the actor may read it.
    func readableConsultation(_ ctx: WebContext) async throws -> Consultation? {
        guard let id = Institution.id(ctx), let c = try await deps.store.consultation(id: id),
              Permissions.can(ctx.actor, .read, on: c, at: now) == .allowed else { return nil }
        return c
    }

    /// The debate of the path's `id` and its consultation, when the actor may read it.
    func readableDebate(_ ctx: WebContext) async throws -> (DebateRow, Consultation)? {
        guard let id = Institution.id(ctx), let row = try await deps.store.debate(id: id),
              let c = try await deps.store.consultation(id: row.debate.consultationID),
              Permissions.can(ctx.actor, .read, on: c, at: now) == .allowed else { return nil }
        return (row, c)
    }

    // MARK: List

    func list(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let c = try await readableConsultation(ctx) else { return s.notFound() }
        let q = req.uri.queryParameters
        var departement: String?
        if let raw = q["departement"].map(String.init)?.trimmingCharacters(in: .whitespaces).uppercased(), !raw.isEmpty {
            // NB: a filter that names no département is refused: an empty list would look like "no debate there".
            guard Departement.isValid(raw) else { return s.error(.badRequest, s.text("debate_filter_bad_departement")) }
            departement = raw
        }
        var when = DebateQuery.When.upcoming
        if let raw = q["quand"].map(String.init), !raw.isEmpty {
            guard let w = DebateRoute.when(parameter: raw) else { return s.error(.badRequest, s.text("debate_filter_bad_when")) }
            when = w
        }
        let page = try await deps.store.debates(
            DebateQuery(consultationID: c.id, departement: departement, when: when, at: now),
            page: PageRequest(page: s.queryInt("page"), perPage: Self.perPage))
        var data: [String: Any] = [
            "consultationTitle": c.title, "consultationURL": SiteRoute.consultation(c.id).path,
            "action": DebateRoute.list(consultationID: c.id).path, "departement": departement ?? "",
            "upcomingURL": DebateRoute.list(consultationID: c.id, departement: departement, when: .upcoming).path,
            "pastURL": DebateRoute.list(consultationID: c.id, departement: departement, when: .past).path,
            "isUpcoming": when == .upcoming, "isPast": when == .past,
            "calendarURL": DebateRoute.consultationCalendar(c.id).path, "kitURL": KitRoute.kit(c.id).path,
            "debates": page.items.map { row(s, $0) }, "hasDebates": !page.items.isEmpty, "total": page.total,
            "heading": s.text(when == .upcoming ? "debate_list_upcoming" : "debate_list_past"),
        ]
        if ctx.participant != nil { data["mineURL"] = DebateRoute.mine.path }
        if let departement { data["filterText"] = s.text("debate_filter_active", ["code": departement]) }
        if Permissions.can(ctx.actor, .declareDebate, on: c, at: now) == .allowed || ctx.actor == nil && c.phase(at: now) == .open {
            data["newURL"] = DebateRoute.new(consultationID: c.id).path
        }
        if let pager = s.pager(page, label: s.text("debate_list_title"), link: {
            DebateRoute.list(consultationID: c.id, departement: departement, when: when, page: $0).path
        }) { data.merge(pager) { a, _ in a } }
        return s.html("debates", title: s.text("debate_list_title") + " — " + c.title, data: data)
    }

    /// One line of a list.
    func row(_ s: Screen, _ r: DebateRow) -> [String: Any] {
        let d = r.debate
        var out: [String: Any] = [
            "title": d.title, "url": DebateRoute.debate(d.id).path, "when": DebateView.when(d, s), "organiser": d.organiserName,
            "place": DebateView.placeShort(d, s), "isCancelled": d.isCancelled,
        ]
        if !d.isCancelled && !d.isPast(at: now) { out["places"] = DebateView.placesText(r, s) }
        return out
    }

    // MARK: Declaring

    func newForm(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let c = try await readableConsultation(ctx) else { return s.notFound() }
        guard ctx.participant != nil else { return Screen.redirect(SiteRoute.signIn.path) }
        if case .refused(let r) = Permissions.can(ctx.actor, .declareDebate, on: c, at: now) { return s.refused(r) }
        return form(s, c, draft: ["mode": "venue", "stepFree": "unknown", "organiserKind": "person", "capacity": "30"], errors: [])
    }

    func form(_ s: Screen, _ c: Consultation, draft: [String: String], errors: [FieldError], status: HTTPResponse.Status = .ok) -> Response {
        var data: [String: Any] = [
            "consultationTitle": c.title, "consultationURL": SiteRoute.consultation(c.id).path,
            "action": DebateRoute.declare(consultationID: c.id).path, "draft": draft,
            "modeVenue": draft["mode"] != "online", "modeOnline": draft["mode"] == "online",
            "organiserOrganisation": draft["organiserKind"] == "organisation", "organiserPerson": draft["organiserKind"] != "organisation",
            "stepFreeOptions": StepFreeAccess.allCases.map { v in
                ["value": v.rawValue, "label": s.text("debate_step_free_\(v.rawValue)"), "checked": draft["stepFree"] == v.rawValue] as [String: Any]
            },
            "capacityHint": s.text("debate_capacity_hint", ["min": "\(DebateLimits.capacity.lowerBound)", "max": "\(DebateLimits.capacity.upperBound)"]),
            "titleHint": s.hint(DebateLimits.title), "descriptionHint": s.hint(DebateLimits.description),
        ]
        if !errors.isEmpty { data["errors"] = ["items": errors.map { DebateView.message($0, s) }] }
        return s.html("debate_form", title: s.text("debate_new_title") + " — " + c.title, data: data, status: status)
    }

    func declare(_ req: Request, _ ctx: WebContext) async throws -> Response {
        try await Institution.withConsultation(deps, req, ctx) { s, form, c in
            guard Permissions.can(ctx.actor, .read, on: c, at: now) == .allowed else { return s.notFound() }
            let (input, draft) = DebateView.input(form)
            switch try await DeclareDebate(actor: ctx.actor, consultationID: c.id, input: input).run(deps.commands) {
            case .done(let d): return Screen.redirect(DebateRoute.debate(d.id).path + "?fait=declare")
            case .invalid(let errors): return self.form(s, c, draft: draft, errors: errors, status: .unprocessableContent)
            case .refused(let r): return s.refused(r)
            case .notFound, .conflict: return s.notFound()
            }
        }
    }

    // MARK: A debate

    func page(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let (row, c) = try await readableDebate(ctx) else { return s.notFound() }
        return try await render(s, row, c)
    }

    func render(_ s: Screen, _ row: DebateRow, _ c: Consultation, errors: [FieldError] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let d = row.debate
        let ctx = s.context
        let now = self.now
        var mine: DebateRegistration?
        if let me = ctx.participant { mine = try await deps.store.debateRegistration(debateID: d.id, participantID: me.id) }
        let isOrganiser = DebateRights.isOrganiser(ctx.actor, of: d)
        var data: [String: Any] = [
            "title": d.title, "paragraphs": DebateView.paragraphs(d.description), "when": DebateView.when(d, s),
            "organiser": d.organiserName, "organiserKind": s.text("debate_organiser_\(d.organiserKind.rawValue)"),
            "consultationTitle": c.title, "consultationURL": SiteRoute.consultation(c.id).path,
            "listURL": DebateRoute.list(consultationID: c.id).path, "calendarURL": DebateRoute.calendar(d.id).path,
            "capacity": "\(d.capacity)", "registered": "\(row.registered)", "waiting": "\(row.waiting)",
            "placesText": DebateView.placesText(row, s),
        ]
        if let v = d.place.venue {
            data["venue"] = ["name": v.name, "address": v.address, "postcode": v.postcode, "commune": v.commune,
                             "departement": s.text("debate_departement", ["code": v.departement])]
            data["stepFree"] = s.text("debate_step_free_\(d.stepFree.rawValue)")
        } else if let url = d.place.onlineURL {
            // NB: the link is given to those registered and to the organiser only: a public link invites intruders.
            if isOrganiser || mine?.status == .registered { data["videoURL"] = url } else { data["videoHidden"] = true }
        }
        if !d.accessibilityNotes.isEmpty { data["accessibilityNotes"] = d.accessibilityNotes }
        if let at = d.cancelledAt {
            data["cancelled"] = s.text("debate_cancelled_on", ["date": deps.catalogue.date(at, s.lang), "reason": d.cancelReason])
        } else if d.isPast(at: now) {
            data["past"] = true
        } else if let mine {
            data["mine"] = [
                "text": mine.status == .registered ? s.text("debate_you_are_registered")
                    : s.text("debate_you_are_waiting", ["n": "\(mine.waitingPosition ?? 0)"]),
                "action": DebateRoute.unregister(d.id).path, "canCancel": !d.hasStarted(at: now),
            ] as [String: Any]
        } else if d.hasStarted(at: now) {
            data["started"] = true
        } else if ctx.participant != nil {
            data["registerForm"] = ["action": DebateRoute.register(d.id).path,
                                    "label": s.text(row.placesLeft > 0 ? "debate_register" : "debate_join_waiting_list")]
        } else {
            data["signInURL"] = SiteRoute.signIn.path
        }
        let mayCancel = isOrganiser || Permissions.can(ctx.actor, .moderate, on: c, at: now) == .allowed
        if mayCancel && !d.isCancelled && !d.isPast(at: now) {
            data["cancelForm"] = ["action": DebateRoute.cancel(d.id).path]
        }
        if isOrganiser { data["registrantsURL"] = DebateRoute.registrants(d.id).path }
        if let done = s.request.uri.queryParameters["fait"].map(String.init), DebateView.flashes.contains(done) {
            data["flash"] = s.text("debate_flash_\(done)")
        }
        if !errors.isEmpty { data["errors"] = ["items": errors.map { DebateView.message($0, s) }] }
        try await DebateReportPages(deps: deps).decorateDebate(&data, s, row, c)
        return s.html("debate", title: d.title, data: data, status: status)
    }

    func registration(_ req: Request, _ ctx: WebContext) async throws -> Response {
        try await withDebate(req, ctx) { s, _, row, _ in
            switch try await RegisterForDebate(actor: ctx.actor, debateID: row.debate.id).run(deps.commands) {
            case .done(let r): return Screen.redirect(DebateRoute.debate(row.debate.id).path + "?fait=" + (r.status == .registered ? "inscrit" : "attente"))
            case .refused(let r): return s.refused(r)
            case .invalid, .notFound, .conflict: return s.notFound()
            }
        }
    }

    func unregistration(_ req: Request, _ ctx: WebContext) async throws -> Response {
        try await withDebate(req, ctx) { s, _, row, _ in
            let command = CancelDebateRegistration(actor: ctx.actor, debateID: row.debate.id, compose: DebateMail.composer(deps))
            switch try await command.run(deps.commands) {
            case .done: return Screen.redirect(DebateRoute.debate(row.debate.id).path + "?fait=desinscrit")
            case .refused(let r): return s.refused(r)
            case .invalid, .notFound, .conflict: return s.notFound()
            }
        }
    }

    func cancel(_ req: Request, _ ctx: WebContext) async throws -> Response {
        try await withDebate(req, ctx) { s, form, row, c in
            let command = CancelDebate(actor: ctx.actor, debateID: row.debate.id, reason: form.string("reason"), compose: DebateMail.composer(deps))
            switch try await command.run(deps.commands) {
            case .done: return Screen.redirect(DebateRoute.debate(row.debate.id).path + "?fait=annule")
            case .invalid(let errors): return try await render(s, row, c, errors: errors, status: .unprocessableContent)
            case .refused(let r): return s.refused(r)
            case .notFound, .conflict: return s.notFound()
            }
        }
    }

    /// Checks the form (origin, CSRF), then finds the debate of the path's `id` as the actor may see it: 404 otherwise.
    func withDebate(_ req: Request, _ ctx: WebContext, _ body: (Screen, Form, DebateRow, Consultation) async throws -> Response) async throws -> Response {
        let s = screen(req, ctx)
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        guard let (row, c) = try await readableDebate(ctx) else { return s.notFound() }
        guard ctx.participant != nil else { return s.refused(.notSignedIn) }
        return try await body(s, form, row, c)
    }

    // MARK: The organiser's side

    func registrants(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let (row, c) = try await readableDebate(ctx) else { return s.notFound() }
        guard ctx.participant != nil else { return Screen.redirect(SiteRoute.signIn.path) }
        guard DebateRights.isOrganiser(ctx.actor, of: row.debate) else { return s.refused(.organisersOnly) }
        var flash: String?
        if req.uri.queryParameters["fait"] == "envoye", let n = req.uri.queryParameters["n"].flatMap({ Int(String($0)) }) {
            flash = s.text("debate_message_sent", ["n": "\(n)"])
        }
        return try await registrantsPage(s, row, c, draft: [:], errors: [], flash: flash)
    }

    func registrantsPage(_ s: Screen, _ row: DebateRow, _ c: Consultation, draft: [String: String], errors: [FieldError],
                         flash: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let d = row.debate
        let list = try await deps.store.debateRegistrants(debateID: d.id)
        let registered = list.filter { $0.status == .registered }, waiting = list.filter { $0.status == .waiting }
        func item(_ r: DebateRegistrant) -> [String: Any] { ["name": r.name, "date": deps.catalogue.date(r.registeredAt, s.lang)] }
        var data: [String: Any] = [
            "title": d.title, "debateURL": DebateRoute.debate(d.id).path, "placesText": DebateView.placesText(row, s),
            "registered": registered.map(item), "waiting": waiting.map(item),
            "hasRegistered": !registered.isEmpty, "hasWaiting": !waiting.isEmpty, "registeredCount": "\(registered.count)", "waitingCount": "\(waiting.count)",
            "action": DebateRoute.message(d.id).path, "draft": draft,
            "messageHint": s.text("debate_message_hint", ["n": "\(DebateLimits.messagesPerDay)"]),
        ]
        if d.isCancelled { data["cancelled"] = true }
        if let flash { data["flash"] = flash }
        if !errors.isEmpty { data["errors"] = ["items": errors.map { DebateView.message($0, s) }] }
        return s.html("debate_registrants", title: s.text("debate_registrants_title") + " — " + d.title, data: data, status: status)
    }

    func message(_ req: Request, _ ctx: WebContext) async throws -> Response {
        try await withDebate(req, ctx) { s, form, row, c in
            let command = MessageDebateRegistrants(
                actor: ctx.actor, debateID: row.debate.id, subject: form.string("messageSubject"), body: form.string("messageBody"),
                compose: DebateMail.composer(deps))
            switch try await command.run(deps.commands) {
            case .done(let n): return Screen.redirect(DebateRoute.registrants(row.debate.id).path + "?fait=envoye&n=\(n)")
            case .invalid(let errors):
                let draft = ["messageSubject": form.string("messageSubject"), "messageBody": form.string("messageBody")]
                // Past the daily limit: 429, as any rate limit.
                let status: HTTPResponse.Status = errors.contains { $0.field == "messages" } ? .tooManyRequests : .unprocessableContent
                return try await registrantsPage(s, row, c, draft: draft, errors: errors, status: status)
            case .refused(let r): return s.refused(r)
            case .notFound, .conflict: return s.notFound()
            }
        }
    }

    func mine(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let me = ctx.participant else { return Screen.redirect(SiteRoute.signIn.path) }
        let organised = try await deps.store.debates(organiserID: me.id, limit: 200)
        let registrations = try await deps.store.personalDebateRegistrations(participantID: me.id)
        let data: [String: Any] = [
            "hasOrganised": !organised.isEmpty, "hasRegistrations": !registrations.isEmpty,
            "organised": organised.map { r -> [String: Any] in
                var d = row(s, r)
                d["registrantsURL"] = DebateRoute.registrants(r.debate.id).path
                d["counts"] = s.text("debate_counts", ["registered": "\(r.registered)", "capacity": "\(r.debate.capacity)", "waiting": "\(r.waiting)"])
                return d
            },
            "registrations": registrations.map { r -> [String: Any] in
                ["title": r.debateTitle, "url": DebateRoute.debate(r.debateID).path, "status": s.text("debate_status_\(r.status.rawValue)")]
            },
        ]
        return s.html("debate_mine", title: s.text("debate_mine_title"), data: data)
    }

    // MARK: Calendars

    func consultationCalendar(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let c = try await readableConsultation(ctx) else { return s.notFound() }
        var events: [ICalendar.Event] = []
        // NB: bounded: the feed carries at most 1,000 debates of each kind (upcoming and past), the upcoming first.
        for when in DebateQuery.When.allCases {
            var page = 1
            while page <= 10 {
                let rows = try await deps.store.debates(DebateQuery(consultationID: c.id, when: when, at: now), page: PageRequest(page: page, perPage: 100))
                events += rows.items.map { event($0.debate, s) }
                if !rows.hasNext { break }
                page += 1
            }
        }
        let body = ICalendar.document(name: s.text("debate_calendar_name", ["title": c.title]), events: events)
        return Self.calendarResponse(body, filename: "debats-\(c.id).ics")
    }

    func calendar(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let (row, _) = try await readableDebate(ctx) else { return s.notFound() }
        let body = ICalendar.document(name: row.debate.title, events: [event(row.debate, s)])
        return Self.calendarResponse(body, filename: "debat-\(row.debate.id).ics")
    }

    func event(_ d: Debate, _ s: Screen) -> ICalendar.Event {
        let base = DebateMail.base(deps)
        let host = URLComponents(string: base)?.host ?? "contribuez"
        let location = d.place.venue?.line ?? s.text("debate_online")
        let description = [d.description, s.text("debate_organised_by", ["name": d.organiserName])].filter { !$0.isEmpty }.joined(separator: "\n\n")
        return ICalendar.Event(
            uid: "debat-\(d.id)@\(host)", stamp: now, start: d.startsAt, end: d.endsAt, summary: d.title, description: description,
            location: location, url: base + DebateRoute.debate(d.id).path, cancelled: d.isCancelled)
    }

    static func calendarResponse(_ body: String, filename: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/calendar; charset=utf-8"
        headers[.contentDisposition] = "inline; filename=\"\(filename)\""
        headers[.cacheControl] = "public, max-age=300"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    // MARK: The consultation page

    /// The consultation page's link to its debates, with the counts of upcoming and held ones.
    func consultationLink(_ s: Screen, _ c: Consultation) async throws -> [String: Any] {
        let counts = try await deps.store.debateCounts(consultationID: c.id, at: now)
        return [
            "url": DebateRoute.list(consultationID: c.id).path,
            "counts": s.text("debate_consultation_counts", ["upcoming": "\(counts.upcoming)", "held": "\(counts.held)"]),
            "reports": try await DebateReportPages(deps: deps).consultationReports(s, c),
        ]
    }
}
