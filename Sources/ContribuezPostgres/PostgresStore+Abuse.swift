import ContribuezCore
import ContribuezStore
import Foundation
import PostgresNIO

/// Abuse resistance (issue 13): password reset links; see the SQLite adapter's twin.
extension PostgresStore {
    public func createPasswordReset(tokenHash: String, participantID: ID, createdAt: Date, expiresAt: Date, mail: NewMail) async throws {
        try await write { c in
            try await c.run(
                """
                INSERT INTO password_resets (token_hash, participant_id, created_at, expires_at)
                VALUES (\(tokenHash), \(participantID), \(PG.ms(createdAt)), \(PG.ms(expiresAt)))
                """)
            _ = try await Self.insertOutbox(c, mail, at: createdAt, keyring.current)
        }
    }

    public func passwordResetsCreated(participantID: ID, since: Date) async throws -> Int {
        try await single { c in
            try await c.count("SELECT COUNT(*) FROM password_resets WHERE participant_id = \(participantID) AND created_at > \(PG.ms(since))")
        }
    }

    public func passwordReset(tokenHash: String) async throws -> PasswordResetLink? {
        try await single { c in
            try await c.one("SELECT * FROM password_resets WHERE token_hash = \(tokenHash)").map(Self.passwordResetLink)
        }
    }

    public func usePasswordReset(tokenHash: String, passwordHash: String, at: Date) async throws -> PasswordResetUse {
        try await write { c in
            // NB: one conditional UPDATE: of two concurrent uses, the second waits for the first's row lock,
            // then sees `used_at` set and changes nothing.
            let spent = try await c.run(
                """
                UPDATE password_resets SET used_at = \(PG.ms(at))
                WHERE token_hash = \(tokenHash) AND used_at IS NULL AND expires_at > \(PG.ms(at))
                RETURNING 1
                """)
            guard let row = try await c.one("SELECT * FROM password_resets WHERE token_hash = \(tokenHash)") else { return .unknown }
            let link = try Self.passwordResetLink(row)
            guard spent == 1 else { return link.refusal(at: at) }
            try await c.run(
                "UPDATE password_resets SET used_at = \(PG.ms(at)) WHERE participant_id = \(link.participantID) AND used_at IS NULL")
            try await c.run(
                "UPDATE participants SET password_hash = \(passwordHash) WHERE id = \(link.participantID) AND password_hash IS NOT NULL")
            try await c.run("DELETE FROM sessions WHERE participant_id = \(link.participantID)")
            return .reset(participantID: link.participantID)
        }
    }

    public func serverSecret(name: String, candidate: String, at: Date) async throws -> String {
        try await write { c in
            try await c.run("INSERT INTO server_secrets (name, value, created_at) VALUES (\(name), \(candidate), \(PG.ms(at))) ON CONFLICT (name) DO NOTHING")
            return try await c.scalar("SELECT value FROM server_secrets WHERE name = \(name)", as: String.self) ?? candidate
        }
    }

    static func passwordResetLink(_ row: PGRow) throws -> PasswordResetLink {
        PasswordResetLink(
            participantID: try row["participant_id"], createdAt: PG.date(try row["created_at"]), expiresAt: PG.date(try row["expires_at"]),
            usedAt: (try row["used_at"] as Int64?).map(PG.date))
    }
}

/// « Ce n'était pas moi », frozen accounts and sign-up networks (issue 13); see the SQLite adapter's twin.
extension PostgresStore {
    public func createDisavowal(tokenHash: String, participantID: ID, createdAt: Date, expiresAt: Date, mail: NewMail) async throws {
        try await write { c in
            try await c.run(
                """
                INSERT INTO account_disavowals (token_hash, participant_id, created_at, expires_at)
                VALUES (\(tokenHash), \(participantID), \(PG.ms(createdAt)), \(PG.ms(expiresAt)))
                """)
            _ = try await Self.insertOutbox(c, mail, at: createdAt, keyring.current)
        }
    }

