import ContribuezCore
import Foundation

/// The moderation pages (issue 8): reports, the moderators' queue, the public trace.
enum ModerationRoute: Sendable, Equatable {
    case queue(ID, reason: ModerationReason? = nil, page: Int = 1)
    case publicPage(ID, page: Int = 1)
    // POST
    case report(ID)
    case moderate(ID)

    var method: String {
        switch self {
        case .queue, .publicPage: return "GET"
        case .report, .moderate: return "POST"
        }
    }

    var path: String {
        switch self {
        case .queue(let id, let reason, let page):
            var query: [String] = []
            if let reason { query.append("motif=\(reason.rawValue)") }
            if page > 1 { query.append("page=\(page)") }
            return "/consultations/\(id)/moderation/file" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        case .publicPage(let id, let page): return "/consultations/\(id)/moderation" + (page > 1 ? "?page=\(page)" : "")
        case .report(let id): return "/contributions/\(id)/signalement"
        case .moderate(let id): return "/contributions/\(id)/moderation"
        }
    }

    static let patterns: [(method: String, pattern: String)] = [
        ("GET", "/consultations/:id/moderation/file"), ("GET", "/consultations/:id/moderation"),
        ("POST", "/contributions/:id/signalement"), ("POST", "/contributions/:id/moderation"),
    ]
}
