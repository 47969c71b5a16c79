import ContribuezCore
import ContribuezStore
import Foundation
import PostgresNIO

/// The event chain on PostgreSQL (issue 12), the twin of `SQLChain`: appended inside the transaction
/// that stores the event.
///
/// NB: several nodes write to one database, so every append first locks the consultation's row of
/// `event_chain_heads` (`FOR UPDATE`): appends to one chain run one after the other, each sees the
/// head the previous one committed, and two seqs never collide. The lock is held to the end of the
/// transaction, as the tally row's is; appends to different consultations do not wait for each other.
enum PGChain {
    static func consultationID(_ c: PostgresConnection, _ target: Target) async throws -> ID? {
        switch target {
        case .article(let id): return try await c.scalar("SELECT consultation_id FROM articles WHERE id = \(id)", as: ID.self)
        case .contribution(let id): return try await c.scalar("SELECT consultation_id FROM contributions WHERE id = \(id)", as: ID.self)
        }
    }

    /// Locks the consultation's chain head (creating the row at the empty head when missing) and
    /// returns it with the consultation's salt (created when missing).
    static func lockHead(_ c: PostgresConnection, _ consultationID: ID) async throws -> (head: ChainHead, salt: [UInt8]) {
        var row = try await c.one(
            """
            SELECT h.length, h.head, k.open_data_salt FROM event_chain_heads h JOIN consultations k ON k.id = h.consultation_id
            WHERE h.consultation_id = \(consultationID) FOR UPDATE OF h
            """)
        if row == nil {
            try await c.run(
                """
                INSERT INTO event_chain_heads (consultation_id, length, head) VALUES (\(consultationID), 0, \(EventChain.zeroHash))
                ON CONFLICT (consultation_id) DO NOTHING
                """)
            row = try await c.one(
                """
                SELECT h.length, h.head, k.open_data_salt FROM event_chain_heads h JOIN consultations k ON k.id = h.consultation_id
                WHERE h.consultation_id = \(consultationID) FOR UPDATE OF h
                """)
        }
        guard let row else { throw StoreError.notFound }
        let head = ChainHead(length: try row["length"], head: try row["head"])
        if let hex: String = try row["open_data_salt"], let salt = EventChain.hexBytes(hex), salt.count == 32 { return (head, salt) }
        // A consultation without salt (written by hand): one is made now, under the head's lock.
        let fresh = EventChain.hex(EventChain.newSalt())
        try await c.run("UPDATE consultations SET open_data_salt = \(fresh) WHERE id = \(consultationID) AND open_data_salt IS NULL")
        guard let hex = try await c.scalar("SELECT open_data_salt FROM consultations WHERE id = \(consultationID)", as: String.self),
              let salt = EventChain.hexBytes(hex)
        else { throw StoreError.notFound }
        return (head, salt)
    }

    /// Writes the entry and moves the head, in one statement.
    static func write(_ c: PostgresConnection, _ consultationID: ID, _ e: EventChain.Entry) async throws {
        try await c.run(
            """
            WITH appended AS (
                INSERT INTO event_chain (consultation_id, seq, at, event, participant, target_type, target_id, value, content_sha256, hash)
                VALUES (\(consultationID), \(e.seq), \(e.at), \(e.event.rawValue), \(e.participant), \(e.targetType), \(e.targetID),
                    \(e.value), \(e.contentSHA256), \(e.hash))
            )
            UPDATE event_chain_heads SET length = \(e.seq), head = \(e.hash) WHERE consultation_id = \(consultationID)
            """)
    }

    /// Appends a vote (`value` nil: a withdrawal) to the chain of the target's consultation.
    static func appendVote(_ c: PostgresConnection, _ participantID: ID, _ target: Target, _ value: VoteValue?, _ at: Date) async throws {
        guard let consultationID = try await consultationID(c, target) else { return }
        let (head, salt) = try await lockHead(c, consultationID)
        let entry = EventChain.vote(
            after: head, at: at, participant: EventChain.pseudonym(salt: salt, participantID: participantID), target: target, value: value)
        try await write(c, consultationID, entry)
    }

