import ContribuezCore
import ContribuezImport
import ContribuezStore
import ContribuezSynthesis
import Foundation
import Testing

@Suite("Scheduled synthesis runs")
struct SynthesisSchedulerTests {
    static let hour: TimeInterval = 3600

    /// A published consultation with votes, an unpublished one with a contribution, and a published empty one.
    static func setUp() async throws -> (store: SQLiteStore, clock: FixedClock, busy: Consultation, hidden: Consultation, empty: Consultation) {
        let store = try SynthesisFixtures.store()
        let busy = try await store.importConsultation(SynthesisFixtures.twoCamps(perCamp: 6))
        var draft = SynthesisFixtures.consultation("brouillon")
        draft.isPublished = false
        let hidden = try await store.createConsultation(draft)
        _ = try await store.addContribution(.init(
            consultationID: hidden.id, kind: .proposal, articleID: nil, parentID: nil, authorID: nil, authorName: "A",
            title: "Idée", body: "Une idée", createdAt: SynthesisFixtures.t0))
        let empty = try await store.createConsultation(SynthesisFixtures.consultation("vide"))
        return (store, FixedClock(SynthesisFixtures.t0.addingTimeInterval(hour)), busy, hidden, empty)
    }

    /// Casts one new vote on the consultation, at the clock's time.
    static func vote(_ store: SQLiteStore, _ c: Consultation, _ clock: FixedClock, _ value: VoteValue) async throws {
        let snapshot = try #require(try await store.synthesisSnapshot(consultationID: c.id))
        let voter = try #require(snapshot.participants.keys.sorted().first)
        let target = try #require(snapshot.targets.first?.target)
        _ = try await store.castVote(participantID: voter, target: target, value: value, at: clock.now())
    }

    @Test("a published consultation with votes and no run is analysed once; an unpublished or empty one is not")
    func firstRun() async throws {
        // setup
        let (store, clock, busy, hidden, empty) = try await Self.setUp()
        // act
        let first = try await Synthesis.Scheduler.runDue(store: store, clock: clock, every: Self.hour)
        let again = try await Synthesis.Scheduler.runDue(store: store, clock: clock, every: Self.hour)
        // check
        #expect(first.map(\.consultationID) == [busy.id])
        #expect(first.map(\.status) == [.succeeded])
        #expect(try await store.latestSynthesisResult(consultationID: busy.id) != nil)
        #expect(again.isEmpty)
        #expect(try await store.latestSynthesisRun(consultationID: hidden.id) == nil)
        #expect(try await store.latestSynthesisRun(consultationID: empty.id) == nil)
    }

    @Test("once the period has passed, a consultation is analysed again only if votes came in since its last run")
    func onlyWithActivity() async throws {
        // setup
        let (store, clock, busy, _, _) = try await Self.setUp()
        try await Synthesis.Scheduler.runDue(store: store, clock: clock, every: Self.hour)
        // act
        clock.advance(by: 30 * 60)
        try await Self.vote(store, busy, clock, .mixed)
        let tooSoon = try await Synthesis.Scheduler.runDue(store: store, clock: clock, every: Self.hour)
        clock.advance(by: 31 * 60)
        let due = try await Synthesis.Scheduler.runDue(store: store, clock: clock, every: Self.hour)
        clock.advance(by: 2 * Self.hour)
        let quiet = try await Synthesis.Scheduler.runDue(store: store, clock: clock, every: Self.hour)
        // check
        #expect(tooSoon.isEmpty)
        #expect(due.map(\.consultationID) == [busy.id])
        #expect(due.map(\.status) == [.succeeded])
        #expect(quiet.isEmpty)
        let latest = try #require(try await store.latestSynthesisRun(consultationID: busy.id))
        #expect(latest.id == due.first?.id)
    }

    @Test("a consultation whose run is under way is left alone until that run goes silent past staleAfter")
    func runningLeftAlone() async throws {
        // setup
        let (store, clock, busy, _, _) = try await Self.setUp()
        var options = Synthesis.Options()
        options.staleAfter = 15 * 60
        let stuck = try #require(try await Synthesis.start(store: store, consultationID: busy.id, clock: clock))
        // act
        clock.advance(by: 5 * 60)
        let whileRunning = try await Synthesis.Scheduler.runDue(store: store, clock: clock, every: 60, options: options)
        clock.advance(by: 20 * 60)
        let afterSilence = try await Synthesis.Scheduler.runDue(store: store, clock: clock, every: 60, options: options)
        // check
        #expect(whileRunning.isEmpty)
        #expect(afterSilence.map(\.consultationID) == [busy.id])
        #expect(afterSilence.first?.id != stuck.id)
        #expect(afterSilence.map(\.status) == [.succeeded])
    }

    @Test("the decision says why: first run, recent, new activity, no activity, not published")
    func decisions() async throws {
        // setup
        let (store, clock, busy, hidden, empty) = try await Self.setUp()
        func decide(_ c: Consultation) async throws -> Synthesis.Scheduler.Decision {
            try await Synthesis.Scheduler.decision(for: c, store: store, now: clock.now(), every: Self.hour)
        }
        // act
        let before = try await decide(busy)
        try await Synthesis.Scheduler.runDue(store: store, clock: clock, every: Self.hour)
        let recent = try await decide(busy)
        clock.advance(by: 2 * Self.hour)
        let noActivity = try await decide(busy)
        try await Self.vote(store, busy, clock, .disagree)
        let newActivity = try await decide(busy)
        // check
        #expect(before == .firstRun)
        #expect(recent == .recent)
        #expect(noActivity == .noActivity)
        #expect(newActivity == .newActivity)
        #expect(try await decide(hidden) == .notPublished)
        #expect(try await decide(empty) == .nothingToAnalyse)
    }

    @Test("the long-running loop runs due consultations and stops when its task is cancelled")
    func loop() async throws {
        // setup
        let (store, clock, busy, _, _) = try await Self.setUp()
        // act
        let task = Task { await Synthesis.Scheduler.run(store: store, clock: clock, every: Self.hour, checkEvery: .milliseconds(10)) }
        var latest: SynthesisRun?
        for _ in 0..<300 {
            latest = try await store.latestSynthesisRun(consultationID: busy.id)
            if latest?.status == .succeeded { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        task.cancel()
        await task.value
        // check
        #expect(latest?.status == .succeeded)
    }

    @Test("with several nodes, only the holder of the scheduler's lease runs due syntheses")
    func oneNodeRuns() async throws {
        // setup
        let (store, clock, busy, _, _) = try await Self.setUp()
        let end = clock.now().addingTimeInterval(600)
        #expect(try await store.acquireLease(name: Synthesis.Scheduler.leaseName, holder: "other-node", at: clock.now(), until: end))
        // act: this node's round finds the lease held
        let skipped = try await Synthesis.Scheduler.runDue(store: store, clock: clock, every: Self.hour, holder: "this-node")
        // assert: nothing ran; once the other node's lease ends, this node runs the due consultation and gives the lease back
        #expect(skipped.isEmpty)
        #expect(try await store.latestSynthesisRun(consultationID: busy.id) == nil)
        clock.set(end)
        let ran = try await Synthesis.Scheduler.runDue(store: store, clock: clock, every: Self.hour, holder: "this-node")
        #expect(ran.map(\.consultationID) == [busy.id])
        #expect(try await store.acquireLease(name: Synthesis.Scheduler.leaseName, holder: "other-node", at: clock.now(), until: end + 600))
    }
}
