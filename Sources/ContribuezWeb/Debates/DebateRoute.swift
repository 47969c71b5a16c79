import ContribuezCore
import Foundation

/// The local debates' pages (issue 15): links are printed from here.
enum DebateRoute: Sendable, Equatable {
    /// The public list of a consultation's debates; `departement` and `when` filter, `page` paginates.
    case list(consultationID: ID, departement: String? = nil, when: DebateQuery.When = .upcoming, page: Int = 1)
    case new(consultationID: ID)
    /// iCalendar feed of the consultation's debates.
    case consultationCalendar(ID)
    case debate(ID)
    /// iCalendar file of one debate.
    case calendar(ID)
    /// The organiser's view: registrations (names only) and the message form.
    case registrants(ID)
    /// The debates one declared, and one's registrations.
    case mine
    // POST
    case declare(consultationID: ID)
    case register(ID)
    case unregister(ID)
    case cancel(ID)
    case message(ID)

    var method: String {
        switch self {
        case .list, .new, .consultationCalendar, .debate, .calendar, .registrants, .mine: return "GET"
        case .declare, .register, .unregister, .cancel, .message: return "POST"
        }
    }

    /// The `quand` values of the list's filter.
    static func whenParameter(_ w: DebateQuery.When) -> String { w == .upcoming ? "a-venir" : "passes" }
    static func when(parameter: String) -> DebateQuery.When? {
        switch parameter {
        case "a-venir": return .upcoming
        case "passes": return .past
        default: return nil
        }
    }

    var path: String {
        switch self {
        case .list(let id, let dep, let when, let page):
            var query: [String] = []
            if let dep { query.append("departement=\(dep)") }  // NB: only codes `Departement.isValid` accepts reach here
            if when != .upcoming { query.append("quand=\(Self.whenParameter(when))") }
            if page > 1 { query.append("page=\(page)") }
            return "/consultations/\(id)/debats" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        case .new(let id): return "/consultations/\(id)/debats/nouveau"
        case .consultationCalendar(let id): return "/consultations/\(id)/debats/calendrier.ics"
        case .debate(let id): return "/debats/\(id)"
        case .calendar(let id): return "/debats/\(id)/calendrier.ics"
        case .registrants(let id): return "/debats/\(id)/inscrits"
        case .mine: return "/mes-debats"
        case .declare(let id): return "/consultations/\(id)/debats"
        case .register(let id): return "/debats/\(id)/inscription"
        case .unregister(let id): return "/debats/\(id)/desinscription"
        case .cancel(let id): return "/debats/\(id)/annulation"
        case .message(let id): return "/debats/\(id)/messages"
        }
    }

    /// The patterns `DebatePages.register` adds, one per case shape.
    static let patterns: [(method: String, pattern: String)] = [
        ("GET", "/consultations/:id/debats"), ("GET", "/consultations/:id/debats/nouveau"),
        ("GET", "/consultations/:id/debats/calendrier.ics"), ("GET", "/debats/:id"), ("GET", "/debats/:id/calendrier.ics"),
        ("GET", "/debats/:id/inscrits"), ("GET", "/mes-debats"),
        ("POST", "/consultations/:id/debats"), ("POST", "/debats/:id/inscription"), ("POST", "/debats/:id/desinscription"),
        ("POST", "/debats/:id/annulation"), ("POST", "/debats/:id/messages"),
    ]
}
