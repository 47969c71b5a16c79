extension Migrations {
    /// Lists bounded by their page (issue 10): the ranking score lives on the contribution row too,
    /// kept in the vote's transaction, with indexes ordered by it, so a page of 10 reads 10 index
    /// entries and stops instead of joining and sorting every contribution of a busy article; its total
    /// is counted from a covering index.
    static let ranking: [Migration] = [
        Migration(id: "0009-ranking", statements: [
            "ALTER TABLE contributions ADD COLUMN score DOUBLE PRECISION NOT NULL DEFAULT 0",
            """
            UPDATE contributions SET score = COALESCE(
                (SELECT t.score FROM tallies t WHERE t.target_kind = 'contribution' AND t.target_id = contributions.id), 0)
            """,
            "CREATE INDEX contributions_ranked_by_article_stance ON contributions(article_id, kind, stance, score DESC, id DESC)",
            "CREATE INDEX contributions_ranked_by_article ON contributions(article_id, kind, score DESC, id DESC)",
            "CREATE INDEX contributions_ranked_by_parent ON contributions(parent_id, kind, stance, score DESC, id DESC)",
            "CREATE INDEX contributions_ranked_by_consultation ON contributions(consultation_id, kind, score DESC, id DESC)",
            // Covering indexes for the lists' totals: counted from the index alone, without reading the rows.
            "CREATE INDEX contributions_counted_by_article ON contributions(article_id, kind, stance, parent_id, is_hidden, status, hidden_at)",
            "CREATE INDEX contributions_counted_by_parent ON contributions(parent_id, kind, stance, is_hidden, status, hidden_at)",
            "CREATE INDEX contributions_counted_by_consultation ON contributions(consultation_id, kind, is_hidden, status, hidden_at)",
        ]),
    ]
}
