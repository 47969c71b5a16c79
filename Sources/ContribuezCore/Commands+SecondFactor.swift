import Foundation

/// Second factors of staff (issue 13).
///
/// Staff — instance admins and organisers, and anyone with a role on a consultation — act as staff only from a
/// session verified by a second factor: until they enrol and give a code, their roles are withheld (the web layer
/// asks `StaffSecondFactor.withholds`). A lost factor is reset by an admin (or from the command line, for the last
/// admin), with a reason, in the audit trail.
public enum StaffSecondFactor {
    /// Whether a session's staff roles must be withheld: it holds staff privileges and was not verified by a code.
    public static func withholds(_ session: SessionRecord) -> Bool {
        SessionPrivileges.isStaff(role: session.participant.role, consultationRoles: session.consultationRoles)
            && !(session.hasSecondFactor && session.secondFactorAt != nil)
    }

    /// The session as permissions see it while its staff roles are withheld: a participant's.
    public static func withheld(_ session: SessionRecord) -> SessionRecord {
        var s = session
        s.participant.role = .participant
        s.consultationRoles = [:]
        return s
    }

    public static let reasonLimits = 3...1_000
}

/// An admin resets the second factor of someone who lost it: the factor and its recovery codes are deleted and
/// every session of that person ends; they sign in with their password and enrol again. Needs a reason.
public struct ResetSecondFactor: Sendable {
    public var actor: Actor?
    public var participantID: ID
    public var reason: String
    /// The command line acts with the machine's authority (the last admin's own lost factor); pages never set this.
    public var fromCommandLine: Bool

    public init(actor: Actor?, participantID: ID, reason: String, fromCommandLine: Bool = false) {
        self.actor = actor; self.participantID = participantID; self.reason = reason; self.fromCommandLine = fromCommandLine
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Participant> {
        if !fromCommandLine {
            // NB: an instance-wide action: the permission is asked about no consultation in particular.
            if case .refused(let r) = Permissions.can(actor, .manageInstanceRoles, on: FreezeReview.probe, at: ctx.clock.now()) { return .refused(r) }
        }
        let reason = Validate.clean(self.reason)
        var errors: [FieldError] = []
        Validate.text(reason, field: "reason", limits: StaffSecondFactor.reasonLimits, errors: &errors)
        guard errors.isEmpty else { return .invalid(errors) }
        guard let target = try await ctx.store.participant(id: participantID), target.email != nil else { return .notFound }
        let audit = try await Audit.entry(
            ctx, actor: fromCommandLine ? nil : actor, consultationID: nil, .resetSecondFactor, target: "participant", target.id,
            reason: reason, detail: target.publicName)
        guard try await ctx.store.resetSecondFactor(participantID: target.id, audit: audit) else { return .conflict(.alreadyDone) }
        return .done(target)
    }
}
