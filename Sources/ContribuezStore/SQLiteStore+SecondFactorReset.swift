import ContribuezCore
import Foundation
import GRDB

/// An admin's reset of a lost second factor (issue 13); PostgresStore+SecondFactorReset.swift is the twin.
extension SQLiteStore {
    public func resetSecondFactor(participantID: ID, audit: AuditEntry) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM second_factors WHERE participant_id = ?", arguments: [participantID])
            guard db.changesCount == 1 else { return false }
            try db.execute(sql: "DELETE FROM recovery_codes WHERE participant_id = ?", arguments: [participantID])
            try db.execute(sql: "DELETE FROM sessions WHERE participant_id = ?", arguments: [participantID])
            try Self.appendAudit(db, audit)
            return true
        }
    }
}
