import ContribuezAnalysis
import ContribuezCore
import ContribuezImport
import ContribuezStore
import ContribuezSynthesis
import ContribuezTestSupport
import Foundation
import Testing


enum SynthesisFixtures {
    static let t0 = Date(timeIntervalSince1970: 1_760_000_000)

    static func store() throws -> SQLiteStore {
        try SQLiteStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("synth-\(UUID().uuidString).sqlite").path)
    }

    static func consultation(_ slug: String) -> NewConsultation {
        NewConsultation(slug: slug, title: "Planted", summary: "s", institution: "i", isPublished: true,
                        opensAt: t0.addingTimeInterval(-86_400), closesAt: t0.addingTimeInterval(86_400))
    }

    /// Two camps of `perCamp` participants over 10 proposals: camp A agrees with 0…4 and disagrees
    /// with 5…9, camp B the reverse; everybody agrees with proposal 10.
    static func twoCamps(perCamp: Int) -> ImportBundle {
        let proposals = (0...10).map { i in
            ImportBundle.ContributionItem(key: "prop\(i)", kind: .proposal, articleKey: nil, parentKey: nil,
                                          authorName: "Auteur", title: "Proposition \(i)", body: "Texte distinct numéro \(i) " + String(repeating: "x\(i) ", count: i + 3),
                                          createdAt: t0, importedTally: nil)
        }
        var people: [ImportBundle.ParticipantItem] = []
        var votes: [ImportBundle.VoteItem] = []
        for p in 0..<(2 * perCamp) {
            let camp = p < perCamp ? 0 : 1
            people.append(.init(key: "p\(p)", displayName: "P\(p)", kind: p % 4 == 0 ? .association : .citizen, createdAt: t0))
            for i in 0..<10 {
                let first = i < 5
                votes.append(.init(participantKey: "p\(p)", targetKey: "prop\(i)", value: (first == (camp == 0)) ? .agree : .disagree, at: t0))
            }
            votes.append(.init(participantKey: "p\(p)", targetKey: "prop10", value: .agree, at: t0))
        }
        return ImportBundle(consultation: consultation("two-camps"), sections: [], contributions: proposals, participants: people, votes: votes)
    }

    static func run(_ store: SQLiteStore, _ id: ID, options: Synthesis.Options = .init()) async throws -> (SynthesisRun, SynthesisReport) {
        let clock = FixedClock(t0)
        let started = try #require(try await Synthesis.start(store: store, consultationID: id, clock: clock, options: options))
        let done = await Synthesis.execute(started, store: store, clock: clock, options: options)
        #expect(done.status == .succeeded, "\(done.failure ?? "")")
        let stored = try #require(try await store.latestSynthesisResult(consultationID: id))
        return (stored.run, try SynthesisReport.decoder.decode(SynthesisReport.self, from: stored.json))
    }
}

@Suite("Synthesis runner")
struct SynthesisRunnerTests {
    @Test("on the demo, the stored tallies equal the store's live tallies, target by target")
    func demoTallies() async throws {
        // setup
        let store = try SynthesisFixtures.store()
        let demo = try await store.importConsultation(DemoConsultation.bundle(now: SynthesisFixtures.t0))
        // act
        let (run, report) = try await SynthesisFixtures.run(store, demo.id)
        // check
        let targets: [Target] = report.tallies.map { $0.target.kind == .article ? .article($0.target.id) : .contribution($0.target.id) }
        let live = try await store.tallies(targets)
        #expect(!report.tallies.isEmpty)
        #expect(report.tallies.contains { $0.live.total > 0 })
        for (row, target) in zip(report.tallies, targets) {
            #expect(row.live.tally == Tally(agree: live[target]?.agree ?? 0, mixed: live[target]?.mixed ?? 0, disagree: live[target]?.disagree ?? 0), "\(row.target.key)")
        }
        #expect(report.tallies.map(\.wilson) == report.tallies.map(\.wilson).sorted(by: >))
        let byKindTotal = report.kinds.reduce(0) { $0 + $1.counts.total }
        #expect(byKindTotal == report.tallies.reduce(0) { $0 + $1.live.total })
        #expect(run.status == .succeeded && run.progress == 1 && run.finishedAt != nil)
    }

