import ContribuezAnalysis
import ContribuezCore
import Foundation

/// The synthesis runner: reads a consistent snapshot through the store port, computes tallies with
/// the Wilson ranking and the breakdown by participant kind, opinion groups over the live vote
/// matrix, and duplicate / campaign clusters over the texts, then writes the report back.
/// It runs off the request path (command line, or a detached task started by an organiser).
public enum Synthesis {
    /// The knobs of a run.
    public struct Options: Sendable {
        /// Jaccard similarity of character 5-grams above which two texts are near-identical.
        public var duplicateThreshold = 0.7
        /// Seed of the opinion-group k-means restarts.
        public var groupSeed: UInt64 = 0
        /// Seed of the pseudonyms on the map; nil draws one from the system (pseudonyms then
        /// differ from one run to the next, so they cannot be matched across runs).
        public var pseudonymSeed: UInt64? = nil
        /// Characters kept of a text in the report.
        public var excerptLength = 300
        /// A running run silent for this long is taken as dead.
        public var staleAfter: TimeInterval = 15 * 60
        public var campaignRule = DuplicateCampaignRule()
        /// How free text is grouped into themes (issue 14).
        public var themes = Themes.Options()
        public init() {}
    }

    /// The steps, in order, with the progress reached when each starts.
    public enum Stage: String, Sendable, CaseIterable {
        case snapshot, tallies, groups, duplicates, themes, representativeness, saving, done

        public var progress: Double {
            switch self {
            case .snapshot: return 0.05
            case .tallies: return 0.2
            case .groups: return 0.35
            case .duplicates: return 0.6
            case .themes: return 0.75
            case .representativeness: return 0.9
            case .saving: return 0.95
            case .done: return 1
            }
        }
    }

    public enum Failure: Error, CustomStringConvertible {
        case consultationNotFound(ID)
        public var description: String {
            switch self {
            case .consultationNotFound(let id): return "no consultation \(id)"
            }
        }
    }

    /// Records a new run (nil when one is already running for the consultation). Call `execute`
    /// next, possibly in a detached task: the run row already says "running" to every page.
    public static func start(
        store: any SynthesisStore, consultationID: ID, clock: any Clock, options: Options = .init()
    ) async throws -> SynthesisRun? {
        try await store.startSynthesisRun(consultationID: consultationID, at: clock.now(), staleAfter: options.staleAfter)
    }

    /// Runs a started run to its end and returns it as stored (succeeded or failed). Errors are
    /// recorded in the run, not thrown, so a detached task loses nothing.
    @discardableResult
    public static func execute(
        _ run: SynthesisRun, store: any SynthesisStore, clock: any Clock, options: Options = .init(),
        progress: @Sendable (Stage, Double) -> Void = { _, _ in }
    ) async -> SynthesisRun {
        var current = run
        func report(_ stage: Stage) async throws {
            progress(stage, stage.progress)
            try await store.updateSynthesisRun(id: run.id, stage: stage.rawValue, progress: stage.progress, at: clock.now())
        }
        do {
            try await report(.snapshot)
            guard let snapshot = try await store.synthesisSnapshot(consultationID: run.consultationID) else {
                throw Failure.consultationNotFound(run.consultationID)
            }
            // Each step reports before it starts, so a page polling the run sees where it is.
            try await report(.tallies)
            let refs = snapshot.targets.map { ref($0, options) }
            var targetIndex: [Target: Int] = [:]
            for (i, t) in snapshot.targets.enumerated() { targetIndex[t.target] = i }
            let (tallies, kinds) = computeTallies(snapshot, refs: refs, targetIndex: targetIndex)
            try await report(.groups)
            let groups = computeGroups(snapshot, refs: refs, targetIndex: targetIndex, options: options)
            try await report(.duplicates)
            let clusters = computeClusters(snapshot, options: options)
            try await report(.themes)
            let themes = computeThemes(snapshot, tallies: tallies, groups: groups, options: options.themes, excerptLength: options.excerptLength)
            try await report(.representativeness)
            // NB: the dashboard's own computation, summarised; a store without profiles (a bare SynthesisStore) has none.
            var representativeness: SynthesisReport.Representativeness?
            if let full = store as? any Store, let computed = try await Reweighting.run(store: full, consultationID: run.consultationID) {
                representativeness = summarise(computed.figures)
            }
            var result = SynthesisReport(
                consultationID: snapshot.consultation.id, computedAt: clock.now(), duplicateThreshold: options.duplicateThreshold,
                tallies: tallies, kinds: kinds, groups: groups, clusters: clusters)
            result.themes = themes
            result.representativeness = representativeness
            try await report(.saving)
            let json = try SynthesisReport.encoder.encode(result)
            try await store.finishSynthesisRun(id: run.id, result: json, failure: nil, at: clock.now())
            progress(.done, 1)
            current.status = .succeeded
            current.stage = Stage.done.rawValue
            current.progress = 1
        } catch {
            try? await store.finishSynthesisRun(id: run.id, result: nil, failure: "\(error)", at: clock.now())
            current.status = .failed
            current.failure = "\(error)"
        }
        return current
    }

