import ContribuezAnalysis
import ContribuezCore
import ContribuezStore
import ContribuezSynthesis
import ContribuezTestSupport
import Foundation
import Testing

/// Notes of a run's detail callback.
final class DetailLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Synthesis.Progress] = []
    func append(_ p: Synthesis.Progress) { lock.withLock { list.append(p) } }
    var all: [Synthesis.Progress] { lock.withLock { list } }
    var notes: [String] { all.compactMap(\.note) }
}

@Suite("Synthesis at scale (issue 14)")
struct SynthesisScaleTests {
    static func generated(participants: Int = 400, contributions: Int = 2_000, votes: Int = 24_000) async throws -> (SQLiteStore, GeneratedConsultation) {
        let store = try SynthesisFixtures.store()
        let g = try await store.generateLarge(
            participants: participants, contributions: contributions, votes: votes, articles: 20, sessions: 0, seed: 11,
            now: SynthesisFixtures.t0, passwordHash: "h", tokenHash: { $0 })
        return (store, g)
    }

    static func run(_ store: SQLiteStore, _ id: ID, options: Synthesis.Options, clock: FixedClock) async throws -> (SynthesisReport, DetailLog) {
        let log = DetailLog()
        let started = try #require(try await Synthesis.start(store: store, consultationID: id, clock: clock, options: options))
        let done = await Synthesis.execute(started, store: store, clock: clock, options: options, detail: { log.append($0) })
        #expect(done.status == .succeeded, "\(done.failure ?? "")")
        let stored = try #require(try await store.latestSynthesisResult(consultationID: id))
        #expect(stored.run.id == started.id)
        return (try SynthesisReport.decoder.decode(SynthesisReport.self, from: stored.json), log)
    }

