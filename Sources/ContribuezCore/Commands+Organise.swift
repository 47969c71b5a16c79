import Foundation

// The institution's commands (issue 8): roles, set-up, publication, closing. Each asks the one
// permission function and hands the store the audit entry to append with the change.

/// What an organiser fills in to create or edit a consultation.
public struct ConsultationDraft: Sendable, Equatable {
    public var title: String
    public var summary: String
    public var institution: String
    public var opensAt: Date?
    public var closesAt: Date?
    public var allowedKinds: Set<ParticipantKind>
    public var settings: ConsultationSettings

    public init(
        title: String, summary: String, institution: String, opensAt: Date?, closesAt: Date?,
        allowedKinds: Set<ParticipantKind> = [], settings: ConsultationSettings = .init()
    ) {
        self.title = title; self.summary = summary; self.institution = institution; self.opensAt = opensAt
        self.closesAt = closesAt; self.allowedKinds = allowedKinds; self.settings = settings
    }

    public init(_ c: Consultation) {
        self.init(title: c.title, summary: c.summary, institution: c.institution, opensAt: c.opensAt, closesAt: c.closesAt,
                  allowedKinds: c.allowedKinds, settings: c.settings)
    }

    /// Cleans the texts and lists every problem; nil dates are reported as required.
    func validated() -> (ConsultationDraft, [FieldError]) {
        var d = self
        d.title = Validate.clean(title); d.summary = Validate.clean(summary); d.institution = Validate.clean(institution)
        var errors: [FieldError] = []
        Validate.text(d.title, field: "title", limits: Limits.title, errors: &errors)
        Validate.text(d.summary, field: "summary", limits: Limits.summary, errors: &errors)
        Validate.text(d.institution, field: "institution", limits: Limits.institution, errors: &errors)
        if opensAt == nil { errors.append(FieldError(field: "opensAt", rule: .required)) }
        if closesAt == nil { errors.append(FieldError(field: "closesAt", rule: .required)) }
        if let o = opensAt, let c = closesAt, c <= o { errors.append(FieldError(field: "closesAt", rule: .beforeOpening)) }
        func range(_ v: Int, _ r: ClosedRange<Int>, _ field: String) {
            if v < r.lowerBound { errors.append(FieldError(field: field, rule: .tooShort, limit: r.lowerBound)) }
            if v > r.upperBound { errors.append(FieldError(field: field, rule: .tooLong, limit: r.upperBound)) }
        }
        range(settings.answerThreshold, ConsultationSettings.answerThresholdRange, "answerThreshold")
        range(settings.answerDeadlineDays, ConsultationSettings.answerDeadlineRange, "answerDeadlineDays")
        range(settings.reportThreshold, ConsultationSettings.reportThresholdRange, "reportThreshold")
        return (d, errors)
    }
}

/// Builds audit entries with the actor's name as it is now.
enum Audit {
    static func entry(
        _ ctx: CommandContext, actor: Actor?, consultationID: ID?, _ action: AuditAction, target: String, _ targetID: ID,
        reason: String = "", detail: String = ""
    ) async throws -> AuditEntry {
        var name = "contribuez (ligne de commande)"
        if let actor { name = try await ctx.store.participant(id: actor.participantID)?.publicName ?? "#\(actor.participantID)" }
        return AuditEntry(
            consultationID: consultationID, actorID: actor?.participantID, actorName: name, action: action, targetKind: target,
            targetID: targetID, reason: reason, detail: detail, at: ctx.clock.now())
    }
}

public enum Slug {
    /// Lower-case ASCII words joined by '-', accents folded, at most 60 characters; "consultation" when nothing is left.
    public static func make(_ title: String) -> String {
        let folded = title.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "fr_FR")).lowercased()
        var out = ""
        var dash = false
        for ch in folded.unicodeScalars {
            if ch.isASCII && (CharacterSet.alphanumerics.contains(ch)) {
                if dash && !out.isEmpty { out += "-" }
                out.unicodeScalars.append(ch); dash = false
            } else { dash = true }
            if out.count >= 60 { break }
        }
        return out.isEmpty ? "consultation" : out
    }
}

/// Creates a consultation, unpublished; its creator becomes its organiser.
public struct CreateConsultation: Sendable {
    public var actor: Actor?
    public var draft: ConsultationDraft

