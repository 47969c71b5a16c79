import Foundation

// Answer and follow up (issue 9): each command asks the permission function, writes its change with
// its audit entry and the notifications it causes, in one store call.

extension Limits {
    public static let answerText = 1...20_000
    public static let versionLabel = 2...120
    public static let uptakeReason = 3...2_000
}

/// Who hears about what: the followers of the targets plus named participants, minus the one acting.
enum Audience {
    static func notify(
        _ ctx: CommandContext, targets: [FollowTarget], plus extra: [ID?] = [], except actor: ID?, kind: NotificationKind,
        consultationID: ID?, path: String, subject: String, detail: String
    ) async throws -> [NewNotification] {
        var people = try await ctx.store.followers(of: targets)
        for id in extra.compactMap({ $0 }) { people.insert(id) }
        if let actor { people.remove(actor) }
        let now = ctx.clock.now()
        return people.sorted().map {
            NewNotification(participantID: $0, kind: kind, consultationID: consultationID, path: path, subject: subject, detail: detail, createdAt: now)
        }
    }

    /// How a contribution is named in a notification.
    static func subject(_ c: Contribution) -> String {
        let text = c.title.isEmpty ? c.body : c.title
        let line = text.split(separator: "\n").first.map(String.init) ?? ""
        return line.count > 120 ? String(line.prefix(119)) + "…" : line
    }
}

/// The institution's official answer to a contribution (a new version when it already has one).
public struct AnswerContribution: Sendable {
    public var actor: Actor?
    public var contributionID: ID
    public var status: AnswerStatus
    public var text: String

    public init(actor: Actor?, contributionID: ID, status: AnswerStatus, text: String) {
        self.actor = actor; self.contributionID = contributionID; self.status = status; self.text = text
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Answer> {
        guard let c = try await ctx.store.contribution(id: contributionID), c.status == .published,
              let consultation = try await ctx.store.consultation(id: c.consultationID) else { return .notFound }
        let now = ctx.clock.now()
        if !Permissions.can(actor, .read, on: consultation, at: now).isAllowed { return .notFound }
        if case .refused(let r) = Permissions.can(actor, .answer, on: consultation, at: now) { return .refused(r) }
        guard let actor else { return .refused(.notSignedIn) }
        guard c.kind != .source else { return .invalid([FieldError(field: "contribution", rule: .notAllowed)]) }
        let text = Validate.clean(self.text)
        var errors: [FieldError] = []
        Validate.text(text, field: "text", limits: Limits.answerText, errors: &errors)
        guard errors.isEmpty else { return .invalid(errors) }
        let audit = try await Audit.entry(ctx, actor: actor, consultationID: consultation.id, .answer, target: "contribution", c.id, reason: status.rawValue)
        var targets: [FollowTarget] = [.contribution(c.id), .consultation(consultation.id)]
        if let a = c.articleID { targets.append(.article(a)) }
        let notes = try await Audience.notify(
            ctx, targets: targets, plus: [c.authorID], except: actor.participantID, kind: .answer, consultationID: consultation.id,
            path: "/contributions/\(c.id)", subject: Audience.subject(c), detail: status.rawValue)
        return .done(try await ctx.store.addAnswer(
            contributionID: c.id, status: status, text: text, answererID: actor.participantID, answererName: audit.actorName, at: now,
            audit: audit, notifications: notes))
    }
}

/// Publishes a new version of the text from Markdown in the draft format, matched to the previous
/// version article by article by number; `renumbering` declares old number → new number.
public struct PublishTextVersion: Sendable {
    public var actor: Actor?
    public var consultationID: ID
    public var label: String
    public var publishedAt: Date?
    public var markdown: [UInt8]
    public var renumbering: [String: String]
    /// The command line acts with the machine's authority.
    public var fromCommandLine: Bool

    public init(actor: Actor?, consultationID: ID, label: String, publishedAt: Date?, markdown: [UInt8], renumbering: [String: String] = [:],
                fromCommandLine: Bool = false) {
        self.actor = actor; self.consultationID = consultationID; self.label = label; self.publishedAt = publishedAt
        self.markdown = markdown; self.renumbering = renumbering; self.fromCommandLine = fromCommandLine
    }

