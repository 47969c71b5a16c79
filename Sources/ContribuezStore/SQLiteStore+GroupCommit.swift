import ContribuezCore
import Foundation
import GRDB

/// Group commit for votes (issue 10): concurrent vote writes are taken together into one transaction
/// by a single writer, and each caller is answered only once that transaction is durable
/// (`synchronous=FULL`). A national consultation's first hour is many small writes at once; one
/// fsync per batch instead of one per vote is what lets the disk keep up.
///
/// NB: each vote runs in its own savepoint inside the batch, so a vote that fails (its participant
/// deleted meanwhile) rolls back alone and the others commit. Votes of one batch are applied in
/// arrival order, so two votes of the same participant on the same target behave as if sequential:
/// the UNIQUE (participant, target) key and the in-transaction read keep exactly one live vote.
final class VoteWriter: @unchecked Sendable {
    enum Operation: Sendable {
        case cast(participantID: ID, target: Target, value: VoteValue, at: Date)
        case withdraw(participantID: ID, target: Target, at: Date)
    }

    enum Result: Sendable {
        case cast(VoteChange)
        case withdrawn(Bool)
    }

    private let pool: DatabasePool
    private let lock = NSLock()
    private var pending: [(Operation, CheckedContinuation<Result, any Error>)] = []
    private var flushing = false
    /// The largest number of votes a transaction takes (bounds one transaction's duration and memory).
    static let maxBatch = 2_000
    /// Batches written and votes in them, for tests and benchmarks.
    private(set) var batches = 0
    private(set) var written = 0

    init(pool: DatabasePool) { self.pool = pool }

    func submit(_ op: Operation) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            let start = lock.withLock { () -> Bool in
                pending.append((op, continuation))
                if flushing { return false }
                flushing = true
                return true
            }
            if start { Task.detached { await self.drain() } }
        }
    }

    /// Writes batches until nothing is pending. Only one drain runs at a time.
    private func drain() async {
        while true {
            let batch: [(Operation, CheckedContinuation<Result, any Error>)] = lock.withLock {
                let n = min(pending.count, Self.maxBatch)
                let b = Array(pending.prefix(n))
                pending.removeFirst(n)
                if b.isEmpty { flushing = false }
                return b
            }
            if batch.isEmpty { return }
            do {
                let results = try await pool.write { db -> [Swift.Result<Result, any Error>] in
                    batch.map { op, _ in
                        Swift.Result {
                            var outcome: Result = .withdrawn(false)
                            try db.inSavepoint {
                                outcome = try Self.apply(db, op)
                                return .commit
                            }
                            return outcome
                        }
                    }
                }
                lock.withLock { batches += 1; written += batch.count }
                // The transaction is committed and synced: every caller may now be told.
                for ((_, continuation), result) in zip(batch, results) { continuation.resume(with: result) }
            } catch {
                for (_, continuation) in batch { continuation.resume(throwing: error) }
            }
        }
    }

    var stats: (batches: Int, votes: Int) { lock.withLock { (batches, written) } }

    static func apply(_ db: Database, _ op: Operation) throws -> Result {
        switch op {
        case .cast(let participantID, let target, let value, let at):
            let previous = try String.fetchOne(
                db, sql: "SELECT value FROM votes WHERE participant_id = ? AND target_kind = ? AND target_id = ?",
                arguments: [participantID, target.kindName, target.id]).flatMap(VoteValue.init(rawValue:))
            if previous == value { return .cast(.unchanged) }
            if previous == nil {
                try db.execute(
                    sql: "INSERT INTO votes (participant_id, target_kind, target_id, value, cast_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [participantID, target.kindName, target.id, value.rawValue, SQL.ms(at)])
            } else {
                try db.execute(
                    sql: "UPDATE votes SET value = ?, cast_at = ? WHERE participant_id = ? AND target_kind = ? AND target_id = ?",
                    arguments: [value.rawValue, SQL.ms(at), participantID, target.kindName, target.id])
            }
            try SQL.appendVoteEvent(db, participantID, target, value, at)
            var delta = Tally()
            delta.add(value)
            if let previous { delta.add(previous, -1) }
            try SQL.bumpTally(db, target, delta)
            return .cast(previous.map { .changed(from: $0) } ?? .created)
        case .withdraw(let participantID, let target, let at):
            guard let previous = try String.fetchOne(
                db, sql: "SELECT value FROM votes WHERE participant_id = ? AND target_kind = ? AND target_id = ?",
                arguments: [participantID, target.kindName, target.id]).flatMap(VoteValue.init(rawValue:))
            else { return .withdrawn(false) }
            try SQL.withdraw(db, participantID, target, previous, at)
            return .withdrawn(true)
        }
    }
}
