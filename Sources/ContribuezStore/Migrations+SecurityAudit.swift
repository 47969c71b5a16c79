extension Migrations {
    /// The audit trail accepts the actions of issue 13 (account freeze and its review, second-factor reset,
    /// key rotation). Numbered 0015. The statements are per backend (SQLite cannot alter a CHECK).
    static let securityAudit: [Migration] = [
        Migration(id: "0015-security-audit", statements: []),
    ]

    /// Every audit action the trail accepts from 0015 on. NB: frozen with the migration.
    static let auditActions0015 = auditActions0012 + """
        , 'freeze_account', 'unfreeze_account', 'uphold_freeze', 'reset_second_factor', 'rotate_keys'
        """

    /// SQLite: the audit table rebuilt with the wider CHECK, as 0012 did.
    static let securityAuditSQLite: [String] = [
        """
        CREATE TABLE audit_log_0015 (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            consultation_id BIGINT,
            actor_id BIGINT,
            actor_name TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN (\(auditActions0015))),
            target_kind TEXT NOT NULL,
            target_id BIGINT NOT NULL,
            reason TEXT NOT NULL,
            detail TEXT NOT NULL,
            at BIGINT NOT NULL
        )
        """,
        """
        INSERT INTO audit_log_0015 (seq, consultation_id, actor_id, actor_name, action, target_kind, target_id, reason, detail, at)
        SELECT seq, consultation_id, actor_id, actor_name, action, target_kind, target_id, reason, detail, at FROM audit_log ORDER BY seq
        """,
        "DROP TABLE audit_log",
        "ALTER TABLE audit_log_0015 RENAME TO audit_log",
        "CREATE INDEX audit_by_consultation ON audit_log(consultation_id, seq)",
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    ]

    /// PostgreSQL: the column CHECK replaced in place.
    static let securityAuditPostgres: [String] = [
        "ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check",
        "ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN (\(auditActions0015)))",
    ]
}
