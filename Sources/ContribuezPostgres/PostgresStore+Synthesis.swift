import ContribuezCore
import Foundation
import PostgresNIO

extension PostgresStore {
    public func synthesisSnapshot(consultationID: ID) async throws -> SynthesisSnapshot? {
        // NB: one REPEATABLE READ transaction: every statement sees one committed state, so votes and texts agree.
        try await read { c in
            guard let consultation = try await c.one("SELECT * FROM consultations WHERE id = \(consultationID)").map(PG.consultation) else {
                return nil
            }
            var targets: [SynthesisSnapshot.TargetItem] = []
            for row in try await c.rows("\(unescaped: PG.articleSelect) WHERE a.consultation_id = \(consultationID) ORDER BY a.position, a.id") {
                let a = try PG.article(row)
                let label = a.title.isEmpty ? "Article \(a.number)" : "Article \(a.number) — \(a.title)"
                targets.append(.init(target: .article(a.id), kind: .article, label: label, text: a.body, importedTally: a.importedTally, articleID: a.id))
            }
            for row in try await c.rows(
                """
                \(unescaped: PG.contributionSelect) WHERE c.consultation_id = \(consultationID) AND c.kind IN ('proposal', 'amendment')
                    AND c.is_hidden = 0 AND c.erased_at IS NULL ORDER BY c.id
                """) {
                let k = try PG.contribution(row)
                let label = k.title.isEmpty ? String(k.body.prefix(120)) : k.title
                targets.append(.init(target: .contribution(k.id), kind: k.kind == .amendment ? .amendment : .proposal,
                                     label: label, text: k.body, importedTally: k.importedTally,
                                     articleID: k.kind == .amendment ? k.articleID : nil))
            }
            var votes: [SynthesisSnapshot.VoteItem] = []
            for try await (participantID, kind, targetID, value) in try await c.query(
                """
                SELECT v.participant_id, v.target_kind, v.target_id, v.value FROM votes v
                WHERE v.value <> 'useful' AND (
                    (v.target_kind = 'article' AND v.target_id IN (SELECT id FROM articles WHERE consultation_id = \(consultationID)))
                 OR (v.target_kind = 'contribution' AND v.target_id IN (
                        SELECT id FROM contributions WHERE consultation_id = \(consultationID) AND kind IN ('proposal', 'amendment') AND is_hidden = 0 AND erased_at IS NULL)))
                ORDER BY v.participant_id, v.target_kind COLLATE "C", v.target_id
                """, logger: PG.logger).decode((ID, String, ID, String).self) {
                guard let value = VoteValue(rawValue: value) else { continue }
                votes.append(.init(participantID: participantID, target: PG.target(kind, targetID), value: value))
            }
            var texts: [SynthesisSnapshot.TextItem] = []
            for row in try await c.rows(
                """
                SELECT c.id, c.kind, c.author_id, c.title, c.body, c.rationale, c.created_at, c.parent_id,
                       COALESCE(c.article_id, p.article_id) AS about_article
                FROM contributions c LEFT JOIN contributions p ON p.id = c.parent_id
                WHERE c.consultation_id = \(consultationID) AND c.is_hidden = 0 AND c.erased_at IS NULL ORDER BY c.id
                """) {
                let title: String = try row["title"], body: String = try row["body"], rationale: String = try row["rationale"]
                let text = [title, body, rationale].filter { !$0.isEmpty }.joined(separator: "\n")
                texts.append(try .init(contributionID: row["id"], kind: ContributionKind(rawValue: row["kind"]) ?? .proposal,
                                       authorID: row["author_id"], text: text, createdAt: PG.date(row["created_at"]),
                                       articleID: row["about_article"], parentID: row["parent_id"]))
            }
            var participants: [ID: SynthesisSnapshot.ParticipantItem] = [:]
            for row in try await c.rows(
                """
                SELECT id, kind, created_at FROM participants WHERE id IN (
                    SELECT participant_id FROM votes WHERE target_kind = 'article' AND target_id IN (SELECT id FROM articles WHERE consultation_id = \(consultationID))
                    UNION SELECT participant_id FROM votes WHERE target_kind = 'contribution' AND target_id IN (SELECT id FROM contributions WHERE consultation_id = \(consultationID))
                    UNION SELECT author_id FROM contributions WHERE consultation_id = \(consultationID) AND author_id IS NOT NULL)
                """) {
                let id: ID = try row["id"]
                participants[id] = .init(id: id, kind: ParticipantKind(rawValue: try row["kind"]) ?? .citizen, createdAt: PG.date(try row["created_at"]))
            }
            return SynthesisSnapshot(consultation: consultation, targets: targets, votes: votes, participants: participants, texts: texts)
        }
    }

