import ContribuezAnalysis
import ContribuezCore
import Foundation

/// `contribuez verify FILE.zip` (issue 12): recomputes every published figure of an open-data package
/// from the package alone, and names each difference.
///
/// What is checked, in order:
/// 1. the event chain (`events.csv`): every hash from the previous one and the canonical line, seqs
///    1, 2, 3… without gaps, and the head and length against `datapackage.json` (`contribuez_chain`)
///    and `consultation.csv`;
/// 2. the content hash of every contribution that was not erased, against its chain entry and its
///    `content_sha256` cell, and that every contribution has an entry;
/// 3. the live votes, replayed from the chain (the last vote of a participant on a target wins, a
///    withdrawal removes it), against `votes.csv`;
/// 4. the tallies: live counts of the replayed votes (plus the imported totals, which are published
///    figures and not events) and the ranking score, against `tallies.csv`;
/// 5. the ranking (score desc, then id desc, over public contributions), against `ranking.csv`;
/// 6. the answer statistics (`EngagementLedger.compute`, with each candidate's votes replayed up to
///    the closing instant plus its imported totals), against `answer_statistics.csv`.
///
/// Memory is bounded by the live votes (a compact key per vote), not by the number of events: the
/// tables are read as streams.
public enum OpenDataVerifier {
    /// One published figure that the recount does not reproduce.
    public struct Difference: Sendable, Equatable, CustomStringConvertible {
        public var table: String
        public var row: String
        public var expected: String
        public var found: String

        public init(table: String, row: String, expected: String, found: String) {
            self.table = table; self.row = row; self.expected = expected; self.found = found
        }

        /// `table, row, expected, found`.
        public var description: String { "\(table), \(row), \(expected), \(found)" }
    }

    public struct Report: Sendable {
        public var consultationID: ID
        public var consultationTitle: String
        /// What was recomputed, one line each (« chain: 1,204 entries… »).
        public var checked: [String]
        /// The first differences found (at most `maxListed`).
        public var differences: [Difference]
        /// Every difference found, including those not listed.
        public var differenceCount: Int

        public var isClean: Bool { differenceCount == 0 }

        /// The report as printed by `contribuez verify`.
        public var text: String {
            var lines = ["Consultation \(consultationID) « \(consultationTitle) »"]
            lines += checked.map { "  ✓ " + $0 }
            if isClean {
                lines.append("Every published figure matches the recount.")
            } else {
                lines.append("\(differenceCount) difference\(differenceCount == 1 ? "" : "s") (table, row, expected, found):")
                lines += differences.map { "  " + $0.description }
                if differenceCount > differences.count { lines.append("  … and \(differenceCount - differences.count) more") }
            }
            return lines.joined(separator: "\n")
        }
    }

    /// The file is not an open-data package of this format (exit 64 in the command).
    public struct NotAPackage: Error, CustomStringConvertible {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
        public var description: String { "not a Contribuez open-data package: \(reason)" }
    }

    /// Differences listed in a report; more are counted.
    public static let maxListed = 1_000

    /// Verifies the package at `path`.
    public static func verify(path: String) throws -> Report {
        let zip: ZipReader
        do { zip = try ZipReader(FileZipSource(path: path)) } catch { throw NotAPackage("\(path) is not a readable ZIP file (\(error))") }
        return try verify(zip)
    }

    /// Verifies a package already opened.
    public static func verify(_ zip: ZipReader) throws -> Report {
        var run = try Recount(zip)
        try run.all()
        return run.report
    }
}

// MARK: - The recount

/// A vote's key in the replay: the pseudonym as a number (16 hex digits), the target.
private struct VoteKey: Hashable {
    var participant: UInt64
    var target: Target
}

private struct LiveVote {
    var value: VoteValue
    var at: Int64
}

/// A contribution as the recount needs it.
private struct PackageContribution {
    var id: ID
    var kind: ContributionKind
    var articleID: ID?
    var parentID: ID?
    var state: OpenDataContributionState
    var hiddenReason: String
}

/// A table read as a stream, its cells found by column name, spreadsheet neutralisation undone.
private struct TableStream {
    let table: OpenDataFormat.Table
    var reader: CSVReader
    let index: [String: Int]
    let restored: [Bool]
    private(set) var row: [String] = []