    public init(actor: Actor?, draft: ConsultationDraft) { self.actor = actor; self.draft = draft }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Consultation> {
        // NB: the consultation argument of `can` is ignored for instance actions; any value does.
        let probe = Consultation(id: 0, slug: "", title: "", summary: "", institution: "", isPublished: false, opensAt: .distantPast, closesAt: .distantFuture)
        if case .refused(let r) = Permissions.can(actor, .createConsultation, on: probe, at: ctx.clock.now()) { return .refused(r) }
        guard let actor else { return .refused(.notSignedIn) }
        let (d, errors) = draft.validated()
        guard errors.isEmpty, let opens = d.opensAt, let closes = d.closesAt else { return .invalid(errors) }
        let new = NewConsultation(
            slug: Slug.make(d.title), title: d.title, summary: d.summary, institution: d.institution, isPublished: false,
            opensAt: opens, closesAt: closes, allowedKinds: d.allowedKinds, settings: d.settings)
        let audit = try await Audit.entry(ctx, actor: actor, consultationID: nil, .createConsultation, target: "consultation", 0, detail: d.title)
        return .done(try await ctx.store.createConsultation(new, organiserID: actor.participantID, audit: audit))
    }
}

/// Changes a consultation's title, summary, institution, dates, kinds and rules.
public struct EditConsultation: Sendable {
    public var actor: Actor?
    public var consultationID: ID
    /// Applied to the current values: return the edited draft and the names of the fields it touched.
    public var edit: @Sendable (ConsultationDraft) -> ConsultationDraft

    public init(actor: Actor?, consultationID: ID, edit: @escaping @Sendable (ConsultationDraft) -> ConsultationDraft) {
        self.actor = actor; self.consultationID = consultationID; self.edit = edit
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Consultation> {
        guard var c = try await ctx.store.consultation(id: consultationID) else { return .notFound }
        if case .refused(let r) = Permissions.can(actor, .editConsultation, on: c, at: ctx.clock.now()) { return .refused(r) }
        let before = ConsultationDraft(c)
        let (d, errors) = edit(before).validated()
        guard errors.isEmpty, let opens = d.opensAt, let closes = d.closesAt else { return .invalid(errors) }
        var changed: [String] = []
        if d.title != before.title { changed.append("title") }
        if d.summary != before.summary { changed.append("summary") }
        if d.institution != before.institution { changed.append("institution") }
        if opens != before.opensAt { changed.append("opensAt") }
        if closes != before.closesAt { changed.append("closesAt") }
        if d.allowedKinds != before.allowedKinds { changed.append("allowedKinds") }
        if d.settings != before.settings { changed.append("settings") }
        c.title = d.title; c.summary = d.summary; c.institution = d.institution; c.opensAt = opens; c.closesAt = closes
        c.allowedKinds = d.allowedKinds; c.settings = d.settings
        guard !changed.isEmpty else { return .done(c) }
        let audit = try await Audit.entry(ctx, actor: actor, consultationID: c.id, .editConsultation, target: "consultation", c.id,
                                          detail: changed.joined(separator: ", "))
        try await ctx.store.updateConsultation(c, audit: audit)
        return .done(c)
    }
}

/// The result of importing a draft text: what was parsed, and the stored articles unless it was a preview.
public struct DraftTextImport: Sendable {
    public var parsed: ParsedDraftText
    public var articles: [Article]
    public var saved: Bool
}

/// Imports the draft text from Markdown, replacing the current one; `preview` parses without saving.
public struct ImportDraftText: Sendable {
    public var actor: Actor?
    public var consultationID: ID
    public var markdown: [UInt8]
    public var preview: Bool

    public init(actor: Actor?, consultationID: ID, markdown: [UInt8], preview: Bool) {
        self.actor = actor; self.consultationID = consultationID; self.markdown = markdown; self.preview = preview
    }

