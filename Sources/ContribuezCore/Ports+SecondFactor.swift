import Foundation

/// A participant's TOTP second factor (issue 13), as stored: the shared secret (base32), whether it was
/// confirmed by a code computed from it, and the last time step accepted (a code is accepted once).
public struct SecondFactorRecord: Sendable, Equatable {
    public var secret: String
    public var createdAt: Date
    public var confirmedAt: Date?
    public var lastStep: Int64
    /// Recovery codes not used yet.
    public var recoveryCodesLeft: Int

    public init(secret: String, createdAt: Date, confirmedAt: Date?, lastStep: Int64, recoveryCodesLeft: Int) {
        self.secret = secret; self.createdAt = createdAt; self.confirmedAt = confirmedAt; self.lastStep = lastStep
        self.recoveryCodesLeft = recoveryCodesLeft
    }
}

/// Storage of second factors and recovery codes; a session records when its holder proved theirs.
public protocol SecondFactorStore: Sendable {
    func secondFactor(participantID: ID) async throws -> SecondFactorRecord?
    /// Stores a new unconfirmed secret, replacing an unconfirmed one. False when the participant has a confirmed
    /// factor (it must be reset first) or does not exist.
    func beginSecondFactor(participantID: ID, secret: String, at: Date) async throws -> Bool
    /// Confirms the unconfirmed secret with the step of a code computed from it and stores the recovery codes (by
    /// hash), in one transaction; marks the session `tokenHash` as verified. False when there is no unconfirmed
    /// secret.
    func confirmSecondFactor(participantID: ID, step: Int64, recoveryCodeHashes: [String], tokenHash: String, at: Date) async throws -> Bool
    /// Accepts a TOTP step for the confirmed factor when it is later than the last one accepted (so a code is
    /// used once, even by two requests at the same time), and marks the session verified. False otherwise.
    func useSecondFactorStep(participantID: ID, step: Int64, tokenHash: String, at: Date) async throws -> Bool
    /// Spends an unused recovery code and marks the session verified. False when there is none with that hash.
    func useRecoveryCode(participantID: ID, codeHash: String, tokenHash: String, at: Date) async throws -> Bool
    /// Replaces every recovery code of the confirmed factor.
    func replaceRecoveryCodes(participantID: ID, codeHashes: [String]) async throws -> Bool
    /// An admin's reset of a lost factor: deletes the factor (confirmed or not) and its recovery codes, ends every
    /// session of the participant and appends `audit`, in one transaction. False, and nothing changed, when the
    /// participant has no factor.
    func resetSecondFactor(participantID: ID, audit: AuditEntry) async throws -> Bool
}
