import ContribuezCore
import ContribuezStore
import Foundation
import Testing

/// Sessions (issue 13): idle and absolute timeouts enforced by the reading query, rotation, the privileges
/// stamp, the owner's list, ending one and ending all; on every backend.
@Suite("Session store", .serialized)
struct SessionStoreTests {
    static func open(_ f: Fixture, _ hash: String, _ who: Participant, at: Date = Fixture.t0, idle: TimeInterval? = 600,
                     absolute: TimeInterval = 3_600, agent: String = "Firefox|Linux") async throws {
        try await f.store.openSession(NewSession(tokenHash: hash, participantID: who.id, csrfToken: "csrf-\(hash)", createdAt: at,
                                                 expiresAt: at + absolute, idleTimeout: idle, agent: agent))
    }

    static let audit = AuditEntry(consultationID: nil, actorID: nil, actorName: "test", action: .grantRole, targetKind: "participant", targetID: 0, at: Fixture.t0)

    @Test("a session lives until its idle timeout unless it is touched, and never past its absolute end", arguments: Backend.all)
    func timeouts(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        try await Self.open(f, "idle", f.alice)
        try await Self.open(f, "kept", f.alice)
        // act
        let fresh = try await f.store.session(tokenHash: "idle", at: Fixture.t0 + 599)
        let idled = try await f.store.session(tokenHash: "idle", at: Fixture.t0 + 601)
        try await f.store.touchSession(tokenHash: "kept", at: Fixture.t0 + 500)
        try await f.store.touchSession(tokenHash: "kept", at: Fixture.t0 + 1_000)
        try await f.store.touchSession(tokenHash: "kept", at: Fixture.t0 + 1_500)
        let touched = try await f.store.session(tokenHash: "kept", at: Fixture.t0 + 2_000)
        try await f.store.touchSession(tokenHash: "kept", at: Fixture.t0 + 3_000)
        let pastAbsolute = try await f.store.session(tokenHash: "kept", at: Fixture.t0 + 3_601)
        // check
        #expect(fresh?.participant.id == f.alice.id)
        #expect(fresh?.lastSeenAt == Fixture.t0 && fresh?.createdAt == Fixture.t0)
        #expect(fresh?.privileges == "participant;" && fresh?.privilegesChanged == false)
        #expect(idled == nil, "600 s without a request end the session")
        #expect(touched?.lastSeenAt == Fixture.t0 + 1_500, "each touch moves the idle window")
        #expect(pastAbsolute == nil, "the absolute end holds however recently the session was used")
    }

    @Test("a session without an idle timeout lasts until its absolute end; createSession opens such a one", arguments: Backend.all)
    func noIdle(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        try await f.store.createSession(tokenHash: "legacy", participantID: f.bob.id, csrfToken: "c", createdAt: Fixture.t0, expiresAt: Fixture.t0 + 86_400)
        // act
        let late = try await f.store.session(tokenHash: "legacy", at: Fixture.t0 + 86_399)
        let over = try await f.store.session(tokenHash: "legacy", at: Fixture.t0 + 86_401)
        // check
        #expect(late?.participant.id == f.bob.id)
        #expect(late?.publicID.count == 32)
        #expect(over == nil)
    }

