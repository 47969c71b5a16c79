import Foundation

// Polis's groups at the end of a conversation depend on the updates it ran along the way (see
// `KHistory`). To compare with them fairly, the vote history of a Polis openData folder
// (`votes.csv`) is replayed in time order, one update per batch, carrying the history.
//
// Batches: Polis's poller asks the database for new votes every `polling-interval` (1000 ms by
// default, polismath/poller.clj) and queues them per conversation; the conversation actor then
// runs one `conv-update` on everything queued (conv_man.clj, `take-all!`). So at most one update
// per second, each with the votes of that second: we cut the history into 1-second windows of
// vote timestamps and run one update per window that holds votes. (While an update computes, new
// votes wait for the next one, so a slow server batches more; that timing is not in the data.)

extension OpinionGroups {
    /// One vote event of Polis's `votes.csv`.
    public struct VoteEvent: Sendable, Hashable {
        /// Milliseconds since the epoch.
        public var timestamp: Int64
        public var participant: String
        public var target: String
        /// 1 = agree, −1 = disagree, 0 = pass.
        public var value: Int8

        public init(timestamp: Int64, participant: String, target: String, value: Int8) {
            self.timestamp = timestamp
            self.participant = participant
            self.target = target
            self.value = value
        }
    }

    /// Reads a Polis `votes.csv` (`timestamp`, `comment-id`, `voter-id`, `vote`), in file order.
    public static func readVoteEvents(_ url: URL) throws -> [VoteEvent] {
        var columns: (time: Int, target: Int, voter: Int, vote: Int)? = nil
        var events: [VoteEvent] = []
        try PolisOpenData.forEachRow(url) { row in
            guard let c = columns else {
                func find(_ name: String) throws -> Int {
                    guard let i = row.firstIndex(of: name) else {
                        throw PolisOpenData.ReadError.missingColumn(path: url.path, column: name)
                    }
                    return i
                }
                columns = (try find("timestamp"), try find("comment-id"), try find("voter-id"), try find("vote"))
                return
            }
            let line = events.count + 1
            let timeText = CSVTable.value(row, c.time), voteText = CSVTable.value(row, c.vote)
            guard let time = Int64(timeText) else {
                throw PolisOpenData.ReadError.invalidValue(path: url.path, row: line, column: "timestamp", value: timeText)
            }
            guard let vote = Int8(voteText), (-1...1).contains(vote) else {
                throw PolisOpenData.ReadError.invalidValue(path: url.path, row: line, column: "vote", value: voteText)
            }
            events.append(
                VoteEvent(
                    timestamp: time, participant: CSVTable.value(row, c.voter), target: CSVTable.value(row, c.target),
                    value: vote))
        }
        return events
    }

    /// The outcome of a replay.
    public struct Replay: Sendable {
        /// The last update's analysis, on the final vote matrix.
        public var result: Result
        /// The final vote matrix (participants and targets in order of first vote).
        public var matrix: VoteMatrix
        /// Updates run.
        public var updates: Int
        /// The k shown after each update, in order.
        public var publishedK: [Int]
    }

    /// Replays `events` in time order (stable for equal timestamps), one `analyze` per window of
    /// `windowMilliseconds` that holds votes, each carrying the history of the one before, from
    /// `options.history` (nil = a conversation Polis has not seen yet). Targets whose id is in
    /// `excludedTargetIDs` are left out from the start (the moderation times are not exported).
    public static func replay(
        _ events: [VoteEvent], windowMilliseconds: Int64 = 1000, excludedTargetIDs: Set<String> = [],
        options: Options = .init()
    ) throws -> Replay {
        let sorted = events.enumerated().sorted {
            $0.element.timestamp != $1.element.timestamp ? $0.element.timestamp < $1.element.timestamp : $0.offset < $1.offset
        }.map(\.element)
        var participantIDs: [String] = [], targetIDs: [String] = []
        var participantIndex: [String: Int] = [:], targetIndex: [String: Int] = [:]
        var votes: [Vote] = []
        var excluded = Set<Int>()
        var options = options
        var history = options.history ?? KHistory()
        var trace: [Int] = []
        var i = 0
        while i < sorted.count {
            let windowEnd = (sorted[i].timestamp / windowMilliseconds + 1) * windowMilliseconds
            while i < sorted.count && sorted[i].timestamp < windowEnd {
                let e = sorted[i]
                let p = participantIndex[e.participant] ?? {
                    participantIDs.append(e.participant)
                    participantIndex[e.participant] = participantIDs.count - 1
                    return participantIDs.count - 1
                }()
                let t = targetIndex[e.target] ?? {
                    targetIDs.append(e.target)
                    targetIndex[e.target] = targetIDs.count - 1
                    if excludedTargetIDs.contains(e.target) { excluded.insert(targetIDs.count - 1) }
                    return targetIDs.count - 1
                }()
                votes.append(Vote(participant: p, target: t, value: e.value))
                i += 1
            }
            options.excludedTargets = excluded
            if i == sorted.count { break }  // the last update is the full analysis below
            // Intermediate updates only move the history: no repness or consensus.
            let matrix = try VoteMatrix(participantIDs: participantIDs, targetIDs: targetIDs, votes: votes)
            let projection = project(matrix, options: options)
            history = polisUpdateGroups(matrix, points: projection.points, history: history, options: options).history
            trace.append(history.publishedK ?? 0)
        }
        let matrix = try VoteMatrix(participantIDs: participantIDs, targetIDs: targetIDs, votes: votes)
        options.history = history
        let result = analyze(matrix, options: options)
        if !sorted.isEmpty { trace.append(result.history.publishedK ?? 0) }
        return Replay(result: result, matrix: matrix, updates: trace.count, publishedK: trace)
    }
}
