import ContribuezAnalysis
import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// HTTP status for each refusal, shared by pages and API.
enum Statuses {
    static func of(_ reason: RefusalReason) -> HTTPResponse.Status {
        switch reason {
        case .notSignedIn, .wrongCredentials: return .unauthorized
        case .closed, .notOpenYet: return .conflict
        case .kindNotAllowed, .organisersOnly, .moderatorsOnly, .answerersOnly, .adminsOnly, .accountFrozen, .staffSecondFactorRequired: return .forbidden
        case .notDraft, .alreadyPublished: return .conflict
        case .notPublished: return .notFound
        }
    }
}

/// Small helpers the page handlers share.
extension Screen {
    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// Only local absolute paths: never an open redirect.
    static func safeBack(_ s: String?, fallback: String) -> String {
        guard let s, s.hasPrefix("/"), !s.hasPrefix("//"), !s.contains("\\"), s.count < 512,
              !s.unicodeScalars.contains(where: { $0.value < 0x20 }) else { return fallback }
        return s
    }

    static func with(_ path: String, ok: String) -> String {
        let base = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        return base + "?ok=" + ok
    }

    func refused(_ reason: RefusalReason) -> Response {
        // NB: a staff member without a verified second factor is told why, not that the page is not theirs.
        let reason = context.staffRolesWithheld && reason.isStaffOnly ? .staffSecondFactorRequired : reason
        return error(reason == .notSignedIn ? .forbidden : Statuses.of(reason), deps.catalogue.message(for: reason, lang))
    }

    func notFound() -> Response { error(.notFound, text("error_not_found")) }

    func queryInt(_ name: String) -> Int {
        request.uri.queryParameters[Substring(name)].flatMap { Int(String($0)) }.map { max(1, min($0, 1_000_000)) } ?? 1
    }
}

/// Reads and checks a state-changing browser request: same origin, CSRF token, well-formed body; on a
/// public form, also the honeypot and the fill time (`FormStamps`).
enum FormGuard {
    /// `limit`: the largest body accepted, in bytes (draft texts need more than the default).
    static func check(_ request: Request, _ context: WebContext, _ screen: Screen, limit: Int = 256 * 1024) async -> Result<Form, Refusal> {
        guard OriginCheck.isSameOrigin(request) else { return .failure(Refusal(response: screen.error(.forbidden, screen.text("error_csrf")))) }
        let form: Form
        do { form = try await Form.read(request, limit: limit) } catch Form.Failure.tooLarge {
            return .failure(Refusal(response: screen.error(.contentTooLarge, screen.text("error_too_large"))))
        } catch {
            return .failure(Refusal(response: screen.error(.badRequest, screen.text("error_bad_request", ["detail": screen.text("error_detail_encoding")]))))
        }
        let sent = form.string("_csrf")
        // NB: a session binds its own token; a visitor's token is the double-submit cookie issued on first visit.
        guard !sent.isEmpty, !context.csrfToken.isEmpty, Tokens.equal(sent, context.csrfToken), !context.issueVisitorCSRF || context.session != nil
        else { return .failure(Refusal(response: screen.error(.forbidden, screen.text("error_csrf")))) }
        if FormStamps.isPublicForm(request.method, request.uri.path) {
            var settings = screen.deps.formStamps
            // NB: password managers fill and send the sign-in form within a second; sign-in keeps the honeypot and
            // its own rate limits (per account and per address), not the minimum fill time.
            if request.uri.path == "/signin" { settings.minimumAge = 0 }
            let verdict = FormStamps.check(
                stamp: form.string(FormStamps.stampField), honeypot: form[FormStamps.honeypotField] ?? "", csrf: context.csrfToken,
                at: screen.deps.clock.now(), settings)
            let refusal: (key: String, log: String)? = switch verdict {
            case .accepted: nil
            case .honeypot: ("form_refused_honeypot", "honeypot")
            case .tooFast: ("form_refused_too_fast", "too_fast")
            case .invalid, .tooOld: ("form_refused_stale", "stale")
            }
            // NB: refused before any command runs: nothing of the request is stored.
            if let refusal {
                var response = screen.error(.unprocessableContent, screen.text(refusal.key))
                response.headers[FormStamps.refusalHeader] = refusal.log  // for the security log, which removes it
                return .failure(Refusal(response: response))
            }
        }
        return .success(form)
    }
}

/// The HTML pages.
struct PageHandlers {
    let deps: WebDependencies

    func screen(_ request: Request, _ context: WebContext) -> Screen { Screen(deps: deps, context: context, request: request) }

