import ContribuezCore
import Foundation
import GRDB

// The open-data port on SQLite (issue 12): publication state, and keyset reads of every open table
// inside one WAL snapshot, so a package is consistent even while people vote.

extension SQLiteStore: OpenDataStore {
    public func openDataPublication(consultationID: ID) async throws -> OpenDataPublication? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT open_data_at_closing, open_data_published_at FROM consultations WHERE id = ?", arguments: [consultationID]
            ).map { row in
                OpenDataPublication(atClosing: (row[0] as Int) == 1, publishedAt: (row[1] as Int64?).map(SQL.date))
            }
        }
    }

    public func setOpenDataPublication(consultationID: ID, _ publication: OpenDataPublication, audit: AuditEntry) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE consultations SET open_data_at_closing = ?, open_data_published_at = ? WHERE id = ?",
                arguments: [publication.atClosing ? 1 : 0, publication.publishedAt.map(SQL.ms), consultationID])
            guard db.changesCount == 1 else { throw StoreError.notFound }
            try Self.appendAudit(db, audit)
        }
    }

    public func withOpenDataReader<R>(_ body: (any OpenDataReader) async throws -> R) async throws -> R {
        // NB: a snapshot sees the database as of its creation for as long as it lives; WAL
        // checkpoints wait for it, so it lives only for the export.
        let snapshot = try pool.makeSnapshot()
        return try await body(SQLiteOpenDataReader(db: snapshot))
    }
}

/// Keyset reads over one snapshot.
struct SQLiteOpenDataReader: OpenDataReader {
    let db: DatabaseSnapshot

    /// The consultation's pseudonym maker (its salt never leaves this function's caller).
    static func pseudonymizer(_ db: Database, _ consultationID: ID) throws -> Pseudonymizer {
        let value = try DatabaseValue.fetchOne(db, sql: "SELECT open_data_salt FROM consultations WHERE id = ?", arguments: [consultationID])
        switch value?.storage {
        case .string(let hex): return Pseudonymizer(salt: EventChain.hexBytes(hex) ?? Array(hex.utf8))
        case .blob(let data): return Pseudonymizer(salt: [UInt8](data))
        // NB: no salt yet means no event yet, so no pseudonym to keep stable: a throwaway key will do.
        case .null?: return Pseudonymizer(salt: EventChain.newSalt())
        default: throw StoreError.notFound
        }
    }

    /// The consultation's targets, as a filter on a `kind`/`id` pair of columns.
    /// NB: a CASE, not an OR: with an OR, SQLite answers a keyset page of votes through the target index
    /// and sorts every vote of the consultation for each page; the CASE leaves it the primary key range.
    static func ofConsultation(kind: String, id: String) -> String {
        """
        (CASE \(kind) WHEN 'article' THEN \(id) IN (SELECT id FROM articles WHERE consultation_id = :c)
          ELSE \(id) IN (SELECT id FROM contributions WHERE consultation_id = :c) END)
        """
    }