    public func disavowal(tokenHash: String) async throws -> DisavowalLink? {
        try await single { c in
            try await c.one("SELECT * FROM account_disavowals WHERE token_hash = \(tokenHash)").map { row in
                DisavowalLink(
                    participantID: try row["participant_id"], createdAt: PG.date(try row["created_at"]), expiresAt: PG.date(try row["expires_at"]),
                    usedAt: (try row["used_at"] as Int64?).map(PG.date))
            }
        }
    }

    public func disavow(tokenHash: String, at: Date, audit: AuditEntry) async throws -> DisavowalUse {
        try await write { c in
            // NB: one conditional UPDATE: of two concurrent uses, the second waits for the row lock, then changes nothing.
            let spent = try await c.run(
                """
                UPDATE account_disavowals SET used_at = \(PG.ms(at))
                WHERE token_hash = \(tokenHash) AND used_at IS NULL AND expires_at > \(PG.ms(at))
                RETURNING 1
                """)
            guard let row = try await c.one("SELECT participant_id, expires_at FROM account_disavowals WHERE token_hash = \(tokenHash)")
            else { return .unknown }
            guard spent == 1 else { return PG.date(try row["expires_at"]) <= at ? .expired : .used }
            let participantID: ID = try row["participant_id"]
            _ = try await Self.freeze(c, participantID: participantID, origin: .disavowed, reason: "", by: nil, at: at, audit: audit)
            return .frozen(participantID: participantID)
        }
    }

    public func freezeAccount(participantID: ID, origin: AccountFreeze.Origin, reason: String, by: ID?, at: Date, audit: AuditEntry) async throws -> Bool {
        try await write { c in try await Self.freeze(c, participantID: participantID, origin: origin, reason: reason, by: by, at: at, audit: audit) }
    }

    static func freeze(
        _ c: PostgresConnection, participantID: ID, origin: AccountFreeze.Origin, reason: String, by: ID?, at: Date, audit: AuditEntry
    ) async throws -> Bool {
        let inserted = try await c.run(
            """
            INSERT INTO account_freezes (participant_id, origin, reason, frozen_by, frozen_at)
            SELECT id, \(origin.rawValue), \(reason), \(by), \(PG.ms(at)) FROM participants WHERE id = \(participantID)
            ON CONFLICT (participant_id) DO NOTHING
            RETURNING 1
            """)
        guard inserted == 1 else { return false }
        let ids: [ID] = try await c.rows(
            "SELECT id FROM contributions WHERE author_id = \(participantID) AND status = 'published' AND is_hidden = 0 ORDER BY id"
        ).map { try $0["id"] }
        for id in ids {
            try await c.run(
                "UPDATE contributions SET is_hidden = 1, hidden_at = \(PG.ms(at)), hidden_reason = 'other', hidden_by_reports = 0 WHERE id = \(id)")
            try await c.run("INSERT INTO freeze_hidden (participant_id, contribution_id) VALUES (\(participantID), \(id))")
            try await event(c, id, "hidden", at)
        }
        try await c.run("DELETE FROM sessions WHERE participant_id = \(participantID)")
        try await appendAudit(c, audit)
        return true
    }

    public func liftFreeze(participantID: ID, at: Date, audit: AuditEntry) async throws -> Bool {
        try await write { c in
            guard let frozenAt = try await c.scalar("SELECT frozen_at FROM account_freezes WHERE participant_id = \(participantID) FOR UPDATE", as: Int64.self)
            else { return false }
            let ids: [ID] = try await c.rows(
                """
                SELECT c.id FROM freeze_hidden f JOIN contributions c ON c.id = f.contribution_id
                WHERE f.participant_id = \(participantID) AND c.is_hidden = 1 AND c.status = 'published' AND c.hidden_reason = 'other'
                  AND c.hidden_by_reports = 0 AND c.hidden_at = \(frozenAt)
                ORDER BY c.id
                """
            ).map { try $0["id"] }
            for id in ids {
                try await c.run("UPDATE contributions SET is_hidden = 0, hidden_at = NULL, hidden_reason = NULL, hidden_by_reports = 0 WHERE id = \(id)")
                try await Self.event(c, id, "restored", at)
            }
            try await c.run("DELETE FROM account_freezes WHERE participant_id = \(participantID)")
            try await Self.appendAudit(c, audit)
            return true
        }
    }