    func register(on router: Router<WebContext>) {
        router.get("/") { req, ctx in try await home(req, ctx) }
        router.get("/consultations/:id") { req, ctx in try await consultation(req, ctx) }
        router.get("/consultations/:id/proposals") { req, ctx in try await proposals(req, ctx) }
        router.post("/consultations/:id/proposals") { req, ctx in try await proposeArticle(req, ctx) }
        router.get("/articles/:id") { req, ctx in try await article(req, ctx) }
        router.post("/articles/:id/vote") { req, ctx in try await vote(req, ctx, article: true) }
        router.post("/contributions/:id/vote") { req, ctx in try await vote(req, ctx, article: false) }
        router.post("/articles/:id/amendments") { req, ctx in try await amend(req, ctx) }
        router.post("/articles/:id/arguments") { req, ctx in try await argue(req, ctx, article: true) }
        router.post("/contributions/:id/arguments") { req, ctx in try await argue(req, ctx, article: false) }
        router.post("/articles/:id/sources") { req, ctx in try await addSource(req, ctx, article: true) }
        router.post("/contributions/:id/sources") { req, ctx in try await addSource(req, ctx, article: false) }
        router.get("/contributions/:id") { req, ctx in try await contribution(req, ctx) }
        router.get("/participants/:id") { req, ctx in try await participant(req, ctx) }
        let accounts = AccountPages(deps: deps)
        router.get("/signup") { req, ctx in accounts.signUpForm(screen(req, ctx)) }
        router.post("/signup") { req, ctx in try await accounts.signUp(req, ctx, screen(req, ctx)) }
        router.get("/signin") { req, ctx in accounts.signInForm(screen(req, ctx)) }
        router.post("/signin") { req, ctx in try await accounts.signIn(req, ctx, screen(req, ctx)) }
        router.post("/signout") { req, ctx in try await accounts.signOut(req, ctx, screen(req, ctx)) }
        router.post("/language") { req, ctx in try await accounts.language(req, ctx, screen(req, ctx)) }
        PasswordResetPages(deps: deps).register(on: router)
        router.get("/static/app.css") { _, _ in StaticFiles.css() }
    }

    func id(_ ctx: WebContext) -> ID? { ctx.parameters.get("id", as: Int64.self).flatMap { $0 > 0 ? $0 : nil } }

    // MARK: Reading

    func home(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        let now = deps.clock.now()
        let list = try await deps.store.consultations()
            .filter { Permissions.can(ctx.actor, .read, on: $0, at: now) == .allowed }
            .map { c -> [String: Any] in
                let phase = c.phase(at: now)
                return ["title": c.title, "url": SiteRoute.consultation(c.id).path, "summary": c.summary, "institution": c.institution,
                        "phase": phase.rawValue, "phaseLabel": s.phaseLabel(phase), "dates": s.dates(c)]
            }
        var data: [String: Any] = ["consultations": list]
        if Permissions.can(ctx.actor, .createConsultation, on: Institution.anyConsultation, at: now) == .allowed {
            data["newConsultationURL"] = OrganiseRoute.newConsultation.path
        }
        if ctx.actor?.isAdmin == true { data["adminURL"] = OrganiseRoute.admin().path }
        return s.html("home", title: s.text("home_title"), data: data)
    }

