import Foundation

/// Abuse resistance (issue 13): password reset links, frozen accounts, sign-up bursts.
public protocol AbuseStore: Sendable {
    /// Stores a reset link (by the SHA-256 of its token only) and queues its mail, in one transaction.
    func createPasswordReset(tokenHash: String, participantID: ID, createdAt: Date, expiresAt: Date, mail: NewMail) async throws
    /// Reset links asked for the participant since `since` (each sent a mail).
    func passwordResetsCreated(participantID: ID, since: Date) async throws -> Int
    func passwordReset(tokenHash: String) async throws -> PasswordResetLink?
    /// Spends the link and sets the new password hash, in one transaction: the link is marked used (of two
    /// concurrent uses only one succeeds), the account's other unused links too, and every session of the
    /// account is deleted (whoever held one is signed out).
    func usePasswordReset(tokenHash: String, passwordHash: String, at: Date) async throws -> PasswordResetUse

    /// The secret stored under `name`; when there is none yet, `candidate` is stored and returned. Two nodes
    /// racing get the same value (the first insert wins).
    func serverSecret(name: String, candidate: String, at: Date) async throws -> String
}

/// A mailed password reset link: stored by the hash of its token only.
public struct PasswordResetLink: Sendable, Equatable {
    public var participantID: ID
    public var createdAt: Date
    public var expiresAt: Date
    public var usedAt: Date?

    public init(participantID: ID, createdAt: Date, expiresAt: Date, usedAt: Date?) {
        self.participantID = participantID; self.createdAt = createdAt; self.expiresAt = expiresAt; self.usedAt = usedAt
    }

    /// What using the link at `at` would give, when it was not spent.
    public func refusal(at: Date) -> PasswordResetUse {
        if usedAt != nil { return .used }
        if expiresAt <= at { return .expired }
        return .used
    }
}

/// What using a reset link gave.
public enum PasswordResetUse: Sendable, Equatable {
    /// The password was changed and the account's sessions revoked.
    case reset(participantID: ID)
    case used
    case expired
    case unknown
}
