import ContribuezCore
import Foundation
import GRDB

/// Profile questionnaire, account deletion and organisers' margins (issue 4).
extension SQLiteStore {
    // MARK: Profiles

    public func profile(participantID: ID) async throws -> ProfileAnswers? {
        try await pool.read { db in try Self.loadProfiles(db, where: "p.participant_id = ?", [participantID], keyring)[participantID] }
    }

    public func saveProfile(participantID: ID, answers: [ProfileQuestion: String], at: Date) async throws -> ProfileAnswers {
        let keys = keyring.current
        return try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO profiles (participant_id, consented_at, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT (participant_id) DO UPDATE SET updated_at = excluded.updated_at
                    """,
                arguments: [participantID, SQL.ms(at), SQL.ms(at)])
            try db.execute(sql: "DELETE FROM profile_answers WHERE participant_id = ?", arguments: [participantID])
            for (question, answer) in answers.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                try db.execute(
                    sql: "INSERT INTO profile_answers (participant_id, question, answer) VALUES (?, ?, ?)",
                    arguments: [participantID, question.rawValue, keys.seal(answer, .profileAnswer)])
            }
            guard let saved = try Self.loadProfiles(db, where: "p.participant_id = ?", [participantID], keyring)[participantID] else {
                throw StoreError.notFound
            }
            return saved
        }
    }

    public func eraseProfile(participantID: ID) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM profile_answers WHERE participant_id = ?", arguments: [participantID])
            try db.execute(sql: "DELETE FROM profiles WHERE participant_id = ?", arguments: [participantID])
            return db.changesCount > 0
        }
    }

    public func deleteAccount(
        participantID: ID, anonymisedName: String, contributions: ContributionsOnDeletion, audit: AuditEntry, at: Date
    ) async throws -> Bool {
        try await pool.write { db in
            guard try Int.fetchOne(db, cachedSQL: "SELECT COUNT(*) FROM participants WHERE id = ?", arguments: [participantID]) ?? 0 > 0
            else { return false }
            // NB: votes would cascade away with the participant row, silently desynchronising the tallies
            // and the vote log; withdraw each one the way `withdrawVote` does instead.
            let live = try Row.fetchAll(
                db, cachedSQL: "SELECT target_kind, target_id, value FROM votes WHERE participant_id = ? ORDER BY target_kind, target_id",
                arguments: [participantID])
            for row in live {
                let target = SQL.target(row["target_kind"], row["target_id"])
                guard let value = VoteValue(rawValue: row["value"]) else { continue }
                try SQL.withdraw(db, participantID, target, value, at)
            }
            try db.execute(sql: "DELETE FROM sessions WHERE participant_id = ?", arguments: [participantID])
            try db.execute(sql: "DELETE FROM profile_answers WHERE participant_id = ?", arguments: [participantID])
            try db.execute(sql: "DELETE FROM profiles WHERE participant_id = ?", arguments: [participantID])
            try Self.releaseContributions(db, participantID, anonymisedName: anonymisedName, contributions, at: at)
            try Self.appendAudit(db, audit)
            try db.execute(sql: "DELETE FROM participants WHERE id = ?", arguments: [participantID])
            return true
        }
    }

    /// Profiles matching `condition` (on alias `p`, table `profiles`), with their answers.
    static func loadProfiles(_ db: Database, where condition: String, _ arguments: StatementArguments, _ keys: StoreKeys) throws -> [ID: ProfileAnswers] {
        var result: [ID: ProfileAnswers] = [:]
        for row in try Row.fetchAll(db, cachedSQL: "SELECT p.* FROM profiles p WHERE " + condition, arguments: arguments) {
            result[row["participant_id"]] = ProfileAnswers(
                answers: [:], consentedAt: SQL.date(row["consented_at"]), updatedAt: SQL.date(row["updated_at"]))
        }
        for row in try Row.fetchAll(
            db, cachedSQL: "SELECT a.* FROM profile_answers a JOIN profiles p ON p.participant_id = a.participant_id WHERE " + condition,
            arguments: arguments) {
            let id: ID = row["participant_id"]
            if let question = ProfileQuestion(rawValue: row["question"]) { result[id]?.answers[question] = try keys.unseal(row["answer"] as String, .profileAnswer) }
        }
        return result
    }

    // MARK: Analysis

    /// True when the participant in `column` cast an opinion vote counted by `opinionVotesSQL` (two `?`: the
    /// consultation, twice). NB: probes that participant's own votes through the primary key and stops at the
    /// first, instead of reading every vote of the consultation and sorting them out: at ten million votes the
    /// voters are found in seconds, not minutes (issue 14).
    static func opinionVoterCondition(_ column: String) -> String {
        """
        (EXISTS (SELECT 1 FROM votes v JOIN articles a ON a.id = v.target_id
                 WHERE v.participant_id = \(column) AND v.target_kind = 'article' AND a.consultation_id = ?
                     AND v.value IN ('agree', 'mixed', 'disagree'))
         OR EXISTS (SELECT 1 FROM votes v JOIN contributions c ON c.id = v.target_id
                 WHERE v.participant_id = \(column) AND v.target_kind = 'contribution' AND c.consultation_id = ?
                     AND c.kind IN ('amendment', 'proposal') AND c.is_hidden = 0 AND v.value IN ('agree', 'mixed', 'disagree')))
        """
    }

    /// Opinion votes of one consultation: on its articles, and on its visible amendments and proposals.
    static let opinionVotesSQL = """
        SELECT v.participant_id, v.target_kind, v.target_id, v.value, v.cast_at FROM votes v
        JOIN articles a ON v.target_kind = 'article' AND a.id = v.target_id
        WHERE a.consultation_id = ? AND v.value IN ('agree', 'mixed', 'disagree')
        UNION ALL
        SELECT v.participant_id, v.target_kind, v.target_id, v.value, v.cast_at FROM votes v
        JOIN contributions c ON v.target_kind = 'contribution' AND c.id = v.target_id
        WHERE c.consultation_id = ? AND c.kind IN ('amendment', 'proposal') AND c.is_hidden = 0
            AND v.value IN ('agree', 'mixed', 'disagree')
        """

    public func opinionVotes(consultationID: ID) async throws -> [Vote] {
        try await pool.read { db in
            try Row.fetchAll(db, cachedSQL: Self.opinionVotesSQL + " ORDER BY 1, 2, 3", arguments: [consultationID, consultationID])
                .compactMap { row in
                    VoteValue(rawValue: row["value"]).map { value in
                        Vote(participantID: row["participant_id"], target: SQL.target(row["target_kind"], row["target_id"]),
                             value: value, castAt: SQL.date(row["cast_at"]))
                    }
                }
        }
    }

    public func opinionVotes(consultationID: ID, targets: [Target]) async throws -> [Vote] {
        let articles = targets.compactMap { t -> ID? in if case .article(let id) = t { return id } else { return nil } }
        let contributions = targets.compactMap { t -> ID? in if case .contribution(let id) = t { return id } else { return nil } }
        guard !articles.isEmpty || !contributions.isEmpty else { return [] }
        func marks(_ ids: [ID]) -> String { Array(repeating: "?", count: ids.count).joined(separator: ", ") }
        // NB: each id is one bound value: meant for a page of targets, far below SQLite's limit (32,766).
        let sql = """
            SELECT v.participant_id, v.target_kind, v.target_id, v.value, v.cast_at FROM votes v
            JOIN articles a ON a.id = v.target_id
            WHERE v.target_kind = 'article' AND v.target_id IN (\(marks(articles))) AND a.consultation_id = ?
                AND v.value IN ('agree', 'mixed', 'disagree')
            UNION ALL
            SELECT v.participant_id, v.target_kind, v.target_id, v.value, v.cast_at FROM votes v
            JOIN contributions c ON c.id = v.target_id
            WHERE v.target_kind = 'contribution' AND v.target_id IN (\(marks(contributions))) AND c.consultation_id = ?
                AND c.kind IN ('amendment', 'proposal') AND c.is_hidden = 0 AND v.value IN ('agree', 'mixed', 'disagree')
            ORDER BY 1, 2, 3
            """
        let arguments = StatementArguments(articles) + [consultationID] + StatementArguments(contributions) + [consultationID]
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row in
                VoteValue(rawValue: row["value"]).map { value in
                    Vote(participantID: row["participant_id"], target: SQL.target(row["target_kind"], row["target_id"]),
                         value: value, castAt: SQL.date(row["cast_at"]))
                }
            }
        }
    }

    public func opinionVoters(consultationID: ID) async throws -> [ID] {
        try await pool.read { db in
            try ID.fetchAll(
                db, sql: "SELECT p.id FROM participants p WHERE " + Self.opinionVoterCondition("p.id") + " ORDER BY p.id",
                arguments: [consultationID, consultationID])
        }
    }

    public func profiles(consultationID: ID) async throws -> [ID: ProfileAnswers] {
        try await pool.read { db in
            try Self.loadProfiles(
                db, where: Self.opinionVoterCondition("p.participant_id"),
                [consultationID, consultationID], keyring)
        }
    }

    public func reweightingTargets(consultationID: ID) async throws -> [ReweightingTarget] {
        try await pool.read { db in
            func tally(_ row: Row) -> Tally {
                Tally(agree: row["agree"] ?? 0, mixed: row["mixed"] ?? 0, disagree: row["disagree"] ?? 0, useful: row["useful"] ?? 0)
            }
            var result: [ReweightingTarget] = []
            for row in try Row.fetchAll(
                db,
                cachedSQL: """
                    SELECT a.id, a.number, a.title, t.agree, t.mixed, t.disagree, t.useful FROM articles a
                    LEFT JOIN tallies t ON t.target_kind = 'article' AND t.target_id = a.id
                    WHERE a.consultation_id = ? ORDER BY a.position, a.id
                    """,
                arguments: [consultationID]) {
                result.append(ReweightingTarget(target: .article(row["id"]), kind: "article", number: row["number"], title: row["title"], tally: tally(row)))
            }
            for row in try Row.fetchAll(
                db,
                cachedSQL: """
                    SELECT c.id, c.kind, c.title, c.author_name, a.number, t.agree, t.mixed, t.disagree, t.useful FROM contributions c
                    LEFT JOIN articles a ON a.id = c.article_id
                    LEFT JOIN tallies t ON t.target_kind = 'contribution' AND t.target_id = c.id
                    WHERE c.consultation_id = ? AND c.kind IN ('amendment', 'proposal') AND c.is_hidden = 0
                    ORDER BY c.kind, c.id
                    """,
                arguments: [consultationID]) {
                let kind: String = row["kind"]
                let title: String = row["title"]
                result.append(ReweightingTarget(
                    target: .contribution(row["id"]), kind: kind, number: row["number"] ?? "",
                    title: title.isEmpty ? row["author_name"] : title, tally: tally(row)))
            }
            return result
        }
    }

    // MARK: Organisers' margins

    public func uploadedMargins(consultationID: ID) async throws -> UploadedMargins? {
        try await pool.read { db in
            guard let head = try Row.fetchOne(
                db, cachedSQL: "SELECT * FROM consultation_margins WHERE consultation_id = ?", arguments: [consultationID])
            else { return nil }
            let rows = try Row.fetchAll(
                db, cachedSQL: "SELECT * FROM consultation_margin_rows WHERE consultation_id = ? ORDER BY position", arguments: [consultationID])
                .map { UploadedMargins.Row(dimension: $0["dimension"], category: $0["category"], share: $0["share"]) }
            return UploadedMargins(
                consultationID: consultationID, source: head["source"], year: head["year"], rows: rows, uploadedAt: SQL.date(head["uploaded_at"]))
        }
    }

    public func saveUploadedMargins(_ margins: UploadedMargins) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM consultation_margin_rows WHERE consultation_id = ?", arguments: [margins.consultationID])
            try db.execute(sql: "DELETE FROM consultation_margins WHERE consultation_id = ?", arguments: [margins.consultationID])
            try db.execute(
                sql: "INSERT INTO consultation_margins (consultation_id, source, year, uploaded_at) VALUES (?, ?, ?, ?)",
                arguments: [margins.consultationID, margins.source, margins.year, SQL.ms(margins.uploadedAt)])
            for (position, row) in margins.rows.enumerated() {
                try db.execute(
                    sql: "INSERT INTO consultation_margin_rows (consultation_id, position, dimension, category, share) VALUES (?, ?, ?, ?, ?)",
                    arguments: [margins.consultationID, position, row.dimension, row.category, row.share])
            }
        }
    }

    public func deleteUploadedMargins(consultationID: ID) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM consultation_margin_rows WHERE consultation_id = ?", arguments: [consultationID])
            try db.execute(sql: "DELETE FROM consultation_margins WHERE consultation_id = ?", arguments: [consultationID])
        }
    }
}