    func consultation(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let id = id(ctx), let c = try await deps.store.consultation(id: id),
              Permissions.can(ctx.actor, .read, on: c, at: deps.clock.now()) == .allowed else { return s.notFound() }
        let now = deps.clock.now()
        let sections = try await deps.store.sections(consultationID: id)
        let articles = try await deps.store.articles(consultationID: id)
        let tallies = try await deps.store.tallies(articles.map { .article($0.id) })
        let proposals = try await deps.store.contributions(
            ContributionQuery(consultationID: id, kind: .proposal, placeholders: true), page: PageRequest(page: 1, perPage: 5))
        let sectionData = sections.map { section -> [String: Any] in
            // Titles, chapters and sections nest under "Le projet de texte" (h2): h3, h4, h5; articles one level below.
            let level = min(max(section.level, 0), 3)
            var d: [String: Any] = [
                "subtitle": section.subtitle,
                "articles": articles.filter { $0.sectionID == section.id }.map { a -> [String: Any] in
                    var d: [String: Any] = ["url": SiteRoute.article(a.id).path, "number": a.number, "tag": "h\(level + 3)"]
                    if !a.title.isEmpty { d["title"] = a.title }
                    d["tallyHTML"] = s.tallyHTML(live: tallies[.article(a.id)] ?? .zero, imported: a.importedTally)
                    return d
                },
            ]
            if level > 0 { d["heading"] = ["title": section.title, "tag": "h\(level + 2)"] }
            return d
        }
        let phase = c.phase(at: now)
        var data: [String: Any] = [
            "c": ["title": c.title, "summaryHTML": SafeMarkdown.html(c.summary), "institution": c.institution].merging(c.provenance.map { ["provenance": $0] } ?? [:]) { a, _ in a },
            "phase": phase.rawValue, "phaseLabel": s.phaseLabel(phase), "dates": s.dates(c), "sections": sectionData,
            "proposalsURL": SiteRoute.proposals(consultationID: id).path + "#propositions", "proposalCount": proposals.total,
            "synthesisURL": SiteRoute.synthesis(id).path, "representativenessURL": SiteRoute.representativeness(id).path,
        ]
        if !proposals.items.isEmpty { data["proposals"] = ["itemsHTML": s.rowsHTML(proposals.items, answers: try await s.answerStatuses(proposals.items))] }
        if phase != .open { data["refusal"] = deps.catalogue.message(for: phase == .closed ? .closed : .notOpenYet, s.lang) }
        if let reason = c.closedEarlyReason {
            data["closedEarly"] = s.text("closed_early", ["date": deps.catalogue.date(c.closesAt, s.lang), "reason": reason])
        }
        data["moderationURL"] = ModerationRoute.publicPage(id).path
        if Permissions.can(ctx.actor, .organise, on: c, at: now) == .allowed { data["organiserURL"] = OrganiseRoute.organiser(id).path }
        if Permissions.can(ctx.actor, .moderate, on: c, at: now) == .allowed { data["queueURL"] = ModerationRoute.queue(id).path }
        try await FollowUpPages(deps: deps).decorateConsultation(&data, s, c)
        if let openData = try await OpenDataPages(deps: deps).consultationLink(s, c) { data["openData"] = openData }
        data["debates"] = try await DebatePages(deps: deps).consultationLink(s, c)
        return s.html("consultation", title: c.title, data: data)
    }

    func proposals(_ req: Request, _ ctx: WebContext, draft: [String: String] = [:], errors: [FieldError] = [],
                   status: HTTPResponse.Status = .ok) async throws -> Response {
        let s = screen(req, ctx)
        guard let id = id(ctx), let c = try await deps.store.consultation(id: id),
              Permissions.can(ctx.actor, .read, on: c, at: deps.clock.now()) == .allowed else { return s.notFound() }
        let page = try await deps.store.contributions(
            ContributionQuery(consultationID: id, kind: .proposal, placeholders: true), page: PageRequest(page: s.queryInt("page"), perPage: 20))
        var data: [String: Any] = [
            "consultationURL": SiteRoute.consultation(id).path, "consultationTitle": c.title, "proposalCount": page.total,
            "proposals": !page.items.isEmpty, "proposalsHTML": s.rowsHTML(page.items, answers: try await s.answerStatuses(page.items)),
            "proposalAction": SiteRoute.proposeArticle(id).path,
            "titleHint": s.hint(Limits.title), "textHint": s.hint(Limits.proposalText), "draft": draft,
        ]
        if let e = s.errors(errors) { data["errors"] = e }
        if let p = s.pager(page, label: s.text("proposals_heading"), link: { SiteRoute.proposals(consultationID: id, page: $0).path }) {
            data["proposalPager"] = p
        }
        addParticipation(&data, s, c)
        return s.html("proposals", title: s.text("proposals_heading") + " — " + c.title, data: data, status: status)
    }

    /// Sets `canContribute`, `signinHint` or `refusal` from the permission function.
    func addParticipation(_ data: inout [String: Any], _ s: Screen, _ c: Consultation) {
        switch Permissions.can(s.context.actor, .contribute(.argument), on: c, at: deps.clock.now()) {
        case .allowed: data["canContribute"] = true
        case .refused(.notSignedIn):
            if c.phase(at: deps.clock.now()) == .open { data["signinHint"] = true }
        case .refused(let reason): data["refusal"] = deps.catalogue.message(for: reason, s.lang)
        }
    }

    /// What a failed article-page form sends back to the page.
    struct FormState {
        var which: String
        var draft: [String: Any]
        var errors: [FieldError]
    }

