import ContribuezCore
import Foundation
import GRDB

/// The event chain on SQLite (issue 12): every vote, withdrawal and contribution is appended inside
/// the transaction that stores it (`SQL.appendVoteEvent`, `SQL.insertContribution`, imports, the
/// generator). SQLite has one writer, so reading the head and appending cannot interleave.
enum SQLChain {
    /// A fresh salt, as stored in `consultations.open_data_salt`.
    static func newSaltHex() -> String { EventChain.hex(EventChain.newSalt()) }

    /// The consultation a vote target belongs to; nil when the target does not exist.
    static func consultationID(_ db: Database, _ target: Target) throws -> ID? {
        switch target {
        case .article(let id):
            return try ID.fetchOne(db, cachedSQL: "SELECT consultation_id FROM articles WHERE id = ?", arguments: [id])
        case .contribution(let id):
            return try ID.fetchOne(db, cachedSQL: "SELECT consultation_id FROM contributions WHERE id = ?", arguments: [id])
        }
    }

    /// The consultation's salt, created (and stored) when missing.
    static func salt(_ db: Database, _ consultationID: ID) throws -> [UInt8] {
        if let hex = try String.fetchOne(db, cachedSQL: "SELECT open_data_salt FROM consultations WHERE id = ?", arguments: [consultationID]),
           let bytes = EventChain.hexBytes(hex), bytes.count == 32 {
            return bytes
        }
        let salt = EventChain.newSalt()
        try db.execute(sql: "UPDATE consultations SET open_data_salt = ? WHERE id = ?", arguments: [EventChain.hex(salt), consultationID])
        return salt
    }

    static func head(_ db: Database, _ consultationID: ID) throws -> ChainHead {
        guard let row = try Row.fetchOne(
            db, cachedSQL: "SELECT length, head FROM event_chain_heads WHERE consultation_id = ?", arguments: [consultationID])
        else { return .empty }
        return ChainHead(length: row["length"], head: row["head"])
    }

