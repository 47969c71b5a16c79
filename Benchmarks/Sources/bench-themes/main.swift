// bench-themes: themes of free text (ContribuezAnalysis.Themes) measured on real labelled data and at scale.
//
//   bench-themes --data DIR [--seeds 5] [--write-input FILE]
//       DIR = shared data folder. Clusters the République numérique 2015 citizen proposals
//       (title + body, without their section) and the Decide Madrid comments (without their
//       proposal), once with k = the number of true classes and once with k chosen automatically,
//       for seeds 1…N, and prints NMI and ARI against the true classes as JSON lines. With
//       --write-input, writes the exact documents and classes (JSON lines) for the scikit-learn peer.
//   bench-themes --synthetic N [--themes 20]
//       N planted-topic French-like texts: fit on the default sample, assign all; prints time,
//       CPU, peak RSS and the ARI against the planted topics.
//
// A benchmark, not a test: run by scripts/bench-themes.sh, never in CI.
import ContribuezAnalysis
import Foundation

func peakRSSMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        return kb / 1024
    }
    return -1
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func json(_ object: [String: Any]) -> String {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self)
}

struct Dataset {
    var name: String
    var language: Themes.Language
    var documents: [Themes.Document]
    var classes: [String]
}

func loadRepubliqueNumerique(_ dir: URL) throws -> Dataset {
    let table = try CSVTable(contentsOf: dir.appendingPathComponent("republique-numerique-2015/opinions.csv"))
    let col = { (name: String) in table.header.firstIndex(of: name)! }
    let (id, kind, section, title, body) = (col("opinion_id"), col("kind"), col("section_subtitle"), col("title"), col("body_text"))
    var docs: [Themes.Document] = [], classes: [String] = []
    for row in table.rows where CSVTable.value(row, kind) == "citizen_proposal" {
        docs.append(.init(id: CSVTable.value(row, id), text: CSVTable.value(row, title) + "\n" + CSVTable.value(row, body)))
        classes.append(CSVTable.value(row, section))
    }
    return Dataset(name: "republique-numerique-proposals", language: .french, documents: docs, classes: classes)
}

func loadDecideMadrid(_ dir: URL) throws -> Dataset {
    let table = try CSVTable(contentsOf: dir.appendingPathComponent("decide-madrid-consul/comments.csv"))
    let col = { (name: String) in table.header.firstIndex(of: name)! }
    let (id, proposal, text) = (col("id"), col("proposalId"), col("text"))
    var docs: [Themes.Document] = [], classes: [String] = []
    for row in table.rows {
        docs.append(.init(id: CSVTable.value(row, id), text: CSVTable.value(row, text)))
        classes.append(CSVTable.value(row, proposal))
    }
    return Dataset(name: "decide-madrid-comments", language: .spanish, documents: docs, classes: classes)
}

func classNumbers(_ classes: [String]) -> [Int] {
    var ids: [String: Int] = [:]
    return classes.map { c in ids[c] ?? { ids[c] = ids.count; return ids.count - 1 }() }
}

let args = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

