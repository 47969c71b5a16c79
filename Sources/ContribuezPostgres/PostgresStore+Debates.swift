import ContribuezCore
import ContribuezStore
import Foundation
import PostgresNIO

/// Local debates (issue 15). NB: every write that changes who holds a place first locks the debate's row
/// (`SELECT … FOR UPDATE`): under READ COMMITTED two registrations racing for the last place would otherwise both
/// count the same free place; with the lock the second waits, then counts again and lands on the waiting list.
extension PostgresStore {
    public func createDebate(_ new: NewDebate) async throws -> Debate {
        try await write { c in
            let venue = new.place.venue
            let mode = venue == nil ? "online" : "venue"
            guard let id = try await c.scalar(
                """
                INSERT INTO debates (consultation_id, organiser_id, organiser_kind, organiser_name, title, description, starts_at, ends_at,
                    mode, venue_name, address, postcode, departement, commune, video_url, step_free, accessibility_notes, capacity, created_at)
                VALUES (\(new.consultationID), \(new.organiserID), \(new.organiserKind.rawValue), \(new.organiserName), \(new.title),
                    \(new.description), \(PG.ms(new.startsAt)), \(PG.ms(new.endsAt)), \(mode), \(venue?.name), \(venue?.address),
                    \(venue?.postcode), \(venue?.departement), \(venue?.commune), \(new.place.onlineURL), \(new.stepFree.rawValue),
                    \(new.accessibilityNotes), \(new.capacity), \(PG.ms(new.createdAt)))
                RETURNING id
                """, as: ID.self),
                let row = try await Self.debateRow(c, id) else { throw StoreError.constraint("debate not stored") }
            return row.debate
        }
    }

    static let debateSelect = """
        SELECT d.*,
            (SELECT COUNT(*) FROM debate_registrations r WHERE r.debate_id = d.id AND r.status = 'registered')::BIGINT AS n_registered,
            (SELECT COUNT(*) FROM debate_registrations r WHERE r.debate_id = d.id AND r.status = 'waiting')::BIGINT AS n_waiting
        FROM debates d
        """

    static func debate(_ row: PGRow) throws -> DebateRow {
        let place: DebatePlace
        if (try row["mode"] as String) == "venue" {
            let name: String? = try row["venue_name"], address: String? = try row["address"], postcode: String? = try row["postcode"]
            let departement: String? = try row["departement"], commune: String? = try row["commune"]
            place = .venue(DebateVenue(
                name: name ?? "", address: address ?? "", postcode: postcode ?? "", departement: departement ?? "", commune: commune ?? ""))
        } else {
            let url: String? = try row["video_url"]
            place = .online(url: url ?? "")
        }
        let d = try Debate(
            id: row["id"], consultationID: row["consultation_id"], organiserID: row["organiser_id"],
            organiserKind: DebateOrganiserKind(rawValue: row["organiser_kind"]) ?? .person, organiserName: row["organiser_name"],
            title: row["title"], description: row["description"], startsAt: PG.date(row["starts_at"]), endsAt: PG.date(row["ends_at"]),
            place: place, stepFree: StepFreeAccess(rawValue: row["step_free"]) ?? .unknown, accessibilityNotes: row["accessibility_notes"],
            capacity: row["capacity"], createdAt: PG.date(row["created_at"]), cancelledAt: (row["cancelled_at"] as Int64?).map(PG.date),
            cancelReason: row["cancel_reason"])
        return try DebateRow(debate: d, registered: Int(row["n_registered"] as Int64), waiting: Int(row["n_waiting"] as Int64))
    }

    static func debateRow(_ c: PostgresConnection, _ id: ID) async throws -> DebateRow? {
        var text = SQLText()
        text.sql = debateSelect + " WHERE d.id = \(text.bind(id))"
        return try await c.one(text.query).map(debate)
    }

    public func debate(id: ID) async throws -> DebateRow? {
        try await single { c in try await Self.debateRow(c, id) }
    }

    public func debates(_ query: DebateQuery, page: PageRequest) async throws -> Page<DebateRow> {
        try await read { c in
            func filter(_ t: inout SQLText) -> String {
                var f = "d.consultation_id = \(t.bind(query.consultationID))"
                if let dep = query.departement { f += " AND d.departement = \(t.bind(dep))" }
                switch query.when {
                case .upcoming: f += " AND d.ends_at > \(t.bind(PG.ms(query.at)))"
                case .past: f += " AND d.ends_at <= \(t.bind(PG.ms(query.at)))"
                }
                return f
            }
            let order = query.when == .upcoming ? "d.starts_at, d.id" : "d.starts_at DESC, d.id DESC"
            var countText = SQLText()
            countText.sql = "SELECT COUNT(*) FROM debates d WHERE " + filter(&countText)
            let total = try await c.count(countText.query)
            var text = SQLText()
            text.sql = Self.debateSelect + " WHERE " + filter(&text) + " ORDER BY " + order
            text.sql += " LIMIT \(text.bind(page.perPage)) OFFSET \(text.bind(page.offset))"
            return Page(items: try await c.rows(text.query).map(Self.debate), page: page.page, perPage: page.perPage, total: total)
        }
    }

