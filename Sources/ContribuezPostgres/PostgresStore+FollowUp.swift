import ContribuezCore
import Foundation
import PostgresNIO

/// Answers, text versions, uptake, follows, notifications and mail preferences (issue 9).
extension PostgresStore {
    // MARK: Notifications (inside the caller's transaction)

    static func insertNotifications(_ c: PostgresConnection, _ notes: [NewNotification]) async throws {
        guard !notes.isEmpty else { return }
        for n in notes {
            try await c.run(
                """
                INSERT INTO notifications (participant_id, kind, consultation_id, path, subject, detail, created_at)
                VALUES (\(n.participantID), \(n.kind.rawValue), \(n.consultationID), \(n.path), \(n.subject), \(n.detail), \(PG.ms(n.createdAt)))
                """)
        }
    }

    // MARK: Answers

    static func answer(_ row: PGRow) throws -> Answer {
        try Answer(
            id: row["id"], contributionID: row["contribution_id"], status: AnswerStatus(rawValue: row["status"]) ?? .aLEtude,
            text: row["text"], answererID: row["answerer_id"], answererName: row["answerer_name"], at: PG.date(row["at"]))
    }

    public func addAnswer(
        contributionID: ID, status: AnswerStatus, text: String, answererID: ID?, answererName: String, at: Date,
        audit: AuditEntry, notifications: [NewNotification]
    ) async throws -> Answer {
        try await write { c in
            guard let id = try await c.scalar(
                """
                INSERT INTO answers (contribution_id, status, text, answerer_id, answerer_name, at)
                VALUES (\(contributionID), \(status.rawValue), \(text), \(answererID), \(answererName), \(PG.ms(at))) RETURNING id
                """, as: ID.self) else { throw StoreError.constraint("answer not inserted") }
            let answer = Answer(
                id: id, contributionID: contributionID, status: status, text: text, answererID: answererID,
                answererName: answererName, at: PG.date(PG.ms(at)))
            try await Self.appendAudit(c, audit)
            try await Self.insertNotifications(c, notifications)
            return answer
        }
    }

    public func answers(contributionID: ID) async throws -> AnswerHistory {
        try await single { c in
            AnswerHistory(versions: try await c.rows("SELECT * FROM answers WHERE contribution_id = \(contributionID) ORDER BY id DESC").map(Self.answer))
        }
    }

    public func currentAnswers(contributionIDs: [ID]) async throws -> [ID: Answer] {
        guard !contributionIDs.isEmpty else { return [:] }
        return try await single { c in
            var out: [ID: Answer] = [:]
            for row in try await c.rows(
                """
                SELECT a.* FROM answers a
                WHERE a.contribution_id = ANY(\(contributionIDs))
                    AND a.id = (SELECT MAX(b.id) FROM answers b WHERE b.contribution_id = a.contribution_id)
                """) {
                let a = try Self.answer(row)
                out[a.contributionID] = a
            }
            return out
        }
    }

    public func engagementCandidates(consultationID: ID, closesAt: Date) async throws -> [EngagementCandidate] {
        try await read { c in
            // Votes at closing: the vote log replayed up to the closing instant (the last event of each
            // participant on each target decides), plus the totals imported from another platform.
            var atClosing: [ID: Int] = [:]
            for row in try await c.rows(
                """
                SELECT target_id, COUNT(*) AS n FROM (
                    SELECT e.target_id, e.value,
                        ROW_NUMBER() OVER (PARTITION BY e.participant_id, e.target_id ORDER BY e.seq DESC) AS rn
                    FROM vote_events e JOIN contributions c ON c.id = e.target_id
                    WHERE e.target_kind = 'contribution' AND c.consultation_id = \(consultationID) AND e.at <= \(PG.ms(closesAt))
                ) x WHERE rn = 1 AND value IS NOT NULL GROUP BY target_id
                """) {
                atClosing[try row["target_id"]] = try row["n"]
            }
            let rows = try await c.rows(
                """
                \(unescaped: PG.contributionSelect)
                WHERE c.consultation_id = \(consultationID) AND c.kind IN ('proposal', 'amendment', 'argument') AND c.is_hidden = 0 AND c.status = 'published'
                """)
            let firsts = try await c.rows(
                """
                SELECT a.contribution_id, MIN(a.at) AS first_at,
                    (SELECT b.status FROM answers b WHERE b.contribution_id = a.contribution_id ORDER BY b.id DESC LIMIT 1) AS current_status
                FROM answers a JOIN contributions c ON c.id = a.contribution_id
                WHERE c.consultation_id = \(consultationID) GROUP BY a.contribution_id
                """)
            var answered: [ID: (Date, AnswerStatus?)] = [:]
            for r in firsts {
                answered[try r["contribution_id"]] = (PG.date(try r["first_at"]), AnswerStatus(rawValue: (try r["current_status"] as String?) ?? ""))
            }
            return try rows.map { row in
                let k = try PG.contribution(row)
                let base = k.importedTally.map { $0.opinionTotal + $0.useful } ?? 0
                let a = answered[k.id]
                return EngagementCandidate(contribution: k, votes: base + (atClosing[k.id] ?? 0), firstAnsweredAt: a?.0, currentStatus: a?.1)
            }
        }
    }

