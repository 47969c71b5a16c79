import ContribuezCore
import ContribuezStore
import Foundation
import PostgresNIO

/// Roles, consultation set-up, moderation and the audit trail (issue 8). Every staff write appends its
/// audit entry in the same transaction.
extension PostgresStore {
    // MARK: Audit

    static func appendAudit(_ c: PostgresConnection, _ e: AuditEntry) async throws {
        try await c.run(
            """
            INSERT INTO audit_log (consultation_id, actor_id, actor_name, action, target_kind, target_id, reason, detail, at)
            VALUES (\(e.consultationID), \(e.actorID), \(e.actorName), \(e.action.rawValue), \(e.targetKind), \(e.targetID), \(e.reason),
                \(e.detail), \(PG.ms(e.at)))
            """)
    }

    public func appendAudit(_ entry: AuditEntry) async throws {
        try await write { c in try await Self.appendAudit(c, entry) }
    }

    public func auditEntries(consultationID: ID?, page: PageRequest) async throws -> Page<AuditEntry> {
        try await read { c in
            var countText = SQLText(), text = SQLText()
            let filter = { (t: inout SQLText) in consultationID.map { "consultation_id = \(t.bind($0))" } ?? "1 = 1" }
            countText.sql = "SELECT COUNT(*) FROM audit_log WHERE " + filter(&countText)
            let total = try await c.count(countText.query)
            text.sql = "SELECT * FROM audit_log WHERE " + filter(&text) + " ORDER BY seq LIMIT \(text.bind(page.perPage)) OFFSET \(text.bind(page.offset))"
            let items = try await c.rows(text.query).map { row in
                try AuditEntry(
                    sequence: row["seq"], consultationID: row["consultation_id"], actorID: row["actor_id"], actorName: row["actor_name"],
                    action: AuditAction(rawValue: row["action"]) ?? .editConsultation, targetKind: row["target_kind"],
                    targetID: row["target_id"], reason: row["reason"], detail: row["detail"], at: PG.date(row["at"]))
            }
            return Page(items: items, page: page.page, perPage: page.perPage, total: total)
        }
    }

    // MARK: Roles

    public func setRole(participantID: ID, role: Role, audit: AuditEntry?) async throws -> Bool {
        try await write { c in
            guard try await c.count("SELECT COUNT(*) FROM participants WHERE id = \(participantID)") > 0 else { return false }
            if role == .participant {
                try await c.run("DELETE FROM instance_roles WHERE participant_id = \(participantID)")
            } else {
                try await c.run(
                    """
                    INSERT INTO instance_roles (participant_id, role) VALUES (\(participantID), \(role.rawValue))
                    ON CONFLICT (participant_id) DO UPDATE SET role = excluded.role
                    """)
            }
            if let audit { try await Self.appendAudit(c, audit) }
            return true
        }
    }

    static func loadConsultationRoles(_ c: PostgresConnection, _ participantID: ID) async throws -> [ID: ConsultationRole] {
        var out: [ID: ConsultationRole] = [:]
        for row in try await c.rows("SELECT consultation_id, role FROM consultation_roles WHERE participant_id = \(participantID)") {
            if let r = ConsultationRole(rawValue: try row["role"]) { out[try row["consultation_id"]] = r }
        }
        return out
    }

    public func consultationRoles(participantID: ID) async throws -> [ID: ConsultationRole] {
        try await read { c in try await Self.loadConsultationRoles(c, participantID) }
    }

    public func grantRole(consultationID: ID, participantID: ID, role: ConsultationRole, audit: AuditEntry) async throws {
        try await write { c in
            try await c.run(
                """
                INSERT INTO consultation_roles (consultation_id, participant_id, role, granted_at)
                VALUES (\(consultationID), \(participantID), \(role.rawValue), \(PG.ms(audit.at)))
                ON CONFLICT (consultation_id, participant_id) DO UPDATE SET role = excluded.role, granted_at = excluded.granted_at
                """)
            try await Self.appendAudit(c, audit)
        }
    }

