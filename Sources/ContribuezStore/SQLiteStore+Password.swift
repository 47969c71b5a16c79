import ContribuezCore
import Foundation
import GRDB

/// Changing one's password (PasswordStore): the hash and the end of the other sessions in one transaction.
extension SQLiteStore {
    public func changePassword(participantID: ID, passwordHash: String, keepingSession tokenHash: String?) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE participants SET password_hash = ? WHERE id = ? AND password_hash IS NOT NULL",
                arguments: [passwordHash, participantID])
            guard db.changesCount == 1 else { return false }
            try db.execute(
                sql: "DELETE FROM sessions WHERE participant_id = ? AND token_hash <> ?",
                arguments: [participantID, tokenHash ?? ""])
            return true
        }
    }
}