    /// "3:2, 4 bis:5" or one "3 → 2" per line: old number, new number.
    public static func parseRenumbering(_ s: String) -> [String: String]? {
        var out: [String: String] = [:]
        for raw in s.split(whereSeparator: { $0 == "," || $0 == "\n" || $0 == ";" }) {
            let item = raw.trimmingCharacters(in: .whitespaces)
            if item.isEmpty { continue }
            let parts = item.replacingOccurrences(of: "→", with: ":").replacingOccurrences(of: "->", with: ":")
                .split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, out[parts[0]] == nil else { return nil }
            out[DraftText.normaliseNumber(parts[0])] = DraftText.normaliseNumber(parts[1])
        }
        return out
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<TextVersion> {
        guard let c = try await ctx.store.consultation(id: consultationID) else { return .notFound }
        let now = ctx.clock.now()
        if !fromCommandLine {
            if !Permissions.can(actor, .read, on: c, at: now).isAllowed { return .notFound }
            if case .refused(let r) = Permissions.can(actor, .publishVersion, on: c, at: now) { return .refused(r) }
        }
        let label = Validate.clean(self.label)
        var errors: [FieldError] = []
        Validate.text(label, field: "label", limits: Limits.versionLabel, errors: &errors)
        let parsed: ParsedDraftText?
        switch DraftText.parse(data: markdown) {
        case .invalid(let problems): errors += ImportDraftText.fieldErrors(problems.filter { !$0.isWarning }); parsed = nil
        case .parsed(let p): parsed = p
        }
        // A declared renumbering names numbers that exist on both sides, each new number once.
        if let parsed {
            let previous = try await Self.previousNumbers(ctx, c)
            let new = Set(parsed.sections.flatMap(\.articles).map(\.number))
            for (old, newNumber) in renumbering.sorted(by: { $0.key < $1.key }) {
                if !previous.contains(old) { errors.append(FieldError(field: "renumber", rule: .invalid, value: old)) }
                if !new.contains(newNumber) { errors.append(FieldError(field: "renumber", rule: .invalid, value: newNumber)) }
            }
            if Set(renumbering.values).count != renumbering.count { errors.append(FieldError(field: "renumber", rule: .invalid)) }
        }
        guard errors.isEmpty, let parsed else { return .invalid(errors) }
        let at = publishedAt ?? now
        let audit = try await Audit.entry(ctx, actor: fromCommandLine ? nil : actor, consultationID: c.id, .publishVersion, target: "consultation", c.id,
                                          detail: label)
        let articles = try await ctx.store.articles(consultationID: c.id)
        let notes = try await Audience.notify(
            ctx, targets: [.consultation(c.id)] + articles.map { .article($0.id) }, except: fromCommandLine ? nil : actor?.participantID,
            kind: .version, consultationID: c.id, path: "/consultations/\(c.id)/suivi", subject: c.title, detail: label)
        return .done(try await ctx.store.addTextVersion(
            consultationID: c.id, label: label, publishedAt: at, text: parsed, renumbering: renumbering, audit: audit, notifications: notes))
    }

    static func previousNumbers(_ ctx: CommandContext, _ c: Consultation) async throws -> Set<String> {
        if let last = try await ctx.store.textVersions(consultationID: c.id).last {
            return Set(try await ctx.store.articleVersions(versionID: last.id).map(\.number))
        }
        return Set(try await ctx.store.articles(consultationID: c.id).map { DraftText.normaliseNumber($0.number) })
    }
}

/// Records what became of a contribution: taken up in an article of a version, or not taken up with a reason.
public struct RecordUptake: Sendable {
    public var actor: Actor?
    public var contributionID: ID
    public var uptake: Uptake
    public var fromCommandLine: Bool

