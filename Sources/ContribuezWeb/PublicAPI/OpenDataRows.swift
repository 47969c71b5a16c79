import ContribuezCore
import ContribuezOpenData
import ContribuezSynthesis
import Foundation

/// The rows of the open-data package's tables, cell for cell as `OpenDataPackage` writes them into
/// the CSV files, read through one `OpenDataReader` snapshot for the public read API.
/// NB: a test compares every table served here with the same table in a package: keep both in step.
struct OpenDataRows {
    let consultation: Consultation
    let reader: any OpenDataReader
    /// For `consultation.exported_at`: when these rows were read.
    let readAt: Date
    /// For `answer_statistics`: computed outside the snapshot, as the package does (nil: not needed).
    let ledger: EngagementLedger?
    /// For the `synthesis_*` tables; nil when the consultation has no synthesis.
    let synthesis: SynthesisReport?
    /// Rows read per query.
    let pageSize: Int

    var id: ID { consultation.id }

    /// Whether the table exists for this consultation (the synthesis tables only with a synthesis).
    func has(_ table: OpenDataFormat.Table) -> Bool {
        OpenDataFormat.tables.contains(table) || (synthesis != nil && OpenDataFormat.synthesisTables.contains(table))
    }

    /// Calls `visit` with each row of `table`, in the package's order, until it returns false.
    func scan(_ table: OpenDataFormat.Table, _ visit: ([CSVCell]) -> Bool) async throws {
        let c = consultation, id = self.id, limit = pageSize, reader = self.reader
        if OpenDataFormat.debateTables.contains(table) {
            try await OpenDataFormat.scanDebates(table, consultationID: id, reader: reader, pageSize: limit) { visit($0) }
            return
        }
        /// Keyset pages of `read`, rows through `cells`, until `visit` says stop (then false).
        @discardableResult
        func paged<Row, Key>(_ start: Key, _ read: (Key) async throws -> [Row], key: (Row) -> Key, cells: (Row) -> [CSVCell]) async throws -> Bool {
            var after = start
            while true {
                let page = try await read(after)
                for r in page { guard visit(cells(r)) else { return false } }
                guard page.count == limit, let last = page.last else { return true }
                after = key(last)
            }
        }
        switch table.name {
        case OpenDataFormat.consultation.name:
            let head = try await reader.chainHead(consultationID: id)
            _ = visit([
                .int(c.id), .text(c.slug), .text(c.title), .text(c.institution), .datetime(c.opensAt), .datetime(c.closesAt),
                .text(c.settings.moderation.rawValue), .int(c.settings.answerThreshold), .int(c.settings.answerDeadlineDays),
                .datetime(readAt), .int(head.length), .text(head.head),
            ])
        case OpenDataFormat.sections.name:
            try await paged(0, { try await reader.sections(consultationID: id, after: $0, limit: limit) }, key: \.id) { s in
                [.int(s.id), .int(s.position), .int(s.level), .text(s.title), .text(s.subtitle)]
            }
        case OpenDataFormat.articles.name:
            try await paged(0, { try await reader.articles(consultationID: id, after: $0, limit: limit) }, key: \.id) { a in
                [.int(a.id), .int(a.sectionID), .int(a.position), .text(a.number), .text(a.title), .text(a.body), .text(a.explanation),
                 .text(a.currentLaw)]
            }
        case OpenDataFormat.textVersions.name:
            try await paged(0, { try await reader.textVersions(consultationID: id, after: $0, limit: limit) }, key: \.id) { v in
                [.int(v.id), .int(v.position), .text(v.label), .datetime(v.publishedAt)]
            }
        case OpenDataFormat.articleVersions.name:
            try await paged(0, { try await reader.articleVersions(consultationID: id, after: $0, limit: limit) }, key: \.id) { v in
                [.int(v.id), .int(v.versionID), .int(v.position), .text(v.number), .text(v.previousNumber), .int(v.originArticleID),
                 .text(v.title), .text(v.body), .text(v.explanation)]
            }
        case OpenDataFormat.participants.name:
            try await paged(0, { try await reader.participants(consultationID: id, after: $0, limit: limit) }, key: \.key) { p in
                [.text(p.pseudonym), .text(p.kind.rawValue), .text(p.organisation)]
            }
        case OpenDataFormat.contributions.name:
            try await paged(0, { try await reader.contributions(consultationID: id, after: $0, limit: limit) }, key: \.id) { x in
                let hash = x.state == .erased ? "" : EventChain.contentHash(
                    kind: x.kind, articleID: x.articleID, parentID: x.parentID, stance: x.stance, title: x.title, body: x.body,
                    rationale: x.rationale, url: x.url)
                return [
                    .int(x.id), .text(x.kind.rawValue), .int(x.articleID), .int(x.parentID), .text(x.author), .text(x.authorKind?.rawValue),
                    .text(x.authorOrganisation), .text(x.title), .text(x.body), .text(x.rationale), .text(x.stance?.rawValue), .text(x.url),
                    .datetime(x.createdAt), .text(x.state.rawValue), .text(x.hiddenReason?.rawValue), .text(hash),
                ]
            }
        case OpenDataFormat.events.name:
            try await paged(Int64(0), { try await reader.chainEntries(consultationID: id, after: $0, limit: limit) }, key: \.seq) { e in
                [.int(e.seq), .int(e.at), .text(e.event.rawValue), .text(e.participant), .text(e.targetType), .int(e.targetID),
                 .text(e.value), .text(e.contentSHA256), .text(e.hash)]
            }
        case OpenDataFormat.votes.name:
            try await paged(OpenDataVoteKey.start, { try await reader.votes(consultationID: id, after: $0, limit: limit) }, key: \.key) { v in
                [.text(v.participant), .text(v.target.kindName), .int(v.target.id), .text(v.value.rawValue), .datetime(v.castAt)]
            }
        case OpenDataFormat.tallies.name:
            try await paged(Target?.none, { try await reader.tallies(consultationID: id, after: $0, limit: limit) }, key: { Optional($0.target) }) { t in
                [
                    .text(t.target.kindName), .int(t.target.id), .int(t.live.agree), .int(t.live.mixed), .int(t.live.disagree), .int(t.live.useful),
                    .int(t.imported?.agree), .int(t.imported?.mixed), .int(t.imported?.disagree), .int(t.imported?.useful), .number(t.score),
                ]
            }
        case OpenDataFormat.ranking.name:
            // Each article's amendments, arguments and sources, then the consultation-wide lists, as the package.
            var scopes: [OpenDataRankingScope] = []
            var articleAfter: ID = 0
            while true {
                let articles = try await reader.articles(consultationID: id, after: articleAfter, limit: limit)
                for a in articles { for kind in [ContributionKind.amendment, .argument, .source] { scopes.append(.init(articleID: a.id, kind: kind)) } }
                guard articles.count == limit, let last = articles.last else { break }
                articleAfter = last.id
            }
            scopes += ContributionKind.allCases.map { OpenDataRankingScope(articleID: nil, kind: $0) }
            for scope in scopes {
                var rank = 0
                let goOn = try await paged(
                    OpenDataRankKey.start, { try await reader.ranking(consultationID: id, scope: scope, after: $0, limit: limit) },
                    key: { OpenDataRankKey(score: $0.score, id: $0.contributionID) }
                ) { r in
                    rank += 1
                    return [.int(scope.articleID), .text(scope.kind.rawValue), .int(rank), .int(r.contributionID), .number(r.score)]
                }
                guard goOn else { return }
            }
        case OpenDataFormat.answers.name:
            try await paged(0, { try await reader.answers(consultationID: id, after: $0, limit: limit) }, key: \.id) { a in
                [.int(a.contributionID), .int(a.version), .text(a.status.rawValue), .text(a.text), .datetime(a.answeredAt)]
            }
        case OpenDataFormat.answerStatistics.name:
            guard let ledger else { return }
            _ = visit([
                .int(ledger.threshold), .datetime(ledger.dueAt), .int(ledger.due), .int(ledger.count(.answeredOnTime)),
                .int(ledger.count(.answeredLate)), .int(ledger.count(.overdue)), .int(ledger.count(.notYetDue)),
            ])
        case OpenDataFormat.uptakes.name:
            try await paged(0, { try await reader.uptakes(consultationID: id, after: $0, limit: limit) }, key: \.contributionID) { u in
                switch u.uptake {
                case .takenUp(let version, let number): return [.int(u.contributionID), .int(version), .text(number), .empty, .datetime(u.at)]
                case .notTakenUp(let reason): return [.int(u.contributionID), .empty, .empty, .text(reason), .datetime(u.at)]
                }
            }
        case OpenDataFormat.moderation.name:
            try await paged(Int64(0), { try await reader.moderation(consultationID: id, after: $0, limit: limit) }, key: \.key) { m in
                [.int(m.contributionID), .datetime(m.at), .text(m.decision), .text(m.reason)]
            }
        default:
            guard let r = synthesis else { return }
            for row in Self.synthesisRows(table, r) { guard visit(row) else { return } }
        }
    }

