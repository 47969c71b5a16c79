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
}
