import ContribuezAnalysis
import ContribuezCore
import Foundation

/// Turns a Pol.is openData conversation folder (compdemocracy/openData) into an import bundle:
/// a closed consultation whose statements are proposals, with one pseudonymous participant per
/// author or voter and the vote history as live votes (agree = 1, disagree = −1, pass = 0 → mixed).
///
/// Votes come from `votes.csv` (the history, replayed in time order so the last vote wins) when it
/// is there, else from the final matrix of `participants-votes.csv`. Moderated-out statements
/// (`moderated` = −1) are imported hidden.
public enum PolisImport {
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case missingFile(String)
        case csv(file: String, reason: String)
        case badRow(file: String, row: Int, reason: String)
        case empty(String)

        public var description: String {
            switch self {
            case .missingFile(let f): return "missing file \(f) (a Polis openData folder has comments.csv and votes.csv or participants-votes.csv)"
            case .csv(let f, let why): return "\(f): \(why)"
            case .badRow(let f, let r, let why): return "\(f), data row \(r): \(why)"
            case .empty(let why): return why
            }
        }
    }

    /// CC BY 4.0 attribution required by the data (polis-opendata/README.md).
    public static let attribution =
        "Data was gathered using the Polis software (compdemocracy.org/polis) and is sub-licensed under CC BY 4.0 with Attribution to The Computational Democracy Project."

    /// What was read, for the command line's summary and for tests.
    public struct Summary: Sendable, Equatable {
        public var statements: Int
        public var hiddenStatements: Int
        public var voteEvents: Int
        public var participants: Int
        public var fromHistory: Bool
    }

    public static func bundle(directory: URL) throws -> ImportBundle { try read(directory: directory).bundle }

    public static func read(directory: URL) throws -> (bundle: ImportBundle, summary: Summary) {
        let folder = directory.standardizedFileURL.lastPathComponent
        let commentsURL = directory.appendingPathComponent("comments.csv")
        guard FileManager.default.fileExists(atPath: commentsURL.path) else { throw Failure.missingFile(commentsURL.path) }
        let comments = try readComments(commentsURL)
        guard !comments.isEmpty else { throw Failure.empty("\(commentsURL.path): no statement") }
        let info = try readSummary(directory.appendingPathComponent("summary.csv"))

        var votes: [(voter: String, comment: String, value: Int8, at: Int64?)] = []
        let votesURL = directory.appendingPathComponent("votes.csv")
        let fromHistory = FileManager.default.fileExists(atPath: votesURL.path)
        if fromHistory {
            votes = try readVoteHistory(votesURL)
        } else {
            let matrixURL = directory.appendingPathComponent("participants-votes.csv")
            guard FileManager.default.fileExists(atPath: matrixURL.path) else { throw Failure.missingFile(matrixURL.path) }
            let conversation: PolisOpenData.Conversation
            do { conversation = try PolisOpenData.read(directory: directory) } catch let e as PolisOpenData.ReadError {
                throw Failure.csv(file: matrixURL.lastPathComponent, reason: e.description)
            }
            let m = conversation.matrix
            for r in 0..<m.participantCount {
                for k in Int(m.rowStart[r])..<Int(m.rowStart[r + 1]) {
                    votes.append((m.participantIDs[r], m.targetIDs[Int(m.targets[k])], m.values[k], nil))
                }
            }
        }

        let commentTimes = comments.compactMap(\.timestamp)
        let voteTimes = votes.compactMap(\.at)
        guard let firstMS = (commentTimes + voteTimes).min(), let lastMS = (commentTimes + voteTimes).max() else {
            throw Failure.empty("\(commentsURL.path): no timestamp to date the conversation")
        }
        let opens = date(firstMS)
        let closes = date(lastMS).addingTimeInterval(1)

        // One pseudonymous participant per Polis participant id (authors and voters share one id space).
        var firstSeen: [String: Int64] = [:]
        for c in comments { firstSeen[c.authorID] = min(firstSeen[c.authorID] ?? .max, c.timestamp ?? firstMS) }
        for v in votes { firstSeen[v.voter] = min(firstSeen[v.voter] ?? .max, v.at ?? lastMS) }
        let participants = firstSeen.keys.sorted(by: numericOrder).map { id in
            ImportBundle.ParticipantItem(key: "p:" + id, displayName: pseudonym(id), createdAt: date(firstSeen[id]!))
        }

        let known = Set(comments.map(\.id))
        let contributions = comments.map { c in
            ImportBundle.ContributionItem(
                key: "c:" + c.id, kind: .proposal, articleKey: nil, parentKey: nil, authorKey: "p:" + c.authorID,
                authorName: pseudonym(c.authorID), title: "", body: c.body, createdAt: date(c.timestamp ?? firstMS),
                importedTally: nil, isHidden: c.isModeratedOut)
        }
        // The history replayed in time order (stable for equal instants), so the last vote wins.
        let ordered = votes.enumerated().sorted { ($0.element.at ?? 0, $0.offset) < ($1.element.at ?? 0, $1.offset) }.map(\.element)
        var voteItems: [ImportBundle.VoteItem] = []
        voteItems.reserveCapacity(ordered.count)
        for v in ordered {
            guard known.contains(v.comment) else {
                throw Failure.badRow(file: fromHistory ? "votes.csv" : "participants-votes.csv", row: 0,
                                     reason: "vote on statement \(v.comment), which comments.csv does not list")
            }
            let value: VoteValue = v.value == 1 ? .agree : (v.value == -1 ? .disagree : .mixed)
            voteItems.append(.init(participantKey: "p:" + v.voter, targetKey: "c:" + v.comment, value: value, at: date(v.at ?? lastMS)))
        }

        let topic = info["topic"].map(Neutralisation.restore).flatMap { $0.isEmpty ? nil : $0 } ?? "Conversation Polis \(folder)"
        let description = info["conversation-description"].map(Neutralisation.restore).flatMap { $0.isEmpty ? nil : $0 } ?? topic
        var provenance = "Conversation Pol.is « \(folder) »"
        if let url = info["url"], !url.isEmpty { provenance += " (\(url))" }
        provenance += ", compdemocracy/openData. " + attribution
            + " Auteurs et votants pseudonymisés ; votes : d'accord = 1, pas d'accord = −1, passe = 0 → mitigé."
        let consultation = NewConsultation(
            slug: slug(folder), title: topic, summary: description, institution: "The Computational Democracy Project (Pol.is)",
            isPublished: true, opensAt: opens, closesAt: closes, provenance: provenance)
        let bundle = ImportBundle(
            consultation: consultation, sections: [], contributions: contributions, participants: participants, votes: voteItems)
        let summary = Summary(
            statements: comments.count, hiddenStatements: comments.filter(\.isModeratedOut).count, voteEvents: voteItems.count,
            participants: participants.count, fromHistory: fromHistory)
        return (bundle, summary)
    }

    // MARK: Files

    static func table(_ url: URL) throws -> CSVTable {
        do { return try CSVTable(contentsOf: url) } catch let e as CSV.ParseError {
            throw Failure.csv(file: url.lastPathComponent, reason: e.description)
        } catch {
            throw Failure.csv(file: url.lastPathComponent, reason: "cannot be read: \(error.localizedDescription)")
        }
    }

    static func column(_ t: CSVTable, _ name: String, _ url: URL) throws -> Int {
        guard t.hasColumn(name) else { throw Failure.csv(file: url.lastPathComponent, reason: "missing column \"\(name)\"") }
        return try t.column(name)
    }

    /// One statement of `comments.csv`.
    struct Statement {
        var id: String
        var body: String
        var authorID: String
        var timestamp: Int64?
        var isModeratedOut: Bool
    }

    static func readComments(_ url: URL) throws -> [Statement] {
        let t = try table(url)
        let cID = try column(t, "comment-id", url), cBody = try column(t, "comment-body", url)
        let cAuthor = try column(t, "author-id", url), cModerated = try column(t, "moderated", url)
        let cTime = t.hasColumn("timestamp") ? try t.column("timestamp") : nil
        var seen = Set<String>()
        return try t.rows.enumerated().map { n, row in
            let id = CSVTable.value(row, cID)
            guard !id.isEmpty, seen.insert(id).inserted else {
                throw Failure.badRow(file: "comments.csv", row: n + 1, reason: "comment-id \"\(id)\" is empty or repeated")
            }
            let moderated = CSVTable.value(row, cModerated)
            guard let m = Int(moderated) else {
                throw Failure.badRow(file: "comments.csv", row: n + 1, reason: "moderated \"\(moderated)\" is not -1, 0 or 1")
            }
            return Statement(
                id: id, body: Neutralisation.restore(CSVTable.value(row, cBody)), authorID: CSVTable.value(row, cAuthor),
                timestamp: cTime.flatMap { Int64(CSVTable.value(row, $0)) }, isModeratedOut: m == -1)
        }
    }

    static func readVoteHistory(_ url: URL) throws -> [(voter: String, comment: String, value: Int8, at: Int64?)] {
        let t = try table(url)
        let cTime = try column(t, "timestamp", url), cComment = try column(t, "comment-id", url)
        let cVoter = try column(t, "voter-id", url), cVote = try column(t, "vote", url)
        var out: [(voter: String, comment: String, value: Int8, at: Int64?)] = []
        out.reserveCapacity(t.rows.count)
        for (n, row) in t.rows.enumerated() {
            let raw = CSVTable.value(row, cVote)
            guard let v = Int8(raw), (-1...1).contains(v) else {
                throw Failure.badRow(file: "votes.csv", row: n + 1, reason: "vote \"\(raw)\" is not 1, -1 or 0")
            }
            let timeText = CSVTable.value(row, cTime)
            guard let ms = Int64(timeText) else {
                throw Failure.badRow(file: "votes.csv", row: n + 1, reason: "timestamp \"\(timeText)\" is not milliseconds")
            }
            out.append((CSVTable.value(row, cVoter), CSVTable.value(row, cComment), v, ms))
        }
        return out
    }

    /// `summary.csv`: key,value pairs without a header. Missing file: no summary.
    static func readSummary(_ url: URL) throws -> [String: String] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [:] }
        let rows: [[String]]
        do { rows = try CSV.parse(String(decoding: try Data(contentsOf: url), as: UTF8.self)) } catch {
            throw Failure.csv(file: "summary.csv", reason: "\(error)")
        }
        var out: [String: String] = [:]
        for row in rows where row.count >= 2 { out[row[0].trimmingCharacters(in: .whitespaces)] = row[1].trimmingCharacters(in: .whitespacesAndNewlines) }
        return out
    }

    // MARK: Helpers

    static func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(ms) / 1000) }

    static func pseudonym(_ polisID: String) -> String { "Participant Polis \(polisID)" }

    static func numericOrder(_ a: String, _ b: String) -> Bool {
        switch (Int(a), Int(b)) {
        case let (x?, y?): return x < y
        default: return a < b
        }
    }

    static func slug(_ folder: String) -> String {
        let folded = folder.lowercased().map { ($0.isASCII && ($0.isLetter || $0.isNumber)) ? $0 : "-" }
        let collapsed = String(folded).split(separator: "-", omittingEmptySubsequences: true).joined(separator: "-")
        return "polis-" + (collapsed.isEmpty ? "conversation" : String(collapsed.prefix(80)))
    }
}