    public func revokeRole(consultationID: ID, participantID: ID, audit: AuditEntry) async throws -> Bool {
        try await write { c in
            let removed = try await c.run(
                "DELETE FROM consultation_roles WHERE consultation_id = \(consultationID) AND participant_id = \(participantID) RETURNING 1")
            guard removed > 0 else { return false }
            try await Self.appendAudit(c, audit)
            return true
        }
    }

    public func roleGrants(consultationID: ID) async throws -> [RoleGrant] {
        try await single { c in
            try await c.rows(
                """
                SELECT p.*, (SELECT role FROM instance_roles ir WHERE ir.participant_id = p.id) AS instance_role, cr.role AS c_role
                FROM consultation_roles cr JOIN participants p ON p.id = cr.participant_id
                WHERE cr.consultation_id = \(consultationID) ORDER BY cr.role COLLATE "C", p.display_name COLLATE "C", p.id
                """
            ).compactMap { row in
                guard let role = ConsultationRole(rawValue: try row["c_role"]) else { return nil }
                return RoleGrant(participant: try PG.participant(row, keyring), role: role)
            }
        }
    }

    public func participants(withRoles roles: [Role]) async throws -> [Participant] {
        let wanted = roles.filter { $0 != .participant }.map(\.rawValue)
        guard !wanted.isEmpty else { return [] }
        return try await single { c in
            try await c.rows(
                """
                \(unescaped: PG.participantSelect) WHERE p.id IN (SELECT participant_id FROM instance_roles WHERE role = ANY(\(wanted)))
                ORDER BY p.display_name COLLATE "C", p.id
                """
            ).map { try PG.participant($0, keyring) }
        }
    }

    public func participant(email: String) async throws -> Participant? {
        let keys = keyring.current
        return try await single { c in try await PG.participantRow(c, email: email, keys).map { try PG.participant($0, keyring) } }
    }

    // MARK: Consultation set-up

    public func createConsultation(_ new: NewConsultation, organiserID: ID, audit: AuditEntry) async throws -> Consultation {
        try await write { c in
            var new = new
            // The slug is unique: "titre", "titre-2", "titre-3"…
            let base = new.slug
            var n = 1
            while try await c.count("SELECT COUNT(*) FROM consultations WHERE slug = \(new.slug)") > 0 {
                n += 1
                new.slug = "\(base)-\(n)"
            }
            let created = try await Self.insertConsultation(c, new)
            try await c.run(
                """
                INSERT INTO consultation_roles (consultation_id, participant_id, role, granted_at)
                VALUES (\(created.id), \(organiserID), 'organiser', \(PG.ms(audit.at)))
                """)
            var entry = audit
            entry.consultationID = created.id
            entry.targetID = created.id
            try await Self.appendAudit(c, entry)
            return created
        }
    }

    public func updateConsultation(_ k: Consultation, audit: AuditEntry) async throws {
        try await write { c in
            let changed = try await c.run(
                """
                UPDATE consultations SET title = \(k.title), summary = \(k.summary), institution = \(k.institution),
                    opens_at = \(PG.ms(k.opensAt)), closes_at = \(PG.ms(k.closesAt)), allowed_kinds = \(PG.kinds(k.allowedKinds)),
                    moderation = \(k.settings.moderation.rawValue), answer_threshold = \(k.settings.answerThreshold),
                    answer_deadline_days = \(k.settings.answerDeadlineDays), report_threshold = \(k.settings.reportThreshold)
                WHERE id = \(k.id) RETURNING 1
                """)
            guard changed > 0 else { throw StoreError.notFound }
            try await Self.appendAudit(c, audit)
        }
    }