    func article(_ req: Request, _ ctx: WebContext, form: FormState? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let s = screen(req, ctx)
        guard let id = id(ctx), let a = try await deps.store.article(id: id), let c = try await deps.store.consultation(id: a.consultationID),
              Permissions.can(ctx.actor, .read, on: c, at: deps.clock.now()) == .allowed else { return s.notFound() }
        let path = SiteRoute.article(id).path
        let amendments = try await deps.store.contributions(
            ContributionQuery(articleID: id, kind: .amendment, placeholders: true), page: PageRequest(page: s.queryInt("amendments"), perPage: 10))
        // Render once: the article's HTML and its amendments' diffs come from the store in one read.
        var jobs = [RenderJob.body(.article(id), a.body)]
        if !a.explanation.isEmpty { jobs.append(RenderJob(key: RenderedKey(.article(id), .explanation), text: a.explanation)) }
        for r in amendments.items where !r.contribution.isHidden {
            jobs.append(RenderJob(key: RenderedKey(.contribution(r.contribution.id), .diff), text: r.contribution.body, base: a.body))
        }
        let html = try await deps.views.rendered.html(jobs, store: deps.store)
        let reports = DebateReportPages(deps: deps)
        let origins = try await reports.originLines(s, amendments.items.map(\.contribution.id))
        var data: [String: Any] = [
            "a": ["number": a.number, "title": a.title],
            "consultationURL": SiteRoute.consultation(c.id).path, "consultationTitle": c.title,
            "synthesisURL": SynthesisRoute.article(id).path,
            "bodyHTML": html[RenderedKey(.article(id), .body)] ?? "",
            "amendmentCount": amendments.total,
            "amendments": !amendments.items.isEmpty,
            "amendmentsHTML": s.amendmentsHTML(amendments.items, diffs: html, answers: try await s.answerStatuses(amendments.items), origins: origins),
            "amendmentAction": SiteRoute.amendArticle(id).path,
            "amendmentHint": s.hint(Limits.amendmentText), "rationaleHint": s.hint(Limits.rationale),
            "amendmentDraft": ["text": a.body],
            "argumentAction": SiteRoute.argueArticle(id).path, "sourceAction": SiteRoute.sourceArticle(id).path,
        ]
        if let e = html[RenderedKey(.article(id), .explanation)] { data["explanationHTML"] = e }
        if !a.currentLaw.isEmpty { data["currentLaw"] = a.currentLaw }
        if let p = s.pager(amendments, label: s.text("amendments_heading"), link: { "\(path)?amendments=\($0)#modifications" }) {
            data["amendmentPager"] = p
        }
        let tally = try await deps.store.tallies([.article(id)])[.article(id)] ?? .zero
        data["tallyHTML"] = s.tallyHTML(live: tally, imported: a.importedTally)
        // Issue 15: the debates' show-of-hands counts, beside the online tally and never added to it.
        if let box = try await reports.articleBox(s, a) { data["debateBox"] = box }
        try await addDiscussion(&data, s, c, query: ContributionQuery(articleID: id), path: path)
        if Permissions.can(ctx.actor, .vote, on: c, at: deps.clock.now()) == .allowed, let actor = ctx.actor {
            let mine = try await deps.store.votes(participantID: actor.participantID, on: [.article(id)])[.article(id)]
            data["voteForm"] = s.voteForm(action: SiteRoute.voteArticle(id).path, current: mine, back: path, legend: s.text("your_vote"))
        }
        try await FollowUpPages(deps: deps).decorateArticle(&data, s, a)
        apply(form, to: &data, s)
        return s.html("article", title: "\(s.text("article")) \(a.number) — \(a.title)", data: data, status: status)
    }

