extension Migrations {
    /// « Droit en vigueur » per article (issue 15, item 2): the text of the law in force that the article changes,
    /// so the kit and the article page can show the law before and after. Plain text, "" when there is none: an
    /// article creating new law has no before. The same statement runs on SQLite and PostgreSQL.
    static let currentLaw: [Migration] = [
        Migration(id: "0024-current-law", statements: [
            "ALTER TABLE articles ADD COLUMN current_law TEXT NOT NULL DEFAULT ''",
        ]),
    ]
}
