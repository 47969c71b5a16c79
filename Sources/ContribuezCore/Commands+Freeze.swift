import Foundation

/// « Ce n'était pas moi » and the review of frozen accounts (issue 13).
///
/// Every account gets a welcome mail at sign-up with a link by which the owner of the address says they did not
/// create it. Using it freezes the account: no sign-in, sessions ended, its contributions hidden, until a
/// moderator lifts the freeze (it was theirs after all) or upholds it (the account is deleted, its
/// contributions erased and its votes withdrawn).
public enum Disavowals {
    /// How long the welcome mail's link works.
    public static let lifetime: TimeInterval = 30 * 86_400
    /// Sign-ups from one network in the period at which moderators see a burst.
    public static let burstMinimum = 10
    /// How long the network of a sign-up is kept.
    public static let networkRetention: TimeInterval = 30 * 86_400
}

/// The owner of the address disavows the account. Anyone holding the link may: it was mailed to the address.
public struct DisavowAccount: Sendable {
    public var tokenHash: String

    public init(tokenHash: String) { self.tokenHash = tokenHash }

    public func run(_ ctx: CommandContext) async throws -> Outcome<DisavowalUse> {
        let now = ctx.clock.now()
        guard let link = try await ctx.store.disavowal(tokenHash: tokenHash) else { return .done(.unknown) }
        if link.usedAt != nil { return .done(.used) }
        if link.expiresAt <= now { return .done(.expired) }
        let audit = AuditEntry(
            consultationID: nil, actorID: nil, actorName: "« ce n'était pas moi »", action: .freezeAccount, targetKind: "participant",
            targetID: link.participantID, reason: AccountFreeze.Origin.disavowed.rawValue, at: now)
        return .done(try await ctx.store.disavow(tokenHash: tokenHash, at: now, audit: audit))
    }
}

/// A moderator freezes an account (a burst of sign-ups, a campaign): needs `.reviewAccounts` and a reason.
public struct FreezeAccount: Sendable {
    public var actor: Actor?
    public var participantID: ID
    public var reason: String

    public init(actor: Actor?, participantID: ID, reason: String) { self.actor = actor; self.participantID = participantID; self.reason = reason }

    public func run(_ ctx: CommandContext) async throws -> Outcome<AccountFreeze> {
        if case .refused(let r) = Permissions.can(actor, .reviewAccounts, on: FreezeReview.probe, at: ctx.clock.now()) { return .refused(r) }
        let reason = Validate.clean(self.reason)
        var errors: [FieldError] = []
        Validate.text(reason, field: "reason", limits: FreezeReview.reasonLimits, errors: &errors)
        guard errors.isEmpty else { return .invalid(errors) }
        guard let target = try await ctx.store.participant(id: participantID), target.email != nil else { return .notFound }
        // NB: staff are frozen by an admin only: a moderator must not lock out the people who review them.
        if target.role != .participant || participantID == actor?.participantID, actor?.isAdmin != true { return .refused(.adminsOnly) }
        let audit = try await Audit.entry(ctx, actor: actor, consultationID: nil, .freezeAccount, target: "participant", participantID, reason: reason)
        guard try await ctx.store.freezeAccount(
            participantID: participantID, origin: .moderator, reason: reason, by: actor?.participantID, at: ctx.clock.now(), audit: audit)
        else { return .conflict(.alreadyDone) }
        guard let freeze = try await ctx.store.accountFreeze(participantID: participantID) else { return .notFound }
        return .done(freeze)
    }
}

/// A moderator reviews a frozen account: lift (it was its owner's after all) or uphold (delete the account,
/// erase its contributions, withdraw its votes). A reason is required either way.
public struct ReviewFreeze: Sendable {
    public enum Decision: String, Sendable, CaseIterable {
        case lift
        case uphold
    }

    public var actor: Actor?
    public var participantID: ID
    public var decision: Decision?
    public var reason: String

    public init(actor: Actor?, participantID: ID, decision: Decision?, reason: String) {
        self.actor = actor; self.participantID = participantID; self.decision = decision; self.reason = reason
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Decision> {
        if case .refused(let r) = Permissions.can(actor, .reviewAccounts, on: FreezeReview.probe, at: ctx.clock.now()) { return .refused(r) }
        let reason = Validate.clean(self.reason)
        var errors: [FieldError] = []
        if decision == nil { errors.append(FieldError(field: "decision", rule: .unknownValue, value: Decision.allCases.map(\.rawValue).joined(separator: ", "))) }
        Validate.text(reason, field: "reason", limits: FreezeReview.reasonLimits, errors: &errors)
        guard errors.isEmpty, let decision else { return .invalid(errors) }
        guard try await ctx.store.accountFreeze(participantID: participantID) != nil else { return .notFound }
        let now = ctx.clock.now()
        switch decision {
        case .lift:
            let audit = try await Audit.entry(ctx, actor: actor, consultationID: nil, .unfreezeAccount, target: "participant", participantID, reason: reason)
            guard try await ctx.store.liftFreeze(participantID: participantID, at: now, audit: audit) else { return .conflict(.alreadyDone) }
        case .uphold:
            let audit = try await Audit.entry(ctx, actor: actor, consultationID: nil, .upholdFreeze, target: "participant", participantID, reason: reason)
            guard try await ctx.store.deleteAccount(
                participantID: participantID, anonymisedName: FreezeReview.anonymisedName, contributions: .erase, audit: audit, at: now)
            else { return .notFound }
        }
        return .done(decision)
    }
}

public enum FreezeReview {
    /// Account decisions ignore the consultation `Permissions.can` takes.
    static let probe = Consultation(id: 0, slug: "", title: "", summary: "", institution: "", isPublished: false, opensAt: .distantPast, closesAt: .distantFuture)
    public static let reasonLimits = 3...1_000
    /// The author name left on an upheld account's erased contributions.
    public static let anonymisedName = "Compte supprimé"
}
