import ContribuezCore
import ContribuezStore
import Foundation
import PostgresNIO

/// Debate reports (issue 15, items 3–5). NB: filing first locks the debate's row, so two filings of the same report
/// are serialised: the second finds the first and stores nothing; the primary key on `debate_id` backs it up.
extension PostgresStore {
    public func fileDebateReport(_ new: NewDebateReport) async throws -> DebateReportFiling {
        try await write { c in
            guard try await Self.lockDebate(c, new.debateID) else { throw StoreError.notFound }
            if try await c.one("SELECT 1 FROM debate_reports WHERE debate_id = \(new.debateID)") != nil { return .alreadyFiled }
            try await c.run(
                """
                INSERT INTO debate_reports (debate_id, consultation_id, filed_by, attendance, synthesis, source, filed_at)
                VALUES (\(new.debateID), \(new.consultationID), \(new.filedBy), \(new.attendance), \(new.synthesis), \(new.source.rawValue),
                    \(PG.ms(new.filedAt)))
                """)
            for (i, v) in new.votes.enumerated() {
                try await c.run(
                    """
                    INSERT INTO debate_report_votes (debate_id, article_id, position, agree, mixed, disagree)
                    VALUES (\(new.debateID), \(v.articleID), \(i + 1), \(v.agree), \(v.mixed), \(v.disagree))
                    """)
            }
            for contribution in new.contributions {
                let stored = try await Self.insertContribution(c, contribution, hidden: false, held: new.held)
                try await c.run("INSERT INTO debate_report_contributions (contribution_id, debate_id) VALUES (\(stored.id), \(new.debateID))")
            }
            for (i, p) in new.profile.enumerated() {
                try await c.run(
                    """
                    INSERT INTO debate_report_profiles (debate_id, question, code, position, count)
                    VALUES (\(new.debateID), \(p.question.rawValue), \(p.code), \(i + 1), \(p.count))
                    """)
            }
            for (i, a) in new.attachments.enumerated() {
                try await c.run(
                    """
                    INSERT INTO debate_report_attachments (debate_id, number, filename, media_type, size, content)
                    VALUES (\(new.debateID), \(i + 1), \(a.filename), \(a.type.rawValue), \(a.bytes.count), \(Data(a.bytes)))
                    """)
            }
            if let audit = new.audit { try await Self.appendAudit(c, audit) }
            guard let report = try await Self.debateReport(c, new.debateID) else { throw StoreError.notFound }
            return .filed(report)
        }
    }

    static func debateReport(_ c: PostgresConnection, _ debateID: ID) async throws -> DebateReport? {
        guard let row = try await c.one("SELECT * FROM debate_reports WHERE debate_id = \(debateID)") else { return nil }
        var votes: [DebateArticleCount] = []
        for r in try await c.rows("SELECT article_id, agree, mixed, disagree FROM debate_report_votes WHERE debate_id = \(debateID) ORDER BY position") {
            votes.append(DebateArticleCount(
                articleID: try r["article_id"], agree: try r["agree"] as Int?, mixed: try r["mixed"] as Int?, disagree: try r["disagree"] as Int?))
        }
        var contributions: [ID] = []
        for r in try await c.rows("SELECT contribution_id FROM debate_report_contributions WHERE debate_id = \(debateID) ORDER BY contribution_id") {
            contributions.append(try r["contribution_id"])
        }
        var attachments: [DebateReport.Attachment] = []
        for r in try await c.rows(
            "SELECT number, filename, media_type, size FROM debate_report_attachments WHERE debate_id = \(debateID) ORDER BY number") {
            attachments.append(try attachment(r))
        }
        var profile: [DebateProfileCount] = []
        for r in try await c.rows("SELECT question, code, count FROM debate_report_profiles WHERE debate_id = \(debateID) ORDER BY position") {
            if let q = ProfileQuestion(rawValue: try r["question"]) { profile.append(DebateProfileCount(question: q, code: try r["code"], count: try r["count"])) }
        }
        return DebateReport(
            debateID: debateID, consultationID: try row["consultation_id"], attendance: try row["attendance"], synthesis: try row["synthesis"],
            source: DebateReportSource(rawValue: try row["source"]) ?? .form, filedAt: PG.date(try row["filed_at"]), votes: votes,
            contributionIDs: contributions, attachments: attachments, profile: profile)
    }