    /// Arguments in two columns and sources, each paginated, with the forms when allowed.
    func addDiscussion(_ data: inout [String: Any], _ s: Screen, _ c: Consultation, query: ContributionQuery, path: String) async throws {
        var base = query; base.placeholders = true
        var forQ = base; forQ.kind = .argument; forQ.stance = .for
        var againstQ = base; againstQ.kind = .argument; againstQ.stance = .against
        var sourceQ = base; sourceQ.kind = .source
        let pro = try await deps.store.contributions(forQ, page: PageRequest(page: s.queryInt("pour"), perPage: 10))
        let con = try await deps.store.contributions(againstQ, page: PageRequest(page: s.queryInt("contre"), perPage: 10))
        let src = try await deps.store.contributions(sourceQ, page: PageRequest(page: s.queryInt("sources"), perPage: 10))
        let canVote = Permissions.can(s.context.actor, .vote, on: c, at: deps.clock.now()) == .allowed
        var mine: [Target: VoteValue] = [:]
        if canVote, let actor = s.context.actor {
            mine = try await deps.store.votes(
                participantID: actor.participantID, on: (pro.items + con.items + src.items).map { .contribution($0.contribution.id) })
        }
        let back = s.request.uri.path + (s.request.uri.query.map { "?" + $0 } ?? "")
        let answers = try await s.answerStatuses(pro.items + con.items)
        let origins = try await DebateReportPages(deps: deps).originLines(s, (pro.items + con.items).map(\.contribution.id))
        data["argumentsFor"] = !pro.items.isEmpty; data["argumentsAgainst"] = !con.items.isEmpty; data["sources"] = !src.items.isEmpty
        data["argumentsForHTML"] = s.rowsHTML(pro.items, answers: answers, myVotes: mine, canVote: canVote, back: back, origins: origins)
        data["argumentsAgainstHTML"] = s.rowsHTML(con.items, answers: answers, myVotes: mine, canVote: canVote, back: back, origins: origins)
        data["sourcesHTML"] = s.rowsHTML(src.items, myVotes: mine, canVote: canVote, back: back)
        data["forCount"] = pro.total; data["againstCount"] = con.total; data["sourceCount"] = src.total
        data["argumentCount"] = pro.total + con.total
        data["forPager"] = s.pager(pro, label: s.text("arguments_for"), link: { "\(path)?pour=\($0)#arguments" })
        data["againstPager"] = s.pager(con, label: s.text("arguments_against"), link: { "\(path)?contre=\($0)#arguments" })
        data["sourcePager"] = s.pager(src, label: s.text("sources_heading"), link: { "\(path)?sources=\($0)#sources" })
        data["argumentHint"] = s.hint(Limits.argumentText)
        addParticipation(&data, s, c)
    }

    func apply(_ form: FormState?, to data: inout [String: Any], _ s: Screen) {
        guard let form else { return }
        data["\(form.which)Draft"] = form.draft
        data["open" + form.which.prefix(1).uppercased() + form.which.dropFirst()] = true
        if let e = s.errors(form.errors) { data["\(form.which)Errors"] = e }
    }

