extension Migrations {
    /// The room's profile in aggregate (issue 15, item 3, optional part of a report): per question of the profile
    /// questionnaire (the département aside) and answer, how many people in the room gave it. Counts only, never a
    /// person. Same statements on SQLite and PostgreSQL. NB: the CHECK lists the questionnaire's answers as of this
    /// migration (`ProfileQuestion.codes`); a new answer needs a new migration.
    static let debateProfiles: [Migration] = [
        Migration(id: "0025-debate-profiles", statements: [
            """
            CREATE TABLE debate_report_profiles (
                debate_id BIGINT NOT NULL REFERENCES debate_reports(debate_id) ON DELETE CASCADE,
                question TEXT NOT NULL,
                code TEXT NOT NULL,
                position INTEGER NOT NULL,
                count INTEGER NOT NULL CHECK (count BETWEEN 0 AND 100000),
                PRIMARY KEY (debate_id, question, code),
                CHECK (
                    (question = 'sex' AND code IN ('F', 'M'))
                    OR (question = 'age' AND code IN ('18-24', '25-34', '35-44', '45-54', '55-64', '65-74', '75+'))
                    OR (question = 'commune_size' AND code IN ('moins-2000', '2000-9999', '10000-49999', '50000-199999', '200000-plus'))
                    OR (question = 'diploma' AND code IN ('aucun', 'bepc', 'cap-bep', 'bac', 'bac+2', 'bac+3-4', 'bac+5'))
                    OR (question = 'pcs' AND code IN ('agriculteurs', 'artisans-commercants', 'cadres', 'intermediaires', 'employes', 'ouvriers', 'sans-activite'))
                    OR (question = 'votes_every_election' AND code IN ('toujours', 'parfois', 'jamais'))
                )
            )
            """,
        ]),
    ]
}
