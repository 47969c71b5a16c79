import ContribuezAnalysis
import Foundation

// Measures OpinionGroups (Polis-style opinion groups) on a synthetic consultation with planted
// groups, or on a Polis openData folder. Prints one JSON object per run on stdout.
//
//   bench-groups [--participants N] [--targets M] [--votes V] [--groups G] [--seed S]
//                [--write-votes FILE] [--labels-out FILE]
//   bench-groups --polis DIR [--labels-out FILE] [--no-replay] [--window-ms MS]
//
// With --polis, when the folder has votes.csv the vote history is also replayed in time order,
// one Polis update per window of MS milliseconds with votes (default 1000, Polis's poll interval),
// carrying the k smoother and the warm-started clusters (OpinionGroups.replay).
// --write-votes writes the synthetic votes as CSV (participant_id,statement_id,vote) so that a
// Python peer runs on the very same data; --labels-out writes our group per participant id.

struct BenchArguments {
    var participants = 100_000
    var targets = 2_000
    var votes = 5_000_000
    var groups = 4
    var seed: UInt64 = 1
    var polis: String? = nil
    var writeVotes: String? = nil
    var labelsOut: String? = nil
    var replay = true
    var windowMilliseconds: Int64 = 1000

    init(_ args: [String]) {
        var i = 1
        func next() -> String {
            i += 1
            guard i < args.count else { fatalError("missing value after \(args[i - 1])") }
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--participants": participants = Int(next())!
            case "--targets": targets = Int(next())!
            case "--votes": votes = Int(next())!
            case "--groups": groups = Int(next())!
            case "--seed": seed = UInt64(next())!
            case "--polis": polis = next()
            case "--write-votes": writeVotes = next()
            case "--labels-out": labelsOut = next()
            case "--no-replay": replay = false
            case "--window-ms": windowMilliseconds = Int64(next())!
            default: fatalError("unknown argument \(args[i])")
            }
            i += 1
        }
    }
}

/// Peak resident set size of this process in MiB (Linux `VmHWM`).
func peakRSSMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? -1
        return kb / 1024
    }
    return -1
}

func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

/// A planted consultation: `groups` camps of sizes ∝ 4:3:2:1…, each with its own opinion profile
/// (agree with probability 0.85 or 0.15 per target, 10 % passes); each participant votes on a
/// number of distinct targets drawn uniformly around the mean (some fall under 7 votes and are
/// left out, as in real consultations).
struct PlantedConsultation {
    var votes: [OpinionGroups.Vote] = []
    var truth: [Int] = []

    init(_ a: BenchArguments) {
        var rng = OpinionGroups.SeededGenerator(seed: a.seed)
        var agreeProbability = [Double](repeating: 0, count: a.groups * a.targets)
        for i in 0..<agreeProbability.count { agreeProbability[i] = Bool.random(using: &rng) ? 0.85 : 0.15 }
        let weights = (0..<a.groups).map { Double(a.groups - $0) }
        let totalWeight = weights.reduce(0, +)
        let mean = max(1, a.votes / max(a.participants, 1))
        votes.reserveCapacity(a.votes + a.participants)
        truth.reserveCapacity(a.participants)
        var chosen = Set<Int>()
        for p in 0..<a.participants {
            var u = Double.random(in: 0..<totalWeight, using: &rng)
            var g = 0
            while g < a.groups - 1 && u >= weights[g] { u -= weights[g]; g += 1 }
            truth.append(g)
            let n = min(a.targets, Int.random(in: 1...(2 * mean - 1), using: &rng))
            chosen.removeAll(keepingCapacity: true)
            while chosen.count < n { chosen.insert(Int.random(in: 0..<a.targets, using: &rng)) }
            for t in chosen.sorted() {
                let value: Int8
                if Double.random(in: 0..<1, using: &rng) < 0.1 {
                    value = 0
                } else {
                    value = Double.random(in: 0..<1, using: &rng) < agreeProbability[g * a.targets + t] ? 1 : -1
                }
                votes.append(.init(participant: p, target: t, value: value))
            }
        }
    }
}