    func contribution(_ req: Request, _ ctx: WebContext, form: FormState? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let s = screen(req, ctx)
        guard let id = id(ctx), let c = try await deps.store.contribution(id: id),
              let consultation = try await deps.store.consultation(id: c.consultationID),
              Permissions.can(ctx.actor, .read, on: consultation, at: deps.clock.now()) == .allowed else { return s.notFound() }
        let path = SiteRoute.contribution(id).path
        var data: [String: Any] = ["consultationURL": SiteRoute.consultation(consultation.id).path, "heading": s.heading(c)]
        let canModerate = Permissions.can(ctx.actor, .moderate, on: consultation, at: deps.clock.now()) == .allowed
        if c.status != .published {
            // Held and rejected items: only their author and the moderators see them, with their state.
            guard canModerate || (c.authorID != nil && c.authorID == ctx.participant?.id) else { return s.notFound() }
            data["stateNotice"] = s.moderationState(c)
        } else if c.isHidden {
            // The public trace keeps the place: when, why; not the text, not the author. Moderators see the rest.
            data["hiddenNote"] = s.hiddenPlaceholder(c)
            if !canModerate {
                data["heading"] = s.text("kind_\(c.kind.rawValue)")
                return s.html("contribution", title: s.text("kind_\(c.kind.rawValue)"), data: data)
            }
        }
        if c.erasedAt != nil {
            // Erased by its author (issue 12): the place stays, with the replies of others under it.
            data["hiddenNote"] = s.hiddenPlaceholder(c)
            data["heading"] = s.text("kind_\(c.kind.rawValue)")
        }
        if canModerate && !c.isPublic && c.erasedAt == nil { data["queueURL"] = ModerationRoute.queue(consultation.id).path }
        var article: Article?
        if let aid = c.articleID { article = try await deps.store.article(id: aid) }
        if let article {
            data["articleURL"] = SiteRoute.article(article.id).path
            data["backToArticle"] = s.text("back_to_article", ["number": article.number])
        }
        if !c.title.isEmpty { data["title"] = c.title }
        if c.erasedAt == nil, let origin = try await DebateReportPages(deps: deps).originLines(s, [c.id])[c.id] {
            data["debateOrigin"] = ["text": origin.text, "url": origin.url]
        }
        if c.erasedAt != nil {
            // Nothing of the text to render.
        } else if c.kind == .amendment, let article {
            data["heading"] = s.text("amendment_of", ["number": article.number]) + " — " + c.authorName
            let diff = RenderJob(key: RenderedKey(.contribution(id), .diff), text: c.body, base: article.body)
            let rationale = RenderJob(key: RenderedKey(.contribution(id), .rationale), text: c.rationale)
            let html = try await deps.views.rendered.html([diff, rationale], store: deps.store)
            data["diffHTML"] = html[diff.key] ?? ""
            data["rationaleHTML"] = html[rationale.key] ?? ""
        } else {
            data["bodyHTML"] = try await deps.views.rendered.html(.body(.contribution(id), c.body), store: deps.store)
        }
        if let url = c.url, c.erasedAt == nil { data["sourceURL"] = url }
        if let parentID = c.parentID, let parent = try await deps.store.contribution(id: parentID) {
            data["parentURL"] = SiteRoute.contribution(parentID).path
            data["parentLabel"] = s.heading(parent)
        } else if c.kind == .argument || c.kind == .source, let article {
            data["parentURL"] = SiteRoute.article(article.id).path
            data["parentLabel"] = "\(s.text("article")) \(article.number) — \(article.title)"
        }
        let target = Target.contribution(id)
        let tally = try await deps.store.tallies([target])[target] ?? .zero
        let canVote = c.isPublic && Permissions.can(ctx.actor, .vote, on: consultation, at: deps.clock.now()) == .allowed
        let mine = canVote ? try await deps.store.votes(participantID: ctx.actor!.participantID, on: [target])[target] : nil
        if c.kind.votingScale == .opinion {
            data["opinion"] = ["tallyHTML": s.tallyHTML(live: tally, imported: c.importedTally)]
            if canVote {
                data["voteForm"] = s.voteForm(action: SiteRoute.voteContribution(id).path, current: mine, back: path, legend: s.text("your_vote_on"))
            }
            data["discussable"] = true
            data["argumentAction"] = SiteRoute.argueContribution(id).path
            data["sourceAction"] = SiteRoute.sourceContribution(id).path
            try await addDiscussion(&data, s, consultation, query: ContributionQuery(parentID: id), path: path)
        } else {
            data["usefulText"] = s.tallyText(c.kind, tally, c.importedTally)
            if canVote { data["usefulForm"] = ["action": SiteRoute.voteContribution(id).path, "voted": mine == .useful, "back": path] as [String: Any] }
        }
        if !canVote, Permissions.can(ctx.actor, .vote, on: consultation, at: deps.clock.now()) == .refused(.notSignedIn),
           consultation.phase(at: deps.clock.now()) == .open {
            data["signinHint"] = true
        }
        if !c.isPublic { data["canContribute"] = nil }
        try await addReportForm(&data, s, c, consultation, form: form)
        addModerationForm(&data, s, c, consultation)
        try await AnswerPages(deps: deps).decorate(&data, s, c, consultation, form: form)
        apply(form, to: &data, s)
        return s.html("contribution", title: s.heading(c), data: data, status: status)
    }

    /// For the consultation's moderators, hiding (or restoring) a published item from its own page, not
    /// only from the queue; the decision goes through the same command and comes back here.
    func addModerationForm(_ data: inout [String: Any], _ s: Screen, _ c: Contribution, _ consultation: Consultation) {
        guard c.status == .published, c.hidden != nil || !c.isHidden,
              Permissions.can(s.context.actor, .moderate, on: consultation, at: deps.clock.now()) == .allowed else { return }
        let hide = !c.isHidden
        data["moderateForm"] = [
            "action": ModerationRoute.moderate(c.id).path, "back": SiteRoute.contribution(c.id).path,
            "decision": hide ? ModerationAction.hide.rawValue : ModerationAction.restore.rawValue,
            "label": s.text(hide ? "moderation_hide" : "moderation_restore"),
            "reasons": (hide ? ModerationReason.violations : [ModerationReason.compliant]).map { r in
                ["value": r.rawValue, "label": s.reasonLabel(r)] as [String: Any]
            },
        ] as [String: Any]
    }

    /// The « Signaler » form for signed-in participants, or the note that they already reported it.
    func addReportForm(_ data: inout [String: Any], _ s: Screen, _ c: Contribution, _ consultation: Consultation, form: FormState?) async throws {
        guard c.isPublic, let me = s.context.participant,
              Permissions.can(s.context.actor, .report, on: consultation, at: deps.clock.now()) == .allowed else { return }
        if try await deps.store.reports(contributionID: c.id).contains(where: { $0.participantID == me.id }) {
            data["reported"] = s.text("report_already")
            return
        }
        let chosen = form?.which == "report" ? (form?.draft["reason"] as? String) : nil
        data["reportForm"] = [
            "action": ModerationRoute.report(c.id).path, "hint": s.hint(Limits.reason),
            "reasons": ModerationReason.reportable.map { r in
                ["value": r.rawValue, "label": s.reasonLabel(r), "checked": r.rawValue == chosen] as [String: Any]
            },
        ] as [String: Any]
    }

