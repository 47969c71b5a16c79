import ContribuezCore
import Foundation
import GRDB

/// Abuse resistance (issue 13): password reset links.
extension SQLiteStore {
    public func createPasswordReset(tokenHash: String, participantID: ID, createdAt: Date, expiresAt: Date, mail: NewMail) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO password_resets (token_hash, participant_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [tokenHash, participantID, SQL.ms(createdAt), SQL.ms(expiresAt)])
            try db.execute(
                sql: """
                    INSERT INTO mail_outbox (recipient, subject, body, unsubscribe_url, kind, created_at, next_attempt_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: Self.outboxArguments(mail, at: createdAt, keyring.current))
        }
    }

    public func passwordResetsCreated(participantID: ID, since: Date) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db, cachedSQL: "SELECT COUNT(*) FROM password_resets WHERE participant_id = ? AND created_at > ?",
                arguments: [participantID, SQL.ms(since)]) ?? 0
        }
    }

    public func passwordReset(tokenHash: String) async throws -> PasswordResetLink? {
        try await pool.read { db in
            try Row.fetchOne(db, cachedSQL: "SELECT * FROM password_resets WHERE token_hash = ?", arguments: [tokenHash]).map(Self.passwordResetLink)
        }
    }

    public func usePasswordReset(tokenHash: String, passwordHash: String, at: Date) async throws -> PasswordResetUse {
        try await pool.write { db in
            // NB: one conditional UPDATE: of two concurrent uses only one changes the row.
            try db.execute(
                sql: "UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
                arguments: [SQL.ms(at), tokenHash, SQL.ms(at)])
            guard let link = try Row.fetchOne(db, cachedSQL: "SELECT * FROM password_resets WHERE token_hash = ?", arguments: [tokenHash])
                .map(Self.passwordResetLink) else { return .unknown }
            guard db.changesCount == 1 else { return link.refusal(at: at) }
            try db.execute(
                sql: "UPDATE password_resets SET used_at = ? WHERE participant_id = ? AND used_at IS NULL",
                arguments: [SQL.ms(at), link.participantID])
            try db.execute(
                sql: "UPDATE participants SET password_hash = ? WHERE id = ? AND password_hash IS NOT NULL",
                arguments: [passwordHash, link.participantID])
            try db.execute(sql: "DELETE FROM sessions WHERE participant_id = ?", arguments: [link.participantID])
            return .reset(participantID: link.participantID)
        }
    }

    public func serverSecret(name: String, candidate: String, at: Date) async throws -> String {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO server_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                arguments: [name, candidate, SQL.ms(at)])
            return try String.fetchOne(db, sql: "SELECT value FROM server_secrets WHERE name = ?", arguments: [name]) ?? candidate
        }
    }

    static func passwordResetLink(_ row: Row) -> PasswordResetLink {
        PasswordResetLink(
            participantID: row["participant_id"], createdAt: SQL.date(row["created_at"]), expiresAt: SQL.date(row["expires_at"]),
            usedAt: (row["used_at"] as Int64?).map(SQL.date))
    }
}

/// « Ce n'était pas moi », frozen accounts and sign-up networks (issue 13); PostgresStore+Abuse.swift is the twin.
extension SQLiteStore {
    public func createDisavowal(tokenHash: String, participantID: ID, createdAt: Date, expiresAt: Date, mail: NewMail) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO account_disavowals (token_hash, participant_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [tokenHash, participantID, SQL.ms(createdAt), SQL.ms(expiresAt)])
            try db.execute(
                sql: """
                    INSERT INTO mail_outbox (recipient, subject, body, unsubscribe_url, kind, created_at, next_attempt_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: Self.outboxArguments(mail, at: createdAt, keyring.current))
        }
    }

    public func disavowal(tokenHash: String) async throws -> DisavowalLink? {
        try await pool.read { db in
            try Row.fetchOne(db, cachedSQL: "SELECT * FROM account_disavowals WHERE token_hash = ?", arguments: [tokenHash]).map { row in
                DisavowalLink(
                    participantID: row["participant_id"], createdAt: SQL.date(row["created_at"]), expiresAt: SQL.date(row["expires_at"]),
                    usedAt: (row["used_at"] as Int64?).map(SQL.date))
            }
        }
    }

    public func disavow(tokenHash: String, at: Date, audit: AuditEntry) async throws -> DisavowalUse {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE account_disavowals SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
                arguments: [SQL.ms(at), tokenHash, SQL.ms(at)])
            let spent = db.changesCount == 1
            guard let row = try Row.fetchOne(db, sql: "SELECT participant_id, expires_at FROM account_disavowals WHERE token_hash = ?", arguments: [tokenHash])
            else { return .unknown }
            guard spent else { return SQL.date(row["expires_at"]) <= at ? .expired : .used }
            let participantID: ID = row["participant_id"]
            _ = try Self.freeze(db, participantID: participantID, origin: .disavowed, reason: "", by: nil, at: at, audit: audit)
            return .frozen(participantID: participantID)
        }
    }

    public func freezeAccount(participantID: ID, origin: AccountFreeze.Origin, reason: String, by: ID?, at: Date, audit: AuditEntry) async throws -> Bool {
        try await pool.write { db in try Self.freeze(db, participantID: participantID, origin: origin, reason: reason, by: by, at: at, audit: audit) }
    }

    static func freeze(_ db: Database, participantID: ID, origin: AccountFreeze.Origin, reason: String, by: ID?, at: Date, audit: AuditEntry) throws -> Bool {
        try db.execute(
            sql: """
                INSERT INTO account_freezes (participant_id, origin, reason, frozen_by, frozen_at)
                SELECT id, ?, ?, ?, ? FROM participants WHERE id = ?
                ON CONFLICT (participant_id) DO NOTHING
                """,
            arguments: [origin.rawValue, reason, by, SQL.ms(at), participantID])
        guard db.changesCount == 1 else { return false }
        let ids = try ID.fetchAll(
            db, sql: "SELECT id FROM contributions WHERE author_id = ? AND status = 'published' AND is_hidden = 0 ORDER BY id", arguments: [participantID])
        for id in ids {
            try db.execute(
                sql: "UPDATE contributions SET is_hidden = 1, hidden_at = ?, hidden_reason = 'other', hidden_by_reports = 0 WHERE id = ?",
                arguments: [SQL.ms(at), id])
            try db.execute(sql: "INSERT INTO freeze_hidden (participant_id, contribution_id) VALUES (?, ?)", arguments: [participantID, id])
            try event(db, id, "hidden", at)
        }
        try db.execute(sql: "DELETE FROM sessions WHERE participant_id = ?", arguments: [participantID])
        try appendAudit(db, audit)
        return true
    }

    public func liftFreeze(participantID: ID, at: Date, audit: AuditEntry) async throws -> Bool {
        try await pool.write { db in
            guard let frozenAt = try Int64.fetchOne(db, sql: "SELECT frozen_at FROM account_freezes WHERE participant_id = ?", arguments: [participantID])
            else { return false }
            // Only what the freeze hid and nobody hid otherwise since (a moderator's hiding changes the reason or the time).
            let ids = try ID.fetchAll(
                db,
                sql: """
                    SELECT c.id FROM freeze_hidden f JOIN contributions c ON c.id = f.contribution_id
                    WHERE f.participant_id = ? AND c.is_hidden = 1 AND c.status = 'published' AND c.hidden_reason = 'other'
                      AND c.hidden_by_reports = 0 AND c.hidden_at = ?
                    ORDER BY c.id
                    """,
                arguments: [participantID, frozenAt])
            for id in ids {
                try db.execute(
                    sql: "UPDATE contributions SET is_hidden = 0, hidden_at = NULL, hidden_reason = NULL, hidden_by_reports = 0 WHERE id = ?",
                    arguments: [id])
                try Self.event(db, id, "restored", at)
            }
            try db.execute(sql: "DELETE FROM account_freezes WHERE participant_id = ?", arguments: [participantID])
            try Self.appendAudit(db, audit)
            return true
        }
    }

    static let freezeColumns = """
        SELECT f.participant_id, f.origin, f.reason, f.frozen_at, p.display_name, p.created_at AS account_created_at,
               (SELECT COUNT(*) FROM freeze_hidden h WHERE h.participant_id = f.participant_id) AS hidden
        FROM account_freezes f JOIN participants p ON p.id = f.participant_id
        """

    static func accountFreeze(_ row: Row) -> AccountFreeze {
        AccountFreeze(
            participantID: row["participant_id"], displayName: row["display_name"], accountCreatedAt: SQL.date(row["account_created_at"]),
            origin: AccountFreeze.Origin(rawValue: row["origin"]) ?? .moderator, reason: row["reason"], frozenAt: SQL.date(row["frozen_at"]),
            hiddenContributions: row["hidden"])
    }

    public func accountFreeze(participantID: ID) async throws -> AccountFreeze? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: Self.freezeColumns + " WHERE f.participant_id = ?", arguments: [participantID]).map(Self.accountFreeze)
        }
    }

    public func frozenAccounts(page: PageRequest) async throws -> Page<AccountFreeze> {
        try await pool.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM account_freezes") ?? 0
            let items = try Row.fetchAll(
                db, sql: Self.freezeColumns + " ORDER BY f.frozen_at, f.participant_id LIMIT ? OFFSET ?", arguments: [page.perPage, page.offset]
            ).map(Self.accountFreeze)
            return Page(items: items, page: page.page, perPage: page.perPage, total: total)
        }
    }

    public func recordSignUpNetwork(participantID: ID, network: String, at: Date, purgeBefore: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO sign_up_networks (participant_id, network, created_at) VALUES (?, ?, ?) ON CONFLICT (participant_id) DO NOTHING",
                arguments: [participantID, network, SQL.ms(at)])
            try db.execute(sql: "DELETE FROM sign_up_networks WHERE created_at < ?", arguments: [SQL.ms(purgeBefore)])
        }
    }

    public func signUpBursts(since: Date, minimum: Int, page: PageRequest) async throws -> Page<SignUpBurst> {
        try await pool.read { db in
            let grouped = "FROM sign_up_networks WHERE created_at >= ? GROUP BY network HAVING COUNT(*) >= ?"
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (SELECT network " + grouped + ")", arguments: [SQL.ms(since), minimum]) ?? 0
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT network, COUNT(*) AS n, MIN(created_at) AS first, MAX(created_at) AS last " + grouped
                    + " ORDER BY n DESC, last DESC, network LIMIT ? OFFSET ?",
                arguments: [SQL.ms(since), minimum, page.perPage, page.offset])
            let items = try rows.map { row -> SignUpBurst in
                let network: String = row["network"]
                let accounts = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT p.id, p.display_name, s.created_at,
                               EXISTS (SELECT 1 FROM account_freezes f WHERE f.participant_id = p.id) AS frozen
                        FROM sign_up_networks s JOIN participants p ON p.id = s.participant_id
                        WHERE s.network = ? AND s.created_at >= ?
                        ORDER BY s.created_at DESC, p.id DESC LIMIT ?
                        """,
                    arguments: [network, SQL.ms(since), SignUpBurst.accountsShown]
                ).map { a in
                    SignUpBurst.Account(participantID: a["id"], displayName: a["display_name"], createdAt: SQL.date(a["created_at"]), frozen: a["frozen"])
                }
                return SignUpBurst(network: network, count: row["n"], first: SQL.date(row["first"]), last: SQL.date(row["last"]), accounts: accounts)
            }
            return Page(items: items, page: page.page, perPage: page.perPage, total: total)
        }
    }
}
