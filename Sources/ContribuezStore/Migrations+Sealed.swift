extension Migrations {
    /// Personal data sealed at rest (issue 13): AES-GCM columns, the e-mail blind index. Numbered 0017.
    ///
    /// The sealed values go into the columns that held them in clear (participants.email, profile_answers.answer,
    /// mail_outbox.recipient and body, second_factors.secret): `s1:<key id>:<base64>` is text. What this migration
    /// adds is the blind index the e-mail is found by (HMAC-SHA256 under a key derived from a sealing key), unique.
    ///
    /// NB: the rows already there are sealed by the seal pass each store runs when it opens (SQLiteStore+Sealing,
    /// PostgresStore+Sealing), not here: the keys are not the database's to know.
    static let sealedData: [Migration] = [
        Migration(id: "0017-sealed-data", statements: [
            "ALTER TABLE participants ADD COLUMN email_index TEXT",
            "CREATE UNIQUE INDEX participants_by_email_index ON participants(email_index)",
        ]),
    ]

    /// The id of the migration the seal pass needs applied.
    public static let sealedDataID = "0017-sealed-data"
}