    public func debateCounts(consultationID: ID, at: Date) async throws -> DebateCounts {
        try await single { c in
            let row = try await c.one(
                """
                SELECT COALESCE(SUM(CASE WHEN ends_at > \(PG.ms(at)) THEN 1 ELSE 0 END), 0)::BIGINT AS upcoming,
                       COALESCE(SUM(CASE WHEN ends_at <= \(PG.ms(at)) THEN 1 ELSE 0 END), 0)::BIGINT AS held
                FROM debates WHERE consultation_id = \(consultationID) AND cancelled_at IS NULL
                """)
            let upcoming: Int64? = try row?["upcoming"], held: Int64? = try row?["held"]
            return DebateCounts(upcoming: Int(upcoming ?? 0), held: Int(held ?? 0))
        }
    }

    public func debates(organiserID: ID, limit: Int) async throws -> [DebateRow] {
        try await single { c in
            var text = SQLText()
            text.sql = Self.debateSelect + " WHERE d.organiser_id = \(text.bind(organiserID)) ORDER BY d.starts_at DESC, d.id DESC LIMIT \(text.bind(max(0, limit)))"
            return try await c.rows(text.query).map(Self.debate)
        }
    }

    static func registration(_ c: PostgresConnection, _ debateID: ID, _ participantID: ID) async throws -> DebateRegistration? {
        guard let row = try await c.one(
            "SELECT id, status, registered_at FROM debate_registrations WHERE debate_id = \(debateID) AND participant_id = \(participantID)")
        else { return nil }
        let status = DebateRegistrationStatus(rawValue: try row["status"]) ?? .waiting
        var position: Int?
        if status == .waiting {
            let id: ID = try row["id"]
            position = try await c.count(
                "SELECT COUNT(*) FROM debate_registrations WHERE debate_id = \(debateID) AND status = 'waiting' AND id < \(id)") + 1
        }
        return DebateRegistration(
            debateID: debateID, participantID: participantID, status: status, waitingPosition: position,
            registeredAt: PG.date(try row["registered_at"]))
    }

    /// Locks the debate's row for the rest of the transaction; false when there is none.
    static func lockDebate(_ c: PostgresConnection, _ id: ID) async throws -> Bool {
        try await c.one("SELECT id FROM debates WHERE id = \(id) FOR UPDATE") != nil
    }

    public func registerForDebate(debateID: ID, participantID: ID, at: Date) async throws -> DebateRegistrationResult {
        try await write { c in
            guard try await Self.lockDebate(c, debateID), let row = try await Self.debateRow(c, debateID) else { return .notFound }
            if row.debate.isCancelled || row.debate.hasStarted(at: at) { return .closed }
            if let existing = try await Self.registration(c, debateID, participantID) { return .already(existing) }
            let status: DebateRegistrationStatus = row.registered < row.debate.capacity ? .registered : .waiting
            try await c.run(
                """
                INSERT INTO debate_registrations (debate_id, participant_id, status, registered_at)
                VALUES (\(debateID), \(participantID), \(status.rawValue), \(PG.ms(at)))
                """)
            guard let stored = try await Self.registration(c, debateID, participantID) else { throw StoreError.notFound }
            return .done(stored)
        }
    }

    static func recipients(_ c: PostgresConnection, _ debateID: ID, statuses: [DebateRegistrationStatus], participantID: ID? = nil, _ keys: StoreKeys) async throws -> [DebateRecipient] {
        var text = SQLText()
        text.sql = """
            SELECT p.id, p.display_name, p.kind, p.organization, p.email, COALESCE(mp.lang, 'fr') AS lang
            FROM debate_registrations r JOIN participants p ON p.id = r.participant_id
            LEFT JOIN mail_preferences mp ON mp.participant_id = p.id
            WHERE r.debate_id = \(text.bind(debateID)) AND r.status = ANY(\(try text.bindArray(statuses.map(\.rawValue)))::text[])
            """
        if let participantID { text.sql += " AND p.id = \(text.bind(participantID))" }
        text.sql += " ORDER BY r.id"
        var out: [DebateRecipient] = []
        for row in try await c.rows(text.query) {
            guard let email = try keys.unseal(optional: row["email"] as String?, .participantEmail) else { continue }
            let kind = ParticipantKind(rawValue: try row["kind"]) ?? .citizen
            let org: String? = try row["organization"]
            let name: String = try row["display_name"]
            out.append(DebateRecipient(
                participantID: try row["id"], name: kind.isOrganisation && org != nil ? "\(name) (\(org!))" : name, email: email, lang: try row["lang"]))
        }
        return out
    }