    @Test("a role granted or revoked after opening shows as changed privileges; rotation gives a new token and stamp", arguments: Backend.all)
    func rotation(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        try await Self.open(f, "before", f.alice)
        let opened = try #require(try await f.store.session(tokenHash: "before", at: Fixture.t0))
        try await f.store.grantRole(consultationID: f.consultation.id, participantID: f.alice.id, role: .moderator, audit: Self.audit)
        // act
        let granted = try #require(try await f.store.session(tokenHash: "before", at: Fixture.t0 + 1))
        let rotated = try await f.store.rotateSession(tokenHash: "before", to: "after", privileges: granted.currentPrivileges,
                                                      idleTimeout: 60, expiresAt: Fixture.t0 + 1_800, at: Fixture.t0 + 2)
        let again = try await f.store.rotateSession(tokenHash: "before", to: "third", privileges: granted.currentPrivileges,
                                                    idleTimeout: 60, expiresAt: Fixture.t0 + 1_800, at: Fixture.t0 + 2)
        let old = try await f.store.session(tokenHash: "before", at: Fixture.t0 + 3)
        let new = try #require(try await f.store.session(tokenHash: "after", at: Fixture.t0 + 3))
        let idleAfter = try await f.store.session(tokenHash: "after", at: Fixture.t0 + 63)
        _ = try await f.store.revokeRole(consultationID: f.consultation.id, participantID: f.alice.id, audit: Self.audit)
        try await Self.open(f, "later", f.alice, at: Fixture.t0 + 10)
        let revoked = try #require(try await f.store.session(tokenHash: "later", at: Fixture.t0 + 11))
        // check
        #expect(opened.privilegesChanged == false)
        #expect(granted.privilegesChanged, "the stamp written at opening no longer matches the roles")
        #expect(granted.currentPrivileges == "participant;\(f.consultation.id):moderator")
        #expect(rotated && !again, "a token rotates once: the second request with it finds nothing")
        #expect(old == nil, "the old token stops working")
        #expect(new.publicID == opened.publicID, "the session keeps its handle")
        #expect(new.privilegesChanged == false && new.expiresAt == Fixture.t0 + 1_800 && new.createdAt == Fixture.t0)
        #expect(idleAfter == nil, "the rotation wrote the new idle timeout")
        #expect(revoked.privileges == "participant;" && !revoked.privilegesChanged, "a session opened after the revocation has the new stamp")
    }

    @Test("the owner lists their live sessions only, by page; ends one by its handle (not someone else's), or all", arguments: Backend.all)
    func listAndEnd(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        for i in 0..<3 { try await Self.open(f, "alice-\(i)", f.alice, at: Fixture.t0 + TimeInterval(i), agent: "Chromium|Linux") }
        try await Self.open(f, "alice-old", f.alice, at: Fixture.t0 - 7_200)
        try await Self.open(f, "bob-0", f.bob)
        let now = Fixture.t0 + 10
        // act
        let count = try await f.store.activeSessionCount(participantID: f.alice.id, at: now)
        let first = try await f.store.activeSessions(participantID: f.alice.id, at: now, offset: 0, limit: 2)
        let second = try await f.store.activeSessions(participantID: f.alice.id, at: now, offset: 2, limit: 2)
        let bobs = try await f.store.activeSessions(participantID: f.bob.id, at: now, offset: 0, limit: 10)
        let bobHandle = try #require(bobs.first?.publicID)
        let stolen = try await f.store.endSession(publicID: bobHandle, participantID: f.alice.id)
        let own = try await f.store.endSession(publicID: first[0].publicID, participantID: f.alice.id)
        let ownAgain = try await f.store.endSession(publicID: first[0].publicID, participantID: f.alice.id)
        let afterOne = try await f.store.activeSessionCount(participantID: f.alice.id, at: now)
        let ended = try await f.store.endAllSessions(participantID: f.alice.id)
        // check
        #expect(count == 3, "the expired session is not listed")
        #expect(first.map(\.createdAt) == [Fixture.t0 + 2, Fixture.t0 + 1] && second.map(\.createdAt) == [Fixture.t0])
        #expect(first[0].agent == "Chromium|Linux" && first[0].expiresAt == Fixture.t0 + 3_602)
        #expect(Set((first + second).map(\.publicID)).count == 3)
        #expect(bobs.count == 1)
        #expect(!stolen, "someone else's handle ends nothing")
        #expect(try await f.store.session(tokenHash: "bob-0", at: now) != nil)
        #expect(own && !ownAgain && afterOne == 2)
        #expect(try await f.store.session(tokenHash: "alice-2", at: now) == nil, "the ended session's token no longer works")
        #expect(ended == 2, "every remaining row of Alice (her expired one was swept when Bob signed in)")
        #expect(try await f.store.activeSessionCount(participantID: f.alice.id, at: now) == 0)
        #expect(try await f.store.session(tokenHash: "bob-0", at: now) != nil, "Bob's session stays")
    }
}
