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
        /// Start from the previous run's state when it can be replayed (issue 14): tallies are updated
        /// from the vote changes since its watermark (exactly), groups and duplicate clusters are kept
        /// (their per-target group counts updated) until `groupRefreshShare` of the votes changed or
        /// any text was added, hidden, restored or erased; otherwise the run starts from scratch.
        public var incremental = false
        /// Share of the live votes that may change before an incremental run recomputes the groups.
        public var groupRefreshShare = 0.05
        /// Rows per chunk read from the store.
        public var chunkSize = 50_000
        /// Participants shown on the opinion map at most (a deterministic sample past that; all are counted).
        public var mapPoints = 5_000
        public init() {}
    }

    /// The steps, in order. Each has a weight (its share of a run's work at scale, measured on the
    /// 1 M-contribution benchmark); the progress reached when a step starts is the weight of the steps
    /// before it. A new step is a new case with its weight.
    public enum Stage: String, Sendable, CaseIterable {
        case snapshot, tallies, groups, duplicates, themes, representativeness, saving, done

        var weight: Double {
            switch self {
            case .snapshot: return 0.35
            case .tallies: return 0.02
            case .groups: return 0.18
            case .duplicates: return 0.27
            case .themes: return 0.1
            case .representativeness: return 0.01
            case .saving: return 0.07
            case .done: return 0
            }
        }

        public var progress: Double {
            let all = Stage.allCases
            let total = all.reduce(0) { $0 + $1.weight }
            let before = all.prefix { $0 != self }.reduce(0) { $0 + $1.weight }
            return self == .done ? 1 : before / total
        }

        /// The run's progress when `fraction` (0…1) of this step is done.
        public func progress(within fraction: Double) -> Double {
            let total = Stage.allCases.reduce(0) { $0 + $1.weight }
            return min(1, progress + weight / total * min(1, max(0, fraction)))
        }
    }

    /// Progress within a step: `done` of `total` `unit` ("votes", "texts"), and the run's fraction.
    public struct Progress: Sendable, Equatable {
        public var stage: Stage
        public var done: Int
        public var total: Int
        public var unit: String
        public var fraction: Double
        /// A note on how the step runs ("incremental: 10000 vote changes since run 3").
        public var note: String?
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
    /// recorded in the run, not thrown, so a detached task loses nothing. `progress` is called once as
    /// each step starts; `detail` also within steps (rows read so far), and the run row follows it.
    @discardableResult
    public static func execute(
        _ run: SynthesisRun, store: any SynthesisStore, clock: any Clock, options: Options = .init(),
        progress: @Sendable (Stage, Double) -> Void = { _, _ in }, detail: @escaping @Sendable (Progress) -> Void = { _ in }
    ) async -> SynthesisRun {
        var current = run
        let writer = RunProgressWriter(store: store, runID: run.id, clock: clock)
        func report(_ stage: Stage, note: String? = nil) async throws {
            progress(stage, stage.progress)
            detail(Progress(stage: stage, done: 0, total: 0, unit: "", fraction: stage.progress, note: note))
            try await writer.boundary(stage: stage.rawValue, progress: stage.progress)
        }
        do {
            try await report(.snapshot)
            let throttle = ProgressThrottle()
            let reading: (Input) -> Void = { input in
                guard let frame = input.frame else { return }
                // NB: a text row weighs ~10 vote rows when read.
                let total = frame.voteCount + 10 * frame.textCount
                let done = min(input.votesRead, frame.voteCount) + 10 * input.textsRead
                let fraction = Stage.snapshot.progress(within: total == 0 ? 1 : Double(done) / Double(total))
                guard throttle.due(fraction) else { return }
                let (n, of, unit) = input.textsRead > 0 ? (input.textsRead, frame.textCount, "texts") : (input.votesRead, frame.voteCount, "votes")
                detail(Progress(stage: .snapshot, done: n, total: of, unit: unit, fraction: fraction))
                Task { await writer.within(stage: Stage.snapshot.rawValue, progress: fraction) }
            }
            var result: (report: SynthesisReport, state: State, watermark: SynthesisWatermark)?
            if options.incremental, let saved = try await store.synthesisState(consultationID: run.consultationID),
               let state = State.decode(saved.payload) {
                let input = Input(onProgress: reading)
                guard try await store.scanSynthesis(
                    consultationID: run.consultationID, parts: [], changesAfter: saved.watermark.voteSequence, chunkSize: options.chunkSize,
                    into: input), let frame = input.frame
                else { throw Failure.consultationNotFound(run.consultationID) }
                if frame.watermark.texts == saved.watermark.texts,
                   let updated = applyChanges(input.changes, to: state, frame: frame, options: options) {
                    try await report(.tallies, note: "incremental: \(input.changes.count) vote changes since run \(saved.runID)")
                    let refs = frame.targets.map { ref($0, options) }
                    let (tallies, kinds) = talliesReport(updated, frame: frame, refs: refs)
                    try await report(.groups)
                    try await report(.duplicates)
                    try await report(.themes)
                    var incremental = SynthesisReport(
                        consultationID: frame.consultation.id, computedAt: clock.now(), duplicateThreshold: options.duplicateThreshold,
                        tallies: tallies, kinds: kinds, groups: updated.groups, clusters: updated.clusters)
                    // NB: the texts did not change (same fingerprint), so the themes' members did not either; their
                    // support is re-read from the updated tallies and group counts.
                    incremental.themes = updated.themes.map { withSupport($0, tallies: tallies, groups: updated.groups) }
                    result = (incremental, updated, frame.watermark)
                }
            }
            if result == nil {
                let input = Input(onProgress: reading)
                guard try await store.scanSynthesis(
                    consultationID: run.consultationID, parts: .all, changesAfter: nil, chunkSize: options.chunkSize, into: input),
                    let frame = input.frame
                else { throw Failure.consultationNotFound(run.consultationID) }
                let full = try await analyse(input, at: clock.now(), options: options) { try await report($0) }
                result = (full.report, full.state, frame.watermark)
            }
            guard var result else { throw Failure.consultationNotFound(run.consultationID) }
            try await report(.representativeness)
            // NB: the dashboard's own computation, summarised, without its per-target tallies (which would read every
            // vote again); a store without profiles (a bare SynthesisStore) has none.
            if let full = store as? any Store, let computed = try await Reweighting.summary(store: full, consultationID: run.consultationID) {
                result.report.representativeness = summarise(computed.figures)
            }
            try await report(.saving)
            do {
                // NB: in its own scope, so the report's JSON is freed before the state is encoded.
                let json = try result.report.storageJSON()
                try await store.finishSynthesisRun(id: run.id, result: json, failure: nil, at: clock.now())
            }
            // NB: the state is kept after the result: a run that failed to save it leaves the previous
            // state, whose watermark is older, so the next run replays more changes, never fewer.
            try await store.saveSynthesisState(SynthesisState(
                consultationID: run.consultationID, runID: run.id, watermark: result.watermark, payload: try result.state.encoded()))
            progress(.done, 1)
            detail(Progress(stage: .done, done: 0, total: 0, unit: "", fraction: 1))
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
        let input = Input.from(snapshot)
        var state = initialState(input)
        let refs = snapshot.targets.map { ref($0, options) }
        stage(.tallies)
        let (tallies, kinds) = talliesReport(state, frame: input.frame!, refs: refs)
        stage(.groups)
        let groups = computeGroups(input, state: &state, refs: refs, options: options)
        stage(.duplicates)
        let clusters = computeClusters(input, options: options)
        stage(.themes)
        var report = SynthesisReport(
            consultationID: snapshot.consultation.id, computedAt: now, duplicateThreshold: options.duplicateThreshold,
            tallies: tallies, kinds: kinds, groups: groups, clusters: clusters)
        report.themes = computeThemes(input, tallies: tallies, groups: groups, options: options.themes, excerptLength: options.excerptLength)
        return report
    }

    /// The full analysis of a scanned input; frees votes and texts as soon as they are no longer needed.
    static func analyse(
        _ input: Input, at now: Date, options: Options, stage: (Stage) async throws -> Void
    ) async throws -> (report: SynthesisReport, state: State) {
        let frame = input.frame!
        try await stage(.tallies)
        var state = initialState(input)
        let refs = frame.targets.map { ref($0, options) }
        let (tallies, kinds) = talliesReport(state, frame: frame, refs: refs)
        try await stage(.groups)
        let groups = computeGroups(input, state: &state, refs: refs, options: options)
        input.dropVotes()
        try await stage(.duplicates)
        let clusters = computeClusters(input, options: options)
        try await stage(.themes)
        let themes = computeThemes(input, tallies: tallies, groups: groups, options: options.themes, excerptLength: options.excerptLength)
        input.dropTexts()
        state.groups = groups
        state.clusters = clusters
        state.themes = themes
        var report = SynthesisReport(
            consultationID: frame.consultation.id, computedAt: now, duplicateThreshold: options.duplicateThreshold,
            tallies: tallies, kinds: kinds, groups: groups, clusters: clusters)
        report.themes = themes
        return (report, state)
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

    /// The counts of a freshly scanned input.
    static func initialState(_ input: Input) -> State {
        let frame = input.frame!
        let kinds = State.kinds.count
        var state = State(groups: .init(voters: 0, clustered: 0, groups: [], points: [], consensus: [], divisive: []), clusters: [])
        state.targets = frame.targets.map(\.target)
        state.counts = [Int32](repeating: 0, count: frame.targets.count * kinds * 3)
        state.participantIDs = frame.participants.map(\.id)
        state.participantKinds = frame.participants.map { UInt8(State.kindIndex($0.kind)) }
        state.participantVotes = [Int32](repeating: 0, count: frame.participants.count)
        state.participantGroups = [Int8](repeating: -1, count: frame.participants.count)
        for i in 0..<input.voteValue.count {
            let p = Int(input.voteParticipant[i])
            // 1 agree → 0, 0 mixed → 1, −1 disagree → 2.
            state.counts[State.slot(Int(input.voteTarget[i]), Int(state.participantKinds[p]), 1 - Int(input.voteValue[i]))] += 1
            state.participantVotes[p] += 1
        }
        state.groupVotes = input.voteValue.count
        return state
    }

    /// The ranked tallies and the per-kind rows, from the counts.
    static func talliesReport(
        _ state: State, frame: SynthesisFrame, refs: [SynthesisReport.TargetRef]
    ) -> ([SynthesisReport.TallyRow], [SynthesisReport.KindRow]) {
        let kinds = State.kinds
        var live: [SynthesisReport.Counts] = []
        var combined: [(id: Int, count: Tallies.Count)] = []
        live.reserveCapacity(frame.targets.count)
        combined.reserveCapacity(frame.targets.count)
        var kindTotals = [SynthesisReport.Counts](repeating: .init(), count: kinds.count)
        for (i, t) in frame.targets.enumerated() {
            var c = SynthesisReport.Counts()
            for k in 0..<kinds.count {
                let a = Int(state.counts[State.slot(i, k, 0)]), m = Int(state.counts[State.slot(i, k, 1)]), d = Int(state.counts[State.slot(i, k, 2)])
                c.agree += a; c.mixed += m; c.disagree += d
                kindTotals[k].agree += a; kindTotals[k].mixed += m; kindTotals[k].disagree += d
            }
            live.append(c)
            let base = t.importedTally ?? .zero
            combined.append((i, Tallies.Count(agree: c.agree + base.agree, mixed: c.mixed + base.mixed, disagree: c.disagree + base.disagree)))
        }
        let ranked = Tallies.rankByAgreement(combined)
        let rows = ranked.enumerated().map { rank, r -> SynthesisReport.TallyRow in
            let i = r.id
            var byKind: [String: SynthesisReport.Counts] = [:]
            for (k, kind) in kinds.enumerated() {
                let c = SynthesisReport.Counts(
                    agree: Int(state.counts[State.slot(i, k, 0)]), mixed: Int(state.counts[State.slot(i, k, 1)]),
                    disagree: Int(state.counts[State.slot(i, k, 2)]))
                if c.total > 0 { byKind[kind.rawValue] = c }
            }
            return .init(
                rank: rank + 1, target: refs[i], live: live[i], imported: frame.targets[i].importedTally.map(SynthesisReport.Counts.init),
                wilson: r.score, byKind: byKind)
        }
        var voters = [Int](repeating: 0, count: kinds.count)
        for (p, n) in state.participantVotes.enumerated() where n > 0 { voters[Int(state.participantKinds[p])] += 1 }
        let kindRows = kinds.enumerated().compactMap { k, kind -> SynthesisReport.KindRow? in
            guard voters[k] > 0 else { return nil }
            return .init(kind: kind.rawValue, voters: voters[k], counts: kindTotals[k])
        }
        return (rows, kindRows)
    }

    /// The state after `changes`, or nil when the changes cannot be replayed on it (targets changed,
    /// counts out of step with the store's counters, or too many changes since the groups were computed):
    /// the run then starts from scratch.
    static func applyChanges(_ changes: [SynthesisVoteChange], to saved: State, frame: SynthesisFrame, options: Options) -> State? {
        guard saved.targets == frame.targets.map(\.target) else { return nil }
        var state = saved
        var targetIndex: [Target: Int] = [:]
        targetIndex.reserveCapacity(state.targets.count)
        for (i, t) in state.targets.enumerated() { targetIndex[t] = i }
        var participantIndex: [ID: Int] = [:]
        participantIndex.reserveCapacity(state.participantIDs.count)
        for (i, id) in state.participantIDs.enumerated() { participantIndex[id] = i }
        let groupCount = state.groups.groups.count
        for c in changes {
            guard let t = targetIndex[c.target] else { return nil }
            let p: Int
            if let known = participantIndex[c.participantID] { p = known } else {
                p = state.participantIDs.count
                participantIndex[c.participantID] = p
                state.participantIDs.append(c.participantID)
                state.participantKinds.append(UInt8(State.kindIndex(c.kind)))
                state.participantVotes.append(0)
                state.participantGroups.append(-1)
            }
            let k = Int(state.participantKinds[p])
            let g = Int(state.participantGroups[p])
            let key = Synthesis.key(c.target)
            if let old = c.old, let o = State.choiceIndex(old) {
                let slot = State.slot(t, k, o)
                guard state.counts[slot] > 0, state.participantVotes[p] > 0 else { return nil }
                state.counts[slot] -= 1
                state.participantVotes[p] -= 1
                if g >= 0, g < groupCount, var row = state.groups.byGroup?[key] {
                    switch o { case 0: row[g].agree -= 1; case 1: row[g].mixed -= 1; default: row[g].disagree -= 1 }
                    state.groups.byGroup?[key] = row
                }
            }
            if let new = c.new, let n = State.choiceIndex(new) {
                state.counts[State.slot(t, k, n)] += 1
                state.participantVotes[p] += 1
                if g >= 0, g < groupCount, state.groups.byGroup != nil {
                    var row = state.groups.byGroup?[key] ?? Array(repeating: SynthesisReport.Counts(), count: groupCount)
                    switch n { case 0: row[g].agree += 1; case 1: row[g].mixed += 1; default: row[g].disagree += 1 }
                    state.groups.byGroup?[key] = row
                }
            }
        }
        state.changesSinceGroups += changes.count
        // NB: the counters kept by the store must agree with the replayed counts; otherwise something
        // changed votes without an event (or the state is stale) and only a full run is right.
        guard state.totalVotes == frame.voteCount else { return nil }
        guard Double(state.changesSinceGroups) <= options.groupRefreshShare * Double(max(state.groupVotes, 1)) else { return nil }
        state.groups.voters = state.participantVotes.lazy.filter { $0 > 0 }.count
        return state
    }

    // MARK: Opinion groups

    static func computeGroups(
        _ input: Input, state: inout State, refs: [SynthesisReport.TargetRef], options: Options
    ) -> SynthesisReport.Groups {
        let frame = input.frame!
        // Matrix rows: participants with at least one opinion vote, ascending id (frame order).
        var rowOf = [Int32](repeating: -1, count: frame.participants.count)
        var participantIDs: [ID] = []
        for (p, n) in state.participantVotes.enumerated() where n > 0 && p < rowOf.count {
            rowOf[p] = Int32(participantIDs.count)
            participantIDs.append(frame.participants[p].id)
        }
        var votes: [OpinionGroups.Vote] = []
        votes.reserveCapacity(input.voteValue.count)
        for i in 0..<input.voteValue.count {
            votes.append(.init(participant: Int(rowOf[Int(input.voteParticipant[i])]), target: Int(input.voteTarget[i]), value: input.voteValue[i]))
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
        var placed = 0
        for r in 0..<participantIDs.count where r < result.coordinates.count {
            let p = result.coordinates[r]
            guard p.x.isFinite, p.y.isFinite else { continue }
            placed += 1
            // NB: past `mapPoints`, the map keeps the participants with the lowest pseudonym numbers: the
            // pseudonyms are a random permutation, so that is a uniform sample, fixed by the pseudonym seed.
            guard pseudonyms[r] < options.mapPoints else { continue }
            let number = String(pseudonyms[r] + 1)
            points.append(.init(
                participant: "P" + String(repeating: "0", count: max(0, width - number.count)) + number,
                x: p.x, y: p.y, group: result.participantGroups[r]))
        }
        // NB: sorted by pseudonym so that the order of the rows says nothing about account ids.
        points.sort { $0.participant < $1.participant }
        for p in 0..<rowOf.count where rowOf[p] >= 0 {
            let r = Int(rowOf[p])
            if r < result.participantGroups.count, let g = result.participantGroups[r] { state.participantGroups[p] = Int8(clamping: g) }
        }
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
            var counts = [SynthesisReport.Counts](repeating: .init(), count: refs.count * result.groups.count)
            var seen = [Bool](repeating: false, count: refs.count)
            for v in votes {
                guard v.participant < result.participantGroups.count, let g = result.participantGroups[v.participant], g < result.groups.count
                else { continue }
                let i = v.target * result.groups.count + g
                if v.value > 0 { counts[i].agree += 1 } else if v.value < 0 { counts[i].disagree += 1 } else { counts[i].mixed += 1 }
                seen[v.target] = true
            }
            for t in 0..<refs.count where seen[t] {
                byGroup[refs[t].key] = Array(counts[(t * result.groups.count)..<((t + 1) * result.groups.count)])
            }
        }
        var out = SynthesisReport.Groups(
            voters: participantIDs.count, clustered: result.clusteredCount, groups: groups, points: points,
            consensus: result.consensus.map { .init(target: refs[$0.target], score: $0.score) },
            divisive: result.groups.count >= 2 ? result.divisive.map { .init(target: refs[$0.target], score: $0.score) } : [],
            byGroup: result.groups.isEmpty ? nil : byGroup)
        if placed > points.count { out.placed = placed }
        return out
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

    static func computeClusters(_ input: Input, options: Options) -> [SynthesisReport.Cluster] {
        let texts = input.texts
        guard texts.count >= 2, let detector = try? DuplicateDetector(threshold: options.duplicateThreshold) else { return [] }
        // NB: the detector keeps one normal form and a 256-byte signature per text: ~600 bytes a text,
        // so a million texts stay well under a gigabyte. Campaign signals are computed per cluster only.
        let clustering = detector.analyze(texts.bodies)
        let frame = input.frame!
        func item(_ i: Int) -> DuplicateCampaignContribution {
            let author = texts.authors[i]
            return DuplicateCampaignContribution(
                id: String(texts.ids[i]), text: "", authorID: author.map { "p\($0)" } ?? "c\(texts.ids[i])",
                authorCreatedAt: author.flatMap { input.participantIndex[$0] }.map { frame.participants[Int($0)].createdAt },
                submittedAt: texts.createdAt[i])
        }
        let reports = clustering.clusters
            .map { members in (members: members, report: DuplicateDetector.report(members: members.map(item), rule: options.campaignRule)) }
            .sorted { $0.members.count != $1.members.count ? $0.members.count > $1.members.count : texts.ids[$0.members[0]] < texts.ids[$1.members[0]] }
        return reports.enumerated().map { i, entry in
            let r = entry.report
            return SynthesisReport.Cluster(
                index: i, size: r.size, distinctAuthors: r.distinctAuthors, isBurst: r.isBurst,
                reasons: r.reasons.map { reason in
                    switch reason {
                    case .burstFromNewAccounts(_, _, let submissions, let new): return "burst:\(new)/\(submissions)"
                    case .repeatedByOneAuthor(_, let n): return "one_author:\(n)"
                    }
                },
                members: entry.members.map { m in
                    .init(contributionID: texts.ids[m], kind: texts.kinds[m], excerpt: excerpt(texts.bodies[m], options.excerptLength),
                          articleID: texts.articleIDs[m], parentID: texts.parentIDs[m])
                })
        }
    }
}

/// Writes the run row's progress: at every step (errors thrown), and within steps (best effort,
/// never backwards, at most every percent).
actor RunProgressWriter {
    let store: any SynthesisStore
    let runID: ID
    let clock: any Clock
    private var written = -1.0

    init(store: any SynthesisStore, runID: ID, clock: any Clock) { self.store = store; self.runID = runID; self.clock = clock }

    func boundary(stage: String, progress: Double) async throws {
        written = max(written, progress)
        try await store.updateSynthesisRun(id: runID, stage: stage, progress: progress, at: clock.now())
    }

    func within(stage: String, progress: Double) async {
        guard progress > written else { return }
        written = progress
        try? await store.updateSynthesisRun(id: runID, stage: stage, progress: progress, at: clock.now())
    }
}

/// Lets progress through at most once per percent of the run.
final class ProgressThrottle: @unchecked Sendable {
    private var last = -1.0
    func due(_ fraction: Double) -> Bool {
        guard fraction >= last + 0.01 else { return false }
        last = fraction
        return true
    }
}
