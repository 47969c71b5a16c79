extension Migrations {
    /// The mail outbox (issue 9). Numbered 0006-….
    ///
    /// NB: rows are never deleted: a sent mail keeps its row (`sent_at` set) for the admin's counts,
    /// and a failing one stays queued until it goes through. `failure_seq` numbers failures in the order
    /// they were recorded (the port passes no failure instant), for the admin's list of recent failures.
    static let mail: [Migration] = [
        Migration(id: "0006-mail-outbox", statements: [
            """
            CREATE TABLE mail_outbox (
                id AUTOINCREMENT_PK,
                recipient TEXT NOT NULL CHECK (recipient <> ''),
                subject TEXT NOT NULL,
                body TEXT NOT NULL,
                unsubscribe_url TEXT,
                kind TEXT NOT NULL CHECK (kind <> ''),
                created_at BIGINT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                next_attempt_at BIGINT NOT NULL,
                last_error TEXT,
                failure_seq BIGINT,
                sent_at BIGINT,
                CHECK ((attempts = 0) = (failure_seq IS NULL))
            )
            """,
            // The sender's query: queued (sent_at IS NULL) and due, oldest due first.
            "CREATE INDEX mail_outbox_due ON mail_outbox(sent_at, next_attempt_at)",
        ]),
    ]
}