    func participant(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let id = id(ctx), let p = try await deps.store.participant(id: id) else { return s.notFound() }
        let path = SiteRoute.participant(id).path
        let contributions = try await deps.store.contributions(
            ContributionQuery(authorID: id, order: .recent), page: PageRequest(page: s.queryInt("contributions"), perPage: 20))
        let isMe = ctx.participant?.id == id
        var data: [String: Any] = [
            "heading": s.text("participant_page", ["name": p.displayName]),
            "kindLabel": s.text("kind_\(p.kind.rawValue)"),
            "since": s.text("member_since", ["date": deps.catalogue.date(p.createdAt, s.lang)]),
            "contributions": !contributions.items.isEmpty, "contributionsHTML": s.rowsHTML(contributions.items),
            "contributionCount": contributions.total, "isMe": isMe,
        ]
        if let org = p.organization { data["organization"] = org }
        data["contributionPager"] = s.pager(contributions, label: s.text("my_contributions"), link: { "\(path)?contributions=\($0)" })
        // NB: votes are political opinions: only their author sees them, never the public.
        if isMe {
            let votes = try await deps.store.votes(participantID: id, page: PageRequest(page: s.queryInt("votes"), perPage: 20))
            var rows: [[String: Any]] = []
            for v in votes.items {
                var label = ""
                var url = ""
                switch v.target {
                case .article(let aid):
                    if let a = try await deps.store.article(id: aid) { label = "\(s.text("article")) \(a.number) — \(a.title)" }
                    url = SiteRoute.article(aid).path
                case .contribution(let cid):
                    if let c = try await deps.store.contribution(id: cid) {
                        label = s.heading(c) + (c.title.isEmpty ? "" : " — " + c.title)
                    }
                    url = SiteRoute.contribution(cid).path
                }
                rows.append(["label": label, "url": url, "value": s.voteLabel(v.value), "date": deps.catalogue.date(v.castAt, s.lang)])
            }
            data["votes"] = rows
            data["voteCount"] = votes.total
            data["votePager"] = s.pager(votes, label: s.text("my_votes"), link: { "\(path)?votes=\($0)#votes" })
            let held = try await deps.store.unpublishedContributions(authorID: id, page: PageRequest(page: s.queryInt("attente"), perPage: 20))
            data["unpublished"] = held.items.map { c -> [String: Any] in
                ["url": SiteRoute.contribution(c.id).path, "heading": s.heading(c) + (c.title.isEmpty ? "" : " — " + c.title),
                 "excerpt": Screen.excerpt(c.body, 300), "state": s.moderationState(c), "status": c.status.rawValue]
            }
            data["unpublishedCount"] = held.total
            data["unpublishedPager"] = s.pager(held, label: s.text("my_unpublished"), link: { "\(path)?attente=\($0)#en-attente" })
        }
        return s.html("participant", title: s.text("participant_page", ["name": p.displayName]), data: data)
    }

    // MARK: Writing

    func vote(_ req: Request, _ ctx: WebContext, article: Bool) async throws -> Response {
        let s = screen(req, ctx)
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        guard let id = id(ctx) else { return s.notFound() }
        let target: Target = article ? .article(id) : .contribution(id)
        let back = Screen.safeBack(form["back"], fallback: article ? SiteRoute.article(id).path : SiteRoute.contribution(id).path)
        let raw = form.string("value")
        if raw == "withdraw" {
            switch try await WithdrawVote(actor: ctx.actor, target: target).run(deps.commands) {
            case .done: return Screen.redirect(Screen.with(back, ok: "vote_withdrawn"))
            case .refused(let r): return s.refused(r)
            case .notFound: return s.notFound()
            case .invalid, .conflict: return s.error(.unprocessableContent, s.text("err_invalid", ["field": s.text("field_value")]))
            }
        }
        guard let value = VoteValue(rawValue: raw) else {
            return s.error(.unprocessableContent, s.text("err_invalid", ["field": s.text("field_value")]))
        }
        switch try await CastVote(actor: ctx.actor, target: target, value: value).run(deps.commands) {
        case .done: return Screen.redirect(Screen.with(back, ok: "vote_saved"))
        case .refused(let r): return s.refused(r)
        case .notFound: return s.notFound()
        case .invalid(let errors): return s.error(.unprocessableContent, errors.map { deps.catalogue.message(for: $0, s.lang) }.joined(separator: " "))
        case .conflict: return s.error(.conflict, s.text("error_internal"))
        }
    }

