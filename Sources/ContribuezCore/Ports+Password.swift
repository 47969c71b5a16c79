import Foundation

/// Changing one's password (ASVS 5.0 6.2.2, 6.2.3, 7.4.3).
public protocol PasswordStore: Sendable {
    /// Sets the participant's password hash and ends every other session of theirs (all of them when
    /// `keepingSession` is nil), in one transaction. False when the participant has no password (deleted).
    func changePassword(participantID: ID, passwordHash: String, keepingSession tokenHash: String?) async throws -> Bool
}

/// Changes the signed-in participant's password: the current one must match, the new one follows the
/// password rules and differs from the current one; every other session ends.
public struct ChangePassword: Sendable {
    public var actor: Actor?
    public var current: String
    public var new: String
    /// The session the request came with, kept open (nil: the API's bearer token is kept too, by its hash).
    public var sessionTokenHash: String?

    public init(actor: Actor?, current: String, new: String, sessionTokenHash: String?) {
        self.actor = actor; self.current = current; self.new = new; self.sessionTokenHash = sessionTokenHash
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Bool> {
        guard let actor else { return .refused(.notSignedIn) }
        var errors: [FieldError] = []
        if current.isEmpty { errors.append(FieldError(field: "currentPassword", rule: .required)) }
        Validate.password(new, errors: &errors)
        errors = errors.map { e in var e = e; if e.field == "password" { e.field = "newPassword" }; return e }
        if errors.isEmpty, new == current { errors.append(FieldError(field: "newPassword", rule: .notAllowed)) }
        guard errors.isEmpty else { return .invalid(errors) }
        guard let participant = try await ctx.store.participant(id: actor.participantID) else { return .notFound }
        guard let email = participant.email, current.utf8.count <= 1024,
              let found = try await ctx.store.credentials(email: email), found.participant.id == participant.id,
              await ctx.hasher.verify(current, against: found.passwordHash)
        else { return .refused(.wrongCredentials) }
        let hash = await ctx.hasher.hash(new)
        let changed = try await ctx.store.changePassword(participantID: participant.id, passwordHash: hash, keepingSession: sessionTokenHash)
        return changed ? .done(true) : .notFound
    }
}
