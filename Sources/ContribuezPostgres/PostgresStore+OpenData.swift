import ContribuezCore
import Foundation
import PostgresNIO

// The open-data port on PostgreSQL (issue 12): the twin of SQLiteStore+OpenData. The reads of one
// export run in one REPEATABLE READ, READ ONLY transaction, so the package is one consistent state.

extension PostgresStore: OpenDataStore {
    public func openDataPublication(consultationID: ID) async throws -> OpenDataPublication? {
        try await single { c in
            try await c.one("SELECT open_data_at_closing, open_data_published_at FROM consultations WHERE id = \(consultationID)").map { r in
                OpenDataPublication(atClosing: (try r[0] as Int) == 1, publishedAt: (try r[1] as Int64?).map(PG.date))
            }
        }
    }

    public func setOpenDataPublication(consultationID: ID, _ publication: OpenDataPublication, audit: AuditEntry) async throws {
        try await write { c in
            let atClosing = publication.atClosing ? 1 : 0
            let publishedAt = publication.publishedAt.map(PG.ms)
            let changed = try await c.run(
                """
                UPDATE consultations SET open_data_at_closing = \(atClosing), open_data_published_at = \(publishedAt)
                WHERE id = \(consultationID) RETURNING 1
                """)
            guard changed == 1 else { throw StoreError.notFound }
            try await Self.appendAudit(c, audit)
        }
    }

    public func withOpenDataReader<R>(_ body: (any OpenDataReader) async throws -> R) async throws -> R {
        try await read { c in try await body(PostgresOpenDataReader(c: c)) }
    }
}

/// Keyset reads on the connection of one read-only transaction.
struct PostgresOpenDataReader: OpenDataReader {
    let c: PostgresConnection

    func pseudonymizer(_ consultationID: ID) async throws -> Pseudonymizer {
        guard let row = try await c.one("SELECT open_data_salt FROM consultations WHERE id = \(consultationID)") else { throw StoreError.notFound }
        guard let hex = try row[0] as String? else {
            // NB: no salt yet means no event yet, so no pseudonym to keep stable: a throwaway key will do.
            return Pseudonymizer(salt: EventChain.newSalt())
        }
        return Pseudonymizer(salt: EventChain.hexBytes(hex) ?? Array(hex.utf8))
    }

    /// The consultation's targets, as a filter on a `kind`/`id` pair of columns; the consultation id is `$1`.
    /// NB: a CASE rather than an OR, as on SQLite, so a page of votes is a range of the primary key.
    static func ofConsultation(kind: String, id: String) -> String {
        """
        (CASE \(kind) WHEN 'article' THEN \(id) IN (SELECT id FROM articles WHERE consultation_id = $1)
          ELSE \(id) IN (SELECT id FROM contributions WHERE consultation_id = $1) END)
        """
    }

    func sections(consultationID: ID, after: ID, limit: Int) async throws -> [Section] {
        try await c.rows("SELECT * FROM sections WHERE consultation_id = \(consultationID) AND id > \(after) ORDER BY id LIMIT \(limit)").map { r in
            try Section(id: r["id"], consultationID: r["consultation_id"], position: r["position"], title: r["title"], subtitle: r["subtitle"], level: r["level"])
        }
    }

    func articles(consultationID: ID, after: ID, limit: Int) async throws -> [Article] {
        var q = SQLText(PG.articleSelect)
        q.sql += " WHERE a.consultation_id = \(q.bind(consultationID)) AND a.id > \(q.bind(after)) ORDER BY a.id LIMIT \(q.bind(limit))"
        return try await c.rows(q.query).map(PG.article)
    }

    func textVersions(consultationID: ID, after: ID, limit: Int) async throws -> [TextVersion] {
        try await c.rows("SELECT * FROM text_versions WHERE consultation_id = \(consultationID) AND id > \(after) ORDER BY id LIMIT \(limit)").map { r in
            try TextVersion(id: r["id"], consultationID: r["consultation_id"], position: r["position"], label: r["label"], publishedAt: PG.date(r["published_at"]))
        }
    }

    func articleVersions(consultationID: ID, after: ID, limit: Int) async throws -> [ArticleVersion] {
        try await c.rows(
            """
            SELECT av.* FROM article_versions av JOIN text_versions tv ON tv.id = av.version_id
            WHERE tv.consultation_id = \(consultationID) AND av.id > \(after) ORDER BY av.id LIMIT \(limit)
            """
        ).map(PostgresStore.articleVersion)
    }