    public func startSynthesisRun(consultationID: ID, at: Date, staleAfter: TimeInterval) async throws -> SynthesisRun? {
        try await write { c in
            // NB: the consultation's row lock makes two nodes starting a run at once take turns: one starts, the other sees it running.
            try await c.run("SELECT id FROM consultations WHERE id = \(consultationID) FOR UPDATE")
            // A run whose process died stops reporting progress: after `staleAfter` it no longer blocks a new one.
            try await c.run(
                """
                UPDATE synthesis_runs SET status = 'failed', failure = 'interrupted', finished_at = \(PG.ms(at))
                WHERE consultation_id = \(consultationID) AND status = 'running' AND updated_at < \(PG.ms(at.addingTimeInterval(-staleAfter)))
                """)
            let running = try await c.count("SELECT COUNT(*) FROM synthesis_runs WHERE consultation_id = \(consultationID) AND status = 'running'")
            guard running == 0 else { return nil }
            guard let id = try await c.scalar(
                """
                INSERT INTO synthesis_runs (consultation_id, status, stage, progress, started_at, updated_at)
                VALUES (\(consultationID), 'running', 'queued', 0, \(PG.ms(at)), \(PG.ms(at))) RETURNING id
                """, as: ID.self) else { throw StoreError.constraint("run not inserted") }
            return SynthesisRun(
                id: id, consultationID: consultationID, status: .running, stage: "queued", progress: 0,
                startedAt: PG.date(PG.ms(at)), updatedAt: PG.date(PG.ms(at)))
        }
    }

    public func updateSynthesisRun(id: ID, stage: String, progress: Double, at: Date) async throws {
        try await write { c in
            try await c.run(
                """
                UPDATE synthesis_runs SET stage = \(stage), progress = \(min(1, max(0, progress))), updated_at = \(PG.ms(at))
                WHERE id = \(id) AND status = 'running'
                """)
        }
    }

    public func finishSynthesisRun(id: ID, result: Data?, failure: String?, at: Date) async throws {
        try await write { c in
            if let result {
                try await c.run(
                    """
                    UPDATE synthesis_runs SET status = 'succeeded', stage = 'done', progress = 1, result = \(String(decoding: result, as: UTF8.self)),
                        failure = NULL, updated_at = \(PG.ms(at)), finished_at = \(PG.ms(at)) WHERE id = \(id)
                    """)
            } else {
                try await c.run(
                    """
                    UPDATE synthesis_runs SET status = 'failed', failure = \(failure ?? "failed"), updated_at = \(PG.ms(at)), finished_at = \(PG.ms(at))
                    WHERE id = \(id)
                    """)
            }
        }
    }

    public func latestSynthesisRun(consultationID: ID) async throws -> SynthesisRun? {
        try await single { c in
            try await c.one(
                "SELECT \(unescaped: Self.runColumns) FROM synthesis_runs WHERE consultation_id = \(consultationID) ORDER BY id DESC LIMIT 1"
            ).map(Self.run)
        }
    }

    public func latestSynthesisResult(consultationID: ID) async throws -> (run: SynthesisRun, json: Data)? {
        try await single { c in
            guard let row = try await c.one(
                """
                SELECT \(unescaped: Self.runColumns), result FROM synthesis_runs WHERE consultation_id = \(consultationID) AND status = 'succeeded'
                ORDER BY id DESC LIMIT 1
                """) else { return nil }
            let json: String = try row["result"]
            return (try Self.run(row), Data(json.utf8))
        }
    }

    static let runColumns = "id, consultation_id, status, stage, progress, started_at, updated_at, finished_at, failure"

    static func run(_ row: PGRow) throws -> SynthesisRun {
        try SynthesisRun(
            id: row["id"], consultationID: row["consultation_id"], status: SynthesisRunStatus(rawValue: row["status"]) ?? .failed,
            stage: row["stage"], progress: row["progress"], startedAt: PG.date(row["started_at"]), updatedAt: PG.date(row["updated_at"]),
            finishedAt: (row["finished_at"] as Int64?).map(PG.date), failure: row["failure"])
    }

    public func synthesisHasActivity(consultationID: ID, after: Date?) async throws -> Bool {
        try await read { c in
            let targets = """
                ((target_kind = 'article' AND target_id IN (SELECT id FROM articles WHERE consultation_id = $1))
                 OR (target_kind = 'contribution' AND target_id IN (SELECT id FROM contributions WHERE consultation_id = $1)))
                """
            var binds = PostgresBindings()
            binds.append(consultationID)
            guard let after else {
                let sql = "SELECT EXISTS (SELECT 1 FROM contributions WHERE consultation_id = $1) OR EXISTS (SELECT 1 FROM votes WHERE \(targets))"
                return try await c.scalar(PostgresQuery(unsafeSQL: sql, binds: binds), as: Bool.self) ?? false
            }
            binds.append(PG.ms(after))
            // NB: the append-only logs record withdrawals and moderation too, which also change a synthesis.
            let sql = """
                SELECT EXISTS (SELECT 1 FROM vote_events WHERE at > $2 AND \(targets))
                    OR EXISTS (SELECT 1 FROM contributions WHERE consultation_id = $1 AND created_at > $2)
                    OR EXISTS (SELECT 1 FROM contribution_events e JOIN contributions k ON k.id = e.contribution_id
                               WHERE k.consultation_id = $1 AND e.at > $2)
                """
            return try await c.scalar(PostgresQuery(unsafeSQL: sql, binds: binds), as: Bool.self) ?? false
        }
    }
}
