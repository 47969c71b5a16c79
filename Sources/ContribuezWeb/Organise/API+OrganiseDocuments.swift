import ContribuezCore
import Foundation

/// JSON shapes of the institution's API (issue 8).
extension APIDoc {
    struct DraftTextDTO: Encodable {
        struct ArticleDTO: Encodable {
            var number: String
            var title: String
            var line: Int
            var body: String
            var explanation: String
            var currentLaw: String
            /// Set once saved.
            var id: ID?
            var url: String?
        }
        struct SectionDTO: Encodable {
            var level: Int
            var title: String
            var line: Int
            var articles: [ArticleDTO]
        }
        struct WarningDTO: Encodable {
            var code: String
            var line: Int?
        }
        var consultationId: ID
        var saved: Bool
        var articleCount: Int
        var sections: [SectionDTO]
        var warnings: [WarningDTO]

        init(_ consultationID: ID, _ r: DraftTextImport) {
            consultationId = consultationID; saved = r.saved; articleCount = r.parsed.articleCount
            var stored = r.articles.makeIterator()
            sections = r.parsed.sections.map { s in
                SectionDTO(level: s.level, title: s.title, line: s.line, articles: s.articles.map { a in
                    let saved = r.saved ? stored.next() : nil
                    return ArticleDTO(number: a.number, title: a.title, line: a.line, body: a.body, explanation: a.explanation,
                                      currentLaw: a.currentLaw, id: saved?.id, url: saved.map { SiteRoute.article($0.id).path })
                })
            }
            warnings = r.parsed.warnings.map { WarningDTO(code: $0.code.rawValue, line: $0.line) }
        }
    }

    struct RoleDTO: Encodable {
        var consultationId: ID
        var participant: ParticipantDTO
        var role: String

        init(consultationId: ID, _ g: RoleGrant) {
            self.consultationId = consultationId; participant = ParticipantDTO(g.participant); role = g.role.rawValue
        }
    }

    struct RoleListDTO: Encodable {
        var items: [RoleDTO]
    }

    struct InstanceRoleDTO: Encodable {
        var participant: ParticipantDTO
        var role: String
    }

    struct ReportDTO: Encodable {
        var reason: String
        var text: String
        var createdAt: Date
    }

    struct ModerationItemDTO: Encodable {
        var contribution: ContributionDTO
        /// Held for approval (`a_priori`), rather than reported.
        var held: Bool
        var reportCount: Int
        var reports: [ReportDTO]
        var since: Date
    }

    struct ModerationCountDTO: Encodable {
        var action: String
        var reason: String
        var count: Int
    }

    struct ModerationSummaryDTO: Encodable {
        var consultationId: ID
        var decisions: [ModerationCountDTO]
        var hidden: PageDTO<ContributionDTO>
    }

    struct AuditEntryDTO: Encodable {
        var sequence: Int64
        var consultationId: ID?
        var actorId: ID?
        var actorName: String
        var action: String
        var targetKind: String
        var targetId: ID
        var reason: String
        var detail: String
        var at: Date

        init(_ e: AuditEntry) {
            sequence = e.sequence; consultationId = e.consultationID; actorId = e.actorID; actorName = e.actorName
            action = e.action.rawValue; targetKind = e.targetKind; targetId = e.targetID; reason = e.reason; detail = e.detail; at = e.at
        }
    }
}
