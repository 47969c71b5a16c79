import ContribuezCore
import ContribuezStore
import Foundation
import PostgresNIO

/// Profile questionnaire, account deletion and organisers' margins (issue 4).
extension PostgresStore {
    // MARK: Profiles

    public func profile(participantID: ID) async throws -> ProfileAnswers? {
        try await read { c in try await Self.loadProfiles(c, participantID: participantID, keys: keyring)[participantID] }
    }

    public func saveProfile(participantID: ID, answers: [ProfileQuestion: String], at: Date) async throws -> ProfileAnswers {
        let keys = keyring.current
        return try await write { c in
            try await c.run(
                """
                INSERT INTO profiles (participant_id, consented_at, updated_at) VALUES (\(participantID), \(PG.ms(at)), \(PG.ms(at)))
                ON CONFLICT (participant_id) DO UPDATE SET updated_at = excluded.updated_at
                """)
            try await c.run("DELETE FROM profile_answers WHERE participant_id = \(participantID)")
            for (question, answer) in answers.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                let sealed = keys.seal(answer, .profileAnswer)
                try await c.run(
                    "INSERT INTO profile_answers (participant_id, question, answer) VALUES (\(participantID), \(question.rawValue), \(sealed))")
            }
            guard let saved = try await Self.loadProfiles(c, participantID: participantID, keys: keyring)[participantID] else { throw StoreError.notFound }
            return saved
        }
    }

    public func eraseProfile(participantID: ID) async throws -> Bool {
        try await write { c in
            try await c.run("DELETE FROM profile_answers WHERE participant_id = \(participantID)")
            return try await c.run("DELETE FROM profiles WHERE participant_id = \(participantID) RETURNING 1") > 0
        }
    }

    public func deleteAccount(
        participantID: ID, anonymisedName: String, contributions: ContributionsOnDeletion, audit: AuditEntry, at: Date
    ) async throws -> Bool {
        try await write { c in
            // NB: the participant row is locked first, so a vote of this participant racing the deletion
            // either commits before (and is withdrawn here) or fails on the foreign key after.
            guard try await c.run("SELECT id FROM participants WHERE id = \(participantID) FOR UPDATE") > 0 else { return false }
            // NB: votes would cascade away with the participant row, silently desynchronising the tallies
            // and the vote log; withdraw each one the way `withdrawVote` does instead.
            let live = try await c.rows(
                """
                DELETE FROM votes WHERE participant_id = \(participantID) RETURNING target_kind, target_id, value
                """)
            let withdrawn = try live.compactMap { row -> (Target, VoteValue)? in
                guard let value = VoteValue(rawValue: try row["value"]) else { return nil }
                return (PG.target(try row["target_kind"], try row["target_id"]), value)
            }.sorted { ($0.0.kindName, $0.0.id) < ($1.0.kindName, $1.0.id) }
            for (target, value) in withdrawn { try await Self.withdrawn(c, participantID, target, value, at) }
            try await c.run("DELETE FROM sessions WHERE participant_id = \(participantID)")
            try await c.run("DELETE FROM profile_answers WHERE participant_id = \(participantID)")
            try await c.run("DELETE FROM profiles WHERE participant_id = \(participantID)")
            try await Self.releaseContributions(c, participantID, anonymisedName: anonymisedName, contributions, at: at)
            try await Self.appendAudit(c, audit)
            try await c.run("DELETE FROM participants WHERE id = \(participantID)")
            return true
        }
    }

    static func loadProfiles(_ c: PostgresConnection, participantID: ID, keys: StoreKeys) async throws -> [ID: ProfileAnswers] {
        var text = SQLText()
        let condition = "p.participant_id = \(text.bind(participantID))"
        return try await loadProfiles(c, condition: condition, binds: text.binds, keys: keys)
    }

    /// Profiles matching `condition` (on alias `p`, table `profiles`, its values already in `binds`), with their answers.
    static func loadProfiles(_ c: PostgresConnection, condition: String, binds: PostgresBindings, keys: StoreKeys) async throws -> [ID: ProfileAnswers] {
        var result: [ID: ProfileAnswers] = [:]
        for row in try await c.rows(PostgresQuery(unsafeSQL: "SELECT p.* FROM profiles p WHERE " + condition, binds: binds)) {
            result[try row["participant_id"]] = ProfileAnswers(
                answers: [:], consentedAt: PG.date(try row["consented_at"]), updatedAt: PG.date(try row["updated_at"]))
        }
        for row in try await c.rows(PostgresQuery(
            unsafeSQL: "SELECT a.* FROM profile_answers a JOIN profiles p ON p.participant_id = a.participant_id WHERE " + condition, binds: binds)) {
            let id: ID = try row["participant_id"]
            if let question = ProfileQuestion(rawValue: try row["question"]) { result[id]?.answers[question] = try keys.unseal(row["answer"] as String, .profileAnswer) }
        }
        return result
    }

    // MARK: Analysis

    /// True when the participant in `column` cast an opinion vote counted by `opinionVotesSQL` (the consultation
    /// is $1): the participant's own votes are probed, not every vote of the consultation (issue 14).
    static func opinionVoterCondition(_ column: String) -> String {
        """
        (EXISTS (SELECT 1 FROM votes v JOIN articles a ON a.id = v.target_id
                 WHERE v.participant_id = \(column) AND v.target_kind = 'article' AND a.consultation_id = $1
                     AND v.value IN ('agree', 'mixed', 'disagree'))
         OR EXISTS (SELECT 1 FROM votes v JOIN contributions c ON c.id = v.target_id
                 WHERE v.participant_id = \(column) AND v.target_kind = 'contribution' AND c.consultation_id = $1
                     AND c.kind IN ('amendment', 'proposal') AND c.is_hidden = 0 AND v.value IN ('agree', 'mixed', 'disagree')))
        """
    }

    /// Opinion votes of one consultation ($1): on its articles, and on its visible amendments and proposals.
    static let opinionVotesSQL = """
        SELECT v.participant_id, v.target_kind, v.target_id, v.value, v.cast_at FROM votes v
        JOIN articles a ON v.target_kind = 'article' AND a.id = v.target_id
        WHERE a.consultation_id = $1 AND v.value IN ('agree', 'mixed', 'disagree')
        UNION ALL
        SELECT v.participant_id, v.target_kind, v.target_id, v.value, v.cast_at FROM votes v
        JOIN contributions c ON v.target_kind = 'contribution' AND c.id = v.target_id
        WHERE c.consultation_id = $1 AND c.kind IN ('amendment', 'proposal') AND c.is_hidden = 0
            AND v.value IN ('agree', 'mixed', 'disagree')
        """

    public func opinionVotes(consultationID: ID) async throws -> [Vote] {
        try await single { c in
            var binds = PostgresBindings()
            binds.append(consultationID)
            // NB: target kinds sort alike in every collation (article < contribution), as SQLite orders them.
            return try await c.rows(PostgresQuery(unsafeSQL: Self.opinionVotesSQL + " ORDER BY 1, 2, 3", binds: binds))
                .compactMap { row in
                    try VoteValue(rawValue: row["value"]).map { value in
                        try Vote(participantID: row["participant_id"], target: PG.target(row["target_kind"], row["target_id"]),
                                 value: value, castAt: PG.date(row["cast_at"]))
                    }
                }
        }
    }

    public func opinionVotes(consultationID: ID, targets: [Target]) async throws -> [Vote] {
        let articles = targets.compactMap { t -> ID? in if case .article(let id) = t { return id } else { return nil } }
        let contributions = targets.compactMap { t -> ID? in if case .contribution(let id) = t { return id } else { return nil } }
        guard !articles.isEmpty || !contributions.isEmpty else { return [] }
        return try await read { c in
            var text = SQLText()
            text.sql = """
                SELECT v.participant_id, v.target_kind, v.target_id, v.value, v.cast_at FROM votes v
                JOIN articles a ON a.id = v.target_id
                WHERE v.target_kind = 'article' AND v.target_id = ANY(\(try text.bindArray(articles))) AND a.consultation_id = \(text.bind(consultationID))
                    AND v.value IN ('agree', 'mixed', 'disagree')
                UNION ALL
                SELECT v.participant_id, v.target_kind, v.target_id, v.value, v.cast_at FROM votes v
                JOIN contributions c ON c.id = v.target_id
                WHERE v.target_kind = 'contribution' AND v.target_id = ANY(\(try text.bindArray(contributions))) AND c.consultation_id = $2
                    AND c.kind IN ('amendment', 'proposal') AND c.is_hidden = 0 AND v.value IN ('agree', 'mixed', 'disagree')
                ORDER BY 1, 2, 3
                """
            return try await c.rows(text.query).compactMap { row in
                try VoteValue(rawValue: row["value"]).map { value in
                    try Vote(participantID: row["participant_id"], target: PG.target(row["target_kind"], row["target_id"]),
                             value: value, castAt: PG.date(row["cast_at"]))
                }
            }
        }
    }

    public func opinionVoters(consultationID: ID) async throws -> [ID] {
        try await read { c in
            var binds = PostgresBindings()
            binds.append(consultationID)
            return try await c.rows(PostgresQuery(
                unsafeSQL: "SELECT p.id FROM participants p WHERE " + Self.opinionVoterCondition("p.id") + " ORDER BY p.id", binds: binds))
                .map { row in try row["id"] as ID }
        }
    }

    public func profiles(consultationID: ID) async throws -> [ID: ProfileAnswers] {
        try await read { c in
            var binds = PostgresBindings()
            binds.append(consultationID)
            return try await Self.loadProfiles(
                c, condition: Self.opinionVoterCondition("p.participant_id"), binds: binds, keys: keyring)
        }
    }

    public func reweightingTargets(consultationID: ID) async throws -> [ReweightingTarget] {
        try await read { c in
            func tally(_ row: PGRow) throws -> Tally {
                try Tally(agree: row["agree"] ?? 0, mixed: row["mixed"] ?? 0, disagree: row["disagree"] ?? 0, useful: row["useful"] ?? 0)
            }
            var result: [ReweightingTarget] = []
            for row in try await c.rows(
                """
                SELECT a.id, a.number, a.title, t.agree, t.mixed, t.disagree, t.useful FROM articles a
                LEFT JOIN tallies t ON t.target_kind = 'article' AND t.target_id = a.id
                WHERE a.consultation_id = \(consultationID) ORDER BY a.position, a.id
                """) {
                result.append(try ReweightingTarget(target: .article(row["id"]), kind: "article", number: row["number"], title: row["title"], tally: tally(row)))
            }
            for row in try await c.rows(
                """
                SELECT c.id, c.kind, c.title, c.author_name, a.number, t.agree, t.mixed, t.disagree, t.useful FROM contributions c
                LEFT JOIN articles a ON a.id = c.article_id
                LEFT JOIN tallies t ON t.target_kind = 'contribution' AND t.target_id = c.id
                WHERE c.consultation_id = \(consultationID) AND c.kind IN ('amendment', 'proposal') AND c.is_hidden = 0
                ORDER BY c.kind COLLATE "C", c.id
                """) {
                let kind: String = try row["kind"]
                let title: String = try row["title"]
                result.append(try ReweightingTarget(
                    target: .contribution(row["id"]), kind: kind, number: (row["number"] as String?) ?? "",
                    title: title.isEmpty ? row["author_name"] : title, tally: tally(row)))
            }
            return result
        }
    }

    // MARK: Organisers' margins

    public func uploadedMargins(consultationID: ID) async throws -> UploadedMargins? {
        try await read { c in
            guard let head = try await c.one("SELECT * FROM consultation_margins WHERE consultation_id = \(consultationID)") else { return nil }
            let rows = try await c.rows("SELECT * FROM consultation_margin_rows WHERE consultation_id = \(consultationID) ORDER BY position")
                .map { try UploadedMargins.Row(dimension: $0["dimension"], category: $0["category"], share: $0["share"]) }
            return try UploadedMargins(
                consultationID: consultationID, source: head["source"], year: head["year"], rows: rows, uploadedAt: PG.date(head["uploaded_at"]))
        }
    }

    public func saveUploadedMargins(_ margins: UploadedMargins) async throws {
        try await write { c in
            try await c.run("DELETE FROM consultation_margin_rows WHERE consultation_id = \(margins.consultationID)")
            try await c.run("DELETE FROM consultation_margins WHERE consultation_id = \(margins.consultationID)")
            try await c.run(
                """
                INSERT INTO consultation_margins (consultation_id, source, year, uploaded_at)
                VALUES (\(margins.consultationID), \(margins.source), \(margins.year), \(PG.ms(margins.uploadedAt)))
                """)
            for (position, row) in margins.rows.enumerated() {
                try await c.run(
                    """
                    INSERT INTO consultation_margin_rows (consultation_id, position, dimension, category, share)
                    VALUES (\(margins.consultationID), \(position), \(row.dimension), \(row.category), \(row.share))
                    """)
            }
        }
    }

    public func deleteUploadedMargins(consultationID: ID) async throws {
        try await write { c in
            try await c.run("DELETE FROM consultation_margin_rows WHERE consultation_id = \(consultationID)")
            try await c.run("DELETE FROM consultation_margins WHERE consultation_id = \(consultationID)")
        }
    }
}
