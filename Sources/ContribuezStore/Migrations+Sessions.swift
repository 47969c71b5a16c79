extension Migrations {
    /// Sessions and the second factor for staff (issue 13): rotation, idle and absolute timeouts, sign out everywhere, active sessions, TOTP and recovery codes. Numbered 0016.
    ///
    /// NB: sessions opened before 0016 carry none of the new columns' facts (no idle timeout, no privileges):
    /// they are ended, and everyone signs in again once.
    static let sessionSecurity: [Migration] = [
        Migration(id: "0016-session-security", statements: [
            "DELETE FROM sessions",
            // A random handle by which the owner lists and ends a session (the token hash is never shown).
            "ALTER TABLE sessions ADD COLUMN public_id TEXT",
            "ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0",
            // Milliseconds without a request after which the session ends; NULL: no idle timeout.
            "ALTER TABLE sessions ADD COLUMN idle_ms BIGINT",
            // SessionPrivileges.stamp of the roles the session was opened or last rotated with.
            "ALTER TABLE sessions ADD COLUMN privileges TEXT",
            // A coarse client description ("Chromium|Linux"); never the raw User-Agent, never an address.
            "ALTER TABLE sessions ADD COLUMN agent TEXT NOT NULL DEFAULT ''",
            // When this session's holder proved their second factor (staff); NULL: not proved in this session.
            "ALTER TABLE sessions ADD COLUMN second_factor_at BIGINT",
            "CREATE UNIQUE INDEX sessions_by_public_id ON sessions(public_id)",
            // One TOTP secret per participant, in its own column so it can be sealed; confirmed once a code
            // computed from it was given back; last_step is the last accepted time step (no replay).
            """
            CREATE TABLE second_factors (
                participant_id BIGINT PRIMARY KEY REFERENCES participants(id) ON DELETE CASCADE,
                secret TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                confirmed_at BIGINT,
                last_step BIGINT NOT NULL DEFAULT 0
            )
            """,
            // Recovery codes, by their SHA-256 only; each usable once.
            """
            CREATE TABLE recovery_codes (
                participant_id BIGINT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
                code_hash TEXT NOT NULL,
                used_at BIGINT,
                PRIMARY KEY (participant_id, code_hash)
            )
            """,
        ]),
    ]
}
