import Foundation

/// What someone wants to do.
public enum Action: Sendable, Equatable {
    case read
    case vote
    case withdrawVote
    case contribute(ContributionKind)
    /// Organiser work on a consultation: run its synthesis, upload or reset its margins. Any phase.
    case organise
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
    /// Sign-in failed: same reason whether the e-mail or the password was wrong.
    case wrongCredentials = "wrong_credentials"
}

public enum Decision: Sendable, Equatable {
    case allowed
    case refused(RefusalReason)
}

/// The actor as permissions see it.
public struct Actor: Sendable, Equatable {
    public var participantID: ID
    public var kind: ParticipantKind
    public var role: Role

    public init(participantID: ID, kind: ParticipantKind, role: Role) {
        self.participantID = participantID; self.kind = kind; self.role = role
    }

    public init(_ participant: Participant) {
        self.init(participantID: participant.id, kind: participant.kind, role: participant.role)
    }
}

/// The single permission function: pages and API both ask it, nothing else decides.
public enum Permissions {
    public static func can(_ actor: Actor?, _ action: Action, on consultation: Consultation, at now: Date) -> Decision {
        let phase = consultation.phase(at: now)
        let isOrganiser = actor?.role == .organiser
        switch action {
        case .read:
            if !consultation.isPublished && !isOrganiser { return .refused(.notPublished) }
            return .allowed
        case .organise:
            guard actor != nil else { return .refused(.notSignedIn) }
            return isOrganiser ? .allowed : .refused(.organisersOnly)
        case .vote, .withdrawVote, .contribute:
            guard let actor else { return .refused(.notSignedIn) }
            if !consultation.isPublished && actor.role != .organiser { return .refused(.notPublished) }
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
