import Foundation

/// Reads a Pol.is openData conversation folder (compdemocracy/openData): the final vote matrix of
/// `participants-votes.csv` with Polis's own `group-id`, and the comments of `comments.csv` when
/// present (`moderated` = -1 means moderated out).
public enum PolisOpenData {
    /// Why a conversation folder could not be read. The description names the file and the fault.
    public enum ReadError: Error, Equatable, CustomStringConvertible {
        case missingFile(path: String)
        case unreadable(path: String, reason: String)
        case malformedCSV(path: String, reason: String)
        case missingColumn(path: String, column: String)
        case invalidValue(path: String, row: Int, column: String, value: String)
        case duplicateID(path: String, id: String)

        public var description: String {
            switch self {
            case .missingFile(let p): return "\(p): file not found (a Polis openData folder has participants-votes.csv)"
            case .unreadable(let p, let r): return "\(p): cannot be read: \(r)"
            case .malformedCSV(let p, let r): return "\(p): malformed CSV: \(r)"
            case .missingColumn(let p, let c): return "\(p): missing column \"\(c)\""
            case .invalidValue(let p, let row, let c, let v):
                return "\(p): data row \(row), column \"\(c)\": unexpected value \"\(v)\""
            case .duplicateID(let p, let id): return "\(p): id \"\(id)\" appears twice"
            }
        }
    }

    /// One statement of `comments.csv`.
    public struct Comment: Sendable, Hashable {
        public var id: String
        public var body: String
        public var authorID: String
        /// 1 = accepted, 0 = not moderated, −1 = moderated out.
        public var moderated: Int
        /// Milliseconds since the epoch, nil when absent.
        public var timestamp: Int64?
        public var isModeratedOut: Bool { moderated == -1 }
    }

    /// A conversation read from its folder.
    public struct Conversation: Sendable {
        /// Participants × comments, in the column order of `participants-votes.csv`.
        public var matrix: OpinionGroups.VoteMatrix
        /// Polis's opinion group of each participant row, nil when Polis left them out.
        public var polisGroups: [Int?]
        /// The comments of `comments.csv`, in file order (empty when the file is absent).
        public var comments: [Comment]
        /// Columns of the matrix whose comment was moderated out.
        public var moderatedOutTargets: Set<Int>

        /// Options for `OpinionGroups.analyze` that leave moderated-out comments out, as Polis does.
        public func analysisOptions(seed: UInt64 = 0) -> OpinionGroups.Options {
            var options = OpinionGroups.Options()
            options.excludedTargets = moderatedOutTargets
            options.seed = seed
            return options
        }
    }

    /// Reads `participants-votes.csv` (required) and `comments.csv` (optional) of `directory`.
    public static func read(directory: URL) throws -> Conversation {
        let votesURL = directory.appendingPathComponent("participants-votes.csv")
        let commentsURL = directory.appendingPathComponent("comments.csv")
        let (matrix, groups) = try readParticipantsVotes(votesURL)
        var comments: [Comment] = []
        if FileManager.default.fileExists(atPath: commentsURL.path) {
            comments = try readComments(commentsURL)
        }
        var column: [String: Int] = [:]
        for (i, id) in matrix.targetIDs.enumerated() { column[id] = i }
        let moderatedOut = Set(comments.filter(\.isModeratedOut).compactMap { column[$0.id] })
        return Conversation(matrix: matrix, polisGroups: groups, comments: comments, moderatedOutTargets: moderatedOut)
    }

    static func text(of url: URL) throws -> String {
        guard FileManager.default.fileExists(atPath: url.path) else { throw ReadError.missingFile(path: url.path) }
        do {
            return String(decoding: try Data(contentsOf: url), as: UTF8.self)
        } catch {
            throw ReadError.unreadable(path: url.path, reason: "\(error.localizedDescription)")
        }
    }

    /// Runs `CSV.forEachRow` turning its parse errors into `ReadError.malformedCSV`.
    static func forEachRow(_ url: URL, _ body: ([String]) throws -> Void) throws {
        let text = try text(of: url)
        do {
            try CSV.forEachRow(text, body)
        } catch let error as CSV.ParseError {
            throw ReadError.malformedCSV(path: url.path, reason: error.description)
        }
    }

