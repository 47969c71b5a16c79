import ContribuezCore
import Foundation
import GRDB

/// Debate reports (issue 15, items 3–5). NB: filing is one write transaction (SQLite has one writer at a time): the
/// report, its counts, its contributions through `SQL.insertContribution` (event log and chain included), their link
/// to the debate, the attachments and the audit entry land together or not at all.
extension SQLiteStore {
    public func fileDebateReport(_ new: NewDebateReport) async throws -> DebateReportFiling {
        try await pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM debate_reports WHERE debate_id = ?", arguments: [new.debateID]) == true {
                return .alreadyFiled
            }
            try db.execute(
                sql: """
                    INSERT INTO debate_reports (debate_id, consultation_id, filed_by, attendance, synthesis, source, filed_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [new.debateID, new.consultationID, new.filedBy, new.attendance, new.synthesis, new.source.rawValue, SQL.ms(new.filedAt)])
            for (i, v) in new.votes.enumerated() {
                try db.execute(
                    sql: "INSERT INTO debate_report_votes (debate_id, article_id, position, agree, mixed, disagree) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [new.debateID, v.articleID, i + 1, v.agree, v.mixed, v.disagree])
            }
            for c in new.contributions {
                let stored = try SQL.insertContribution(db, c, hidden: false, held: new.held)
                try db.execute(
                    sql: "INSERT INTO debate_report_contributions (contribution_id, debate_id) VALUES (?, ?)", arguments: [stored.id, new.debateID])
            }
            for (i, p) in new.profile.enumerated() {
                try db.execute(
                    sql: "INSERT INTO debate_report_profiles (debate_id, question, code, position, count) VALUES (?, ?, ?, ?, ?)",
                    arguments: [new.debateID, p.question.rawValue, p.code, i + 1, p.count])
            }
            for (i, a) in new.attachments.enumerated() {
                try db.execute(
                    sql: "INSERT INTO debate_report_attachments (debate_id, number, filename, media_type, size, content) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [new.debateID, i + 1, a.filename, a.type.rawValue, a.bytes.count, Data(a.bytes)])
            }
            if let audit = new.audit { try Self.appendAudit(db, audit) }
            guard let report = try Self.debateReport(db, new.debateID) else { throw StoreError.notFound }
            return .filed(report)
        }
    }

    static func debateReport(_ db: Database, _ debateID: ID) throws -> DebateReport? {
        guard let row = try Row.fetchOne(db, cachedSQL: "SELECT * FROM debate_reports WHERE debate_id = ?", arguments: [debateID]) else { return nil }
        let votes = try Row.fetchAll(
            db, cachedSQL: "SELECT article_id, agree, mixed, disagree FROM debate_report_votes WHERE debate_id = ? ORDER BY position",
            arguments: [debateID]
        ).map { DebateArticleCount(articleID: $0["article_id"], agree: $0["agree"], mixed: $0["mixed"], disagree: $0["disagree"]) }
        let contributions = try ID.fetchAll(
            db, cachedSQL: "SELECT contribution_id FROM debate_report_contributions WHERE debate_id = ? ORDER BY contribution_id", arguments: [debateID])
        let attachments = try Row.fetchAll(
            db, cachedSQL: "SELECT number, filename, media_type, size FROM debate_report_attachments WHERE debate_id = ? ORDER BY number",
            arguments: [debateID]
        ).map(Self.attachment)
        let profile = try Row.fetchAll(
            db, cachedSQL: "SELECT question, code, count FROM debate_report_profiles WHERE debate_id = ? ORDER BY position", arguments: [debateID]
        ).compactMap { r in ProfileQuestion(rawValue: r["question"]).map { DebateProfileCount(question: $0, code: r["code"], count: r["count"]) } }
        return DebateReport(
            debateID: debateID, consultationID: row["consultation_id"], attendance: row["attendance"], synthesis: row["synthesis"],
            source: DebateReportSource(rawValue: row["source"]) ?? .form, filedAt: SQL.date(row["filed_at"]), votes: votes,
            contributionIDs: contributions, attachments: attachments, profile: profile)
    }

    static func attachment(_ row: Row) -> DebateReport.Attachment {
        DebateReport.Attachment(
            number: row["number"], filename: row["filename"], type: DebateAttachmentType(rawValue: row["media_type"]) ?? .pdf, size: row["size"])
    }

    public func debateReport(debateID: ID) async throws -> DebateReport? {
        try await pool.read { db in try Self.debateReport(db, debateID) }
    }

    public func debateReportAttachment(debateID: ID, number: Int) async throws -> (DebateReport.Attachment, [UInt8])? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(
                db, cachedSQL: "SELECT number, filename, media_type, size, content FROM debate_report_attachments WHERE debate_id = ? AND number = ?",
                arguments: [debateID, number]) else { return nil }
            let content: Data = row["content"]
            return (Self.attachment(row), [UInt8](content))
        }
    }

    public func debateVoteSums(consultationID: ID) async throws -> [ID: DebateVoteSum] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db, cachedSQL: """
                    SELECT v.article_id, COALESCE(SUM(v.agree), 0) AS agree, COALESCE(SUM(v.mixed), 0) AS mixed,
                        COALESCE(SUM(v.disagree), 0) AS disagree, COUNT(*) AS debates
                    FROM debate_report_votes v JOIN debate_reports r ON r.debate_id = v.debate_id
                    WHERE r.consultation_id = ? GROUP BY v.article_id
                    """, arguments: [consultationID])
            var out: [ID: DebateVoteSum] = [:]
            for r in rows {
                out[r["article_id"]] = DebateVoteSum(agree: r["agree"], mixed: r["mixed"], disagree: r["disagree"], debates: r["debates"])
            }
            return out
        }
    }

    public func debateProfileSums(consultationID: ID) async throws -> DebateProfileSums {
        try await pool.read { db in
            let counts = try Row.fetchAll(
                db, cachedSQL: """
                    SELECT p.question, p.code, SUM(p.count) AS people
                    FROM debate_report_profiles p JOIN debate_reports r ON r.debate_id = p.debate_id
                    WHERE r.consultation_id = ? GROUP BY p.question, p.code
                    """, arguments: [consultationID]
            ).compactMap { r in ProfileQuestion(rawValue: r["question"]).map { DebateProfileCount(question: $0, code: r["code"], count: r["people"]) } }
            var reports: [ProfileQuestion: Int] = [:]
            for r in try Row.fetchAll(
                db, cachedSQL: """
                    SELECT p.question, COUNT(DISTINCT p.debate_id) AS reports
                    FROM debate_report_profiles p JOIN debate_reports r ON r.debate_id = p.debate_id
                    WHERE r.consultation_id = ? GROUP BY p.question
                    """, arguments: [consultationID]) {
                if let q = ProfileQuestion(rawValue: r["question"]) { reports[q] = r["reports"] }
            }
            return DebateProfileSums(counts: counts, reports: reports)
        }
    }

    public func debateReportCounts(consultationID: ID, at: Date) async throws -> DebateReportCounts {
        try await pool.read { db in
            let row = try Row.fetchOne(
                db, cachedSQL: """
                    SELECT COUNT(*) AS held, COUNT(r.debate_id) AS filed
                    FROM debates d LEFT JOIN debate_reports r ON r.debate_id = d.id
                    WHERE d.consultation_id = ? AND d.cancelled_at IS NULL AND d.ends_at <= ?
                    """, arguments: [consultationID, SQL.ms(at)])
            // NB: a report may be filed once the debate started, before its planned end: it counts as held then.
            let early = try Int.fetchOne(
                db, cachedSQL: """
                    SELECT COUNT(*) FROM debates d JOIN debate_reports r ON r.debate_id = d.id
                    WHERE d.consultation_id = ? AND d.ends_at > ?
                    """, arguments: [consultationID, SQL.ms(at)]) ?? 0
            let held: Int = row?["held"] ?? 0, filed: Int = row?["filed"] ?? 0
            return DebateReportCounts(held: held + early, filed: filed + early)
        }
    }

    public func debateOrigins(contributionIDs: [ID]) async throws -> [ID: DebateOrigin] {
        guard !contributionIDs.isEmpty else { return [:] }
        return try await pool.read { db in
            let marks = Array(repeating: "?", count: contributionIDs.count).joined(separator: ", ")  // placeholders only
            let rows = try Row.fetchAll(
                db, sql: """
                    SELECT x.contribution_id, d.id, d.title, d.organiser_name, d.starts_at, d.commune
                    FROM debate_report_contributions x JOIN debates d ON d.id = x.debate_id
                    WHERE x.contribution_id IN (\(marks))
                    """, arguments: StatementArguments(contributionIDs))
            var out: [ID: DebateOrigin] = [:]
            for r in rows {
                out[r["contribution_id"]] = DebateOrigin(
                    debateID: r["id"], title: r["title"], organiserName: r["organiser_name"], startsAt: SQL.date(r["starts_at"]), commune: r["commune"])
            }
            return out
        }
    }
}

/// The debate tables of the open data, over the export's snapshot.
extension SQLiteOpenDataReader {
    static let debateReportSelect = """
        SELECT d.id, d.title, d.organiser_kind, d.organiser_name, d.starts_at, d.ends_at, d.mode, d.departement, d.commune,
            r.attendance, r.synthesis, r.source, r.filed_at,
            (SELECT COUNT(*) FROM debate_report_attachments a WHERE a.debate_id = r.debate_id) AS attachments
        FROM debate_reports r JOIN debates d ON d.id = r.debate_id
        """

    func debateReports(consultationID: ID, after: ID, limit: Int) async throws -> [OpenDataDebateReport] {
        try await db.read { db in
            try Row.fetchAll(
                db, sql: Self.debateReportSelect + " WHERE r.consultation_id = ? AND r.debate_id > ? ORDER BY r.debate_id LIMIT ?",
                arguments: [consultationID, after, limit]
            ).map { r in
                OpenDataDebateReport(
                    debateID: r["id"], title: r["title"], organiserKind: DebateOrganiserKind(rawValue: r["organiser_kind"]) ?? .person,
                    organiserName: r["organiser_name"], startsAt: SQL.date(r["starts_at"]), endsAt: SQL.date(r["ends_at"]), mode: r["mode"],
                    departement: r["departement"], commune: r["commune"], attendance: r["attendance"], synthesis: r["synthesis"],
                    source: DebateReportSource(rawValue: r["source"]) ?? .form, filedAt: SQL.date(r["filed_at"]), attachments: r["attachments"])
            }
        }
    }

    func debateVotes(consultationID: ID, after: OpenDataDebateVoteKey, limit: Int) async throws -> [OpenDataDebateVote] {
        try await db.read { db in
            try Row.fetchAll(
                db, sql: """
                    SELECT v.debate_id, v.article_id, v.agree, v.mixed, v.disagree
                    FROM debate_report_votes v JOIN debate_reports r ON r.debate_id = v.debate_id
                    WHERE r.consultation_id = ? AND (v.debate_id > ? OR (v.debate_id = ? AND v.article_id > ?))
                    ORDER BY v.debate_id, v.article_id LIMIT ?
                    """, arguments: [consultationID, after.debateID, after.debateID, after.articleID, limit]
            ).map { r in
                OpenDataDebateVote(
                    key: OpenDataDebateVoteKey(debateID: r["debate_id"], articleID: r["article_id"]),
                    count: DebateArticleCount(articleID: r["article_id"], agree: r["agree"], mixed: r["mixed"], disagree: r["disagree"]))
            }
        }
    }

    func debateProfiles(consultationID: ID, after: OpenDataDebateProfileKey, limit: Int) async throws -> [OpenDataDebateProfile] {
        try await db.read { db in
            try Row.fetchAll(
                db, sql: """
                    SELECT p.debate_id, p.position, p.question, p.code, p.count
                    FROM debate_report_profiles p JOIN debate_reports r ON r.debate_id = p.debate_id
                    WHERE r.consultation_id = ? AND (p.debate_id > ? OR (p.debate_id = ? AND p.position > ?))
                    ORDER BY p.debate_id, p.position LIMIT ?
                    """, arguments: [consultationID, after.debateID, after.debateID, after.position, limit]
            ).compactMap { r in
                ProfileQuestion(rawValue: r["question"]).map {
                    OpenDataDebateProfile(
                        key: OpenDataDebateProfileKey(debateID: r["debate_id"], position: r["position"]),
                        count: DebateProfileCount(question: $0, code: r["code"], count: r["count"]))
                }
            }
        }
    }

    func debateContributions(consultationID: ID, after: ID, limit: Int) async throws -> [OpenDataDebateContribution] {
        try await db.read { db in
            try Row.fetchAll(
                db, sql: """
                    SELECT x.contribution_id, x.debate_id FROM debate_report_contributions x
                    JOIN debate_reports r ON r.debate_id = x.debate_id
                    WHERE r.consultation_id = ? AND x.contribution_id > ? ORDER BY x.contribution_id LIMIT ?
                    """, arguments: [consultationID, after, limit]
            ).map { OpenDataDebateContribution(contributionID: $0["contribution_id"], debateID: $0["debate_id"]) }
        }
    }
}
