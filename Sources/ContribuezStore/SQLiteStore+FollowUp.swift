import ContribuezCore
import Foundation
import GRDB

/// Answers, text versions, uptake, follows, notifications and mail preferences (issue 9).
extension SQLiteStore {
    // MARK: Notifications (inside the caller's transaction)

    static func insertNotifications(_ db: Database, _ notes: [NewNotification]) throws {
        guard !notes.isEmpty else { return }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO notifications (participant_id, kind, consultation_id, path, subject, detail, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        for n in notes {
            try insert.execute(arguments: [n.participantID, n.kind.rawValue, n.consultationID, n.path, n.subject, n.detail, SQL.ms(n.createdAt)])
        }
    }

    // MARK: Answers

    static func answer(_ row: Row) -> Answer {
        Answer(
            id: row["id"], contributionID: row["contribution_id"], status: AnswerStatus(rawValue: row["status"]) ?? .aLEtude,
            text: row["text"], answererID: row["answerer_id"], answererName: row["answerer_name"], at: SQL.date(row["at"]))
    }

    public func addAnswer(
        contributionID: ID, status: AnswerStatus, text: String, answererID: ID?, answererName: String, at: Date,
        audit: AuditEntry, notifications: [NewNotification]
    ) async throws -> Answer {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO answers (contribution_id, status, text, answerer_id, answerer_name, at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [contributionID, status.rawValue, text, answererID, answererName, SQL.ms(at)])
            let answer = Answer(
                id: db.lastInsertedRowID, contributionID: contributionID, status: status, text: text, answererID: answererID,
                answererName: answererName, at: SQL.date(SQL.ms(at)))
            try Self.appendAudit(db, audit)
            try Self.insertNotifications(db, notifications)
            return answer
        }
    }

    public func answers(contributionID: ID) async throws -> AnswerHistory {
        try await pool.read { db in
            AnswerHistory(versions: try Row.fetchAll(
                db, cachedSQL: "SELECT * FROM answers WHERE contribution_id = ? ORDER BY id DESC", arguments: [contributionID]).map(Self.answer))
        }
    }