    // MARK: Versions

    static func textVersion(_ row: PGRow) throws -> TextVersion {
        try TextVersion(id: row["id"], consultationID: row["consultation_id"], position: row["position"], label: row["label"],
                        publishedAt: PG.date(row["published_at"]))
    }

    /// An `uptakes` row: taken up (version and article) or not taken up (reason).
    static func uptakeRecord(_ row: PGRow) throws -> UptakeRecord {
        let uptake: Uptake
        if let v: ID = try row["version_id"], let n: String = try row["article_number"] {
            uptake = .takenUp(versionID: v, articleNumber: n)
        } else {
            uptake = .notTakenUp(reason: (try row["not_taken_up_reason"] as String?) ?? "")
        }
        return UptakeRecord(contributionID: try row["contribution_id"], uptake: uptake, at: PG.date(try row["at"]))
    }

    static func articleVersion(_ row: PGRow) throws -> ArticleVersion {
        try ArticleVersion(
            id: row["id"], versionID: row["version_id"], position: row["position"], number: row["number"], previousNumber: row["previous_number"],
            originArticleID: row["origin_article_id"], title: row["title"], body: row["body"], explanation: row["explanation"])
    }

    public func addTextVersion(
        consultationID: ID, label: String, publishedAt: Date, text: ParsedDraftText, renumbering: [String: String],
        audit: AuditEntry, notifications: [NewNotification]
    ) async throws -> TextVersion {
        try await write { c in
            // NB: the consultation's row lock makes two versions published at once take turns for their position.
            try await c.run("SELECT id FROM consultations WHERE id = \(consultationID) FOR UPDATE")
            // The previous version's articles, by number, with the consulted article each descends from.
            var previous: [String: ID?] = [:]
            let last = try await c.one(
                "SELECT * FROM text_versions WHERE consultation_id = \(consultationID) ORDER BY position DESC LIMIT 1").map(Self.textVersion)
            if let last {
                for row in try await c.rows("SELECT number, origin_article_id FROM article_versions WHERE version_id = \(last.id)") {
                    previous[try row["number"]] = .some(try row["origin_article_id"])
                }
            } else {
                for row in try await c.rows("SELECT id, number FROM articles WHERE consultation_id = \(consultationID)") {
                    previous[DraftText.normaliseNumber(try row["number"])] = .some(try row["id"])
                }
            }
            let inverse = Dictionary(renumbering.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
            let position = (last?.position ?? 0) + 1
            guard let id = try await c.scalar(
                """
                INSERT INTO text_versions (consultation_id, position, label, published_at)
                VALUES (\(consultationID), \(position), \(label), \(PG.ms(publishedAt))) RETURNING id
                """, as: ID.self) else { throw StoreError.constraint("version not inserted") }
            let version = TextVersion(id: id, consultationID: consultationID, position: position, label: label,
                                      publishedAt: PG.date(PG.ms(publishedAt)))
            var i = 0
            for a in text.sections.flatMap(\.articles) {
                i += 1
                // Renumbered from a declared old number; else the same number, unless that old article moved away.
                let before: String? = inverse[a.number] ?? (renumbering[a.number] == nil && previous[a.number] != nil ? a.number : nil)
                let origin: ID? = before.flatMap { previous[$0] ?? nil }
                try await c.run(
                    """
                    INSERT INTO article_versions (version_id, position, number, previous_number, origin_article_id, title, body, explanation)
                    VALUES (\(version.id), \(i), \(a.number), \(before), \(origin), \(a.title), \(a.body), \(a.explanation))
                    """)
            }
            var entry = audit
            entry.detail = "\(label) (v\(position))"
            try await Self.appendAudit(c, entry)
            try await Self.insertNotifications(c, notifications)
            return version
        }
    }

    public func textVersions(consultationID: ID) async throws -> [TextVersion] {
        try await single { c in
            try await c.rows("SELECT * FROM text_versions WHERE consultation_id = \(consultationID) ORDER BY position").map(Self.textVersion)
        }
    }

    public func textVersion(id: ID) async throws -> TextVersion? {
        try await single { c in try await c.one("SELECT * FROM text_versions WHERE id = \(id)").map(Self.textVersion) }
    }

    public func articleVersions(versionID: ID) async throws -> [ArticleVersion] {
        try await single { c in
            try await c.rows("SELECT * FROM article_versions WHERE version_id = \(versionID) ORDER BY position, id").map(Self.articleVersion)
        }
    }

    public func articleLineage(articleID: ID) async throws -> [(TextVersion, ArticleVersion)] {
        try await single { c in
            try await c.rows(
                """
                SELECT av.*, tv.consultation_id AS tv_consultation_id, tv.position AS tv_position, tv.label AS tv_label, tv.published_at AS tv_published_at
                FROM article_versions av JOIN text_versions tv ON tv.id = av.version_id
                WHERE av.origin_article_id = \(articleID) ORDER BY tv.position
                """
            ).map { row in
                (try TextVersion(id: row["version_id"], consultationID: row["tv_consultation_id"], position: row["tv_position"],
                                 label: row["tv_label"], publishedAt: PG.date(row["tv_published_at"])),
                 try Self.articleVersion(row))
            }
        }
    }

    // MARK: Uptake

    public func applyUptakes(_ changes: [UptakeChange], at: Date) async throws -> Int {
        try await write { c in
            var changed = 0
            for change in changes {
                if let uptake = change.uptake {
                    var version: ID?, number: String?, reason: String?
                    switch uptake {
                    case .takenUp(let v, let n): version = v; number = n
                    case .notTakenUp(let r): reason = r
                    }
                    try await c.run(
                        """
                        INSERT INTO uptakes (contribution_id, version_id, article_number, not_taken_up_reason, at)
                        VALUES (\(change.contributionID), \(version), \(number), \(reason), \(PG.ms(at)))
                        ON CONFLICT (contribution_id) DO UPDATE SET version_id = excluded.version_id, article_number = excluded.article_number,
                            not_taken_up_reason = excluded.not_taken_up_reason, at = excluded.at
                        """)
                } else {
                    let removed = try await c.rows("DELETE FROM uptakes WHERE contribution_id = \(change.contributionID) RETURNING contribution_id")
                    guard !removed.isEmpty else { continue }
                }
                try await Self.appendAudit(c, change.audit)
                changed += 1
            }
            return changed
        }
    }

    public func uptakes(contributionIDs: [ID]) async throws -> [ID: UptakeRecord] {
        guard !contributionIDs.isEmpty else { return [:] }
        return try await single { c in
            var out: [ID: UptakeRecord] = [:]
            for row in try await c.rows("SELECT * FROM uptakes WHERE contribution_id = ANY(\(contributionIDs))") {
                let record = try Self.uptakeRecord(row)
                out[record.contributionID] = record
            }
            return out
        }
    }

    public func topContributions(consultationID: ID, limit: Int) async throws -> [ContributionRow] {
        try await single { c in
            try await c.rows(
                """
                \(unescaped: PG.contributionSelect)
                WHERE c.consultation_id = \(consultationID) AND c.kind IN ('proposal', 'amendment') AND c.is_hidden = 0 AND c.status = 'published'
                ORDER BY c.score DESC, c.id LIMIT \(limit)
                """
            ).map { try ContributionRow(contribution: PG.contribution($0), tally: PG.liveTally($0)) }
        }
    }

    // MARK: Follows

    public func follow(participantID: ID, target: FollowTarget, at: Date) async throws -> Bool {
        try await write { c in
            try await c.run(
                """
                INSERT INTO follows (participant_id, target_kind, target_id, created_at)
                VALUES (\(participantID), \(target.kindName), \(target.id), \(PG.ms(at))) ON CONFLICT DO NOTHING RETURNING 1
                """) > 0
        }
    }

    public func unfollow(participantID: ID, target: FollowTarget) async throws -> Bool {
        try await write { c in
            try await c.run(
                """
                DELETE FROM follows WHERE participant_id = \(participantID) AND target_kind = \(target.kindName) AND target_id = \(target.id)
                RETURNING 1
                """) > 0
        }
    }

    public func follows(participantID: ID, among targets: [FollowTarget]) async throws -> Set<FollowTarget> {
        guard !targets.isEmpty else { return [] }
        return try await single { c in
            var out: Set<FollowTarget> = []
            for row in try await c.rows("SELECT target_kind, target_id FROM follows WHERE participant_id = \(participantID)") {
                if let t = FollowTarget(kind: try row["target_kind"], id: try row["target_id"]), targets.contains(t) { out.insert(t) }
            }
            return out
        }
    }

    public func followers(of targets: [FollowTarget]) async throws -> Set<ID> {
        guard !targets.isEmpty else { return [] }
        return try await read { c in
            var out: Set<ID> = []
            for t in targets {
                for row in try await c.rows("SELECT participant_id FROM follows WHERE target_kind = \(t.kindName) AND target_id = \(t.id)") {
                    out.insert(try row[0])
                }
            }
            return out
        }
    }

    // MARK: Notifications

    static func notification(_ row: PGRow) throws -> ContribuezCore.Notification {
        try ContribuezCore.Notification(
            id: row["id"], participantID: row["participant_id"], kind: NotificationKind(rawValue: row["kind"]) ?? .answer,
            consultationID: row["consultation_id"], path: row["path"], subject: row["subject"], detail: row["detail"],
            createdAt: PG.date(row["created_at"]), readAt: (row["read_at"] as Int64?).map(PG.date), mailedAt: (row["mailed_at"] as Int64?).map(PG.date))
    }

    public func addNotifications(_ notifications: [NewNotification]) async throws {
        guard !notifications.isEmpty else { return }
        try await write { c in try await Self.insertNotifications(c, notifications) }
    }

    public func notifications(participantID: ID, page: PageRequest) async throws -> Page<ContribuezCore.Notification> {
        try await read { c in
            let total = try await c.count("SELECT COUNT(*) FROM notifications WHERE participant_id = \(participantID)")
            let items = try await c.rows(
                "SELECT * FROM notifications WHERE participant_id = \(participantID) ORDER BY id DESC LIMIT \(page.perPage) OFFSET \(page.offset)"
            ).map(Self.notification)
            return Page(items: items, page: page.page, perPage: page.perPage, total: total)
        }
    }

    public func unreadNotifications(participantID: ID) async throws -> Int {
        try await single { c in try await c.count("SELECT COUNT(*) FROM notifications WHERE participant_id = \(participantID) AND read_at IS NULL") }
    }

    public func markNotificationsRead(participantID: ID, at: Date) async throws {
        try await write { c in
            try await c.run("UPDATE notifications SET read_at = \(PG.ms(at)) WHERE participant_id = \(participantID) AND read_at IS NULL")
        }
    }

    public func unmailedNotifications(frequency: MailFrequency, limit: Int) async throws -> [ContribuezCore.Notification] {
        try await single { c in
            // NB: a participant without preferences yet gets the default, immediate.
            var text = SQLText()
            let filter = frequency == .immediate
                ? "(mp.frequency IS NULL OR mp.frequency = 'immediate')"
                : "mp.frequency = \(text.bind(frequency.rawValue))"
            text.sql = """
                SELECT n.* FROM notifications n JOIN participants p ON p.id = n.participant_id
                LEFT JOIN mail_preferences mp ON mp.participant_id = n.participant_id
                WHERE n.mailed_at IS NULL AND p.email IS NOT NULL AND \(filter) ORDER BY n.id LIMIT \(text.bind(limit))
                """
            return try await c.rows(text.query).map(Self.notification)
        }
    }

    public func markNotificationsMailed(ids: [ID], at: Date) async throws {
        guard !ids.isEmpty else { return }
        try await write { c in try await c.run("UPDATE notifications SET mailed_at = \(PG.ms(at)) WHERE id = ANY(\(ids))") }
    }

    // MARK: Mail preferences

    static func preference(_ row: PGRow) throws -> MailPreference {
        try MailPreference(
            participantID: row["participant_id"], frequency: MailFrequency(rawValue: row["frequency"]) ?? .immediate, lang: row["lang"],
            unsubscribeToken: row["unsubscribe_token"], lastDigestAt: (row["last_digest_at"] as Int64?).map(PG.date))
    }

    public func mailPreference(participantID: ID, newToken: String) async throws -> MailPreference {
        try await write { c in
            try await c.run(
                """
                INSERT INTO mail_preferences (participant_id, frequency, lang, unsubscribe_token)
                VALUES (\(participantID), 'immediate', 'fr', \(newToken)) ON CONFLICT DO NOTHING
                """)
            guard let row = try await c.one("SELECT * FROM mail_preferences WHERE participant_id = \(participantID)") else {
                throw StoreError.notFound
            }
            return try Self.preference(row)
        }
    }

    public func setMailPreference(participantID: ID, frequency: MailFrequency, lang: String, newToken: String) async throws {
        try await write { c in
            try await c.run(
                """
                INSERT INTO mail_preferences (participant_id, frequency, lang, unsubscribe_token)
                VALUES (\(participantID), \(frequency.rawValue), \(lang), \(newToken))
                ON CONFLICT (participant_id) DO UPDATE SET frequency = excluded.frequency, lang = excluded.lang
                """)
        }
    }

    public func setLastDigest(participantID: ID, at: Date) async throws {
        try await write { c in
            try await c.run("UPDATE mail_preferences SET last_digest_at = \(PG.ms(at)) WHERE participant_id = \(participantID)")
        }
    }

    public func unsubscribe(token: String) async throws -> ID? {
        try await write { c in
            try await c.scalar(
                "UPDATE mail_preferences SET frequency = 'never' WHERE unsubscribe_token = \(token) RETURNING participant_id", as: ID.self)
        }
    }
}
