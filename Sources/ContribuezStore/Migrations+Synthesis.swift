extension Migrations {
    /// Synthesis: analysis runs and their stored results (issue 3). Numbered 0002-….
    static let synthesis: [Migration] = [
        Migration(id: "0002-synthesis-runs", statements: [
            """
            CREATE TABLE synthesis_runs (
                id AUTOINCREMENT_PK,
                consultation_id BIGINT NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
                status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
                stage TEXT NOT NULL,
                progress DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
                started_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                finished_at BIGINT,
                failure TEXT,
                result TEXT,
                CHECK ((status = 'succeeded') = (result IS NOT NULL))
            )
            """,
            "CREATE INDEX synthesis_runs_by_consultation ON synthesis_runs(consultation_id, status, id)",
        ]),
    ]

    /// The state a synthesis run leaves for the next one to start from (issue 14): one row per
    /// consultation, the vote-event watermark, the texts' fingerprint and the runner's payload.
    static let synthesisState: [Migration] = [
        Migration(id: "0021-synthesis-state", statements: [
            """
            CREATE TABLE synthesis_states (
                consultation_id BIGINT PRIMARY KEY REFERENCES consultations(id) ON DELETE CASCADE,
                run_id BIGINT NOT NULL,
                vote_sequence BIGINT NOT NULL,
                texts TEXT NOT NULL,
                payload BYTEA NOT NULL
            )
            """,
        ]),
    ]
}
