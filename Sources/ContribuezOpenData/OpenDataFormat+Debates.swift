import ContribuezCore
import Foundation

/// The debate reports' tables (issue 15): what the local debates brought back, apart from the online votes.
extension OpenDataFormat {
    public static let debateReports = Table(
        name: "debate_reports", title: "Local debates' reports (show-of-hands counts are never added to online votes)",
        fields: [
            Field("debate_id", .integer, "Debate id (its page: /debats/<id>)"),
            Field("title", .string, "Title of the debate"),
            Field("organiser_kind", .string, "person or organisation"),
            Field("organiser", .string, "Organiser as shown on the debate's public page (a person's public name or an organisation)"),
            Field("starts_at", .datetime, "Start"),
            Field("ends_at", .datetime, "Planned end"),
            Field("mode", .string, "venue or online"),
            Field("departement", .string, "Département code of the venue (empty online)"),
            Field("commune", .string, "Commune of the venue (empty online)"),
            Field("attendance", .integer, "People in the room, as reported"),
            Field("synthesis", .string, "Synthesis written by the organiser"),
            Field("source", .string, "form, csv or json: how the report was filed"),
            Field("filed_at", .datetime, "When the report was filed"),
            Field("attachments", .integer, "Photos or scans of the sheets kept on the platform (not in this package)"),
        ],
        primaryKey: ["debate_id"], foreignKeys: [])

    public static let debateVotes = Table(
        name: "debate_votes", title: "Local debates' show-of-hands counts per article",
        fields: [
            Field("debate_id", .integer, "Debate"),
            Field("article_id", .integer, "Article"),
            Field("agree", .integer, "Hands for d'accord (empty: not put to the vote)"),
            Field("mixed", .integer, "Hands for mitigé (empty: not put to the vote)"),
            Field("disagree", .integer, "Hands for pas d'accord (empty: not put to the vote)"),
        ],
        primaryKey: ["debate_id", "article_id"],
        foreignKeys: [fk(["debate_id"], "debate_reports", ["debate_id"]), fk(["article_id"], "articles", ["id"])])

    public static let debateContributions = Table(
        name: "debate_contributions", title: "Contributions agreed in a local debate and brought back by its report",
        fields: [
            Field("contribution_id", .integer, "Contribution (in contributions.csv)"),
            Field("debate_id", .integer, "Debate whose report created it"),
        ],
        primaryKey: ["contribution_id"],
        foreignKeys: [fk(["contribution_id"], "contributions", ["id"]), fk(["debate_id"], "debate_reports", ["debate_id"])])

    public static let debateProfiles = Table(
        name: "debate_profiles", title: "Local debates' rooms in aggregate: how many people gave each answer of the profile questionnaire",
        fields: [
            Field("debate_id", .integer, "Debate"),
            Field("position", .integer, "Order in the report"),
            Field("question", .string, "sex, age, commune_size, diploma, pcs or votes_every_election (codes of the profile questionnaire)"),
            Field("code", .string, "Answer code, as in the reference margins"),
            Field("count", .integer, "People in the room who gave this answer (the rest of the attendance did not answer)"),
        ],
        primaryKey: ["debate_id", "position"],
        foreignKeys: [fk(["debate_id"], "debate_reports", ["debate_id"])])

    public static let debateTables: [Table] = [debateReports, debateVotes, debateProfiles, debateContributions]

    /// A report's row, cell for cell (the package and the public API share it).
    public static func cells(_ r: OpenDataDebateReport) -> [CSVCell] {
        [.int(r.debateID), .text(r.title), .text(r.organiserKind.rawValue), .text(r.organiserName), .datetime(r.startsAt), .datetime(r.endsAt),
         .text(r.mode), r.departement.map { .text($0) } ?? .empty, r.commune.map { .text($0) } ?? .empty, .int(r.attendance), .text(r.synthesis),
         .text(r.source.rawValue), .datetime(r.filedAt), .int(r.attachments)]
    }

    public static func cells(_ v: OpenDataDebateVote) -> [CSVCell] {
        [.int(v.key.debateID), .int(v.key.articleID), .int(v.count.agree), .int(v.count.mixed), .int(v.count.disagree)]
    }

    public static func cells(_ x: OpenDataDebateContribution) -> [CSVCell] { [.int(x.contributionID), .int(x.debateID)] }

    public static func cells(_ p: OpenDataDebateProfile) -> [CSVCell] {
        [.int(p.key.debateID), .int(p.key.position), .text(p.count.question.rawValue), .text(p.count.code), .int(p.count.count)]
    }

    /// Calls `visit` with each row of one of `debateTables`, page by page, until it returns false.
    public static func scanDebates(
        _ table: Table, consultationID id: ID, reader: any OpenDataReader, pageSize limit: Int, _ visit: ([CSVCell]) async throws -> Bool
    ) async throws {
        switch table.name {
        case debateReports.name:
            var after: ID = 0
            while true {
                let page = try await reader.debateReports(consultationID: id, after: after, limit: limit)
                for r in page { guard try await visit(cells(r)) else { return } }
                guard page.count == limit, let last = page.last else { return }
                after = last.debateID
            }
        case debateVotes.name:
            var after = OpenDataDebateVoteKey.start
            while true {
                let page = try await reader.debateVotes(consultationID: id, after: after, limit: limit)
                for v in page { guard try await visit(cells(v)) else { return } }
                guard page.count == limit, let last = page.last else { return }
                after = last.key
            }
        case debateProfiles.name:
            var after = OpenDataDebateProfileKey.start
            while true {
                let page = try await reader.debateProfiles(consultationID: id, after: after, limit: limit)
                for p in page { guard try await visit(cells(p)) else { return } }
                guard page.count == limit, let last = page.last else { return }
                after = last.key
            }
        case debateContributions.name:
            var after: ID = 0
            while true {
                let page = try await reader.debateContributions(consultationID: id, after: after, limit: limit)
                for x in page { guard try await visit(cells(x)) else { return } }
                guard page.count == limit, let last = page.last else { return }
                after = last.contributionID
            }
        default:
            return
        }
    }
}