    public func replaceDraftText(consultationID: ID, text: ParsedDraftText, audit: AuditEntry) async throws -> [Article] {
        try await write { c in
            // NB: only drafts get here (the permission function refuses once published), so no vote or
            // contribution points at these articles; the cascade would remove any that did.
            try await Self.dropRenderedHTML(c, articlesOf: consultationID)
            try await c.run("DELETE FROM articles WHERE consultation_id = \(consultationID)")
            try await c.run("DELETE FROM sections WHERE consultation_id = \(consultationID)")
            var articles: [Article] = []
            var position = 0
            for (i, section) in text.sections.enumerated() {
                guard let sectionID = try await c.scalar(
                    """
                    INSERT INTO sections (consultation_id, position, title, subtitle, level)
                    VALUES (\(consultationID), \(i + 1), \(section.title), '', \(section.level)) RETURNING id
                    """, as: ID.self) else { throw StoreError.constraint("section not inserted") }
                for a in section.articles {
                    position += 1
                    articles.append(try await Self.insertArticle(c, NewArticle(
                        consultationID: consultationID, sectionID: sectionID, position: position, number: a.number, title: a.title,
                        body: a.body, explanation: a.explanation, currentLaw: a.currentLaw)))
                }
            }
            try await Self.appendAudit(c, audit)
            return articles
        }
    }

    public func updateArticle(
        id: ID, title: String, body: String, explanation: String, currentLaw: String, audit: AuditEntry
    ) async throws -> Bool {
        try await write { c in
            let changed = try await c.run(
                """
                UPDATE articles SET title = \(title), body = \(body), explanation = \(explanation), current_law = \(currentLaw)
                WHERE id = \(id) RETURNING 1
                """)
            guard changed > 0 else { return false }
            try await Self.dropRenderedHTML(c, articleID: id)
            try await Self.appendAudit(c, audit)
            return true
        }
    }

    public func publish(consultationID: ID, audit: AuditEntry) async throws {
        try await write { c in
            guard try await c.run("UPDATE consultations SET is_published = 1 WHERE id = \(consultationID) RETURNING 1") > 0 else {
                throw StoreError.notFound
            }
            try await Self.appendAudit(c, audit)
        }
    }

    public func closeEarly(consultationID: ID, reason: String, at: Date, audit: AuditEntry) async throws {
        try await write { c in
            guard try await c.run(
                "UPDATE consultations SET closes_at = \(PG.ms(at)), closed_early_reason = \(reason) WHERE id = \(consultationID) RETURNING 1") > 0
            else { throw StoreError.notFound }
            try await Self.appendAudit(c, audit)
        }
    }

    // MARK: Moderation

    static func fetchContribution(_ c: PostgresConnection, _ id: ID) async throws -> Contribution {
        guard let row = try await c.one("\(unescaped: PG.contributionSelect) WHERE c.id = \(id)") else { throw StoreError.notFound }
        return try PG.contribution(row)
    }

    static func event(_ c: PostgresConnection, _ id: ID, _ event: String, _ at: Date) async throws {
        try await c.run("INSERT INTO contribution_events (contribution_id, event, at) VALUES (\(id), \(event), \(PG.ms(at)))")
    }

