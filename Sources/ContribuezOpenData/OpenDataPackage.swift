import ContribuezCore
import ContribuezSynthesis
import Foundation

/// Where an export stands, for progress bars.
public struct OpenDataProgress: Sendable, Equatable {
    /// The table being written (its resource name).
    public var table: String
    /// Rows written to that table so far.
    public var rows: Int64
    /// Rows written to every table so far.
    public var totalRows: Int64
    /// 1-based index of the table, out of `tableCount`.
    public var tableIndex: Int
    public var tableCount: Int
    /// True once the table is complete.
    public var tableDone: Bool
}

/// Writes a consultation's open-data package: `datapackage.json`, `README.md` and every CSV table of
/// `OpenDataFormat`, as one streamed ZIP. Tables are read from one consistent snapshot
/// (`OpenDataStore.withOpenDataReader`) page by page and written as they come, so memory stays bounded
/// (one page of rows and one ZIP chunk) whatever the number of votes.
///
/// ```swift
/// let sink = try await OpenDataPackage.write(consultation: c, store: store, exportedAt: clock.now(), to: FileSink(handle: h))
/// ```
public enum OpenDataPackage {
    /// Rows read per query.
    public static let defaultPageSize = 5_000

    /// The file name offered for download: `<slug>-donnees.zip`.
    public static func filename(_ c: Consultation) -> String { "\(c.slug)-donnees.zip" }

    /// Streams the package into `sink` and returns the sink once the ZIP is complete.
    public static func write<S: ByteSink>(
        consultation: Consultation, store: any Store, exportedAt: Date, to sink: S, pageSize: Int = defaultPageSize,
        progress: ((OpenDataProgress) -> Void)? = nil
    ) async throws -> S {
        // Outside the snapshot: small reads that do not change with votes.
        let ledger = EngagementLedger.compute(
            consultation: consultation,
            candidates: try await store.engagementCandidates(consultationID: consultation.id, closesAt: consultation.closesAt), now: exportedAt)
        let synthesis = try await latestSynthesis(store, consultation.id)
        return try await store.withOpenDataReader { reader in
            var w = TableWriter(
                zip: ZipWriter(sink: sink, modified: exportedAt), reader: reader, consultation: consultation, pageSize: max(1, pageSize),
                progress: progress, tableCount: OpenDataFormat.tables.count + (synthesis == nil ? 0 : OpenDataFormat.synthesisTables.count))
            let head = try await reader.chainHead(consultationID: consultation.id)
            let descriptor = try Descriptor.make(consultation, head: head, exportedAt: exportedAt, withSynthesis: synthesis != nil)
            try await w.zip.addEntry(OpenDataFormat.descriptorPath, descriptor)
            try await w.zip.addEntry(OpenDataFormat.readmePath, Array(Readme.text(consultation, head: head, exportedAt: exportedAt, withSynthesis: synthesis != nil).utf8))
            try await w.writeTables(head: head, ledger: ledger, exportedAt: exportedAt, synthesis: synthesis)
            try await w.zip.finish()
            return w.zip.sink
        }
    }

    static func latestSynthesis(_ store: any Store, _ consultationID: ID) async throws -> SynthesisReport? {
        guard let (_, json) = try await store.latestSynthesisResult(consultationID: consultationID) else { return nil }
        return try? SynthesisReport.decoder.decode(SynthesisReport.self, from: json)
    }
}

/// Writes tables one after the other into the open ZIP.
struct TableWriter<S: ByteSink> {
    var zip: ZipWriter<S>
    let reader: any OpenDataReader
    let consultation: Consultation
    let pageSize: Int
    let progress: ((OpenDataProgress) -> Void)?
    let tableCount: Int
    var tableIndex = 0
    var totalRows: Int64 = 0
    var buffer: [UInt8] = []
    var current = ""
    var rows: Int64 = 0

    var id: ID { consultation.id }

    mutating func begin(_ table: OpenDataFormat.Table) async throws {
        tableIndex += 1
        current = table.name
        rows = 0
        try await zip.startEntry(table.path)
        buffer.removeAll(keepingCapacity: true)
        CSVWriter.header(table.columns, to: &buffer)
        progress?(OpenDataProgress(table: current, rows: 0, totalRows: totalRows, tableIndex: tableIndex, tableCount: tableCount, tableDone: false))
    }

    mutating func row(_ cells: [CSVCell]) async throws {
        CSVWriter.append(cells, to: &buffer)
        rows += 1; totalRows += 1
        if buffer.count >= 64 * 1024 { try await flush() }
    }