    func participants(consultationID: ID, after: ID, limit: Int) async throws -> [OpenDataParticipant] {
        let names = try await pseudonymizer(consultationID)
        var q = SQLText()
        let cid = q.bind(consultationID)
        q.sql = """
            SELECT p.id, p.kind, p.organization FROM participants p
            WHERE p.id > \(q.bind(after)) AND (
                EXISTS (SELECT 1 FROM contributions c WHERE c.author_id = p.id AND c.consultation_id = \(cid))
                OR EXISTS (SELECT 1 FROM votes v WHERE v.participant_id = p.id AND \(Self.ofConsultation(kind: "v.target_kind", id: "v.target_id"))))
            ORDER BY p.id LIMIT \(q.bind(limit))
            """
        return try await c.rows(q.query).map { r in
            let kind = ParticipantKind(rawValue: try r["kind"]) ?? .citizen
            let id: ID = try r["id"]
            return OpenDataParticipant(key: id, pseudonym: names.pseudonym(id), kind: kind, organisation: kind.isOrganisation ? try r["organization"] : nil)
        }
    }

    func contributions(consultationID: ID, after: ID, limit: Int) async throws -> [OpenDataContribution] {
        let names = try await pseudonymizer(consultationID)
        return try await c.rows(
            """
            SELECT c.*, p.kind AS author_kind, p.organization AS author_organisation FROM contributions c
            LEFT JOIN participants p ON p.id = c.author_id
            WHERE c.consultation_id = \(consultationID) AND c.id > \(after) ORDER BY c.id LIMIT \(limit)
            """
        ).map { r in
            let authorKind = (try r["author_kind"] as String?).flatMap(ParticipantKind.init(rawValue:))
            return try OpenDataRows.contribution(
                id: r["id"], kind: r["kind"], articleID: r["article_id"], parentID: r["parent_id"],
                author: (try r["author_id"] as ID?).map { names.pseudonym($0) }, authorKind: authorKind,
                authorOrganisation: r["author_organisation"], title: r["title"], body: r["body"], rationale: r["rationale"],
                stance: r["stance"], url: r["url"], createdAt: PG.date(r["created_at"]), status: r["status"],
                isHidden: (try r["is_hidden"] as Int) == 1, hiddenReason: r["hidden_reason"], erased: (try r["erased_at"] as Int64?) != nil)
        }
    }

    func votes(consultationID: ID, after: OpenDataVoteKey, limit: Int) async throws -> [OpenDataVote] {
        let names = try await pseudonymizer(consultationID)
        var q = SQLText()
        _ = q.bind(consultationID)
        q.sql = """
            SELECT participant_id, target_kind, target_id, value, cast_at FROM votes
            WHERE (participant_id, target_kind, target_id) > (\(q.bind(after.participantID)), \(q.bind(after.targetKind == 0 ? "article" : "contribution")), \(q.bind(after.targetID)))
              AND \(Self.ofConsultation(kind: "target_kind", id: "target_id"))
            ORDER BY participant_id, target_kind, target_id LIMIT \(q.bind(limit))
            """
        var last: (ID, String)?
        return try await c.rows(q.query).map { r in
            let participant: ID = try r["participant_id"]
            // NB: votes come grouped by participant: one HMAC per participant, not per vote.
            let pseudonym: String
            if let last, last.0 == participant { pseudonym = last.1 } else { pseudonym = names.pseudonym(participant); last = (participant, pseudonym) }
            let target = PG.target(try r["target_kind"], try r["target_id"])
            return OpenDataVote(
                key: OpenDataVoteKey(participantID: participant, target: target), participant: pseudonym, target: target,
                value: VoteValue(rawValue: try r["value"]) ?? .agree, castAt: PG.date(try r["cast_at"]))
        }
    }

