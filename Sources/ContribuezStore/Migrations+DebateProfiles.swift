extension Migrations {
    /// The room's profile in aggregate (issue 15, item 3, optional part of a report): per question of the profile
    /// questionnaire (the département aside) and answer, how many people in the room gave it. Counts only, never a
    /// person. Same statements on SQLite and PostgreSQL.
    static let debateProfiles: [Migration] = [
        Migration(id: "0025-debate-profiles", statements: [
            """
            CREATE TABLE debate_report_profiles (
                debate_id BIGINT NOT NULL REFERENCES debate_reports(debate_id) ON DELETE CASCADE,
                question TEXT NOT NULL CHECK (question IN ('sex', 'age', 'commune_size', 'diploma', 'pcs', 'votes_every_election')),
                code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 40),
                position INTEGER NOT NULL,
                count INTEGER NOT NULL CHECK (count BETWEEN 0 AND 100000),
                PRIMARY KEY (debate_id, question, code)
            )
            """,
        ]),
    ]
}
