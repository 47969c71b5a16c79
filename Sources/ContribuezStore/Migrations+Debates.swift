extension Migrations {
    /// Local debates (issue 15): the debates, their registrations with the waiting list, and the organisers' messages.
    /// Also widens the audit trail's CHECK for `cancel_debate` (per backend, as 0015 did: see `localDebatesSQLite`).
    ///
    /// NB: a message keeps its subject and how many it went to, not its body: the body lives only in the
    /// outbox's copies, sealed (issue 13). Items 2–3 of the issue (kit, reports, attachments) add their own tables
    /// keyed by `debates.id`.
    static let localDebates: [Migration] = [
        Migration(id: "0022-local-debates", statements: [
            """
            CREATE TABLE debates (
                id AUTOINCREMENT_PK,
                consultation_id BIGINT NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
                organiser_id BIGINT REFERENCES participants(id) ON DELETE SET NULL,
                organiser_kind TEXT NOT NULL CHECK (organiser_kind IN ('person', 'organisation')),
                organiser_name TEXT NOT NULL,
                title TEXT NOT NULL,
                description TEXT NOT NULL,
                starts_at BIGINT NOT NULL,
                ends_at BIGINT NOT NULL,
                mode TEXT NOT NULL CHECK (mode IN ('venue', 'online')),
                venue_name TEXT,
                address TEXT,
                postcode TEXT,
                departement TEXT,
                commune TEXT,
                video_url TEXT,
                step_free TEXT NOT NULL CHECK (step_free IN ('yes', 'no', 'unknown')),
                accessibility_notes TEXT NOT NULL,
                capacity INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
                created_at BIGINT NOT NULL,
                cancelled_at BIGINT,
                cancel_reason TEXT NOT NULL DEFAULT '',
                CHECK (ends_at > starts_at),
                CHECK ((mode = 'venue' AND departement IS NOT NULL AND video_url IS NULL)
                    OR (mode = 'online' AND departement IS NULL AND video_url IS NOT NULL))
            )
            """,
            "CREATE INDEX debates_by_consultation ON debates(consultation_id, ends_at)",
            "CREATE INDEX debates_by_organiser ON debates(organiser_id, id)",
            // One registration per person and debate; the waiting list is the `waiting` rows in id order.
            """
            CREATE TABLE debate_registrations (
                id AUTOINCREMENT_PK,
                debate_id BIGINT NOT NULL REFERENCES debates(id) ON DELETE CASCADE,
                participant_id BIGINT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
                status TEXT NOT NULL CHECK (status IN ('registered', 'waiting')),
                registered_at BIGINT NOT NULL,
                UNIQUE (debate_id, participant_id)
            )
            """,
            "CREATE INDEX debate_registrations_by_status ON debate_registrations(debate_id, status, id)",
            "CREATE INDEX debate_registrations_by_participant ON debate_registrations(participant_id)",
            """
            CREATE TABLE debate_messages (
                id AUTOINCREMENT_PK,
                debate_id BIGINT NOT NULL REFERENCES debates(id) ON DELETE CASCADE,
                sender_id BIGINT REFERENCES participants(id) ON DELETE SET NULL,
                subject TEXT NOT NULL,
                recipients INTEGER NOT NULL CHECK (recipients >= 0),
                sent_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX debate_messages_by_debate ON debate_messages(debate_id, sent_at)",
        ]),
    ]

    /// Every audit action the trail accepts from 0022 on. NB: frozen with the migration.
    static let auditActions0022 = auditActions0015 + ", 'cancel_debate'"

    /// SQLite: the audit table rebuilt with the wider CHECK, as 0015 did.
    static let localDebatesSQLite: [String] = [
        """
        CREATE TABLE audit_log_0022 (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            consultation_id BIGINT,
            actor_id BIGINT,
            actor_name TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN (\(auditActions0022))),
            target_kind TEXT NOT NULL,
            target_id BIGINT NOT NULL,
            reason TEXT NOT NULL,
            detail TEXT NOT NULL,
            at BIGINT NOT NULL
        )
        """,
        """
        INSERT INTO audit_log_0022 (seq, consultation_id, actor_id, actor_name, action, target_kind, target_id, reason, detail, at)
        SELECT seq, consultation_id, actor_id, actor_name, action, target_kind, target_id, reason, detail, at FROM audit_log ORDER BY seq
        """,
        "DROP TABLE audit_log",
        "ALTER TABLE audit_log_0022 RENAME TO audit_log",
        "CREATE INDEX audit_by_consultation ON audit_log(consultation_id, seq)",
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    ]

    /// PostgreSQL: the column CHECK replaced in place.
    static let localDebatesPostgres: [String] = [
        "ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check",
        "ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN (\(auditActions0022)))",
    ]
}
