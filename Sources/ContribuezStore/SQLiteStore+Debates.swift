import ContribuezCore
import Foundation
import GRDB

/// Local debates (issue 15). NB: SQLite has one writer at a time, so each write transaction below sees and changes the
/// counts alone: two registrations racing for the last place are serialised, and the second finds it taken.
extension SQLiteStore {
    public func createDebate(_ new: NewDebate) async throws -> Debate {
        try await pool.write { db in
            let venue = new.place.venue
            try db.execute(
                sql: """
                    INSERT INTO debates (consultation_id, organiser_id, organiser_kind, organiser_name, title, description, starts_at, ends_at,
                        mode, venue_name, address, postcode, departement, commune, video_url, step_free, accessibility_notes, capacity, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    new.consultationID, new.organiserID, new.organiserKind.rawValue, new.organiserName, new.title, new.description,
                    SQL.ms(new.startsAt), SQL.ms(new.endsAt), venue == nil ? "online" : "venue", venue?.name, venue?.address,
                    venue?.postcode, venue?.departement, venue?.commune, new.place.onlineURL, new.stepFree.rawValue,
                    new.accessibilityNotes, new.capacity, SQL.ms(new.createdAt),
                ])
            let id = db.lastInsertedRowID
            guard let row = try Self.debateRow(db, id) else { throw StoreError.notFound }
            return row.debate
        }
    }

    static let debateSelect = """
        SELECT d.*,
            (SELECT COUNT(*) FROM debate_registrations r WHERE r.debate_id = d.id AND r.status = 'registered') AS n_registered,
            (SELECT COUNT(*) FROM debate_registrations r WHERE r.debate_id = d.id AND r.status = 'waiting') AS n_waiting
        FROM debates d
        """

    static func debate(_ row: Row) -> DebateRow {
        let place: DebatePlace
        if (row["mode"] as String) == "venue" {
            let name: String? = row["venue_name"], address: String? = row["address"], postcode: String? = row["postcode"]
            let departement: String? = row["departement"], commune: String? = row["commune"]
            place = .venue(DebateVenue(
                name: name ?? "", address: address ?? "", postcode: postcode ?? "", departement: departement ?? "", commune: commune ?? ""))
        } else {
            let url: String? = row["video_url"]
            place = .online(url: url ?? "")
        }
        let d = Debate(
            id: row["id"], consultationID: row["consultation_id"], organiserID: row["organiser_id"],
            organiserKind: DebateOrganiserKind(rawValue: row["organiser_kind"]) ?? .person, organiserName: row["organiser_name"],
            title: row["title"], description: row["description"], startsAt: SQL.date(row["starts_at"]), endsAt: SQL.date(row["ends_at"]),
            place: place, stepFree: StepFreeAccess(rawValue: row["step_free"]) ?? .unknown, accessibilityNotes: row["accessibility_notes"],
            capacity: row["capacity"], createdAt: SQL.date(row["created_at"]), cancelledAt: (row["cancelled_at"] as Int64?).map(SQL.date),
            cancelReason: row["cancel_reason"])
        return DebateRow(debate: d, registered: row["n_registered"], waiting: row["n_waiting"])
    }

    static func debateRow(_ db: Database, _ id: ID) throws -> DebateRow? {
        try Row.fetchOne(db, cachedSQL: debateSelect + " WHERE d.id = ?", arguments: [id]).map(debate)
    }

    public func debate(id: ID) async throws -> DebateRow? {
        try await pool.read { db in try Self.debateRow(db, id) }
    }

    public func debates(_ query: DebateQuery, page: PageRequest) async throws -> Page<DebateRow> {
        try await pool.read { db in
            var filter = "d.consultation_id = ?"
            var args: [any DatabaseValueConvertible] = [query.consultationID]
            if let dep = query.departement { filter += " AND d.departement = ?"; args.append(dep) }
            let order: String
            switch query.when {
            case .upcoming: filter += " AND d.ends_at > ?"; order = "d.starts_at, d.id"
            case .past: filter += " AND d.ends_at <= ?"; order = "d.starts_at DESC, d.id DESC"
            }
            args.append(SQL.ms(query.at))
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM debates d WHERE " + filter, arguments: StatementArguments(args)) ?? 0
            let rows = try Row.fetchAll(
                db, sql: Self.debateSelect + " WHERE " + filter + " ORDER BY " + order + " LIMIT ? OFFSET ?",
                arguments: StatementArguments(args + [page.perPage, page.offset]))
            return Page(items: rows.map(Self.debate), page: page.page, perPage: page.perPage, total: total)
        }
    }

    public func debateCounts(consultationID: ID, at: Date) async throws -> DebateCounts {
        try await pool.read { db in
            let row = try Row.fetchOne(
                db, cachedSQL: """
                    SELECT COALESCE(SUM(CASE WHEN ends_at > ? THEN 1 ELSE 0 END), 0) AS upcoming,
                           COALESCE(SUM(CASE WHEN ends_at <= ? THEN 1 ELSE 0 END), 0) AS held
                    FROM debates WHERE consultation_id = ? AND cancelled_at IS NULL
                    """, arguments: [SQL.ms(at), SQL.ms(at), consultationID])
            let upcoming: Int = row?["upcoming"] ?? 0, held: Int = row?["held"] ?? 0
            return DebateCounts(upcoming: upcoming, held: held)
        }
    }

    public func debates(organiserID: ID, limit: Int) async throws -> [DebateRow] {
        try await pool.read { db in
            try Row.fetchAll(
                db, cachedSQL: Self.debateSelect + " WHERE d.organiser_id = ? ORDER BY d.starts_at DESC, d.id DESC LIMIT ?",
                arguments: [organiserID, max(0, limit)]).map(Self.debate)
        }
    }

    static func registration(_ db: Database, _ debateID: ID, _ participantID: ID) throws -> DebateRegistration? {
        guard let row = try Row.fetchOne(
            db, cachedSQL: "SELECT id, status, registered_at FROM debate_registrations WHERE debate_id = ? AND participant_id = ?",
            arguments: [debateID, participantID]) else { return nil }
        let status = DebateRegistrationStatus(rawValue: row["status"]) ?? .waiting
        var position: Int?
        if status == .waiting {
            position = (try Int.fetchOne(
                db, cachedSQL: "SELECT COUNT(*) FROM debate_registrations WHERE debate_id = ? AND status = 'waiting' AND id < ?",
                arguments: [debateID, row["id"] as ID]) ?? 0) + 1
        }
        return DebateRegistration(
            debateID: debateID, participantID: participantID, status: status, waitingPosition: position, registeredAt: SQL.date(row["registered_at"]))
    }

    public func registerForDebate(debateID: ID, participantID: ID, at: Date) async throws -> DebateRegistrationResult {
        try await pool.write { db in
            guard let row = try Self.debateRow(db, debateID) else { return .notFound }
            if row.debate.isCancelled || row.debate.hasStarted(at: at) { return .closed }
            if let existing = try Self.registration(db, debateID, participantID) { return .already(existing) }
            let status: DebateRegistrationStatus = row.registered < row.debate.capacity ? .registered : .waiting
            try db.execute(
                sql: "INSERT INTO debate_registrations (debate_id, participant_id, status, registered_at) VALUES (?, ?, ?, ?)",
                arguments: [debateID, participantID, status.rawValue, SQL.ms(at)])
            guard let stored = try Self.registration(db, debateID, participantID) else { throw StoreError.notFound }
            return .done(stored)
        }
    }

    static func recipients(_ db: Database, _ debateID: ID, statuses: [DebateRegistrationStatus], participantID: ID? = nil, _ keys: StoreKeys) throws -> [DebateRecipient] {
        let inList = statuses.map { "'\($0.rawValue)'" }.joined(separator: ", ")  // constant enum values only
        var sql = """
            SELECT p.id, p.display_name, p.kind, p.organization, p.email, COALESCE(mp.lang, 'fr') AS lang
            FROM debate_registrations r JOIN participants p ON p.id = r.participant_id
            LEFT JOIN mail_preferences mp ON mp.participant_id = p.id
            WHERE r.debate_id = ? AND r.status IN (\(inList))
            """
        var args: [any DatabaseValueConvertible] = [debateID]
        if let participantID { sql += " AND p.id = ?"; args.append(participantID) }
        sql += " ORDER BY r.id"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).compactMap { row in
            guard let email = try keys.unseal(optional: row["email"] as String?, .participantEmail) else { return nil }
            let kind = ParticipantKind(rawValue: row["kind"]) ?? .citizen
            let org: String? = row["organization"]
            let name: String = row["display_name"]
            return DebateRecipient(
                participantID: row["id"], name: kind.isOrganisation && org != nil ? "\(name) (\(org!))" : name, email: email, lang: row["lang"])
        }
    }

    public func cancelDebateRegistration(debateID: ID, participantID: ID, at: Date, compose: DebateMailComposer) async throws -> DebateUnregistrationResult {
        let keys = keyring
        return try await pool.write { db in
            guard let existing = try Self.registration(db, debateID, participantID) else { return .notRegistered }
            try db.execute(sql: "DELETE FROM debate_registrations WHERE debate_id = ? AND participant_id = ?", arguments: [debateID, participantID])
            guard existing.status == .registered, let row = try Self.debateRow(db, debateID), !row.debate.isCancelled,
                  row.registered < row.debate.capacity,
                  let next = try ID.fetchOne(
                      db, cachedSQL: "SELECT participant_id FROM debate_registrations WHERE debate_id = ? AND status = 'waiting' ORDER BY id LIMIT 1",
                      arguments: [debateID])
            else { return .done(promoted: nil) }
            try db.execute(
                sql: "UPDATE debate_registrations SET status = 'registered' WHERE debate_id = ? AND participant_id = ?", arguments: [debateID, next])
            for r in try Self.recipients(db, debateID, statuses: [.registered], participantID: next, keys) {
                try Self.queue(db, compose(.promoted(row.debate), r), at: at, keys.current)
            }
            return .done(promoted: next)
        }
    }

    static func queue(_ db: Database, _ mail: NewMail, at: Date, _ keys: Keyring) throws {
        try db.execute(
            sql: """
                INSERT INTO mail_outbox (recipient, subject, body, unsubscribe_url, kind, created_at, next_attempt_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: outboxArguments(mail, at: at, keys))
    }

    public func debateRegistration(debateID: ID, participantID: ID) async throws -> DebateRegistration? {
        try await pool.read { db in try Self.registration(db, debateID, participantID) }
    }

    public func debateRegistrants(debateID: ID) async throws -> [DebateRegistrant] {
        try await pool.read { db in
            try Row.fetchAll(
                db, cachedSQL: """
                    SELECT p.display_name, p.kind, p.organization, r.status, r.registered_at
                    FROM debate_registrations r JOIN participants p ON p.id = r.participant_id
                    WHERE r.debate_id = ? ORDER BY CASE r.status WHEN 'registered' THEN 0 ELSE 1 END, r.id
                    """, arguments: [debateID]
            ).map { row in
                let kind = ParticipantKind(rawValue: row["kind"]) ?? .citizen
                let org: String? = row["organization"]
                let name: String = row["display_name"]
                return DebateRegistrant(
                    name: kind.isOrganisation && org != nil ? "\(name) (\(org!))" : name,
                    status: DebateRegistrationStatus(rawValue: row["status"]) ?? .waiting, registeredAt: SQL.date(row["registered_at"]))
            }
        }
    }

    public func cancelDebate(id: ID, reason: String, at: Date, audit: AuditEntry?, compose: DebateMailComposer) async throws -> Bool {
        let keys = keyring
        return try await pool.write { db in
            try db.execute(
                sql: "UPDATE debates SET cancelled_at = ?, cancel_reason = ? WHERE id = ? AND cancelled_at IS NULL",
                arguments: [SQL.ms(at), reason, id])
            guard db.changesCount == 1, let row = try Self.debateRow(db, id) else { return false }
            for r in try Self.recipients(db, id, statuses: [.registered, .waiting], keys) {
                try Self.queue(db, compose(.cancelled(row.debate), r), at: at, keys.current)
            }
            if let audit { try Self.appendAudit(db, audit) }
            return true
        }
    }

    public func sendDebateMessage(
        debateID: ID, senderID: ID, subject: String, body: String, at: Date, since: Date, limit: Int, compose: DebateMailComposer
    ) async throws -> DebateMessageResult {
        let keys = keyring
        return try await pool.write { db in
            guard let row = try Self.debateRow(db, debateID) else { return .notFound }
            let sent = try Int.fetchOne(
                db, cachedSQL: "SELECT COUNT(*) FROM debate_messages WHERE debate_id = ? AND sent_at > ?", arguments: [debateID, SQL.ms(since)]) ?? 0
            if sent >= limit { return .tooMany(limit: limit) }
            let recipients = try Self.recipients(db, debateID, statuses: [.registered], keys)
            for r in recipients { try Self.queue(db, compose(.message(row.debate, subject: subject, body: body), r), at: at, keys.current) }
            try db.execute(
                sql: "INSERT INTO debate_messages (debate_id, sender_id, subject, recipients, sent_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [debateID, senderID, subject, recipients.count, SQL.ms(at)])
            return .sent(recipients: recipients.count)
        }
    }

    public func personalDebateRegistrations(participantID: ID) async throws -> [PersonalDebateRegistration] {
        try await pool.read { db in
            try Row.fetchAll(
                db, cachedSQL: """
                    SELECT d.id, d.title, d.consultation_id, r.status, r.registered_at
                    FROM debate_registrations r JOIN debates d ON d.id = r.debate_id WHERE r.participant_id = ? ORDER BY r.id
                    """, arguments: [participantID]
            ).map { row in
                PersonalDebateRegistration(
                    debateID: row["id"], debateTitle: row["title"], consultationID: row["consultation_id"],
                    status: DebateRegistrationStatus(rawValue: row["status"]) ?? .waiting, registeredAt: SQL.date(row["registered_at"]))
            }
        }
    }
}