    static let freezeColumns = """
        SELECT f.participant_id, f.origin, f.reason, f.frozen_at, p.display_name, p.created_at AS account_created_at,
               (SELECT COUNT(*) FROM freeze_hidden h WHERE h.participant_id = f.participant_id) AS hidden
        FROM account_freezes f JOIN participants p ON p.id = f.participant_id
        """

    static func accountFreeze(_ row: PGRow) throws -> AccountFreeze {
        AccountFreeze(
            participantID: try row["participant_id"], displayName: try row["display_name"], accountCreatedAt: PG.date(try row["account_created_at"]),
            origin: AccountFreeze.Origin(rawValue: try row["origin"]) ?? .moderator, reason: try row["reason"], frozenAt: PG.date(try row["frozen_at"]),
            hiddenContributions: try row["hidden"])
    }

    public func accountFreeze(participantID: ID) async throws -> AccountFreeze? {
        try await single { c in
            var text = SQLText(Self.freezeColumns)
            text.sql += " WHERE f.participant_id = \(text.bind(participantID))"
            return try await c.one(text.query).map(Self.accountFreeze)
        }
    }

    public func frozenAccounts(page: PageRequest) async throws -> Page<AccountFreeze> {
        try await read { c in
            let total = try await c.count("SELECT COUNT(*) FROM account_freezes")
            var text = SQLText(Self.freezeColumns)
            text.sql += " ORDER BY f.frozen_at, f.participant_id LIMIT \(text.bind(page.perPage)) OFFSET \(text.bind(page.offset))"
            let items = try await c.rows(text.query).map(Self.accountFreeze)
            return Page(items: items, page: page.page, perPage: page.perPage, total: total)
        }
    }

    public func recordSignUpNetwork(participantID: ID, network: String, at: Date, purgeBefore: Date) async throws {
        try await write { c in
            try await c.run(
                """
                INSERT INTO sign_up_networks (participant_id, network, created_at) VALUES (\(participantID), \(network), \(PG.ms(at)))
                ON CONFLICT (participant_id) DO NOTHING
                """)
            try await c.run("DELETE FROM sign_up_networks WHERE created_at < \(PG.ms(purgeBefore))")
        }
    }

    public func signUpBursts(since: Date, minimum: Int, page: PageRequest) async throws -> Page<SignUpBurst> {
        try await read { c in
            let total = try await c.count(
                """
                SELECT COUNT(*) FROM (SELECT network FROM sign_up_networks WHERE created_at >= \(PG.ms(since))
                GROUP BY network HAVING COUNT(*) >= \(minimum)) AS bursts
                """)
            let rows = try await c.rows(
                """
                SELECT network, COUNT(*) AS n, MIN(created_at) AS first, MAX(created_at) AS last
                FROM sign_up_networks WHERE created_at >= \(PG.ms(since))
                GROUP BY network HAVING COUNT(*) >= \(minimum)
                ORDER BY n DESC, last DESC, network COLLATE "C" LIMIT \(page.perPage) OFFSET \(page.offset)
                """)
            var items: [SignUpBurst] = []
            for row in rows {
                let network: String = try row["network"]
                let accounts = try await c.rows(
                    """
                    SELECT p.id, p.display_name, s.created_at,
                           EXISTS (SELECT 1 FROM account_freezes f WHERE f.participant_id = p.id) AS frozen
                    FROM sign_up_networks s JOIN participants p ON p.id = s.participant_id
                    WHERE s.network = \(network) AND s.created_at >= \(PG.ms(since))
                    ORDER BY s.created_at DESC, p.id DESC LIMIT \(SignUpBurst.accountsShown)
                    """
                ).map { a in
                    SignUpBurst.Account(
                        participantID: try a["id"], displayName: try a["display_name"], createdAt: PG.date(try a["created_at"]), frozen: try a["frozen"])
                }
                items.append(SignUpBurst(
                    network: network, count: try row["n"], first: PG.date(try row["first"]), last: PG.date(try row["last"]), accounts: accounts))
            }
            return Page(items: items, page: page.page, perPage: page.perPage, total: total)
        }
    }
}