    func tallies(consultationID: ID, after: Target?, limit: Int) async throws -> [OpenDataTally] {
        var out: [OpenDataTally] = []
        var articleAfter: ID = 0
        var contributionAfter: ID = 0
        switch after {
        case nil: break
        case .article(let id)?: articleAfter = id
        case .contribution(let id)?: articleAfter = .max; contributionAfter = id
        }
        if articleAfter < .max {
            var q = SQLText()
            q.sql = """
                SELECT a.id, \(PG.tallyColumns), t.score AS t_score FROM articles a
                LEFT JOIN tallies t ON t.target_kind = 'article' AND t.target_id = a.id
                WHERE a.consultation_id = \(q.bind(consultationID)) AND a.id > \(q.bind(articleAfter)) ORDER BY a.id LIMIT \(q.bind(limit))
                """
            out += try await c.rows(q.query).map { r in
                try OpenDataTally(target: .article(r["id"]), live: PG.liveTally(r), imported: PG.baseTally(r), score: (try r["t_score"] as Double?) ?? 0)
            }
        }
        if out.count < limit {
            var q = SQLText()
            q.sql = """
                SELECT c.id, \(PG.tallyColumns), c.score AS c_score FROM contributions c
                LEFT JOIN tallies t ON t.target_kind = 'contribution' AND t.target_id = c.id
                WHERE c.consultation_id = \(q.bind(consultationID)) AND c.id > \(q.bind(contributionAfter)) ORDER BY c.id LIMIT \(q.bind(limit - out.count))
                """
            out += try await c.rows(q.query).map { r in
                try OpenDataTally(target: .contribution(r["id"]), live: PG.liveTally(r), imported: PG.baseTally(r), score: r["c_score"])
            }
        }
        return out
    }

    func ranking(consultationID: ID, scope: OpenDataRankingScope, after: OpenDataRankKey, limit: Int) async throws -> [OpenDataRankedContribution] {
        var q = SQLText()
        q.sql = """
            SELECT id, score FROM contributions
            WHERE consultation_id = \(q.bind(consultationID)) AND kind = \(q.bind(scope.kind.rawValue))
              AND status = 'published' AND is_hidden = 0 AND erased_at IS NULL
            """
        if let article = scope.articleID { q.sql += " AND article_id = \(q.bind(article)) AND parent_id IS NULL" }
        if after != .start {
            let s = q.bind(after.score)
            q.sql += " AND (score < \(s) OR (score = \(s) AND id < \(q.bind(after.id))))"
        }
        q.sql += " ORDER BY score DESC, id DESC LIMIT \(q.bind(limit))"
        return try await c.rows(q.query).map { r in try OpenDataRankedContribution(contributionID: r["id"], score: r["score"]) }
    }

    func answers(consultationID: ID, after: ID, limit: Int) async throws -> [OpenDataAnswer] {
        try await c.rows(
            """
            SELECT a.id, a.contribution_id, a.status, a.text, a.at,
                (SELECT COUNT(*) FROM answers b WHERE b.contribution_id = a.contribution_id AND b.id <= a.id) AS version
            FROM answers a JOIN contributions c ON c.id = a.contribution_id
            WHERE c.consultation_id = \(consultationID) AND a.id > \(after) ORDER BY a.id LIMIT \(limit)
            """
        ).map { r in
            try OpenDataAnswer(
                id: r["id"], contributionID: r["contribution_id"], version: Int(r["version"] as Int64),
                status: AnswerStatus(rawValue: r["status"]) ?? .aLEtude, text: r["text"], answeredAt: PG.date(r["at"]))
        }
    }

    func uptakes(consultationID: ID, after: ID, limit: Int) async throws -> [UptakeRecord] {
        try await c.rows(
            """
            SELECT u.* FROM uptakes u JOIN contributions c ON c.id = u.contribution_id
            WHERE c.consultation_id = \(consultationID) AND u.contribution_id > \(after) ORDER BY u.contribution_id LIMIT \(limit)
            """
        ).map(PostgresStore.uptakeRecord)
    }

    func moderation(consultationID: ID, after: Int64, limit: Int) async throws -> [OpenDataModeration] {
        var q = SQLText()
        q.sql = """
            SELECT seq, target_id, action, reason, at FROM audit_log
            WHERE consultation_id = \(q.bind(consultationID)) AND seq > \(q.bind(after)) AND target_kind = 'contribution'
              AND action IN (\(OpenDataRows.moderationActionList))
            ORDER BY seq LIMIT \(q.bind(limit))
            """
        return try await c.rows(q.query).map { r in
            try OpenDataModeration(key: r["seq"], contributionID: r["target_id"], at: PG.date(r["at"]), decision: r["action"], reason: r["reason"])
        }
    }

    func chainHead(consultationID: ID) async throws -> ChainHead {
        guard let row = try await c.one("SELECT length, head FROM event_chain_heads WHERE consultation_id = \(consultationID)") else { return .empty }
        return ChainHead(length: try row["length"], head: try row["head"])
    }

    func chainEntries(consultationID: ID, after seq: Int64, limit: Int) async throws -> [EventChain.Entry] {
        try await PGChain.entries(c, consultationID, after: seq, limit: limit)
    }
}
