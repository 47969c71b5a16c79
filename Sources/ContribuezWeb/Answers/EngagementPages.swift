import ContribuezCore
import Foundation
import Hummingbird

/// The public commitments ledger of a consultation (« Engagements », issue 9): what the institution
/// owes an answer to, by when, and what it answered late or not at all.
struct EngagementPages {
    let deps: WebDependencies

    func show(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = Screen(deps: deps, context: ctx, request: req)
        let now = deps.clock.now()
        guard let id = Institution.id(ctx), let c = try await deps.store.consultation(id: id),
              Permissions.can(ctx.actor, .read, on: c, at: now) == .allowed else { return s.notFound() }
        let ledger = try await FollowUpQueries.engagements(deps, consultation: c)
        let page = Institution.page(ledger.items, PageRequest(page: s.queryInt("page"), perPage: 20))
        var data: [String: Any] = [
            "consultationURL": SiteRoute.consultation(c.id).path, "consultationTitle": c.title, "suiviURL": FollowUpRoute.suivi(c.id),
            "rule": s.text("followup_engagements_rule", [
                "threshold": "\(ledger.threshold)", "days": "\(c.settings.answerDeadlineDays)", "due": deps.catalogue.date(ledger.dueAt, s.lang),
            ]),
            "closed": ledger.isClosed,
        ]
        if ledger.isClosed {
            data["counts"] = [
                ["label": s.text("followup_count_due"), "n": "\(ledger.due)", "state": "due"],
                ["label": s.text("followup_count_on_time"), "n": "\(ledger.count(.answeredOnTime))", "state": "answered_on_time"],
                ["label": s.text("followup_count_late"), "n": "\(ledger.count(.answeredLate))", "state": "answered_late"],
                ["label": s.text("followup_count_overdue"), "n": "\(ledger.count(.overdue))", "state": "overdue"],
                ["label": s.text("followup_count_not_yet_due"), "n": "\(ledger.count(.notYetDue))", "state": "not_yet_due"],
            ]
            // The ledger puts the overdue first: on a page, they come under their own heading.
            let overdue = page.items.filter { $0.state == .overdue }, others = page.items.filter { $0.state != .overdue }
            if !overdue.isEmpty { data["overdueItems"] = ["items": overdue.map { item(s, $0) }] }
            if !others.isEmpty { data["otherItems"] = ["items": others.map { item(s, $0) }] }
            data["empty"] = ledger.items.isEmpty
            data["pager"] = s.pager(page, label: s.text("followup_engagements_list"), link: { FollowUpRoute.engagements(c.id) + "?page=\($0)#liste" })
        } else {
            data["notYet"] = s.text("followup_engagements_not_yet", ["closes": deps.catalogue.date(c.closesAt, s.lang)])
            data["provisional"] = s.text("followup_engagements_provisional", ["n": "\(ledger.provisional)", "threshold": "\(ledger.threshold)"])
        }
        return s.html("followup_engagements", title: s.text("followup_engagements_title") + " — " + c.title, data: data)
    }

    func item(_ s: Screen, _ e: Engagement) -> [String: Any] {
        let c = e.candidate.contribution
        let state: String
        switch e.state {
        case .overdue: state = s.text("followup_state_overdue", ["n": "\(e.daysLate)"])
        case .answeredLate: state = s.text("followup_state_late", ["n": "\(e.daysLate)"])
        case .answeredOnTime: state = s.text("followup_state_on_time")
        case .notYetDue: state = s.text("followup_state_not_yet_due")
        }
        var d: [String: Any] = [
            "url": SiteRoute.contribution(c.id).path, "heading": s.heading(c), "title": s.label(c), "votes": "\(e.candidate.votes)",
            "state": e.state.rawValue, "stateText": state, "overdue": e.state == .overdue,
        ]
        if let at = e.candidate.firstAnsweredAt { d["answeredAt"] = deps.catalogue.date(at, s.lang) }
        if let st = e.candidate.currentStatus { d["badge"] = s.answerBadge(st) }
        return d
    }
}
