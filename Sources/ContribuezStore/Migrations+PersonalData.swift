extension Migrations {
    /// Personal data on demand and the deletion choice (issue 12). Numbered 0012-….
    ///
    /// - `contributions.erased_at`: set when the author deleted their account and chose to delete their
    ///   contributions (the texts are emptied in place, the row keeps its place for replies and votes).
    /// - `personal_data_links`: the mailed download links, by the SHA-256 of their token only; 24 hours,
    ///   one use (`used_at`).
    /// - an index of the vote log by participant, so one person's vote history is read page by page
    ///   without scanning the whole log.
    /// - the audit trail accepts `account_deleted` (backend statements below: SQLite cannot alter a CHECK).
    static let personalData: [Migration] = [
        Migration(id: "0012-personal-data", statements: [
            "ALTER TABLE contributions ADD COLUMN erased_at BIGINT",
            """
            CREATE TABLE personal_data_links (
                token_hash TEXT PRIMARY KEY,
                participant_id BIGINT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT,
                CHECK (expires_at > created_at)
            )
            """,
            "CREATE INDEX personal_data_links_by_participant ON personal_data_links(participant_id, created_at)",
            "CREATE INDEX vote_events_by_participant ON vote_events(participant_id, seq)",
        ]),
    ]

    /// Every audit action the trail accepts from 0012 on. NB: frozen with the migration; a later action
    /// needs a migration of its own.
    static let auditActions0012 = """
        'grant_instance_role', 'grant_role', 'revoke_role', 'create_consultation',
        'edit_consultation', 'import_text', 'edit_article', 'publish', 'close', 'hide', 'restore', 'approve', 'reject',
        'hide_by_reports', 'answer', 'publish_version', 'record_uptake', 'account_deleted'
        """

    /// SQLite: the audit table rebuilt with the wider CHECK (rows, sequence numbers, index and
    /// append-only triggers kept). NB: DROP TABLE drops the triggers before its implicit delete, so the
    /// append-only guard does not fire; nothing references the table.
    static let personalDataSQLite: [String] = [
        """
        CREATE TABLE audit_log_0012 (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            consultation_id BIGINT,
            actor_id BIGINT,
            actor_name TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN (\(auditActions0012))),
            target_kind TEXT NOT NULL,
            target_id BIGINT NOT NULL,
            reason TEXT NOT NULL,
            detail TEXT NOT NULL,
            at BIGINT NOT NULL
        )
        """,
        """
        INSERT INTO audit_log_0012 (seq, consultation_id, actor_id, actor_name, action, target_kind, target_id, reason, detail, at)
        SELECT seq, consultation_id, actor_id, actor_name, action, target_kind, target_id, reason, detail, at FROM audit_log ORDER BY seq
        """,
        "DROP TABLE audit_log",
        "ALTER TABLE audit_log_0012 RENAME TO audit_log",
        "CREATE INDEX audit_by_consultation ON audit_log(consultation_id, seq)",
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    ]

    /// PostgreSQL: the column CHECK replaced in place (its default name), the guards untouched.
    static let personalDataPostgres: [String] = [
        "ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check",
        "ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN (\(auditActions0012)))",
    ]
}
