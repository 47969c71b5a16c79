import ContribuezCore
import ContribuezStore
import Foundation
import PostgresNIO

/// Everything held about one participant, page by page, and the mailed download links (issue 12).
/// The same statements as the SQLite adapter's.
extension PostgresStore {
    public func personalAccount(participantID: ID) async throws -> PersonalAccount? {
        try await read { c in
            guard let row = try await c.one("\(unescaped: PG.participantSelect) WHERE p.id = \(participantID)") else { return nil }
            let participant = try PG.participant(row, keyring)
            let roles = try await c.rows(
                "SELECT consultation_id, role, granted_at FROM consultation_roles WHERE participant_id = \(participantID) ORDER BY consultation_id"
            ).compactMap { row -> PersonalRole? in
                try ConsultationRole(rawValue: row["role"]).map {
                    PersonalRole(consultationID: try row["consultation_id"], role: $0, grantedAt: PG.date(try row["granted_at"]))
                }
            }
            // NB: the unsubscribe token is a secret of its own: not read.
            let pref = try await c.one("SELECT frequency, lang, last_digest_at FROM mail_preferences WHERE participant_id = \(participantID)")
            return PersonalAccount(
                participant: participant, consultationRoles: roles,
                mailFrequency: try pref.flatMap { MailFrequency(rawValue: try $0["frequency"]) }, mailLang: try pref.map { try $0["lang"] },
                lastDigestAt: try pref.flatMap { (try $0["last_digest_at"] as Int64?).map(PG.date) })
        }
    }

    public func personalSessions(participantID: ID, offset: Int, limit: Int) async throws -> [PersonalSession] {
        try await single { c in
            try await c.rows(
                """
                SELECT created_at, expires_at FROM sessions WHERE participant_id = \(participantID)
                ORDER BY created_at, token_hash LIMIT \(max(0, limit)) OFFSET \(max(0, offset))
                """
            ).map { PersonalSession(createdAt: PG.date(try $0["created_at"]), expiresAt: PG.date(try $0["expires_at"])) }
        }
    }

    public func personalContributions(participantID: ID, after: ID, limit: Int) async throws -> [Contribution] {
        try await single { c in
            try await c.rows(
                "\(unescaped: PG.contributionSelect) WHERE c.author_id = \(participantID) AND c.id > \(after) ORDER BY c.id LIMIT \(max(0, limit))"
            ).map(PG.contribution)
        }
    }

    public func personalVotes(participantID: ID, after: PersonalKey, limit: Int) async throws -> [Vote] {
        try await single { c in
            try await c.rows(
                """
                SELECT target_kind, target_id, value, cast_at FROM votes
                WHERE participant_id = \(participantID) AND (target_kind > \(after.kind) OR (target_kind = \(after.kind) AND target_id > \(after.id)))
                ORDER BY target_kind, target_id LIMIT \(max(0, limit))
                """
            ).compactMap { row in
                try VoteValue(rawValue: row["value"]).map {
                    Vote(participantID: participantID, target: PG.target(try row["target_kind"], try row["target_id"]), value: $0,
                         castAt: PG.date(try row["cast_at"]))
                }
            }
        }
    }

    public func personalVoteHistory(participantID: ID, after: Int64, limit: Int) async throws -> [VoteEvent] {
        try await single { c in
            try await c.rows(
                """
                SELECT seq, target_kind, target_id, value, at FROM vote_events
                WHERE participant_id = \(participantID) AND seq > \(after) ORDER BY seq LIMIT \(max(0, limit))
                """
            ).map { row in
                VoteEvent(
                    sequence: try row["seq"], participantID: participantID, target: PG.target(try row["target_kind"], try row["target_id"]),
                    value: (try row["value"] as String?).flatMap(VoteValue.init(rawValue:)), at: PG.date(try row["at"]))
            }
        }
    }

    public func personalFollows(participantID: ID, after: PersonalKey, limit: Int) async throws -> [PersonalFollow] {
        try await single { c in
            try await c.rows(
                """
                SELECT target_kind, target_id, created_at FROM follows
                WHERE participant_id = \(participantID) AND (target_kind > \(after.kind) OR (target_kind = \(after.kind) AND target_id > \(after.id)))
                ORDER BY target_kind, target_id LIMIT \(max(0, limit))
                """
            ).compactMap { row in
                try PersonalData.followTarget(row["target_kind"], row["target_id"]).map {
                    PersonalFollow(target: $0, createdAt: PG.date(try row["created_at"]))
                }
            }
        }
    }

    public func personalNotifications(participantID: ID, after: ID, limit: Int) async throws -> [ContribuezCore.Notification] {
        try await single { c in
            try await c.rows(
                "SELECT * FROM notifications WHERE participant_id = \(participantID) AND id > \(after) ORDER BY id LIMIT \(max(0, limit))"
            ).map(Self.notification)
        }
    }

