import ContribuezCore
import Foundation
import GRDB

/// The mail outbox (issue 9) in the `mail_outbox` table.
extension SQLiteStore {
    public func enqueueMail(_ mail: NewMail, at: Date) async throws -> ID {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO mail_outbox (recipient, subject, body, unsubscribe_url, kind, created_at, next_attempt_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: Self.outboxArguments(mail, at: at, keyring.current))
            return db.lastInsertedRowID
        }
    }

    public func dueMails(at: Date, limit: Int) async throws -> [QueuedMail] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM mail_outbox WHERE sent_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
                arguments: [SQL.ms(at), max(0, limit)]).map { try Self.queuedMail($0, keyring) }
        }
    }

    public func claimDueMails(at: Date, limit: Int, claimUntil: Date) async throws -> [QueuedMail] {
        // NB: SQLite has one writer: the read and the claim in one write transaction cannot interleave with another claim.
        try await pool.write { db in
            let mails = try Row.fetchAll(
                db, sql: """
                    SELECT * FROM mail_outbox WHERE sent_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
                    ORDER BY next_attempt_at, id LIMIT ?
                    """,
                arguments: [SQL.ms(at), SQL.ms(at), max(0, limit)]).map { try Self.queuedMail($0, keyring) }
            for mail in mails {
                try db.execute(sql: "UPDATE mail_outbox SET claimed_until = ? WHERE id = ?", arguments: [SQL.ms(claimUntil), mail.id])
            }
            return mails
        }
    }

    public func markMailSent(id: ID, at: Date) async throws {
        try await pool.write { db in
            // NB: `sent_at IS NULL` keeps the first sending instant if two senders raced on the same mail.
            try db.execute(sql: "UPDATE mail_outbox SET sent_at = ?, claimed_until = NULL WHERE id = ? AND sent_at IS NULL", arguments: [SQL.ms(at), id])
        }
    }

    public func markMailFailed(id: ID, error: String, retryAt: Date) async throws {
        try await pool.write { db in
            // `failure_seq` only orders the admin's list of recent failures (newest first).
            try db.execute(
                sql: """
                    UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, claimed_until = NULL,
                        failure_seq = (SELECT COALESCE(MAX(failure_seq), 0) + 1 FROM mail_outbox)
                    WHERE id = ? AND sent_at IS NULL
                    """,
                arguments: [String(error.prefix(1000)), SQL.ms(retryAt), id])
        }
    }

    public func markMailAbandoned(id: ID, error: String, at: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?, abandoned_at = ?, claimed_until = NULL,
                        failure_seq = (SELECT COALESCE(MAX(failure_seq), 0) + 1 FROM mail_outbox)
                    WHERE id = ? AND sent_at IS NULL
                    """,
                arguments: [String(error.prefix(1000)), SQL.ms(at), id])
        }
    }

    public func outboxStatus() async throws -> OutboxStatus {
        try await pool.read { db in
            let counts = try Row.fetchOne(
                db, sql: """
                    SELECT COALESCE(SUM(CASE WHEN sent_at IS NULL AND abandoned_at IS NULL THEN 1 ELSE 0 END), 0) AS queued,
                           COALESCE(SUM(CASE WHEN sent_at IS NULL AND abandoned_at IS NULL AND attempts > 0 THEN 1 ELSE 0 END), 0) AS failing,
                           COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS sent,
                           COALESCE(SUM(CASE WHEN abandoned_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS abandoned,
                           MIN(CASE WHEN sent_at IS NULL AND abandoned_at IS NULL THEN created_at END) AS oldest
                    FROM mail_outbox
                    """)
            let failures = try Row.fetchAll(
                db, sql: "SELECT * FROM mail_outbox WHERE sent_at IS NULL AND attempts > 0 ORDER BY failure_seq DESC LIMIT 20")
                .map { try Self.queuedMail($0, keyring) }
            return OutboxStatus(
                queued: counts?["queued"] ?? 0, failing: counts?["failing"] ?? 0, sent: counts?["sent"] ?? 0,
                oldestQueuedAt: (counts?["oldest"] as Int64?).map(SQL.date), recentFailures: failures, abandoned: counts?["abandoned"] ?? 0)
        }
    }

    /// The arguments of `INSERT INTO mail_outbox (recipient, subject, body, unsubscribe_url, kind, created_at, next_attempt_at)`:
    /// the recipient and the body sealed (issue 13); the subject is the same for everyone of a kind.
    static func outboxArguments(_ mail: NewMail, at: Date, _ keys: Keyring) -> StatementArguments {
        [keys.seal(mail.to, .mailRecipient), mail.subject, keys.seal(mail.text, .mailBody), mail.unsubscribeURL, mail.kind, SQL.ms(at), SQL.ms(at)]
    }

    static func queuedMail(_ row: Row, _ keys: StoreKeys) throws -> QueuedMail {
        QueuedMail(
            id: row["id"], to: try keys.unseal(row["recipient"] as String, .mailRecipient), subject: row["subject"],
            text: try keys.unseal(row["body"] as String, .mailBody), unsubscribeURL: row["unsubscribe_url"],
            kind: row["kind"], createdAt: SQL.date(row["created_at"]), attempts: row["attempts"],
            nextAttemptAt: SQL.date(row["next_attempt_at"]), lastError: row["last_error"],
            sentAt: (row["sent_at"] as Int64?).map(SQL.date), abandonedAt: (row["abandoned_at"] as Int64?).map(SQL.date))
    }
}