func writeLabels(_ path: String, ids: [String], groups: [Int?]) throws {
    var text = "participant_id,group\n"
    for (id, g) in zip(ids, groups) { text += "\(id),\(g.map(String.init) ?? "")\n" }
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

func json(_ fields: [(String, Any)]) -> String {
    "{" + fields.map { key, value in
        let v: String
        switch value {
        case let s as String: v = "\"\(s)\""
        case let d as Double: v = String(format: "%.4f", d)
        default: v = "\(value)"
        }
        return "\"\(key)\": \(v)"
    }.joined(separator: ", ") + "}"
}

let arguments = BenchArguments(CommandLine.arguments)

if let folder = arguments.polis {
    let start = DispatchTime.now()
    let conversation = try PolisOpenData.read(directory: URL(fileURLWithPath: folder))
    let read = seconds(since: start)
    let analysisStart = DispatchTime.now()
    let result = OpinionGroups.analyze(conversation.matrix, options: conversation.analysisOptions())
    let analysis = seconds(since: analysisStart)
    if let out = arguments.labelsOut {
        try writeLabels(out, ids: conversation.matrix.participantIDs, groups: result.participantGroups)
    }
    var ours: [Int] = [], polis: [Int] = []
    for (r, g) in result.participantGroups.enumerated() {
        if let g, let p = conversation.polisGroups[r] { ours.append(g); polis.append(p) }
    }
    var fields: [(String, Any)] = [
        ("conversation", URL(fileURLWithPath: folder).lastPathComponent),
        ("participants", conversation.matrix.participantCount), ("targets", conversation.matrix.targetCount),
        ("votes", conversation.matrix.voteCount), ("k", result.groups.count),
        ("polis_k", Set(conversation.polisGroups.compactMap { $0 }).count),
        ("read_s", read), ("analyze_s", analysis),
        ("ari_vs_polis", AdjustedRandIndex.compute(ours, polis)),
    ]
    let votesURL = URL(fileURLWithPath: folder).appendingPathComponent("votes.csv")
    if arguments.replay, FileManager.default.fileExists(atPath: votesURL.path) {
        let events = try OpinionGroups.readVoteEvents(votesURL)
        let moderatedOut = Set(conversation.comments.filter(\.isModeratedOut).map(\.id))
        let replayStart = DispatchTime.now()
        let replay = try OpinionGroups.replay(
            events, windowMilliseconds: arguments.windowMilliseconds, excludedTargetIDs: moderatedOut,
            options: conversation.analysisOptions())
        let replayTime = seconds(since: replayStart)
        var polisOf: [String: Int] = [:]
        for (r, id) in conversation.matrix.participantIDs.enumerated() { polisOf[id] = conversation.polisGroups[r] }
        var mine: [Int] = [], theirs: [Int] = []
        for (r, g) in replay.result.participantGroups.enumerated() {
            if let g, let p = polisOf[replay.matrix.participantIDs[r]] { mine.append(g); theirs.append(p) }
        }
        let changes = zip(replay.publishedK, replay.publishedK.dropFirst()).filter { $0 != $1 }.count
        fields += [
            ("replay_k", replay.result.groups.count), ("replay_updates", replay.updates),
            ("replay_k_changes", changes), ("replay_s", replayTime),
            ("ari_replay_vs_polis", AdjustedRandIndex.compute(mine, theirs)),
        ]
    }
    fields.append(("peak_rss_mib", peakRSSMiB()))
    print(json(fields))
} else {
    let generationStart = DispatchTime.now()
    let planted = PlantedConsultation(arguments)
    let generation = seconds(since: generationStart)
    let ids = (0..<arguments.participants).map(String.init)
    if let path = arguments.writeVotes {
        var text = "participant_id,statement_id,vote\n"
        text.reserveCapacity(planted.votes.count * 12)
        for v in planted.votes { text += "\(v.participant),\(v.target),\(v.value)\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try writeLabels(path + ".truth.csv", ids: ids, groups: planted.truth)
    }
    let buildStart = DispatchTime.now()
    let matrix = try OpinionGroups.VoteMatrix(
        participantIDs: ids, targetIDs: (0..<arguments.targets).map(String.init), votes: planted.votes)
    let build = seconds(since: buildStart)
    let analysisStart = DispatchTime.now()
    let result = OpinionGroups.analyze(matrix)
    let analysis = seconds(since: analysisStart)
    if let out = arguments.labelsOut { try writeLabels(out, ids: ids, groups: result.participantGroups) }
    var ours: [Int] = [], truth: [Int] = []
    for (r, g) in result.participantGroups.enumerated() {
        if let g { ours.append(g); truth.append(planted.truth[r]) }
    }
    print(json([
        ("participants", arguments.participants), ("targets", arguments.targets), ("votes", matrix.voteCount),
        ("clustered", ours.count), ("k", result.groups.count), ("planted_k", arguments.groups),
        ("generate_s", generation), ("build_matrix_s", build), ("analyze_s", analysis),
        ("ari_vs_planted", AdjustedRandIndex.compute(ours, truth)), ("peak_rss_mib", peakRSSMiB()),
    ]))
}