    public static func fieldErrors(_ problems: [DraftTextProblem]) -> [FieldError] {
        problems.map { p in
            switch p.code {
            case .noArticle: return FieldError(field: "text", rule: .noArticle)
            case .duplicateNumber: return FieldError(field: "text", rule: .duplicateNumber, line: p.line, otherLine: p.otherLine, value: p.number)
            case .emptyArticle: return FieldError(field: "text", rule: .emptyArticle, line: p.line, value: p.number)
            case .tooLarge: return FieldError(field: "text", rule: .tooLong, limit: DraftText.maxBytes)
            case .invalidEncoding, .ignoredText: return FieldError(field: "text", rule: .invalid, line: p.line)
            }
        }
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<DraftTextImport> {
        guard let c = try await ctx.store.consultation(id: consultationID) else { return .notFound }
        if case .refused(let r) = Permissions.can(actor, .editText, on: c, at: ctx.clock.now()) { return .refused(r) }
        let parsed: ParsedDraftText
        switch DraftText.parse(data: markdown) {
        case .invalid(let problems): return .invalid(Self.fieldErrors(problems))
        case .parsed(let p): parsed = p
        }
        var errors: [FieldError] = []
        for a in parsed.sections.flatMap(\.articles) {
            if a.title.count > Limits.title.upperBound { errors.append(FieldError(field: "text", rule: .tooLong, limit: Limits.title.upperBound, line: a.line, value: a.number)) }
            if a.body.count > Limits.articleBody.upperBound { errors.append(FieldError(field: "text", rule: .tooLong, limit: Limits.articleBody.upperBound, line: a.line, value: a.number)) }
        }
        guard errors.isEmpty else { return .invalid(errors) }
        if preview { return .done(DraftTextImport(parsed: parsed, articles: [], saved: false)) }
        let audit = try await Audit.entry(ctx, actor: actor, consultationID: c.id, .importText, target: "consultation", c.id,
                                          detail: "\(parsed.articleCount) articles")
        let articles = try await ctx.store.replaceDraftText(consultationID: c.id, text: parsed, audit: audit)
        return .done(DraftTextImport(parsed: parsed, articles: articles, saved: true))
    }
}

/// Edits one article while the consultation is a draft.
public struct EditArticle: Sendable {
    public var actor: Actor?
    public var articleID: ID
    public var title: String
    public var body: String
    public var explanation: String
    /// « Droit en vigueur », plain text; "" for none.
    public var currentLaw: String

    public init(actor: Actor?, articleID: ID, title: String, body: String, explanation: String, currentLaw: String = "") {
        self.actor = actor; self.articleID = articleID; self.title = title; self.body = body; self.explanation = explanation
        self.currentLaw = currentLaw
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Article> {
        guard var a = try await ctx.store.article(id: articleID), let c = try await ctx.store.consultation(id: a.consultationID) else { return .notFound }
        if case .refused(let r) = Permissions.can(actor, .editText, on: c, at: ctx.clock.now()) { return .refused(r) }
        let title = Validate.clean(self.title), body = Validate.clean(self.body), explanation = Validate.clean(self.explanation)
        let currentLaw = Validate.clean(self.currentLaw)
        var errors: [FieldError] = []
        Validate.text(title, field: "title", limits: Limits.articleTitle, errors: &errors)
        Validate.text(body, field: "body", limits: Limits.articleBody, errors: &errors)
        Validate.text(explanation, field: "explanation", limits: Limits.explanation, errors: &errors)
        Validate.text(currentLaw, field: "currentLaw", limits: Limits.currentLaw, errors: &errors)
        guard errors.isEmpty else { return .invalid(errors) }
        let audit = try await Audit.entry(ctx, actor: actor, consultationID: c.id, .editArticle, target: "article", a.id, detail: "Article \(a.number)")
        guard try await ctx.store.updateArticle(
            id: a.id, title: title, body: body, explanation: explanation, currentLaw: currentLaw, audit: audit) else { return .notFound }
        a.title = title; a.body = body; a.explanation = explanation; a.currentLaw = currentLaw
        return .done(a)
    }
}

/// Publishes a consultation: the public sees it, and it opens at its opening date.
public struct PublishConsultation: Sendable {
    public var actor: Actor?
    public var consultationID: ID

    public init(actor: Actor?, consultationID: ID) { self.actor = actor; self.consultationID = consultationID }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Consultation> {
        guard var c = try await ctx.store.consultation(id: consultationID) else { return .notFound }
        if case .refused(let r) = Permissions.can(actor, .publish, on: c, at: ctx.clock.now()) { return .refused(r) }
        if try await ctx.store.articles(consultationID: c.id).isEmpty { return .invalid([FieldError(field: "text", rule: .noArticle)]) }
        let audit = try await Audit.entry(ctx, actor: actor, consultationID: c.id, .publish, target: "consultation", c.id)
        try await ctx.store.publish(consultationID: c.id, audit: audit)
        c.isPublished = true
        return .done(c)
    }
}

/// Closes a published consultation now, with a reason shown on its page.
public struct CloseConsultation: Sendable {
    public var actor: Actor?
    public var consultationID: ID
    public var reason: String

