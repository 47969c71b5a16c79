import ContribuezCore
import ContribuezStore
import Foundation
import PostgresNIO

/// Sessions, as the SQLite adapter keeps them (SQLiteStore+Sessions.swift).
extension PostgresStore {
    public func createSession(tokenHash: String, participantID: ID, csrfToken: String, createdAt: Date, expiresAt: Date) async throws {
        try await openSession(NewSession(tokenHash: tokenHash, participantID: participantID, csrfToken: csrfToken,
                                         createdAt: createdAt, expiresAt: expiresAt, idleTimeout: nil, agent: ""))
    }

    public func openSession(_ new: NewSession) async throws {
        try await write { c in
            let role: String? = try await c.scalar("SELECT role FROM instance_roles WHERE participant_id = \(new.participantID)")
            let roles = try await Self.loadConsultationRoles(c, new.participantID)
            let stamp = SessionPrivileges.stamp(role: role.flatMap(Role.init(rawValue:)) ?? .participant, consultationRoles: roles)
            let now = PG.ms(new.createdAt)
            let idle: Int64? = new.idleTimeout.map { Int64($0 * 1000) }
            try await c.run(
                """
                INSERT INTO sessions (token_hash, participant_id, csrf_token, created_at, expires_at, public_id, last_seen_at, idle_ms, privileges, agent)
                VALUES (\(new.tokenHash), \(new.participantID), \(new.csrfToken), \(now), \(PG.ms(new.expiresAt)), \(Self.newSessionHandle()),
                        \(now), \(idle), \(stamp), \(new.agent))
                """)
            // Sessions past their end are swept on every sign-in rather than by a timer.
            try await c.run("DELETE FROM sessions WHERE expires_at < \(now) OR (idle_ms IS NOT NULL AND last_seen_at + idle_ms < \(now))")
        }
    }

    /// 128 random bits, hex: a handle, not a secret (ending one needs the owner's session too).
    static func newSessionHandle() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
    }

    public func session(tokenHash: String, at now: Date) async throws -> SessionRecord? {
        // NB: one statement, outside any explicit transaction: one round trip per request gives the
        // participant, their roles and their unread count (the SQLite adapter does the same in one read).
        let ms = PG.ms(now)
        return try await single { c in
            guard let row = try await c.one(
                """
                SELECT p.*, (SELECT role FROM instance_roles ir WHERE ir.participant_id = p.id) AS instance_role,
                    (SELECT string_agg(cr.consultation_id || ':' || cr.role, ',') FROM consultation_roles cr WHERE cr.participant_id = p.id) AS c_roles,
                    (SELECT COUNT(*) FROM notifications n WHERE n.participant_id = p.id AND n.read_at IS NULL) AS unread,
                    s.csrf_token AS s_csrf, s.expires_at AS s_expires, s.public_id AS s_public, s.created_at AS s_created,
                    s.last_seen_at AS s_seen, s.privileges AS s_privileges, s.second_factor_at AS s_2fa,
                    EXISTS (SELECT 1 FROM second_factors f WHERE f.participant_id = p.id AND f.confirmed_at IS NOT NULL) AS has_2fa
                    FROM sessions s
                JOIN participants p ON p.id = s.participant_id
                WHERE s.token_hash = \(tokenHash) AND s.expires_at > \(ms) AND (s.idle_ms IS NULL OR s.last_seen_at + s.idle_ms > \(ms))
                """)
            else { return nil }
            var roles: [ID: ConsultationRole] = [:]
            for pair in ((try row["c_roles"] as String?) ?? "").split(separator: ",") {
                let parts = pair.split(separator: ":")
                if parts.count == 2, let id = ID(parts[0]), let role = ConsultationRole(rawValue: String(parts[1])) { roles[id] = role }
            }
            var record = try SessionRecord(participant: PG.participant(row, keyring), csrfToken: row["s_csrf"], expiresAt: PG.date(row["s_expires"]),
                                           consultationRoles: roles, unreadNotifications: row["unread"])
            record.publicID = (try row["s_public"] as String?) ?? ""
            record.createdAt = PG.date(try row["s_created"])
            record.lastSeenAt = PG.date(try row["s_seen"])
            record.privileges = try row["s_privileges"]
            record.hasSecondFactor = try row["has_2fa"]
            record.secondFactorAt = (try row["s_2fa"] as Int64?).map(PG.date)
            return record
        }
    }

    public func touchSession(tokenHash: String, at now: Date) async throws {
        let ms = PG.ms(now)
        try await write { c in
            try await c.run("UPDATE sessions SET last_seen_at = \(ms) WHERE token_hash = \(tokenHash) AND last_seen_at < \(ms)")
        }
    }

    public func rotateSession(tokenHash: String, to newTokenHash: String, privileges: String, idleTimeout: TimeInterval?, expiresAt: Date, at now: Date) async throws -> Bool {
        let ms = PG.ms(now)
        let idle: Int64? = idleTimeout.map { Int64($0 * 1000) }
        return try await write { c in
            try await c.run(
                """
                UPDATE sessions SET token_hash = \(newTokenHash), privileges = \(privileges), idle_ms = \(idle),
                    expires_at = \(PG.ms(expiresAt)), last_seen_at = \(ms)
                WHERE token_hash = \(tokenHash) AND expires_at > \(ms) AND (idle_ms IS NULL OR last_seen_at + idle_ms > \(ms))
                RETURNING 1
                """) == 1
        }
    }

    public func activeSessions(participantID: ID, at now: Date, offset: Int, limit: Int) async throws -> [ActiveSession] {
        let ms = PG.ms(now)
        return try await read { c in
            try await c.rows(
                """
                SELECT s.public_id, s.created_at, s.last_seen_at, s.expires_at, s.agent FROM sessions s
                WHERE s.participant_id = \(participantID) AND s.expires_at > \(ms) AND (s.idle_ms IS NULL OR s.last_seen_at + s.idle_ms > \(ms))
                ORDER BY s.created_at DESC, s.public_id LIMIT \(limit) OFFSET \(offset)
                """
            ).map { row in
                try ActiveSession(publicID: (row["public_id"] as String?) ?? "", createdAt: PG.date(row["created_at"]), lastSeenAt: PG.date(row["last_seen_at"]),
                                  expiresAt: PG.date(row["expires_at"]), agent: row["agent"])
            }
        }
    }

    public func activeSessionCount(participantID: ID, at now: Date) async throws -> Int {
        let ms = PG.ms(now)
        return try await read { c in
            try await c.count(
                """
                SELECT COUNT(*) FROM sessions s
                WHERE s.participant_id = \(participantID) AND s.expires_at > \(ms) AND (s.idle_ms IS NULL OR s.last_seen_at + s.idle_ms > \(ms))
                """)
        }
    }

    public func endSession(publicID: String, participantID: ID) async throws -> Bool {
        try await write { c in
            try await c.run("DELETE FROM sessions WHERE public_id = \(publicID) AND participant_id = \(participantID) RETURNING 1") == 1
        }
    }

    @discardableResult
    public func endAllSessions(participantID: ID) async throws -> Int {
        try await write { c in try await c.run("DELETE FROM sessions WHERE participant_id = \(participantID) RETURNING 1") }
    }

    public func deleteSession(tokenHash: String) async throws {
        try await write { c in try await c.run("DELETE FROM sessions WHERE token_hash = \(tokenHash)") }
    }
}
