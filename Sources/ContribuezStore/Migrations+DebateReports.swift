extension Migrations {
    /// Debate reports (issue 15, items 3–5): one report per debate (its primary key is the debate's, so a second
    /// filing fails in the database whatever races), the show-of-hands counts per article, the contributions it created
    /// and the photos of the paper sheets. Also widens the audit trail's CHECK for `file_debate_report`, per backend
    /// as 0022 did.
    ///
    /// NB: attachments are kept in the database (BYTEA: a blob on SQLite), at most 10 of 10 MB per report, so a
    /// backup of the database is a backup of everything and no file path ever comes from a user.
    static let debateReports: [Migration] = [
        Migration(id: "0023-debate-reports", statements: [
            """
            CREATE TABLE debate_reports (
                debate_id BIGINT PRIMARY KEY REFERENCES debates(id) ON DELETE CASCADE,
                consultation_id BIGINT NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
                filed_by BIGINT REFERENCES participants(id) ON DELETE SET NULL,
                attendance INTEGER NOT NULL CHECK (attendance BETWEEN 1 AND 100000),
                synthesis TEXT NOT NULL,
                source TEXT NOT NULL CHECK (source IN ('form', 'csv', 'json')),
                filed_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX debate_reports_by_consultation ON debate_reports(consultation_id)",
            """
            CREATE TABLE debate_report_votes (
                debate_id BIGINT NOT NULL REFERENCES debate_reports(debate_id) ON DELETE CASCADE,
                article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                agree INTEGER CHECK (agree >= 0),
                mixed INTEGER CHECK (mixed >= 0),
                disagree INTEGER CHECK (disagree >= 0),
                PRIMARY KEY (debate_id, article_id)
            )
            """,
            "CREATE INDEX debate_report_votes_by_article ON debate_report_votes(article_id)",
            """
            CREATE TABLE debate_report_contributions (
                contribution_id BIGINT PRIMARY KEY REFERENCES contributions(id) ON DELETE CASCADE,
                debate_id BIGINT NOT NULL REFERENCES debate_reports(debate_id) ON DELETE CASCADE
            )
            """,
            "CREATE INDEX debate_report_contributions_by_debate ON debate_report_contributions(debate_id, contribution_id)",
            """
            CREATE TABLE debate_report_attachments (
                debate_id BIGINT NOT NULL REFERENCES debate_reports(debate_id) ON DELETE CASCADE,
                number INTEGER NOT NULL CHECK (number BETWEEN 1 AND 10),
                filename TEXT NOT NULL,
                media_type TEXT NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'application/pdf')),
                size INTEGER NOT NULL CHECK (size BETWEEN 1 AND 10485760),
                content BYTEA NOT NULL,
                PRIMARY KEY (debate_id, number)
            )
            """,
        ]),
    ]

    /// Every audit action the trail accepts from 0023 on. NB: frozen with the migration.
    static let auditActions0023 = auditActions0022 + ", 'file_debate_report'"

    /// SQLite: the audit table rebuilt with the wider CHECK, as 0015 and 0022 did.
    static let debateReportsSQLite: [String] = [
        """
        CREATE TABLE audit_log_0023 (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            consultation_id BIGINT,
            actor_id BIGINT,
            actor_name TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN (\(auditActions0023))),
            target_kind TEXT NOT NULL,
            target_id BIGINT NOT NULL,
            reason TEXT NOT NULL,
            detail TEXT NOT NULL,
            at BIGINT NOT NULL
        )
        """,
        """
        INSERT INTO audit_log_0023 (seq, consultation_id, actor_id, actor_name, action, target_kind, target_id, reason, detail, at)
        SELECT seq, consultation_id, actor_id, actor_name, action, target_kind, target_id, reason, detail, at FROM audit_log ORDER BY seq
        """,
        "DROP TABLE audit_log",
        "ALTER TABLE audit_log_0023 RENAME TO audit_log",
        "CREATE INDEX audit_by_consultation ON audit_log(consultation_id, seq)",
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    ]

    /// PostgreSQL: the column CHECK replaced in place.
    static let debateReportsPostgres: [String] = [
        "ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check",
        "ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN (\(auditActions0023)))",
    ]
}
