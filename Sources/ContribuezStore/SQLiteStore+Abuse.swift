import ContribuezCore
import Foundation
import GRDB

/// Abuse resistance (issue 13): password reset links.
extension SQLiteStore {
    public func createPasswordReset(tokenHash: String, participantID: ID, createdAt: Date, expiresAt: Date, mail: NewMail) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO password_resets (token_hash, participant_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [tokenHash, participantID, SQL.ms(createdAt), SQL.ms(expiresAt)])
            try db.execute(
                sql: """
                    INSERT INTO mail_outbox (recipient, subject, body, unsubscribe_url, kind, created_at, next_attempt_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [mail.to, mail.subject, mail.text, mail.unsubscribeURL, mail.kind, SQL.ms(createdAt), SQL.ms(createdAt)])
        }
    }

    public func passwordResetsCreated(participantID: ID, since: Date) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db, cachedSQL: "SELECT COUNT(*) FROM password_resets WHERE participant_id = ? AND created_at > ?",
                arguments: [participantID, SQL.ms(since)]) ?? 0
        }
    }

    public func passwordReset(tokenHash: String) async throws -> PasswordResetLink? {
        try await pool.read { db in
            try Row.fetchOne(db, cachedSQL: "SELECT * FROM password_resets WHERE token_hash = ?", arguments: [tokenHash]).map(Self.passwordResetLink)
        }
    }

    public func usePasswordReset(tokenHash: String, passwordHash: String, at: Date) async throws -> PasswordResetUse {
        try await pool.write { db in
            // NB: one conditional UPDATE: of two concurrent uses only one changes the row.
            try db.execute(
                sql: "UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
                arguments: [SQL.ms(at), tokenHash, SQL.ms(at)])
            guard let link = try Row.fetchOne(db, cachedSQL: "SELECT * FROM password_resets WHERE token_hash = ?", arguments: [tokenHash])
                .map(Self.passwordResetLink) else { return .unknown }
            guard db.changesCount == 1 else { return link.refusal(at: at) }
            try db.execute(
                sql: "UPDATE password_resets SET used_at = ? WHERE participant_id = ? AND used_at IS NULL",
                arguments: [SQL.ms(at), link.participantID])
            try db.execute(
                sql: "UPDATE participants SET password_hash = ? WHERE id = ? AND password_hash IS NOT NULL",
                arguments: [passwordHash, link.participantID])
            try db.execute(sql: "DELETE FROM sessions WHERE participant_id = ?", arguments: [link.participantID])
            return .reset(participantID: link.participantID)
        }
    }

    public func serverSecret(name: String, candidate: String, at: Date) async throws -> String {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO server_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                arguments: [name, candidate, SQL.ms(at)])
            return try String.fetchOne(db, sql: "SELECT value FROM server_secrets WHERE name = ?", arguments: [name]) ?? candidate
        }
    }

    static func passwordResetLink(_ row: Row) -> PasswordResetLink {
        PasswordResetLink(
            participantID: row["participant_id"], createdAt: SQL.date(row["created_at"]), expiresAt: SQL.date(row["expires_at"]),
            usedAt: (row["used_at"] as Int64?).map(SQL.date))
    }
}
