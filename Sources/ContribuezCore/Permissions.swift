import Foundation

/// What someone wants to do.
public enum Action: Sendable, Equatable, Hashable {
    case read
    case vote
    case withdrawVote
    case contribute(ContributionKind)
    /// Report a contribution to the moderators.
    case report
    /// Organiser work on a consultation: run its synthesis, upload or reset its margins. Any phase.
    case organise
    /// Create a new consultation (instance organisers and admins). The consultation argument is ignored.
    case createConsultation
    /// Edit title, summary, dates, rules. Any phase until closed.
    case editConsultation
    /// Import or edit the draft text: only in the draft phase.
    case editText
    case publish
    /// Close now, with a reason.
    case close
    /// Give and take back roles on this consultation.
    case manageRoles
    /// Work the moderation queue: hide, restore, approve, reject.
    case moderate
    /// Give the institution's official answers.
    case answer
    /// Publish a new version of the text and record which contributions it took up.
    case publishVersion
    /// Read the audit trail entries (admins only; the public sees the moderation counts).
    case readAudit
    /// Give instance roles (organiser, admin). The consultation argument is ignored.
    case manageInstanceRoles
    /// Publish or take back the open-data package, choose publication at closing, and download it
    /// before it is public (issue 12). Any phase.
    case publishOpenData
    /// Review frozen accounts and sign-up bursts (issue 13): instance admins, and whoever moderates or organises
    /// a consultation. Checked on `Institution.anyConsultation`: accounts belong to the instance.
    case reviewAccounts
    /// Declare a local debate on the consultation (issue 15): whoever may write on it, while it is open.
    case declareDebate

    /// Every action, for the permission table test.
    public static let all: [Action] = [.read, .vote, .withdrawVote] + ContributionKind.allCases.map { .contribute($0) }
        + [.report, .organise, .createConsultation, .editConsultation, .editText, .publish, .close, .manageRoles, .moderate, .answer,
           .publishVersion, .readAudit, .manageInstanceRoles, .publishOpenData, .reviewAccounts, .declareDebate]
}

/// Why an action is refused. Each reason maps to one message in the catalogue and one HTTP status.
public enum RefusalReason: String, Sendable, Equatable, Codable {
    /// Writing needs an account.
    case notSignedIn = "not_signed_in"
    /// The consultation has not opened yet (or is not published).
    case notOpenYet = "not_open_yet"
    /// The consultation is closed: results stay readable, nothing changes.
    case closed
    /// The consultation restricts participant kinds.
    case kindNotAllowed = "kind_not_allowed"
    /// Drafts are seen by organisers only.
    case notPublished = "not_published"
    /// Only the organising institution's organisers may do this.
    case organisersOnly = "organisers_only"
    /// Only this consultation's moderators (or organisers) may do this.
    case moderatorsOnly = "moderators_only"
    /// Only this consultation's answerers (or organisers) may do this.
    case answerersOnly = "answerers_only"
    /// Only the instance's admins may do this.
    case adminsOnly = "admins_only"
    /// The text can change only while the consultation is a draft.
    case notDraft = "not_draft"
    /// Publishing twice.
    case alreadyPublished = "already_published"
    /// Sign-in failed: same reason whether the e-mail or the password was wrong.
    case wrongCredentials = "wrong_credentials"
    /// The account is frozen pending review (« ce n'était pas moi », or a moderator): no sign-in (issue 13).
    case accountFrozen = "account_frozen"
    /// A staff role is held but withheld: staff must sign in with a second factor (issue 13).
    case staffSecondFactorRequired = "staff_second_factor_required"

    /// Refusals that only a staff role would have avoided.
    public var isStaffOnly: Bool {
        switch self {
        case .organisersOnly, .moderatorsOnly, .answerersOnly, .adminsOnly: true
        default: false
        }
    }
}

public enum Decision: Sendable, Equatable {
    case allowed
    case refused(RefusalReason)
}

/// The actor as permissions see it: the instance role and the roles held on consultations.
public struct Actor: Sendable, Equatable {
    public var participantID: ID
    public var kind: ParticipantKind
    public var role: Role
    public var consultationRoles: [ID: ConsultationRole]

    public init(participantID: ID, kind: ParticipantKind, role: Role, consultationRoles: [ID: ConsultationRole] = [:]) {
        self.participantID = participantID; self.kind = kind; self.role = role; self.consultationRoles = consultationRoles
    }

