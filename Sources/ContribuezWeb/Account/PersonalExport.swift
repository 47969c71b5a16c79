import ContribuezCore
import ContribuezOpenData
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Everything held about one participant as a ZIP of JSON and CSV files with a README (issue 12),
/// written as a stream: every list is read from the store by pages of `pageSize`, and the ZIP's bytes
/// go to the response as they are produced, so a heavy voter's download stays bounded in memory.
///
/// NB: only the participant's own data. Nothing secret: no password hash, no session, CSRF, link or
/// unsubscribe token. Dates are ISO 8601 in UTC.
public struct PersonalExport: Sendable {
    let store: any Store
    let participantID: ID
    let now: Date
    var pageSize = 500

    /// The files, in the order they are written (the README says what each holds).
    public static let files = [
        "README.md", "account.json", "questionnaire.json", "sessions.csv", "contributions.csv", "votes.csv", "vote_history.csv",
        "follows.csv", "notifications.csv", "reports.csv", "staff_actions.csv", "debate_registrations.csv",
    ]

    /// The download's file name: `contribuez-mes-donnees-AAAA-MM-JJ.zip`.
    var filename: String { "contribuez-mes-donnees-\(Self.day(now)).zip" }

    /// A streamed response, or nil when the participant does not exist (any more).
    func response() async throws -> Response? {
        guard try await store.personalAccount(participantID: participantID) != nil else { return nil }
        var headers = HTTPFields()
        headers[.contentType] = "application/zip"
        headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
        headers[.cacheControl] = "no-store"
        let export = self
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            let sink = ChunkSink()
            var zip = ZipWriter(sink: sink, modified: export.now)
            try await export.write(&zip) {
                for chunk in sink.take() { try await writer.write(ByteBuffer(bytes: chunk)) }
            }
            for chunk in sink.take() { try await writer.write(ByteBuffer(bytes: chunk)) }
            try await writer.finish(nil)
        })
    }

    /// Writes every file and finishes the archive; `flush` is called after each page and file.
    func write<S: ByteSink>(_ zip: inout ZipWriter<S>, flush: () async throws -> Void) async throws {
        guard let account = try await store.personalAccount(participantID: participantID) else { throw StoreError.notFound }
        try await zip.addEntry("README.md", Array(Self.readme.utf8))
        try await zip.addEntry("account.json", try Self.json(Self.accountDocument(account, exportedAt: now)))
        let profile = try await store.profile(participantID: participantID)
        try await zip.addEntry("questionnaire.json", try Self.json(Self.questionnaireDocument(profile)))
        try await flush()

        try await table(&zip, "sessions.csv", ["created_at", "expires_at"], flush: flush) { offset in
            let page = try await store.personalSessions(participantID: participantID, offset: offset, limit: pageSize)
            return (page.map { [.text(Self.iso($0.createdAt)), .text(Self.iso($0.expiresAt))] }, page.count == pageSize ? offset + page.count : nil)
        }
        try await table(
            &zip, "contributions.csv",
            ["id", "consultation_id", "kind", "article_id", "parent_id", "stance", "title", "body", "rationale", "url", "created_at", "state",
             "hidden_reason", "page"],
            flush: flush
        ) { after in
            let page = try await store.personalContributions(participantID: participantID, after: ID(after), limit: pageSize)
            let rows: [[CSVCell]] = page.map { c in
                [.int(c.id), .int(c.consultationID), .text(c.kind.rawValue), .int(c.articleID), .int(c.parentID), .text(c.stance?.rawValue),
                 .text(c.title), .text(c.body), .text(c.rationale), .text(c.url), .text(Self.iso(c.createdAt)), .text(Self.state(c)),
                 .text(c.hidden?.reason.rawValue), .text(SiteRoute.contribution(c.id).path)]
            }
            return (rows, page.count == pageSize ? Int(page.last!.id) : nil)
        }
        var voteKey = PersonalKey.start
        try await table(&zip, "votes.csv", ["target_type", "target_id", "value", "cast_at"], flush: flush) { _ in
            let page = try await store.personalVotes(participantID: participantID, after: voteKey, limit: pageSize)
            if let last = page.last { voteKey = PersonalKey(kind: last.target.kindName, id: last.target.id) }
            return (page.map { [.text($0.target.kindName), .int($0.target.id), .text($0.value.rawValue), .text(Self.iso($0.castAt))] },
                    page.count == pageSize ? 0 : nil)
        }
        try await table(&zip, "vote_history.csv", ["at", "target_type", "target_id", "value"], flush: flush) { after in
            let page = try await store.personalVoteHistory(participantID: participantID, after: Int64(after), limit: pageSize)
            return (page.map { [.text(Self.iso($0.at)), .text($0.target.kindName), .int($0.target.id), .text($0.value?.rawValue ?? "withdrawn")] },
                    page.count == pageSize ? Int(page.last!.sequence) : nil)
        }
        var followKey = PersonalKey.start
        try await table(&zip, "follows.csv", ["target_type", "target_id", "created_at"], flush: flush) { _ in
            let page = try await store.personalFollows(participantID: participantID, after: followKey, limit: pageSize)
            if let last = page.last { followKey = PersonalKey(kind: last.target.kindName, id: Self.followID(last.target)) }
            return (page.map { [.text($0.target.kindName), .int(Self.followID($0.target)), .text(Self.iso($0.createdAt))] }, page.count == pageSize ? 0 : nil)
        }
        try await table(
            &zip, "notifications.csv", ["id", "kind", "consultation_id", "page", "subject", "detail", "created_at", "read_at", "mailed_at"],
            flush: flush
        ) { after in
            let page = try await store.personalNotifications(participantID: participantID, after: ID(after), limit: pageSize)
            let rows: [[CSVCell]] = page.map { n in
                [.int(n.id), .text(n.kind.rawValue), .int(n.consultationID), .text(n.path), .text(n.subject), .text(n.detail),
                 .text(Self.iso(n.createdAt)), .text(n.readAt.map(Self.iso)), .text(n.mailedAt.map(Self.iso))]
            }
            return (rows, page.count == pageSize ? Int(page.last!.id) : nil)
        }
        try await table(&zip, "reports.csv", ["id", "contribution_id", "reason", "text", "created_at", "resolved_at"], flush: flush) { after in
            let page = try await store.personalReports(participantID: participantID, after: ID(after), limit: pageSize)
            let rows: [[CSVCell]] = page.map { r in
                [.int(r.id), .int(r.contributionID), .text(r.reason.rawValue), .text(r.text), .text(Self.iso(r.createdAt)), .text(r.resolvedAt.map(Self.iso))]
            }
            return (rows, page.count == pageSize ? Int(page.last!.id) : nil)
        }
        try await table(
            &zip, "staff_actions.csv", ["at", "consultation_id", "action", "target_type", "target_id", "reason", "detail"], flush: flush
        ) { after in
            let page = try await store.personalAuditEntries(participantID: participantID, after: Int64(after), limit: pageSize)
            let rows: [[CSVCell]] = page.map { e in
                [.text(Self.iso(e.at)), .int(e.consultationID), .text(e.action.rawValue), .text(e.targetKind), .int(e.targetID), .text(e.reason), .text(e.detail)]
            }
            return (rows, page.count == pageSize ? Int(page.last!.sequence) : nil)
        }
        try await table(
            &zip, "debate_registrations.csv", ["debate_id", "debate_title", "consultation_id", "status", "registered_at"], flush: flush
        ) { _ in
            // Issue 15: one page (a person registers for a handful of debates).
            let rows: [[CSVCell]] = try await store.personalDebateRegistrations(participantID: participantID).map { r in
                [.int(r.debateID), .text(r.debateTitle), .int(r.consultationID), .text(r.status.rawValue), .text(Self.iso(r.registeredAt))]
            }
            return (rows, nil)
        }
        try await zip.finish()
        try await flush()
    }

    /// One CSV entry: the header, then pages from `next(cursor)` until it returns no next cursor.
    private func table<S: ByteSink>(
        _ zip: inout ZipWriter<S>, _ name: String, _ columns: [String], flush: () async throws -> Void,
        next: (Int) async throws -> ([[CSVCell]], Int?)
    ) async throws {
        try await zip.startEntry(name)
        var out: [UInt8] = []
        CSVWriter.header(columns, to: &out)
        try await zip.write(out)
        var cursor: Int? = 0
        while let c = cursor {
            let (rows, following) = try await next(c)
            out.removeAll(keepingCapacity: true)
            for row in rows { CSVWriter.append(row, to: &out) }
            if !out.isEmpty { try await zip.write(out) }
            try await flush()
            cursor = following
        }
        try await zip.finishEntry()
    }

    // MARK: Documents

    static func accountDocument(_ a: PersonalAccount, exportedAt: Date) -> [String: Any] {
        let p = a.participant
        var mail: [String: Any] = [:]
        if let f = a.mailFrequency { mail["frequency"] = f.rawValue }
        if let l = a.mailLang { mail["language"] = l }
        if let d = a.lastDigestAt { mail["last_digest_at"] = iso(d) }
        return [
            "exported_at": iso(exportedAt),
            "id": p.id,
            "email": p.email ?? NSNull(),
            "display_name": p.displayName,
            "kind": p.kind.rawValue,
            "organisation": p.organization ?? NSNull(),
            "created_at": iso(p.createdAt),
            "page": SiteRoute.participant(p.id).path,
            "instance_role": p.role.rawValue,
            "consultation_roles": a.consultationRoles.map { ["consultation_id": $0.consultationID, "role": $0.role.rawValue, "granted_at": iso($0.grantedAt)] },
            "mail_preferences": mail.isEmpty ? NSNull() : mail,
        ]
    }

    static func questionnaireDocument(_ profile: ProfileAnswers?) -> [String: Any] {
        guard let profile else { return ["answered": false] }
        var answers: [String: String] = [:]
        for (q, a) in profile.answers { answers[q.rawValue] = a }
        return ["answered": true, "consented_at": iso(profile.consentedAt), "updated_at": iso(profile.updatedAt), "answers": answers]
    }

    static func json(_ object: [String: Any]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
    }

    static func state(_ c: Contribution) -> String {
        if c.erasedAt != nil { return "erased" }
        if c.status != .published { return c.status.rawValue }
        return c.isHidden ? "hidden" : "published"
    }

    static func followID(_ t: FollowTarget) -> ID {
        switch t {
        case .consultation(let id), .article(let id), .contribution(let id): return id
        }
    }

    static func iso(_ d: Date) -> String { d.formatted(.iso8601) }

    static func day(_ d: Date) -> String {
        d.formatted(.iso8601.year().month().day())
    }
}

/// Collects the ZIP's output chunks until the response takes them. NB: a class, so the `ZipWriter`
/// holding it and the response loop draining it share one buffer; used by one task only.
final class ChunkSink: ByteSink, @unchecked Sendable {
    private var pending: [[UInt8]] = []

    func write(_ bytes: [UInt8]) async throws { pending.append(bytes) }

    func take() -> [[UInt8]] {
        defer { pending.removeAll() }
        return pending
    }
}
