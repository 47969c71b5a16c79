import ContribuezCore
import Foundation
import GRDB

/// Everything held about one participant, page by page, and the mailed download links (issue 12).
extension SQLiteStore {
    public func personalAccount(participantID: ID) async throws -> PersonalAccount? {
        try await pool.read { db in
            guard let participant = try Row.fetchOne(db, cachedSQL: SQL.participantSelect + " WHERE p.id = ?", arguments: [participantID])
                .map({ try SQL.participant($0, keyring) }) else { return nil }
            let roles = try Row.fetchAll(
                db, cachedSQL: "SELECT consultation_id, role, granted_at FROM consultation_roles WHERE participant_id = ? ORDER BY consultation_id",
                arguments: [participantID]
            ).compactMap { row -> PersonalRole? in
                ConsultationRole(rawValue: row["role"]).map { PersonalRole(consultationID: row["consultation_id"], role: $0, grantedAt: SQL.date(row["granted_at"])) }
            }
            // NB: the unsubscribe token is a secret of its own: not read.
            let pref = try Row.fetchOne(
                db, cachedSQL: "SELECT frequency, lang, last_digest_at FROM mail_preferences WHERE participant_id = ?", arguments: [participantID])
            return PersonalAccount(
                participant: participant, consultationRoles: roles,
                mailFrequency: pref.flatMap { MailFrequency(rawValue: $0["frequency"]) }, mailLang: pref?["lang"],
                lastDigestAt: (pref?["last_digest_at"] as Int64?).map(SQL.date))
        }
    }

    public func personalSessions(participantID: ID, offset: Int, limit: Int) async throws -> [PersonalSession] {
        try await pool.read { db in
            try Row.fetchAll(
                db, cachedSQL: "SELECT created_at, expires_at FROM sessions WHERE participant_id = ? ORDER BY created_at, token_hash LIMIT ? OFFSET ?",
                arguments: [participantID, max(0, limit), max(0, offset)]
            ).map { PersonalSession(createdAt: SQL.date($0["created_at"]), expiresAt: SQL.date($0["expires_at"])) }
        }
    }

    public func personalContributions(participantID: ID, after: ID, limit: Int) async throws -> [Contribution] {
        try await pool.read { db in
            try Row.fetchAll(
                db, cachedSQL: SQL.contributionSelect + " WHERE c.author_id = ? AND c.id > ? ORDER BY c.id LIMIT ?",
                arguments: [participantID, after, max(0, limit)]
            ).map(SQL.contribution)
        }
    }