    public init(_ participant: Participant, consultationRoles: [ID: ConsultationRole] = [:]) {
        self.init(participantID: participant.id, kind: participant.kind, role: participant.role, consultationRoles: consultationRoles)
    }

    public var isAdmin: Bool { role == .admin }

    /// The role held on that consultation, if any.
    public func role(on consultation: ID) -> ConsultationRole? { consultationRoles[consultation] }
}

/// The single permission function: pages and API both ask it, nothing else decides.
public enum Permissions {
    public static func can(_ actor: Actor?, _ action: Action, on consultation: Consultation, at now: Date) -> Decision {
        let phase = consultation.phase(at: now)
        let local = actor?.role(on: consultation.id)
        let isAdmin = actor?.isAdmin == true
        let isOrganiser = isAdmin || local == .organiser
        let isModerator = isOrganiser || local == .moderator
        let isAnswerer = isOrganiser || local == .answerer
        // Staff of this consultation (any role on it) see it before publication.
        let isStaff = isAdmin || local != nil
        switch action {
        case .read:
            if !consultation.isPublished && !isStaff { return .refused(.notPublished) }
            return .allowed
        case .createConsultation:
            guard let actor else { return .refused(.notSignedIn) }
            return actor.role == .organiser || actor.role == .admin ? .allowed : .refused(.organisersOnly)
        case .reviewAccounts:
            guard let actor else { return .refused(.notSignedIn) }
            return actor.isAdmin || actor.consultationRoles.values.contains { $0 == .moderator || $0 == .organiser }
                ? .allowed : .refused(.moderatorsOnly)
        case .manageInstanceRoles, .readAudit:
            guard actor != nil else { return .refused(.notSignedIn) }
            return isAdmin ? .allowed : .refused(.adminsOnly)
        case .organise, .manageRoles, .publishOpenData:
            guard actor != nil else { return .refused(.notSignedIn) }
            return isOrganiser ? .allowed : .refused(.organisersOnly)
        case .editConsultation:
            guard actor != nil else { return .refused(.notSignedIn) }
            guard isOrganiser else { return .refused(.organisersOnly) }
            return phase == .closed && consultation.isPublished ? .refused(.closed) : .allowed
        case .editText:
            guard actor != nil else { return .refused(.notSignedIn) }
            guard isOrganiser else { return .refused(.organisersOnly) }
            // NB: once published, people may already have read and quoted it: the text changes only through versions.
            return consultation.isPublished ? .refused(.notDraft) : .allowed
        case .publish:
            guard actor != nil else { return .refused(.notSignedIn) }
            guard isOrganiser else { return .refused(.organisersOnly) }
            if consultation.isPublished { return .refused(.alreadyPublished) }
            return now >= consultation.closesAt ? .refused(.closed) : .allowed
        case .close:
            guard actor != nil else { return .refused(.notSignedIn) }
            guard isOrganiser else { return .refused(.organisersOnly) }
            if !consultation.isPublished { return .refused(.notOpenYet) }
            return phase == .closed ? .refused(.closed) : .allowed
        case .publishVersion:
            guard actor != nil else { return .refused(.notSignedIn) }
            guard isOrganiser else { return .refused(.organisersOnly) }
            return consultation.isPublished ? .allowed : .refused(.notOpenYet)
        case .moderate:
            guard actor != nil else { return .refused(.notSignedIn) }
            return isModerator ? .allowed : .refused(.moderatorsOnly)
        case .answer:
            guard actor != nil else { return .refused(.notSignedIn) }
            guard isAnswerer else { return .refused(.answerersOnly) }
            return consultation.isPublished ? .allowed : .refused(.notOpenYet)
        case .report:
            guard actor != nil else { return .refused(.notSignedIn) }
            if !consultation.isPublished && !isStaff { return .refused(.notPublished) }
            // Reports stay open after closing: what is published stays under the charter.
            return phase == .draft ? .refused(.notOpenYet) : .allowed
        case .vote, .withdrawVote, .contribute, .declareDebate:
            guard let actor else { return .refused(.notSignedIn) }
            if !consultation.isPublished && !isStaff { return .refused(.notPublished) }
            switch phase {
            case .draft: return .refused(.notOpenYet)
            case .closed: return .refused(.closed)
            case .open: break
            }
            if !consultation.allowedKinds.isEmpty && !consultation.allowedKinds.contains(actor.kind) {
                return .refused(.kindNotAllowed)
            }
            return .allowed
        }
    }
}
