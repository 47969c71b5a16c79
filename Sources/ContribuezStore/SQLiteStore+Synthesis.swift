import ContribuezCore
import Foundation
import GRDB

extension SQLiteStore {
    public func scanSynthesis(
        consultationID: ID, parts: SynthesisScanParts, changesAfter: Int64?, chunkSize: Int, into sink: any SynthesisSink
    ) async throws -> Bool {
        // NB: one read transaction: in WAL mode it sees one committed state, so the frame, the votes, the
        // texts and the watermark agree. Rows go through cursors in chunks, never all at once.
        try await pool.read { db in
            guard let consultation = try Row.fetchOne(db, cachedSQL: "SELECT * FROM consultations WHERE id = ?", arguments: [consultationID])
                .map(SQL.consultation) else { return false }
            let chunk = max(1, chunkSize)
            var targets: [SynthesisSnapshot.TargetItem] = []
            for row in try Row.fetchAll(db, cachedSQL: SQL.articleSelect + " WHERE a.consultation_id = ? ORDER BY a.position, a.id", arguments: [consultationID]) {
                let a = SQL.article(row)
                let label = a.title.isEmpty ? "Article \(a.number)" : "Article \(a.number) — \(a.title)"
                targets.append(.init(target: .article(a.id), kind: .article, label: label, text: a.body, importedTally: a.importedTally, articleID: a.id))
            }
            let proposals = try Row.fetchCursor(
                db, sql: SQL.contributionSelect + " WHERE c.consultation_id = ? AND c.kind IN ('proposal', 'amendment') AND c.is_hidden = 0 AND c.erased_at IS NULL ORDER BY c.id",
                arguments: [consultationID])
            while let row = try proposals.next() {
                let c = SQL.contribution(row)
                let label = c.title.isEmpty ? String(c.body.prefix(120)) : c.title
                targets.append(.init(target: .contribution(c.id), kind: c.kind == .amendment ? .amendment : .proposal,
                                     label: label, text: c.body, importedTally: c.importedTally,
                                     articleID: c.kind == .amendment ? c.articleID : nil))
            }
            var participants: [SynthesisSnapshot.ParticipantItem] = []
            if parts.contains(.participants) {
                let people = """
                    SELECT id, kind, created_at FROM participants WHERE id IN (
                        SELECT participant_id FROM votes WHERE target_kind = 'article' AND target_id IN (SELECT id FROM articles WHERE consultation_id = ?)
                        UNION SELECT participant_id FROM votes WHERE target_kind = 'contribution' AND target_id IN (SELECT id FROM contributions WHERE consultation_id = ?)
                        UNION SELECT author_id FROM contributions WHERE consultation_id = ? AND author_id IS NOT NULL)
                    ORDER BY id
                    """
                let cursor = try Row.fetchCursor(db, sql: people, arguments: [consultationID, consultationID, consultationID])
                while let row = try cursor.next() {
                    participants.append(.init(id: row[0], kind: ParticipantKind(rawValue: row[1]) ?? .citizen, createdAt: SQL.date(row[2])))
                }
            }
            let counted = try Row.fetchOne(db, sql: """
                SELECT COALESCE(SUM(t.agree + t.mixed + t.disagree), 0) FROM tallies t WHERE
                    (t.target_kind = 'article' AND t.target_id IN (SELECT id FROM articles WHERE consultation_id = :c))
                 OR (t.target_kind = 'contribution' AND t.target_id IN (
                        SELECT id FROM contributions WHERE consultation_id = :c AND kind IN ('proposal', 'amendment') AND is_hidden = 0 AND erased_at IS NULL))
                """, arguments: ["c": consultationID])
            let texts = try Row.fetchOne(db, sql: """
                SELECT COUNT(*), COALESCE(SUM(id), 0), COALESCE(MAX(id), 0),
                       (SELECT COALESCE(MAX(e.seq), 0) FROM contribution_events e JOIN contributions k ON k.id = e.contribution_id WHERE k.consultation_id = :c)
                FROM contributions WHERE consultation_id = :c AND is_hidden = 0 AND erased_at IS NULL
                """, arguments: ["c": consultationID])
            let lastVote = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM vote_events") ?? 0
            let textCount: Int = texts?[0] ?? 0
            let fingerprint = "\(textCount):\(texts?[1] as Int64? ?? 0):\(texts?[2] as Int64? ?? 0):\(texts?[3] as Int64? ?? 0)"
            try sink.frame(SynthesisFrame(
                consultation: consultation, targets: targets, participants: participants, voteCount: counted?[0] ?? 0, textCount: textCount,
                watermark: SynthesisWatermark(voteSequence: lastVote, texts: fingerprint)))
            targets = []
            if parts.contains(.votes) {
                // NB: no ORDER BY: the table is read in its own order (no sort of millions of rows); the
                // runner orders rows itself.
                let voteSQL = """
                    SELECT v.participant_id, v.target_kind, v.target_id, v.value FROM votes v
                    WHERE v.value <> 'useful' AND (
                        (v.target_kind = 'article' AND v.target_id IN (SELECT id FROM articles WHERE consultation_id = ?))
                     OR (v.target_kind = 'contribution' AND v.target_id IN (
                            SELECT id FROM contributions WHERE consultation_id = ? AND kind IN ('proposal', 'amendment') AND is_hidden = 0 AND erased_at IS NULL)))
                    """
                let cursor = try Row.fetchCursor(db, sql: voteSQL, arguments: [consultationID, consultationID])
                var votes: [SynthesisSnapshot.VoteItem] = []
                votes.reserveCapacity(chunk)
                while let row = try cursor.next() {
                    guard let value = VoteValue(rawValue: row[3]) else { continue }
                    votes.append(.init(participantID: row[0], target: SQL.target(row[1], row[2]), value: value))
                    if votes.count == chunk { try sink.votes(votes); votes.removeAll(keepingCapacity: true) }
                }
                if !votes.isEmpty { try sink.votes(votes) }
            }
            if parts.contains(.texts) {
                let cursor = try Row.fetchCursor(
                    db, sql: """
                        SELECT c.id, c.kind, c.author_id, c.title, c.body, c.rationale, c.created_at, c.parent_id,
                               COALESCE(c.article_id, p.article_id) AS about_article
                        FROM contributions c LEFT JOIN contributions p ON p.id = c.parent_id
                        WHERE c.consultation_id = ? AND c.is_hidden = 0 AND c.erased_at IS NULL ORDER BY c.id
                        """,
                    arguments: [consultationID])
                var items: [SynthesisSnapshot.TextItem] = []
                while let row = try cursor.next() {
                    let title: String = row[3], body: String = row[4], rationale: String = row[5]
                    let text = [title, body, rationale].filter { !$0.isEmpty }.joined(separator: "\n")
                    items.append(.init(contributionID: row[0], kind: ContributionKind(rawValue: row[1]) ?? .proposal,
                                       authorID: row[2], text: text, createdAt: SQL.date(row[6]),
                                       articleID: row[8], parentID: row[7]))
                    if items.count == chunk { try sink.texts(items); items.removeAll(keepingCapacity: true) }
                }
                if !items.isEmpty { try sink.texts(items) }
            }
            if let after = changesAfter {
                // The pairs touched since `after`, with their value then (the last event up to `after`) and now.
                let touched = try Row.fetchCursor(db, sql: """
                    SELECT e.participant_id, e.target_kind, e.target_id, MIN(e.seq), p.kind,
                           (SELECT o.value FROM vote_events o WHERE o.participant_id = e.participant_id AND o.target_kind = e.target_kind
                               AND o.target_id = e.target_id AND o.seq <= :after ORDER BY o.seq DESC LIMIT 1),
                           (SELECT v.value FROM votes v WHERE v.participant_id = e.participant_id AND v.target_kind = e.target_kind AND v.target_id = e.target_id)
                    FROM vote_events e JOIN participants p ON p.id = e.participant_id
                    WHERE e.seq > :after AND e.seq <= :last AND (
                        (e.target_kind = 'article' AND e.target_id IN (SELECT id FROM articles WHERE consultation_id = :c))
                     OR (e.target_kind = 'contribution' AND e.target_id IN (
                            SELECT id FROM contributions WHERE consultation_id = :c AND kind IN ('proposal', 'amendment') AND is_hidden = 0 AND erased_at IS NULL)))
                    GROUP BY e.participant_id, e.target_kind, e.target_id
                    ORDER BY MIN(e.seq)
                    """, arguments: ["after": after, "last": lastVote, "c": consultationID])
                var changes: [SynthesisVoteChange] = []
                func opinion(_ raw: String?) -> VoteValue? { raw.flatMap(VoteValue.init(rawValue:)).flatMap { $0 == .useful ? nil : $0 } }
                while let row = try touched.next() {
                    let old = opinion(row[5]), new = opinion(row[6])
                    guard old != new else { continue }
                    changes.append(.init(participantID: row[0], kind: ParticipantKind(rawValue: row[4]) ?? .citizen,
                                         target: SQL.target(row[1], row[2]), old: old, new: new))
                    if changes.count == chunk { try sink.changes(changes); changes.removeAll(keepingCapacity: true) }
                }
                if !changes.isEmpty { try sink.changes(changes) }
            }
            return true
        }
    }