    public init(actor: Actor?, consultationID: ID, reason: String) { self.actor = actor; self.consultationID = consultationID; self.reason = reason }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Consultation> {
        guard var c = try await ctx.store.consultation(id: consultationID) else { return .notFound }
        let now = ctx.clock.now()
        if case .refused(let r) = Permissions.can(actor, .close, on: c, at: now) { return .refused(r) }
        let reason = Validate.clean(self.reason)
        var errors: [FieldError] = []
        Validate.text(reason, field: "reason", limits: Limits.reason, errors: &errors)
        guard errors.isEmpty else { return .invalid(errors) }
        let audit = try await Audit.entry(ctx, actor: actor, consultationID: c.id, .close, target: "consultation", c.id, detail: reason)
        // NB: a consultation closed before it opened keeps a valid interval (closes_at > opens_at).
        let at = max(now, c.opensAt.addingTimeInterval(0.001))
        try await ctx.store.closeEarly(consultationID: c.id, reason: reason, at: at, audit: audit)
        c.closesAt = at; c.closedEarlyReason = reason
        return .done(c)
    }
}

/// Gives a participant a role on a consultation (admins and that consultation's organisers).
public struct GrantRole: Sendable {
    public var actor: Actor?
    public var consultationID: ID
    public var participantID: ID
    public var role: ConsultationRole
    /// The command line acts with the machine's authority; pages and API never set this.
    public var fromCommandLine: Bool

    public init(actor: Actor?, consultationID: ID, participantID: ID, role: ConsultationRole, fromCommandLine: Bool = false) {
        self.actor = actor; self.consultationID = consultationID; self.participantID = participantID; self.role = role
        self.fromCommandLine = fromCommandLine
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<RoleGrant> {
        guard let c = try await ctx.store.consultation(id: consultationID) else { return .notFound }
        if !fromCommandLine, case .refused(let r) = Permissions.can(actor, .manageRoles, on: c, at: ctx.clock.now()) { return .refused(r) }
        guard let p = try await ctx.store.participant(id: participantID), p.email != nil else {
            return .invalid([FieldError(field: "participant", rule: .invalid)])
        }
        let audit = try await Audit.entry(ctx, actor: actor, consultationID: c.id, .grantRole, target: "participant", p.id,
                                          reason: role.rawValue, detail: p.publicName)
        try await ctx.store.grantRole(consultationID: c.id, participantID: p.id, role: role, audit: audit)
        return .done(RoleGrant(participant: p, role: role))
    }
}

/// Takes a role on a consultation back.
public struct RevokeRole: Sendable {
    public var actor: Actor?
    public var consultationID: ID
    public var participantID: ID
    public var fromCommandLine: Bool

    public init(actor: Actor?, consultationID: ID, participantID: ID, fromCommandLine: Bool = false) {
        self.actor = actor; self.consultationID = consultationID; self.participantID = participantID; self.fromCommandLine = fromCommandLine
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Bool> {
        guard let c = try await ctx.store.consultation(id: consultationID) else { return .notFound }
        if !fromCommandLine, case .refused(let r) = Permissions.can(actor, .manageRoles, on: c, at: ctx.clock.now()) { return .refused(r) }
        let roles = try await ctx.store.consultationRoles(participantID: participantID)
        guard let current = roles[c.id] else { return .notFound }
        let name = try await ctx.store.participant(id: participantID)?.publicName ?? "#\(participantID)"
        let audit = try await Audit.entry(ctx, actor: actor, consultationID: c.id, .revokeRole, target: "participant", participantID,
                                          reason: current.rawValue, detail: name)
        return .done(try await ctx.store.revokeRole(consultationID: c.id, participantID: participantID, audit: audit))
    }
}

/// Sets a participant's instance role (admin, organiser, participant). `actor` nil: the command line.
public struct GrantInstanceRole: Sendable {
    public var actor: Actor?
    public var participantID: ID
    public var role: Role
    /// The command line acts with the machine's authority; pages and API never set this.
    public var fromCommandLine: Bool

    public init(actor: Actor?, participantID: ID, role: Role, fromCommandLine: Bool = false) {
        self.actor = actor; self.participantID = participantID; self.role = role; self.fromCommandLine = fromCommandLine
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Participant> {
        if !fromCommandLine {
            let probe = Consultation(id: 0, slug: "", title: "", summary: "", institution: "", isPublished: false, opensAt: .distantPast, closesAt: .distantFuture)
            if case .refused(let r) = Permissions.can(actor, .manageInstanceRoles, on: probe, at: ctx.clock.now()) { return .refused(r) }
        }
        guard var p = try await ctx.store.participant(id: participantID), p.email != nil else { return .notFound }
        let audit = try await Audit.entry(ctx, actor: fromCommandLine ? nil : actor, consultationID: nil, .grantInstanceRole, target: "participant", p.id,
                                          reason: role.rawValue, detail: p.publicName)
        guard try await ctx.store.setRole(participantID: p.id, role: role, audit: audit) else { return .notFound }
        p.role = role
        return .done(p)
    }
}
