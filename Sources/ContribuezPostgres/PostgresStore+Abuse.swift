import ContribuezCore
import Foundation
import PostgresNIO

/// Abuse resistance (issue 13): password reset links; see the SQLite adapter's twin.
extension PostgresStore {
    public func createPasswordReset(tokenHash: String, participantID: ID, createdAt: Date, expiresAt: Date, mail: NewMail) async throws {
        try await write { c in
            try await c.run(
                """
                INSERT INTO password_resets (token_hash, participant_id, created_at, expires_at)
                VALUES (\(tokenHash), \(participantID), \(PG.ms(createdAt)), \(PG.ms(expiresAt)))
                """)
            try await c.run(
                """
                INSERT INTO mail_outbox (recipient, subject, body, unsubscribe_url, kind, created_at, next_attempt_at)
                VALUES (\(mail.to), \(mail.subject), \(mail.text), \(mail.unsubscribeURL), \(mail.kind), \(PG.ms(createdAt)), \(PG.ms(createdAt)))
                """)
        }
    }

    public func passwordResetsCreated(participantID: ID, since: Date) async throws -> Int {
        try await single { c in
            try await c.count("SELECT COUNT(*) FROM password_resets WHERE participant_id = \(participantID) AND created_at > \(PG.ms(since))")
        }
    }

    public func passwordReset(tokenHash: String) async throws -> PasswordResetLink? {
        try await single { c in
            try await c.one("SELECT * FROM password_resets WHERE token_hash = \(tokenHash)").map(Self.passwordResetLink)
        }
    }

    public func usePasswordReset(tokenHash: String, passwordHash: String, at: Date) async throws -> PasswordResetUse {
        try await write { c in
            // NB: one conditional UPDATE: of two concurrent uses, the second waits for the first's row lock,
            // then sees `used_at` set and changes nothing.
            let spent = try await c.run(
                """
                UPDATE password_resets SET used_at = \(PG.ms(at))
                WHERE token_hash = \(tokenHash) AND used_at IS NULL AND expires_at > \(PG.ms(at))
                RETURNING 1
                """)
            guard let row = try await c.one("SELECT * FROM password_resets WHERE token_hash = \(tokenHash)") else { return .unknown }
            let link = try Self.passwordResetLink(row)
            guard spent == 1 else { return link.refusal(at: at) }
            try await c.run(
                "UPDATE password_resets SET used_at = \(PG.ms(at)) WHERE participant_id = \(link.participantID) AND used_at IS NULL")
            try await c.run(
                "UPDATE participants SET password_hash = \(passwordHash) WHERE id = \(link.participantID) AND password_hash IS NOT NULL")
            try await c.run("DELETE FROM sessions WHERE participant_id = \(link.participantID)")
            return .reset(participantID: link.participantID)
        }
    }

    public func serverSecret(name: String, candidate: String, at: Date) async throws -> String {
        try await write { c in
            try await c.run("INSERT INTO server_secrets (name, value, created_at) VALUES (\(name), \(candidate), \(PG.ms(at))) ON CONFLICT (name) DO NOTHING")
            return try await c.scalar("SELECT value FROM server_secrets WHERE name = \(name)", as: String.self) ?? candidate
        }
    }

    static func passwordResetLink(_ row: PGRow) throws -> PasswordResetLink {
        PasswordResetLink(
            participantID: try row["participant_id"], createdAt: PG.date(try row["created_at"]), expiresAt: PG.date(try row["expires_at"]),
            usedAt: (try row["used_at"] as Int64?).map(PG.date))
    }
}
