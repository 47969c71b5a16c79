import ContribuezCore
import Foundation

/// The open-data pages (issue 12): the package's download, and the organiser's publication form.
enum OpenDataRoute: Sendable, Equatable {
    /// The package, streamed: public once published (or closed with publication at closing), else
    /// only for the consultation's organisers.
    case download(ID)
    // POST
    /// `intent` = publish, unpublish, at_closing_on or at_closing_off.
    case publication(ID)

    var method: String {
        switch self {
        case .download: return "GET"
        case .publication: return "POST"
        }
    }

    var path: String {
        switch self {
        case .download(let id): return "/consultations/\(id)/donnees.zip"
        case .publication(let id): return "/consultations/\(id)/organiser/donnees"
        }
    }

    /// The patterns `OpenDataPages.register` adds, one per case shape.
    static let patterns: [(method: String, pattern: String)] = [
        ("GET", "/consultations/:id/donnees.zip"), ("POST", "/consultations/:id/organiser/donnees"),
    ]
}
