import Foundation

/// A debate as declared, before the store gives it an id.
public struct NewDebate: Sendable {
    public var consultationID: ID
    public var organiserID: ID
    public var organiserKind: DebateOrganiserKind
    public var organiserName: String
    public var title: String
    public var description: String
    public var startsAt: Date
    public var endsAt: Date
    public var place: DebatePlace
    public var stepFree: StepFreeAccess
    public var accessibilityNotes: String
    public var capacity: Int
    public var createdAt: Date

    public init(
        consultationID: ID, organiserID: ID, organiserKind: DebateOrganiserKind, organiserName: String, title: String,
        description: String, startsAt: Date, endsAt: Date, place: DebatePlace, stepFree: StepFreeAccess, accessibilityNotes: String,
        capacity: Int, createdAt: Date
    ) {
        self.consultationID = consultationID; self.organiserID = organiserID; self.organiserKind = organiserKind
        self.organiserName = organiserName; self.title = title; self.description = description; self.startsAt = startsAt
        self.endsAt = endsAt; self.place = place; self.stepFree = stepFree; self.accessibilityNotes = accessibilityNotes
        self.capacity = capacity; self.createdAt = createdAt
    }
}

/// Someone a debate mail goes to, as the store reads them inside its transaction.
public struct DebateRecipient: Sendable, Equatable {
    public var participantID: ID
    public var name: String
    public var email: String
    /// The language of their mail preferences ("fr" when they never chose).
    public var lang: String

    public init(participantID: ID, name: String, email: String, lang: String) {
        self.participantID = participantID; self.name = name; self.email = email; self.lang = lang
    }
}

/// Why a debate mail is sent.
public enum DebateMailEvent: Sendable, Equatable {
    /// A place freed up: the first person waiting is now registered.
    case promoted(Debate)
    /// The debate was cancelled, with the reason given.
    case cancelled(Debate)
    /// The organiser wrote to the registrants.
    case message(Debate, subject: String, body: String)
}

/// Writes the mail of an event for one recipient (the web layer does it, with the catalogue). The store calls it inside
/// its transaction and queues what it returns in the outbox, so the mail is queued if and only if the change is stored.
public typealias DebateMailComposer = @Sendable (DebateMailEvent, DebateRecipient) -> NewMail

/// What registering did.
public enum DebateRegistrationResult: Sendable, Equatable {
    /// Registered, or put on the waiting list when the debate was full.
    case done(DebateRegistration)
    /// Already registered or waiting: nothing changed.
    case already(DebateRegistration)
    /// Cancelled, or started: registration is closed.
    case closed
    case notFound
}

/// What cancelling one's registration did.
public enum DebateUnregistrationResult: Sendable, Equatable {
    /// Removed; `promoted` is the participant who took the freed place (and was mailed), if any.
    case done(promoted: ID?)
    case notRegistered
}

/// What sending a message to the registrants did.
public enum DebateMessageResult: Sendable, Equatable {
    /// Recorded and queued, one mail per registered person with an address.
    case sent(recipients: Int)
    /// `limit` messages were already sent on this debate since the window's start.
    case tooMany(limit: Int)
    case notFound
}

/// One registration in the person's personal-data export.
public struct PersonalDebateRegistration: Sendable, Equatable {
    public var debateID: ID
    public var debateTitle: String
    public var consultationID: ID
    public var status: DebateRegistrationStatus
    public var registeredAt: Date

    public init(debateID: ID, debateTitle: String, consultationID: ID, status: DebateRegistrationStatus, registeredAt: Date) {
        self.debateID = debateID; self.debateTitle = debateTitle; self.consultationID = consultationID
        self.status = status; self.registeredAt = registeredAt
    }
}

/// Storage of local debates (issue 15). `Store` inherits it.
///
/// NB: registering, cancelling and the promotion from the waiting list each run in one transaction that first
/// locks the debate's row, so two people racing for the last place cannot both get it, and a freed place goes
/// to exactly one waiting person.
public protocol DebateStore: DebateReportStore {
    func createDebate(_ new: NewDebate) async throws -> Debate
    func debate(id: ID) async throws -> DebateRow?
    /// The public list: not cancelled ones and cancelled ones alike (marked), filtered and paginated.
    func debates(_ query: DebateQuery, page: PageRequest) async throws -> Page<DebateRow>
    func debateCounts(consultationID: ID, at: Date) async throws -> DebateCounts
    /// The debates a participant declared, the most recent first (at most `limit`).
    func debates(organiserID: ID, limit: Int) async throws -> [DebateRow]
    /// Registers the participant, or puts them on the waiting list when every place is taken; refused once the debate
    /// started or was cancelled.
    func registerForDebate(debateID: ID, participantID: ID, at: Date) async throws -> DebateRegistrationResult
    /// Removes the registration; when it held a place, the first person waiting takes it and `compose(.promoted)` is queued
    /// for them, in the same transaction.
    func cancelDebateRegistration(debateID: ID, participantID: ID, at: Date, compose: DebateMailComposer) async throws -> DebateUnregistrationResult
    func debateRegistration(debateID: ID, participantID: ID) async throws -> DebateRegistration?
    /// Registered first (in order of registration), then the waiting list.
    func debateRegistrants(debateID: ID) async throws -> [DebateRegistrant]
    /// Marks the debate cancelled and queues `compose(.cancelled)` for everyone registered or waiting, with `audit` when a
    /// staff member did it. False when it does not exist or was already cancelled.
    func cancelDebate(id: ID, reason: String, at: Date, audit: AuditEntry?, compose: DebateMailComposer) async throws -> Bool
    /// Records the organiser's message and queues one mail per registered person, unless `limit` messages were already
    /// recorded on this debate since `since`.
    func sendDebateMessage(
        debateID: ID, senderID: ID, subject: String, body: String, at: Date, since: Date, limit: Int, compose: DebateMailComposer
    ) async throws -> DebateMessageResult
    /// Every registration of the participant, for their personal-data export.
    func personalDebateRegistrations(participantID: ID) async throws -> [PersonalDebateRegistration]
}