    @Test("a planted two-camp consultation splits into two groups of the camps' sizes, and the shared proposal is the consensus")
    func twoCamps() async throws {
        // setup
        let store = try SynthesisFixtures.store()
        let c = try await store.importConsultation(SynthesisFixtures.twoCamps(perCamp: 20))
        // act
        let (_, report) = try await SynthesisFixtures.run(store, c.id)
        // check
        #expect(report.groups.groups.map(\.size) == [20, 20])
        #expect(report.groups.points.count == 40)
        #expect(report.groups.consensus.first?.target.label == "Proposition 10")
        #expect(!report.groups.divisive.isEmpty)
        #expect(report.groups.divisive.allSatisfy { $0.target.label != "Proposition 10" })
        // The two groups sit on opposite sides of the map.
        let xs = (0..<2).map { g in report.groups.points.filter { $0.group == g }.map(\.x) }
        #expect(xs[0].allSatisfy { $0 > 0 } != xs[1].allSatisfy { $0 > 0 } || xs[0].allSatisfy { $0 < 0 } != xs[1].allSatisfy { $0 < 0 })
        #expect(report.groups.groups.allSatisfy { !$0.representative.isEmpty })
        // Pseudonyms only: no account id on the map.
        #expect(report.groups.points.allSatisfy { $0.participant.hasPrefix("P") })
    }

    @Test("a planted campaign of near-identical arguments is one cluster, and every contribution is kept")
    func campaign() async throws {
        // setup
        let store = try SynthesisFixtures.store()
        let letter = "Je m'oppose fermement à cet article car il menace la liberté d'expression en ligne et la neutralité du réseau pour tous les citoyens"
        var contributions = [ImportBundle.ContributionItem]()
        contributions.append(.init(key: "prop", kind: .proposal, articleKey: nil, parentKey: nil, authorName: "A", title: "Une idée", body: "Une idée originale sur les données ouvertes", createdAt: SynthesisFixtures.t0, importedTally: nil))
        for i in 0..<12 {
            let body = (i % 3 == 0 ? "Bonjour, " : "") + letter + (i % 2 == 0 ? "." : " !") + (i % 4 == 1 ? " Cordialement, Marie" : "")
            contributions.append(.init(key: "camp\(i)", kind: .argument, articleKey: nil, parentKey: "prop", authorName: "C\(i)", title: "", body: body, stance: .against, createdAt: SynthesisFixtures.t0.addingTimeInterval(Double(i)), importedTally: nil))
        }
        let organic = ["Les bibliothèques publiques devraient pouvoir prêter des livres numériques sans restriction.",
                       "Il faut protéger les lanceurs d'alerte avec un statut clair et des garanties procédurales.",
                       "La portabilité des données entre services doit être gratuite et simple pour les usagers.",
                       "Un accès à internet de bonne qualité est indispensable dans les zones rurales."]
        for (i, body) in organic.enumerated() {
            contributions.append(.init(key: "org\(i)", kind: .argument, articleKey: nil, parentKey: "prop", authorName: "O\(i)", title: "", body: body, stance: .for, createdAt: SynthesisFixtures.t0, importedTally: nil))
        }
        let c = try await store.importConsultation(ImportBundle(consultation: SynthesisFixtures.consultation("campaign"), sections: [], contributions: contributions))
        // act
        let (_, report) = try await SynthesisFixtures.run(store, c.id)
        // check
        #expect(report.clusters.count == 1)
        #expect(report.clusters.first?.size == 12)
        #expect(report.clusters.first?.members.allSatisfy { $0.kind == .argument } == true)
        let kept = try await store.contributions(ContributionQuery(consultationID: c.id, kind: .argument), page: PageRequest(page: 1, perPage: 100))
        #expect(kept.total == 16)
    }

