import ContribuezCore
import ContribuezStore
import Foundation
import Testing

/// Abuse resistance in the store (issue 13): password reset links. On both backends.
@Suite("Abuse store")
struct AbuseStoreTests {
    static func mail(_ to: String) -> NewMail {
        NewMail(to: to, subject: "Réinitialisation", text: "Lien : https://example.org/mot-de-passe/x", kind: "password_reset")
    }

    @Test("a reset link is stored by its hash with its mail; using it sets the password, spends every link of the account and revokes its sessions", arguments: Backend.all)
    func resetSpendsAndRevokes(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let t = Fixture.t0
        try await f.store.createPasswordReset(tokenHash: "h1", participantID: f.alice.id, createdAt: t, expiresAt: t + 3600, mail: Self.mail("alice@example.fr"))
        try await f.store.createPasswordReset(tokenHash: "h2", participantID: f.alice.id, createdAt: t + 10, expiresAt: t + 3610, mail: Self.mail("alice@example.fr"))
        try await f.store.createSession(tokenHash: "alice-1", participantID: f.alice.id, csrfToken: "c1", createdAt: t, expiresAt: t + 7200)
        try await f.store.createSession(tokenHash: "alice-2", participantID: f.alice.id, csrfToken: "c2", createdAt: t, expiresAt: t + 7200)
        try await f.store.createSession(tokenHash: "bob-1", participantID: f.bob.id, csrfToken: "c3", createdAt: t, expiresAt: t + 7200)
        #expect(try await f.store.passwordResetsCreated(participantID: f.alice.id, since: t - 1) == 2)
        #expect(try await f.store.passwordResetsCreated(participantID: f.alice.id, since: t + 5) == 1)
        #expect(try await f.store.passwordReset(tokenHash: "h1") == PasswordResetLink(participantID: f.alice.id, createdAt: t, expiresAt: t + 3600, usedAt: nil))
        let queued = try await f.store.dueMails(at: t + 10, limit: 10)
        #expect(queued.map(\.kind) == ["password_reset", "password_reset"])
        #expect(queued.allSatisfy { $0.to == "alice@example.fr" })
        // act
        let use = try await f.store.usePasswordReset(tokenHash: "h1", passwordHash: "new-hash", at: t + 60)
        // check
        #expect(use == .reset(participantID: f.alice.id))
        #expect(try await f.store.credentials(email: "alice@example.fr")?.passwordHash == "new-hash")
        #expect(try await f.store.credentials(email: "bob@example.fr")?.passwordHash == "h")
        #expect(try await f.store.session(tokenHash: "alice-1", at: t + 60) == nil)
        #expect(try await f.store.session(tokenHash: "alice-2", at: t + 60) == nil)
        #expect(try await f.store.session(tokenHash: "bob-1", at: t + 60) != nil, "another account's session stays")
        #expect(try await f.store.passwordReset(tokenHash: "h1")?.usedAt == t + 60)
        #expect(try await f.store.passwordReset(tokenHash: "h2")?.usedAt == t + 60, "the account's other link is spent too")
        #expect(try await f.store.usePasswordReset(tokenHash: "h1", passwordHash: "again", at: t + 70) == .used)
        #expect(try await f.store.usePasswordReset(tokenHash: "h2", passwordHash: "again", at: t + 70) == .used)
        #expect(try await f.store.credentials(email: "alice@example.fr")?.passwordHash == "new-hash")
    }

    @Test("an expired or unknown link changes nothing", arguments: Backend.all)
    func expiredOrUnknown(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let t = Fixture.t0
        try await f.store.createPasswordReset(tokenHash: "old", participantID: f.bob.id, createdAt: t, expiresAt: t + 3600, mail: Self.mail("bob@example.fr"))
        try await f.store.createSession(tokenHash: "bob-1", participantID: f.bob.id, csrfToken: "c", createdAt: t, expiresAt: t + 86_400)
        // act
        let late = try await f.store.usePasswordReset(tokenHash: "old", passwordHash: "x", at: t + 3600)
        let unknown = try await f.store.usePasswordReset(tokenHash: "nope", passwordHash: "x", at: t)
        // check
        #expect(late == .expired)
        #expect(unknown == .unknown)
        #expect(try await f.store.passwordReset(tokenHash: "old")?.usedAt == nil)
        #expect(try await f.store.passwordReset(tokenHash: "nope") == nil)
        #expect(try await f.store.credentials(email: "bob@example.fr")?.passwordHash == "h")
        #expect(try await f.store.session(tokenHash: "bob-1", at: t + 3600) != nil)
    }

    @Test("of concurrent uses of one link exactly one resets the password", arguments: Backend.all)
    func concurrentUses(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let t = Fixture.t0
        try await f.store.createPasswordReset(tokenHash: "race", participantID: f.alice.id, createdAt: t, expiresAt: t + 3600, mail: Self.mail("alice@example.fr"))
        // act
        let uses = try await withThrowingTaskGroup(of: PasswordResetUse.self) { group in
            for i in 0..<8 {
                group.addTask { try await f.store.usePasswordReset(tokenHash: "race", passwordHash: "hash-\(i)", at: t + 1) }
            }
            return try await group.reduce(into: [PasswordResetUse]()) { $0.append($1) }
        }
        // check
        #expect(uses.filter { $0 == .reset(participantID: f.alice.id) }.count == 1)
        #expect(uses.filter { $0 == .used }.count == 7)
    }

    @Test("a server secret is drawn once: later candidates, from this store or a second one on the same database, get the first value", arguments: Backend.all)
    func serverSecret(_ backend: Backend) async throws {
        // setup
        let store = try await backend.make()
        // act
        let first = try await store.serverSecret(name: "form-stamp", candidate: "aaa", at: Fixture.t0)
        let second = try await store.serverSecret(name: "form-stamp", candidate: "bbb", at: Fixture.t0 + 1)
        let other = try await store.serverSecret(name: "other", candidate: "ccc", at: Fixture.t0)
        let raced = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<6 { group.addTask { try await store.serverSecret(name: "raced", candidate: "r\(i)", at: Fixture.t0) } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        // check
        #expect(first == "aaa")
        #expect(second == "aaa")
        #expect(other == "ccc")
        #expect(raced.count == 1)
    }
}
