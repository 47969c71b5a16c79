import Foundation

// Local debates (issue 15, item 1): in-person or online debates on a consultation, declared by anyone
// signed in, with registration, a waiting list and the organiser's messages. Items 2–3 (the kit, the report
// brought back, its attachments) hang on `Debate.id` and `Debate.consultationID`; nothing here assumes
// they do not exist.

/// Who organises the debate, as the public sees it.
public enum DebateOrganiserKind: String, Sendable, Codable, CaseIterable {
    /// A person, shown under their public name.
    case person
    /// An organisation (association, town hall, library…), shown under the name given.
    case organisation
}

/// Step-free access to the venue (wheelchairs, pushchairs): what the organiser knows.
public enum StepFreeAccess: String, Sendable, Codable, CaseIterable {
    case yes, no, unknown
}

/// A physical place. The département code is derived from the postcode, never typed.
public struct DebateVenue: Sendable, Equatable, Codable {
    public var name: String
    public var address: String
    public var postcode: String
    /// "75", "2A", "974"…
    public var departement: String
    public var commune: String

    public init(name: String, address: String, postcode: String, departement: String, commune: String) {
        self.name = name; self.address = address; self.postcode = postcode; self.departement = departement; self.commune = commune
    }

    /// One line for calendars and lists: « Salle des fêtes, 1 place de la Mairie, 69001 Lyon ».
    public var line: String { "\(name), \(address), \(postcode) \(commune)" }
}

/// Where the debate happens: a venue, or a video link (https only).
public enum DebatePlace: Sendable, Equatable {
    case venue(DebateVenue)
    case online(url: String)

    public var venue: DebateVenue? { if case .venue(let v) = self { return v } else { return nil } }
    public var onlineURL: String? { if case .online(let u) = self { return u } else { return nil } }
}

/// A local debate on a consultation.
public struct Debate: Sendable, Equatable {
    public var id: ID
    public var consultationID: ID
    /// Who declared it; nil once their account is deleted (the organiser's name stays).
    public var organiserID: ID?
    public var organiserKind: DebateOrganiserKind
    /// The name shown: the person's public name, or the organisation's name.
    public var organiserName: String
    public var title: String
    /// Plain text, escaped where shown.
    public var description: String
    public var startsAt: Date
    public var endsAt: Date
    public var place: DebatePlace
    public var stepFree: StepFreeAccess
    public var accessibilityNotes: String
    /// Places for registrants (1…10,000); past it, registrations go to the waiting list.
    public var capacity: Int
    public var createdAt: Date
    /// Set when the organiser or a moderator cancelled it: it stays listed, marked cancelled.
    public var cancelledAt: Date?
    public var cancelReason: String

    public init(
        id: ID, consultationID: ID, organiserID: ID?, organiserKind: DebateOrganiserKind, organiserName: String, title: String,
        description: String, startsAt: Date, endsAt: Date, place: DebatePlace, stepFree: StepFreeAccess, accessibilityNotes: String,
        capacity: Int, createdAt: Date, cancelledAt: Date? = nil, cancelReason: String = ""
    ) {
        self.id = id; self.consultationID = consultationID; self.organiserID = organiserID; self.organiserKind = organiserKind
        self.organiserName = organiserName; self.title = title; self.description = description; self.startsAt = startsAt
        self.endsAt = endsAt; self.place = place; self.stepFree = stepFree; self.accessibilityNotes = accessibilityNotes
        self.capacity = capacity; self.createdAt = createdAt; self.cancelledAt = cancelledAt; self.cancelReason = cancelReason
    }

    public var isCancelled: Bool { cancelledAt != nil }
    /// Held (or at least over) once its end has passed.
    public func isPast(at now: Date) -> Bool { endsAt <= now }
    /// Registration closes when the debate starts.
    public func hasStarted(at now: Date) -> Bool { startsAt <= now }
}

/// A debate with its registration counts, as lists and pages show it.
public struct DebateRow: Sendable, Equatable {
    public var debate: Debate
    public var registered: Int
    public var waiting: Int

    public init(debate: Debate, registered: Int, waiting: Int) {
        self.debate = debate; self.registered = registered; self.waiting = waiting
    }

    public var placesLeft: Int { max(0, debate.capacity - registered) }
}

/// A registration's place: among the registered, or on the waiting list.
public enum DebateRegistrationStatus: String, Sendable, Codable, CaseIterable {
    case registered, waiting
}

/// One person's registration, as they see it.
public struct DebateRegistration: Sendable, Equatable {
    public var debateID: ID
    public var participantID: ID
    public var status: DebateRegistrationStatus
    /// 1-based rank on the waiting list (nil when registered).
    public var waitingPosition: Int?
    public var registeredAt: Date

    public init(debateID: ID, participantID: ID, status: DebateRegistrationStatus, waitingPosition: Int?, registeredAt: Date) {
        self.debateID = debateID; self.participantID = participantID; self.status = status
        self.waitingPosition = waitingPosition; self.registeredAt = registeredAt
    }
}

/// A registrant as the debate's organiser sees them: a name and a status, never an address.
public struct DebateRegistrant: Sendable, Equatable {
    public var name: String
    public var status: DebateRegistrationStatus
    public var registeredAt: Date

    public init(name: String, status: DebateRegistrationStatus, registeredAt: Date) {
        self.name = name; self.status = status; self.registeredAt = registeredAt
    }
}

/// The consultation page's counts.
public struct DebateCounts: Sendable, Equatable {
    /// Not cancelled and not ended yet.
    public var upcoming: Int
    /// Not cancelled and ended.
    public var held: Int

    public init(upcoming: Int, held: Int) { self.upcoming = upcoming; self.held = held }
}

/// Filters of the public list.
public struct DebateQuery: Sendable, Equatable {
    public enum When: String, Sendable, CaseIterable {
        /// Not ended yet, soonest first.
        case upcoming
        /// Ended, most recent first.
        case past
    }
    public var consultationID: ID
    public var departement: String?
    public var when: When
    /// The instant `when` is judged at.
    public var at: Date

    public init(consultationID: ID, departement: String? = nil, when: When = .upcoming, at: Date) {
        self.consultationID = consultationID; self.departement = departement; self.when = when; self.at = at
    }
}

/// French département codes, from a postcode.
public enum Departement {
    /// The département of a 5-digit French postcode: "01"…"95" (with "2A"/"2B" for Corsica) and "971"…"976" overseas;
    /// nil for anything else (Monaco 980xx, the Pacific 98xxx, made-up codes).
    public static func code(postcode: String) -> String? {
        guard postcode.count == 5, postcode.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }), let n = Int(postcode) else { return nil }
        let two = n / 1000
        switch two {
        case 1...19, 21...95: return String(postcode.prefix(2))
        // NB: Corsica's postcodes start with 20 for both départements: 200xx–201xx is Corse-du-Sud, the rest Haute-Corse.
        case 20: return n < 20200 ? "2A" : "2B"
        case 97:
            let three = n / 100
            return (971...976).contains(three) && three != 975 ? String(postcode.prefix(3)) : nil
        default: return nil
        }
    }

    /// Codes accepted as a filter: what `code(postcode:)` can return.
    public static func isValid(_ code: String) -> Bool {
        if ["2A", "2B", "971", "972", "973", "974", "976"].contains(code) { return true }
        guard code.count == 2, let n = Int(code) else { return false }
        return (1...95).contains(n) && n != 20
    }
}
