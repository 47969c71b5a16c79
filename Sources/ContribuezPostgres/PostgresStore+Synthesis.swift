import ContribuezCore
import Foundation
import PostgresNIO

extension PostgresStore {
    public func scanSynthesis(
        consultationID: ID, parts: SynthesisScanParts, changesAfter: Int64?, chunkSize: Int, into sink: any SynthesisSink
    ) async throws -> Bool {
        // NB: one REPEATABLE READ transaction: every statement sees one committed state, so the frame, the
        // votes, the texts and the watermark agree. Rows stream from the server and go on in chunks.
        try await read { c in
            guard let consultation = try await c.one("SELECT * FROM consultations WHERE id = \(consultationID)").map(PG.consultation) else {
                return false
            }
            let chunk = max(1, chunkSize)
            var targets: [SynthesisSnapshot.TargetItem] = []
            for row in try await c.rows("\(unescaped: PG.articleSelect) WHERE a.consultation_id = \(consultationID) ORDER BY a.position, a.id") {
                let a = try PG.article(row)
                let label = a.title.isEmpty ? "Article \(a.number)" : "Article \(a.number) — \(a.title)"
                targets.append(.init(target: .article(a.id), kind: .article, label: label, text: a.body, importedTally: a.importedTally, articleID: a.id))
            }
            for try await row in try await c.send(
                """
                \(unescaped: PG.contributionSelect) WHERE c.consultation_id = \(consultationID) AND c.kind IN ('proposal', 'amendment')
                    AND c.is_hidden = 0 AND c.erased_at IS NULL ORDER BY c.id
                """) {
                let k = try PG.contribution(PGRow(row))
                let label = k.title.isEmpty ? String(k.body.prefix(120)) : k.title
                targets.append(.init(target: .contribution(k.id), kind: k.kind == .amendment ? .amendment : .proposal,
                                     label: label, text: k.body, importedTally: k.importedTally,
                                     articleID: k.kind == .amendment ? k.articleID : nil))
            }
            var participants: [SynthesisSnapshot.ParticipantItem] = []
            if parts.contains(.participants) {
                for try await (id, kind, createdAt) in try await c.send(
                    """
                    SELECT id, kind, created_at FROM participants WHERE id IN (
                        SELECT participant_id FROM votes WHERE target_kind = 'article' AND target_id IN (SELECT id FROM articles WHERE consultation_id = \(consultationID))
                        UNION SELECT participant_id FROM votes WHERE target_kind = 'contribution' AND target_id IN (SELECT id FROM contributions WHERE consultation_id = \(consultationID))
                        UNION SELECT author_id FROM contributions WHERE consultation_id = \(consultationID) AND author_id IS NOT NULL)
                    ORDER BY id
                    """).decode((ID, String, Int64).self) {
                    participants.append(.init(id: id, kind: ParticipantKind(rawValue: kind) ?? .citizen, createdAt: PG.date(createdAt)))
                }
            }
            let counted = try await c.scalar(
                """
                SELECT COALESCE(SUM(t.agree + t.mixed + t.disagree), 0)::BIGINT FROM tallies t WHERE
                    (t.target_kind = 'article' AND t.target_id IN (SELECT id FROM articles WHERE consultation_id = \(consultationID)))
                 OR (t.target_kind = 'contribution' AND t.target_id IN (
                        SELECT id FROM contributions WHERE consultation_id = \(consultationID) AND kind IN ('proposal', 'amendment') AND is_hidden = 0 AND erased_at IS NULL))
                """, as: Int64.self) ?? 0
            let texts = try await c.one(
                """
                SELECT COUNT(*)::BIGINT, COALESCE(SUM(id), 0)::BIGINT, COALESCE(MAX(id), 0)::BIGINT,
                       (SELECT COALESCE(MAX(e.seq), 0)::BIGINT FROM contribution_events e JOIN contributions k ON k.id = e.contribution_id
                        WHERE k.consultation_id = \(consultationID))
                FROM contributions WHERE consultation_id = \(consultationID) AND is_hidden = 0 AND erased_at IS NULL
                """)
            let lastVote = try await c.scalar("SELECT COALESCE(MAX(seq), 0)::BIGINT FROM vote_events", as: Int64.self) ?? 0
            let textCount: Int64 = try texts?[0] ?? 0
            let fingerprint = "\(textCount):\(try texts?[1] as Int64? ?? 0):\(try texts?[2] as Int64? ?? 0):\(try texts?[3] as Int64? ?? 0)"
            try sink.frame(SynthesisFrame(
                consultation: consultation, targets: targets, participants: participants, voteCount: Int(counted), textCount: Int(textCount),
                watermark: SynthesisWatermark(voteSequence: lastVote, texts: fingerprint)))
            targets = []
            if parts.contains(.votes) {
                var votes: [SynthesisSnapshot.VoteItem] = []
                votes.reserveCapacity(chunk)
                for try await (participantID, kind, targetID, value) in try await c.send(
                    """
                    SELECT v.participant_id, v.target_kind, v.target_id, v.value FROM votes v
                    WHERE v.value <> 'useful' AND (
                        (v.target_kind = 'article' AND v.target_id IN (SELECT id FROM articles WHERE consultation_id = \(consultationID)))
                     OR (v.target_kind = 'contribution' AND v.target_id IN (
                            SELECT id FROM contributions WHERE consultation_id = \(consultationID) AND kind IN ('proposal', 'amendment') AND is_hidden = 0 AND erased_at IS NULL)))
                    """).decode((ID, String, ID, String).self) {
                    guard let value = VoteValue(rawValue: value) else { continue }
                    votes.append(.init(participantID: participantID, target: PG.target(kind, targetID), value: value))
                    if votes.count == chunk { try sink.votes(votes); votes.removeAll(keepingCapacity: true) }
                }
                if !votes.isEmpty { try sink.votes(votes) }
            }
            if parts.contains(.texts) {
                var items: [SynthesisSnapshot.TextItem] = []
                for try await row in try await c.send(
                    """
                    SELECT c.id, c.kind, c.author_id, c.title, c.body, c.rationale, c.created_at, c.parent_id,
                           COALESCE(c.article_id, p.article_id) AS about_article
                    FROM contributions c LEFT JOIN contributions p ON p.id = c.parent_id
                    WHERE c.consultation_id = \(consultationID) AND c.is_hidden = 0 AND c.erased_at IS NULL ORDER BY c.id
                    """) {
                    let row = PGRow(row)
                    let title: String = try row["title"], body: String = try row["body"], rationale: String = try row["rationale"]
                    let text = [title, body, rationale].filter { !$0.isEmpty }.joined(separator: "\n")
                    items.append(try .init(contributionID: row["id"], kind: ContributionKind(rawValue: row["kind"]) ?? .proposal,
                                           authorID: row["author_id"], text: text, createdAt: PG.date(row["created_at"]),
                                           articleID: row["about_article"], parentID: row["parent_id"]))
                    if items.count == chunk { try sink.texts(items); items.removeAll(keepingCapacity: true) }
                }
                if !items.isEmpty { try sink.texts(items) }
            }
            if let after = changesAfter {
                // The pairs touched since `after`, with their value then (the last event up to `after`) and now.
                var changes: [SynthesisVoteChange] = []
                func opinion(_ raw: String?) -> VoteValue? { raw.flatMap(VoteValue.init(rawValue:)).flatMap { $0 == .useful ? nil : $0 } }
                for try await (participantID, kind, targetID, _, participantKind, old, new) in try await c.send(
                    """
                    SELECT e.participant_id, e.target_kind, e.target_id, MIN(e.seq), MIN(p.kind),
                           (SELECT o.value FROM vote_events o WHERE o.participant_id = e.participant_id AND o.target_kind = e.target_kind
                               AND o.target_id = e.target_id AND o.seq <= \(after) ORDER BY o.seq DESC LIMIT 1),
                           (SELECT v.value FROM votes v WHERE v.participant_id = e.participant_id AND v.target_kind = e.target_kind AND v.target_id = e.target_id)
                    FROM vote_events e JOIN participants p ON p.id = e.participant_id
                    WHERE e.seq > \(after) AND e.seq <= \(lastVote) AND (
                        (e.target_kind = 'article' AND e.target_id IN (SELECT id FROM articles WHERE consultation_id = \(consultationID)))
                     OR (e.target_kind = 'contribution' AND e.target_id IN (
                            SELECT id FROM contributions WHERE consultation_id = \(consultationID) AND kind IN ('proposal', 'amendment') AND is_hidden = 0 AND erased_at IS NULL)))
                    GROUP BY e.participant_id, e.target_kind, e.target_id
                    ORDER BY MIN(e.seq)
                    """).decode((ID, String, ID, Int64, String, String?, String?).self) {
                    let was = opinion(old), now = opinion(new)
                    guard was != now else { continue }
                    changes.append(.init(participantID: participantID, kind: ParticipantKind(rawValue: participantKind) ?? .citizen,
                                         target: PG.target(kind, targetID), old: was, new: now))
                    if changes.count == chunk { try sink.changes(changes); changes.removeAll(keepingCapacity: true) }
                }
                if !changes.isEmpty { try sink.changes(changes) }
            }
            return true
        }
    }

    public func saveSynthesisState(_ state: SynthesisState) async throws {
        try await write { c in
            try await c.run(
                """
                INSERT INTO synthesis_states (consultation_id, run_id, vote_sequence, texts, payload)
                VALUES (\(state.consultationID), \(state.runID), \(state.watermark.voteSequence), \(state.watermark.texts), \(state.payload))
                ON CONFLICT (consultation_id) DO UPDATE SET run_id = excluded.run_id, vote_sequence = excluded.vote_sequence,
                    texts = excluded.texts, payload = excluded.payload
                """)
        }
    }

    public func synthesisState(consultationID: ID) async throws -> SynthesisState? {
        try await read { c in
            guard let row = try await c.one(
                "SELECT run_id, vote_sequence, texts, payload FROM synthesis_states WHERE consultation_id = \(consultationID)") else { return nil }
            return SynthesisState(
                consultationID: consultationID, runID: try row["run_id"],
                watermark: .init(voteSequence: try row["vote_sequence"], texts: try row["texts"]), payload: try row["payload"])
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