if let dataDir = option("--data") {
    let seeds = Int(option("--seeds") ?? "5") ?? 5
    let dir = URL(fileURLWithPath: dataDir)
    let datasets = [try loadRepubliqueNumerique(dir), try loadDecideMadrid(dir)]
    var inputLines: [String] = []
    for d in datasets {
        let truth = classNumbers(d.classes)
        let trueK = Set(truth).count
        for (i, doc) in d.documents.enumerated() {
            inputLines.append(json(["dataset": d.name, "id": doc.id, "text": doc.text, "class": d.classes[i]]))
        }
        inputLines.append(json(["dataset": d.name, "stopwords": StopWords.set(d.language).sorted()]))
        for mode in ["true-k", "auto-k"] {
            for seed in 1...seeds {
                var options = Themes.Options()
                options.seed = UInt64(seed)
                options.language = d.language
                options.themeCount = mode == "true-k" ? trueK : nil
                let t0 = now()
                let result = Themes.analyze(d.documents, options: options)
                let seconds = now() - t0
                // Texts without a known word form their own group: they count against us.
                let found = result.assignment.map { $0 ?? -1 }
                var line: [String: Any] = [
                    "dataset": d.name, "method": "ours", "mode": mode, "seed": seed, "documents": d.documents.count,
                    "classes": trueK, "k": result.model.themeCount,
                    "unassigned": result.assignment.filter { $0 == nil }.count,
                    "nmi": NormalizedMutualInformation.compute(truth, found),
                    "ari": AdjustedRandIndex.compute(truth, found), "seconds": seconds,
                ]
                if seed == 1 {
                    line["labels"] = result.themes.map { t in
                        ["label": t.label, "size": t.members.count,
                         "majority": Dictionary(grouping: t.members, by: { d.classes[$0] }).max { $0.value.count != $1.value.count ? $0.value.count < $1.value.count : $0.key > $1.key }?.key ?? ""] as [String: Any]
                    }
                }
                print(json(line))
            }
        }
    }
    if let path = option("--write-input") {
        try (inputLines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
} else if let n = option("--synthetic").flatMap({ Int($0) }) {
    let topicCount = Int(option("--themes") ?? "20") ?? 20
    // Pseudo-French words from syllables: topic words (each topic its own 30) and a shared Zipfian filler vocabulary.
    var state: UInt64 = 42
    func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    let syllables = ["ba", "cor", "di", "fan", "gé", "lu", "mar", "né", "pol", "ri", "sa", "tin", "vé", "zo", "cha", "bru", "mon", "ter", "vil", "quan"]
    func word() -> String { (0..<(2 + Int(next() % 2))).map { _ in syllables[Int(next() % UInt64(syllables.count))] }.joined() + ["tion", "ment", "ité", "eur", "age", "ique"][Int(next() % 6)] }
    let topics = (0..<topicCount).map { _ in (0..<30).map { _ in word() } }
    let filler = (0..<5_000).map { _ in word() }
    let stop = ["le", "la", "les", "des", "de", "et", "pour", "une", "un", "dans", "que", "qui", "est", "sont", "nous", "il", "faut"]
    var docs: [Themes.Document] = []
    docs.reserveCapacity(n)
    var truth: [Int] = []
    truth.reserveCapacity(n)
    for i in 0..<n {
        let t = Int(next() % UInt64(topicCount))
        let length = 15 + Int(next() % 45)
        var words: [String] = []
        for _ in 0..<length {
            let r = next() % 100
            if r < 30 { words.append(topics[t][Int(next() % 30)]) }
            else if r < 60 { words.append(stop[Int(next() % UInt64(stop.count))]) }
            else {
                // Zipf-like: rank ∝ 1/u.
                let u = Double(next() % 1_000_000 + 1) / 1_000_000
                words.append(filler[min(filler.count - 1, Int(1 / u) - 1)])
            }
        }
        docs.append(.init(id: String(i), text: words.joined(separator: " ") + "."))
        truth.append(t)
    }
    let rssTexts = peakRSSMegabytes()
    let t0 = now(), c0 = cpuSeconds()
    let result = Themes.analyze(docs, options: .init())
    let seconds = now() - t0, cpu = cpuSeconds() - c0
    let found = result.assignment.map { $0 ?? -1 }
    print(json([
        "documents": n, "k": result.model.themeCount, "planted": topicCount, "seconds": seconds, "cpu_seconds": cpu,
        "peak_rss_mb": peakRSSMegabytes(), "rss_after_generation_mb": rssTexts,
        "ari": AdjustedRandIndex.compute(truth, found), "nmi": NormalizedMutualInformation.compute(truth, found),
    ]))
} else {
    FileHandle.standardError.write("usage: bench-themes --data DIR [--seeds N] [--write-input FILE] | --synthetic N [--themes K]\n".data(using: .utf8)!)
    exit(2)
}