    static func attachment(_ r: PGRow) throws -> DebateReport.Attachment {
        DebateReport.Attachment(
            number: try r["number"], filename: try r["filename"], type: DebateAttachmentType(rawValue: try r["media_type"]) ?? .pdf, size: try r["size"])
    }

    public func debateReport(debateID: ID) async throws -> DebateReport? {
        try await read { c in try await Self.debateReport(c, debateID) }
    }

    public func debateReportAttachment(debateID: ID, number: Int) async throws -> (DebateReport.Attachment, [UInt8])? {
        try await single { c in
            guard let row = try await c.one(
                """
                SELECT number, filename, media_type, size, content FROM debate_report_attachments
                WHERE debate_id = \(debateID) AND number = \(number)
                """) else { return nil }
            let content: Data = try row["content"]
            return (try Self.attachment(row), [UInt8](content))
        }
    }

    public func debateVoteSums(consultationID: ID) async throws -> [ID: DebateVoteSum] {
        try await single { c in
            var out: [ID: DebateVoteSum] = [:]
            for r in try await c.rows(
                """
                SELECT v.article_id, COALESCE(SUM(v.agree), 0)::BIGINT AS agree, COALESCE(SUM(v.mixed), 0)::BIGINT AS mixed,
                    COALESCE(SUM(v.disagree), 0)::BIGINT AS disagree, COUNT(*)::BIGINT AS debates
                FROM debate_report_votes v JOIN debate_reports r ON r.debate_id = v.debate_id
                WHERE r.consultation_id = \(consultationID) GROUP BY v.article_id
                """) {
                out[try r["article_id"]] = DebateVoteSum(
                    agree: Int(try r["agree"] as Int64), mixed: Int(try r["mixed"] as Int64), disagree: Int(try r["disagree"] as Int64),
                    debates: Int(try r["debates"] as Int64))
            }
            return out
        }
    }

    public func debateProfileSums(consultationID: ID) async throws -> DebateProfileSums {
        try await single { c in
            var counts: [DebateProfileCount] = []
            for r in try await c.rows(
                """
                SELECT p.question, p.code, SUM(p.count)::BIGINT AS people
                FROM debate_report_profiles p JOIN debate_reports r ON r.debate_id = p.debate_id
                WHERE r.consultation_id = \(consultationID) GROUP BY p.question, p.code
                """) {
                if let q = ProfileQuestion(rawValue: try r["question"]) {
                    counts.append(DebateProfileCount(question: q, code: try r["code"], count: Int(try r["people"] as Int64)))
                }
            }
            var reports: [ProfileQuestion: Int] = [:]
            for r in try await c.rows(
                """
                SELECT p.question, COUNT(DISTINCT p.debate_id)::BIGINT AS reports
                FROM debate_report_profiles p JOIN debate_reports r ON r.debate_id = p.debate_id
                WHERE r.consultation_id = \(consultationID) GROUP BY p.question
                """) {
                if let q = ProfileQuestion(rawValue: try r["question"]) { reports[q] = Int(try r["reports"] as Int64) }
            }
            return DebateProfileSums(counts: counts, reports: reports)
        }
    }

    public func debateReportCounts(consultationID: ID, at: Date) async throws -> DebateReportCounts {
        try await read { c in
            let row = try await c.one(
                """
                SELECT COUNT(*)::BIGINT AS held, COUNT(r.debate_id)::BIGINT AS filed
                FROM debates d LEFT JOIN debate_reports r ON r.debate_id = d.id
                WHERE d.consultation_id = \(consultationID) AND d.cancelled_at IS NULL AND d.ends_at <= \(PG.ms(at))
                """)
            // NB: a report may be filed once the debate started, before its planned end: it counts as held then.
            let early = try await c.count(
                """
                SELECT COUNT(*)::BIGINT FROM debates d JOIN debate_reports r ON r.debate_id = d.id
                WHERE d.consultation_id = \(consultationID) AND d.ends_at > \(PG.ms(at))
                """)
            let held: Int64 = try row?["held"] ?? 0, filed: Int64 = try row?["filed"] ?? 0
            return DebateReportCounts(held: Int(held) + early, filed: Int(filed) + early)
        }
    }