    public func cancelDebateRegistration(debateID: ID, participantID: ID, at: Date, compose: DebateMailComposer) async throws -> DebateUnregistrationResult {
        let keys = keyring
        return try await write { c in
            guard try await Self.lockDebate(c, debateID), let existing = try await Self.registration(c, debateID, participantID) else { return .notRegistered }
            try await c.run("DELETE FROM debate_registrations WHERE debate_id = \(debateID) AND participant_id = \(participantID)")
            guard existing.status == .registered, let row = try await Self.debateRow(c, debateID), !row.debate.isCancelled,
                  row.registered < row.debate.capacity,
                  let next = try await c.scalar(
                      """
                      SELECT participant_id FROM debate_registrations WHERE debate_id = \(debateID) AND status = 'waiting' ORDER BY id LIMIT 1
                      """, as: ID.self)
            else { return .done(promoted: nil) }
            try await c.run("UPDATE debate_registrations SET status = 'registered' WHERE debate_id = \(debateID) AND participant_id = \(next)")
            for r in try await Self.recipients(c, debateID, statuses: [.registered], participantID: next, keys) {
                _ = try await Self.insertOutbox(c, compose(.promoted(row.debate), r), at: at, keys.current)
            }
            return .done(promoted: next)
        }
    }

    public func debateRegistration(debateID: ID, participantID: ID) async throws -> DebateRegistration? {
        try await read { c in try await Self.registration(c, debateID, participantID) }
    }

    public func debateRegistrants(debateID: ID) async throws -> [DebateRegistrant] {
        try await single { c in
            try await c.rows(
                """
                SELECT p.display_name, p.kind, p.organization, r.status, r.registered_at
                FROM debate_registrations r JOIN participants p ON p.id = r.participant_id
                WHERE r.debate_id = \(debateID) ORDER BY CASE r.status WHEN 'registered' THEN 0 ELSE 1 END, r.id
                """
            ).map { row in
                let kind = ParticipantKind(rawValue: try row["kind"]) ?? .citizen
                let org: String? = try row["organization"]
                let name: String = try row["display_name"]
                return DebateRegistrant(
                    name: kind.isOrganisation && org != nil ? "\(name) (\(org!))" : name,
                    status: DebateRegistrationStatus(rawValue: try row["status"]) ?? .waiting, registeredAt: PG.date(try row["registered_at"]))
            }
        }
    }

    public func cancelDebate(id: ID, reason: String, at: Date, audit: AuditEntry?, compose: DebateMailComposer) async throws -> Bool {
        let keys = keyring
        return try await write { c in
            guard try await c.one(
                "UPDATE debates SET cancelled_at = \(PG.ms(at)), cancel_reason = \(reason) WHERE id = \(id) AND cancelled_at IS NULL RETURNING id") != nil,
                let row = try await Self.debateRow(c, id) else { return false }
            for r in try await Self.recipients(c, id, statuses: [.registered, .waiting], keys) {
                _ = try await Self.insertOutbox(c, compose(.cancelled(row.debate), r), at: at, keys.current)
            }
            if let audit { try await Self.appendAudit(c, audit) }
            return true
        }
    }

    public func sendDebateMessage(
        debateID: ID, senderID: ID, subject: String, body: String, at: Date, since: Date, limit: Int, compose: DebateMailComposer
    ) async throws -> DebateMessageResult {
        let keys = keyring
        return try await write { c in
            // NB: the lock serialises two messages sent at once: the limit cannot be passed by racing.
            guard try await Self.lockDebate(c, debateID), let row = try await Self.debateRow(c, debateID) else { return .notFound }
            let sent = try await c.count("SELECT COUNT(*) FROM debate_messages WHERE debate_id = \(debateID) AND sent_at > \(PG.ms(since))")
            if sent >= limit { return .tooMany(limit: limit) }
            let recipients = try await Self.recipients(c, debateID, statuses: [.registered], keys)
            for r in recipients {
                _ = try await Self.insertOutbox(c, compose(.message(row.debate, subject: subject, body: body), r), at: at, keys.current)
            }
            try await c.run(
                """
                INSERT INTO debate_messages (debate_id, sender_id, subject, recipients, sent_at)
                VALUES (\(debateID), \(senderID), \(subject), \(recipients.count), \(PG.ms(at)))
                """)
            return .sent(recipients: recipients.count)
        }
    }

    public func personalDebateRegistrations(participantID: ID) async throws -> [PersonalDebateRegistration] {
        try await single { c in
            try await c.rows(
                """
                SELECT d.id, d.title, d.consultation_id, r.status, r.registered_at
                FROM debate_registrations r JOIN debates d ON d.id = r.debate_id WHERE r.participant_id = \(participantID) ORDER BY r.id
                """
            ).map { row in
                try PersonalDebateRegistration(
                    debateID: row["id"], debateTitle: row["title"], consultationID: row["consultation_id"],
                    status: DebateRegistrationStatus(rawValue: row["status"]) ?? .waiting, registeredAt: PG.date(row["registered_at"]))
            }
        }
    }
}
