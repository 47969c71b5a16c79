import ContribuezCore
import Foundation
import GRDB

/// Row mapping and shared statements of the SQLite adapter.
enum SQL {
    static func ms(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(ms) / 1000) }

    static func kinds(_ set: Set<ParticipantKind>) -> String { set.map(\.rawValue).sorted().joined(separator: ",") }
    static func kinds(_ s: String) -> Set<ParticipantKind> {
        Set(s.split(separator: ",").compactMap { ParticipantKind(rawValue: String($0)) })
    }

    static func target(_ kind: String, _ id: ID) -> Target { kind == "article" ? .article(id) : .contribution(id) }

    static func group(_ targets: [Target]) -> [(String, [ID])] {
        let articles = targets.compactMap { if case .article(let id) = $0 { return id } else { return nil } }
        let contributions = targets.compactMap { if case .contribution(let id) = $0 { return id } else { return nil } }
        return [("article", articles), ("contribution", contributions)].filter { !$0.1.isEmpty }
    }

    static func consultation(_ row: Row) -> Consultation {
        Consultation(
            id: row["id"], slug: row["slug"], title: row["title"], summary: row["summary"], institution: row["institution"],
            isPublished: (row["is_published"] as Int) == 1, opensAt: date(row["opens_at"]), closesAt: date(row["closes_at"]),
            allowedKinds: kinds(row["allowed_kinds"] as String), provenance: row["provenance"],
            settings: ConsultationSettings(
                moderation: ModerationMode(rawValue: row["moderation"]) ?? .aPosteriori, answerThreshold: row["answer_threshold"],
                answerDeadlineDays: row["answer_deadline_days"], reportThreshold: row["report_threshold"]),
            closedEarlyReason: row["closed_early_reason"])
    }

    /// Participants with their instance role (from `instance_roles`; the legacy `role` column decides nothing).
    static let participantSelect = "SELECT p.*, (SELECT role FROM instance_roles ir WHERE ir.participant_id = p.id) AS instance_role FROM participants p"

    /// A participant; the e-mail is opened with `keys` (display names are public: never sealed).
    static func participant(_ row: Row, _ keys: StoreKeys) throws -> Participant {
        Participant(
            id: row["id"], email: try keys.unseal(optional: row["email"] as String?, .participantEmail), displayName: row["display_name"],
            kind: ParticipantKind(rawValue: row["kind"]) ?? .citizen, organization: row["organization"],
            role: (row["instance_role"] as String?).flatMap(Role.init(rawValue:)) ?? .participant, createdAt: date(row["created_at"]))
    }

    /// The participant row with this e-mail, found by its blind index under every key of the ring.
    static func participantRow(_ db: Database, email: String, _ keys: Keyring) throws -> Row? {
        let indexes = keys.emailIndexes(email)
        let marks = Array(repeating: "?", count: indexes.count).joined(separator: ",")
        return try Row.fetchOne(db, sql: participantSelect + " WHERE p.email_index IN (\(marks))", arguments: StatementArguments(indexes))
    }

    static let tallyColumns = """
        t.agree AS t_agree, t.mixed AS t_mixed, t.disagree AS t_disagree, t.useful AS t_useful,
        t.base_agree AS t_base_agree, t.base_mixed AS t_base_mixed, t.base_disagree AS t_base_disagree, t.base_useful AS t_base_useful
        """

    static let articleSelect = "SELECT a.*, " + tallyColumns + " FROM articles a LEFT JOIN tallies t ON t.target_kind = 'article' AND t.target_id = a.id"

    static let contributionColumns = "c.*, " + tallyColumns
    static let contributionFrom = "FROM contributions c LEFT JOIN tallies t ON t.target_kind = 'contribution' AND t.target_id = c.id"
    static let contributionSelect = "SELECT " + contributionColumns + " " + contributionFrom

    static func baseTally(_ row: Row) -> Tally? {
        let a: Int? = row["t_base_agree"], m: Int? = row["t_base_mixed"], d: Int? = row["t_base_disagree"], u: Int? = row["t_base_useful"]
        if a == nil && m == nil && d == nil && u == nil { return nil }
        return Tally(agree: a ?? 0, mixed: m ?? 0, disagree: d ?? 0, useful: u ?? 0)
    }

    static func liveTally(_ row: Row) -> Tally {
        Tally(agree: row["t_agree"] ?? 0, mixed: row["t_mixed"] ?? 0, disagree: row["t_disagree"] ?? 0, useful: row["t_useful"] ?? 0)
    }

    static func article(_ row: Row) -> Article {
        Article(
            id: row["id"], consultationID: row["consultation_id"], sectionID: row["section_id"], position: row["position"],
            number: row["number"], title: row["title"], body: row["body"], explanation: row["explanation"],
            currentLaw: row["current_law"], importedTally: baseTally(row))
    }

    static func contribution(_ row: Row) -> Contribution {
        Contribution(
            id: row["id"], consultationID: row["consultation_id"],
            kind: ContributionKind(rawValue: row["kind"]) ?? .proposal, articleID: row["article_id"], parentID: row["parent_id"],
            authorID: row["author_id"], authorName: row["author_name"], title: row["title"], body: row["body"],
            rationale: row["rationale"], stance: (row["stance"] as String?).flatMap(Stance.init(rawValue:)), url: row["url"],
            createdAt: date(row["created_at"]), importedTally: baseTally(row), isHidden: (row["is_hidden"] as Int) == 1,
            status: ContributionStatus(rawValue: row["status"]) ?? .published, hidden: hiddenNote(row),
            erasedAt: (row["erased_at"] as Int64?).map(date))
    }

    static func hiddenNote(_ row: Row) -> HiddenNote? {
        guard (row["is_hidden"] as Int) == 1, let at: Int64 = row["hidden_at"],
              let reason = (row["hidden_reason"] as String?).flatMap(ModerationReason.init(rawValue:)) else { return nil }
        return HiddenNote(at: date(at), reason: reason, byReports: (row["hidden_by_reports"] as Int) == 1)
    }

    static func filter(_ q: ContributionQuery) -> (String, StatementArguments) {
        var parts = ["1 = 1"]
        var args: [any DatabaseValueConvertible] = []
        if let v = q.consultationID { parts.append("c.consultation_id = ?"); args.append(v) }
        if let v = q.articleID {
            parts.append("c.article_id = ?"); args.append(v)
            if q.directOnly && q.parentID == nil { parts.append("c.parent_id IS NULL") }
        }
        if let v = q.parentID { parts.append("c.parent_id = ?"); args.append(v) }
        if let v = q.kind { parts.append("c.kind = ?"); args.append(v.rawValue) }
        if let v = q.stance { parts.append("c.stance = ?"); args.append(v.rawValue) }
        if let v = q.authorID { parts.append("c.author_id = ?"); args.append(v) }
        if q.placeholders && !q.includeHidden {
            parts.append("(c.is_hidden = 0 OR (c.status = 'published' AND c.hidden_at IS NOT NULL))")
        } else if !q.includeHidden { parts.append("c.is_hidden = 0") }
        return (parts.joined(separator: " AND "), StatementArguments(args))
    }

    /// `held`: kept from the public until a moderator approves it (`a_priori` consultations).
    static func insertContribution(_ db: Database, _ new: NewContribution, hidden: Bool, held: Bool = false) throws -> Contribution {
        let isHidden = hidden || held
        try db.execute(
            sql: """
                INSERT INTO contributions (consultation_id, kind, article_id, parent_id, author_id, author_name, title, body,
                    rationale, stance, url, created_at, is_hidden, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [new.consultationID, new.kind.rawValue, new.articleID, new.parentID, new.authorID, new.authorName,
                        new.title, new.body, new.rationale, new.stance?.rawValue, new.url, ms(new.createdAt), isHidden ? 1 : 0,
                        held ? ContributionStatus.pending.rawValue : ContributionStatus.published.rawValue])
        let id = db.lastInsertedRowID
        try db.execute(
            sql: "INSERT INTO contribution_events (contribution_id, event, at) VALUES (?, 'created', ?)",
            arguments: [id, ms(new.createdAt)])
        // NB: the event log tells visibility: a held item is created hidden, and approval restores it.
        if held {
            try db.execute(sql: "INSERT INTO contribution_events (contribution_id, event, at) VALUES (?, 'hidden', ?)", arguments: [id, ms(new.createdAt)])
        }
        if let base = new.importedTally { try setBase(db, .contribution(id), base) }
        let stored = Contribution(
            id: id, consultationID: new.consultationID, kind: new.kind, articleID: new.articleID, parentID: new.parentID,
            authorID: new.authorID, authorName: new.authorName, title: new.title, body: new.body, rationale: new.rationale,
            stance: new.stance, url: new.url, createdAt: date(ms(new.createdAt)), importedTally: new.importedTally, isHidden: isHidden,
            status: held ? .pending : .published)
        // Issue 12: every contribution, held ones too, enters the consultation's event chain.
        try SQLChain.appendContribution(db, stored)
        return stored
    }

    /// Appends to the vote log and to the consultation's event chain (issue 12), in the caller's transaction.
    static func appendVoteEvent(_ db: Database, _ participantID: ID, _ target: Target, _ value: VoteValue?, _ at: Date) throws {
        try db.execute(
            sql: "INSERT INTO vote_events (participant_id, target_kind, target_id, value, at) VALUES (?, ?, ?, ?, ?)",
            arguments: [participantID, target.kindName, target.id, value?.rawValue, ms(at)])
        try SQLChain.appendVote(db, participantID, target, value, at)
    }

    /// Removes a live vote inside the caller's transaction: the row, a withdrawal event, the counters.
    static func withdraw(_ db: Database, _ participantID: ID, _ target: Target, _ previous: VoteValue, _ at: Date) throws {
        try db.execute(
            sql: "DELETE FROM votes WHERE participant_id = ? AND target_kind = ? AND target_id = ?",
            arguments: [participantID, target.kindName, target.id])
        try appendVoteEvent(db, participantID, target, nil, at)
        var delta = Tally()
        delta.add(previous, -1)
        try bumpTally(db, target, delta)
    }

    /// The ranking score: Wilson lower bound on the opinion scale, "useful" count otherwise, over live + imported votes.
    static func score(live: Tally, base: Tally?) -> Double {
        let all = live + (base ?? .zero)
        return all.opinionTotal > 0 ? all.wilsonLowerBound : Double(all.useful)
    }

    static func setBase(_ db: Database, _ target: Target, _ base: Tally) throws {
        try db.execute(
            sql: """
                INSERT INTO tallies (target_kind, target_id, base_agree, base_mixed, base_disagree, base_useful, score)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (target_kind, target_id) DO UPDATE SET base_agree = excluded.base_agree, base_mixed = excluded.base_mixed,
                    base_disagree = excluded.base_disagree, base_useful = excluded.base_useful, score = excluded.score
                """,
            arguments: [target.kindName, target.id, base.agree, base.mixed, base.disagree, base.useful, score(live: .zero, base: base)])
        if case .contribution(let id) = target {
            try db.execute(sql: "UPDATE contributions SET score = ? WHERE id = ?", arguments: [score(live: .zero, base: base), id])
        }
    }

    static func bumpTally(_ db: Database, _ target: Target, _ d: Tally) throws {
        try db.execute(
            sql: "INSERT INTO tallies (target_kind, target_id) VALUES (?, ?) ON CONFLICT (target_kind, target_id) DO NOTHING",
            arguments: [target.kindName, target.id])
        try db.execute(
            sql: """
                UPDATE tallies SET agree = agree + ?, mixed = mixed + ?, disagree = disagree + ?, useful = useful + ?
                WHERE target_kind = ? AND target_id = ?
                """,
            arguments: [d.agree, d.mixed, d.disagree, d.useful, target.kindName, target.id])
        guard let row = try Row.fetchOne(
            db, sql: "SELECT * FROM tallies WHERE target_kind = ? AND target_id = ?", arguments: [target.kindName, target.id])
        else { return }
        let live = Tally(agree: row["agree"], mixed: row["mixed"], disagree: row["disagree"], useful: row["useful"])
        let a: Int? = row["base_agree"], m: Int? = row["base_mixed"], dd: Int? = row["base_disagree"], u: Int? = row["base_useful"]
        let base = (a == nil && m == nil && dd == nil && u == nil) ? nil : Tally(agree: a ?? 0, mixed: m ?? 0, disagree: dd ?? 0, useful: u ?? 0)
        let newScore = score(live: live, base: base)
        try db.execute(
            sql: "UPDATE tallies SET score = ? WHERE target_kind = ? AND target_id = ?",
            arguments: [newScore, target.kindName, target.id])
        // NB: the same score on the row, for the indexes that rank lists (0009-ranking).
        if case .contribution(let id) = target {
            try db.execute(sql: "UPDATE contributions SET score = ? WHERE id = ?", arguments: [newScore, id])
        }
    }
}

/// Writes an import bundle inside the caller's transaction.
enum SQLImport {
    enum Failure: Error, CustomStringConvertible {
        case unknownKey(String)
        case duplicateSlug(String)
        var description: String {
            switch self {
            case .unknownKey(let k): return "the bundle refers to \"\(k)\", which it does not define"
            case .duplicateSlug(let s): return "a consultation with the slug \"\(s)\" already exists"
            }
        }
    }

    static func run(_ db: Database, _ bundle: ImportBundle, scoreOf: (Tally, Tally?) -> Double) throws -> Consultation {
        if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM consultations WHERE slug = ?", arguments: [bundle.consultation.slug]) ?? 0 > 0 {
            throw Failure.duplicateSlug(bundle.consultation.slug)
        }
        let consultation = try SQLiteStore.insertConsultation(db, bundle.consultation)
        var articleIDs: [String: ID] = [:]
        var position = 0
        for (i, section) in bundle.sections.enumerated() {
            try db.execute(
                sql: "INSERT INTO sections (consultation_id, position, title, subtitle, level) VALUES (?, ?, ?, ?, 1)",
                arguments: [consultation.id, i + 1, section.title, section.subtitle])
            let sectionID = db.lastInsertedRowID
            for a in section.articles {
                position += 1
                let article = try SQLiteStore.insertArticle(db, NewArticle(
                    consultationID: consultation.id, sectionID: sectionID, position: position, number: a.number, title: a.title,
                    body: a.body, explanation: a.explanation, currentLaw: a.currentLaw, importedTally: a.importedTally))
                articleIDs[a.key] = article.id
            }
        }
        var participantIDs: [String: ID] = [:]
        for p in bundle.participants {
            try db.execute(
                sql: "INSERT INTO participants (email, password_hash, display_name, kind, organization, role, created_at) VALUES (NULL, NULL, ?, ?, NULL, 'participant', ?)",
                arguments: [p.displayName, p.kind.rawValue, SQL.ms(p.createdAt)])
            participantIDs[p.key] = db.lastInsertedRowID
        }
        var contributionIDs: [String: ID] = [:]
        var articleOf: [String: ID] = [:]
        for c in bundle.contributions {
            var articleID = try c.articleKey.map { k -> ID in
                guard let id = articleIDs[k] else { throw Failure.unknownKey(k) }
                return id
            }
            let parentID = try c.parentKey.map { k -> ID in
                guard let id = contributionIDs[k] else { throw Failure.unknownKey(k) }
                return id
            }
            if articleID == nil, let pk = c.parentKey { articleID = articleOf[pk] }
            let authorID = try c.authorKey.map { k -> ID in
                guard let id = participantIDs[k] else { throw Failure.unknownKey(k) }
                return id
            }
            let new = NewContribution(
                consultationID: consultation.id, kind: c.kind, articleID: articleID, parentID: parentID, authorID: authorID,
                authorName: c.authorName, title: c.title, body: c.body, rationale: "", stance: c.stance, url: c.url,
                createdAt: c.createdAt, importedTally: c.importedTally)
            let stored = try SQL.insertContribution(db, new, hidden: c.isHidden)
            contributionIDs[c.key] = stored.id
            if let articleID { articleOf[c.key] = articleID }
        }
        var live: [Target: Tally] = [:]
        // NB: the consultation is new, so its votes live only in this bundle: the current value of each
        // (participant, target) is tracked in memory and statements are prepared once (a Polis import has 225k votes).
        struct Key: Hashable { let participant: ID; let target: Target }
        var current: [Key: VoteValue] = [:]
        let insert = try db.cachedStatement(sql: "INSERT INTO votes (participant_id, target_kind, target_id, value, cast_at) VALUES (?, ?, ?, ?, ?)")
        let update = try db.cachedStatement(sql: "UPDATE votes SET value = ?, cast_at = ? WHERE participant_id = ? AND target_kind = ? AND target_id = ?")
        let event = try db.cachedStatement(sql: "INSERT INTO vote_events (participant_id, target_kind, target_id, value, at) VALUES (?, ?, ?, ?, ?)")
        // The chain: the bundle's contributions (appended as they were stored), then its votes in bundle order.
        var chain = try SQLChain.Appender(db, consultationID: consultation.id)
        for v in bundle.votes {
            guard let pid = participantIDs[v.participantKey] else { throw Failure.unknownKey(v.participantKey) }
            let target: Target
            if let id = articleIDs[v.targetKey] { target = .article(id) } else if let id = contributionIDs[v.targetKey] {
                target = .contribution(id)
            } else { throw Failure.unknownKey(v.targetKey) }
            // The last vote of a participant on a target wins, as in a live consultation.
            let key = Key(participant: pid, target: target)
            if let previous = current[key] {
                try update.execute(arguments: [v.value.rawValue, SQL.ms(v.at), pid, target.kindName, target.id])
                live[target, default: .zero].add(previous, -1)
            } else {
                try insert.execute(arguments: [pid, target.kindName, target.id, v.value.rawValue, SQL.ms(v.at)])
            }
            current[key] = v.value
            live[target, default: .zero].add(v.value)
            try event.execute(arguments: [pid, target.kindName, target.id, v.value.rawValue, SQL.ms(v.at)])
            try chain.vote(pid, target, v.value, atMilliseconds: SQL.ms(v.at))
        }
        try chain.finish(db)
        for (target, delta) in live { try SQL.bumpTally(db, target, delta) }
        return consultation
    }
}

// Hot reads use this connection's prepared statements (issue 10): parsing the SQL and running
// GRDB's authorizer on every call was a tenth of a page's CPU time.
extension Row {
    static func fetchAll(_ db: Database, cachedSQL sql: String, arguments: StatementArguments = StatementArguments()) throws -> [Row] {
        try fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }

    static func fetchOne(_ db: Database, cachedSQL sql: String, arguments: StatementArguments = StatementArguments()) throws -> Row? {
        try fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }
}

extension DatabaseValueConvertible where Self: StatementColumnConvertible {
    static func fetchAll(_ db: Database, cachedSQL sql: String, arguments: StatementArguments = StatementArguments()) throws -> [Self] {
        try fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }

    static func fetchOne(_ db: Database, cachedSQL sql: String, arguments: StatementArguments = StatementArguments()) throws -> Self? {
        try fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }
}