    /// Redirects on success; re-renders the page with the errors and the draft on invalid input.
    func finish(_ outcome: Outcome<Contribution>, _ req: Request, _ ctx: WebContext, state: FormState, article: Bool) async throws -> Response {
        let s = screen(req, ctx)
        switch outcome {
        case .done(let c) where c.status == .pending:
            // Held for a moderator (a priori): back to where it was written, saying so.
            let page = c.kind == .proposal ? SiteRoute.proposals(consultationID: c.consultationID).path
                : (c.kind == .amendment || article ? SiteRoute.article(c.articleID ?? 0).path : SiteRoute.contribution(c.parentID ?? c.id).path)
            return Screen.redirect(Screen.with(page, ok: "contribution_pending"))
        case .done(let c):
            let page = c.kind == .amendment || c.kind == .proposal ? SiteRoute.contribution(c.id).path
                : (article ? SiteRoute.article(c.articleID ?? 0).path : SiteRoute.contribution(c.parentID ?? c.id).path)
            return Screen.redirect(Screen.with(page, ok: "contribution_saved"))
        case .refused(let r): return s.refused(r)
        case .notFound: return s.notFound()
        case .conflict: return s.error(.conflict, s.text("error_internal"))
        case .invalid(let errors):
            var st = state; st.errors = errors
            if state.which == "proposal" {
                return try await proposals(req, ctx, draft: state.draft.compactMapValues { $0 as? String }, errors: errors, status: .unprocessableContent)
            }
            return article ? try await self.article(req, ctx, form: st, status: .unprocessableContent)
                : try await contribution(req, ctx, form: st, status: .unprocessableContent)
        }
    }

    func withForm(_ req: Request, _ ctx: WebContext, _ body: (Form, ID) async throws -> Response) async throws -> Response {
        let s = screen(req, ctx)
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let form):
            guard let id = id(ctx) else { return s.notFound() }
            return try await body(form, id)
        }
    }

    func amend(_ req: Request, _ ctx: WebContext) async throws -> Response {
        try await withForm(req, ctx) { form, id in
            let outcome = try await ProposeAmendment(actor: ctx.actor, articleID: id, text: form.string("text"), rationale: form.string("rationale")).run(deps.commands)
            return try await finish(outcome, req, ctx, state: FormState(which: "amendment", draft: ["text": form.string("text"), "rationale": form.string("rationale")], errors: []), article: true)
        }
    }

    func argue(_ req: Request, _ ctx: WebContext, article: Bool) async throws -> Response {
        try await withForm(req, ctx) { form, id in
            let stance = Stance(rawValue: form.string("stance"))
            let outcome = try await AddArgument(actor: ctx.actor, target: article ? .article(id) : .contribution(id), stance: stance, text: form.string("text")).run(deps.commands)
            let draft: [String: Any] = ["text": form.string("text"), "for": stance == .for, "against": stance == .against]
            return try await finish(outcome, req, ctx, state: FormState(which: "argument", draft: draft, errors: []), article: article)
        }
    }

    func addSource(_ req: Request, _ ctx: WebContext, article: Bool) async throws -> Response {
        try await withForm(req, ctx) { form, id in
            let outcome = try await AddSource(
                actor: ctx.actor, target: article ? .article(id) : .contribution(id), url: form.string("url"),
                title: form.string("title"), summary: form.string("summary")).run(deps.commands)
            let draft: [String: Any] = ["url": form.string("url"), "title": form.string("title"), "summary": form.string("summary")]
            return try await finish(outcome, req, ctx, state: FormState(which: "source", draft: draft, errors: []), article: article)
        }
    }

    func proposeArticle(_ req: Request, _ ctx: WebContext) async throws -> Response {
        try await withForm(req, ctx) { form, id in
            let outcome = try await ProposeArticle(actor: ctx.actor, consultationID: id, title: form.string("title"), text: form.string("text")).run(deps.commands)
            return try await finish(outcome, req, ctx, state: FormState(which: "proposal", draft: ["title": form.string("title"), "text": form.string("text")], errors: []), article: false)
        }
    }
}

enum StaticFiles {
    static let cssData: Data? = Bundle.module.url(forResource: "app", withExtension: "css", subdirectory: "Resources/static").flatMap { try? Data(contentsOf: $0) }

    static func css() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/css; charset=utf-8"
        headers[.cacheControl] = "public, max-age=3600"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: cssData ?? Data())))
    }
}
