import Foundation

/// Storage of answers, versions, uptake, follows and notifications (issue 9). `Store` inherits it.
public protocol FollowUpStore: Sendable {
    // Answers
    /// Appends a new version of the contribution's answer (with its audit entry) and the notifications.
    func addAnswer(contributionID: ID, status: AnswerStatus, text: String, answererID: ID?, answererName: String, at: Date,
                   audit: AuditEntry, notifications: [NewNotification]) async throws -> Answer
    /// Every version, newest first.
    func answers(contributionID: ID) async throws -> AnswerHistory
    /// The current answer of each contribution that has one.
    func currentAnswers(contributionIDs: [ID]) async throws -> [ID: Answer]
    /// Visible proposals, amendments and arguments of the consultation with their votes at `closesAt`
    /// (imported totals plus the vote log replayed up to that instant) and their answers.
    func engagementCandidates(consultationID: ID, closesAt: Date) async throws -> [EngagementCandidate]

    // Versions
    /// Stores a version after the latest one; `renumbering` maps a number of the previous version to its new number.
    func addTextVersion(consultationID: ID, label: String, publishedAt: Date, text: ParsedDraftText, renumbering: [String: String],
                        audit: AuditEntry, notifications: [NewNotification]) async throws -> TextVersion
    func textVersions(consultationID: ID) async throws -> [TextVersion]
    func textVersion(id: ID) async throws -> TextVersion?
    /// The articles of one version, in order.
    func articleVersions(versionID: ID) async throws -> [ArticleVersion]
    /// Every version of the consulted article's lineage, oldest version first.
    func articleLineage(articleID: ID) async throws -> [(TextVersion, ArticleVersion)]

    // Uptake
    /// Records or removes several contributions' uptake in one transaction with their audit entries: all of them or
    /// none. A removal where nothing was recorded changes nothing and appends no audit entry. Returns the rows changed.
    func applyUptakes(_ changes: [UptakeChange], at: Date) async throws -> Int
    func uptakes(contributionIDs: [ID]) async throws -> [ID: UptakeRecord]
    /// The most supported visible proposals and amendments (Wilson ranking), at most `limit`.
    func topContributions(consultationID: ID, limit: Int) async throws -> [ContributionRow]

    // Follows
    /// True when it was new.
    @discardableResult
    func follow(participantID: ID, target: FollowTarget, at: Date) async throws -> Bool
    /// True when there was one.
    @discardableResult
    func unfollow(participantID: ID, target: FollowTarget) async throws -> Bool
    func follows(participantID: ID, among targets: [FollowTarget]) async throws -> Set<FollowTarget>
    /// Participants following any of the targets (each once).
    func followers(of targets: [FollowTarget]) async throws -> Set<ID>

    // Notifications
    func addNotifications(_ notifications: [NewNotification]) async throws
    func notifications(participantID: ID, page: PageRequest) async throws -> Page<Notification>
    func unreadNotifications(participantID: ID) async throws -> Int
    func markNotificationsRead(participantID: ID, at: Date) async throws
    /// Notifications not yet mailed to participants whose frequency is `frequency`, oldest first.
    func unmailedNotifications(frequency: MailFrequency, limit: Int) async throws -> [Notification]
    func markNotificationsMailed(ids: [ID], at: Date) async throws

    // Mail preferences
    /// The participant's preference, created (immediate, French, a fresh token) on first use.
    func mailPreference(participantID: ID, newToken: String) async throws -> MailPreference
    func setMailPreference(participantID: ID, frequency: MailFrequency, lang: String, newToken: String) async throws
    func setLastDigest(participantID: ID, at: Date) async throws
    /// One-click unsubscribe: frequency `never`. The participant id, nil for an unknown token.
    func unsubscribe(token: String) async throws -> ID?
}

/// One change of a contribution's recorded uptake, with the audit entry that says who made it.
public struct UptakeChange: Sendable {
    public var contributionID: ID
    /// Nil removes what was recorded (a mistake corrected).
    public var uptake: Uptake?
    public var audit: AuditEntry

    public init(contributionID: ID, uptake: Uptake?, audit: AuditEntry) {
        self.contributionID = contributionID; self.uptake = uptake; self.audit = audit
    }
}

extension FollowUpStore {
    public func setUptake(contributionID: ID, uptake: Uptake, at: Date, audit: AuditEntry) async throws {
        _ = try await applyUptakes([UptakeChange(contributionID: contributionID, uptake: uptake, audit: audit)], at: at)
    }

    /// Removes what was recorded of the contribution's uptake. False when there was nothing.
    public func clearUptake(contributionID: ID, audit: AuditEntry) async throws -> Bool {
        try await applyUptakes([UptakeChange(contributionID: contributionID, uptake: nil, audit: audit)], at: audit.at) > 0
    }
}
