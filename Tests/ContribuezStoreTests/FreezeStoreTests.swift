import ContribuezCore
import ContribuezStore
import Foundation
import Testing

/// « Ce n'était pas moi », frozen accounts and sign-up networks in the store (issue 13). On both backends.
@Suite("Freeze store")
struct FreezeStoreTests {
    static func audit(_ action: AuditAction, _ id: ID, at: Date) -> AuditEntry {
        AuditEntry(consultationID: nil, actorID: nil, actorName: "test", action: action, targetKind: "participant", targetID: id, at: at)
    }

    @Test("a disavowal freezes once: sessions deleted, visible contributions hidden and remembered; lifting restores only those", arguments: Backend.all)
    func disavowAndLift(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let t = Fixture.t0
        let visible = try await f.argument("visible")
        let alreadyHidden = try await f.argument("déjà masqué", at: 1)
        _ = try await f.store.moderate(contributionID: alreadyHidden.id, action: .hide, reason: .spam, at: t, audit: Self.audit(.hide, alreadyHidden.id, at: t))
        let bobs = try await f.argument("de Bob", at: 2, author: f.bob)
        try await f.store.createDisavowal(tokenHash: "d1", participantID: f.alice.id, createdAt: t, expiresAt: t + 86_400,
                                          mail: NewMail(to: "alice@example.fr", subject: "Bienvenue", text: "lien", kind: "welcome"))
        try await f.store.createSession(tokenHash: "alice-1", participantID: f.alice.id, csrfToken: "c", createdAt: t, expiresAt: t + 7_200)
        // act
        let first = try await f.store.disavow(tokenHash: "d1", at: t + 60, audit: Self.audit(.freezeAccount, f.alice.id, at: t + 60))
        let second = try await f.store.disavow(tokenHash: "d1", at: t + 61, audit: Self.audit(.freezeAccount, f.alice.id, at: t + 61))
        let unknown = try await f.store.disavow(tokenHash: "nope", at: t + 61, audit: Self.audit(.freezeAccount, f.alice.id, at: t + 61))
        let freeze = try await f.store.accountFreeze(participantID: f.alice.id)
        let hiddenVisible = try await f.store.contribution(id: visible.id)?.isHidden
        let session = try await f.store.session(tokenHash: "alice-1", at: t + 60)
        let refreeze = try await f.store.freezeAccount(participantID: f.alice.id, origin: .moderator, reason: "x", by: nil, at: t + 62,
                                                        audit: Self.audit(.freezeAccount, f.alice.id, at: t + 62))
        let lifted = try await f.store.liftFreeze(participantID: f.alice.id, at: t + 120, audit: Self.audit(.unfreezeAccount, f.alice.id, at: t + 120))
        let liftedAgain = try await f.store.liftFreeze(participantID: f.alice.id, at: t + 121, audit: Self.audit(.unfreezeAccount, f.alice.id, at: t + 121))
        // check
        #expect(first == .frozen(participantID: f.alice.id) && second == .used && unknown == .unknown)
        #expect(freeze?.origin == .disavowed && freeze?.hiddenContributions == 1 && freeze?.displayName == "Alice")
        #expect(hiddenVisible == true && session == nil)
        #expect(!refreeze, "frozen once")
        #expect(lifted && !liftedAgain)
        #expect(try await f.store.contribution(id: visible.id)?.isHidden == false, "what the freeze hid is visible again")
        #expect(try await f.store.contribution(id: alreadyHidden.id)?.hidden?.reason == .spam, "what a moderator hid stays hidden")
        #expect(try await f.store.contribution(id: bobs.id)?.isHidden == false)
        #expect(try await f.store.accountFreeze(participantID: f.alice.id) == nil)
        let journal = try await f.store.auditEntries(consultationID: nil, page: PageRequest(page: 1, perPage: 50)).items.map(\.action)
        #expect(journal.filter { $0 == .freezeAccount }.count == 1 && journal.contains(.unfreezeAccount))
    }

