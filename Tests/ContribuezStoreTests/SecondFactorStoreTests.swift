import ContribuezCore
import ContribuezStore
import Foundation
import Testing

/// Second factors in the store (issue 13). On both backends.
@Suite("Second factor store")
struct SecondFactorStoreTests {
    @Test("begin, confirm with codes, one use per step (concurrent uses too), recovery codes once, the session marked", arguments: Backend.all)
    func lifecycle(_ backend: Backend) async throws {
        let f = try await Fixture.make(backend)
        let t = Fixture.t0
        try await f.store.createSession(tokenHash: "alice-1", participantID: f.alice.id, csrfToken: "c", createdAt: t, expiresAt: t + 7_200)
        // act
        let none = try await f.store.secondFactor(participantID: f.alice.id)
        let begun = try await f.store.beginSecondFactor(participantID: f.alice.id, secret: "SECRETONE", at: t)
        let rebegun = try await f.store.beginSecondFactor(participantID: f.alice.id, secret: "SECRETTWO", at: t + 1)
        let unknown = try await f.store.beginSecondFactor(participantID: 987_654, secret: "X", at: t)
        let beforeConfirm = try await f.store.session(tokenHash: "alice-1", at: t + 2)
        let confirmed = try await f.store.confirmSecondFactor(participantID: f.alice.id, step: 100, recoveryCodeHashes: ["r1", "r2"], tokenHash: "alice-1", at: t + 2)
        let session = try await f.store.session(tokenHash: "alice-1", at: t + 3)
        let replaceActive = try await f.store.beginSecondFactor(participantID: f.alice.id, secret: "SECRETTHREE", at: t + 3)
        let sameStep = try await f.store.useSecondFactorStep(participantID: f.alice.id, step: 100, tokenHash: "alice-1", at: t + 4)
        let uses = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<6 { group.addTask { try await f.store.useSecondFactorStep(participantID: f.alice.id, step: 101, tokenHash: "alice-1", at: t + 5) } }
            var all: [Bool] = []
            for try await u in group { all.append(u) }
            return all
        }
        let recovery = try await f.store.useRecoveryCode(participantID: f.alice.id, codeHash: "r1", tokenHash: "alice-1", at: t + 6)
        let recoveryAgain = try await f.store.useRecoveryCode(participantID: f.alice.id, codeHash: "r1", tokenHash: "alice-1", at: t + 7)
        let bobsCode = try await f.store.useRecoveryCode(participantID: f.bob.id, codeHash: "r2", tokenHash: "alice-1", at: t + 7)
        let replaced = try await f.store.replaceRecoveryCodes(participantID: f.alice.id, codeHashes: ["n1", "n2", "n3"])
        let bobReplaced = try await f.store.replaceRecoveryCodes(participantID: f.bob.id, codeHashes: ["x"])
        let stored = try await f.store.secondFactor(participantID: f.alice.id)
        // check
        #expect(none == nil && begun && rebegun && !unknown)
        #expect(beforeConfirm?.hasSecondFactor == false && beforeConfirm?.awaitsSecondFactor == false)
        #expect(confirmed)
        #expect(session?.hasSecondFactor == true && session?.secondFactorAt == t + 2 && session?.awaitsSecondFactor == false)
        #expect(!replaceActive, "a confirmed factor is not replaced")
        #expect(!sameStep, "the confirming step cannot be used again")
        #expect(uses.filter { $0 }.count == 1, "one of concurrent uses of a step: \(uses)")
        #expect(recovery && !recoveryAgain && !bobsCode)
        #expect(replaced && !bobReplaced)
        #expect(stored?.secret == "SECRETTWO" && stored?.lastStep == 101 && stored?.recoveryCodesLeft == 3)
        try await f.store.createSession(tokenHash: "alice-2", participantID: f.alice.id, csrfToken: "c2", createdAt: t + 8, expiresAt: t + 7_200)
        #expect(try await f.store.session(tokenHash: "alice-2", at: t + 9)?.awaitsSecondFactor == true, "a new session awaits the code")
    }
}