    /// Appends a stored contribution (published or held) to its consultation's chain.
    static func appendContribution(_ c: PostgresConnection, _ contribution: Contribution) async throws {
        let (head, salt) = try await lockHead(c, contribution.consultationID)
        let entry = EventChain.contribution(
            after: head, contribution, participant: EventChain.pseudonym(salt: salt, participantID: contribution.authorID))
        try await write(c, contribution.consultationID, entry)
    }

    /// Appends many votes of one consultation: computed in memory in order, written in batches bound as
    /// arrays (an import of 225k votes), then the head once.
    static func appendVotes(_ c: PostgresConnection, _ consultationID: ID, _ votes: [(ID, Target, VoteValue?, Date)]) async throws {
        guard !votes.isEmpty else { return }
        var (head, salt) = try await lockHead(c, consultationID)
        let pseudonyms = Pseudonymizer(salt: salt)
        var cache: [ID: String] = [:]
        var entries: [EventChain.Entry] = []
        entries.reserveCapacity(votes.count)
        for (participantID, target, value, at) in votes {
            let pseudonym = cache[participantID] ?? pseudonyms.pseudonym(participantID)
            cache[participantID] = pseudonym
            let e = EventChain.vote(after: head, at: at, participant: pseudonym, target: target, value: value)
            entries.append(e)
            head = ChainHead(e)
        }
        try await insert(c, consultationID, entries)
        try await c.run("UPDATE event_chain_heads SET length = \(head.length), head = \(head.head) WHERE consultation_id = \(consultationID)")
    }

    /// Inserts entries (already chained) in batches; the caller moves the head.
    static func insert(_ c: PostgresConnection, _ consultationID: ID, _ entries: [EventChain.Entry]) async throws {
        for start in stride(from: 0, to: entries.count, by: 5_000) {
            let chunk = entries[start..<min(start + 5_000, entries.count)]
            var text = SQLText()
            let cid = text.bind(consultationID)
            let seq = try text.bindArray(chunk.map(\.seq)), at = try text.bindArray(chunk.map(\.at))
            let event = try text.bindArray(chunk.map(\.event.rawValue)), participant = try text.bindArray(chunk.map(\.participant))
            let type = try text.bindArray(chunk.map(\.targetType)), id = try text.bindArray(chunk.map(\.targetID))
            let value = try text.bindArray(chunk.map(\.value)), content = try text.bindArray(chunk.map(\.contentSHA256))
            let hash = try text.bindArray(chunk.map(\.hash))
            text.sql = """
                INSERT INTO event_chain (consultation_id, seq, at, event, participant, target_type, target_id, value, content_sha256, hash)
                SELECT \(cid)::bigint, * FROM UNNEST(\(seq)::bigint[], \(at)::bigint[], \(event)::text[], \(participant)::text[],
                    \(type)::text[], \(id)::bigint[], \(value)::text[], \(content)::text[], \(hash)::text[])
                """
            try await c.run(text.query)
        }
    }

    static func entry(_ row: PGRow) throws -> EventChain.Entry {
        try EventChain.Entry(
            seq: row["seq"], at: row["at"], event: EventChain.Event(rawValue: row["event"]) ?? .vote, participant: row["participant"],
            targetType: row["target_type"], targetID: row["target_id"], value: row["value"], contentSHA256: row["content_sha256"],
            hash: row["hash"])
    }

    static func entries(_ c: PostgresConnection, _ consultationID: ID, after seq: Int64, limit: Int) async throws -> [EventChain.Entry] {
        try await c.rows(
            """
            SELECT seq, at, event, participant, target_type, target_id, value, content_sha256, hash FROM event_chain
            WHERE consultation_id = \(consultationID) AND seq > \(seq) ORDER BY seq LIMIT \(limit)
            """).map(entry)
    }

    // MARK: Migration 0010