    mutating func flush() async throws {
        try await zip.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Reports progress after a page.
    func page() {
        progress?(OpenDataProgress(table: current, rows: rows, totalRows: totalRows, tableIndex: tableIndex, tableCount: tableCount, tableDone: false))
    }

    mutating func end() async throws {
        try await flush()
        try await zip.finishEntry()
        progress?(OpenDataProgress(table: current, rows: rows, totalRows: totalRows, tableIndex: tableIndex, tableCount: tableCount, tableDone: true))
    }

    /// Pages through a table keyed by id.
    mutating func paged<Row>(
        _ read: (Int64) async throws -> [Row], key: (Row) -> Int64, cells: (Row) -> [CSVCell]
    ) async throws {
        var after: Int64 = 0
        while true {
            let page = try await read(after)
            for r in page { try await row(cells(r)) }
            self.page()
            guard page.count == pageSize, let last = page.last else { return }
            after = key(last)
        }
    }

    mutating func writeTables(head: ChainHead, ledger: EngagementLedger, exportedAt: Date, synthesis: SynthesisReport?) async throws {
        let c = consultation, id = self.id, reader = self.reader, limit = pageSize

        try await begin(OpenDataFormat.consultation)
        try await row([
            .int(c.id), .text(c.slug), .text(c.title), .text(c.institution), .datetime(c.opensAt), .datetime(c.closesAt),
            .text(c.settings.moderation.rawValue), .int(c.settings.answerThreshold), .int(c.settings.answerDeadlineDays),
            .datetime(exportedAt), .int(head.length), .text(head.head),
        ])
        try await end()

        try await begin(OpenDataFormat.sections)
        try await paged({ try await reader.sections(consultationID: id, after: $0, limit: limit) }, key: \.id) { s in
            [.int(s.id), .int(s.position), .int(s.level), .text(s.title), .text(s.subtitle)]
        }
        try await end()

        try await begin(OpenDataFormat.articles)
        try await paged({ try await reader.articles(consultationID: id, after: $0, limit: limit) }, key: \.id) { a in
            [.int(a.id), .int(a.sectionID), .int(a.position), .text(a.number), .text(a.title), .text(a.body), .text(a.explanation),
             .text(a.currentLaw)]
        }
        try await end()

        try await begin(OpenDataFormat.textVersions)
        try await paged({ try await reader.textVersions(consultationID: id, after: $0, limit: limit) }, key: \.id) { v in
            [.int(v.id), .int(v.position), .text(v.label), .datetime(v.publishedAt)]
        }
        try await end()

        try await begin(OpenDataFormat.articleVersions)
        try await paged({ try await reader.articleVersions(consultationID: id, after: $0, limit: limit) }, key: \.id) { v in
            [.int(v.id), .int(v.versionID), .int(v.position), .text(v.number), .text(v.previousNumber), .int(v.originArticleID),
             .text(v.title), .text(v.body), .text(v.explanation)]
        }
        try await end()

        try await begin(OpenDataFormat.participants)
        try await paged({ try await reader.participants(consultationID: id, after: $0, limit: limit) }, key: \.key) { p in
            [.text(p.pseudonym), .text(p.kind.rawValue), .text(p.organisation)]
        }
        try await end()

        try await begin(OpenDataFormat.contributions)
        try await paged({ try await reader.contributions(consultationID: id, after: $0, limit: limit) }, key: \.id) { x in
            let hash = x.state == .erased ? "" : EventChain.contentHash(
                kind: x.kind, articleID: x.articleID, parentID: x.parentID, stance: x.stance, title: x.title, body: x.body,
                rationale: x.rationale, url: x.url)
            return [
                .int(x.id), .text(x.kind.rawValue), .int(x.articleID), .int(x.parentID), .text(x.author), .text(x.authorKind?.rawValue),
                .text(x.authorOrganisation), .text(x.title), .text(x.body), .text(x.rationale), .text(x.stance?.rawValue), .text(x.url),
                .datetime(x.createdAt), .text(x.state.rawValue), .text(x.hiddenReason?.rawValue), .text(hash),
            ]
        }
        try await end()

        try await begin(OpenDataFormat.events)
        try await paged({ try await reader.chainEntries(consultationID: id, after: $0, limit: limit) }, key: \.seq) { e in
            [.int(e.seq), .int(e.at), .text(e.event.rawValue), .text(e.participant), .text(e.targetType), .int(e.targetID),
             .text(e.value), .text(e.contentSHA256), .text(e.hash)]
        }
        try await end()

        try await begin(OpenDataFormat.votes)
        var voteKey = OpenDataVoteKey.start
        while true {
            let page = try await reader.votes(consultationID: id, after: voteKey, limit: limit)
            for v in page {
                try await row([.text(v.participant), .text(v.target.kindName), .int(v.target.id), .text(v.value.rawValue), .datetime(v.castAt)])
            }
            self.page()
            guard page.count == limit, let last = page.last else { break }
            voteKey = last.key
        }
        try await end()

        try await begin(OpenDataFormat.tallies)
        var tallyKey: Target?
        while true {
            let page = try await reader.tallies(consultationID: id, after: tallyKey, limit: limit)
            for t in page {
                try await row([
                    .text(t.target.kindName), .int(t.target.id), .int(t.live.agree), .int(t.live.mixed), .int(t.live.disagree), .int(t.live.useful),
                    .int(t.imported?.agree), .int(t.imported?.mixed), .int(t.imported?.disagree), .int(t.imported?.useful), .number(t.score),
                ])
            }
            self.page()
            guard page.count == limit, let last = page.last else { break }
            tallyKey = last.target
        }
        try await end()

        try await begin(OpenDataFormat.ranking)
        var articleAfter: ID = 0
        while true {
            let articles = try await reader.articles(consultationID: id, after: articleAfter, limit: limit)
            for a in articles {
                for kind in [ContributionKind.amendment, .argument, .source] {
                    try await ranking(OpenDataRankingScope(articleID: a.id, kind: kind))
                }
            }
            guard articles.count == limit, let last = articles.last else { break }
            articleAfter = last.id
        }
        for kind in ContributionKind.allCases { try await ranking(OpenDataRankingScope(articleID: nil, kind: kind)) }
        try await end()

        try await begin(OpenDataFormat.answers)
        try await paged({ try await reader.answers(consultationID: id, after: $0, limit: limit) }, key: \.id) { a in
            [.int(a.contributionID), .int(a.version), .text(a.status.rawValue), .text(a.text), .datetime(a.answeredAt)]
        }
        try await end()

        try await begin(OpenDataFormat.answerStatistics)
        try await row([
            .int(ledger.threshold), .datetime(ledger.dueAt), .int(ledger.due), .int(ledger.count(.answeredOnTime)),
            .int(ledger.count(.answeredLate)), .int(ledger.count(.overdue)), .int(ledger.count(.notYetDue)),
        ])
        try await end()

        try await begin(OpenDataFormat.uptakes)
        try await paged({ try await reader.uptakes(consultationID: id, after: $0, limit: limit) }, key: \.contributionID) { u in
            switch u.uptake {
            case .takenUp(let version, let number): return [.int(u.contributionID), .int(version), .text(number), .empty, .datetime(u.at)]
            case .notTakenUp(let reason): return [.int(u.contributionID), .empty, .empty, .text(reason), .datetime(u.at)]
            }
        }
        try await end()

        try await begin(OpenDataFormat.moderation)
        try await paged({ try await reader.moderation(consultationID: id, after: $0, limit: limit) }, key: \.key) { m in
            [.int(m.contributionID), .datetime(m.at), .text(m.decision), .text(m.reason)]
        }
        try await end()

        // Issue 15: the local debates' reports, apart from the online figures.
        for table in OpenDataFormat.debateTables {
            try await begin(table)
            var pending = 0
            try await OpenDataFormat.scanDebates(table, consultationID: id, reader: reader, pageSize: limit) { cells in
                try await row(cells)
                pending += 1
                if pending == limit { self.page(); pending = 0 }
                return true
            }
            try await end()
        }

        if let synthesis { try await writeSynthesis(synthesis) }
    }

    /// One published ranking, page by page, numbered from 1.
    mutating func ranking(_ scope: OpenDataRankingScope) async throws {
        var key = OpenDataRankKey.start
        var rank = 0
        while true {
            let page = try await reader.ranking(consultationID: id, scope: scope, after: key, limit: pageSize)
            for r in page {
                rank += 1
                try await row([.int(scope.articleID), .text(scope.kind.rawValue), .int(rank), .int(r.contributionID), .number(r.score)])
            }
            guard page.count == pageSize, let last = page.last else { return }
            key = OpenDataRankKey(score: last.score, id: last.contributionID)
        }
    }

    /// The latest synthesis run's tables (groups, what sets them apart, consensus, division, clusters).
    /// NB: the run's map of participants (`points`) is left out: its pseudonyms are the run's own, and
    /// publishing both kinds side by side would let anyone link them through the votes.
    mutating func writeSynthesis(_ r: SynthesisReport) async throws {
        func n(_ d: Double) -> CSVCell { .number(d) }
        try await begin(OpenDataFormat.synthesisGroups)
        for g in r.groups.groups { try await row([.int(g.index + 1), .int(g.size)]) }
        try await end()
        try await begin(OpenDataFormat.synthesisRepresentative)
        for g in r.groups.groups {
            for x in g.representative {
                try await row([.int(g.index + 1), .text(x.target.key), .text(x.target.label), .text(x.stance), .int(x.successes), .int(x.trials), n(x.probability)])
            }
        }
        try await end()
        for (table, list) in [(OpenDataFormat.synthesisConsensus, r.groups.consensus), (OpenDataFormat.synthesisDivisive, r.groups.divisive)] {
            try await begin(table)
            for (i, x) in list.enumerated() { try await row([.int(i + 1), .text(x.target.key), .text(x.target.label), n(x.score)]) }
            try await end()
        }
        try await begin(OpenDataFormat.synthesisClusters)
        for c in r.clusters {
            for m in c.members {
                try await row([
                    .int(c.index + 1), .int(c.size), .int(c.distinctAuthors), .int(c.isBurst ? 1 : 0), .text(c.reasons.joined(separator: ";")),
                    .int(m.contributionID), .text(m.kind.rawValue),
                ])
            }
        }
        try await end()
    }
}