    public func personalReports(participantID: ID, after: ID, limit: Int) async throws -> [PersonalReport] {
        try await single { c in
            try await c.rows(
                "SELECT * FROM reports WHERE participant_id = \(participantID) AND id > \(after) ORDER BY id LIMIT \(max(0, limit))"
            ).compactMap { row in
                try ModerationReason(rawValue: row["reason"]).map {
                    PersonalReport(
                        id: try row["id"], contributionID: try row["contribution_id"], reason: $0, text: try row["text"],
                        createdAt: PG.date(try row["created_at"]), resolvedAt: (try row["resolved_at"] as Int64?).map(PG.date))
                }
            }
        }
    }

    public func personalAuditEntries(participantID: ID, after: Int64, limit: Int) async throws -> [AuditEntry] {
        try await single { c in
            try await c.rows(
                "SELECT * FROM audit_log WHERE actor_id = \(participantID) AND seq > \(after) ORDER BY seq LIMIT \(max(0, limit))"
            ).compactMap { row in
                try AuditAction(rawValue: row["action"]).map {
                    AuditEntry(
                        sequence: try row["seq"], consultationID: try row["consultation_id"], actorID: try row["actor_id"],
                        actorName: try row["actor_name"], action: $0, targetKind: try row["target_kind"], targetID: try row["target_id"],
                        reason: try row["reason"], detail: try row["detail"], at: PG.date(try row["at"]))
                }
            }
        }
    }

    // MARK: Mailed links

    public func personalDataLinksCreated(participantID: ID, since: Date) async throws -> Int {
        try await single { c in
            try await c.count(
                "SELECT COUNT(*) FROM personal_data_links WHERE participant_id = \(participantID) AND created_at > \(PG.ms(since))")
        }
    }

    public func createPersonalDataLink(tokenHash: String, participantID: ID, createdAt: Date, expiresAt: Date, mail: NewMail) async throws {
        try await write { c in
            try await c.run(
                """
                INSERT INTO personal_data_links (token_hash, participant_id, created_at, expires_at)
                VALUES (\(tokenHash), \(participantID), \(PG.ms(createdAt)), \(PG.ms(expiresAt)))
                """)
            _ = try await Self.insertOutbox(c, mail, at: createdAt, keyring.current)
        }
    }

    public func personalDataLink(tokenHash: String) async throws -> PersonalDataLink? {
        try await single { c in
            try await c.one("SELECT * FROM personal_data_links WHERE token_hash = \(tokenHash)").map(Self.personalDataLink)
        }
    }

    public func consumePersonalDataLink(tokenHash: String, participantID: ID, at: Date) async throws -> PersonalDataLinkUse {
        try await write { c in
            // NB: one conditional UPDATE: of two concurrent uses, the second waits for the first's row lock,
            // then sees `used_at` set and changes nothing.
            let spent = try await c.run(
                """
                UPDATE personal_data_links SET used_at = \(PG.ms(at))
                WHERE token_hash = \(tokenHash) AND participant_id = \(participantID) AND used_at IS NULL AND expires_at > \(PG.ms(at))
                RETURNING 1
                """)
            if spent == 1 { return .consumed }
            guard let row = try await c.one("SELECT * FROM personal_data_links WHERE token_hash = \(tokenHash)") else { return .unknown }
            return PersonalData.refusal(try Self.personalDataLink(row), participantID: participantID, at: at)
        }
    }

    static func personalDataLink(_ row: PGRow) throws -> PersonalDataLink {
        PersonalDataLink(
            participantID: try row["participant_id"], createdAt: PG.date(try row["created_at"]), expiresAt: PG.date(try row["expires_at"]),
            usedAt: (try row["used_at"] as Int64?).map(PG.date))
    }

    // MARK: Deletion

    /// Detaches, or erases in place, the contributions of an account being deleted (in its transaction);
    /// see the SQLite adapter's twin.
    static func releaseContributions(
        _ c: PostgresConnection, _ participantID: ID, anonymisedName: String, _ choice: ContributionsOnDeletion, at: Date
    ) async throws {
        switch choice {
        case .keep:
            try await c.run("UPDATE contributions SET author_id = NULL, author_name = \(anonymisedName) WHERE author_id = \(participantID)")
        case .erase:
            try await c.run(
                """
                DELETE FROM rendered_html WHERE target_kind = 'contribution'
                    AND target_id IN (SELECT id FROM contributions WHERE author_id = \(participantID))
                """)
            try await c.run(
                """
                UPDATE contributions SET author_id = NULL, author_name = \(anonymisedName), title = '', body = '', rationale = '',
                    url = CASE WHEN url IS NULL THEN NULL ELSE '' END, erased_at = \(PG.ms(at))
                WHERE author_id = \(participantID)
                """)
        }
    }
}
