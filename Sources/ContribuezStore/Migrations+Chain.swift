extension Migrations {
    /// The per-consultation hash chain of vote and contribution events (issue 12). Numbered 0010-….
    ///
    /// - `consultations.open_data_salt`: the hex of 32 random bytes, the key of the participants'
    ///   pseudonyms in that consultation's open data. Never exported, never shown. Filled for existing
    ///   consultations by the migration's Swift step (`SQLChain.afterMigration`, `PGChain.afterMigration`)
    ///   and at creation.
    /// - `event_chain`: the entries, exactly the columns of `events.csv`, numbered per consultation
    ///   without gaps. Append-only (triggers below). No foreign key, like `vote_events`: the log outlives
    ///   what it mentions.
    /// - `event_chain_heads`: the last entry of each chain, updated in the transaction that appends. On
    ///   PostgreSQL its row is locked (`FOR UPDATE`) by every append, so two nodes never write the same seq.
    ///
    /// Backfill (in the Swift step): the chain of a consultation that already has events is built from
    /// them, contributions by id first, then vote events by seq, each at its own time. Contributions come
    /// first because a vote on a contribution must follow it; the two logs were not interleaved before, so
    /// the exact interleaving is unknown and this order is the documented one.
    static let chain: [Migration] = [
        Migration(id: "0010-event-chain", statements: [
            "ALTER TABLE consultations ADD COLUMN open_data_salt TEXT",
            """
            CREATE TABLE event_chain (
                consultation_id BIGINT NOT NULL,
                seq BIGINT NOT NULL CHECK (seq >= 1),
                at BIGINT NOT NULL,
                event TEXT NOT NULL CHECK (event IN ('vote', 'withdraw', 'contribution')),
                participant TEXT NOT NULL,
                target_type TEXT NOT NULL CHECK (target_type IN ('article', 'contribution')),
                target_id BIGINT NOT NULL,
                value TEXT NOT NULL,
                content_sha256 TEXT NOT NULL,
                hash TEXT NOT NULL,
                PRIMARY KEY (consultation_id, seq)
            )
            """,
            """
            CREATE TABLE event_chain_heads (
                consultation_id BIGINT PRIMARY KEY,
                length BIGINT NOT NULL CHECK (length >= 0),
                head TEXT NOT NULL
            )
            """,
        ]),
    ]

    /// SQLite: the chain is append-only.
    public static let chainSQLiteGuards: [String] = [
        "CREATE TRIGGER event_chain_no_update BEFORE UPDATE ON event_chain BEGIN SELECT RAISE(ABORT, 'event_chain is append-only'); END",
        "CREATE TRIGGER event_chain_no_delete BEFORE DELETE ON event_chain BEGIN SELECT RAISE(ABORT, 'event_chain is append-only'); END",
    ]

    /// PostgreSQL's twins (the `contribuez_refuse` function of 0001, row triggers plus one on TRUNCATE).
    public static let chainPostgresGuards: [String] = postgresGuard("event_chain", "event_chain is append-only", update: true, delete: true)
}
