import ContribuezCore
import Foundation
import GRDB

extension SQLiteStore {
    public func synthesisSnapshot(consultationID: ID) async throws -> SynthesisSnapshot? {
        // NB: one read transaction: in WAL mode it sees one committed state, so votes and texts agree.
        try await pool.read { db in
            guard let consultation = try Row.fetchOne(db, cachedSQL: "SELECT * FROM consultations WHERE id = ?", arguments: [consultationID])
                .map(SQL.consultation) else { return nil }
            var targets: [SynthesisSnapshot.TargetItem] = []
            for row in try Row.fetchAll(db, cachedSQL: SQL.articleSelect + " WHERE a.consultation_id = ? ORDER BY a.position, a.id", arguments: [consultationID]) {
                let a = SQL.article(row)
                let label = a.title.isEmpty ? "Article \(a.number)" : "Article \(a.number) — \(a.title)"
                targets.append(.init(target: .article(a.id), kind: .article, label: label, text: a.body, importedTally: a.importedTally, articleID: a.id))
            }
            for row in try Row.fetchAll(
                db, cachedSQL: SQL.contributionSelect + " WHERE c.consultation_id = ? AND c.kind IN ('proposal', 'amendment') AND c.is_hidden = 0 AND c.erased_at IS NULL ORDER BY c.id",
                arguments: [consultationID]) {
                let c = SQL.contribution(row)
                let label = c.title.isEmpty ? String(c.body.prefix(120)) : c.title
                targets.append(.init(target: .contribution(c.id), kind: c.kind == .amendment ? .amendment : .proposal,
                                     label: label, text: c.body, importedTally: c.importedTally,
                                     articleID: c.kind == .amendment ? c.articleID : nil))
            }
            var votes: [SynthesisSnapshot.VoteItem] = []
            let voteSQL = """
                SELECT v.participant_id, v.target_kind, v.target_id, v.value FROM votes v
                WHERE v.value <> 'useful' AND (
                    (v.target_kind = 'article' AND v.target_id IN (SELECT id FROM articles WHERE consultation_id = ?))
                 OR (v.target_kind = 'contribution' AND v.target_id IN (
                        SELECT id FROM contributions WHERE consultation_id = ? AND kind IN ('proposal', 'amendment') AND is_hidden = 0 AND erased_at IS NULL)))
                ORDER BY v.participant_id, v.target_kind, v.target_id
                """
            let cursor = try Row.fetchCursor(db, sql: voteSQL, arguments: [consultationID, consultationID])
            while let row = try cursor.next() {
                guard let value = VoteValue(rawValue: row[3]) else { continue }
                votes.append(.init(participantID: row[0], target: SQL.target(row[1], row[2]), value: value))
            }
            var texts: [SynthesisSnapshot.TextItem] = []
            for row in try Row.fetchAll(
                db, cachedSQL: """
                    SELECT c.id, c.kind, c.author_id, c.title, c.body, c.rationale, c.created_at, c.parent_id,
                           COALESCE(c.article_id, p.article_id) AS about_article
                    FROM contributions c LEFT JOIN contributions p ON p.id = c.parent_id
                    WHERE c.consultation_id = ? AND c.is_hidden = 0 AND c.erased_at IS NULL ORDER BY c.id
                    """,
                arguments: [consultationID]) {
                let title: String = row["title"], body: String = row["body"], rationale: String = row["rationale"]
                let text = [title, body, rationale].filter { !$0.isEmpty }.joined(separator: "\n")
                texts.append(.init(contributionID: row["id"], kind: ContributionKind(rawValue: row["kind"]) ?? .proposal,
                                   authorID: row["author_id"], text: text, createdAt: SQL.date(row["created_at"]),
                                   articleID: row["about_article"], parentID: row["parent_id"]))
            }
            var participants: [ID: SynthesisSnapshot.ParticipantItem] = [:]
            let people = """
                SELECT id, kind, created_at FROM participants WHERE id IN (
                    SELECT participant_id FROM votes WHERE target_kind = 'article' AND target_id IN (SELECT id FROM articles WHERE consultation_id = ?)
                    UNION SELECT participant_id FROM votes WHERE target_kind = 'contribution' AND target_id IN (SELECT id FROM contributions WHERE consultation_id = ?)
                    UNION SELECT author_id FROM contributions WHERE consultation_id = ? AND author_id IS NOT NULL)
                """
            for row in try Row.fetchAll(db, cachedSQL: people, arguments: [consultationID, consultationID, consultationID]) {
                let id: ID = row["id"]
                participants[id] = .init(id: id, kind: ParticipantKind(rawValue: row["kind"]) ?? .citizen, createdAt: SQL.date(row["created_at"]))
            }
            return SynthesisSnapshot(consultation: consultation, targets: targets, votes: votes, participants: participants, texts: texts)
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