    @Test("an expired link freezes nothing; concurrent uses freeze once", arguments: Backend.all)
    func expiredAndConcurrent(_ backend: Backend) async throws {
        let f = try await Fixture.make(backend)
        let t = Fixture.t0
        let mail = NewMail(to: "x@example.fr", subject: "s", text: "t", kind: "welcome")
        try await f.store.createDisavowal(tokenHash: "old", participantID: f.bob.id, createdAt: t, expiresAt: t + 10, mail: mail)
        try await f.store.createDisavowal(tokenHash: "d2", participantID: f.alice.id, createdAt: t, expiresAt: t + 86_400, mail: mail)
        // act
        let expired = try await f.store.disavow(tokenHash: "old", at: t + 11, audit: Self.audit(.freezeAccount, f.bob.id, at: t + 11))
        let uses = try await withThrowingTaskGroup(of: DisavowalUse.self) { group in
            for _ in 0..<8 { group.addTask { try await f.store.disavow(tokenHash: "d2", at: t + 20, audit: Self.audit(.freezeAccount, f.alice.id, at: t + 20)) } }
            var all: [DisavowalUse] = []
            for try await u in group { all.append(u) }
            return all
        }
        // check
        #expect(expired == .expired)
        #expect(try await f.store.accountFreeze(participantID: f.bob.id) == nil)
        #expect(uses.filter { $0 == .frozen(participantID: f.alice.id) }.count == 1 && uses.filter { $0 == .used }.count == 7)
        let frozen = try await f.store.frozenAccounts(page: PageRequest(page: 1, perPage: 10))
        #expect(frozen.total == 1 && frozen.items.map(\.participantID) == [f.alice.id])
    }

    @Test("sign-up networks: bursts at the threshold since a time, counted per network, old rows purged", arguments: Backend.all)
    func bursts(_ backend: Backend) async throws {
        let f = try await Fixture.make(backend)
        let t = Fixture.t0
        var ids: [ID] = []
        for i in 0..<5 {
            let p = try await f.store.createParticipant(
                NewParticipant(email: "n\(i)@example.fr", displayName: "N\(i)", kind: .citizen, organization: nil, createdAt: t), passwordHash: "h")
            ids.append(p.id)
            try await f.store.recordSignUpNetwork(participantID: p.id, network: i < 3 ? "net-a" : "net-b", at: t + TimeInterval(i), purgeBefore: t - 86_400)
        }
        try await f.store.recordSignUpNetwork(participantID: f.alice.id, network: "net-b", at: t - 3_600, purgeBefore: t - 86_400)
        // act
        let three = try await f.store.signUpBursts(since: t - 1, minimum: 3, page: PageRequest(page: 1, perPage: 10))
        let two = try await f.store.signUpBursts(since: t - 1, minimum: 2, page: PageRequest(page: 1, perPage: 10))
        let older = try await f.store.signUpBursts(since: t - 7_200, minimum: 3, page: PageRequest(page: 1, perPage: 10))
        try await f.store.recordSignUpNetwork(participantID: f.bob.id, network: "net-c", at: t + 86_400, purgeBefore: t + 1)
        let afterPurge = try await f.store.signUpBursts(since: .distantPast, minimum: 1, page: PageRequest(page: 1, perPage: 10))
        // check
        #expect(three.total == 1 && three.items.first?.network == "net-a" && three.items.first?.count == 3)
        #expect(three.items.first?.accounts.map(\.participantID) == [ids[2], ids[1], ids[0]], "newest first")
        #expect(three.items.first?.first == t && three.items.first?.last == t + 2)
        #expect(two.items.map(\.network) == ["net-a", "net-b"])
        #expect(older.items.map(\.network).sorted() == ["net-a", "net-b"], "Alice's older sign-up counts over the longer period")
        #expect(afterPurge.items.map(\.count).reduce(0, +) == 5, "rows before the purge time are gone: \(afterPurge.items.map(\.count))")
    }
}