    public func addReport(
        contributionID: ID, participantID: ID, reason: ModerationReason, text: String, at: Date, threshold: Int, autoHide: AuditEntry
    ) async throws -> Contribution {
        do {
            return try await write { c in
                try await c.run(
                    """
                    INSERT INTO reports (contribution_id, participant_id, reason, text, created_at)
                    VALUES (\(contributionID), \(participantID), \(reason.rawValue), \(text), \(PG.ms(at)))
                    """)
                // NB: the row lock makes concurrent reports on one item take turns, so the threshold is
                // crossed by exactly one of them (SQLite's single writer gives the same).
                try await c.run("SELECT id FROM contributions WHERE id = \(contributionID) FOR UPDATE")
                let item = try await Self.fetchContribution(c, contributionID)
                let open = try await c.count(
                    "SELECT COUNT(DISTINCT participant_id) FROM reports WHERE contribution_id = \(contributionID) AND resolved_at IS NULL")
                guard !item.isHidden, item.status == .published, open >= threshold else { return item }
                // The most frequent open reason (the oldest on a tie) is the one the placeholder shows.
                let top = try await c.scalar(
                    """
                    SELECT reason FROM reports WHERE contribution_id = \(contributionID) AND resolved_at IS NULL
                    GROUP BY reason ORDER BY COUNT(*) DESC, MIN(created_at), reason COLLATE "C" LIMIT 1
                    """, as: String.self) ?? reason.rawValue
                try await c.run(
                    """
                    UPDATE contributions SET is_hidden = 1, hidden_at = \(PG.ms(at)), hidden_reason = \(top), hidden_by_reports = 1
                    WHERE id = \(contributionID)
                    """)
                try await Self.event(c, contributionID, "hidden", at)
                var entry = autoHide
                entry.reason = top
                try await Self.appendAudit(c, entry)
                return try await Self.fetchContribution(c, contributionID)
            }
        } catch where PG.isUniqueViolation(error, constraint: "reports_contribution_id_participant_id_key") {
            throw StoreError.duplicateReport
        }
    }

    public func moderate(contributionID: ID, action: ModerationAction, reason: ModerationReason, at: Date, audit: AuditEntry) async throws -> Contribution {
        try await write { c in
            try await c.run("SELECT id FROM contributions WHERE id = \(contributionID) FOR UPDATE")
            let before = try await Self.fetchContribution(c, contributionID)
            switch action {
            case .hide:
                try await c.run(
                    """
                    UPDATE contributions SET is_hidden = 1, hidden_at = \(PG.ms(before.hidden?.at ?? at)), hidden_reason = \(reason.rawValue),
                        hidden_by_reports = 0 WHERE id = \(contributionID)
                    """)
                if !before.isHidden { try await Self.event(c, contributionID, "hidden", at) }
            case .restore, .approve:
                try await c.run(
                    """
                    UPDATE contributions SET is_hidden = 0, status = 'published', hidden_at = NULL, hidden_reason = NULL, hidden_by_reports = 0
                    WHERE id = \(contributionID)
                    """)
                if before.isHidden { try await Self.event(c, contributionID, "restored", at) }
            case .reject:
                try await c.run(
                    """
                    UPDATE contributions SET is_hidden = 1, status = 'rejected', hidden_at = \(PG.ms(at)), hidden_reason = \(reason.rawValue),
                        hidden_by_reports = 0 WHERE id = \(contributionID)
                    """)
            }
            try await c.run("UPDATE reports SET resolved_at = \(PG.ms(at)) WHERE contribution_id = \(contributionID) AND resolved_at IS NULL")
            try await Self.appendAudit(c, audit)
            return try await Self.fetchContribution(c, contributionID)
        }
    }

    static func report(_ row: PGRow) throws -> Report {
        try Report(
            id: row["id"], contributionID: row["contribution_id"], participantID: row["participant_id"],
            reason: ModerationReason(rawValue: row["reason"]) ?? .other, text: row["text"], createdAt: PG.date(row["created_at"]),
            resolved: (row["resolved_at"] as Int64?) != nil)
    }

    public func reports(contributionID: ID) async throws -> [Report] {
        try await single { c in
            try await c.rows("SELECT * FROM reports WHERE contribution_id = \(contributionID) ORDER BY created_at, id").map(Self.report)
        }
    }

