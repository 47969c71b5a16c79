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
        // « Ce n'était pas moi »: the welcome mail's link (by hash), frozen accounts and what their freeze hid;
        // sign-up networks (a keyed hash of the /24 or /64, kept 30 days) for burst detection.
        Migration(id: "0020-account-freezes-and-sign-up-networks", statements: [
            """
            CREATE TABLE account_disavowals (
                token_hash TEXT PRIMARY KEY,
                participant_id BIGINT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT,
                CHECK (expires_at > created_at)
            )
            """,
            "CREATE INDEX account_disavowals_by_participant ON account_disavowals(participant_id)",
            """
            CREATE TABLE account_freezes (
                participant_id BIGINT PRIMARY KEY REFERENCES participants(id) ON DELETE CASCADE,
                origin TEXT NOT NULL CHECK (origin IN ('disavowed', 'moderator')),
                reason TEXT NOT NULL,
                frozen_by BIGINT REFERENCES participants(id) ON DELETE SET NULL,
                frozen_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX account_freezes_by_time ON account_freezes(frozen_at, participant_id)",
            """
            CREATE TABLE freeze_hidden (
                participant_id BIGINT NOT NULL REFERENCES account_freezes(participant_id) ON DELETE CASCADE,
                contribution_id BIGINT NOT NULL REFERENCES contributions(id) ON DELETE CASCADE,
                PRIMARY KEY (participant_id, contribution_id)
            )
            """,
            """
            CREATE TABLE sign_up_networks (
                participant_id BIGINT PRIMARY KEY REFERENCES participants(id) ON DELETE CASCADE,
                network TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX sign_up_networks_by_time ON sign_up_networks(created_at, network)",
        ]),
    ]
}
