import Foundation

/// Reports a contribution, once per participant, with a reason from the charter.
public struct ReportContribution: Sendable {
    public var actor: Actor?
    public var contributionID: ID
    public var reason: ModerationReason?
    public var text: String

    public init(actor: Actor?, contributionID: ID, reason: ModerationReason?, text: String) {
        self.actor = actor; self.contributionID = contributionID; self.reason = reason; self.text = text
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Contribution> {
        guard let item = try await ctx.store.contribution(id: contributionID), item.status == .published,
              let c = try await ctx.store.consultation(id: item.consultationID) else { return .notFound }
        let now = ctx.clock.now()
        if !Permissions.can(actor, .read, on: c, at: now).isAllowed { return .notFound }
        if case .refused(let r) = Permissions.can(actor, .report, on: c, at: now) { return .refused(r) }
        guard let actor else { return .refused(.notSignedIn) }
        let text = Validate.clean(self.text)
        var errors: [FieldError] = []
        if let reason {
            if !ModerationReason.reportable.contains(reason) {
                errors.append(FieldError(field: "reason", rule: .unknownValue, value: ModerationReason.reportable.map(\.rawValue).joined(separator: ", ")))
            }
            // "other" needs its explanation; any reason may carry one.
            if reason == .other || !text.isEmpty { Validate.text(text, field: "text", limits: Limits.reason, errors: &errors) }
        } else {
            errors.append(FieldError(field: "reason", rule: .unknownValue, value: ModerationReason.reportable.map(\.rawValue).joined(separator: ", ")))
        }
        guard errors.isEmpty, let reason else { return .invalid(errors) }
        let autoHide = AuditEntry(
            consultationID: c.id, actorID: nil, actorName: "contribuez", action: .hideByReports, targetKind: "contribution",
            targetID: item.id, reason: "", detail: "\(c.settings.reportThreshold)", at: now)
        do {
            return .done(try await ctx.store.addReport(
                contributionID: item.id, participantID: actor.participantID, reason: reason, text: text, at: now,
                threshold: c.settings.reportThreshold, autoHide: autoHide))
        } catch StoreError.duplicateReport {
            return .conflict(.duplicateReport)
        }
    }
}

/// A moderator's decision on a contribution: hide, restore, approve (held item) or reject (held item).
public struct ModerateContribution: Sendable {
    public var actor: Actor?
    public var contributionID: ID
    public var action: ModerationAction
    public var reason: ModerationReason
    public var note: String

    public init(actor: Actor?, contributionID: ID, action: ModerationAction, reason: ModerationReason, note: String = "") {
        self.actor = actor; self.contributionID = contributionID; self.action = action; self.reason = reason; self.note = note
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Contribution> {
        guard let item = try await ctx.store.contribution(id: contributionID),
              let c = try await ctx.store.consultation(id: item.consultationID) else { return .notFound }
        let now = ctx.clock.now()
        if !Permissions.can(actor, .read, on: c, at: now).isAllowed { return .notFound }
        if case .refused(let r) = Permissions.can(actor, .moderate, on: c, at: now) { return .refused(r) }
        let note = Validate.clean(self.note)
        var errors: [FieldError] = []
        let violations = ModerationReason.violations
        switch action {
        case .hide, .reject:
            if !violations.contains(reason) {
                errors.append(FieldError(field: "reason", rule: .unknownValue, value: violations.map(\.rawValue).joined(separator: ", ")))
            }
        case .restore, .approve:
            break
        }
        if reason == .other || !note.isEmpty { Validate.text(note, field: "note", limits: Limits.reason, errors: &errors) }
        // What each action applies to: approve and reject decide on held items; hide and restore on published ones.
        switch (action, item.status) {
        case (.approve, .pending), (.reject, .pending), (.hide, .published), (.restore, .published): break
        case (.reject, .rejected): return .done(item)
        default: errors.append(FieldError(field: "action", rule: .notAllowed))
        }
        guard errors.isEmpty else { return .invalid(errors) }
        // NB: hiding what a moderator already hid, or restoring what is shown, changes nothing and records
        // nothing; hiding an item the reports hid confirms it (and closes its reports).
        if action == .hide, item.isHidden, item.hidden?.byReports != true, try await ctx.store.reports(contributionID: item.id).allSatisfy(\.resolved) {
            return .done(item)
        }
        if action == .restore, !item.isHidden, try await ctx.store.reports(contributionID: item.id).allSatisfy(\.resolved) {
            return .done(item)
        }
        let audit = try await Audit.entry(
            ctx, actor: actor, consultationID: c.id, AuditAction(rawValue: action.rawValue) ?? .hide, target: "contribution", item.id,
            reason: reason.rawValue, detail: note)
        let decided = try await ctx.store.moderate(contributionID: item.id, action: action, reason: reason, at: now, audit: audit)
        if let author = item.authorID {
            try await ctx.store.addNotifications([NewNotification(
                participantID: author, kind: .moderation, consultationID: c.id, path: "/contributions/\(item.id)",
                subject: Audience.subject(item), detail: action.rawValue, createdAt: now)])
        }
        return .done(decided)
    }
}
