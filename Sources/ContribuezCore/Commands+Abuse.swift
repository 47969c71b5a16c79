import Foundation

/// Password reset links (issue 13): how long one lives and how many one account may be sent.
public enum PasswordResets {
    public static let lifetime: TimeInterval = 3600
    /// Links one account is sent within `lifetime`: past it, asking again sends nothing (and says the same).
    public static let perHour = 3
}

/// Asks for a password reset link by e-mail address. Whether an account has the address or not, the
/// answer is the same (`.done`): the page must not tell who has an account.
///
/// NB: the mail is built by the caller around the link; `to` is replaced by the account's address.
public struct RequestPasswordReset: Sendable {
    public var email: String
    public var tokenHash: String
    public var mail: NewMail

    public init(email: String, tokenHash: String, mail: NewMail) {
        self.email = email; self.tokenHash = tokenHash; self.mail = mail
    }

    /// `.invalid` (field `email`) only for an address that cannot be one; else `.done(true)` when a mail was
    /// queued and `.done(false)` when none was (unknown address, or too many links) — callers answer alike.
    public func run(_ ctx: CommandContext) async throws -> Outcome<Bool> {
        let email = Validate.clean(self.email).lowercased()
        var errors: [FieldError] = []
        Validate.email(email, errors: &errors)
        guard errors.isEmpty else { return .invalid(errors) }
        guard let found = try await ctx.store.credentials(email: email), let address = found.participant.email else { return .done(false) }
        let now = ctx.clock.now()
        let recent = try await ctx.store.passwordResetsCreated(participantID: found.participant.id, since: now - PasswordResets.lifetime)
        guard recent < PasswordResets.perHour else { return .done(false) }
        var mail = self.mail
        mail.to = address
        try await ctx.store.createPasswordReset(
            tokenHash: tokenHash, participantID: found.participant.id, createdAt: now, expiresAt: now + PasswordResets.lifetime, mail: mail)
        return .done(true)
    }
}

/// Sets a new password through a mailed link: the link must be unused and less than an hour old; the
/// password follows the sign-up rules. Spending the link, changing the hash and revoking every session of
/// the account happen in one transaction.
public struct ResetPassword: Sendable {
    public var tokenHash: String
    public var password: String

    public init(tokenHash: String, password: String) { self.tokenHash = tokenHash; self.password = password }

    /// `.done(.reset)` on success, `.done(.used/.expired/.unknown)` for a link that cannot be used,
    /// `.invalid` (field `password`) for a password the sign-up would refuse (the link is not spent).
    public func run(_ ctx: CommandContext) async throws -> Outcome<PasswordResetUse> {
        let now = ctx.clock.now()
        guard let link = try await ctx.store.passwordReset(tokenHash: tokenHash) else { return .done(.unknown) }
        if link.usedAt != nil || link.expiresAt <= now { return .done(link.refusal(at: now)) }
        var errors: [FieldError] = []
        Validate.password(password, errors: &errors)
        guard errors.isEmpty else { return .invalid(errors) }
        let hash = await ctx.hasher.hash(password)
        return .done(try await ctx.store.usePasswordReset(tokenHash: tokenHash, passwordHash: hash, at: now))
    }
}