    public func saveSynthesisState(_ state: SynthesisState) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO synthesis_states (consultation_id, run_id, vote_sequence, texts, payload) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (consultation_id) DO UPDATE SET run_id = excluded.run_id, vote_sequence = excluded.vote_sequence,
                        texts = excluded.texts, payload = excluded.payload
                    """,
                arguments: [state.consultationID, state.runID, state.watermark.voteSequence, state.watermark.texts, state.payload])
        }
    }

    public func synthesisState(consultationID: ID) async throws -> SynthesisState? {
        try await pool.read { db in
            try Row.fetchOne(
                db, cachedSQL: "SELECT run_id, vote_sequence, texts, payload FROM synthesis_states WHERE consultation_id = ?",
                arguments: [consultationID]
            ).map {
                SynthesisState(consultationID: consultationID, runID: $0[0], watermark: .init(voteSequence: $0[1], texts: $0[2]), payload: $0[3])
            }
        }
    }

    public func startSynthesisRun(consultationID: ID, at: Date, staleAfter: TimeInterval) async throws -> SynthesisRun? {
        try await pool.write { db in
            // A run whose process died stops reporting progress: after `staleAfter` it no longer blocks a new one.
            try db.execute(
                sql: "UPDATE synthesis_runs SET status = 'failed', failure = 'interrupted', finished_at = ? WHERE consultation_id = ? AND status = 'running' AND updated_at < ?",
                arguments: [SQL.ms(at), consultationID, SQL.ms(at.addingTimeInterval(-staleAfter))])
            let running = try Int.fetchOne(
                db, cachedSQL: "SELECT COUNT(*) FROM synthesis_runs WHERE consultation_id = ? AND status = 'running'", arguments: [consultationID]) ?? 0
            guard running == 0 else { return nil }
            try db.execute(
                sql: "INSERT INTO synthesis_runs (consultation_id, status, stage, progress, started_at, updated_at) VALUES (?, 'running', 'queued', 0, ?, ?)",
                arguments: [consultationID, SQL.ms(at), SQL.ms(at)])
            return SynthesisRun(
                id: db.lastInsertedRowID, consultationID: consultationID, status: .running, stage: "queued", progress: 0,
                startedAt: SQL.date(SQL.ms(at)), updatedAt: SQL.date(SQL.ms(at)))
        }
    }

    public func updateSynthesisRun(id: ID, stage: String, progress: Double, at: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE synthesis_runs SET stage = ?, progress = ?, updated_at = ? WHERE id = ? AND status = 'running'",
                arguments: [stage, min(1, max(0, progress)), SQL.ms(at), id])
        }
    }

    public func finishSynthesisRun(id: ID, result: Data?, failure: String?, at: Date) async throws {
        try await pool.write { db in
            if let result {
                try db.execute(
                    sql: "UPDATE synthesis_runs SET status = 'succeeded', stage = 'done', progress = 1, result = ?, failure = NULL, updated_at = ?, finished_at = ? WHERE id = ?",
                    arguments: [String(decoding: result, as: UTF8.self), SQL.ms(at), SQL.ms(at), id])
            } else {
                try db.execute(
                    sql: "UPDATE synthesis_runs SET status = 'failed', failure = ?, updated_at = ?, finished_at = ? WHERE id = ?",
                    arguments: [failure ?? "failed", SQL.ms(at), SQL.ms(at), id])
            }
        }
    }

    public func latestSynthesisRun(consultationID: ID) async throws -> SynthesisRun? {
        try await pool.read { db in
            try Row.fetchOne(
                db, cachedSQL: "SELECT \(Self.runColumns) FROM synthesis_runs WHERE consultation_id = ? ORDER BY id DESC LIMIT 1",
                arguments: [consultationID]).map(Self.run)
        }
    }

    public func latestSynthesisResult(consultationID: ID) async throws -> (run: SynthesisRun, json: Data)? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(
                db, cachedSQL: "SELECT \(Self.runColumns), result FROM synthesis_runs WHERE consultation_id = ? AND status = 'succeeded' ORDER BY id DESC LIMIT 1",
                arguments: [consultationID]) else { return nil }
            let json: String = row["result"]
            return (Self.run(row), Data(json.utf8))
        }
    }

    static let runColumns = "id, consultation_id, status, stage, progress, started_at, updated_at, finished_at, failure"

    static func run(_ row: Row) -> SynthesisRun {
        SynthesisRun(
            id: row["id"], consultationID: row["consultation_id"], status: SynthesisRunStatus(rawValue: row["status"]) ?? .failed,
            stage: row["stage"], progress: row["progress"], startedAt: SQL.date(row["started_at"]), updatedAt: SQL.date(row["updated_at"]),
            finishedAt: (row["finished_at"] as Int64?).map(SQL.date), failure: row["failure"])
    }
}

extension SQLiteStore: SynthesisActivityStore {
    public func synthesisHasActivity(consultationID: ID, after: Date?) async throws -> Bool {
        try await pool.read { db in
            let targets = """
                ((target_kind = 'article' AND target_id IN (SELECT id FROM articles WHERE consultation_id = :c))
                 OR (target_kind = 'contribution' AND target_id IN (SELECT id FROM contributions WHERE consultation_id = :c)))
                """
            guard let after else {
                let sql = "SELECT EXISTS (SELECT 1 FROM contributions WHERE consultation_id = :c) OR EXISTS (SELECT 1 FROM votes WHERE \(targets))"
                return try Bool.fetchOne(db, sql: sql, arguments: ["c": consultationID]) ?? false
            }
            // NB: the append-only logs record withdrawals and moderation too, which also change a synthesis.
            let sql = """
                SELECT EXISTS (SELECT 1 FROM vote_events WHERE at > :t AND \(targets))
                    OR EXISTS (SELECT 1 FROM contributions WHERE consultation_id = :c AND created_at > :t)
                    OR EXISTS (SELECT 1 FROM contribution_events e JOIN contributions k ON k.id = e.contribution_id
                               WHERE k.consultation_id = :c AND e.at > :t)
                """
            return try Bool.fetchOne(db, sql: sql, arguments: ["c": consultationID, "t": SQL.ms(after)]) ?? false
        }
    }
}