    init(_ zip: ZipReader, _ table: OpenDataFormat.Table, needs: [String]) throws {
        guard zip.entry(table.path) != nil else { throw OpenDataVerifier.NotAPackage("\(table.path) is missing") }
        self.table = table
        reader = try CSVReader(zip: zip, entry: table.path)
        guard let header = try reader.next() else { throw OpenDataVerifier.NotAPackage("\(table.path) is empty (no header row)") }
        var index: [String: Int] = [:]
        for (i, name) in header.enumerated() { index[name] = i }
        for name in needs where index[name] == nil { throw OpenDataVerifier.NotAPackage("\(table.path) has no column \(name)") }
        self.index = index
        let types = Dictionary(table.fields.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        restored = header.map { types[$0] == .string }
    }

    /// Moves to the next row; false at the end.
    mutating func next() throws -> Bool {
        guard var r = try reader.next() else { return false }
        if r.count == 1 && r[0].isEmpty { return try next() }  // a blank line
        for i in r.indices where i < restored.count && restored[i] { r[i] = Neutralisation.restore(r[i]) }
        row = r
        return true
    }

    subscript(_ name: String) -> String {
        guard let i = index[name], i < row.count else { return "" }
        return row[i]
    }

    var line: Int { reader.line - 1 }
}

private struct Recount {
    let zip: ZipReader
    var report: OpenDataVerifier.Report
    var differences: [OpenDataVerifier.Difference] = []
    var differenceCount = 0

    // From consultation.csv
    var consultation: Consultation
    var exportedAt: Date
    var chainLength: Int64?
    var chainHead = ""
    var descriptorChain: DataPackageDescriptor.Chain

    // From the replay
    var live: [VoteKey: LiveVote] = [:]
    var atClosing: [VoteKey: VoteValue] = [:]
    var contentHashes: [ID: String] = [:]
    var counts: [Target: Tally] = [:]
    var imported: [Target: Tally] = [:]
    var contributions: [PackageContribution] = []
    var articleIDs: [ID] = []

    init(_ zip: ZipReader) throws {
        self.zip = zip
        guard zip.entry(OpenDataFormat.descriptorPath) != nil else {
            throw OpenDataVerifier.NotAPackage("\(OpenDataFormat.descriptorPath) is missing")
        }
        let descriptor: DataPackageDescriptor
        do { descriptor = try DataPackageDescriptor.decode(try zip.read(OpenDataFormat.descriptorPath)) } catch {
            throw OpenDataVerifier.NotAPackage("\(OpenDataFormat.descriptorPath) is not a Contribuez descriptor (\(error))")
        }
        guard descriptor.contribuezFormatVersion == OpenDataFormat.version else {
            throw OpenDataVerifier.NotAPackage(
                "format version \(descriptor.contribuezFormatVersion), this command reads version \(OpenDataFormat.version)")
        }
        descriptorChain = descriptor.contribuezChain
        var t = try TableStream(zip, OpenDataFormat.consultation, needs: OpenDataFormat.consultation.columns)
        guard try t.next() else { throw OpenDataVerifier.NotAPackage("consultation.csv has no row") }
        guard let id = ID(t["id"]), let opens = OpenDataFormat.parseDatetime(t["opens_at"]),
              let closes = OpenDataFormat.parseDatetime(t["closes_at"]), let threshold = Int(t["answer_threshold"]),
              let deadline = Int(t["answer_deadline_days"]), let exported = OpenDataFormat.parseDatetime(t["exported_at"])
        else { throw OpenDataVerifier.NotAPackage("consultation.csv: id, dates, answer_threshold or answer_deadline_days unreadable") }
        // NB: an exported consultation is published (the package is public only then); the ledger needs it.
        consultation = Consultation(
            id: id, slug: t["slug"], title: t["title"], summary: "", institution: t["institution"], isPublished: true, opensAt: opens,
            closesAt: closes,
            settings: ConsultationSettings(
                moderation: ModerationMode(rawValue: t["moderation"]) ?? .aPosteriori, answerThreshold: threshold, answerDeadlineDays: deadline))
        exportedAt = exported
        chainLength = Int64(t["chain_length"])
        chainHead = t["chain_head"]
        report = OpenDataVerifier.Report(consultationID: id, consultationTitle: t["title"], checked: [], differences: [], differenceCount: 0)
    }

