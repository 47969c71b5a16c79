import ContribuezCore
import ContribuezStore
import Foundation
import PostgresNIO

/// Second factors and recovery codes (issue 13); see the SQLite adapter's twin.
extension PostgresStore {
    public func secondFactor(participantID: ID) async throws -> SecondFactorRecord? {
        try await single { c in
            try await c.one(
                """
                SELECT f.*, (SELECT COUNT(*) FROM recovery_codes r WHERE r.participant_id = f.participant_id AND r.used_at IS NULL) AS codes_left
                FROM second_factors f WHERE f.participant_id = \(participantID)
                """
            ).map { row in
                SecondFactorRecord(
                    secret: try keyring.unseal(row["secret"] as String, .secondFactorSecret), createdAt: PG.date(try row["created_at"]), confirmedAt: (try row["confirmed_at"] as Int64?).map(PG.date),
                    lastStep: try row["last_step"], recoveryCodesLeft: try row["codes_left"])
            }
        }
    }

    public func beginSecondFactor(participantID: ID, secret: String, at: Date) async throws -> Bool {
        let sealed = keyring.seal(secret, .secondFactorSecret)
        return try await write { c in
            try await c.run(
                """
                INSERT INTO second_factors (participant_id, secret, created_at) SELECT id, \(sealed), \(PG.ms(at)) FROM participants WHERE id = \(participantID)
                ON CONFLICT (participant_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, last_step = 0
                WHERE second_factors.confirmed_at IS NULL
                RETURNING 1
                """) == 1
        }
    }

    public func confirmSecondFactor(participantID: ID, step: Int64, recoveryCodeHashes: [String], tokenHash: String, at: Date) async throws -> Bool {
        try await write { c in
            let done = try await c.run(
                """
                UPDATE second_factors SET confirmed_at = \(PG.ms(at)), last_step = \(step)
                WHERE participant_id = \(participantID) AND confirmed_at IS NULL AND last_step < \(step) RETURNING 1
                """)
            guard done == 1 else { return false }
            try await Self.storeRecoveryCodes(c, participantID, recoveryCodeHashes)
            try await c.run("UPDATE sessions SET second_factor_at = \(PG.ms(at)) WHERE token_hash = \(tokenHash) AND participant_id = \(participantID)")
            return true
        }
    }

    static func storeRecoveryCodes(_ c: PostgresConnection, _ participantID: ID, _ hashes: [String]) async throws {
        try await c.run("DELETE FROM recovery_codes WHERE participant_id = \(participantID)")
        for hash in hashes {
            try await c.run("INSERT INTO recovery_codes (participant_id, code_hash) VALUES (\(participantID), \(hash))")
        }
    }

    public func useSecondFactorStep(participantID: ID, step: Int64, tokenHash: String, at: Date) async throws -> Bool {
        try await write { c in
            let done = try await c.run(
                """
                UPDATE second_factors SET last_step = \(step)
                WHERE participant_id = \(participantID) AND confirmed_at IS NOT NULL AND last_step < \(step) RETURNING 1
                """)
            guard done == 1 else { return false }
            try await c.run("UPDATE sessions SET second_factor_at = \(PG.ms(at)) WHERE token_hash = \(tokenHash) AND participant_id = \(participantID)")
            return true
        }
    }

    public func useRecoveryCode(participantID: ID, codeHash: String, tokenHash: String, at: Date) async throws -> Bool {
        try await write { c in
            let done = try await c.run(
                """
                UPDATE recovery_codes SET used_at = \(PG.ms(at))
                WHERE participant_id = \(participantID) AND code_hash = \(codeHash) AND used_at IS NULL
                  AND EXISTS (SELECT 1 FROM second_factors f WHERE f.participant_id = \(participantID) AND f.confirmed_at IS NOT NULL)
                RETURNING 1
                """)
            guard done == 1 else { return false }
            try await c.run("UPDATE sessions SET second_factor_at = \(PG.ms(at)) WHERE token_hash = \(tokenHash) AND participant_id = \(participantID)")
            return true
        }
    }

    public func replaceRecoveryCodes(participantID: ID, codeHashes: [String]) async throws -> Bool {
        try await write { c in
            guard try await c.count(
                "SELECT COUNT(*) FROM second_factors WHERE participant_id = \(participantID) AND confirmed_at IS NOT NULL") == 1
            else { return false }
            try await Self.storeRecoveryCodes(c, participantID, codeHashes)
            return true
        }
    }
}
