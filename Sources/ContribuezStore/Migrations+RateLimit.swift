extension Migrations {
    /// Rate limits kept in the database (issue 13). Numbered 0013-….
    ///
    /// One row per (rule, key): `rule` is `action.scope` (`sign-in.account`), `key` a SHA-256 digest of
    /// the e-mail, account or client address (never the raw value). `count` is the hits admitted in the
    /// window starting at `window_start` (milliseconds, aligned on the window's length), `previous` those
    /// of the window before. `expires_at` is the end of the next window: after it the row no longer counts
    /// and the purge deletes it (oldest first, through the index). Portable SQL, written once.
    static let rateLimits: [Migration] = [
        Migration(id: "0013-rate-limits", statements: [
            """
            CREATE TABLE rate_limits (
                rule TEXT NOT NULL CHECK (rule <> ''),
                key TEXT NOT NULL CHECK (key <> ''),
                window_start BIGINT NOT NULL,
                count INTEGER NOT NULL CHECK (count >= 0),
                previous INTEGER NOT NULL CHECK (previous >= 0),
                admitted INTEGER NOT NULL CHECK (admitted IN (0, 1)),
                expires_at BIGINT NOT NULL,
                PRIMARY KEY (rule, key)
            )
            """,
            "CREATE INDEX rate_limits_by_expiry ON rate_limits(expires_at)",
        ]),
    ]
}