    @Test("a second run cannot start while one is running, and progress is stored stage by stage")
    func singleRunAndProgress() async throws {
        // setup
        let store = try SynthesisFixtures.store()
        let demo = try await store.importConsultation(DemoConsultation.bundle(now: SynthesisFixtures.t0))
        let clock = FixedClock(SynthesisFixtures.t0)
        // act
        let first = try #require(try await Synthesis.start(store: store, consultationID: demo.id, clock: clock))
        let second = try await Synthesis.start(store: store, consultationID: demo.id, clock: clock)
        let seen = StageLog()
        let done = await Synthesis.execute(first, store: store, clock: clock) { stage, _ in seen.append(stage) }
        clock.advance(by: 60)
        let third = try await Synthesis.start(store: store, consultationID: demo.id, clock: clock)
        // check
        #expect(second == nil)
        #expect(done.status == .succeeded)
        #expect(seen.stages == Synthesis.Stage.allCases)
        #expect(third != nil)
        #expect(try await store.latestSynthesisRun(consultationID: demo.id)?.status == .running)
    }

    @Test("a run of a consultation that does not exist is stored as failed")
    func missingConsultation() async throws {
        // setup
        let store = try SynthesisFixtures.store()
        let demo = try await store.importConsultation(DemoConsultation.bundle(now: SynthesisFixtures.t0))
        let clock = FixedClock(SynthesisFixtures.t0)
        let run = try #require(try await Synthesis.start(store: store, consultationID: demo.id, clock: clock))
        var ghost = run
        ghost.consultationID = 9_999
        // act
        let done = await Synthesis.execute(ghost, store: store, clock: clock)
        // check
        #expect(done.status == .failed)
        #expect(try await store.latestSynthesisRun(consultationID: demo.id)?.status == .failed)
        #expect(try await store.latestSynthesisResult(consultationID: demo.id) == nil)
    }
}

final class StageLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Synthesis.Stage] = []
    func append(_ s: Synthesis.Stage) { lock.withLock { list.append(s) } }
    var stages: [Synthesis.Stage] { lock.withLock { list } }
}

@Suite("Synthesis command-line outputs on shared data")
struct SynthesisCLITests {
    @Test("analyze groups: the Polis report names only participants and comments of the files, and is byte-stable")
    func groupsJSON() throws {
        // setup
        let dir = SharedData.url("polis-opendata/london.youth.policing")
        let conversation = try PolisOpenData.read(directory: dir)
        // act
        let a = try PolisOpenData.polisGroupsJSON(directory: dir)
        let b = try PolisOpenData.polisGroupsJSON(directory: dir)
        // check
        #expect(a == b)
        let json = try #require(try JSONSerialization.jsonObject(with: a) as? [String: Any])
        #expect(Set(json.keys) == ["groups", "consensus", "divisive", "representative"])
        let groups = try #require(json["groups"] as? [String: Int])
        #expect(!groups.isEmpty)
        #expect(Set(groups.keys).isSubset(of: Set(conversation.matrix.participantIDs)))
        let consensus = try #require(json["consensus"] as? [String])
        #expect(!consensus.isEmpty && Set(consensus).isSubset(of: Set(conversation.matrix.targetIDs)))
    }

    @Test("analyze duplicates: République numérique arguments give disjoint clusters of 2+ ids of the file")
    func duplicatesJSON() throws {
        // setup
        let file = SharedData.url("republique-numerique-2015/arguments.csv")
        let ids = Set(try CSVTable(contentsOf: file).rows.map { $0[0] })
        // act
        let data = try DuplicateDetector.duplicatesJSON(csv: file, idColumn: "argument_id", textColumn: "body")
        // check
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let clusters = try #require(json["clusters"] as? [[String]])
        #expect(!clusters.isEmpty)
        #expect(clusters.allSatisfy { $0.count >= 2 })
        let all = clusters.flatMap { $0 }
        #expect(Set(all).count == all.count)
        #expect(Set(all).isSubset(of: ids))
        #expect(throws: DuplicatesError.missingColumn("nope")) {
            try DuplicateDetector.duplicatesJSON(csv: file, idColumn: "argument_id", textColumn: "nope")
        }
    }
}
