extension Migrations {
    /// The open-data package's publication (issue 12). Numbered 0011-….
    ///
    /// - `consultations.open_data_at_closing`: publish the package automatically once the consultation
    ///   closes (1, the default) or only when an organiser publishes it (0).
    /// - `consultations.open_data_published_at`: when an organiser published it by hand (NULL: not, or
    ///   taken back).
    static let openData: [Migration] = [
        Migration(id: "0011-open-data", statements: [
            "ALTER TABLE consultations ADD COLUMN open_data_at_closing INTEGER NOT NULL DEFAULT 1 CHECK (open_data_at_closing IN (0, 1))",
            "ALTER TABLE consultations ADD COLUMN open_data_published_at BIGINT",
        ]),
    ]
}
