extension Migrations {
    /// Answer and follow up (issue 9): versioned answers, text versions and their articles, uptake,
    /// follows, notifications and mail preferences. Numbered 0005-….
    static let followUp: [Migration] = [
        Migration(id: "0005-follow-up", statements: [
            // NB: no foreign key on answerer_id: an answer outlives its answerer's account, with the name of the time.
            """
            CREATE TABLE answers (
                id AUTOINCREMENT_PK,
                contribution_id BIGINT NOT NULL REFERENCES contributions(id) ON DELETE CASCADE,
                status TEXT NOT NULL CHECK (status IN ('retenue', 'partiellement_retenue', 'non_retenue', 'hors_champ', 'a_l_etude')),
                text TEXT NOT NULL,
                answerer_id BIGINT,
                answerer_name TEXT NOT NULL,
                at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX answers_by_contribution ON answers(contribution_id, id)",
            """
            CREATE TABLE text_versions (
                id AUTOINCREMENT_PK,
                consultation_id BIGINT NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
                position INTEGER NOT NULL CHECK (position >= 1),
                label TEXT NOT NULL,
                published_at BIGINT NOT NULL,
                UNIQUE (consultation_id, position)
            )
            """,
            """
            CREATE TABLE article_versions (
                id AUTOINCREMENT_PK,
                version_id BIGINT NOT NULL REFERENCES text_versions(id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                number TEXT NOT NULL,
                previous_number TEXT,
                origin_article_id BIGINT REFERENCES articles(id) ON DELETE SET NULL,
                title TEXT NOT NULL,
                body TEXT NOT NULL,
                explanation TEXT NOT NULL,
                UNIQUE (version_id, number)
            )
            """,
            "CREATE INDEX article_versions_by_origin ON article_versions(origin_article_id)",
            """
            CREATE TABLE uptakes (
                contribution_id BIGINT PRIMARY KEY REFERENCES contributions(id) ON DELETE CASCADE,
                version_id BIGINT REFERENCES text_versions(id) ON DELETE CASCADE,
                article_number TEXT,
                not_taken_up_reason TEXT,
                at BIGINT NOT NULL,
                CHECK ((version_id IS NULL) = (article_number IS NULL)),
                CHECK ((version_id IS NULL) <> (not_taken_up_reason IS NULL))
            )
            """,
            """
            CREATE TABLE follows (
                participant_id BIGINT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
                target_kind TEXT NOT NULL CHECK (target_kind IN ('consultation', 'article', 'contribution')),
                target_id BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (participant_id, target_kind, target_id)
            )
            """,
            "CREATE INDEX follows_by_target ON follows(target_kind, target_id)",
            """
            CREATE TABLE notifications (
                id AUTOINCREMENT_PK,
                participant_id BIGINT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
                kind TEXT NOT NULL CHECK (kind IN ('answer', 'version', 'reply', 'moderation')),
                consultation_id BIGINT,
                path TEXT NOT NULL,
                subject TEXT NOT NULL,
                detail TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                read_at BIGINT,
                mailed_at BIGINT
            )
            """,
            "CREATE INDEX notifications_by_participant ON notifications(participant_id, id)",
            "CREATE INDEX notifications_unmailed ON notifications(mailed_at, id)",
            """
            CREATE TABLE mail_preferences (
                participant_id BIGINT PRIMARY KEY REFERENCES participants(id) ON DELETE CASCADE,
                frequency TEXT NOT NULL CHECK (frequency IN ('immediate', 'daily', 'never')),
                lang TEXT NOT NULL CHECK (lang IN ('fr', 'en')),
                unsubscribe_token TEXT NOT NULL UNIQUE,
                last_digest_at BIGINT
            )
            """,
        ]),
    ]
}
