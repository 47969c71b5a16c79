extension Migrations {
    /// A mail the SMTP server refused for good (a 5xx on its recipient or its content), or that failed too many
    /// times, is given up instead of being retried every six hours forever: `abandoned_at` says when. Numbered 0014.
    static let mailAbandon: [Migration] = [
        Migration(id: "0014-mail-abandon", statements: [
            "ALTER TABLE mail_outbox ADD COLUMN abandoned_at BIGINT",
        ]),
    ]
}