    /// The latest synthesis run's tables, as the package writes them.
    static func synthesisRows(_ table: OpenDataFormat.Table, _ r: SynthesisReport) -> [[CSVCell]] {
        switch table.name {
        case OpenDataFormat.synthesisGroups.name:
            return r.groups.groups.map { [.int($0.index + 1), .int($0.size)] }
        case OpenDataFormat.synthesisRepresentative.name:
            return r.groups.groups.flatMap { g in
                g.representative.map { x in
                    [.int(g.index + 1), .text(x.target.key), .text(x.target.label), .text(x.stance), .int(x.successes), .int(x.trials), .number(x.probability)]
                }
            }
        case OpenDataFormat.synthesisConsensus.name:
            return r.groups.consensus.enumerated().map { [.int($0.offset + 1), .text($0.element.target.key), .text($0.element.target.label), .number($0.element.score)] }
        case OpenDataFormat.synthesisDivisive.name:
            return r.groups.divisive.enumerated().map { [.int($0.offset + 1), .text($0.element.target.key), .text($0.element.target.label), .number($0.element.score)] }
        case OpenDataFormat.synthesisClusters.name:
            return r.clusters.flatMap { c in
                c.members.map { m in
                    [.int(c.index + 1), .int(c.size), .int(c.distinctAuthors), .int(c.isBurst ? 1 : 0), .text(c.reasons.joined(separator: ";")),
                     .int(m.contributionID), .text(m.kind.rawValue)]
                }
            }
        default:
            return []
        }
    }

    /// A cell as its value: the text people wrote unchanged (JSON needs no spreadsheet neutralisation),
    /// numbers as the CSV writes them, an empty string for a missing value.
    static func value(_ cell: CSVCell) -> String {
        switch cell {
        case .empty: return ""
        case .int(let v): return String(v)
        case .number(let v): return CSVWriter.format(v)
        case .text(let s): return s
        }
    }
}
