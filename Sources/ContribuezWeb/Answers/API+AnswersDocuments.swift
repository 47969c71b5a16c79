import ContribuezCore
import Foundation

/// JSON shapes of answers, engagements, versions, uptake, follows and notifications (issue 9).
extension APIDoc {
    struct AnswerDTO: Encodable {
        var id: ID
        var contributionId: ID
        var status: String
        var text: String
        var answerer: String
        var at: Date

        init(_ a: Answer) {
            id = a.id; contributionId = a.contributionID; status = a.status.rawValue; text = a.text; answerer = a.answererName; at = a.at
        }
    }

    struct AnswerHistoryDTO: Encodable {
        var current: AnswerDTO
        /// Earlier versions, newest first.
        var previous: [AnswerDTO]
    }

    struct EngagementDTO: Encodable {
        var contribution: ContributionDTO
        var votes: Int
        var dueAt: Date
        var state: String
        var daysLate: Int
        var answeredAt: Date?
        var answerStatus: String?
    }

    struct EngagementCountsDTO: Encodable {
        var due: Int
        var answeredOnTime: Int
        var answeredLate: Int
        var overdue: Int
        var notYetDue: Int
    }

    struct EngagementsDTO: Encodable {
        var consultationId: ID
        var url: String
        var threshold: Int
        var dueAt: Date
        var closed: Bool
        /// Before closing: contributions over the threshold now (nothing is due yet).
        var provisional: Int
        var counts: EngagementCountsDTO
        /// Overdue first (oldest first), then not yet due, late and on time.
        var items: [EngagementDTO]
    }

    struct VersionDTO: Encodable {
        var id: ID
        var consultationId: ID
        var position: Int
        var label: String
        var publishedAt: Date
        var articleCount: Int?
    }

    struct ArticleVersionDTO: Encodable {
        var version: VersionDTO?
        /// 0 for the consulted draft.
        var position: Int
        var label: String
        var number: String
        var previousNumber: String?
        var title: String
        var body: String
        /// Word diff from the previous version in the lineage: runs of kept, inserted and deleted text.
        var changes: [DiffRunDTO]?
        var unchanged: Bool
    }

    struct DiffRunDTO: Encodable {
        var op: String
        var text: String
    }

    struct ArticleVersionsDTO: Encodable {
        var articleId: ID
        var url: String
        var versions: [ArticleVersionDTO]
    }

    struct UptakeDTO: Encodable {
        var contributionId: ID
        var takenUp: Bool
        var versionId: ID?
        var versionLabel: String?
        var articleNumber: String?
        var notTakenUpReason: String?
        var url: String?
        var at: Date
    }

    struct SuiviContributionDTO: Encodable {
        var contribution: ContributionDTO
        var rank: Int
        /// taken_up, not_taken_up, answered, none (« aucun lien enregistré »).
        var outcome: String
        var uptake: UptakeDTO?
        var answerStatus: String?
    }

    struct SuiviArticleDTO: Encodable {
        var number: String
        var title: String
        var articleId: ID?
        var versions: [ArticleVersionDTO]
    }

    struct SuiviDTO: Encodable {
        var consultationId: ID
        var url: String
        var versions: [VersionDTO]
        var articles: [SuiviArticleDTO]
        var topContributions: [SuiviContributionDTO]
    }

    struct FollowDTO: Encodable {
        var target: String
        var id: ID
        var following: Bool
    }

    struct NotificationDTO: Encodable {
        var id: ID
        var kind: String
        var consultationId: ID?
        var url: String
        var subject: String
        var detail: String
        var createdAt: Date
        var read: Bool

        init(_ n: ContribuezCore.Notification) {
            id = n.id; kind = n.kind.rawValue; consultationId = n.consultationID; url = n.path; subject = n.subject; detail = n.detail
            createdAt = n.createdAt; read = n.readAt != nil
        }
    }

    struct NotificationPageDTO: Encodable {
        var unread: Int
        var items: [NotificationDTO]
        var page: Int
        var perPage: Int
        var total: Int
        var pageCount: Int
    }
}