    public func currentAnswers(contributionIDs: [ID]) async throws -> [ID: Answer] {
        guard !contributionIDs.isEmpty else { return [:] }
        return try await pool.read { db in
            var out: [ID: Answer] = [:]
            for chunk in stride(from: 0, to: contributionIDs.count, by: 500).map({ Array(contributionIDs[$0..<min($0 + 500, contributionIDs.count)]) }) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                for row in try Row.fetchAll(
                    db,
                    cachedSQL: """
                        SELECT a.* FROM answers a
                        WHERE a.contribution_id IN (\(marks)) AND a.id = (SELECT MAX(b.id) FROM answers b WHERE b.contribution_id = a.contribution_id)
                        """,
                    arguments: StatementArguments(chunk)) {
                    let a = Self.answer(row)
                    out[a.contributionID] = a
                }
            }
            return out
        }
    }

    public func engagementCandidates(consultationID: ID, closesAt: Date) async throws -> [EngagementCandidate] {
        try await pool.read { db in
            // Votes at closing: the vote log replayed up to the closing instant (the last event of each
            // participant on each target decides), plus the totals imported from another platform.
            var atClosing: [ID: Int] = [:]
            for row in try Row.fetchAll(
                db,
                cachedSQL: """
                    SELECT target_id, COUNT(*) AS n FROM (
                        SELECT e.target_id, e.value,
                            ROW_NUMBER() OVER (PARTITION BY e.participant_id, e.target_id ORDER BY e.seq DESC) AS rn
                        FROM vote_events e JOIN contributions c ON c.id = e.target_id
                        WHERE e.target_kind = 'contribution' AND c.consultation_id = ? AND e.at <= ?
                    ) x WHERE rn = 1 AND value IS NOT NULL GROUP BY target_id
                    """,
                arguments: [consultationID, SQL.ms(closesAt)]) {
                atClosing[row["target_id"]] = row["n"]
            }
            let rows = try Row.fetchAll(
                db,
                cachedSQL: SQL.contributionSelect + """
                     WHERE c.consultation_id = ? AND c.kind IN ('proposal', 'amendment', 'argument') AND c.is_hidden = 0 AND c.status = 'published'
                    """,
                arguments: [consultationID])
            let firsts = try Row.fetchAll(
                db,
                cachedSQL: """
                    SELECT a.contribution_id, MIN(a.at) AS first_at,
                        (SELECT b.status FROM answers b WHERE b.contribution_id = a.contribution_id ORDER BY b.id DESC LIMIT 1) AS current_status
                    FROM answers a JOIN contributions c ON c.id = a.contribution_id
                    WHERE c.consultation_id = ? GROUP BY a.contribution_id
                    """,
                arguments: [consultationID])
            var answered: [ID: (Date, AnswerStatus?)] = [:]
            for r in firsts { answered[r["contribution_id"]] = (SQL.date(r["first_at"]), AnswerStatus(rawValue: r["current_status"] ?? "")) }
            return rows.map { row in
                let c = SQL.contribution(row)
                let base = c.importedTally.map { $0.opinionTotal + $0.useful } ?? 0
                let a = answered[c.id]
                return EngagementCandidate(contribution: c, votes: base + (atClosing[c.id] ?? 0), firstAnsweredAt: a?.0, currentStatus: a?.1)
            }
        }
    }

    // MARK: Versions

    static func textVersion(_ row: Row) -> TextVersion {
        TextVersion(id: row["id"], consultationID: row["consultation_id"], position: row["position"], label: row["label"], publishedAt: SQL.date(row["published_at"]))
    }

    /// An `uptakes` row: taken up (version and article) or not taken up (reason).
    static func uptakeRecord(_ row: Row) -> UptakeRecord {
        let uptake: Uptake
        if let v: ID = row["version_id"], let n: String = row["article_number"] {
            uptake = .takenUp(versionID: v, articleNumber: n)
        } else {
            uptake = .notTakenUp(reason: row["not_taken_up_reason"] ?? "")
        }
        return UptakeRecord(contributionID: row["contribution_id"], uptake: uptake, at: SQL.date(row["at"]))
    }

    static func articleVersion(_ row: Row) -> ArticleVersion {
        ArticleVersion(
            id: row["id"], versionID: row["version_id"], position: row["position"], number: row["number"], previousNumber: row["previous_number"],
            originArticleID: row["origin_article_id"], title: row["title"], body: row["body"], explanation: row["explanation"])
    }

    public func addTextVersion(
        consultationID: ID, label: String, publishedAt: Date, text: ParsedDraftText, renumbering: [String: String],
        audit: AuditEntry, notifications: [NewNotification]
    ) async throws -> TextVersion {
        try await pool.write { db in
            // The previous version's articles, by number, with the consulted article each descends from.
            var previous: [String: ID?] = [:]
            let last = try Row.fetchOne(db, cachedSQL: "SELECT * FROM text_versions WHERE consultation_id = ? ORDER BY position DESC LIMIT 1", arguments: [consultationID])
                .map(Self.textVersion)
            if let last {
                for row in try Row.fetchAll(db, cachedSQL: "SELECT number, origin_article_id FROM article_versions WHERE version_id = ?", arguments: [last.id]) {
                    previous[row["number"]] = .some(row["origin_article_id"])
                }
            } else {
                for row in try Row.fetchAll(db, cachedSQL: "SELECT id, number FROM articles WHERE consultation_id = ?", arguments: [consultationID]) {
                    previous[DraftText.normaliseNumber(row["number"])] = .some(row["id"])
                }
            }
            let inverse = Dictionary(renumbering.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
            let position = (last?.position ?? 0) + 1
            try db.execute(
                sql: "INSERT INTO text_versions (consultation_id, position, label, published_at) VALUES (?, ?, ?, ?)",
                arguments: [consultationID, position, label, SQL.ms(publishedAt)])
            let version = TextVersion(id: db.lastInsertedRowID, consultationID: consultationID, position: position, label: label,
                                      publishedAt: SQL.date(SQL.ms(publishedAt)))
            var i = 0
            for a in text.sections.flatMap(\.articles) {
                i += 1
                // Renumbered from a declared old number; else the same number, unless that old article moved away.
                let before: String? = inverse[a.number] ?? (renumbering[a.number] == nil && previous[a.number] != nil ? a.number : nil)
                let origin: ID? = before.flatMap { previous[$0] ?? nil }
                try db.execute(
                    sql: """
                        INSERT INTO article_versions (version_id, position, number, previous_number, origin_article_id, title, body, explanation)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [version.id, i, a.number, before, origin, a.title, a.body, a.explanation])
            }
            var entry = audit
            entry.detail = "\(label) (v\(position))"
            try Self.appendAudit(db, entry)
            try Self.insertNotifications(db, notifications)
            return version
        }
    }

    public func textVersions(consultationID: ID) async throws -> [TextVersion] {
        try await pool.read { db in
            try Row.fetchAll(db, cachedSQL: "SELECT * FROM text_versions WHERE consultation_id = ? ORDER BY position", arguments: [consultationID]).map(Self.textVersion)
        }
    }

    public func textVersion(id: ID) async throws -> TextVersion? {
        try await pool.read { db in try Row.fetchOne(db, cachedSQL: "SELECT * FROM text_versions WHERE id = ?", arguments: [id]).map(Self.textVersion) }
    }

    public func articleVersions(versionID: ID) async throws -> [ArticleVersion] {
        try await pool.read { db in
            try Row.fetchAll(db, cachedSQL: "SELECT * FROM article_versions WHERE version_id = ? ORDER BY position, id", arguments: [versionID]).map(Self.articleVersion)
        }
    }

    public func articleLineage(articleID: ID) async throws -> [(TextVersion, ArticleVersion)] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                cachedSQL: """
                    SELECT av.*, tv.consultation_id AS tv_consultation_id, tv.position AS tv_position, tv.label AS tv_label, tv.published_at AS tv_published_at
                    FROM article_versions av JOIN text_versions tv ON tv.id = av.version_id
                    WHERE av.origin_article_id = ? ORDER BY tv.position
                    """,
                arguments: [articleID]
            ).map { row in
                (TextVersion(id: row["version_id"], consultationID: row["tv_consultation_id"], position: row["tv_position"], label: row["tv_label"],
                             publishedAt: SQL.date(row["tv_published_at"])),
                 Self.articleVersion(row))
            }
        }
    }

    // MARK: Uptake

    public func applyUptakes(_ changes: [UptakeChange], at: Date) async throws -> Int {
        try await pool.write { db in
            var changed = 0
            for change in changes {
                if let uptake = change.uptake {
                    var version: ID?, number: String?, reason: String?
                    switch uptake {
                    case .takenUp(let v, let n): version = v; number = n
                    case .notTakenUp(let r): reason = r
                    }
                    try db.execute(
                        sql: """
                            INSERT INTO uptakes (contribution_id, version_id, article_number, not_taken_up_reason, at) VALUES (?, ?, ?, ?, ?)
                            ON CONFLICT (contribution_id) DO UPDATE SET version_id = excluded.version_id, article_number = excluded.article_number,
                                not_taken_up_reason = excluded.not_taken_up_reason, at = excluded.at
                            """,
                        arguments: [change.contributionID, version, number, reason, SQL.ms(at)])
                } else {
                    try db.execute(sql: "DELETE FROM uptakes WHERE contribution_id = ?", arguments: [change.contributionID])
                    guard db.changesCount > 0 else { continue }
                }
                try Self.appendAudit(db, change.audit)
                changed += 1
            }
            return changed
        }
    }

    public func uptakes(contributionIDs: [ID]) async throws -> [ID: UptakeRecord] {
        guard !contributionIDs.isEmpty else { return [:] }
        return try await pool.read { db in
            var out: [ID: UptakeRecord] = [:]
            for chunk in stride(from: 0, to: contributionIDs.count, by: 500).map({ Array(contributionIDs[$0..<min($0 + 500, contributionIDs.count)]) }) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                for row in try Row.fetchAll(db, cachedSQL: "SELECT * FROM uptakes WHERE contribution_id IN (\(marks))", arguments: StatementArguments(chunk)) {
                    let record = Self.uptakeRecord(row)
                    out[record.contributionID] = record
                }
            }
            return out
        }
    }

    public func topContributions(consultationID: ID, limit: Int) async throws -> [ContributionRow] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                cachedSQL: SQL.contributionSelect + """
                     WHERE c.consultation_id = ? AND c.kind IN ('proposal', 'amendment') AND c.is_hidden = 0 AND c.status = 'published'
                    ORDER BY c.score DESC, c.id LIMIT ?
                    """,
                arguments: [consultationID, limit]
            ).map { ContributionRow(contribution: SQL.contribution($0), tally: SQL.liveTally($0)) }
        }
    }

    // MARK: Follows

    public func follow(participantID: ID, target: FollowTarget, at: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO follows (participant_id, target_kind, target_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [participantID, target.kindName, target.id, SQL.ms(at)])
            return db.changesCount > 0
        }
    }

    public func unfollow(participantID: ID, target: FollowTarget) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM follows WHERE participant_id = ? AND target_kind = ? AND target_id = ?",
                arguments: [participantID, target.kindName, target.id])
            return db.changesCount > 0
        }
    }

    public func follows(participantID: ID, among targets: [FollowTarget]) async throws -> Set<FollowTarget> {
        guard !targets.isEmpty else { return [] }
        return try await pool.read { db in
            var out: Set<FollowTarget> = []
            for row in try Row.fetchAll(db, cachedSQL: "SELECT target_kind, target_id FROM follows WHERE participant_id = ?", arguments: [participantID]) {
                if let t = FollowTarget(kind: row["target_kind"], id: row["target_id"]), targets.contains(t) { out.insert(t) }
            }
            return out
        }
    }

    public func followers(of targets: [FollowTarget]) async throws -> Set<ID> {
        guard !targets.isEmpty else { return [] }
        return try await pool.read { db in
            var out: Set<ID> = []
            let select = try db.cachedStatement(sql: "SELECT participant_id FROM follows WHERE target_kind = ? AND target_id = ?")
            for t in targets {
                for id in try ID.fetchAll(select, arguments: [t.kindName, t.id]) { out.insert(id) }
            }
            return out
        }
    }

    // MARK: Notifications

    static func notification(_ row: Row) -> ContribuezCore.Notification {
        ContribuezCore.Notification(
            id: row["id"], participantID: row["participant_id"], kind: NotificationKind(rawValue: row["kind"]) ?? .answer,
            consultationID: row["consultation_id"], path: row["path"], subject: row["subject"], detail: row["detail"],
            createdAt: SQL.date(row["created_at"]), readAt: (row["read_at"] as Int64?).map(SQL.date), mailedAt: (row["mailed_at"] as Int64?).map(SQL.date))
    }

    public func addNotifications(_ notifications: [NewNotification]) async throws {
        guard !notifications.isEmpty else { return }
        try await pool.write { db in try Self.insertNotifications(db, notifications) }
    }

    public func notifications(participantID: ID, page: PageRequest) async throws -> Page<ContribuezCore.Notification> {
        try await pool.read { db in
            let total = try Int.fetchOne(db, cachedSQL: "SELECT COUNT(*) FROM notifications WHERE participant_id = ?", arguments: [participantID]) ?? 0
            let items = try Row.fetchAll(
                db, cachedSQL: "SELECT * FROM notifications WHERE participant_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
                arguments: [participantID, page.perPage, page.offset]).map(Self.notification)
            return Page(items: items, page: page.page, perPage: page.perPage, total: total)
        }
    }

    public func unreadNotifications(participantID: ID) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, cachedSQL: "SELECT COUNT(*) FROM notifications WHERE participant_id = ? AND read_at IS NULL", arguments: [participantID]) ?? 0
        }
    }

    public func markNotificationsRead(participantID: ID, at: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE notifications SET read_at = ? WHERE participant_id = ? AND read_at IS NULL", arguments: [SQL.ms(at), participantID])
        }
    }

    public func unmailedNotifications(frequency: MailFrequency, limit: Int) async throws -> [ContribuezCore.Notification] {
        try await pool.read { db in
            // NB: a participant without preferences yet gets the default, immediate.
            let filter = frequency == .immediate
                ? "(mp.frequency IS NULL OR mp.frequency = 'immediate')"
                : "mp.frequency = ?"
            let args: [any DatabaseValueConvertible] = frequency == .immediate ? [limit] : [frequency.rawValue, limit]
            return try Row.fetchAll(
                db,
                cachedSQL: """
                    SELECT n.* FROM notifications n JOIN participants p ON p.id = n.participant_id
                    LEFT JOIN mail_preferences mp ON mp.participant_id = n.participant_id
                    WHERE n.mailed_at IS NULL AND p.email IS NOT NULL AND 
                    """ + " " + filter + " ORDER BY n.id LIMIT ?",
                arguments: StatementArguments(args)
            ).map(Self.notification)
        }
    }

    public func markNotificationsMailed(ids: [ID], at: Date) async throws {
        guard !ids.isEmpty else { return }
        try await pool.write { db in
            let update = try db.cachedStatement(sql: "UPDATE notifications SET mailed_at = ? WHERE id = ?")
            for id in ids { try update.execute(arguments: [SQL.ms(at), id]) }
        }
    }

    // MARK: Mail preferences

    static func preference(_ row: Row) -> MailPreference {
        MailPreference(
            participantID: row["participant_id"], frequency: MailFrequency(rawValue: row["frequency"]) ?? .immediate, lang: row["lang"],
            unsubscribeToken: row["unsubscribe_token"], lastDigestAt: (row["last_digest_at"] as Int64?).map(SQL.date))
    }

    public func mailPreference(participantID: ID, newToken: String) async throws -> MailPreference {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO mail_preferences (participant_id, frequency, lang, unsubscribe_token) VALUES (?, 'immediate', 'fr', ?) ON CONFLICT DO NOTHING",
                arguments: [participantID, newToken])
            guard let row = try Row.fetchOne(db, cachedSQL: "SELECT * FROM mail_preferences WHERE participant_id = ?", arguments: [participantID]) else {
                throw StoreError.notFound
            }
            return Self.preference(row)
        }
    }

    public func setMailPreference(participantID: ID, frequency: MailFrequency, lang: String, newToken: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO mail_preferences (participant_id, frequency, lang, unsubscribe_token) VALUES (?, ?, ?, ?)
                    ON CONFLICT (participant_id) DO UPDATE SET frequency = excluded.frequency, lang = excluded.lang
                    """,
                arguments: [participantID, frequency.rawValue, lang, newToken])
        }
    }

    public func setLastDigest(participantID: ID, at: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE mail_preferences SET last_digest_at = ? WHERE participant_id = ?", arguments: [SQL.ms(at), participantID])
        }
    }

    public func unsubscribe(token: String) async throws -> ID? {
        try await pool.write { db in
            guard let id = try ID.fetchOne(db, cachedSQL: "SELECT participant_id FROM mail_preferences WHERE unsubscribe_token = ?", arguments: [token]) else {
                return nil
            }
            try db.execute(sql: "UPDATE mail_preferences SET frequency = 'never' WHERE participant_id = ?", arguments: [id])
            return id
        }
    }
}
