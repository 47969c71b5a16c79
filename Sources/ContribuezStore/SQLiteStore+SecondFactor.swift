import ContribuezCore
import Foundation
import GRDB

/// Second factors and recovery codes (issue 13); PostgresStore+SecondFactor.swift is the twin.
extension SQLiteStore {
    public func secondFactor(participantID: ID) async throws -> SecondFactorRecord? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT f.*, (SELECT COUNT(*) FROM recovery_codes r WHERE r.participant_id = f.participant_id AND r.used_at IS NULL) AS codes_left
                    FROM second_factors f WHERE f.participant_id = ?
                    """,
                arguments: [participantID]
            ).map { row in
                SecondFactorRecord(
                    secret: try keyring.unseal(row["secret"] as String, .secondFactorSecret), createdAt: SQL.date(row["created_at"]), confirmedAt: (row["confirmed_at"] as Int64?).map(SQL.date),
                    lastStep: row["last_step"], recoveryCodesLeft: row["codes_left"])
            }
        }
    }

    public func beginSecondFactor(participantID: ID, secret: String, at: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO second_factors (participant_id, secret, created_at) SELECT id, ?, ? FROM participants WHERE id = ?
                    ON CONFLICT (participant_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, last_step = 0
                    WHERE second_factors.confirmed_at IS NULL
                    """,
                arguments: [keyring.seal(secret, .secondFactorSecret), SQL.ms(at), participantID])
            return db.changesCount == 1
        }
    }

    public func confirmSecondFactor(participantID: ID, step: Int64, recoveryCodeHashes: [String], tokenHash: String, at: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE second_factors SET confirmed_at = ?, last_step = ? WHERE participant_id = ? AND confirmed_at IS NULL AND last_step < ?",
                arguments: [SQL.ms(at), step, participantID, step])
            guard db.changesCount == 1 else { return false }
            try Self.storeRecoveryCodes(db, participantID, recoveryCodeHashes)
            try db.execute(sql: "UPDATE sessions SET second_factor_at = ? WHERE token_hash = ? AND participant_id = ?", arguments: [SQL.ms(at), tokenHash, participantID])
            return true
        }
    }

    static func storeRecoveryCodes(_ db: Database, _ participantID: ID, _ hashes: [String]) throws {
        try db.execute(sql: "DELETE FROM recovery_codes WHERE participant_id = ?", arguments: [participantID])
        for hash in hashes {
            try db.execute(sql: "INSERT INTO recovery_codes (participant_id, code_hash) VALUES (?, ?)", arguments: [participantID, hash])
        }
    }

    public func useSecondFactorStep(participantID: ID, step: Int64, tokenHash: String, at: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE second_factors SET last_step = ? WHERE participant_id = ? AND confirmed_at IS NOT NULL AND last_step < ?",
                arguments: [step, participantID, step])
            guard db.changesCount == 1 else { return false }
            try db.execute(sql: "UPDATE sessions SET second_factor_at = ? WHERE token_hash = ? AND participant_id = ?", arguments: [SQL.ms(at), tokenHash, participantID])
            return true
        }
    }

    public func useRecoveryCode(participantID: ID, codeHash: String, tokenHash: String, at: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE recovery_codes SET used_at = ? WHERE participant_id = ? AND code_hash = ? AND used_at IS NULL
                      AND EXISTS (SELECT 1 FROM second_factors f WHERE f.participant_id = ? AND f.confirmed_at IS NOT NULL)
                    """,
                arguments: [SQL.ms(at), participantID, codeHash, participantID])
            guard db.changesCount == 1 else { return false }
            try db.execute(sql: "UPDATE sessions SET second_factor_at = ? WHERE token_hash = ? AND participant_id = ?", arguments: [SQL.ms(at), tokenHash, participantID])
            return true
        }
    }

    public func replaceRecoveryCodes(participantID: ID, codeHashes: [String]) async throws -> Bool {
        try await pool.write { db in
            guard try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM second_factors WHERE participant_id = ? AND confirmed_at IS NOT NULL)", arguments: [participantID]) == true
            else { return false }
            try Self.storeRecoveryCodes(db, participantID, codeHashes)
            return true
        }
    }
}