    /// The Swift step of `0010-event-chain` (see `SQLChain.afterMigration`): guards, salts, and the chains
    /// of existing events — contributions by id, then vote events by seq.
    static func afterMigration(_ c: PostgresConnection, _ id: String) async throws {
        guard id == "0010-event-chain" else { return }
        for sql in Migrations.chainPostgresGuards { try await c.run(PostgresQuery(unsafeSQL: sql)) }
        var pseudonyms: [ID: Pseudonymizer] = [:]
        var entries: [ID: [EventChain.Entry]] = [:]
        var heads: [ID: ChainHead] = [:]
        for row in try await c.rows("SELECT id FROM consultations ORDER BY id") {
            let consultationID: ID = try row[0]
            let salt = EventChain.newSalt()
            try await c.run("UPDATE consultations SET open_data_salt = \(EventChain.hex(salt)) WHERE id = \(consultationID)")
            pseudonyms[consultationID] = Pseudonymizer(salt: salt)
            heads[consultationID] = .empty
        }
        // NB: written by batches as they fill, so a large log is never held whole in memory.
        func add(_ consultationID: ID, _ make: (ChainHead, Pseudonymizer) -> EventChain.Entry) async throws {
            guard let head = heads[consultationID], let p = pseudonyms[consultationID] else { return }
            let e = make(head, p)
            entries[consultationID, default: []].append(e)
            heads[consultationID] = ChainHead(e)
            if entries[consultationID]!.count >= 5_000 {
                try await insert(c, consultationID, entries[consultationID]!)
                entries[consultationID] = []
            }
        }
        var consultationOfContribution: [ID: ID] = [:]
        // NB: the columns as they stand at 0010 (later migrations add more).
        for row in try await c.rows(
            """
            SELECT id, consultation_id, kind, article_id, parent_id, author_id, title, body, rationale, stance, url, created_at
            FROM contributions ORDER BY id
            """) {
            let contribution = try Contribution(
                id: row["id"], consultationID: row["consultation_id"], kind: ContributionKind(rawValue: row["kind"]) ?? .proposal,
                articleID: row["article_id"], parentID: row["parent_id"], authorID: row["author_id"], authorName: "",
                title: row["title"], body: row["body"], rationale: row["rationale"],
                stance: (row["stance"] as String?).flatMap(Stance.init(rawValue:)), url: row["url"], createdAt: PG.date(row["created_at"]))
            consultationOfContribution[contribution.id] = contribution.consultationID
            try await add(contribution.consultationID) { head, p in
                EventChain.contribution(after: head, contribution, participant: p.pseudonym(contribution.authorID))
            }
        }
        var consultationOfArticle: [ID: ID] = [:]
        for row in try await c.rows("SELECT id, consultation_id FROM articles") {
            consultationOfArticle[try row[0]] = try row[1]
        }
        for try await row in try await c.send("SELECT participant_id, target_kind, target_id, value, at FROM vote_events ORDER BY seq") {
            let (participantID, kind, targetID, value, at) = try row.decode((ID, String, ID, String?, Int64).self)
            let target = PG.target(kind, targetID)
            let consultation: ID?
            switch target {
            case .article(let id): consultation = consultationOfArticle[id]
            case .contribution(let id): consultation = consultationOfContribution[id]
            }
            guard let consultation else { continue }
            try await add(consultation) { head, p in
                EventChain.entry(
                    after: head, at: at, event: value == nil ? .withdraw : .vote, participant: p.pseudonym(participantID), target: target,
                    value: value ?? "")
            }
        }
        for (consultationID, head) in heads.sorted(by: { $0.key < $1.key }) where head.length > 0 {
            try await insert(c, consultationID, entries[consultationID] ?? [])
            try await c.run(
                "INSERT INTO event_chain_heads (consultation_id, length, head) VALUES (\(consultationID), \(head.length), \(head.head))")
        }
    }
}

extension PostgresStore {
    public func chainHead(consultationID: ID) async throws -> ChainHead {
        try await single { c in
            guard let row = try await c.one("SELECT length, head FROM event_chain_heads WHERE consultation_id = \(consultationID)") else {
                return .empty
            }
            return ChainHead(length: try row["length"], head: try row["head"])
        }
    }

    public func chainEntries(consultationID: ID, after seq: Int64, limit: Int) async throws -> [EventChain.Entry] {
        try await single { c in try await PGChain.entries(c, consultationID, after: seq, limit: limit) }
    }
}
