import ContribuezCore
import Foundation
import GRDB

/// Sessions: created at sign-in, read on every request, deleted at sign-out (issue 13 adds rotation, timeouts,
/// sign out everywhere and the list of active sessions).
extension SQLiteStore {
    public func createSession(tokenHash: String, participantID: ID, csrfToken: String, createdAt: Date, expiresAt: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO sessions (token_hash, participant_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [tokenHash, participantID, csrfToken, SQL.ms(createdAt), SQL.ms(expiresAt)])
            // Expired sessions are swept on every sign-in rather than by a timer.
            try db.execute(sql: "DELETE FROM sessions WHERE expires_at < ?", arguments: [SQL.ms(createdAt)])
        }
    }

    public func session(tokenHash: String, at now: Date) async throws -> SessionRecord? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(
                db,
                cachedSQL: """
                    SELECT p.*, (SELECT role FROM instance_roles ir WHERE ir.participant_id = p.id) AS instance_role,
                        (SELECT group_concat(cr.consultation_id || ':' || cr.role) FROM consultation_roles cr WHERE cr.participant_id = p.id) AS c_roles,
                        (SELECT COUNT(*) FROM notifications n WHERE n.participant_id = p.id AND n.read_at IS NULL) AS unread,
                        s.csrf_token AS s_csrf, s.expires_at AS s_expires FROM sessions s
                    JOIN participants p ON p.id = s.participant_id
                    WHERE s.token_hash = ? AND s.expires_at > ?
                    """,
                arguments: [tokenHash, SQL.ms(now)])
            else { return nil }
            // NB: one indexed read per request gives the participant, their roles and their unread count.
            var roles: [ID: ConsultationRole] = [:]
            for pair in ((row["c_roles"] as String?) ?? "").split(separator: ",") {
                let parts = pair.split(separator: ":")
                if parts.count == 2, let id = ID(parts[0]), let role = ConsultationRole(rawValue: String(parts[1])) { roles[id] = role }
            }
            return SessionRecord(participant: SQL.participant(row), csrfToken: row["s_csrf"], expiresAt: SQL.date(row["s_expires"]),
                                 consultationRoles: roles, unreadNotifications: row["unread"])
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM sessions WHERE token_hash = ?", arguments: [tokenHash]) }
    }
}
