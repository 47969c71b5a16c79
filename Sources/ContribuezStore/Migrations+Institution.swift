extension Migrations {
    /// The institution's side (issue 8): instance and per-consultation roles, consultation rules,
    /// moderation (reports, held and hidden items) and the append-only audit trail. Numbered 0004-….
    ///
    /// NB: the global `participants.role` of 0001 no longer decides anything: existing organisers keep
    /// the right to create consultations (instance role) and become organisers of every existing
    /// consultation; existing moderators become moderators of every existing consultation.
    static let institution: [Migration] = [
        Migration(id: "0004-institution", statements: [
            "ALTER TABLE consultations ADD COLUMN moderation TEXT NOT NULL DEFAULT 'a_posteriori' CHECK (moderation IN ('a_posteriori', 'a_priori'))",
            "ALTER TABLE consultations ADD COLUMN answer_threshold INTEGER NOT NULL DEFAULT 100 CHECK (answer_threshold >= 1)",
            "ALTER TABLE consultations ADD COLUMN answer_deadline_days INTEGER NOT NULL DEFAULT 60 CHECK (answer_deadline_days >= 1)",
            "ALTER TABLE consultations ADD COLUMN report_threshold INTEGER NOT NULL DEFAULT 3 CHECK (report_threshold >= 1)",
            "ALTER TABLE consultations ADD COLUMN closed_early_reason TEXT",
            "ALTER TABLE sections ADD COLUMN level INTEGER NOT NULL DEFAULT 1 CHECK (level BETWEEN 0 AND 3)",
            "ALTER TABLE contributions ADD COLUMN status TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'pending', 'rejected'))",
            "ALTER TABLE contributions ADD COLUMN hidden_at BIGINT",
            """
            ALTER TABLE contributions ADD COLUMN hidden_reason TEXT
                CHECK (hidden_reason IN ('spam', 'offensive', 'off_topic', 'personal_data', 'other', 'compliant'))
            """,
            "ALTER TABLE contributions ADD COLUMN hidden_by_reports INTEGER NOT NULL DEFAULT 0 CHECK (hidden_by_reports IN (0, 1))",
            "CREATE INDEX contributions_by_status ON contributions(consultation_id, status, is_hidden)",
            """
            CREATE TABLE instance_roles (
                participant_id BIGINT PRIMARY KEY REFERENCES participants(id) ON DELETE CASCADE,
                role TEXT NOT NULL CHECK (role IN ('organiser', 'admin'))
            )
            """,
            """
            CREATE TABLE consultation_roles (
                consultation_id BIGINT NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
                participant_id BIGINT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
                role TEXT NOT NULL CHECK (role IN ('organiser', 'moderator', 'answerer')),
                granted_at BIGINT NOT NULL,
                PRIMARY KEY (consultation_id, participant_id)
            )
            """,
            "CREATE INDEX consultation_roles_by_participant ON consultation_roles(participant_id)",
            "INSERT INTO instance_roles (participant_id, role) SELECT id, 'organiser' FROM participants WHERE role = 'organiser'",
            """
            INSERT INTO consultation_roles (consultation_id, participant_id, role, granted_at)
            SELECT c.id, p.id, p.role, 0 FROM participants p CROSS JOIN consultations c WHERE p.role IN ('organiser', 'moderator')
            """,
            "UPDATE participants SET role = 'participant' WHERE role <> 'participant'",
            // One report per participant per contribution: the UNIQUE constraint decides, the code only words the 409.
            """
            CREATE TABLE reports (
                id AUTOINCREMENT_PK,
                contribution_id BIGINT NOT NULL REFERENCES contributions(id) ON DELETE CASCADE,
                participant_id BIGINT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
                reason TEXT NOT NULL CHECK (reason IN ('spam', 'offensive', 'off_topic', 'personal_data', 'other')),
                text TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                resolved_at BIGINT,
                UNIQUE (contribution_id, participant_id)
            )
            """,
            "CREATE INDEX reports_by_contribution ON reports(contribution_id, resolved_at)",
            // NB: no foreign key on actor_id: the trail outlives deleted accounts (it keeps the name of the time).
            """
            CREATE TABLE audit_log (
                seq AUTOINCREMENT_PK,
                consultation_id BIGINT,
                actor_id BIGINT,
                actor_name TEXT NOT NULL,
                action TEXT NOT NULL CHECK (action IN ('grant_instance_role', 'grant_role', 'revoke_role', 'create_consultation',
                    'edit_consultation', 'import_text', 'edit_article', 'publish', 'close', 'hide', 'restore', 'approve', 'reject',
                    'hide_by_reports', 'answer', 'publish_version', 'record_uptake')),
                target_kind TEXT NOT NULL,
                target_id BIGINT NOT NULL,
                reason TEXT NOT NULL,
                detail TEXT NOT NULL,
                at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX audit_by_consultation ON audit_log(consultation_id, seq)",
        ]),
    ]

    /// SQLite statements run after a migration's own (PostgreSQL has its twins in its adapter).
    public static let sqliteAfter: [String: [String]] = [
        "0001-participation-core": sqliteTriggers,
        "0004-institution": [
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        ],
        // A changed answer is a new row: the earlier ones stay as they were.
        "0005-follow-up": [
            "CREATE TRIGGER answers_no_update BEFORE UPDATE ON answers BEGIN SELECT RAISE(ABORT, 'answers are versioned, never rewritten'); END",
        ],
        "0012-personal-data": personalDataSQLite,
        "0015-security-audit": securityAuditSQLite,
        "0022-local-debates": localDebatesSQLite,
        "0023-debate-reports": debateReportsSQLite,
    ]
}