    func sections(consultationID: ID, after: ID, limit: Int) async throws -> [Section] {
        try await db.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM sections WHERE consultation_id = ? AND id > ? ORDER BY id LIMIT ?",
                arguments: [consultationID, after, limit]
            ).map { r in
                Section(id: r["id"], consultationID: r["consultation_id"], position: r["position"], title: r["title"], subtitle: r["subtitle"], level: r["level"])
            }
        }
    }

    func articles(consultationID: ID, after: ID, limit: Int) async throws -> [Article] {
        try await db.read { db in
            try Row.fetchAll(
                db, sql: SQL.articleSelect + " WHERE a.consultation_id = ? AND a.id > ? ORDER BY a.id LIMIT ?",
                arguments: [consultationID, after, limit]
            ).map(SQL.article)
        }
    }

    func textVersions(consultationID: ID, after: ID, limit: Int) async throws -> [TextVersion] {
        try await db.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM text_versions WHERE consultation_id = ? AND id > ? ORDER BY id LIMIT ?",
                arguments: [consultationID, after, limit]
            ).map { r in
                TextVersion(id: r["id"], consultationID: r["consultation_id"], position: r["position"], label: r["label"], publishedAt: SQL.date(r["published_at"]))
            }
        }
    }

    func articleVersions(consultationID: ID, after: ID, limit: Int) async throws -> [ArticleVersion] {
        try await db.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT av.* FROM article_versions av JOIN text_versions tv ON tv.id = av.version_id
                    WHERE tv.consultation_id = ? AND av.id > ? ORDER BY av.id LIMIT ?
                    """,
                arguments: [consultationID, after, limit]
            ).map(SQLiteStore.articleVersion)
        }
    }

    func participants(consultationID: ID, after: ID, limit: Int) async throws -> [OpenDataParticipant] {
        try await db.read { db in
            let names = try Self.pseudonymizer(db, consultationID)
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT p.id, p.kind, p.organization FROM participants p
                    WHERE p.id > :after AND (
                        EXISTS (SELECT 1 FROM contributions c WHERE c.author_id = p.id AND c.consultation_id = :c)
                        OR EXISTS (SELECT 1 FROM votes v WHERE v.participant_id = p.id AND \(Self.ofConsultation(kind: "v.target_kind", id: "v.target_id"))))
                    ORDER BY p.id LIMIT :limit
                    """,
                arguments: ["after": after, "c": consultationID, "limit": limit]
            ).map { r in
                let kind = ParticipantKind(rawValue: r["kind"]) ?? .citizen
                return OpenDataParticipant(
                    key: r["id"], pseudonym: names.pseudonym(r["id"] as ID), kind: kind, organisation: kind.isOrganisation ? r["organization"] : nil)
            }
        }
    }

    func contributions(consultationID: ID, after: ID, limit: Int) async throws -> [OpenDataContribution] {
        try await db.read { db in
            let names = try Self.pseudonymizer(db, consultationID)
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT c.*, p.kind AS author_kind, p.organization AS author_organisation FROM contributions c
                    LEFT JOIN participants p ON p.id = c.author_id
                    WHERE c.consultation_id = ? AND c.id > ? ORDER BY c.id LIMIT ?
                    """,
                arguments: [consultationID, after, limit]
            ).map { r in
                let authorKind = (r["author_kind"] as String?).flatMap(ParticipantKind.init(rawValue:))
                return OpenDataRows.contribution(
                    id: r["id"], kind: r["kind"], articleID: r["article_id"], parentID: r["parent_id"],
                    author: (r["author_id"] as ID?).map { names.pseudonym($0) }, authorKind: authorKind,
                    authorOrganisation: r["author_organisation"], title: r["title"], body: r["body"], rationale: r["rationale"],
                    stance: r["stance"], url: r["url"], createdAt: SQL.date(r["created_at"]), status: r["status"],
                    isHidden: (r["is_hidden"] as Int) == 1, hiddenReason: r["hidden_reason"], erased: (r["erased_at"] as Int64?) != nil)
            }
        }
    }

    func votes(consultationID: ID, after: OpenDataVoteKey, limit: Int) async throws -> [OpenDataVote] {
        try await db.read { db in
            let names = try Self.pseudonymizer(db, consultationID)
            var last: (ID, String)?
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT participant_id, target_kind, target_id, value, cast_at FROM votes
                    WHERE (participant_id, target_kind, target_id) > (:p, :k, :t)
                      AND \(Self.ofConsultation(kind: "target_kind", id: "target_id"))
                    ORDER BY participant_id, target_kind, target_id LIMIT :limit
                    """,
                arguments: ["p": after.participantID, "k": after.targetKind == 0 ? "article" : "contribution", "t": after.targetID,
                            "c": consultationID, "limit": limit]
            ).map { r in
                let participant: ID = r["participant_id"]
                // NB: votes come grouped by participant: one HMAC per participant, not per vote.
                let pseudonym: String
                if let last, last.0 == participant { pseudonym = last.1 } else { pseudonym = names.pseudonym(participant); last = (participant, pseudonym) }
                let target = SQL.target(r["target_kind"], r["target_id"])
                return OpenDataVote(
                    key: OpenDataVoteKey(participantID: participant, target: target), participant: pseudonym, target: target,
                    value: VoteValue(rawValue: r["value"]) ?? .agree, castAt: SQL.date(r["cast_at"]))
            }
        }
    }

    func tallies(consultationID: ID, after: Target?, limit: Int) async throws -> [OpenDataTally] {
        try await db.read { db in
            var out: [OpenDataTally] = []
            var articleAfter: ID = 0
            var contributionAfter: ID = 0
            switch after {
            case nil: break
            case .article(let id)?: articleAfter = id
            case .contribution(let id)?: articleAfter = .max; contributionAfter = id
            }
            if articleAfter < .max {
                out += try Row.fetchAll(
                    db,
                    sql: """
                        SELECT a.id, \(SQL.tallyColumns), t.score AS t_score FROM articles a
                        LEFT JOIN tallies t ON t.target_kind = 'article' AND t.target_id = a.id
                        WHERE a.consultation_id = ? AND a.id > ? ORDER BY a.id LIMIT ?
                        """,
                    arguments: [consultationID, articleAfter, limit]
                ).map { r in OpenDataTally(target: .article(r["id"]), live: SQL.liveTally(r), imported: SQL.baseTally(r), score: r["t_score"] ?? 0) }
            }
            if out.count < limit {
                out += try Row.fetchAll(
                    db,
                    sql: """
                        SELECT c.id, \(SQL.tallyColumns), c.score AS c_score FROM contributions c
                        LEFT JOIN tallies t ON t.target_kind = 'contribution' AND t.target_id = c.id
                        WHERE c.consultation_id = ? AND c.id > ? ORDER BY c.id LIMIT ?
                        """,
                    arguments: [consultationID, contributionAfter, limit - out.count]
                ).map { r in OpenDataTally(target: .contribution(r["id"]), live: SQL.liveTally(r), imported: SQL.baseTally(r), score: r["c_score"]) }
            }
            return out
        }
    }

    func ranking(consultationID: ID, scope: OpenDataRankingScope, after: OpenDataRankKey, limit: Int) async throws -> [OpenDataRankedContribution] {
        try await db.read { db in
            var sql = """
                SELECT id, score FROM contributions
                WHERE consultation_id = :c AND kind = :kind AND status = 'published' AND is_hidden = 0 AND erased_at IS NULL
                """
            var args: [String: (any DatabaseValueConvertible)?] = ["c": consultationID, "kind": scope.kind.rawValue, "limit": limit]
            if let article = scope.articleID { sql += " AND article_id = :a AND parent_id IS NULL"; args["a"] = article }
            if after != .start { sql += " AND (score < :s OR (score = :s AND id < :id))"; args["s"] = after.score; args["id"] = after.id }
            sql += " ORDER BY score DESC, id DESC LIMIT :limit"
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { r in
                OpenDataRankedContribution(contributionID: r["id"], score: r["score"])
            }
        }
    }

    func answers(consultationID: ID, after: ID, limit: Int) async throws -> [OpenDataAnswer] {
        try await db.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT a.id, a.contribution_id, a.status, a.text, a.at,
                        (SELECT COUNT(*) FROM answers b WHERE b.contribution_id = a.contribution_id AND b.id <= a.id) AS version
                    FROM answers a JOIN contributions c ON c.id = a.contribution_id
                    WHERE c.consultation_id = ? AND a.id > ? ORDER BY a.id LIMIT ?
                    """,
                arguments: [consultationID, after, limit]
            ).map { r in
                OpenDataAnswer(
                    id: r["id"], contributionID: r["contribution_id"], version: r["version"],
                    status: AnswerStatus(rawValue: r["status"]) ?? .aLEtude, text: r["text"], answeredAt: SQL.date(r["at"]))
            }
        }
    }

    func uptakes(consultationID: ID, after: ID, limit: Int) async throws -> [UptakeRecord] {
        try await db.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT u.* FROM uptakes u JOIN contributions c ON c.id = u.contribution_id
                    WHERE c.consultation_id = ? AND u.contribution_id > ? ORDER BY u.contribution_id LIMIT ?
                    """,
                arguments: [consultationID, after, limit]
            ).map(SQLiteStore.uptakeRecord)
        }
    }

    func moderation(consultationID: ID, after: Int64, limit: Int) async throws -> [OpenDataModeration] {
        try await db.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, target_id, action, reason, at FROM audit_log
                    WHERE consultation_id = ? AND seq > ? AND target_kind = 'contribution' AND action IN (\(OpenDataRows.moderationActionList))
                    ORDER BY seq LIMIT ?
                    """,
                arguments: [consultationID, after, limit]
            ).map { r in
                OpenDataModeration(key: r["seq"], contributionID: r["target_id"], at: SQL.date(r["at"]), decision: r["action"], reason: r["reason"])
            }
        }
    }

    func chainHead(consultationID: ID) async throws -> ChainHead {
        try await db.read { db in try SQLChain.head(db, consultationID) }
    }

    func chainEntries(consultationID: ID, after seq: Int64, limit: Int) async throws -> [EventChain.Entry] {
        try await db.read { db in try SQLChain.entries(db, consultationID, after: seq, limit: limit) }
    }
}