    @Test("the generated consultation has what was planted: its campaign letters come back as the largest clusters, themed texts are not merged, and the groups follow the planted shares")
    func plantedStructure() async throws {
        // setup
        let (store, g) = try await Self.generated()
        var options = Synthesis.Options()
        options.pseudonymSeed = 1
        // act
        let (report, log) = try await Self.run(store, g.consultation.id, options: options, clock: FixedClock(SynthesisFixtures.t0))
        // check
        let copies = (0..<GeneratedPlan.campaigns.count).map { c in g.contributionCampaigns.filter { $0 == Int8(c) }.count }
        #expect(report.clusters.prefix(copies.count).map(\.size).sorted() == copies.sorted())
        let campaignIDs = Set(g.contributionCampaigns.enumerated().filter { $0.element >= 0 }.map { g.firstContributionID + ID($0.offset) })
        let strays = report.clusters.flatMap(\.members).filter { !campaignIDs.contains($0.contributionID) }
        #expect(strays.count <= g.contributions / 100, "themed texts clustered as near-identical: \(strays.count)")
        let shares = report.groups.groups.map { Double($0.size) / Double(max(report.groups.clustered, 1)) }
        #expect(shares.count == GeneratedPlan.groupShares.count, "\(shares)")
        for (found, planted) in zip(shares, GeneratedPlan.groupShares) { #expect(abs(found - planted) < 0.05, "\(shares)") }
        // Progress within the reading step, counted in votes then texts.
        let opinionVotes = report.tallies.reduce(0) { $0 + $1.live.total }
        #expect(opinionVotes > 15_000)
        #expect(log.all.contains { $0.stage == .snapshot && $0.unit == "votes" && $0.total == opinionVotes })
        #expect(log.all.map(\.fraction) == log.all.map(\.fraction).sorted())
    }

    @Test("the stored report, built in pieces, decodes to the report itself whatever the size of the pieces, even when a text holds a key")
    func reportInPieces() async throws {
        // setup
        let (store, g) = try await Self.generated(participants: 200, contributions: 600, votes: 6_000)
        var options = Synthesis.Options()
        options.pseudonymSeed = 1
        var (report, _) = try await Self.run(store, g.consultation.id, options: options, clock: FixedClock(SynthesisFixtures.t0))
        #expect(report.tallies.count > 100)
        #expect((report.groups.byGroup?.count ?? 0) > 100)
        // A contribution's text that reads like the keys spliced into.
        report.tallies[0].target.label = #"{"tallies":[]} "byGroup":{} \"tallies\":[]"#
        // act
        let pieces = try [1, 7, 4_000].map { try report.storageJSON(rowsPerPiece: $0) }
        // check
        for json in pieces {
            let decoded = try SynthesisReport.decoder.decode(SynthesisReport.self, from: json)
            #expect(decoded == report)
        }
        let whole = try JSONSerialization.jsonObject(with: SynthesisReport.encoder.encode(report)) as? NSDictionary
        let inPieces = try JSONSerialization.jsonObject(with: pieces[1]) as? NSDictionary
        #expect(whole != nil && whole == inPieces, "the same document as the encoder writes in one piece")
        var empty = report
        empty.tallies = []
        empty.groups.byGroup = nil
        #expect(try SynthesisReport.decoder.decode(SynthesisReport.self, from: empty.storageJSON(rowsPerPiece: 3)) == empty)
    }

    @Test("an incremental run after new votes gives the tallies of a full run exactly, and groups within the tolerance")
    func incrementalEqualsFull() async throws {
        // setup
        let (store, g) = try await Self.generated()
        let clock = FixedClock(SynthesisFixtures.t0)
        var options = Synthesis.Options()
        options.incremental = true
        options.pseudonymSeed = 1
        let (first, firstLog) = try await Self.run(store, g.consultation.id, options: options, clock: clock)
        clock.advance(by: 60)
        // act: 300 new or changed votes (1.25 % of them)
        try await store.addGeneratedVotes(consultationID: g.consultation.id, count: 300, seed: 5, now: clock.now())
        clock.advance(by: 60)
        let (incremental, log) = try await Self.run(store, g.consultation.id, options: options, clock: clock)
        var fullOptions = options
        fullOptions.incremental = false
        let (full, fullLog) = try await Self.run(store, g.consultation.id, options: fullOptions, clock: clock)
        // check
        #expect(firstLog.notes.isEmpty && fullLog.notes.isEmpty)
        #expect(log.notes.contains { $0.hasPrefix("incremental:") }, "\(log.notes)")
        #expect(incremental.tallies != first.tallies)
        #expect(incremental.tallies == full.tallies)
        #expect(incremental.kinds == full.kinds)
        #expect(incremental.clusters == full.clusters)
        #expect(incremental.groups.voters == full.groups.voters)
        #expect(incremental.groups.groups.count == full.groups.groups.count)
        for (a, b) in zip(incremental.groups.groups, full.groups.groups) {
            #expect(abs(a.size - b.size) <= max(3, b.size / 20), "groups kept from the previous run stay within 5 % of a fresh computation")
        }
        // Per-target group counts were updated vote by vote: same totals as the votes of clustered participants.
        let totalIncremental = incremental.groups.byGroup?.values.reduce(0) { $0 + $1.reduce(0) { $0 + $1.total } } ?? 0
        let totalFirst = first.groups.byGroup?.values.reduce(0) { $0 + $1.reduce(0) { $0 + $1.total } } ?? 0
        #expect(abs(totalIncremental - totalFirst) <= 300 && totalIncremental != totalFirst)
    }

    @Test("an incremental run starts from scratch when a text was added since the previous run, or too many votes changed")
    func incrementalFallsBack() async throws {
        // setup
        let (store, g) = try await Self.generated(participants: 200, contributions: 600, votes: 6_000)
        let clock = FixedClock(SynthesisFixtures.t0)
        var options = Synthesis.Options()
        options.incremental = true
        options.groupRefreshShare = 0.01
        _ = try await Self.run(store, g.consultation.id, options: options, clock: clock)
        let someone = try #require(try await store.synthesisSnapshot(consultationID: g.consultation.id)?.participants.keys.min())
        // act
        _ = try await store.addContribution(NewContribution(
            consultationID: g.consultation.id, kind: .proposal, articleID: nil, parentID: nil, authorID: someone, authorName: "P",
            title: "Nouvelle idée", body: "Une proposition arrivée après la synthèse", createdAt: clock.now()))
        let (afterText, textLog) = try await Self.run(store, g.consultation.id, options: options, clock: clock)
        try await store.addGeneratedVotes(consultationID: g.consultation.id, count: 150, seed: 3, now: clock.now())
        let (_, manyLog) = try await Self.run(store, g.consultation.id, options: options, clock: clock)
        try await store.addGeneratedVotes(consultationID: g.consultation.id, count: 20, seed: 4, now: clock.now())
        let (_, fewLog) = try await Self.run(store, g.consultation.id, options: options, clock: clock)
        // check
        #expect(textLog.notes.isEmpty)
        #expect(afterText.tallies.contains { $0.target.label == "Nouvelle idée" })
        #expect(manyLog.notes.isEmpty, "~150 changes of 6,000 votes pass the 1 % tolerance")
        #expect(fewLog.notes.contains { $0.hasPrefix("incremental:") })
    }

    @Test("the map keeps at most mapPoints participants, a sample fixed by the pseudonym seed, and says how many were placed")
    func boundedMap() async throws {
        // setup
        let (store, g) = try await Self.generated(participants: 200, contributions: 600, votes: 6_000)
        var options = Synthesis.Options()
        options.pseudonymSeed = 4
        options.mapPoints = 50
        let clock = FixedClock(SynthesisFixtures.t0)
        // act
        let (a, _) = try await Self.run(store, g.consultation.id, options: options, clock: clock)
        let (b, _) = try await Self.run(store, g.consultation.id, options: options, clock: clock)
        options.mapPoints = 5_000
        let (all, _) = try await Self.run(store, g.consultation.id, options: options, clock: clock)
        // check
        #expect(a.groups.points.count == 50)
        #expect(a.groups.points == b.groups.points)
        #expect(a.groups.placed == all.groups.points.count)
        #expect(all.groups.placed == nil)
        #expect(Set(a.groups.points.map(\.participant)).isSubset(of: Set(all.groups.points.map(\.participant))))
    }
}
