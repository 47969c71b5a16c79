import ContribuezCore
import Foundation
import PostgresNIO

/// An admin's reset of a lost second factor (issue 13); SQLiteStore+SecondFactorReset.swift is the twin.
extension PostgresStore {
    public func resetSecondFactor(participantID: ID, audit: AuditEntry) async throws -> Bool {
        try await write { c in
            guard try await c.run("DELETE FROM second_factors WHERE participant_id = \(participantID) RETURNING 1") == 1 else { return false }
            try await c.run("DELETE FROM recovery_codes WHERE participant_id = \(participantID)")
            try await c.run("DELETE FROM sessions WHERE participant_id = \(participantID)")
            try await Self.appendAudit(c, audit)
            return true
        }
    }
}
