import ContribuezCore
import ContribuezStore
import Foundation
import Testing

/// Debate reports in the store (issue 15, items 3–5), on every backend: one transaction for the report, its counts,
/// its contributions (event log and chain included), their link to the debate and the attachments; one report per
/// debate; sums and counts for the pages; the open-data reads.
@Suite("Debate report store", .serialized)
struct DebateReportStoreTests {
    static let t0 = Fixture.t0
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 300)

    static func heldDebate(_ f: Fixture, title: String = "Débat tenu", daysAgo: Double = 2) async throws -> Debate {
        try await DebateStoreTests.debate(f, title: title, in: -daysAgo)
    }

    static func report(_ f: Fixture, _ d: Debate, attendance: Int = 25, votes: [DebateArticleCount]? = nil, held: Bool = false,
                       audit: AuditEntry? = nil) -> NewDebateReport {
        NewDebateReport(
            debateID: d.id, consultationID: f.consultation.id, filedBy: f.alice.id, attendance: attendance, synthesis: "La salle a débattu.",
            source: .form, filedAt: t0, votes: votes ?? [DebateArticleCount(articleID: f.article.id, agree: 12, mixed: 5, disagree: nil)],
            contributions: [
                NewContribution(consultationID: f.consultation.id, kind: .amendment, articleID: f.article.id, parentID: nil, authorID: f.alice.id,
                                authorName: "Alice", body: "Nouvelle rédaction adoptée", createdAt: t0),
                NewContribution(consultationID: f.consultation.id, kind: .argument, articleID: f.article.id, parentID: nil, authorID: f.alice.id,
                                authorName: "Alice", body: "Un argument de la salle", stance: .against, createdAt: t0),
            ],
            held: held, attachments: [(filename: "feuille 1.png", type: .png, bytes: png)], audit: audit)
    }

    @Test("a report is stored whole: counts, contributions through the event chain and linked to the debate, attachments", arguments: Backend.all)
    func filing(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let d = try await Self.heldDebate(f)
        let chainBefore = try await f.store.chainHead(consultationID: f.consultation.id).length
        // act
        let filed = try await f.store.fileDebateReport(Self.report(f, d))
        // check
        guard case .filed(let report) = filed else { Issue.record("not filed: \(filed)"); return }
        #expect(report.attendance == 25 && report.synthesis == "La salle a débattu." && report.source == .form)
        #expect(report.votes == [DebateArticleCount(articleID: f.article.id, agree: 12, mixed: 5, disagree: nil)])
        #expect(report.contributionIDs.count == 2)
        #expect(report.attachments == [DebateReport.Attachment(number: 1, filename: "feuille 1.png", type: .png, size: Self.png.count)])
        #expect(try await f.store.debateReport(debateID: d.id) == report)
        let (meta, bytes) = try #require(try await f.store.debateReportAttachment(debateID: d.id, number: 1))
        #expect(meta.type == .png && bytes == Self.png)
        #expect(try await f.store.debateReportAttachment(debateID: d.id, number: 2) == nil)
        #expect(try await f.store.chainHead(consultationID: f.consultation.id).length == chainBefore + 2, "both contributions are in the chain")
        let argument = try #require(try await f.store.contribution(id: report.contributionIDs[1]))
        #expect(argument.kind == .argument && argument.stance == .against && argument.isPublic)
        let origins = try await f.store.debateOrigins(contributionIDs: report.contributionIDs + [999_999])
        #expect(origins.count == 2 && origins[report.contributionIDs[0]]?.debateID == d.id && origins[report.contributionIDs[0]]?.title == "Débat tenu")
        #expect(try await f.store.debateVoteSums(consultationID: f.consultation.id)[f.article.id] == DebateVoteSum(agree: 12, mixed: 5, disagree: 0, debates: 1))
    }

    @Test("the room's profile in aggregate is stored in order, read back, paged in the open data; the database refuses a question it does not know", arguments: Backend.all)
    func profile(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let d = try await Self.heldDebate(f)
        let e = try await Self.heldDebate(f, title: "Autre")
        var new = Self.report(f, d)
        new.profile = [
            DebateProfileCount(question: .sex, code: "F", count: 14), DebateProfileCount(question: .sex, code: "M", count: 9),
            DebateProfileCount(question: .age, code: "65-74", count: 0),
        ]
        var bad = Self.report(f, e)
        bad.profile = [DebateProfileCount(question: .departement, code: "69", count: 3)]
        // act
        guard case .filed(let report) = try await f.store.fileDebateReport(new) else { Issue.record("not filed"); return }
        await #expect(throws: (any Error).self) { try await f.store.fileDebateReport(bad) }
        bad.profile = [DebateProfileCount(question: .sex, code: "X", count: 3)]
        await #expect(throws: (any Error).self) { try await f.store.fileDebateReport(bad) }
        let (first, rest) = try await f.store.withOpenDataReader { r in
            (try await r.debateProfiles(consultationID: f.consultation.id, after: .start, limit: 2),
             try await r.debateProfiles(consultationID: f.consultation.id, after: OpenDataDebateProfileKey(debateID: d.id, position: 2), limit: 2))
        }
        // check
        #expect(report.profile == new.profile)
        #expect(try await f.store.debateReport(debateID: d.id)?.profile == new.profile)
        #expect(try await f.store.debateReport(debateID: e.id) == nil, "nothing of the refused report is stored")
        #expect(first.map(\.key.position) == [1, 2] && first.map(\.count) == Array(new.profile.prefix(2)))
        #expect(rest.map(\.count) == [DebateProfileCount(question: .age, code: "65-74", count: 0)])
        // summed over reports: a third debate's room adds its women and its own question
        let g = try await Self.heldDebate(f, title: "Troisième")
        var third = Self.report(f, g)
        third.profile = [DebateProfileCount(question: .sex, code: "F", count: 4), DebateProfileCount(question: .pcs, code: "cadres", count: 2)]
        _ = try await f.store.fileDebateReport(third)
        let sums = try await f.store.debateProfileSums(consultationID: f.consultation.id)
        #expect(sums.counts == [
            DebateProfileCount(question: .sex, code: "F", count: 18), DebateProfileCount(question: .sex, code: "M", count: 9),
            DebateProfileCount(question: .age, code: "65-74", count: 0), DebateProfileCount(question: .pcs, code: "cadres", count: 2),
        ])
        #expect(sums.reports == [.sex: 2, .age: 1, .pcs: 1])
        #expect(try await Fixture.make(backend).store.debateProfileSums(consultationID: 999_999).isEmpty)
    }

    @Test("one report per debate: a second filing stores nothing", arguments: Backend.all)
    func secondReport(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let d = try await Self.heldDebate(f)
        _ = try await f.store.fileDebateReport(Self.report(f, d))
        let before = try await f.store.contributions(ContributionQuery(consultationID: f.consultation.id), page: PageRequest()).total
        // act
        let second = try await f.store.fileDebateReport(Self.report(f, d, attendance: 99))
        // check
        #expect(second == .alreadyFiled)
        #expect(try await f.store.debateReport(debateID: d.id)?.attendance == 25)
        #expect(try await f.store.contributions(ContributionQuery(consultationID: f.consultation.id), page: PageRequest()).total == before)
    }

    @Test("a filing the database refuses half-way leaves nothing behind", arguments: Backend.all)
    func allOrNothing(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let d = try await Self.heldDebate(f)
        let chainBefore = try await f.store.chainHead(consultationID: f.consultation.id)
        // act: the second count names no article, after the report row and the first count are written
        var bad = Self.report(f, d)
        bad.votes.append(DebateArticleCount(articleID: 987_654, agree: 1, mixed: nil, disagree: nil))
        await #expect(throws: (any Error).self) { try await f.store.fileDebateReport(bad) }
        bad.profile = [DebateProfileCount(question: .sex, code: "X", count: 3)]
        await #expect(throws: (any Error).self) { try await f.store.fileDebateReport(bad) }
        // check
        #expect(try await f.store.debateReport(debateID: d.id) == nil)
        #expect(try await f.store.contributions(ContributionQuery(consultationID: f.consultation.id), page: PageRequest()).total == 0)
        #expect(try await f.store.chainHead(consultationID: f.consultation.id) == chainBefore)
        #expect(try await f.store.debateVoteSums(consultationID: f.consultation.id).isEmpty)
    }

    @Test("held for moderation on an a-priori consultation; staff filing is audited in the same transaction", arguments: Backend.all)
    func heldAndAudited(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let d = try await Self.heldDebate(f)
        let audit = AuditEntry(consultationID: f.consultation.id, actorID: f.bob.id, actorName: "Bob", action: .fileDebateReport,
                               targetKind: "debate", targetID: d.id, detail: d.title, at: Self.t0)
        // act
        guard case .filed(let report) = try await f.store.fileDebateReport(Self.report(f, d, held: true, audit: audit)) else {
            Issue.record("not filed"); return
        }
        // check
        for id in report.contributionIDs {
            let c = try #require(try await f.store.contribution(id: id))
            #expect(c.status == .pending && !c.isPublic)
        }
        let trail = try await f.store.auditEntries(consultationID: f.consultation.id, page: PageRequest()).items
        #expect(trail.contains { $0.action == .fileDebateReport && $0.targetID == d.id })
    }

    @Test("counts: held debates, reports filed and missing; sums add reports, never online votes", arguments: Backend.all)
    func countsAndSums(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let a = try await Self.heldDebate(f, title: "A")
        let b = try await Self.heldDebate(f, title: "B", daysAgo: 3)
        _ = try await Self.heldDebate(f, title: "C sans compte rendu", daysAgo: 4)
        let cancelled = try await Self.heldDebate(f, title: "Annulé", daysAgo: 5)
        _ = try await f.store.cancelDebate(id: cancelled.id, reason: "Salle fermée", at: Self.t0 - 6 * 86_400, audit: nil, compose: DebateStoreTests.compose)
        _ = try await DebateStoreTests.debate(f, title: "À venir", in: 3)
        _ = try await f.store.castVote(participantID: f.bob.id, target: .article(f.article.id), value: .agree, at: Self.t0)
        // act
        _ = try await f.store.fileDebateReport(Self.report(f, a))
        _ = try await f.store.fileDebateReport(Self.report(f, b, votes: [DebateArticleCount(articleID: f.article.id, agree: 3, mixed: 1, disagree: 4)]))
        // check
        #expect(try await f.store.debateReportCounts(consultationID: f.consultation.id, at: Self.t0) == DebateReportCounts(held: 3, filed: 2))
        #expect(try await f.store.debateVoteSums(consultationID: f.consultation.id)[f.article.id] == DebateVoteSum(agree: 15, mixed: 6, disagree: 4, debates: 2))
        #expect(try await f.store.tallies([.article(f.article.id)])[.article(f.article.id)] == Tally(agree: 1), "the online tally is untouched")
    }

    @Test("the open-data reader pages through reports, counts and contributions of the consultation only", arguments: Backend.all)
    func openData(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let a = try await Self.heldDebate(f, title: "A")
        let b = try await Self.heldDebate(f, title: "B")
        _ = try await f.store.fileDebateReport(Self.report(f, a))
        _ = try await f.store.fileDebateReport(Self.report(f, b))
        let other = try await Fixture.make(backend)
        _ = other
        // act
        let (reports, votes, contributions, page) = try await f.store.withOpenDataReader { r in
            (try await r.debateReports(consultationID: f.consultation.id, after: 0, limit: 10),
             try await r.debateVotes(consultationID: f.consultation.id, after: .start, limit: 10),
             try await r.debateContributions(consultationID: f.consultation.id, after: 0, limit: 10),
             try await r.debateReports(consultationID: f.consultation.id, after: 0, limit: 1))
        }
        // check
        #expect(reports.map(\.debateID) == [a.id, b.id])
        #expect(reports[0].title == "A" && reports[0].organiserName == "Alice" && reports[0].attendance == 25 && reports[0].attachments == 1)
        #expect(reports[0].departement == "69" && reports[0].mode == "venue")
        #expect(votes.map(\.key) == [OpenDataDebateVoteKey(debateID: a.id, articleID: f.article.id), OpenDataDebateVoteKey(debateID: b.id, articleID: f.article.id)])
        #expect(contributions.count == 4 && Set(contributions.map(\.debateID)) == [a.id, b.id])
        #expect(page.map(\.debateID) == [a.id])
    }
}