    /// The whole analysis of a snapshot, pure. `stage` is called as each step begins.
    public static func compute(
        _ snapshot: SynthesisSnapshot, at now: Date, options: Options = .init(), stage: (Stage) -> Void = { _ in }
    ) -> SynthesisReport {
        stage(.tallies)
        let refs = snapshot.targets.map { ref($0, options) }
        var targetIndex: [Target: Int] = [:]
        for (i, t) in snapshot.targets.enumerated() { targetIndex[t.target] = i }
        let (tallies, kinds) = computeTallies(snapshot, refs: refs, targetIndex: targetIndex)
        stage(.groups)
        let groups = computeGroups(snapshot, refs: refs, targetIndex: targetIndex, options: options)
        stage(.duplicates)
        let clusters = computeClusters(snapshot, options: options)
        stage(.themes)
        var report = SynthesisReport(
            consultationID: snapshot.consultation.id, computedAt: now, duplicateThreshold: options.duplicateThreshold,
            tallies: tallies, kinds: kinds, groups: groups, clusters: clusters)
        report.themes = computeThemes(snapshot, tallies: tallies, groups: groups, options: options.themes, excerptLength: options.excerptLength)
        return report
    }

    static func key(_ t: Target) -> String { "\(t.kindName):\(t.id)" }

