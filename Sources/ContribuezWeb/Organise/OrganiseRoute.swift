import ContribuezCore
import Foundation

/// The institution's pages (issue 8): administration, set-up of a consultation, roles. Links are
/// printed from here; the POST cases change state.
enum OrganiseRoute: Sendable, Equatable {
    case admin(page: Int = 1)
    case journal(page: Int = 1)
    case newConsultation
    case organiser(ID)
    case roles(ID)
    case editArticle(ID)
    // POST
    case grantInstanceRole
    case resetSecondFactor
    case createConsultation
    case editSettings(ID)
    case importText(ID)
    case saveArticle(ID)
    case publish(ID)
    case close(ID)
    case grantRole(ID)
    case revokeRole(consultationID: ID, participantID: ID)

    var method: String {
        switch self {
        case .admin, .journal, .newConsultation, .organiser, .roles, .editArticle: return "GET"
        default: return "POST"
        }
    }

    var path: String {
        switch self {
        case .admin(let page): return "/admin" + (page > 1 ? "?page=\(page)" : "")
        case .journal(let page): return "/admin/journal" + (page > 1 ? "?page=\(page)" : "")
        case .newConsultation, .createConsultation: return "/consultations/nouvelle"
        case .organiser(let id): return "/consultations/\(id)/organiser"
        case .roles(let id), .grantRole(let id): return "/consultations/\(id)/roles"
        case .editArticle(let id), .saveArticle(let id): return "/articles/\(id)/modifier"
        case .grantInstanceRole: return "/admin/roles"
        case .resetSecondFactor: return "/admin/double-authentification"
        case .editSettings(let id): return "/consultations/\(id)/organiser/reglages"
        case .importText(let id): return "/consultations/\(id)/organiser/texte"
        case .publish(let id): return "/consultations/\(id)/organiser/publier"
        case .close(let id): return "/consultations/\(id)/organiser/clore"
        case .revokeRole(let cid, let pid): return "/consultations/\(cid)/roles/\(pid)/retirer"
        }
    }

    /// The patterns `OrganiseHandlers.register` adds, one per case shape.
    static let patterns: [(method: String, pattern: String)] = [
        ("GET", "/admin"), ("GET", "/admin/journal"), ("POST", "/admin/roles"), ("POST", "/admin/double-authentification"),
        ("GET", "/consultations/nouvelle"), ("POST", "/consultations/nouvelle"),
        ("GET", "/consultations/:id/organiser"), ("POST", "/consultations/:id/organiser/reglages"),
        ("POST", "/consultations/:id/organiser/texte"), ("POST", "/consultations/:id/organiser/publier"),
        ("POST", "/consultations/:id/organiser/clore"),
        ("GET", "/articles/:id/modifier"), ("POST", "/articles/:id/modifier"),
        ("GET", "/consultations/:id/roles"), ("POST", "/consultations/:id/roles"),
        ("POST", "/consultations/:id/roles/:participant/retirer"),
    ]
}