    static func insert(_ db: Database, _ consultationID: ID, _ e: EventChain.Entry) throws {
        try db.cachedStatement(sql: """
            INSERT INTO event_chain (consultation_id, seq, at, event, participant, target_type, target_id, value, content_sha256, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                consultationID, e.seq, e.at, e.event.rawValue, e.participant, e.targetType, e.targetID, e.value, e.contentSHA256, e.hash,
            ])
    }

    static func setHead(_ db: Database, _ consultationID: ID, _ head: ChainHead) throws {
        try db.cachedStatement(sql: """
            INSERT INTO event_chain_heads (consultation_id, length, head) VALUES (?, ?, ?)
            ON CONFLICT (consultation_id) DO UPDATE SET length = excluded.length, head = excluded.head
            """).execute(arguments: [consultationID, head.length, head.head])
    }

    /// Appends a vote (`value` nil: a withdrawal) to the chain of the target's consultation.
    /// NB: a target that belongs to no consultation has no chain; the Core commands never vote on one.
    static func appendVote(_ db: Database, _ participantID: ID, _ target: Target, _ value: VoteValue?, _ at: Date) throws {
        guard let consultationID = try consultationID(db, target) else { return }
        let pseudonym = EventChain.pseudonym(salt: try salt(db, consultationID), participantID: participantID)
        let entry = EventChain.vote(after: try head(db, consultationID), at: at, participant: pseudonym, target: target, value: value)
        try insert(db, consultationID, entry)
        try setHead(db, consultationID, ChainHead(entry))
    }

    /// Appends a stored contribution (published or held) to its consultation's chain.
    static func appendContribution(_ db: Database, _ c: Contribution) throws {
        let pseudonym = EventChain.pseudonym(salt: try salt(db, c.consultationID), participantID: c.authorID)
        let entry = EventChain.contribution(after: try head(db, c.consultationID), c, participant: pseudonym)
        try insert(db, c.consultationID, entry)
        try setHead(db, c.consultationID, ChainHead(entry))
    }

    /// Appends many events of one consultation with the head kept in memory (imports, the generator):
    /// one prepared insert per entry, the head written once by `finish`.
    struct Appender {
        let consultationID: ID
        let pseudonyms: Pseudonymizer
        private(set) var head: ChainHead
        private let statement: Statement
        /// Pseudonyms already computed (a participant votes many times).
        private var cache: [ID: String] = [:]

        init(_ db: Database, consultationID: ID) throws {
            self.consultationID = consultationID
            pseudonyms = Pseudonymizer(salt: try SQLChain.salt(db, consultationID))
            head = try SQLChain.head(db, consultationID)
            statement = try db.makeStatement(sql: """
                INSERT INTO event_chain (consultation_id, seq, at, event, participant, target_type, target_id, value, content_sha256, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        }

        mutating func pseudonym(_ participantID: ID?) -> String {
            guard let participantID else { return "" }
            if let known = cache[participantID] { return known }
            let p = pseudonyms.pseudonym(participantID)
            cache[participantID] = p
            return p
        }

        mutating func vote(_ participantID: ID, _ target: Target, _ value: VoteValue?, atMilliseconds at: Int64) throws {
            let e = EventChain.entry(
                after: head, at: at, event: value == nil ? .withdraw : .vote, participant: pseudonym(participantID), target: target,
                value: value?.rawValue ?? "")
            try write(e)
        }

        mutating func contribution(_ c: Contribution) throws {
            try write(EventChain.contribution(after: head, c, participant: pseudonym(c.authorID)))
        }

        private mutating func write(_ e: EventChain.Entry) throws {
            try statement.execute(arguments: [
                consultationID, e.seq, e.at, e.event.rawValue, e.participant, e.targetType, e.targetID, e.value, e.contentSHA256, e.hash,
            ])
            head = ChainHead(e)
        }

        func finish(_ db: Database) throws { try SQLChain.setHead(db, consultationID, head) }
    }

    static func entry(_ row: Row) -> EventChain.Entry {
        EventChain.Entry(
            seq: row["seq"], at: row["at"], event: EventChain.Event(rawValue: row["event"]) ?? .vote, participant: row["participant"],
            targetType: row["target_type"], targetID: row["target_id"], value: row["value"], contentSHA256: row["content_sha256"],
            hash: row["hash"])
    }

    static func entries(_ db: Database, _ consultationID: ID, after seq: Int64, limit: Int) throws -> [EventChain.Entry] {
        try Row.fetchAll(
            db, cachedSQL: "SELECT * FROM event_chain WHERE consultation_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            arguments: [consultationID, seq, limit]
        ).map(entry)
    }

    // MARK: Migration 0010

    /// The Swift step of `0010-event-chain`, run in its transaction after its statements: the append-only
    /// guards, a salt for every existing consultation, and the chains of existing events (contributions
    /// by id, then vote events by seq; see `Migrations.chain`).
    static func afterMigration(_ db: Database, _ id: String) throws {
        guard id == "0010-event-chain" else { return }
        for sql in Migrations.chainSQLiteGuards { try db.execute(sql: sql) }
        var appenders: [ID: Appender] = [:]
        for consultationID in try ID.fetchAll(db, sql: "SELECT id FROM consultations ORDER BY id") {
            try db.execute(sql: "UPDATE consultations SET open_data_salt = ? WHERE id = ?", arguments: [newSaltHex(), consultationID])
            appenders[consultationID] = try Appender(db, consultationID: consultationID)
        }
        // NB: the columns as they stand at 0010 (later migrations add more).
        let contributions = try Row.fetchCursor(db, sql: """
            SELECT id, consultation_id, kind, article_id, parent_id, author_id, title, body, rationale, stance, url, created_at
            FROM contributions ORDER BY id
            """)
        var consultationOfContribution: [ID: ID] = [:]
        while let row = try contributions.next() {
            let c = Contribution(
                id: row["id"], consultationID: row["consultation_id"], kind: ContributionKind(rawValue: row["kind"]) ?? .proposal,
                articleID: row["article_id"], parentID: row["parent_id"], authorID: row["author_id"], authorName: "",
                title: row["title"], body: row["body"], rationale: row["rationale"],
                stance: (row["stance"] as String?).flatMap(Stance.init(rawValue:)), url: row["url"], createdAt: SQL.date(row["created_at"]))
            consultationOfContribution[c.id] = c.consultationID
            try appenders[c.consultationID]?.contribution(c)
        }
        var consultationOfArticle: [ID: ID] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, consultation_id FROM articles") {
            consultationOfArticle[row["id"]] = row["consultation_id"]
        }
        let events = try Row.fetchCursor(db, sql: "SELECT participant_id, target_kind, target_id, value, at FROM vote_events ORDER BY seq")
        while let row = try events.next() {
            let target = SQL.target(row["target_kind"], row["target_id"])
            let consultation: ID?
            switch target {
            case .article(let id): consultation = consultationOfArticle[id]
            case .contribution(let id): consultation = consultationOfContribution[id]
            }
            guard let consultation else { continue }
            try appenders[consultation]?.vote(
                row["participant_id"], target, (row["value"] as String?).flatMap(VoteValue.init(rawValue:)), atMilliseconds: row["at"])
        }
        for appender in appenders.values where appender.head.length > 0 { try appender.finish(db) }
    }
}

extension SQLiteStore {
    public func chainHead(consultationID: ID) async throws -> ChainHead {
        try await pool.read { db in try SQLChain.head(db, consultationID) }
    }

    public func chainEntries(consultationID: ID, after seq: Int64, limit: Int) async throws -> [EventChain.Entry] {
        try await pool.read { db in try SQLChain.entries(db, consultationID, after: seq, limit: limit) }
    }
}
