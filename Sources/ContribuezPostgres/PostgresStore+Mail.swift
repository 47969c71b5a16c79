import ContribuezCore
import ContribuezStore
import Foundation
import PostgresNIO

/// The mail outbox (issue 9) in the `mail_outbox` table.
extension PostgresStore {
    public func enqueueMail(_ mail: NewMail, at: Date) async throws -> ID {
        let keys = keyring.current
        return try await write { c in try await Self.insertOutbox(c, mail, at: at, keys) }
    }

    /// Queues `mail`, its recipient and body sealed (issue 13); every INSERT into the outbox goes through here.
    static func insertOutbox(_ c: PostgresConnection, _ mail: NewMail, at: Date, _ keys: Keyring) async throws -> ID {
        let recipient = keys.seal(mail.to, .mailRecipient), body = keys.seal(mail.text, .mailBody)
        guard let id = try await c.scalar(
            """
            INSERT INTO mail_outbox (recipient, subject, body, unsubscribe_url, kind, created_at, next_attempt_at)
            VALUES (\(recipient), \(mail.subject), \(body), \(mail.unsubscribeURL), \(mail.kind), \(PG.ms(at)), \(PG.ms(at)))
            RETURNING id
            """, as: ID.self) else { throw StoreError.constraint("mail not queued") }
        return id
    }

    public func dueMails(at: Date, limit: Int) async throws -> [QueuedMail] {
        try await single { c in
            try await c.rows(
                """
                SELECT * FROM mail_outbox WHERE sent_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= \(PG.ms(at))
                ORDER BY next_attempt_at, id LIMIT \(max(0, limit))
                """).map { try Self.queuedMail($0, keyring) }
        }
    }

    public func claimDueMails(at: Date, limit: Int, claimUntil: Date) async throws -> [QueuedMail] {
        try await write { c in
            // NB: SKIP LOCKED: a mail another sender is claiming right now is left to it; one whose claim
            // committed no longer matches (READ COMMITTED checks the row's latest version before locking it).
            try await c.rows(
                """
                UPDATE mail_outbox SET claimed_until = \(PG.ms(claimUntil))
                WHERE id IN (
                    SELECT id FROM mail_outbox
                    WHERE sent_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= \(PG.ms(at)) AND (claimed_until IS NULL OR claimed_until <= \(PG.ms(at)))
                    ORDER BY next_attempt_at, id LIMIT \(max(0, limit))
                    FOR UPDATE SKIP LOCKED)
                RETURNING *
                """).map { try Self.queuedMail($0, keyring) }
                .sorted { ($0.nextAttemptAt, $0.id) < ($1.nextAttemptAt, $1.id) }
        }
    }

    public func markMailSent(id: ID, at: Date) async throws {
        try await write { c in
            // NB: `sent_at IS NULL` keeps the first sending instant if two senders raced on the same mail.
            try await c.run("UPDATE mail_outbox SET sent_at = \(PG.ms(at)), claimed_until = NULL WHERE id = \(id) AND sent_at IS NULL")
        }
    }

    public func markMailFailed(id: ID, error: String, retryAt: Date) async throws {
        try await write { c in
            // `failure_seq` only orders the admin's list of recent failures (newest first).
            // NB: the table lock makes MAX(failure_seq) + 1 unique across concurrent failures, as SQLite's single writer does.
            try await c.run("LOCK TABLE mail_outbox IN SHARE ROW EXCLUSIVE MODE")
            try await c.run(
                """
                UPDATE mail_outbox SET attempts = attempts + 1, last_error = \(String(error.prefix(1000))), next_attempt_at = \(PG.ms(retryAt)), claimed_until = NULL,
                    failure_seq = (SELECT COALESCE(MAX(failure_seq), 0) + 1 FROM mail_outbox)
                WHERE id = \(id) AND sent_at IS NULL
                """)
        }
    }

    public func markMailAbandoned(id: ID, error: String, at: Date) async throws {
        try await write { c in
            // NB: the same table lock as markMailFailed keeps failure_seq unique.
            try await c.run("LOCK TABLE mail_outbox IN SHARE ROW EXCLUSIVE MODE")
            try await c.run(
                """
                UPDATE mail_outbox SET attempts = attempts + 1, last_error = \(String(error.prefix(1000))), abandoned_at = \(PG.ms(at)), claimed_until = NULL,
                    failure_seq = (SELECT COALESCE(MAX(failure_seq), 0) + 1 FROM mail_outbox)
                WHERE id = \(id) AND sent_at IS NULL
                """)
        }
    }

    public func outboxStatus() async throws -> OutboxStatus {
        try await read { c in
            let counts = try await c.one(
                """
                SELECT COALESCE(SUM(CASE WHEN sent_at IS NULL AND abandoned_at IS NULL THEN 1 ELSE 0 END), 0) AS queued,
                       COALESCE(SUM(CASE WHEN sent_at IS NULL AND abandoned_at IS NULL AND attempts > 0 THEN 1 ELSE 0 END), 0) AS failing,
                       COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS sent,
                       COALESCE(SUM(CASE WHEN abandoned_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS abandoned,
                       MIN(CASE WHEN sent_at IS NULL AND abandoned_at IS NULL THEN created_at END) AS oldest
                FROM mail_outbox
                """)
            let failures = try await c.rows(
                "SELECT * FROM mail_outbox WHERE sent_at IS NULL AND attempts > 0 ORDER BY failure_seq DESC LIMIT 20").map { try Self.queuedMail($0, keyring) }
            return OutboxStatus(
                queued: try counts?["queued"] ?? 0, failing: try counts?["failing"] ?? 0, sent: try counts?["sent"] ?? 0,
                oldestQueuedAt: (try counts?["oldest"] as Int64?).map(PG.date), recentFailures: failures, abandoned: try counts?["abandoned"] ?? 0)
        }
    }

    static func queuedMail(_ row: PGRow, _ keys: StoreKeys) throws -> QueuedMail {
        try QueuedMail(
            id: row["id"], to: keys.unseal(row["recipient"] as String, .mailRecipient), subject: row["subject"],
            text: keys.unseal(row["body"] as String, .mailBody), unsubscribeURL: row["unsubscribe_url"],
            kind: row["kind"], createdAt: PG.date(row["created_at"]), attempts: row["attempts"],
            nextAttemptAt: PG.date(row["next_attempt_at"]), lastError: row["last_error"],
            sentAt: (row["sent_at"] as Int64?).map(PG.date), abandonedAt: (row["abandoned_at"] as Int64?).map(PG.date))
    }
}
