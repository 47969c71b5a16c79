extension Migrations {
    /// Several `serve` nodes on one database (issue 11). Numbered 0008-….
    ///
    /// `mail_outbox.claimed_until`: a sender claims the due mails it is about to send until then; no other
    /// sender gets them before that instant unless they were marked failed (which clears the claim). NULL:
    /// not claimed. `job_leases`: one row per scheduled job (the synthesis scheduler): the node holding an
    /// unexpired lease is the only one running the job. Portable SQL, written once.
    static let nodes: [Migration] = [
        Migration(id: "0008-node-leases", statements: [
            "ALTER TABLE mail_outbox ADD COLUMN claimed_until BIGINT",
            """
            CREATE TABLE job_leases (
                name TEXT PRIMARY KEY CHECK (name <> ''),
                holder TEXT NOT NULL CHECK (holder <> ''),
                expires_at BIGINT NOT NULL
            )
            """,
        ]),
    ]
}
