import ContribuezCore
import Foundation

/// Every HTML page and form action: links are printed from here, never assembled elsewhere.
/// State-changing routes are the `POST` ones (see `method`).
public enum SiteRoute: Sendable, Equatable {
    case home
    case consultation(ID)
    case proposals(consultationID: ID, page: Int = 1)
    case article(ID)
    case contribution(ID)
    case participant(ID)
    case signUp, signIn
    /// Synthesis page (SynthesisPages.swift) and representativeness dashboard (DashboardPages.swift).
    case synthesis(ID)
    case representativeness(ID)
    case profile
    // POST
    case signOut
    case language
    case proposeArticle(ID)
    case voteArticle(ID)
    case voteContribution(ID)
    case amendArticle(ID)
    case argueArticle(ID)
    case argueContribution(ID)
    case sourceArticle(ID)
    case sourceContribution(ID)

    public var method: String {
        switch self {
        case .home, .consultation, .proposals, .article, .contribution, .participant, .signUp, .signIn,
             .synthesis, .representativeness, .profile: return "GET"
        default: return "POST"
        }
    }

    public var path: String {
        switch self {
        case .home: return "/"
        case .consultation(let id): return "/consultations/\(id)"
        case .proposals(let id, let page): return "/consultations/\(id)/proposals" + (page > 1 ? "?page=\(page)" : "")
        case .article(let id): return "/articles/\(id)"
        case .contribution(let id): return "/contributions/\(id)"
        case .participant(let id): return "/participants/\(id)"
        case .synthesis(let id): return "/consultations/\(id)/synthese"
        case .representativeness(let id): return "/consultations/\(id)/representativite"
        case .profile: return "/profil"
        case .signUp: return "/signup"
        case .signIn: return "/signin"
        case .signOut: return "/signout"
        case .language: return "/language"
        case .proposeArticle(let id): return "/consultations/\(id)/proposals"
        case .voteArticle(let id): return "/articles/\(id)/vote"
        case .voteContribution(let id): return "/contributions/\(id)/vote"
        case .amendArticle(let id): return "/articles/\(id)/amendments"
        case .argueArticle(let id): return "/articles/\(id)/arguments"
        case .argueContribution(let id): return "/contributions/\(id)/arguments"
        case .sourceArticle(let id): return "/articles/\(id)/sources"
        case .sourceContribution(let id): return "/contributions/\(id)/sources"
        }
    }

    /// The route patterns registered with the router, one per case shape.
    static let patterns: [(method: String, pattern: String)] = [
        ("GET", "/"), ("GET", "/consultations/:id"), ("GET", "/consultations/:id/proposals"), ("GET", "/articles/:id"),
        ("GET", "/contributions/:id"), ("GET", "/participants/:id"), ("GET", "/signup"), ("GET", "/signin"),
        ("POST", "/signup"), ("POST", "/signin"), ("POST", "/signout"), ("POST", "/language"),
        ("POST", "/consultations/:id/proposals"), ("POST", "/articles/:id/vote"), ("POST", "/contributions/:id/vote"),
        ("POST", "/articles/:id/amendments"), ("POST", "/articles/:id/arguments"), ("POST", "/contributions/:id/arguments"),
        ("POST", "/articles/:id/sources"), ("POST", "/contributions/:id/sources"),
    ]
}

/// The JSON API, under `/api/v1`. Every pattern here is documented in `openapi.json` (a test checks both ways).
public enum APIRoute {
    public static let prefix = "/api/v1"

    static let patterns: [(method: String, pattern: String)] = [
        ("GET", "/openapi.json"),
        ("POST", "/accounts"), ("POST", "/sessions"), ("DELETE", "/sessions/current"), ("GET", "/me"),
        ("GET", "/consultations"), ("GET", "/consultations/{id}"), ("GET", "/consultations/{id}/proposals"),
        ("POST", "/consultations/{id}/proposals"),
        ("GET", "/articles/{id}"), ("PUT", "/articles/{id}/vote"), ("DELETE", "/articles/{id}/vote"),
        ("POST", "/articles/{id}/amendments"), ("POST", "/articles/{id}/arguments"), ("POST", "/articles/{id}/sources"),
        ("GET", "/contributions/{id}"), ("PUT", "/contributions/{id}/vote"), ("DELETE", "/contributions/{id}/vote"),
        ("POST", "/contributions/{id}/arguments"), ("POST", "/contributions/{id}/sources"),
        // The institution's side (issue 8).
        ("POST", "/consultations"), ("PATCH", "/consultations/{id}"), ("POST", "/consultations/{id}/publish"),
        ("POST", "/consultations/{id}/close"), ("PUT", "/consultations/{id}/text"), ("GET", "/consultations/{id}/roles"),
        ("PUT", "/consultations/{id}/roles/{participantId}"), ("DELETE", "/consultations/{id}/roles/{participantId}"),
        ("PUT", "/participants/{id}/role"),
        ("POST", "/contributions/{id}/reports"), ("POST", "/contributions/{id}/moderation"), ("GET", "/consultations/{id}/moderation"),
        ("GET", "/consultations/{id}/moderation/summary"), ("GET", "/consultations/{id}/audit"), ("GET", "/audit"),
        // Answer and follow up (issue 9).
        ("PUT", "/contributions/{id}/answer"), ("GET", "/contributions/{id}/answers"), ("GET", "/consultations/{id}/engagements"),
        ("POST", "/consultations/{id}/versions"), ("GET", "/consultations/{id}/versions"), ("GET", "/articles/{id}/versions"),
        ("PUT", "/contributions/{id}/uptake"), ("DELETE", "/contributions/{id}/uptake"), ("GET", "/consultations/{id}/suivi"),
        ("PUT", "/follows/{kind}/{id}"), ("DELETE", "/follows/{kind}/{id}"), ("GET", "/notifications"), ("POST", "/notifications/read"),
        // The open data's public read API (issue 12).
        ("GET", "/consultations/{id}/open-data"), ("GET", "/consultations/{id}/open-data/{table}"),
        // Personal data on demand and the deletion choice (issue 12).
        ("GET", "/me/export"), ("DELETE", "/me"), ("PUT", "/me/password"),
        // Sessions (issue 13).
        ("GET", "/sessions"), ("DELETE", "/sessions"), ("DELETE", "/sessions/{id}"),
        ("GET", "/me/second-factor"), ("POST", "/me/second-factor"), ("POST", "/me/second-factor/confirmation"),
    ]
}

/// The API's routes as data, for tests and tools.
public enum APIRouteList {
    public static var all: [(method: String, pattern: String)] { APIRoute.patterns }
}
