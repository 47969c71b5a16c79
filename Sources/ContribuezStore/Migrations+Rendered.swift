extension Migrations {
    /// Derived HTML rendered once (issue 10). Numbered 0007-….
    ///
    /// NB: no foreign key: a row is only a cache of what its source renders to. A row is valid when its
    /// `renderer_version` is the web layer's and its `source_hash` matches the texts it came from; the
    /// `serve` warm-up fills missing and older rows in the background, pages fill the rest on first view.
    static let rendered: [Migration] = [
        Migration(id: "0007-rendered-html", statements: [
            """
            CREATE TABLE rendered_html (
                target_kind TEXT NOT NULL CHECK (target_kind IN ('article', 'contribution')),
                target_id BIGINT NOT NULL,
                field TEXT NOT NULL CHECK (field IN ('body', 'explanation', 'rationale', 'diff')),
                renderer_version INTEGER NOT NULL,
                source_hash TEXT NOT NULL,
                html TEXT NOT NULL,
                PRIMARY KEY (target_kind, target_id, field)
            )
            """,
        ]),
    ]
}
