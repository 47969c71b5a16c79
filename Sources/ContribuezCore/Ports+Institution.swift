import Foundation

/// Storage of the institution's side (issue 8): roles, consultation set-up, moderation and the audit
/// trail. `Store` inherits it.
///
/// NB: every write that is a staff action takes the `AuditEntry` to append, and writes it in the same
/// transaction as the change: there is no change without its trace, and no trace without its change.
public protocol InstitutionStore: Sendable {
    // Roles
    /// Sets the instance role. False when there is no such participant.
    func setRole(participantID: ID, role: Role, audit: AuditEntry?) async throws -> Bool
    /// The roles a participant holds on consultations.
    func consultationRoles(participantID: ID) async throws -> [ID: ConsultationRole]
    /// Gives (or replaces) the participant's role on the consultation.
    func grantRole(consultationID: ID, participantID: ID, role: ConsultationRole, audit: AuditEntry) async throws
    /// Takes the role back. False when there was none.
    func revokeRole(consultationID: ID, participantID: ID, audit: AuditEntry) async throws -> Bool
    func roleGrants(consultationID: ID) async throws -> [RoleGrant]
    /// Participants by instance role, for the admin page.
    func participants(withRoles roles: [Role]) async throws -> [Participant]
    func participant(email: String) async throws -> Participant?

    // Consultation set-up
    /// Creates the consultation (slug made unique from `new.slug`) and makes `organiserID` its organiser.
    func createConsultation(_ new: NewConsultation, organiserID: ID, audit: AuditEntry) async throws -> Consultation
    /// Writes title, summary, institution, dates, kinds and settings (not the slug nor publication).
    func updateConsultation(_ consultation: Consultation, audit: AuditEntry) async throws
    /// Replaces the whole draft text (sections and articles) in one transaction.
    func replaceDraftText(consultationID: ID, text: ParsedDraftText, audit: AuditEntry) async throws -> [Article]
    func updateArticle(id: ID, title: String, body: String, explanation: String, currentLaw: String, audit: AuditEntry) async throws -> Bool
    func publish(consultationID: ID, audit: AuditEntry) async throws
    /// Sets the closing instant to `at` and records the reason shown on the consultation page.
    func closeEarly(consultationID: ID, reason: String, at: Date, audit: AuditEntry) async throws

    // Moderation
    /// Records a report, and hides the item pending review when it reaches `threshold` distinct open
    /// reports (appending `autoHide`'s audit entry then). Throws `StoreError.duplicateReport` on a second
    /// report by the same participant. Returns the item as it now stands.
    func addReport(contributionID: ID, participantID: ID, reason: ModerationReason, text: String, at: Date,
                   threshold: Int, autoHide: AuditEntry) async throws -> Contribution
    /// Applies a moderator's decision: state change, hidden note, open reports resolved, audit entry,
    /// contribution event. Returns the item as it now stands.
    func moderate(contributionID: ID, action: ModerationAction, reason: ModerationReason, at: Date, audit: AuditEntry) async throws -> Contribution
    /// Held items and items with open reports, oldest first; `reason` keeps those with an open report of that reason.
    func moderationQueue(consultationID: ID, reason: ModerationReason?, page: PageRequest) async throws -> Page<ModerationItem>
    /// Public counts of moderation decisions by action and reason, and the hidden items.
    func moderationSummary(consultationID: ID, page: PageRequest) async throws -> ModerationSummary
    func reports(contributionID: ID) async throws -> [Report]
    /// The participant's own contributions that are not public (held, rejected, hidden), newest first.
    func unpublishedContributions(authorID: ID, page: PageRequest) async throws -> Page<Contribution>

    // Audit
    func appendAudit(_ entry: AuditEntry) async throws
    /// Entries in order; `consultationID` nil: the whole trail.
    func auditEntries(consultationID: ID?, page: PageRequest) async throws -> Page<AuditEntry>
}
