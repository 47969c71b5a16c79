import ContribuezCore
import Foundation
import GRDB

/// Roles, consultation set-up, moderation and the audit trail (issue 8). Every staff write appends its
/// audit entry in the same transaction.
extension SQLiteStore {
    // MARK: Audit

    static func appendAudit(_ db: Database, _ e: AuditEntry) throws {
        try db.execute(
            sql: """
                INSERT INTO audit_log (consultation_id, actor_id, actor_name, action, target_kind, target_id, reason, detail, at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [e.consultationID, e.actorID, e.actorName, e.action.rawValue, e.targetKind, e.targetID, e.reason, e.detail, SQL.ms(e.at)])
    }

    public func appendAudit(_ entry: AuditEntry) async throws {
        try await pool.write { db in try Self.appendAudit(db, entry) }
    }

    public func auditEntries(consultationID: ID?, page: PageRequest) async throws -> Page<AuditEntry> {
        try await pool.read { db in
            let filter = consultationID == nil ? "1 = 1" : "consultation_id = ?"
            let args: [any DatabaseValueConvertible] = consultationID.map { [$0] } ?? []
            let total = try Int.fetchOne(db, cachedSQL: "SELECT COUNT(*) FROM audit_log WHERE " + filter, arguments: StatementArguments(args)) ?? 0
            let rows = try Row.fetchAll(
                db, cachedSQL: "SELECT * FROM audit_log WHERE " + filter + " ORDER BY seq LIMIT ? OFFSET ?",
                arguments: StatementArguments(args + [page.perPage, page.offset]))
            let items = rows.map { row in
                AuditEntry(
                    sequence: row["seq"], consultationID: row["consultation_id"], actorID: row["actor_id"], actorName: row["actor_name"],
                    action: AuditAction(rawValue: row["action"]) ?? .editConsultation, targetKind: row["target_kind"],
                    targetID: row["target_id"], reason: row["reason"], detail: row["detail"], at: SQL.date(row["at"]))
            }
            return Page(items: items, page: page.page, perPage: page.perPage, total: total)
        }
    }

    // MARK: Roles

    public func setRole(participantID: ID, role: Role, audit: AuditEntry?) async throws -> Bool {
        try await pool.write { db in
            guard try Int.fetchOne(db, cachedSQL: "SELECT COUNT(*) FROM participants WHERE id = ?", arguments: [participantID]) ?? 0 > 0 else { return false }
            if role == .participant {
                try db.execute(sql: "DELETE FROM instance_roles WHERE participant_id = ?", arguments: [participantID])
            } else {
                try db.execute(
                    sql: "INSERT INTO instance_roles (participant_id, role) VALUES (?, ?) ON CONFLICT (participant_id) DO UPDATE SET role = excluded.role",
                    arguments: [participantID, role.rawValue])
            }
            if let audit { try Self.appendAudit(db, audit) }
            return true
        }
    }

    static func loadConsultationRoles(_ db: Database, _ participantID: ID) throws -> [ID: ConsultationRole] {
        var out: [ID: ConsultationRole] = [:]
        for row in try Row.fetchAll(db, cachedSQL: "SELECT consultation_id, role FROM consultation_roles WHERE participant_id = ?", arguments: [participantID]) {
            if let r = ConsultationRole(rawValue: row["role"]) { out[row["consultation_id"]] = r }
        }
        return out
    }

    public func consultationRoles(participantID: ID) async throws -> [ID: ConsultationRole] {
        try await pool.read { db in try Self.loadConsultationRoles(db, participantID) }
    }

    public func grantRole(consultationID: ID, participantID: ID, role: ConsultationRole, audit: AuditEntry) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO consultation_roles (consultation_id, participant_id, role, granted_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (consultation_id, participant_id) DO UPDATE SET role = excluded.role, granted_at = excluded.granted_at
                    """,
                arguments: [consultationID, participantID, role.rawValue, SQL.ms(audit.at)])
            try Self.appendAudit(db, audit)
        }
    }

    public func revokeRole(consultationID: ID, participantID: ID, audit: AuditEntry) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM consultation_roles WHERE consultation_id = ? AND participant_id = ?", arguments: [consultationID, participantID])
            guard db.changesCount > 0 else { return false }
            try Self.appendAudit(db, audit)
            return true
        }
    }

    public func roleGrants(consultationID: ID) async throws -> [RoleGrant] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                cachedSQL: """
                    SELECT p.*, (SELECT role FROM instance_roles ir WHERE ir.participant_id = p.id) AS instance_role, cr.role AS c_role
                    FROM consultation_roles cr JOIN participants p ON p.id = cr.participant_id
                    WHERE cr.consultation_id = ? ORDER BY cr.role, p.display_name, p.id
                    """,
                arguments: [consultationID]
            ).compactMap { row in
                guard let role = ConsultationRole(rawValue: row["c_role"]) else { return nil }
                return RoleGrant(participant: try SQL.participant(row, keyring), role: role)
            }
        }
    }

    public func participants(withRoles roles: [Role]) async throws -> [Participant] {
        let wanted = roles.filter { $0 != .participant }.map(\.rawValue)
        guard !wanted.isEmpty else { return [] }
        return try await pool.read { db in
            let marks = Array(repeating: "?", count: wanted.count).joined(separator: ",")
            return try Row.fetchAll(
                db, cachedSQL: SQL.participantSelect + " WHERE p.id IN (SELECT participant_id FROM instance_roles WHERE role IN (\(marks))) ORDER BY p.display_name, p.id",
                arguments: StatementArguments(wanted)
            ).map { try SQL.participant($0, keyring) }
        }
    }

    public func participant(email: String) async throws -> Participant? {
        let keys = keyring.current
        return try await pool.read { db in try SQL.participantRow(db, email: email, keys).map { try SQL.participant($0, keyring) } }
    }

    // MARK: Consultation set-up

    public func createConsultation(_ new: NewConsultation, organiserID: ID, audit: AuditEntry) async throws -> Consultation {
        try await pool.write { db in
            var new = new
            // The slug is unique: "titre", "titre-2", "titre-3"…
            let base = new.slug
            var n = 1
            while try Int.fetchOne(db, cachedSQL: "SELECT COUNT(*) FROM consultations WHERE slug = ?", arguments: [new.slug]) ?? 0 > 0 {
                n += 1
                new.slug = "\(base)-\(n)"
            }
            let c = try Self.insertConsultation(db, new)
            try db.execute(
                sql: "INSERT INTO consultation_roles (consultation_id, participant_id, role, granted_at) VALUES (?, ?, 'organiser', ?)",
                arguments: [c.id, organiserID, SQL.ms(audit.at)])
            var entry = audit
            entry.consultationID = c.id
            entry.targetID = c.id
            try Self.appendAudit(db, entry)
            return c
        }
    }

    public func updateConsultation(_ c: Consultation, audit: AuditEntry) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE consultations SET title = ?, summary = ?, institution = ?, opens_at = ?, closes_at = ?, allowed_kinds = ?,
                        moderation = ?, answer_threshold = ?, answer_deadline_days = ?, report_threshold = ?
                    WHERE id = ?
                    """,
                arguments: [c.title, c.summary, c.institution, SQL.ms(c.opensAt), SQL.ms(c.closesAt), SQL.kinds(c.allowedKinds),
                            c.settings.moderation.rawValue, c.settings.answerThreshold, c.settings.answerDeadlineDays,
                            c.settings.reportThreshold, c.id])
            guard db.changesCount > 0 else { throw StoreError.notFound }
            try Self.appendAudit(db, audit)
        }
    }

    public func replaceDraftText(consultationID: ID, text: ParsedDraftText, audit: AuditEntry) async throws -> [Article] {
        try await pool.write { db in
            // NB: only drafts get here (the permission function refuses once published), so no vote or
            // contribution points at these articles; the cascade would remove any that did.
            try Self.dropRenderedHTML(db, articlesOf: consultationID)
            try db.execute(sql: "DELETE FROM articles WHERE consultation_id = ?", arguments: [consultationID])
            try db.execute(sql: "DELETE FROM sections WHERE consultation_id = ?", arguments: [consultationID])
            var articles: [Article] = []
            var position = 0
            for (i, section) in text.sections.enumerated() {
                try db.execute(
                    sql: "INSERT INTO sections (consultation_id, position, title, subtitle, level) VALUES (?, ?, ?, '', ?)",
                    arguments: [consultationID, i + 1, section.title, section.level])
                let sectionID = db.lastInsertedRowID
                for a in section.articles {
                    position += 1
                    articles.append(try Self.insertArticle(db, NewArticle(
                        consultationID: consultationID, sectionID: sectionID, position: position, number: a.number, title: a.title,
                        body: a.body, explanation: a.explanation, currentLaw: a.currentLaw)))
                }
            }
            try Self.appendAudit(db, audit)
            return articles
        }
    }

    public func updateArticle(
        id: ID, title: String, body: String, explanation: String, currentLaw: String, audit: AuditEntry
    ) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE articles SET title = ?, body = ?, explanation = ?, current_law = ? WHERE id = ?",
                arguments: [title, body, explanation, currentLaw, id])
            guard db.changesCount > 0 else { return false }
            try Self.dropRenderedHTML(db, articleID: id)
            try Self.appendAudit(db, audit)
            return true
        }
    }

    public func publish(consultationID: ID, audit: AuditEntry) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE consultations SET is_published = 1 WHERE id = ?", arguments: [consultationID])
            guard db.changesCount > 0 else { throw StoreError.notFound }
            try Self.appendAudit(db, audit)
        }
    }

    public func closeEarly(consultationID: ID, reason: String, at: Date, audit: AuditEntry) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE consultations SET closes_at = ?, closed_early_reason = ? WHERE id = ?",
                arguments: [SQL.ms(at), reason, consultationID])
            guard db.changesCount > 0 else { throw StoreError.notFound }
            try Self.appendAudit(db, audit)
        }
    }

    // MARK: Moderation

    static func fetchContribution(_ db: Database, _ id: ID) throws -> Contribution {
        guard let row = try Row.fetchOne(db, cachedSQL: SQL.contributionSelect + " WHERE c.id = ?", arguments: [id]) else { throw StoreError.notFound }
        return SQL.contribution(row)
    }

    static func event(_ db: Database, _ id: ID, _ event: String, _ at: Date) throws {
        try db.execute(sql: "INSERT INTO contribution_events (contribution_id, event, at) VALUES (?, ?, ?)", arguments: [id, event, SQL.ms(at)])
    }

    public func addReport(
        contributionID: ID, participantID: ID, reason: ModerationReason, text: String, at: Date, threshold: Int, autoHide: AuditEntry
    ) async throws -> Contribution {
        do {
            return try await pool.write { db in
                try db.execute(
                    sql: "INSERT INTO reports (contribution_id, participant_id, reason, text, created_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [contributionID, participantID, reason.rawValue, text, SQL.ms(at)])
                let item = try Self.fetchContribution(db, contributionID)
                let open = try Int.fetchOne(
                    db, cachedSQL: "SELECT COUNT(DISTINCT participant_id) FROM reports WHERE contribution_id = ? AND resolved_at IS NULL",
                    arguments: [contributionID]) ?? 0
                guard !item.isHidden, item.status == .published, open >= threshold else { return item }
                // The most frequent open reason (the oldest on a tie) is the one the placeholder shows.
                let top = try String.fetchOne(
                    db,
                    cachedSQL: """
                        SELECT reason FROM reports WHERE contribution_id = ? AND resolved_at IS NULL
                        GROUP BY reason ORDER BY COUNT(*) DESC, MIN(created_at), reason LIMIT 1
                        """,
                    arguments: [contributionID]) ?? reason.rawValue
                try db.execute(
                    sql: "UPDATE contributions SET is_hidden = 1, hidden_at = ?, hidden_reason = ?, hidden_by_reports = 1 WHERE id = ?",
                    arguments: [SQL.ms(at), top, contributionID])
                try Self.event(db, contributionID, "hidden", at)
                var entry = autoHide
                entry.reason = top
                try Self.appendAudit(db, entry)
                return try Self.fetchContribution(db, contributionID)
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT && (error.message ?? "").contains("reports.") {
            throw StoreError.duplicateReport
        }
    }

    public func moderate(contributionID: ID, action: ModerationAction, reason: ModerationReason, at: Date, audit: AuditEntry) async throws -> Contribution {
        try await pool.write { db in
            let before = try Self.fetchContribution(db, contributionID)
            switch action {
            case .hide:
                try db.execute(
                    sql: "UPDATE contributions SET is_hidden = 1, hidden_at = ?, hidden_reason = ?, hidden_by_reports = 0 WHERE id = ?",
                    arguments: [SQL.ms(before.hidden?.at ?? at), reason.rawValue, contributionID])
                if !before.isHidden { try Self.event(db, contributionID, "hidden", at) }
            case .restore, .approve:
                try db.execute(
                    sql: """
                        UPDATE contributions SET is_hidden = 0, status = 'published', hidden_at = NULL, hidden_reason = NULL, hidden_by_reports = 0
                        WHERE id = ?
                        """,
                    arguments: [contributionID])
                if before.isHidden { try Self.event(db, contributionID, "restored", at) }
            case .reject:
                try db.execute(
                    sql: "UPDATE contributions SET is_hidden = 1, status = 'rejected', hidden_at = ?, hidden_reason = ?, hidden_by_reports = 0 WHERE id = ?",
                    arguments: [SQL.ms(at), reason.rawValue, contributionID])
            }
            try db.execute(sql: "UPDATE reports SET resolved_at = ? WHERE contribution_id = ? AND resolved_at IS NULL", arguments: [SQL.ms(at), contributionID])
            try Self.appendAudit(db, audit)
            return try Self.fetchContribution(db, contributionID)
        }
    }

    static func report(_ row: Row) -> Report {
        Report(
            id: row["id"], contributionID: row["contribution_id"], participantID: row["participant_id"],
            reason: ModerationReason(rawValue: row["reason"]) ?? .other, text: row["text"], createdAt: SQL.date(row["created_at"]),
            resolved: (row["resolved_at"] as Int64?) != nil)
    }

    public func reports(contributionID: ID) async throws -> [Report] {
        try await pool.read { db in
            try Row.fetchAll(db, cachedSQL: "SELECT * FROM reports WHERE contribution_id = ? ORDER BY created_at, id", arguments: [contributionID]).map(Self.report)
        }
    }

    public func moderationQueue(consultationID: ID, reason: ModerationReason?, page: PageRequest) async throws -> Page<ModerationItem> {
        try await pool.read { db in
            // In the queue: held items, and published items with open reports. Oldest first by when they entered it.
            var args: [any DatabaseValueConvertible] = [consultationID]
            var reasonFilter = ""
            if let reason {
                reasonFilter = " AND EXISTS (SELECT 1 FROM reports r2 WHERE r2.contribution_id = c.id AND r2.resolved_at IS NULL AND r2.reason = ?)"
                args.append(reason.rawValue)
            }
            let base = """
                FROM contributions c
                WHERE c.consultation_id = ? AND (c.status = 'pending'
                    OR (c.status = 'published' AND EXISTS (SELECT 1 FROM reports r WHERE r.contribution_id = c.id AND r.resolved_at IS NULL)))
                """ + reasonFilter
            let total = try Int.fetchOne(db, cachedSQL: "SELECT COUNT(*) " + base, arguments: StatementArguments(args)) ?? 0
            let since = "COALESCE((SELECT MIN(r.created_at) FROM reports r WHERE r.contribution_id = c.id AND r.resolved_at IS NULL), c.created_at)"
            let ids = try Row.fetchAll(
                db, cachedSQL: "SELECT c.id, " + since + " AS since " + base + " ORDER BY since, c.id LIMIT ? OFFSET ?",
                arguments: StatementArguments(args + [page.perPage, page.offset]))
            let items = try ids.map { row -> ModerationItem in
                let id: ID = row["id"]
                let reports = try Row.fetchAll(
                    db, cachedSQL: "SELECT * FROM reports WHERE contribution_id = ? AND resolved_at IS NULL ORDER BY created_at, id", arguments: [id]
                ).map(Self.report)
                return ModerationItem(contribution: try Self.fetchContribution(db, id), reports: reports, since: SQL.date(row["since"]))
            }
            return Page(items: items, page: page.page, perPage: page.perPage, total: total)
        }
    }

    public func moderationSummary(consultationID: ID, page: PageRequest) async throws -> ModerationSummary {
        try await pool.read { db in
            let counts = try Row.fetchAll(
                db,
                cachedSQL: """
                    SELECT action, reason, COUNT(*) AS n FROM audit_log
                    WHERE consultation_id = ? AND action IN ('hide', 'restore', 'approve', 'reject', 'hide_by_reports')
                    GROUP BY action, reason ORDER BY action, reason
                    """,
                arguments: [consultationID]
            ).compactMap { row -> ModerationSummary.Count? in
                AuditAction(rawValue: row["action"]).map { .init(action: $0, reason: row["reason"], count: row["n"]) }
            }
            let filter = "c.consultation_id = ? AND c.status = 'published' AND c.is_hidden = 1 AND c.hidden_at IS NOT NULL"
            let total = try Int.fetchOne(db, cachedSQL: "SELECT COUNT(*) FROM contributions c WHERE " + filter, arguments: [consultationID]) ?? 0
            let hidden = try Row.fetchAll(
                db, cachedSQL: SQL.contributionSelect + " WHERE " + filter + " ORDER BY c.hidden_at DESC, c.id DESC LIMIT ? OFFSET ?",
                arguments: [consultationID, page.perPage, page.offset]
            ).map(SQL.contribution)
            return ModerationSummary(counts: counts, hidden: Page(items: hidden, page: page.page, perPage: page.perPage, total: total))
        }
    }

    public func unpublishedContributions(authorID: ID, page: PageRequest) async throws -> Page<Contribution> {
        try await pool.read { db in
            let filter = "c.author_id = ? AND c.is_hidden = 1 AND (c.status <> 'published' OR c.hidden_at IS NOT NULL)"
            let total = try Int.fetchOne(db, cachedSQL: "SELECT COUNT(*) FROM contributions c WHERE " + filter, arguments: [authorID]) ?? 0
            let items = try Row.fetchAll(
                db, cachedSQL: SQL.contributionSelect + " WHERE " + filter + " ORDER BY c.created_at DESC, c.id DESC LIMIT ? OFFSET ?",
                arguments: [authorID, page.perPage, page.offset]
            ).map(SQL.contribution)
            return Page(items: items, page: page.page, perPage: page.perPage, total: total)
        }
    }
}