    public func personalVotes(participantID: ID, after: PersonalKey, limit: Int) async throws -> [Vote] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                cachedSQL: """
                    SELECT target_kind, target_id, value, cast_at FROM votes
                    WHERE participant_id = ? AND (target_kind > ? OR (target_kind = ? AND target_id > ?))
                    ORDER BY target_kind, target_id LIMIT ?
                    """,
                arguments: [participantID, after.kind, after.kind, after.id, max(0, limit)]
            ).compactMap { row in
                VoteValue(rawValue: row["value"]).map {
                    Vote(participantID: participantID, target: SQL.target(row["target_kind"], row["target_id"]), value: $0, castAt: SQL.date(row["cast_at"]))
                }
            }
        }
    }

    public func personalVoteHistory(participantID: ID, after: Int64, limit: Int) async throws -> [VoteEvent] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                cachedSQL: "SELECT seq, target_kind, target_id, value, at FROM vote_events WHERE participant_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                arguments: [participantID, after, max(0, limit)]
            ).map { row in
                VoteEvent(
                    sequence: row["seq"], participantID: participantID, target: SQL.target(row["target_kind"], row["target_id"]),
                    value: (row["value"] as String?).flatMap(VoteValue.init(rawValue:)), at: SQL.date(row["at"]))
            }
        }
    }

    public func personalFollows(participantID: ID, after: PersonalKey, limit: Int) async throws -> [PersonalFollow] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                cachedSQL: """
                    SELECT target_kind, target_id, created_at FROM follows
                    WHERE participant_id = ? AND (target_kind > ? OR (target_kind = ? AND target_id > ?))
                    ORDER BY target_kind, target_id LIMIT ?
                    """,
                arguments: [participantID, after.kind, after.kind, after.id, max(0, limit)]
            ).compactMap { row in
                PersonalData.followTarget(row["target_kind"], row["target_id"]).map { PersonalFollow(target: $0, createdAt: SQL.date(row["created_at"])) }
            }
        }
    }

    public func personalNotifications(participantID: ID, after: ID, limit: Int) async throws -> [ContribuezCore.Notification] {
        try await pool.read { db in
            try Row.fetchAll(
                db, cachedSQL: "SELECT * FROM notifications WHERE participant_id = ? AND id > ? ORDER BY id LIMIT ?",
                arguments: [participantID, after, max(0, limit)]
            ).map(Self.notification)
        }
    }

    public func personalReports(participantID: ID, after: ID, limit: Int) async throws -> [PersonalReport] {
        try await pool.read { db in
            try Row.fetchAll(
                db, cachedSQL: "SELECT * FROM reports WHERE participant_id = ? AND id > ? ORDER BY id LIMIT ?",
                arguments: [participantID, after, max(0, limit)]
            ).compactMap { row in
                ModerationReason(rawValue: row["reason"]).map {
                    PersonalReport(
                        id: row["id"], contributionID: row["contribution_id"], reason: $0, text: row["text"],
                        createdAt: SQL.date(row["created_at"]), resolvedAt: (row["resolved_at"] as Int64?).map(SQL.date))
                }
            }
        }
    }

    public func personalAuditEntries(participantID: ID, after: Int64, limit: Int) async throws -> [AuditEntry] {
        try await pool.read { db in
            try Row.fetchAll(
                db, cachedSQL: "SELECT * FROM audit_log WHERE actor_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                arguments: [participantID, after, max(0, limit)]
            ).compactMap { row in
                AuditAction(rawValue: row["action"]).map {
                    AuditEntry(
                        sequence: row["seq"], consultationID: row["consultation_id"], actorID: row["actor_id"], actorName: row["actor_name"],
                        action: $0, targetKind: row["target_kind"], targetID: row["target_id"], reason: row["reason"], detail: row["detail"],
                        at: SQL.date(row["at"]))
                }
            }
        }
    }

    // MARK: Mailed links

    public func personalDataLinksCreated(participantID: ID, since: Date) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db, cachedSQL: "SELECT COUNT(*) FROM personal_data_links WHERE participant_id = ? AND created_at > ?",
                arguments: [participantID, SQL.ms(since)]) ?? 0
        }
    }

    public func createPersonalDataLink(tokenHash: String, participantID: ID, createdAt: Date, expiresAt: Date, mail: NewMail) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO personal_data_links (token_hash, participant_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [tokenHash, participantID, SQL.ms(createdAt), SQL.ms(expiresAt)])
            try db.execute(
                sql: """
                    INSERT INTO mail_outbox (recipient, subject, body, unsubscribe_url, kind, created_at, next_attempt_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: Self.outboxArguments(mail, at: createdAt, keyring.current))
        }
    }

    public func personalDataLink(tokenHash: String) async throws -> PersonalDataLink? {
        try await pool.read { db in
            try Row.fetchOne(db, cachedSQL: "SELECT * FROM personal_data_links WHERE token_hash = ?", arguments: [tokenHash]).map(Self.personalDataLink)
        }
    }

    public func consumePersonalDataLink(tokenHash: String, participantID: ID, at: Date) async throws -> PersonalDataLinkUse {
        try await pool.write { db in
            // NB: one conditional UPDATE: of two concurrent uses only one changes the row.
            try db.execute(
                sql: """
                    UPDATE personal_data_links SET used_at = ?
                    WHERE token_hash = ? AND participant_id = ? AND used_at IS NULL AND expires_at > ?
                    """,
                arguments: [SQL.ms(at), tokenHash, participantID, SQL.ms(at)])
            if db.changesCount == 1 { return .consumed }
            guard let link = try Row.fetchOne(db, cachedSQL: "SELECT * FROM personal_data_links WHERE token_hash = ?", arguments: [tokenHash])
                .map(Self.personalDataLink) else { return .unknown }
            return PersonalData.refusal(link, participantID: participantID, at: at)
        }
    }

    static func personalDataLink(_ row: Row) -> PersonalDataLink {
        PersonalDataLink(
            participantID: row["participant_id"], createdAt: SQL.date(row["created_at"]), expiresAt: SQL.date(row["expires_at"]),
            usedAt: (row["used_at"] as Int64?).map(SQL.date))
    }

    // MARK: Deletion

    /// Detaches, or erases in place, the contributions of an account being deleted (in its transaction).
    /// Erasing empties the texts (a source keeps an empty link, its kind needs one), sets `erased_at`, and
    /// drops their rendered HTML, which holds the same text.
    static func releaseContributions(_ db: Database, _ participantID: ID, anonymisedName: String, _ choice: ContributionsOnDeletion, at: Date) throws {
        switch choice {
        case .keep:
            try db.execute(
                sql: "UPDATE contributions SET author_id = NULL, author_name = ? WHERE author_id = ?",
                arguments: [anonymisedName, participantID])
        case .erase:
            try db.execute(
                sql: """
                    DELETE FROM rendered_html WHERE target_kind = 'contribution'
                        AND target_id IN (SELECT id FROM contributions WHERE author_id = ?)
                    """,
                arguments: [participantID])
            try db.execute(
                sql: """
                    UPDATE contributions SET author_id = NULL, author_name = ?, title = '', body = '', rationale = '',
                        url = CASE WHEN url IS NULL THEN NULL ELSE '' END, erased_at = ?
                    WHERE author_id = ?
                    """,
                arguments: [anonymisedName, SQL.ms(at), participantID])
        }
    }
}

/// What both adapters share about personal data.
public enum PersonalData {
    public static func followTarget(_ kind: String, _ id: ID) -> FollowTarget? {
        switch kind {
        case "consultation": return .consultation(id)
        case "article": return .article(id)
        case "contribution": return .contribution(id)
        default: return nil
        }
    }

    /// Why a link that was not spent could not be: someone else's first (that says nothing about its state).
    public static func refusal(_ link: PersonalDataLink, participantID: ID, at: Date) -> PersonalDataLinkUse {
        if link.participantID != participantID { return .otherParticipant }
        if link.usedAt != nil { return .used }
        if link.expiresAt <= at { return .expired }
        return .used
    }
}