    mutating func differ(_ table: String, _ row: String, expected: String, found: String) {
        differenceCount += 1
        if differences.count < OpenDataVerifier.maxListed {
            differences.append(.init(table: table, row: row, expected: expected, found: found))
        }
    }

    mutating func all() throws {
        try chain()
        try contributionHashes()
        try votes()
        try tallies()
        try ranking()
        try answerStatistics()
        report.differences = differences
        report.differenceCount = differenceCount
    }

    static func label(_ t: Target) -> String { "\(t.kindName) \(t.id)" }

    // MARK: 1. The chain, and the replay

    mutating func chain() throws {
        let fields = OpenDataFormat.events.columns
        var t = try TableStream(zip, OpenDataFormat.events, needs: fields)
        var verifier = EventChain.Verifier()
        let closing = EventChain.milliseconds(consultation.closesAt)
        var votes = 0, withdrawals = 0
        while try t.next() {
            guard let seq = Int64(t["seq"]), let at = Int64(t["at"]), let event = EventChain.Event(rawValue: t["event"]),
                  let targetID = ID(t["target_id"])
            else {
                differ("events", "line \(t.line)", expected: "seq, at, event and target_id well formed", found: t.row.joined(separator: ","))
                continue
            }
            let entry = EventChain.Entry(
                seq: seq, at: at, event: event, participant: t["participant"], targetType: t["target_type"], targetID: targetID,
                value: t["value"], contentSHA256: t["content_sha256"], hash: t["hash"])
            for problem in verifier.check(entry) {
                switch problem.kind {
                case .gap(let expected): differ("events", "seq \(seq)", expected: "seq \(expected)", found: "seq \(seq)")
                case .hash(let expected, let found): differ("events", "seq \(seq)", expected: "hash \(expected)", found: "hash \(found)")
                case .malformed(let why): differ("events", "seq \(seq)", expected: "a well-formed entry", found: why)
                }
            }
            guard let target = entry.target else { continue }
            switch event {
            case .contribution:
                contentHashes[targetID] = entry.contentSHA256
            case .vote, .withdraw:
                guard let participant = UInt64(entry.participant, radix: 16) else { continue }
                let key = VoteKey(participant: participant, target: target)
                let value = VoteValue(rawValue: entry.value)
                if event == .vote, let value {
                    live[key] = LiveVote(value: value, at: at)
                    votes += 1
                } else {
                    live[key] = nil
                    withdrawals += 1
                }
                // Votes at closing (answer statistics): only contributions matter.
                if at <= closing, case .contribution = target { atClosing[key] = event == .vote ? value : nil }
            }
        }
        let head = verifier.head
        if descriptorChain.length != head.length {
            differ("datapackage.json", "contribuez_chain.length", expected: "\(head.length)", found: "\(descriptorChain.length)")
        }
        if descriptorChain.head != head.head {
            differ("datapackage.json", "contribuez_chain.head", expected: head.head, found: descriptorChain.head)
        }
        if chainLength != head.length {
            differ("consultation", "chain_length", expected: "\(head.length)", found: chainLength.map(String.init) ?? "")
        }
        if chainHead != head.head { differ("consultation", "chain_head", expected: head.head, found: chainHead) }
        report.checked.append(
            "chain: \(head.length) entries (\(contentHashes.count) contributions, \(votes) votes, \(withdrawals) withdrawals), head \(head.head)")
        for (key, vote) in live { counts[key.target, default: .zero].add(vote.value) }
    }

    // MARK: 2. Contribution content

