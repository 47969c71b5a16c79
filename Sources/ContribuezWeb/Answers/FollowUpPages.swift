import ContribuezAnalysis
import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// The follow-up pages' paths (issue 9), besides the ones `FollowUpRoute` already prints for mails.
/// The POST ones change state.
extension FollowUpRoute {
    static func answer(_ contributionID: ID) -> String { "/contributions/\(contributionID)/reponse" }
    static func articleVersions(_ articleID: ID, from: Int? = nil, to: Int? = nil) -> String {
        "/articles/\(articleID)/versions" + (from.flatMap { f in to.map { "?de=\(f)&a=\($0)" } } ?? "")
    }
    static func newVersion(_ consultationID: ID) -> String { "/consultations/\(consultationID)/versions/nouvelle" }
    static func uptakes(_ versionID: ID) -> String { "/versions/\(versionID)/reprises" }
    static func follow(_ target: FollowTarget) -> String { "/suivis/\(target.kindName)/\(target.id)" }
    static let markRead = "/notifications/lues"

    /// The patterns `FollowUpPages.register` adds.
    static let pagePatterns: [(method: String, pattern: String)] = [
        ("POST", "/contributions/:id/reponse"), ("GET", "/consultations/:id/engagements"), ("GET", "/consultations/:id/suivi"),
        ("GET", "/articles/:id/versions"), ("GET", "/consultations/:id/versions/nouvelle"), ("POST", "/consultations/:id/versions/nouvelle"),
        ("GET", "/versions/:id/reprises"), ("POST", "/versions/:id/reprises"), ("POST", "/suivis/:kind/:id"),
        ("GET", "/notifications"), ("POST", "/notifications/lues"), ("GET", "/notifications/preferences"), ("POST", "/notifications/preferences"),
    ]
}

/// The HTML pages of issue 9: answers, engagements, Suivi, versions and uptake, follows, notifications.
struct FollowUpPages {
    let deps: WebDependencies

    func register(on router: Router<WebContext>) {
        let answers = AnswerPages(deps: deps), ledger = EngagementPages(deps: deps), suivi = SuiviPages(deps: deps)
        let versions = VersionPages(deps: deps), notes = NotificationPages(deps: deps)
        router.post("/contributions/:id/reponse") { req, ctx in try await answers.answer(req, ctx) }
        router.get("/consultations/:id/engagements") { req, ctx in try await ledger.show(req, ctx) }
        router.get("/consultations/:id/suivi") { req, ctx in try await suivi.show(req, ctx) }
        router.get("/articles/:id/versions") { req, ctx in try await suivi.articleVersions(req, ctx) }
        router.get("/consultations/:id/versions/nouvelle") { req, ctx in try await versions.newForm(req, ctx) }
        router.post("/consultations/:id/versions/nouvelle") { req, ctx in try await versions.publish(req, ctx) }
        router.get("/versions/:id/reprises") { req, ctx in try await versions.uptakeForm(req, ctx) }
        router.post("/versions/:id/reprises") { req, ctx in try await versions.recordUptakes(req, ctx) }
        router.post("/suivis/:kind/:id") { req, ctx in try await notes.follow(req, ctx) }
        router.get("/notifications") { req, ctx in try await notes.list(req, ctx) }
        router.post("/notifications/lues") { req, ctx in try await notes.markRead(req, ctx) }
        router.get("/notifications/preferences") { req, ctx in try await notes.preferences(req, ctx) }
        router.post("/notifications/preferences") { req, ctx in try await notes.savePreferences(req, ctx) }
    }

    // MARK: Pieces added to the pages of the participation core

    /// Consultation page: links to Engagements and Suivi, the overdue count once closed, the follow button.
    func decorateConsultation(_ data: inout [String: Any], _ s: Screen, _ c: Consultation) async throws {
        var d: [String: Any] = ["engagementsURL": FollowUpRoute.engagements(c.id), "suiviURL": FollowUpRoute.suivi(c.id)]
        let now = deps.clock.now()
        // NB: the ledger replays the vote log up to closing: only worth it once the consultation is closed.
        if c.isPublished, now >= c.closesAt {
            let overdue = try await FollowUpQueries.engagements(deps, consultation: c).count(.overdue)
            if overdue > 0 { d["overdue"] = s.text(overdue == 1 ? "followup_overdue_one" : "followup_overdue_many", ["n": "\(overdue)"]) }
        }
        d["follow"] = try await followButton(s, .consultation(c.id))
        if Permissions.can(s.context.actor, .publishVersion, on: c, at: now) == .allowed { d["newVersionURL"] = FollowUpRoute.newVersion(c.id) }
        d["showHeader"] = d["overdue"] != nil || d["follow"] != nil || d["newVersionURL"] != nil
        data["followUp"] = d
    }

    /// Article page: the link to its versions when the text has any, and the follow button.
    func decorateArticle(_ data: inout [String: Any], _ s: Screen, _ a: Article) async throws {
        var d: [String: Any] = [:]
        if let last = try await deps.store.textVersions(consultationID: a.consultationID).last {
            d["versionsURL"] = FollowUpRoute.articleVersions(a.id, from: 0, to: last.position)
        }
        d["follow"] = try await followButton(s, .article(a.id))
        data["followUp"] = d
    }

    /// « Suivre » / « Ne plus suivre » for signed-in participants; nil for visitors.
    func followButton(_ s: Screen, _ target: FollowTarget) async throws -> [String: Any]? {
        guard let me = s.context.participant else { return nil }
        let following = try await deps.store.follows(participantID: me.id, among: [target]).contains(target)
        return [
            "action": FollowUpRoute.follow(target), "back": s.request.uri.path, "value": following ? "unfollow" : "follow",
            "label": s.text(following ? "followup_unfollow" : "followup_follow"), "following": following,
        ]
    }
}

extension Screen {
    /// Builds the rows of a contribution list with the answer badge of those answered: one query per list.
    func withAnswerBadges(_ items: [ContributionRow], _ build: (ContributionRow) -> [String: Any]) async throws -> [[String: Any]] {
        let visible = items.filter { !$0.contribution.isHidden }.map(\.contribution.id)
        let answers = visible.isEmpty ? [:] : try await deps.store.currentAnswers(contributionIDs: visible)
        return items.map { r in
            var d = build(r)
            if let a = answers[r.contribution.id], !r.contribution.isHidden { d["answerBadge"] = answerBadge(a.status) }
            return d
        }
    }

    func answerBadge(_ status: AnswerStatus) -> [String: Any] {
        ["status": status.rawValue, "label": text("answer_status_\(status.rawValue)")]
    }

    /// A word diff already computed (`TextDiff` segments) as `<del>`/`<ins>`, every character escaped.
    static func segmentsHTML(_ segments: [TextDiff.Segment]) -> String {
        var out = ""
        for seg in segments {
            switch seg {
            case .same(let s): out += SafeMarkdown.escape(s)
            case .removed(let s): out += "<del>" + SafeMarkdown.escape(s) + "</del>"
            case .added(let s): out += "<ins>" + SafeMarkdown.escape(s) + "</ins>"
            }
        }
        return out
    }

    /// How a contribution is named in follow-up lists: its title, else the start of its text.
    func label(_ c: Contribution) -> String {
        c.title.isEmpty ? Screen.excerpt(c.body.split(separator: "\n").first.map(String.init) ?? "", 140) : c.title
    }

    /// The messages of a command's field errors, in the page's language.
    func messages(_ errors: [FieldError]) -> [String] { errors.map { deps.catalogue.message(for: $0, lang) } }
}