    static func excerpt(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n)) + "…" }

    static func ref(_ t: SynthesisSnapshot.TargetItem, _ options: Options) -> SynthesisReport.TargetRef {
        .init(
            key: key(t.target), kind: t.kind, id: t.target.id, label: excerpt(t.label, 200), text: excerpt(t.text, options.excerptLength),
            articleID: t.articleID)
    }

    static func choice(_ v: VoteValue) -> Tallies.Choice {
        switch v {
        case .agree: return .agree
        case .mixed: return .mixed
        case .disagree: return .disagree
        case .useful: return .useful
        }
    }

    // MARK: Tallies

    static func computeTallies(
        _ s: SynthesisSnapshot, refs: [SynthesisReport.TargetRef], targetIndex: [Target: Int]
    ) -> ([SynthesisReport.TallyRow], [SynthesisReport.KindRow]) {
        var perTarget = [[(kind: String, choice: Tallies.Choice)]](repeating: [], count: s.targets.count)
        var perKind: [String: (voters: Set<ID>, votes: [Tallies.Choice])] = [:]
        for v in s.votes {
            guard let i = targetIndex[v.target] else { continue }
            let kind = (s.participants[v.participantID]?.kind ?? .citizen).rawValue
            perTarget[i].append((kind, choice(v.value)))
            perKind[kind, default: ([], [])].voters.insert(v.participantID)
            perKind[kind, default: ([], [])].votes.append(choice(v.value))
        }
        var live: [Tallies.Count] = []
        var combined: [(id: Int, count: Tallies.Count)] = []
        for (i, t) in s.targets.enumerated() {
            let count = Tallies.count(perTarget[i].map(\.choice))
            live.append(count)
            let base = t.importedTally ?? .zero
            combined.append((i, count + Tallies.Count(agree: base.agree, mixed: base.mixed, disagree: base.disagree)))
        }
        let ranked = Tallies.rankByAgreement(combined)
        let rows = ranked.enumerated().map { rank, r -> SynthesisReport.TallyRow in
            let i = r.id
            var byKind: [String: SynthesisReport.Counts] = [:]
            for (k, c) in Tallies.breakdown(perTarget[i]) {
                byKind[k] = .init(agree: c.agree, mixed: c.mixed, disagree: c.disagree)
            }
            let l = live[i]
            return .init(
                rank: rank + 1, target: refs[i], live: .init(agree: l.agree, mixed: l.mixed, disagree: l.disagree),
                imported: s.targets[i].importedTally.map(SynthesisReport.Counts.init), wilson: r.score, byKind: byKind)
        }
        let kinds = ParticipantKind.allCases.compactMap { k -> SynthesisReport.KindRow? in
            guard let entry = perKind[k.rawValue] else { return nil }
            let c = Tallies.count(entry.votes)
            return .init(kind: k.rawValue, voters: entry.voters.count, counts: .init(agree: c.agree, mixed: c.mixed, disagree: c.disagree))
        }
        return (rows, kinds)
    }

    // MARK: Opinion groups

    static func computeGroups(
        _ s: SynthesisSnapshot, refs: [SynthesisReport.TargetRef], targetIndex: [Target: Int], options: Options
    ) -> SynthesisReport.Groups {
        var rowOf: [ID: Int] = [:]
        var participantIDs: [ID] = []
        var votes: [OpinionGroups.Vote] = []
        votes.reserveCapacity(s.votes.count)
        for v in s.votes {
            guard let t = targetIndex[v.target], v.value != .useful else { continue }
            let r: Int
            if let known = rowOf[v.participantID] { r = known } else {
                r = participantIDs.count
                rowOf[v.participantID] = r
                participantIDs.append(v.participantID)
            }
            votes.append(.init(participant: r, target: t, value: v.value == .agree ? 1 : (v.value == .disagree ? -1 : 0)))
        }
        let empty = SynthesisReport.Groups(voters: participantIDs.count, clustered: 0, groups: [], points: [], consensus: [], divisive: [])
        guard !participantIDs.isEmpty, !refs.isEmpty,
              let matrix = try? OpinionGroups.VoteMatrix(
                participantIDs: participantIDs.map(String.init), targetIDs: refs.map(\.key), votes: votes)
        else { return empty }
        var groupOptions = OpinionGroups.Options()
        groupOptions.seed = options.groupSeed
        let result = OpinionGroups.analyze(matrix, options: groupOptions)
        let pseudonyms = pseudonymOrder(count: participantIDs.count, seed: options.pseudonymSeed)
        let width = max(4, String(participantIDs.count).count)
        var points: [SynthesisReport.Point] = []
        for r in 0..<participantIDs.count where r < result.coordinates.count {
            let p = result.coordinates[r]
            guard p.x.isFinite, p.y.isFinite else { continue }
            let number = String(pseudonyms[r] + 1)
            points.append(.init(
                participant: "P" + String(repeating: "0", count: max(0, width - number.count)) + number,
                x: p.x, y: p.y, group: result.participantGroups[r]))
        }
        // NB: sorted by pseudonym so that the order of the rows says nothing about account ids.
        points.sort { $0.participant < $1.participant }
        let groups = result.groups.enumerated().map { g, group in
            SynthesisReport.Group(
                index: g, size: group.members.count,
                representative: group.representative.map {
                    .init(target: refs[$0.target], stance: $0.stance.rawValue, successes: $0.successes, trials: $0.trials,
                          probability: $0.probability)
                })
        }
        // How each group voted on each target, for the per-article synthesis.
        var byGroup: [String: [SynthesisReport.Counts]] = [:]
        if !result.groups.isEmpty {
            for v in votes {
                guard v.participant < result.participantGroups.count, let g = result.participantGroups[v.participant], g < result.groups.count
                else { continue }
                var row = byGroup[refs[v.target].key] ?? Array(repeating: SynthesisReport.Counts(), count: result.groups.count)
                if v.value > 0 { row[g].agree += 1 } else if v.value < 0 { row[g].disagree += 1 } else { row[g].mixed += 1 }
                byGroup[refs[v.target].key] = row
            }
        }
        return .init(
            voters: participantIDs.count, clustered: result.clusteredCount, groups: groups, points: points,
            consensus: result.consensus.map { .init(target: refs[$0.target], score: $0.score) },
            divisive: result.groups.count >= 2 ? result.divisive.map { .init(target: refs[$0.target], score: $0.score) } : [],
            byGroup: result.groups.isEmpty ? nil : byGroup)
    }

    /// A random permutation of 0..<count: the pseudonym number of each matrix row.
    static func pseudonymOrder(count: Int, seed: UInt64?) -> [Int] {
        var order = Array(0..<count)
        if let seed {
            var rng = OpinionGroups.SeededGenerator(seed: seed)
            order.shuffle(using: &rng)
        } else {
            var rng = SystemRandomNumberGenerator()
            order.shuffle(using: &rng)
        }
        return order
    }

    // MARK: Duplicates and campaigns

    static func computeClusters(_ s: SynthesisSnapshot, options: Options) -> [SynthesisReport.Cluster] {
        guard s.texts.count >= 2, let detector = try? DuplicateDetector(threshold: options.duplicateThreshold) else { return [] }
        let items = s.texts.map { t in
            DuplicateCampaignContribution(
                id: String(t.contributionID), text: t.text,
                authorID: t.authorID.map { "p\($0)" } ?? "c\(t.contributionID)",
                authorCreatedAt: t.authorID.flatMap { s.participants[$0]?.createdAt }, submittedAt: t.createdAt)
        }
        var byID: [String: SynthesisSnapshot.TextItem] = [:]
        for t in s.texts { byID[String(t.contributionID)] = t }
        let reports = detector.campaigns(items, rule: options.campaignRule)
            .sorted { $0.size != $1.size ? $0.size > $1.size : (Int($0.memberIDs[0]) ?? 0) < (Int($1.memberIDs[0]) ?? 0) }
        return reports.enumerated().map { i, r in
            SynthesisReport.Cluster(
                index: i, size: r.size, distinctAuthors: r.distinctAuthors, isBurst: r.isBurst,
                reasons: r.reasons.map { reason in
                    switch reason {
                    case .burstFromNewAccounts(_, _, let submissions, let new): return "burst:\(new)/\(submissions)"
                    case .repeatedByOneAuthor(_, let n): return "one_author:\(n)"
                    }
                },
                members: r.memberIDs.compactMap { id in
                    byID[id].map {
                        .init(contributionID: $0.contributionID, kind: $0.kind, excerpt: excerpt($0.text, options.excerptLength),
                              articleID: $0.articleID, parentID: $0.parentID)
                    }
                })
        }
    }
}