    mutating func contributionHashes() throws {
        var t = try TableStream(
            zip, OpenDataFormat.contributions,
            needs: ["id", "kind", "article_id", "parent_id", "title", "body", "rationale", "stance", "url", "state", "hidden_reason", "content_sha256"])
        var checked = 0, erased = 0
        while try t.next() {
            guard let id = ID(t["id"]), let kind = ContributionKind(rawValue: t["kind"]),
                  let state = OpenDataContributionState(rawValue: t["state"])
            else {
                differ("contributions", "line \(t.line)", expected: "id, kind and state well formed", found: t.row.joined(separator: ","))
                continue
            }
            let articleID = ID(t["article_id"]), parentID = ID(t["parent_id"])
            contributions.append(PackageContribution(
                id: id, kind: kind, articleID: articleID, parentID: parentID, state: state, hiddenReason: t["hidden_reason"]))
            guard let chained = contentHashes[id] else {
                differ("contributions", "id \(id)", expected: "no contribution (it has no entry in events)", found: "contribution \(id)")
                continue
            }
            // NB: an erased contribution's texts are gone on purpose; its chain entry still holds the hash.
            if state == .erased { erased += 1; continue }
            // NB: an empty cell and no value hash alike (`contentHash` writes "" for nil).
            let hash = EventChain.contentHash(
                kind: kind, articleID: articleID, parentID: parentID, stance: Stance(rawValue: t["stance"]), title: t["title"],
                body: t["body"], rationale: t["rationale"], url: t["url"])
            if hash != chained {
                differ("contributions", "id \(id)", expected: "content_sha256 \(chained) (as chained)", found: "content hashing to \(hash)")
            } else if t["content_sha256"] != chained {
                differ("contributions", "id \(id)", expected: "content_sha256 \(chained)", found: "content_sha256 \(t["content_sha256"])")
            }
            checked += 1
        }
        let listed = Set(contributions.map(\.id))
        for id in contentHashes.keys.sorted() where !listed.contains(id) {
            differ("contributions", "id \(id)", expected: "contribution \(id) (chained)", found: "no row")
        }
        report.checked.append("contributions: \(checked) content hashes recomputed, \(erased) erased by their authors (not checked)")
    }

    // MARK: 3. Live votes

    mutating func votes() throws {
        var t = try TableStream(zip, OpenDataFormat.votes, needs: OpenDataFormat.votes.columns)
        var seen = Set<VoteKey>()
        var rows = 0
        while try t.next() {
            rows += 1
            let participant = t["participant"]
            guard let targetID = ID(t["target_id"]), let target = Self.target(t["target_type"], targetID) else {
                differ("votes", "line \(t.line)", expected: "target_type and target_id well formed", found: t.row.joined(separator: ","))
                continue
            }
            let label = "participant \(participant), \(Self.label(target))"
            guard let p = UInt64(participant, radix: 16), participant.count == 16 else {
                differ("votes", label, expected: "a 16-hex-digit pseudonym", found: participant)
                continue
            }
            let key = VoteKey(participant: p, target: target)
            guard seen.insert(key).inserted else {
                differ("votes", label, expected: "one live vote", found: "a second row")
                continue
            }
            guard let replayed = live[key] else {
                differ("votes", label, expected: "no live vote", found: t["value"])
                continue
            }
            if t["value"] != replayed.value.rawValue {
                differ("votes", label, expected: replayed.value.rawValue, found: t["value"])
            } else if t["cast_at"] != OpenDataFormat.datetime(Date(timeIntervalSince1970: Double(replayed.at) / 1000)) {
                differ("votes", label, expected: "cast_at " + OpenDataFormat.datetime(Date(timeIntervalSince1970: Double(replayed.at) / 1000)),
                       found: "cast_at " + t["cast_at"])
            }
        }
        for (key, vote) in live where !seen.contains(key) {
            differ("votes", "participant \(Self.hex16(key.participant)), \(Self.label(key.target))", expected: vote.value.rawValue, found: "no row")
        }
        report.checked.append("votes: \(live.count) live votes replayed from the chain, \(rows) rows read")
    }

