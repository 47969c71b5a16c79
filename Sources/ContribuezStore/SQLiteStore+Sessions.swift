import ContribuezCore
import Foundation
import GRDB

/// Sessions: opened at sign-in, read on every request, rotated when privileges change, ended at sign-out or
/// everywhere at once (issue 13). Live means before `expires_at` and, with an idle timeout, seen within it.
extension SQLiteStore {
    /// The live-session condition on alias `s`, bound to `now` twice.
    static let liveSession = "s.expires_at > ? AND (s.idle_ms IS NULL OR s.last_seen_at + s.idle_ms > ?)"

    public func createSession(tokenHash: String, participantID: ID, csrfToken: String, createdAt: Date, expiresAt: Date) async throws {
        try await openSession(NewSession(tokenHash: tokenHash, participantID: participantID, csrfToken: csrfToken,
                                         createdAt: createdAt, expiresAt: expiresAt, idleTimeout: nil, agent: ""))
    }

    public func openSession(_ new: NewSession) async throws {
        try await pool.write { db in
            let role = try String.fetchOne(db, sql: "SELECT role FROM instance_roles WHERE participant_id = ?", arguments: [new.participantID])
            var roles: [ID: ConsultationRole] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT consultation_id, role FROM consultation_roles WHERE participant_id = ?", arguments: [new.participantID]) {
                if let r = ConsultationRole(rawValue: row["role"]) { roles[row["consultation_id"]] = r }
            }
            let stamp = SessionPrivileges.stamp(role: role.flatMap(Role.init(rawValue:)) ?? .participant, consultationRoles: roles)
            let now = SQL.ms(new.createdAt)
            try db.execute(
                sql: """
                    INSERT INTO sessions (token_hash, participant_id, csrf_token, created_at, expires_at, public_id, last_seen_at, idle_ms, privileges, agent)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [new.tokenHash, new.participantID, new.csrfToken, now, SQL.ms(new.expiresAt), Self.newSessionHandle(), now,
                            new.idleTimeout.map { Int64($0 * 1000) }, stamp, new.agent])
            // Sessions past their end are swept on every sign-in rather than by a timer.
            try db.execute(sql: "DELETE FROM sessions WHERE expires_at < ? OR (idle_ms IS NOT NULL AND last_seen_at + idle_ms < ?)", arguments: [now, now])
        }
    }

    /// 128 random bits, hex: a handle, not a secret (ending one needs the owner's session too).
    static func newSessionHandle() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
    }

    public func session(tokenHash: String, at now: Date) async throws -> SessionRecord? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(
                db,
                cachedSQL: """
                    SELECT p.*, (SELECT role FROM instance_roles ir WHERE ir.participant_id = p.id) AS instance_role,
                        (SELECT group_concat(cr.consultation_id || ':' || cr.role) FROM consultation_roles cr WHERE cr.participant_id = p.id) AS c_roles,
                        (SELECT COUNT(*) FROM notifications n WHERE n.participant_id = p.id AND n.read_at IS NULL) AS unread,
                        s.csrf_token AS s_csrf, s.expires_at AS s_expires, s.public_id AS s_public, s.created_at AS s_created,
                        s.last_seen_at AS s_seen, s.privileges AS s_privileges, s.second_factor_at AS s_2fa,
                        EXISTS (SELECT 1 FROM second_factors f WHERE f.participant_id = p.id AND f.confirmed_at IS NOT NULL) AS has_2fa
                    FROM sessions s
                    JOIN participants p ON p.id = s.participant_id
                    WHERE s.token_hash = ? AND \(Self.liveSession)
                    """,
                arguments: [tokenHash, SQL.ms(now), SQL.ms(now)])
            else { return nil }
            // NB: one indexed read per request gives the participant, their roles and their unread count.
            var roles: [ID: ConsultationRole] = [:]
            for pair in ((row["c_roles"] as String?) ?? "").split(separator: ",") {
                let parts = pair.split(separator: ":")
                if parts.count == 2, let id = ID(parts[0]), let role = ConsultationRole(rawValue: String(parts[1])) { roles[id] = role }
            }
            var record = SessionRecord(participant: try SQL.participant(row, keyring), csrfToken: row["s_csrf"], expiresAt: SQL.date(row["s_expires"]),
                                       consultationRoles: roles, unreadNotifications: row["unread"])
            record.publicID = (row["s_public"] as String?) ?? ""
            record.createdAt = SQL.date(row["s_created"])
            record.lastSeenAt = SQL.date(row["s_seen"])
            record.privileges = row["s_privileges"]
            record.hasSecondFactor = row["has_2fa"]
            record.secondFactorAt = (row["s_2fa"] as Int64?).map(SQL.date)
            return record
        }
    }

    public func touchSession(tokenHash: String, at now: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ? AND last_seen_at < ?",
                           arguments: [SQL.ms(now), tokenHash, SQL.ms(now)])
        }
    }

    public func rotateSession(tokenHash: String, to newTokenHash: String, privileges: String, idleTimeout: TimeInterval?, expiresAt: Date, at now: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE sessions SET token_hash = ?, privileges = ?, idle_ms = ?, expires_at = ?, last_seen_at = ?
                    WHERE token_hash = ? AND expires_at > ? AND (idle_ms IS NULL OR last_seen_at + idle_ms > ?)
                    """,
                arguments: [newTokenHash, privileges, idleTimeout.map { Int64($0 * 1000) }, SQL.ms(expiresAt), SQL.ms(now),
                            tokenHash, SQL.ms(now), SQL.ms(now)])
            return db.changesCount == 1
        }
    }

    public func activeSessions(participantID: ID, at now: Date, offset: Int, limit: Int) async throws -> [ActiveSession] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                cachedSQL: """
                    SELECT s.public_id, s.created_at, s.last_seen_at, s.expires_at, s.agent FROM sessions s
                    WHERE s.participant_id = ? AND \(Self.liveSession)
                    ORDER BY s.created_at DESC, s.public_id LIMIT ? OFFSET ?
                    """,
                arguments: [participantID, SQL.ms(now), SQL.ms(now), limit, offset]
            ).map { row in
                ActiveSession(publicID: (row["public_id"] as String?) ?? "", createdAt: SQL.date(row["created_at"]), lastSeenAt: SQL.date(row["last_seen_at"]),
                              expiresAt: SQL.date(row["expires_at"]), agent: row["agent"])
            }
        }
    }

    public func activeSessionCount(participantID: ID, at now: Date) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, cachedSQL: "SELECT COUNT(*) FROM sessions s WHERE s.participant_id = ? AND \(Self.liveSession)",
                             arguments: [participantID, SQL.ms(now), SQL.ms(now)]) ?? 0
        }
    }

    public func endSession(publicID: String, participantID: ID) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM sessions WHERE public_id = ? AND participant_id = ?", arguments: [publicID, participantID])
            return db.changesCount == 1
        }
    }

    @discardableResult
    public func endAllSessions(participantID: ID) async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM sessions WHERE participant_id = ?", arguments: [participantID])
            return db.changesCount
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM sessions WHERE token_hash = ?", arguments: [tokenHash]) }
    }
}
