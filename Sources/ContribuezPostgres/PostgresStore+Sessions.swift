import ContribuezCore
import Foundation
import PostgresNIO

/// Sessions, as the SQLite adapter keeps them (SQLiteStore+Sessions.swift).
extension PostgresStore {
    public func createSession(tokenHash: String, participantID: ID, csrfToken: String, createdAt: Date, expiresAt: Date) async throws {
        try await write { c in
            try await c.run(
                """
                INSERT INTO sessions (token_hash, participant_id, csrf_token, created_at, expires_at)
                VALUES (\(tokenHash), \(participantID), \(csrfToken), \(PG.ms(createdAt)), \(PG.ms(expiresAt)))
                """)
            // Expired sessions are swept on every sign-in rather than by a timer.
            try await c.run("DELETE FROM sessions WHERE expires_at < \(PG.ms(createdAt))")
        }
    }

    public func session(tokenHash: String, at now: Date) async throws -> SessionRecord? {
        // NB: one statement, outside any explicit transaction: one round trip per request gives the
        // participant, their roles and their unread count (the SQLite adapter does the same in one read).
        try await single { c in
            guard let row = try await c.one(
                """
                SELECT p.*, (SELECT role FROM instance_roles ir WHERE ir.participant_id = p.id) AS instance_role,
                    (SELECT string_agg(cr.consultation_id || ':' || cr.role, ',') FROM consultation_roles cr WHERE cr.participant_id = p.id) AS c_roles,
                    (SELECT COUNT(*) FROM notifications n WHERE n.participant_id = p.id AND n.read_at IS NULL) AS unread,
                    s.csrf_token AS s_csrf, s.expires_at AS s_expires FROM sessions s
                JOIN participants p ON p.id = s.participant_id
                WHERE s.token_hash = \(tokenHash) AND s.expires_at > \(PG.ms(now))
                """)
            else { return nil }
            var roles: [ID: ConsultationRole] = [:]
            for pair in ((try row["c_roles"] as String?) ?? "").split(separator: ",") {
                let parts = pair.split(separator: ":")
                if parts.count == 2, let id = ID(parts[0]), let role = ConsultationRole(rawValue: String(parts[1])) { roles[id] = role }
            }
            return try SessionRecord(participant: PG.participant(row), csrfToken: row["s_csrf"], expiresAt: PG.date(row["s_expires"]),
                                     consultationRoles: roles, unreadNotifications: row["unread"])
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        try await write { c in try await c.run("DELETE FROM sessions WHERE token_hash = \(tokenHash)") }
    }
}