    public func debateOrigins(contributionIDs: [ID]) async throws -> [ID: DebateOrigin] {
        guard !contributionIDs.isEmpty else { return [:] }
        return try await single { c in
            var text = SQLText()
            text.sql = """
                SELECT x.contribution_id, d.id, d.title, d.organiser_name, d.starts_at, d.commune
                FROM debate_report_contributions x JOIN debates d ON d.id = x.debate_id
                WHERE x.contribution_id = ANY(\(try text.bindArray(contributionIDs)))
                """
            var out: [ID: DebateOrigin] = [:]
            for r in try await c.rows(text.query) {
                out[try r["contribution_id"]] = DebateOrigin(
                    debateID: try r["id"], title: try r["title"], organiserName: try r["organiser_name"], startsAt: PG.date(try r["starts_at"]),
                    commune: try r["commune"] as String?)
            }
            return out
        }
    }
}

/// The debate tables of the open data, in the export's read-only transaction.
extension PostgresOpenDataReader {
    func debateReports(consultationID: ID, after: ID, limit: Int) async throws -> [OpenDataDebateReport] {
        try await c.rows(
            """
            SELECT d.id, d.title, d.organiser_kind, d.organiser_name, d.starts_at, d.ends_at, d.mode, d.departement, d.commune,
                r.attendance, r.synthesis, r.source, r.filed_at,
                (SELECT COUNT(*) FROM debate_report_attachments a WHERE a.debate_id = r.debate_id)::BIGINT AS attachments
            FROM debate_reports r JOIN debates d ON d.id = r.debate_id
            WHERE r.consultation_id = \(consultationID) AND r.debate_id > \(after) ORDER BY r.debate_id LIMIT \(limit)
            """
        ).map { r in
            try OpenDataDebateReport(
                debateID: r["id"], title: r["title"], organiserKind: DebateOrganiserKind(rawValue: r["organiser_kind"]) ?? .person,
                organiserName: r["organiser_name"], startsAt: PG.date(r["starts_at"]), endsAt: PG.date(r["ends_at"]), mode: r["mode"],
                departement: r["departement"] as String?, commune: r["commune"] as String?, attendance: r["attendance"], synthesis: r["synthesis"],
                source: DebateReportSource(rawValue: r["source"]) ?? .form, filedAt: PG.date(r["filed_at"]), attachments: Int(r["attachments"] as Int64))
        }
    }

    func debateVotes(consultationID: ID, after: OpenDataDebateVoteKey, limit: Int) async throws -> [OpenDataDebateVote] {
        try await c.rows(
            """
            SELECT v.debate_id, v.article_id, v.agree, v.mixed, v.disagree
            FROM debate_report_votes v JOIN debate_reports r ON r.debate_id = v.debate_id
            WHERE r.consultation_id = \(consultationID) AND (v.debate_id, v.article_id) > (\(after.debateID), \(after.articleID))
            ORDER BY v.debate_id, v.article_id LIMIT \(limit)
            """
        ).map { r in
            try OpenDataDebateVote(
                key: OpenDataDebateVoteKey(debateID: r["debate_id"], articleID: r["article_id"]),
                count: DebateArticleCount(articleID: r["article_id"], agree: r["agree"] as Int?, mixed: r["mixed"] as Int?, disagree: r["disagree"] as Int?))
        }
    }

    func debateProfiles(consultationID: ID, after: OpenDataDebateProfileKey, limit: Int) async throws -> [OpenDataDebateProfile] {
        var out: [OpenDataDebateProfile] = []
        for r in try await c.rows(
            """
            SELECT p.debate_id, p.position, p.question, p.code, p.count
            FROM debate_report_profiles p JOIN debate_reports r ON r.debate_id = p.debate_id
            WHERE r.consultation_id = \(consultationID) AND (p.debate_id, p.position) > (\(after.debateID), \(after.position))
            ORDER BY p.debate_id, p.position LIMIT \(limit)
            """
        ) {
            guard let q = ProfileQuestion(rawValue: try r["question"]) else { continue }
            out.append(OpenDataDebateProfile(
                key: OpenDataDebateProfileKey(debateID: try r["debate_id"], position: try r["position"]),
                count: DebateProfileCount(question: q, code: try r["code"], count: try r["count"])))
        }
        return out
    }

    func debateContributions(consultationID: ID, after: ID, limit: Int) async throws -> [OpenDataDebateContribution] {
        try await c.rows(
            """
            SELECT x.contribution_id, x.debate_id FROM debate_report_contributions x
            JOIN debate_reports r ON r.debate_id = x.debate_id
            WHERE r.consultation_id = \(consultationID) AND x.contribution_id > \(after) ORDER BY x.contribution_id LIMIT \(limit)
            """
        ).map { try OpenDataDebateContribution(contributionID: $0["contribution_id"], debateID: $0["debate_id"]) }
    }
}