    static func hex16(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, 16 - s.count)) + s
    }

    static func target(_ type: String, _ id: ID) -> Target? {
        switch type {
        case "article": return .article(id)
        case "contribution": return .contribution(id)
        default: return nil
        }
    }

    // MARK: 4. Tallies

    /// The ranking score, as the stores compute it: Wilson lower bound over live + imported opinion
    /// votes, or the "useful" count when there are none.
    static func score(live: Tally, imported: Tally?) -> Double {
        let all = live + (imported ?? .zero)
        return all.opinionTotal > 0 ? all.wilsonLowerBound : Double(all.useful)
    }

    static func sameScore(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(a)) }

    mutating func tallies() throws {
        var t = try TableStream(zip, OpenDataFormat.tallies, needs: OpenDataFormat.tallies.columns)
        var seen = Set<Target>()
        while try t.next() {
            guard let targetID = ID(t["target_id"]), let target = Self.target(t["target_type"], targetID) else {
                differ("tallies", "line \(t.line)", expected: "target_type and target_id well formed", found: t.row.joined(separator: ","))
                continue
            }
            let label = Self.label(target)
            guard seen.insert(target).inserted else {
                differ("tallies", label, expected: "one row", found: "a second row")
                continue
            }
            let importedCells = [t["imported_agree"], t["imported_mixed"], t["imported_disagree"], t["imported_useful"]]
            var importedTally: Tally?
            if importedCells.contains(where: { !$0.isEmpty }) {
                let v = importedCells.map { Int($0) ?? 0 }
                importedTally = Tally(agree: v[0], mixed: v[1], disagree: v[2], useful: v[3])
                imported[target] = importedTally
            }
            let recount = counts[target] ?? .zero
            for (column, value) in [("agree", recount.agree), ("mixed", recount.mixed), ("disagree", recount.disagree), ("useful", recount.useful)]
            where t[column] != String(value) {
                differ("tallies", label, expected: "\(column) \(value)", found: "\(column) \(t[column])")
            }
            let score = Self.score(live: recount, imported: importedTally)
            if let found = Double(t["score"]), Self.sameScore(score, found) {} else {
                differ("tallies", label, expected: "score \(CSVWriter.format(score))", found: "score \(t["score"])")
            }
        }
        for (target, tally) in counts where !seen.contains(target) && tally != .zero {
            differ("tallies", Self.label(target),
                   expected: "agree \(tally.agree), mixed \(tally.mixed), disagree \(tally.disagree), useful \(tally.useful)", found: "no row")
        }
        report.checked.append("tallies: \(seen.count) rows recounted from the replayed votes (imported totals taken as published)")
    }

    // MARK: 5. Ranking

    struct Scope: Hashable {
        var articleID: ID?
        var kind: ContributionKind

        var label: String { (articleID.map { "article \($0)" } ?? "consultation") + ", \(kind.rawValue)" }
    }

    mutating func ranking() throws {
        var articles = try TableStream(zip, OpenDataFormat.articles, needs: ["id"])
        while try articles.next() { if let id = ID(articles["id"]) { articleIDs.append(id) } }
        // The expected lists: public contributions, score desc then id desc.
        func score(_ id: ID) -> Double {
            Self.score(live: counts[.contribution(id)] ?? .zero, imported: imported[.contribution(id)])
        }
        let visible = contributions.filter { $0.state == .published }.map { ($0, score($0.id)) }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.id > $1.0.id }
        var expected: [Scope: [(ID, Double)]] = [:]
        for a in articleIDs {
            for kind in [ContributionKind.amendment, .argument, .source] { expected[Scope(articleID: a, kind: kind)] = [] }
        }
        for kind in ContributionKind.allCases { expected[Scope(articleID: nil, kind: kind)] = [] }
        for (c, s) in visible {
            expected[Scope(articleID: nil, kind: c.kind), default: []].append((c.id, s))
            if let a = c.articleID, c.parentID == nil, c.kind != .proposal { expected[Scope(articleID: a, kind: c.kind), default: []].append((c.id, s)) }
        }
        // The published lists.
        var t = try TableStream(zip, OpenDataFormat.ranking, needs: OpenDataFormat.ranking.columns)
        var found: [Scope: [Int: (ID, String)]] = [:]
        while try t.next() {
            guard let kind = ContributionKind(rawValue: t["kind"]), let rank = Int(t["rank"]), let id = ID(t["contribution_id"]) else {
                differ("ranking", "line \(t.line)", expected: "kind, rank and contribution_id well formed", found: t.row.joined(separator: ","))
                continue
            }
            found[Scope(articleID: ID(t["article_id"]), kind: kind), default: [:]][rank] = (id, t["score"])
        }
        var places = 0
        for scope in Set(expected.keys).union(found.keys).sorted(by: { ($0.articleID ?? 0, $0.kind.rawValue) < ($1.articleID ?? 0, $1.kind.rawValue) }) {
            let want = expected[scope] ?? [], got = found[scope] ?? [:]
            for rank in 1...max(1, max(want.count, got.keys.max() ?? 0)) {
                let w = rank <= want.count ? want[rank - 1] : nil
                let g = got[rank]
                if w == nil && g == nil { continue }
                places += 1
                let label = "\(scope.label), rank \(rank)"
                guard let w else { differ("ranking", label, expected: "no contribution", found: "contribution \(g!.0)"); continue }
                guard let g else {
                    differ("ranking", label, expected: "contribution \(w.0) (score \(CSVWriter.format(w.1)))", found: "no row"); continue
                }
                if g.0 != w.0 {
                    differ("ranking", label, expected: "contribution \(w.0) (score \(CSVWriter.format(w.1)))",
                           found: "contribution \(g.0) (score \(g.1))")
                } else if let s = Double(g.1), Self.sameScore(w.1, s) {} else {
                    differ("ranking", label, expected: "score \(CSVWriter.format(w.1))", found: "score \(g.1)")
                }
            }
        }
        report.checked.append("ranking: \(places) places in \(expected.count) lists recomputed (score desc, then id desc)")
    }

    // MARK: 6. Answer statistics

    mutating func answerStatistics() throws {
        var answers = try TableStream(zip, OpenDataFormat.answers, needs: ["contribution_id", "version", "status", "answered_at"])
        var first: [ID: Date] = [:]
        var current: [ID: (Int, AnswerStatus?)] = [:]
        while try answers.next() {
            guard let id = ID(answers["contribution_id"]), let version = Int(answers["version"]),
                  let at = OpenDataFormat.parseDatetime(answers["answered_at"])
            else {
                differ("answers", "line \(answers.line)", expected: "contribution_id, version and answered_at well formed",
                       found: answers.row.joined(separator: ","))
                continue
            }
            if first[id].map({ at < $0 }) ?? true { first[id] = at }
            if current[id].map({ version > $0.0 }) ?? true { current[id] = (version, AnswerStatus(rawValue: answers["status"])) }
        }
        // The candidates as the stores choose them: proposals, amendments and arguments that are published
        // and not hidden. NB: an erased one keeps its state when it was erased; the package shows only
        // « erased », so one without a moderation reason is taken as it most often was: published.
        let votesAtClosing = atClosingCounts
        let candidates = contributions.filter { c in
            [.proposal, .amendment, .argument].contains(c.kind) && (c.state == .published || (c.state == .erased && c.hiddenReason.isEmpty))
        }.map { c -> EngagementCandidate in
            let imported = imported[.contribution(c.id)].map { $0.opinionTotal + $0.useful } ?? 0
            let atClosing = votesAtClosing[c.id] ?? 0
            return EngagementCandidate(
                contribution: Contribution(
                    id: c.id, consultationID: consultation.id, kind: c.kind, articleID: c.articleID, parentID: c.parentID, authorID: nil,
                    authorName: "", title: "", body: "", createdAt: consultation.opensAt),
                votes: imported + atClosing, firstAnsweredAt: first[c.id], currentStatus: current[c.id]?.1)
        }
        let ledger = EngagementLedger.compute(consultation: consultation, candidates: candidates, now: exportedAt)
        var t = try TableStream(zip, OpenDataFormat.answerStatistics, needs: OpenDataFormat.answerStatistics.columns)
        guard try t.next() else {
            differ("answer_statistics", "1", expected: "one row", found: "no row")
            return
        }
        let expected: [(String, String)] = [
            ("threshold", "\(ledger.threshold)"), ("due_at", OpenDataFormat.datetime(ledger.dueAt)), ("owed", "\(ledger.due)"),
            ("answered_on_time", "\(ledger.count(.answeredOnTime))"), ("answered_late", "\(ledger.count(.answeredLate))"),
            ("overdue", "\(ledger.count(.overdue))"), ("not_yet_due", "\(ledger.count(.notYetDue))"),
        ]
        for (column, value) in expected where t[column] != value {
            differ("answer_statistics", "1", expected: "\(column) \(value)", found: "\(column) \(t[column])")
        }
        report.checked.append(
            "answer statistics: \(ledger.due) owed of \(candidates.count) candidates (votes replayed up to closing + imported totals), \(first.count) answered")
    }

    /// Live votes per contribution at the closing instant.
    var atClosingCounts: [ID: Int] {
        var out: [ID: Int] = [:]
        for key in atClosing.keys {
            if case .contribution(let id) = key.target { out[id, default: 0] += 1 }
        }
        return out
    }
}