    static func readParticipantsVotes(_ url: URL) throws -> (OpinionGroups.VoteMatrix, [Int?]) {
        var header: [String]? = nil
        var participantColumn = 0, groupColumn = 0, firstVoteColumn = 0
        var participantIDs: [String] = []
        var groups: [Int?] = []
        var votes: [OpinionGroups.Vote] = []
        var seenIDs = Set<String>()
        try forEachRow(url) { row in
            guard let h = header else {
                header = row
                func find(_ name: String) throws -> Int {
                    guard let i = row.firstIndex(of: name) else { throw ReadError.missingColumn(path: url.path, column: name) }
                    return i
                }
                participantColumn = try find("participant")
                groupColumn = try find("group-id")
                firstVoteColumn = try find("n-disagree") + 1
                return
            }
            let rowNumber = participantIDs.count + 1
            guard row.count <= h.count else {
                throw ReadError.malformedCSV(
                    path: url.path, reason: "data row \(rowNumber) has \(row.count) fields, the header \(h.count)")
            }
            let id = CSVTable.value(row, participantColumn)
            guard !id.isEmpty else {
                throw ReadError.invalidValue(path: url.path, row: rowNumber, column: "participant", value: id)
            }
            guard seenIDs.insert(id).inserted else { throw ReadError.duplicateID(path: url.path, id: id) }
            let groupText = CSVTable.value(row, groupColumn)
            if groupText.isEmpty {
                groups.append(nil)
            } else if let g = Int(groupText), g >= 0 {
                groups.append(g)
            } else {
                throw ReadError.invalidValue(path: url.path, row: rowNumber, column: "group-id", value: groupText)
            }
            let r = participantIDs.count
            participantIDs.append(id)
            if firstVoteColumn < row.count {
                for c in firstVoteColumn..<row.count {
                    let cell = row[c]
                    let value: Int8
                    switch cell {
                    case "": continue
                    case "1": value = 1
                    case "-1": value = -1
                    case "0": value = 0
                    default:
                        throw ReadError.invalidValue(path: url.path, row: rowNumber, column: h[c], value: cell)
                    }
                    votes.append(OpinionGroups.Vote(participant: r, target: c - firstVoteColumn, value: value))
                }
            }
        }
        guard let h = header else { throw ReadError.malformedCSV(path: url.path, reason: "the file is empty") }
        let targetIDs = Array(h[firstVoteColumn...])
        let matrix = try OpinionGroups.VoteMatrix(participantIDs: participantIDs, targetIDs: targetIDs, votes: votes)
        return (matrix, groups)
    }

    static func readComments(_ url: URL) throws -> [Comment] {
        var columns: (id: Int, body: Int, author: Int, moderated: Int, timestamp: Int?)? = nil
        var comments: [Comment] = []
        try forEachRow(url) { row in
            guard let c = columns else {
                func find(_ name: String) throws -> Int {
                    guard let i = row.firstIndex(of: name) else { throw ReadError.missingColumn(path: url.path, column: name) }
                    return i
                }
                columns = (
                    try find("comment-id"), try find("comment-body"), try find("author-id"), try find("moderated"),
                    row.firstIndex(of: "timestamp")
                )
                return
            }
            let rowNumber = comments.count + 1
            let moderatedText = CSVTable.value(row, c.moderated)
            guard let moderated = Int(moderatedText) else {
                throw ReadError.invalidValue(path: url.path, row: rowNumber, column: "moderated", value: moderatedText)
            }
            let timestamp = c.timestamp.flatMap { Int64(CSVTable.value(row, $0)) }
            comments.append(
                Comment(
                    id: CSVTable.value(row, c.id), body: CSVTable.value(row, c.body),
                    authorID: CSVTable.value(row, c.author), moderated: moderated, timestamp: timestamp))
        }
        return comments
    }
}

// MARK: - The `contribuez analyze groups --polis DIR` output

extension PolisOpenData {
    /// The stable JSON document of `contribuez analyze groups --polis DIR`.
    ///
    /// - `groups`: participant id → our group index (0 = largest group); participants we did not
    ///   cluster are absent.
    /// - `consensus`: comment ids with the highest group-informed consensus, best first.
    /// - `divisive`: comment ids that split the groups most (see `OpinionGroups.divisiveness`).
    /// - `representative`: group index (as a string key) → representative comment ids, in Polis order.
    ///
    /// Comment and participant ids are strings exactly as in the files.
    public struct GroupsReport: Codable, Sendable, Equatable {
        public var groups: [String: Int]
        public var consensus: [String]
        public var divisive: [String]
        public var representative: [String: [String]]

        /// Builds the report of an analysis of `conversation`.
        public init(conversation: Conversation, result: OpinionGroups.Result) {
            let matrix = conversation.matrix
            var groups: [String: Int] = [:]
            for (r, g) in result.participantGroups.enumerated() { if let g { groups[matrix.participantIDs[r]] = g } }
            self.groups = groups
            consensus = result.consensus.map { matrix.targetIDs[$0.target] }
            divisive = result.divisive.map { matrix.targetIDs[$0.target] }
            var representative: [String: [String]] = [:]
            for (g, group) in result.groups.enumerated() {
                representative[String(g)] = group.representative.map { matrix.targetIDs[$0.target] }
            }
            self.representative = representative
        }
    }

    /// Reads the folder, analyses it with moderated-out comments excluded, and returns the
    /// report as JSON with sorted keys (byte-stable for a given folder and seed).
    public static func polisGroupsJSON(directory: URL, seed: UInt64 = 0) throws -> Data {
        let conversation = try read(directory: directory)
        let result = OpinionGroups.analyze(conversation.matrix, options: conversation.analysisOptions(seed: seed))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(GroupsReport(conversation: conversation, result: result))
    }
}
