extension Migrations {
    /// Abuse resistance (issue 13): password reset links, the freeze of accounts (« ce n'était pas moi »), sign-up bursts. Numbered 0018.
    ///
    /// - `password_resets`: the mailed reset links, by the SHA-256 of their token only; one hour, one use
    ///   (`used_at`), and spending one marks the account's other links used too.
    /// - `server_secrets`: keys every node must share (the HMAC key of form stamps), drawn by the first
    ///   node that needs one.
    static let abuse: [Migration] = [
        Migration(id: "0018-password-resets-and-secrets", statements: [
            """
            CREATE TABLE password_resets (
                token_hash TEXT PRIMARY KEY,
                participant_id BIGINT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT,
                CHECK (expires_at > created_at)
            )
            """,
            "CREATE INDEX password_resets_by_participant ON password_resets(participant_id, created_at)",
            """
            CREATE TABLE server_secrets (
                name TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
        ]),
    ]
}
