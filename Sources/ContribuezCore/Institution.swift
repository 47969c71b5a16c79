import Foundation

/// The reasons of the consultation's charter: what a participant reports, and why a moderator
/// hides or rejects. `compliant` is the reason for restoring or approving.
public enum ModerationReason: String, Sendable, Codable, CaseIterable {
    case spam, offensive
    case offTopic = "off_topic"
    case personalData = "personal_data"
    case other
    /// The item respects the charter (restore, approve).
    case compliant

    /// The reasons a participant may give when reporting.
    public static let reportable: [ModerationReason] = [.spam, .offensive, .offTopic, .personalData, .other]
    /// The reasons that justify hiding or rejecting.
    public static let violations: [ModerationReason] = reportable
}

/// What a moderator does to a contribution.
public enum ModerationAction: String, Sendable, Codable, CaseIterable {
    case hide, restore, approve, reject
}

/// A participant's report on a contribution.
public struct Report: Sendable, Equatable, Codable {
    public var id: ID
    public var contributionID: ID
    public var participantID: ID
    public var reason: ModerationReason
    public var text: String
    public var createdAt: Date
    /// Set when a moderator has decided on the item since.
    public var resolved: Bool

    public init(id: ID, contributionID: ID, participantID: ID, reason: ModerationReason, text: String, createdAt: Date, resolved: Bool) {
        self.id = id; self.contributionID = contributionID; self.participantID = participantID
        self.reason = reason; self.text = text; self.createdAt = createdAt; self.resolved = resolved
    }
}

/// One item of a moderation queue: a contribution held for approval or with open reports.
public struct ModerationItem: Sendable, Equatable {
    public var contribution: Contribution
    /// Open (unresolved) reports, oldest first.
    public var reports: [Report]
    /// When the item entered the queue: its first open report, or its creation when held.
    public var since: Date

    public init(contribution: Contribution, reports: [Report], since: Date) {
        self.contribution = contribution; self.reports = reports; self.since = since
    }
}

/// What the audit trail records. Every admin, organiser and moderator action has one.
public enum AuditAction: String, Sendable, Codable, CaseIterable {
    case grantInstanceRole = "grant_instance_role"
    case grantRole = "grant_role"
    case revokeRole = "revoke_role"
    case createConsultation = "create_consultation"
    case editConsultation = "edit_consultation"
    case importText = "import_text"
    case editArticle = "edit_article"
    case publish
    case close
    case hide, restore, approve, reject
    /// Hidden by reaching the report threshold, pending review (the actor is the system).
    case hideByReports = "hide_by_reports"
    /// An official answer (issue 9).
    case answer
    case publishVersion = "publish_version"
    case recordUptake = "record_uptake"
    /// A participant deleted their account (issue 12): no name, no e-mail, not what was erased.
    case accountDeleted = "account_deleted"
    /// Issue 13. A participant said "ce n'était pas moi": the account is frozen pending review (actor: nobody).
    case freezeAccount = "freeze_account"
    /// A moderator lifted the freeze after review.
    case unfreezeAccount = "unfreeze_account"
    /// A moderator upheld the freeze: the account's contributions stay hidden.
    case upholdFreeze = "uphold_freeze"
    /// An administrator reset a staff member's second factor (they enrol again at next sign-in).
    case resetSecondFactor = "reset_second_factor"
    /// The personal data were re-sealed under a new key (`contribuez keys rotate`).
    case rotateKeys = "rotate_keys"
    /// A moderator or organiser of the consultation cancelled someone's local debate (issue 15).
    case cancelDebate = "cancel_debate"
    /// A moderator or organiser of the consultation filed a debate's report for its organiser (issue 15).
    case fileDebateReport = "file_debate_report"
}

/// One entry of the append-only audit trail: who, what, on what, why, when.
public struct AuditEntry: Sendable, Equatable, Codable {
    public var sequence: Int64
    public var consultationID: ID?
    /// Nil for the system (automatic hiding by reports) and for the command line.
    public var actorID: ID?
    /// The actor's public name at the time (kept when the account is deleted).
    public var actorName: String
    public var action: AuditAction
    /// "consultation", "contribution", "article", "participant".
    public var targetKind: String
    public var targetID: ID
    /// A charter reason, a role name or a free reason, depending on the action.
    public var reason: String
    /// Free text: the moderator's note, the reason for closing early, the fields edited.
    public var detail: String
    public var at: Date

    public init(
        sequence: Int64 = 0, consultationID: ID?, actorID: ID?, actorName: String, action: AuditAction,
        targetKind: String, targetID: ID, reason: String = "", detail: String = "", at: Date
    ) {
        self.sequence = sequence; self.consultationID = consultationID; self.actorID = actorID; self.actorName = actorName
        self.action = action; self.targetKind = targetKind; self.targetID = targetID; self.reason = reason
        self.detail = detail; self.at = at
    }
}

/// What the public sees of a consultation's moderation: counts of decisions by action and reason,
/// and the hidden items with their reasons (never who decided).
public struct ModerationSummary: Sendable {
    public struct Count: Sendable, Equatable {
        public var action: AuditAction
        public var reason: String
        public var count: Int
        public init(action: AuditAction, reason: String, count: Int) { self.action = action; self.reason = reason; self.count = count }
    }
    public var counts: [Count]
    public var hidden: Page<Contribution>

    public init(counts: [Count], hidden: Page<Contribution>) { self.counts = counts; self.hidden = hidden }
}

/// A role given on a consultation, as the roles page lists it.
public struct RoleGrant: Sendable, Equatable {
    public var participant: Participant
    public var role: ConsultationRole
    public init(participant: Participant, role: ConsultationRole) { self.participant = participant; self.role = role }
}
