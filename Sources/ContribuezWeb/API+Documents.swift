import ContribuezCore
import Foundation

/// JSON shapes of the API. Every resource carries `id` and `url` (the absolute path of its HTML page);
/// every votable one carries `tally`, the counts shown to users.
enum APIDoc {
    struct TallyDTO: Encodable, Equatable {
        var agree: Int?
        var mixed: Int?
        var disagree: Int?
        var useful: Int?

        init(_ t: Tally, scale: VotingScale) {
            if scale == .opinion { agree = t.agree; mixed = t.mixed; disagree = t.disagree } else { useful = t.useful }
        }
    }

    struct ParticipantDTO: Encodable {
        var id: ID
        var url: String
        var displayName: String
        var kind: String
        var organization: String?
        var createdAt: Date

        init(_ p: Participant) {
            id = p.id; url = SiteRoute.participant(p.id).path; displayName = p.displayName; kind = p.kind.rawValue
            organization = p.organization; createdAt = p.createdAt
        }
    }

    struct SessionDTO: Encodable {
        var token: String
        var expiresAt: Date
        var participant: ParticipantDTO
    }

    struct ArticleSummaryDTO: Encodable {
        var id: ID
        var url: String
        var number: String
        var title: String
        var tally: TallyDTO
        var importedTally: TallyDTO?
    }

    struct SectionDTO: Encodable {
        var id: ID
        var title: String
        var subtitle: String
        var articles: [ArticleSummaryDTO]
    }

    struct ConsultationDTO: Encodable {
        var id: ID
        var url: String
        var slug: String
        var title: String
        var summary: String
        var institution: String
        var phase: String
        var opensAt: Date
        var closesAt: Date
        var allowedKinds: [String]
        var provenance: String?
        var isPublished: Bool
        var moderation: String
        var answerThreshold: Int
        var answerDeadlineDays: Int
        var reportThreshold: Int
        var closedEarlyReason: String?
        var sections: [SectionDTO]?
        /// The event chain's length and head (issue 12): on the single consultation only.
        var chain: ChainDTO?

        init(_ c: Consultation, phase: Phase, sections: [SectionDTO]? = nil) {
            id = c.id; url = SiteRoute.consultation(c.id).path; slug = c.slug; title = c.title; summary = c.summary
            institution = c.institution; self.phase = phase.rawValue; opensAt = c.opensAt; closesAt = c.closesAt
            allowedKinds = c.allowedKinds.map(\.rawValue).sorted(); provenance = c.provenance; self.sections = sections
            isPublished = c.isPublished; moderation = c.settings.moderation.rawValue; answerThreshold = c.settings.answerThreshold
            answerDeadlineDays = c.settings.answerDeadlineDays; reportThreshold = c.settings.reportThreshold
            closedEarlyReason = c.closedEarlyReason
        }
    }

    /// Where a consultation's event chain stands: what `contribuez verify` checks an export against.
    struct ChainDTO: Encodable {
        var length: Int64
        var head: String

        init(_ h: ChainHead) { length = h.length; head = h.head }
    }

    struct AuthorDTO: Encodable {
        var name: String
        var id: ID?
        var url: String?
    }

    struct ContributionDTO: Encodable {
        var id: ID
        var url: String
        var kind: String
        var consultationId: ID
        var articleId: ID?
        var parentId: ID?
        var author: AuthorDTO
        var title: String?
        var text: String
        var rationale: String?
        var stance: String?
        var sourceUrl: String?
        var createdAt: Date
        var tally: TallyDTO
        var importedTally: TallyDTO?
        var replies: Int?
        /// published | pending | rejected (pending and rejected are seen by their author and moderators only).
        var status: String
        /// Set when moderation hid it: the public trace, without the text.
        var hidden: HiddenDTO?
        /// The institution's current answer (issue 9); its history is at `/contributions/{id}/answers`.
        var answer: AnswerBadgeDTO?
        /// What became of it in the text (single contribution only).
        var uptake: UptakeDTO?
        /// Set when its author deleted their account and erased their contributions (issue 12): no text.
        var erasedAt: Date?

        /// `redact`: a hidden item shown to the public keeps its place with its reason, not its text nor its author.
        init(_ c: Contribution, tally: Tally, replies: Int? = nil, redact: Bool = false) {
            id = c.id; url = SiteRoute.contribution(c.id).path; kind = c.kind.rawValue; consultationId = c.consultationID
            articleId = c.articleID; parentId = c.parentID
            author = AuthorDTO(name: c.authorName, id: c.authorID, url: c.authorID.map { SiteRoute.participant($0).path })
            title = c.title.isEmpty ? nil : c.title; text = c.body; rationale = c.kind == .amendment ? c.rationale : nil
            stance = c.stance?.rawValue; sourceUrl = c.url; createdAt = c.createdAt
            self.tally = TallyDTO(tally, scale: c.kind.votingScale)
            importedTally = c.importedTally.map { TallyDTO($0, scale: c.kind.votingScale) }
            self.replies = replies
            status = c.status.rawValue
            if c.isHidden {
                hidden = HiddenDTO(at: c.hidden?.at, reason: c.hidden?.reason.rawValue, byReports: c.hidden?.byReports ?? false)
            }
            if redact && c.isHidden {
                author = AuthorDTO(name: "", id: nil, url: nil)
                title = nil; text = ""; rationale = nil; sourceUrl = nil
            }
            // Erased by its author (issue 12): the texts are already empty.
            erasedAt = c.erasedAt
        }
    }

    struct AnswerBadgeDTO: Encodable {
        var status: String
        var at: Date
    }

    struct HiddenDTO: Encodable {
        var at: Date?
        var reason: String?
        var byReports: Bool
    }

    struct PageDTO<Item: Encodable>: Encodable {
        var items: [Item]
        var page: Int
        var perPage: Int
        var total: Int
        var pageCount: Int
    }

    struct ArticleDTO: Encodable {
        var id: ID
        var url: String
        var consultationId: ID
        var sectionId: ID
        var number: String
        var title: String
        var body: String
        var explanation: String
        var currentLaw: String
        var tally: TallyDTO
        var importedTally: TallyDTO?
        var myVote: String?
        var contributions: PageDTO<ContributionDTO>
    }

    struct VoteDTO: Encodable {
        var target: String
        var value: String?
        var tally: TallyDTO
    }

    struct ConsultationListDTO: Encodable {
        var items: [ConsultationDTO]
    }

    /// RFC 9457 problem document.
    struct Problem: Encodable {
        struct InvalidField: Encodable {
            var field: String
            var rule: String
            var limit: Int?
            var message: String
            /// Draft texts: the line the problem is on, and the other line concerned (first occurrence of a duplicate).
            var line: Int? = nil
            var otherLine: Int? = nil
            /// The article number concerned, or the accepted values (comma-separated) for `unknown_value`.
            var value: String? = nil
            var accepted: [String]? = nil
        }
        var type: String
        var title: String
        var status: Int
        var detail: String
        var errors: [InvalidField]?
    }
}