    public init(actor: Actor?, contributionID: ID, uptake: Uptake, fromCommandLine: Bool = false) {
        self.actor = actor; self.contributionID = contributionID; self.uptake = uptake; self.fromCommandLine = fromCommandLine
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<UptakeRecord> {
        guard let c = try await ctx.store.contribution(id: contributionID), c.status == .published,
              let consultation = try await ctx.store.consultation(id: c.consultationID) else { return .notFound }
        let now = ctx.clock.now()
        if !fromCommandLine {
            if !Permissions.can(actor, .read, on: consultation, at: now).isAllowed { return .notFound }
            if case .refused(let r) = Permissions.can(actor, .publishVersion, on: consultation, at: now) { return .refused(r) }
        }
        let (uptake, errors) = try await UptakeRules.normalise(self.uptake, consultationID: consultation.id, ctx)
        guard errors.isEmpty else { return .invalid(errors) }
        let audit = try await Audit.entry(ctx, actor: fromCommandLine ? nil : actor, consultationID: consultation.id, .recordUptake,
                                          target: "contribution", c.id, detail: UptakeRules.detail(uptake))
        try await ctx.store.setUptake(contributionID: c.id, uptake: uptake, at: now, audit: audit)
        return .done(UptakeRecord(contributionID: c.id, uptake: uptake, at: now))
    }
}

/// The checks one uptake goes through, alone (`RecordUptake`) or in a batch (`RecordUptakes`).
enum UptakeRules {
    /// The uptake with its article number normalised and its reason cleaned, and what is wrong with it.
    static func normalise(_ uptake: Uptake, consultationID: ID, _ ctx: CommandContext,
                          numbers: inout [ID: Set<String>]) async throws -> (Uptake, [FieldError]) {
        var errors: [FieldError] = []
        switch uptake {
        case .takenUp(let versionID, let number):
            let n = DraftText.normaliseNumber(number)
            guard let v = try await ctx.store.textVersion(id: versionID), v.consultationID == consultationID else {
                return (uptake, [FieldError(field: "versionId", rule: .invalid)])
            }
            if numbers[v.id] == nil { numbers[v.id] = Set(try await ctx.store.articleVersions(versionID: v.id).map(\.number)) }
            if numbers[v.id]?.contains(n) != true { errors.append(FieldError(field: "articleNumber", rule: .invalid, value: number)) }
            return (.takenUp(versionID: v.id, articleNumber: n), errors)
        case .notTakenUp(let reason):
            let r = Validate.clean(reason)
            Validate.text(r, field: "notTakenUp", limits: Limits.uptakeReason, errors: &errors)
            return (.notTakenUp(reason: r), errors)
        }
    }

    static func normalise(_ uptake: Uptake, consultationID: ID, _ ctx: CommandContext) async throws -> (Uptake, [FieldError]) {
        var numbers: [ID: Set<String>] = [:]
        return try await normalise(uptake, consultationID: consultationID, ctx, numbers: &numbers)
    }

    /// What the audit trail says of it.
    static func detail(_ uptake: Uptake) -> String {
        switch uptake {
        case .takenUp(let v, let n): return "version \(v), article \(n)"
        case .notTakenUp(let r): return r
        }
    }
}

/// One line of a batch of uptakes: the contribution as typed (kept for the message) and what became of it.
public struct UptakeItem: Sendable, Equatable {
    public var rawID: String
    public var uptake: Uptake
    public init(rawID: String, uptake: Uptake) { self.rawID = rawID; self.uptake = uptake }
}

/// Records what became of several contributions of one consultation at once (the uptake page): every line is
/// checked first, and nothing is stored unless all are valid; the changes and their audit entries share one
/// transaction. An id that is not a published contribution of this consultation is an invalid line (never a
/// refusal that would tell it exists elsewhere). `unlink` removes the link of contributions to `unlinkFrom`'s
/// article of that version (unticked on the page); a contribution linked elsewhere is left alone.
public struct RecordUptakes: Sendable {
    public var actor: Actor?
    public var consultationID: ID
    public var items: [UptakeItem]
    public var unlink: [ID]
    public var unlinkFrom: (versionID: ID, articleNumber: String)?

    public init(actor: Actor?, consultationID: ID, items: [UptakeItem], unlink: [ID] = [], unlinkFrom: (versionID: ID, articleNumber: String)? = nil) {
        self.actor = actor; self.consultationID = consultationID; self.items = items; self.unlink = unlink; self.unlinkFrom = unlinkFrom
    }

    /// The number of contributions whose uptake changed.
    public func run(_ ctx: CommandContext) async throws -> Outcome<Int> {
        guard let consultation = try await ctx.store.consultation(id: consultationID) else { return .notFound }
        let now = ctx.clock.now()
        if !Permissions.can(actor, .read, on: consultation, at: now).isAllowed { return .notFound }
        if case .refused(let r) = Permissions.can(actor, .publishVersion, on: consultation, at: now) { return .refused(r) }
        var errors: [FieldError] = []
        var numbers: [ID: Set<String>] = [:]
        var changes: [(ID, Uptake?, String)] = []
        for item in items {
            let raw = item.rawID.trimmingCharacters(in: .whitespaces)
            guard let id = Int64(raw.hasPrefix("#") ? String(raw.dropFirst()) : raw), id > 0,
                  let c = try await ctx.store.contribution(id: id), c.status == .published, c.consultationID == consultation.id else {
                errors.append(FieldError(field: "contribution", rule: .invalid, value: raw, item: raw)); continue
            }
            let (uptake, problems) = try await UptakeRules.normalise(item.uptake, consultationID: consultation.id, ctx, numbers: &numbers)
            guard problems.isEmpty else {
                errors += problems.map { var e = $0; e.item = "#\(id)"; return e }; continue
            }
            changes.append((id, uptake, UptakeRules.detail(uptake)))
        }
        if let from = unlinkFrom, !unlink.isEmpty {
            let number = DraftText.normaliseNumber(from.articleNumber)
            let current = try await ctx.store.uptakes(contributionIDs: unlink)
            for id in unlink.sorted() where !changes.contains(where: { $0.0 == id }) {
                guard case .takenUp(let v, let n)? = current[id]?.uptake, v == from.versionID, n == number else { continue }
                changes.append((id, nil, "removed"))
            }
        }
        guard errors.isEmpty else { return .invalid(errors) }
        var batch: [UptakeChange] = []
        for (id, uptake, detail) in changes {
            let audit = try await Audit.entry(ctx, actor: actor, consultationID: consultation.id, .recordUptake, target: "contribution", id, detail: detail)
            batch.append(UptakeChange(contributionID: id, uptake: uptake, audit: audit))
        }
        return .done(try await ctx.store.applyUptakes(batch, at: now))
    }
}

/// Removes a contribution's recorded uptake (an organiser corrects a link made by mistake).
public struct ClearUptake: Sendable {
    public var actor: Actor?
    public var contributionID: ID

