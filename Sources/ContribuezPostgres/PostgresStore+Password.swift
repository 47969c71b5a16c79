import ContribuezCore
import Foundation
import PostgresNIO

/// Changing one's password, as the SQLite adapter does (SQLiteStore+Password.swift).
extension PostgresStore {
    public func changePassword(participantID: ID, passwordHash: String, keepingSession tokenHash: String?) async throws -> Bool {
        try await write { c in
            let changed = try await c.run(
                "UPDATE participants SET password_hash = \(passwordHash) WHERE id = \(participantID) AND password_hash IS NOT NULL RETURNING 1")
            guard changed == 1 else { return false }
            try await c.run("DELETE FROM sessions WHERE participant_id = \(participantID) AND token_hash <> \(tokenHash ?? "")")
            return true
        }
    }
}
