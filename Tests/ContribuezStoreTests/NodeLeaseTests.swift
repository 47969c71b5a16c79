import ContribuezCore
import Foundation
import Testing

/// Several nodes on one database (issue 11): each queued mail is claimed by one sender, and a job lease
/// has one holder at a time. On both backends.
@Suite("Mail claims and job leases")
struct NodeLeaseTests {
    static let t0 = Fixture.t0

    @Test("concurrent claims of the outbox never hand a mail to two senders", arguments: Backend.all)
    func claimsAreDisjoint(_ backend: Backend) async throws {
        let store = try await backend.make()
        var ids: Set<ID> = []
        for i in 0..<30 {
            ids.insert(try await store.enqueueMail(NewMail(to: "p\(i)@example.fr", subject: "S\(i)", text: "T", kind: "notification"), at: Self.t0))
        }
        let until = Self.t0.addingTimeInterval(600)
        // act: four senders at once, 10 mails each at most
        let claims = try await withThrowingTaskGroup(of: [ID].self) { group in
            for _ in 0..<4 { group.addTask { try await store.claimDueMails(at: Self.t0, limit: 10, claimUntil: until).map(\.id) } }
            return try await group.reduce(into: [[ID]]()) { $0.append($1) }
        }
        let all = claims.flatMap { $0 }
        #expect(all.count == Set(all).count, "a mail was claimed twice")
        #expect(Set(all) == ids)
        // Claimed: not claimable again before the claim ends, though still listed as due.
        #expect(try await store.claimDueMails(at: Self.t0.addingTimeInterval(599), limit: 50, claimUntil: until).isEmpty)
        #expect(try await store.dueMails(at: Self.t0, limit: 50).count == 30)
        // A failure ends the claim (the mail comes back at its retry time); a sent mail is never claimed again.
        let sorted = ids.sorted()
        try await store.markMailFailed(id: sorted[0], error: "421 busy", retryAt: Self.t0.addingTimeInterval(60))
        try await store.markMailSent(id: sorted[1], at: Self.t0)
        #expect(try await store.claimDueMails(at: Self.t0.addingTimeInterval(60), limit: 50, claimUntil: until).map(\.id) == [sorted[0]])
        // A claim that ended (its sender died) is taken over.
        let after = try await store.claimDueMails(at: until, limit: 50, claimUntil: until.addingTimeInterval(600)).map(\.id)
        #expect(Set(after) == ids.subtracting([sorted[1]]))
    }

    @Test("a mail given up is never claimed nor due again, is counted apart and listed with its error; a sent mail cannot be given up", arguments: Backend.all)
    func abandoned(_ backend: Backend) async throws {
        let store = try await backend.make()
        let a = try await store.enqueueMail(NewMail(to: "a@example.fr", subject: "A", text: "T", kind: "notification"), at: Self.t0)
        let b = try await store.enqueueMail(NewMail(to: "b@example.fr", subject: "B", text: "T", kind: "notification"), at: Self.t0)
        let c = try await store.enqueueMail(NewMail(to: "c@example.fr", subject: "C", text: "T", kind: "notification"), at: Self.t0)
        // act
        _ = try await store.claimDueMails(at: Self.t0, limit: 10, claimUntil: Self.t0.addingTimeInterval(600))
        try await store.markMailAbandoned(id: a, error: "550 5.1.1 no such mailbox (after RCPT TO)", at: Self.t0)
        try await store.markMailSent(id: c, at: Self.t0)
        try await store.markMailAbandoned(id: c, error: "late", at: Self.t0)
        let later = Self.t0.addingTimeInterval(86_400)
        let claimed = try await store.claimDueMails(at: later, limit: 10, claimUntil: later.addingTimeInterval(600)).map(\.id)
        let status = try await store.outboxStatus()
        // check
        #expect(claimed == [b])
        #expect(try await store.dueMails(at: later, limit: 10).map(\.id) == [b])
        #expect(status.abandoned == 1 && status.queued == 1 && status.sent == 1 && status.failing == 0)
        let given = try #require(status.recentFailures.first { $0.id == a })
        #expect(given.abandonedAt == Self.t0 && given.attempts == 1 && given.lastError?.hasPrefix("550") == true)
        #expect(!status.recentFailures.contains { $0.id == c }, "a sent mail stays sent")
    }

    @Test("a job lease has one holder until it expires or is released", arguments: Backend.all)
    func leases(_ backend: Backend) async throws {
        let store = try await backend.make()
        let end = Self.t0.addingTimeInterval(60)
        #expect(try await store.acquireLease(name: "job", holder: "a", at: Self.t0, until: end))
        #expect(try await !store.acquireLease(name: "job", holder: "b", at: Self.t0.addingTimeInterval(59), until: end + 60))
        #expect(try await store.acquireLease(name: "job", holder: "a", at: Self.t0.addingTimeInterval(30), until: end + 30), "the holder renews")
        #expect(try await store.acquireLease(name: "other", holder: "b", at: Self.t0, until: end), "leases are per job")
        #expect(try await store.acquireLease(name: "job", holder: "b", at: end + 30, until: end + 90), "an expired lease is taken over")
        #expect(try await !store.acquireLease(name: "job", holder: "a", at: end + 31, until: end + 90))
        try await store.releaseLease(name: "job", holder: "a")  // not a's: nothing happens
        #expect(try await !store.acquireLease(name: "job", holder: "a", at: end + 32, until: end + 90))
        try await store.releaseLease(name: "job", holder: "b")
        #expect(try await store.acquireLease(name: "job", holder: "a", at: end + 33, until: end + 90))
        // Many nodes at once on a free lease: exactly one gets it.
        let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<8 { group.addTask { try await store.acquireLease(name: "race", holder: "n\(i)", at: Self.t0, until: end) } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(winners == 1)
    }
}
