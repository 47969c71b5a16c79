extension Migrations {
    /// PostgreSQL's twins of `sqliteAfter`, run after a migration's own statements, in its transaction:
    /// the append-only guards of the logs (vote_events, contribution_events, audit_log) and of answers.
    ///
    /// NB: a trigger function raising on UPDATE/DELETE per row, plus one per statement on TRUNCATE, which
    /// row triggers do not see. The message is the SQLite trigger's, passed as the function's argument.
    public static let postgresAfter: [String: [String]] = [
        "0001-participation-core": [
            """
            CREATE FUNCTION contribuez_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
            END
            $$
            """,
        ] + postgresGuard("vote_events", "vote_events is append-only", update: true, delete: true)
          + postgresGuard("contribution_events", "contribution_events is append-only", update: true, delete: true),
        "0004-institution": postgresGuard("audit_log", "audit_log is append-only", update: true, delete: true),
        // A changed answer is a new row: the earlier ones stay as they were.
        "0005-follow-up": postgresGuard("answers", "answers are versioned, never rewritten", update: true, delete: false),
        "0012-personal-data": personalDataPostgres,
        "0015-security-audit": securityAuditPostgres,
        "0022-local-debates": localDebatesPostgres,
        "0023-debate-reports": debateReportsPostgres,
    ]

    /// PostgreSQL text replacing a landed statement where the portable text is not valid PostgreSQL, by
    /// migration id and statement index. Empty: every landed statement runs as written on both engines.
    public static let postgresOverrides: [String: [Int: String]] = [:]

    static func postgresGuard(_ table: String, _ message: String, update: Bool, delete: Bool) -> [String] {
        var out: [String] = []
        if update {
            out.append("CREATE TRIGGER \(table)_no_update BEFORE UPDATE ON \(table) FOR EACH ROW EXECUTE FUNCTION contribuez_refuse('\(message)')")
        }
        if delete {
            out.append("CREATE TRIGGER \(table)_no_delete BEFORE DELETE ON \(table) FOR EACH ROW EXECUTE FUNCTION contribuez_refuse('\(message)')")
            out.append("CREATE TRIGGER \(table)_no_truncate BEFORE TRUNCATE ON \(table) FOR EACH STATEMENT EXECUTE FUNCTION contribuez_refuse('\(message)')")
        }
        return out
    }
}
