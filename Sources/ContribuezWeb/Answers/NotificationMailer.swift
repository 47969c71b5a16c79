import ContribuezCore
import Foundation

/// Turns notifications into mails in the outbox, off the request path: one mail per participant and
/// round for those who chose « immédiatement », one digest a day for « une fois par jour ». Each mail
/// carries the participant's one-click unsubscribe link (RFC 8058). The SMTP sender takes it from there.
///
/// NB: a notification is marked mailed after its mail is queued: a crash in between mails it twice,
/// never zero times.
public struct NotificationMailer: Sendable {
    let store: any Store
    let clock: any Clock
    let secrets: any SecretGenerator
    let catalogue: Catalogue
    /// Absolute base of links in mails, without the trailing slash ("https://consultation.example.gouv.fr").
    let publicURL: String

    public init(store: any Store, clock: any Clock, secrets: any SecretGenerator, catalogue: Catalogue, publicURL: String) {
        self.store = store; self.clock = clock; self.secrets = secrets; self.catalogue = catalogue
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
    }

    public init(deps: WebDependencies, publicURL: String) {
        self.init(store: deps.store, clock: deps.clock, secrets: deps.secrets, catalogue: deps.catalogue, publicURL: publicURL)
    }

    public struct Round: Sendable, Equatable {
        public var mails = 0
        public var notifications = 0
    }

    static let day: TimeInterval = 86_400

    /// One round: immediate mails, then the digests that are due.
    @discardableResult
    public func runOnce() async throws -> Round {
        var round = Round()
        let now = clock.now()
        let immediate = try await store.unmailedNotifications(frequency: .immediate, limit: 500)
        for (participant, notes) in Dictionary(grouping: immediate, by: \.participantID).sorted(by: { $0.key < $1.key }) {
            if try await mail(participant, notes, digest: false) { round.mails += 1 }
            try await store.markNotificationsMailed(ids: notes.map(\.id), at: now)
            round.notifications += notes.count
        }
        let daily = try await store.unmailedNotifications(frequency: .daily, limit: 5_000)
        for (participant, notes) in Dictionary(grouping: daily, by: \.participantID).sorted(by: { $0.key < $1.key }) {
            let pref = try await store.mailPreference(participantID: participant, newToken: secrets.secret(bytes: 32))
            if let last = pref.lastDigestAt, now.timeIntervalSince(last) < Self.day { continue }
            if try await mail(participant, notes, digest: true) { round.mails += 1 }
            try await store.markNotificationsMailed(ids: notes.map(\.id), at: now)
            try await store.setLastDigest(participantID: participant, at: now)
            round.notifications += notes.count
        }
        // Those who want no mail keep their notifications in the app only.
        let never = try await store.unmailedNotifications(frequency: .never, limit: 5_000)
        try await store.markNotificationsMailed(ids: never.map(\.id), at: now)
        return round
    }

    /// Runs a round every `every` seconds until cancelled.
    public func run(every: TimeInterval, log: @Sendable (String) -> Void = { _ in }) async {
        while !Task.isCancelled {
            do {
                let r = try await runOnce()
                if r.mails > 0 { log("queued \(r.mails) notification mail(s)") }
            } catch {
                log("notification mails failed this round: \(type(of: error))")
            }
            try? await Task.sleep(nanoseconds: UInt64(every * 1_000_000_000))
        }
    }

    /// Queues one mail for these notifications; false when the participant has no address (imported).
    func mail(_ participantID: ID, _ notes: [ContribuezCore.Notification], digest: Bool) async throws -> Bool {
        guard let p = try await store.participant(id: participantID), let to = p.email else { return false }
        let pref = try await store.mailPreference(participantID: participantID, newToken: secrets.secret(bytes: 32))
        let lang = Lang(rawValue: pref.lang) ?? .fr
        let unsubscribe = publicURL + FollowUpRoute.unsubscribe(pref.unsubscribeToken)
        let lines = notes.map { "– " + Self.text(of: $0, catalogue, lang) + "\n  " + publicURL + $0.path }
        let subject: String
        if digest {
            subject = catalogue.text("mail_digest_subject", lang, ["n": "\(notes.count)"])
        } else if notes.count == 1 {
            subject = Self.text(of: notes[0], catalogue, lang)
        } else {
            subject = catalogue.text("mail_many_subject", lang, ["n": "\(notes.count)"])
        }
        let body = [
            catalogue.text("mail_greeting", lang, ["name": p.displayName]),
            catalogue.text(digest ? "mail_digest_intro" : "mail_intro", lang),
            lines.joined(separator: "\n\n"),
            "—",
            catalogue.text("mail_footer", lang, [
                "notifications": publicURL + FollowUpRoute.notifications, "preferences": publicURL + FollowUpRoute.preferences,
                "unsubscribe": unsubscribe,
            ]),
        ].joined(separator: "\n\n")
        _ = try await store.enqueueMail(
            NewMail(to: to, subject: String(subject.prefix(200)), text: body, unsubscribeURL: unsubscribe, kind: digest ? "digest" : "notification"),
            at: clock.now())
        return true
    }

    /// The sentence that says what a notification is about, as the app and the mails show it.
    static func text(of n: ContribuezCore.Notification, _ catalogue: Catalogue, _ lang: Lang) -> String {
        switch n.kind {
        case .answer:
            return catalogue.text("notif_answer", lang, ["status": catalogue.text("answer_status_\(n.detail)", lang), "subject": n.subject])
        case .version:
            return catalogue.text("notif_version", lang, ["label": n.detail, "subject": n.subject])
        case .reply:
            return catalogue.text("notif_reply", lang, ["subject": n.subject])
        case .moderation:
            return catalogue.text("notif_moderation", lang, ["action": catalogue.text("notif_moderation_\(n.detail)", lang), "subject": n.subject])
        }
    }
}

/// The follow-up pages' paths (issue 9).
enum FollowUpRoute {
    static let notifications = "/notifications"
    static let preferences = "/notifications/preferences"
    static func unsubscribe(_ token: String) -> String { "/desabonnement/\(token)" }
    static func engagements(_ id: ID) -> String { "/consultations/\(id)/engagements" }
    static func suivi(_ id: ID) -> String { "/consultations/\(id)/suivi" }
}
