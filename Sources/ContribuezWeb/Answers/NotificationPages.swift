import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// Follow buttons, in-app notifications and mail preferences (issue 9); the outbox section of the admin page.
struct NotificationPages {
    let deps: WebDependencies

    func guarded(_ req: Request, _ ctx: WebContext, _ s: Screen) async -> Result<Form, Refusal> { await FormGuard.check(req, ctx, s) }

    // MARK: Follow

    func follow(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = Screen(deps: deps, context: ctx, request: req)
        let form: Form
        switch await guarded(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        guard let kind = ctx.parameters.get("kind"), let id = Institution.id(ctx), let target = FollowTarget(kind: kind, id: id) else { return s.notFound() }
        let action = form.string("action")
        guard action == "follow" || action == "unfollow" else {
            return s.error(.unprocessableContent, deps.catalogue.message(for: FieldError(field: "action", rule: .unknownValue, value: "follow, unfollow"), s.lang))
        }
        let back = Screen.safeBack(form["back"], fallback: "/")
        switch try await FollowTargetCommand(actor: ctx.actor, target: target, follow: action == "follow").run(deps.commands) {
        case .done: return Screen.redirect(Screen.with(back, ok: action == "follow" ? "followup_followed" : "followup_unfollowed"))
        case let other: return Institution.failure(other, s)
        }
    }

    // MARK: Notifications

    func list(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = Screen(deps: deps, context: ctx, request: req)
        guard let me = ctx.participant else { return s.refused(.notSignedIn) }
        let page = try await deps.store.notifications(participantID: me.id, page: PageRequest(page: s.queryInt("page"), perPage: 20))
        let unread = ctx.unreadNotifications ?? 0
        var data: [String: Any] = [
            "items": page.items.map { n -> [String: Any] in
                ["text": NotificationMailer.text(of: n, deps.catalogue, s.lang), "url": Screen.safeBack(n.path, fallback: "/"),
                 "date": s.dateTime(n.createdAt), "unread": n.readAt == nil]
            },
            "hasItems": !page.items.isEmpty, "count": s.text("count_items", ["n": "\(page.total)"]),
            "preferencesURL": FollowUpRoute.preferences,
        ]
        // NB: no state change on GET (DESIGN §4): reading marks nothing; the button below does, with its CSRF token.
        if unread > 0 {
            data["unreadText"] = s.text(unread == 1 ? "followup_unread_one" : "followup_unread_many", ["n": "\(unread)"])
            data["markReadAction"] = FollowUpRoute.markRead
        }
        data["pager"] = s.pager(page, label: s.text("followup_notifications_title"), link: { FollowUpRoute.notifications + "?page=\($0)" })
        return s.html("followup_notifications", title: s.text("followup_notifications_title"), data: data)
    }

    func markRead(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = Screen(deps: deps, context: ctx, request: req)
        if case .failure(let r) = await guarded(req, ctx, s) { return r.response }
        guard let me = ctx.participant else { return s.refused(.notSignedIn) }
        try await deps.store.markNotificationsRead(participantID: me.id, at: deps.clock.now())
        return Screen.redirect(Screen.with(FollowUpRoute.notifications, ok: "followup_marked_read"))
    }

    // MARK: Preferences

    func preferences(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = Screen(deps: deps, context: ctx, request: req)
        guard let me = ctx.participant else { return s.refused(.notSignedIn) }
        let pref = try await deps.store.mailPreference(participantID: me.id, newToken: deps.secrets.secret(bytes: 32))
        return preferencesPage(s, frequency: pref.frequency.rawValue, lang: pref.lang)
    }

    func preferencesPage(_ s: Screen, frequency: String, lang: String, errors: [FieldError] = [], status: HTTPResponse.Status = .ok) -> Response {
        var data: [String: Any] = [
            "action": FollowUpRoute.preferences, "notificationsURL": FollowUpRoute.notifications,
            "frequencies": MailFrequency.allCases.map { f in
                ["value": f.rawValue, "label": s.text("followup_frequency_\(f.rawValue)"), "checked": f.rawValue == frequency] as [String: Any]
            },
            "langs": Lang.allCases.map { l in ["value": l.rawValue, "label": s.text("followup_mail_lang_\(l.rawValue)"), "checked": l.rawValue == lang] as [String: Any] },
        ]
        if let e = s.errors(errors) { data["errors"] = e }
        return s.html("followup_preferences", title: s.text("followup_preferences_title"), data: data, status: status)
    }

    func savePreferences(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = Screen(deps: deps, context: ctx, request: req)
        let form: Form
        switch await guarded(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        guard let me = ctx.participant else { return s.refused(.notSignedIn) }
        let frequency = MailFrequency(rawValue: form.string("frequency")), lang = Lang(rawValue: form.string("lang"))
        var errors: [FieldError] = []
        if frequency == nil {
            errors.append(FieldError(field: "frequency", rule: .unknownValue, value: MailFrequency.allCases.map { s.text("followup_frequency_\($0.rawValue)") }.joined(separator: ", ")))
        }
        if lang == nil { errors.append(FieldError(field: "lang", rule: .unknownValue, value: Lang.allCases.map(\.rawValue).joined(separator: ", "))) }
        guard let frequency, let lang, errors.isEmpty else {
            return preferencesPage(s, frequency: form.string("frequency"), lang: form.string("lang"), errors: errors, status: .unprocessableContent)
        }
        try await deps.store.setMailPreference(participantID: me.id, frequency: frequency, lang: lang.rawValue, newToken: deps.secrets.secret(bytes: 32))
        return Screen.redirect(Screen.with(FollowUpRoute.preferences, ok: "followup_preferences_saved"))
    }

    // MARK: Admin

    /// The outbox section of the admin page: counts, the oldest queued mail, recent failures; whether mail goes out at all.
    static func outbox(_ s: Screen) async throws -> [String: Any] {
        let o = try await s.deps.store.outboxStatus()
        var d: [String: Any] = [
            "counts": [
                ["label": s.text("followup_outbox_queued"), "n": "\(o.queued)"], ["label": s.text("followup_outbox_failing"), "n": "\(o.failing)"],
                ["label": s.text("followup_outbox_sent"), "n": "\(o.sent)"], ["label": s.text("mail_outbox_abandoned"), "n": "\(o.abandoned)"],
            ],
            "failures": o.recentFailures.map { m -> [String: Any] in
                ["to": m.to, "subject": m.subject, "error": m.lastError ?? "", "attempts": "\(m.attempts)",
                 "next": m.abandonedAt.map { s.text("mail_outbox_given_up", ["date": s.dateTime($0)]) } ?? s.dateTime(m.nextAttemptAt)]
            },
            "hasFailures": !o.recentFailures.isEmpty,
        ]
        if let oldest = o.oldestQueuedAt { d["oldest"] = s.text("followup_outbox_oldest", ["date": s.dateTime(oldest)]) }
        if !s.deps.smtpConfigured { d["noSMTP"] = s.text("followup_outbox_no_smtp") }
        return d
    }
}