    public init(actor: Actor?, contributionID: ID) { self.actor = actor; self.contributionID = contributionID }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Bool> {
        guard let c = try await ctx.store.contribution(id: contributionID),
              let consultation = try await ctx.store.consultation(id: c.consultationID) else { return .notFound }
        let now = ctx.clock.now()
        if !Permissions.can(actor, .read, on: consultation, at: now).isAllowed { return .notFound }
        if case .refused(let r) = Permissions.can(actor, .publishVersion, on: consultation, at: now) { return .refused(r) }
        let audit = try await Audit.entry(ctx, actor: actor, consultationID: consultation.id, .recordUptake, target: "contribution", c.id,
                                          detail: "removed")
        guard try await ctx.store.clearUptake(contributionID: c.id, audit: audit) else { return .notFound }
        return .done(true)
    }
}

/// Follows (or stops following) a consultation, an article or a contribution the participant can read.
public struct FollowTargetCommand: Sendable {
    public var actor: Actor?
    public var target: FollowTarget
    public var follow: Bool

    public init(actor: Actor?, target: FollowTarget, follow: Bool) { self.actor = actor; self.target = target; self.follow = follow }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Bool> {
        let consultation: Consultation?
        switch target {
        case .consultation(let id): consultation = try await ctx.store.consultation(id: id)
        case .article(let id):
            consultation = try await ctx.store.article(id: id).asyncFlatMap { try await ctx.store.consultation(id: $0.consultationID) }
        case .contribution(let id):
            let c = try await ctx.store.contribution(id: id)
            guard c?.isPublic == true || (c != nil && c?.authorID == actor?.participantID) else { return .notFound }
            consultation = try await c.asyncFlatMap { try await ctx.store.consultation(id: $0.consultationID) }
        }
        guard let consultation, Permissions.can(actor, .read, on: consultation, at: ctx.clock.now()).isAllowed else { return .notFound }
        guard let actor else { return .refused(.notSignedIn) }
        if follow { return .done(try await ctx.store.follow(participantID: actor.participantID, target: target, at: ctx.clock.now())) }
        return .done(try await ctx.store.unfollow(participantID: actor.participantID, target: target))
    }
}

extension Optional {
    func asyncFlatMap<U>(_ f: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let v = self else { return nil }
        return try await f(v)
    }
}

/// Calendar days as organisers type them ("2016-07-26"), taken at noon in Paris so the day never shifts.
public enum CalendarDay {
    public static let paris = TimeZone(identifier: "Europe/Paris") ?? .gmt

    /// Nil for anything but a real YYYY-MM-DD day (2026-02-31 is refused).
    public static func parse(_ s: String) -> Date? {
        let parts = s.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, s.count == 10, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
        var c = DateComponents()
        c.year = parts[0]; c.month = parts[1]; c.day = parts[2]; c.hour = 12
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = paris
        guard let d = cal.date(from: c), cal.component(.day, from: d) == parts[2], cal.component(.month, from: d) == parts[1] else { return nil }
        return d
    }
}

extension DraftText {
    /// An article number as the parser stores it ("1er" → "1", "2 BIS" → "2 bis"); as typed when it is not one.
    public static func normaliseNumber(_ s: String) -> String {
        let t = s.trimmingCharacters(in: .whitespaces)
        return articleHeading("Article " + t)?.number ?? t
    }
}