    public func moderationQueue(consultationID: ID, reason: ModerationReason?, page: PageRequest) async throws -> Page<ModerationItem> {
        try await read { c in
            // In the queue: held items, and published items with open reports. Oldest first by when they entered it.
            func base(_ t: inout SQLText) -> String {
                var sql = """
                    FROM contributions c
                    WHERE c.consultation_id = \(t.bind(consultationID)) AND (c.status = 'pending'
                        OR (c.status = 'published' AND EXISTS (SELECT 1 FROM reports r WHERE r.contribution_id = c.id AND r.resolved_at IS NULL)))
                    """
                if let reason {
                    sql += " AND EXISTS (SELECT 1 FROM reports r2 WHERE r2.contribution_id = c.id AND r2.resolved_at IS NULL AND r2.reason = \(t.bind(reason.rawValue)))"
                }
                return sql
            }
            var countText = SQLText()
            countText.sql = "SELECT COUNT(*) " + base(&countText)
            let total = try await c.count(countText.query)
            let since = "COALESCE((SELECT MIN(r.created_at) FROM reports r WHERE r.contribution_id = c.id AND r.resolved_at IS NULL), c.created_at)"
            var text = SQLText()
            text.sql = "SELECT c.id, " + since + " AS since " + base(&text)
            text.sql += " ORDER BY since, c.id LIMIT \(text.bind(page.perPage)) OFFSET \(text.bind(page.offset))"
            var items: [ModerationItem] = []
            for row in try await c.rows(text.query) {
                let id: ID = try row["id"]
                let reports = try await c.rows(
                    "SELECT * FROM reports WHERE contribution_id = \(id) AND resolved_at IS NULL ORDER BY created_at, id").map(Self.report)
                items.append(ModerationItem(contribution: try await Self.fetchContribution(c, id), reports: reports, since: PG.date(try row["since"])))
            }
            return Page(items: items, page: page.page, perPage: page.perPage, total: total)
        }
    }

    public func moderationSummary(consultationID: ID, page: PageRequest) async throws -> ModerationSummary {
        try await read { c in
            let counts = try await c.rows(
                """
                SELECT action, reason, COUNT(*) AS n FROM audit_log
                WHERE consultation_id = \(consultationID) AND action IN ('hide', 'restore', 'approve', 'reject', 'hide_by_reports')
                GROUP BY action, reason ORDER BY action COLLATE "C", reason COLLATE "C"
                """
            ).compactMap { row -> ModerationSummary.Count? in
                try AuditAction(rawValue: row["action"]).map { .init(action: $0, reason: try row["reason"], count: try row["n"]) }
            }
            let filter = "c.consultation_id = $1 AND c.status = 'published' AND c.is_hidden = 1 AND c.hidden_at IS NOT NULL"
            var countText = SQLText("SELECT COUNT(*) FROM contributions c WHERE " + filter)
            _ = countText.bind(consultationID)
            let total = try await c.count(countText.query)
            var text = SQLText(PG.contributionSelect + " WHERE " + filter)
            _ = text.bind(consultationID)
            text.sql += " ORDER BY c.hidden_at DESC, c.id DESC LIMIT \(text.bind(page.perPage)) OFFSET \(text.bind(page.offset))"
            let hidden = try await c.rows(text.query).map(PG.contribution)
            return ModerationSummary(counts: counts, hidden: Page(items: hidden, page: page.page, perPage: page.perPage, total: total))
        }
    }

    public func unpublishedContributions(authorID: ID, page: PageRequest) async throws -> Page<Contribution> {
        try await read { c in
            let filter = "c.author_id = $1 AND c.is_hidden = 1 AND (c.status <> 'published' OR c.hidden_at IS NOT NULL)"
            var countText = SQLText("SELECT COUNT(*) FROM contributions c WHERE " + filter)
            _ = countText.bind(authorID)
            let total = try await c.count(countText.query)
            var text = SQLText(PG.contributionSelect + " WHERE " + filter)
            _ = text.bind(authorID)
            text.sql += " ORDER BY c.created_at DESC, c.id DESC LIMIT \(text.bind(page.perPage)) OFFSET \(text.bind(page.offset))"
            let items = try await c.rows(text.query).map(PG.contribution)
            return Page(items: items, page: page.page, perPage: page.perPage, total: total)
        }
    }
}
