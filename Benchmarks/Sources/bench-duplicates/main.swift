// Near-duplicate and campaign detection at scale.
//
// Generates a synthetic consultation of `--size` texts (default 1,000,000): organic-like
// texts recombined from real République numérique arguments and Decide Madrid comments
// (2-5 sentences, 30 % of their words replaced by words drawn from the same corpus), and
// 10 % planted campaigns (the FCC 17-108 form letters and 200 French arguments used as
// templates, Zipf-sized, copies edited like a campaign: salutation/signature, punctuation,
// one or two words inserted/removed/replaced). Then times DuplicateDetector on them and
// reports wall time and peak RSS (VmHWM).
//
// Usage: bench-duplicates [--size N] [--data DIR] [--threshold J]
//                         [--write-csv FILE] [--write-clusters FILE]
// --write-csv writes id,normalized,planted (the normal forms our detector shingles) so a
// peer (datasketch) can run on exactly the same shingles; --write-clusters writes our
// {"clusters": …} JSON.
import ContribuezAnalysis
import Foundation

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func peakRSSMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        return kb / 1024
    }
    return -1
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// CPU time of the process (user + system): on a shared machine, wall time alone misleads.
func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

// MARK: Arguments

var size = 1_000_000
var threshold = 0.7
var writeCSV: String?
var writeClusters: String?
var dataDir = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data")
if let env = ProcessInfo.processInfo.environment["CONTRIBUEZ_SHARED_DATA"] { dataDir = URL(fileURLWithPath: env) }
var args = CommandLine.arguments.dropFirst().makeIterator()
while let a = args.next() {
    switch a {
    case "--size": size = Int(args.next()!)!
    case "--threshold": threshold = Double(args.next()!)!
    case "--data": dataDir = URL(fileURLWithPath: args.next()!)
    case "--write-csv": writeCSV = args.next()!
    case "--write-clusters": writeClusters = args.next()!
    default: fatalError("unknown argument \(a)")
    }
}

// MARK: Source texts

@MainActor func column(_ file: String, _ name: String) throws -> [String] {
    let t = try CSVTable(contentsOf: dataDir.appendingPathComponent(file))
    let c = try t.column(name)
    return t.rows.map { CSVTable.value($0, c) }.filter { !$0.isEmpty }
}

let t0 = now()
let arguments = try column("republique-numerique-2015/arguments.csv", "body")
let comments = try column("decide-madrid-consul/comments.csv", "text")
var fcc = try column("form-letters-fcc-17-108/fcc_17-108_form_letters_by_source.csv", "text")
fcc += try column("form-letters-fcc-17-108/fcc_17-108_top_duplicates.csv", "text")
let organicSources = arguments + comments

var sentences: [String] = []
var tokens: [Substring] = []
for text in organicSources {
    var current = ""
    for ch in text {
        current.append(ch)
        if ch == "." || ch == "!" || ch == "?" || ch == "\n" {
            let s = current.trimmingCharacters(in: .whitespacesAndNewlines)
            if s.count > 3 { sentences.append(s) }
            current = ""
        }
    }
    let s = current.trimmingCharacters(in: .whitespacesAndNewlines)
    if s.count > 3 { sentences.append(s) }
}
let sentenceWords = sentences.map { $0.split(separator: " ") }
for s in sentenceWords { tokens.append(contentsOf: s) }

var rng = SplitMix(state: 42)
@MainActor func organicText() -> String {
    var parts: [Substring] = []
    for _ in 0..<Int.random(in: 2...5, using: &rng) {
        for w in sentenceWords.randomElement(using: &rng)! {
            parts.append(Double.random(in: 0..<1, using: &rng) < 0.3 ? tokens.randomElement(using: &rng)! : w)
        }
    }
    return parts.joined(separator: " ")
}

let salutations = ["Dear FCC,", "Dear Commissioners:", "Hello,", "Bonjour,", "Madame, Monsieur,", "Madame la Ministre,"]
let closings = ["Sincerely,\nJohn Smith", "Thank you,\nMary Jones", "Cordialement,\nJean Dupont", "Bien à vous, Anne", "\n\nPaul Martin"]
let insertions = ["really", "strongly", "vraiment", "aussi", "très", "also", "simply"]
@MainActor func variant(_ template: String) -> String {
    var words = template.split(separator: " ").map(String.init)
    if words.count >= 15 && Double.random(in: 0..<1, using: &rng) < 0.6 {
        for _ in 0..<(words.count >= 40 ? Int.random(in: 1...2, using: &rng) : 1) {
            let i = Int.random(in: 1..<(words.count - 1), using: &rng)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: words.insert(insertions.randomElement(using: &rng)!, at: i)
            case 1: words.remove(at: i)
            default: words[i] = insertions.randomElement(using: &rng)!
            }
        }
    }
    var text = words.joined(separator: " ")
    if Bool.random(using: &rng) { text = text.replacingOccurrences(of: ",", with: "") }
    if Bool.random(using: &rng) { text = salutations.randomElement(using: &rng)! + "\n" + text }
    if Bool.random(using: &rng) { text += "\n" + closings.randomElement(using: &rng)! }
    return text
}

// Campaign templates: the FCC letters and 200 long French arguments.
var templates = fcc
var longArguments = arguments.filter { $0.count >= 200 }
longArguments.shuffle(using: &rng)
templates += longArguments.prefix(200)
let plantedTotal = size / 10
let harmonic = (1...templates.count).map { 1.0 / Double($0) }.reduce(0, +)
var plan: [Int] = []  // template index per planted text
for (t, _) in templates.enumerated() {
    let n = max(2, Int((Double(plantedTotal) / harmonic / Double(t + 1)).rounded()))
    plan.append(contentsOf: repeatElement(t, count: n))
}
plan = Array(plan.prefix(plantedTotal))

var texts: [(id: String, text: String)] = []
var planted: [Bool] = []
texts.reserveCapacity(size)
planted.reserveCapacity(size)
var slots = [Int](repeating: -1, count: size)
for (i, t) in plan.enumerated() { slots[i] = t }
slots.shuffle(using: &rng)
for i in 0..<size {
    if slots[i] >= 0 {
        texts.append(("c\(i)", variant(templates[slots[i]])))
        planted.append(true)
    } else {
        texts.append(("o\(i)", organicText()))
        planted.append(false)
    }
}
let generation = now() - t0
let bytes = texts.reduce(0) { $0 + $1.text.utf8.count }
print("generated \(size) texts (\(plan.count) planted from \(templates.count) templates, \(bytes / 1_000_000) MB) in \(String(format: "%.1f", generation)) s; RSS peak so far \(Int(peakRSSMegabytes())) MB")

// MARK: Detection

let detector = try DuplicateDetector(threshold: threshold)
let textsOnly = texts.map(\.text)
let start = now()
let cpuStart = cpuSeconds()
let result = detector.analyze(textsOnly)
let elapsed = now() - start
let cpu = cpuSeconds() - cpuStart
let clustered = result.clusters.map(\.count).reduce(0, +)
let plantedClustered = result.clusters.reduce(0) { $0 + $1.filter { planted[$0] }.count }
let precisionDenominator = result.clusters.filter { $0.contains { planted[$0] } }.map(\.count).reduce(0, +)
print("""
    detect: \(String(format: "%.2f", elapsed)) s wall, \(String(format: "%.2f", cpu)) s CPU, peak RSS \(Int(peakRSSMegabytes())) MB
      threshold \(threshold), \(detector.bands) bands × \(detector.rows) rows of \(detector.signatureSize)
      \(result.distinctNormalForms) distinct normal forms, \(result.emptyTexts) empty
      \(result.candidatePairs) candidate pairs checked, \(result.exactChecks) exact Jaccard, \(result.linkedPairs) links, \(result.cappedComparisons) capped in a bucket
      \(result.clusters.count) clusters holding \(clustered) texts
      planted: recall \(String(format: "%.4f", Double(plantedClustered) / Double(max(1, plan.count)))), precision \(String(format: "%.4f", Double(plantedClustered) / Double(max(1, precisionDenominator))))
    """)

// MARK: Outputs for the peer comparison

if let path = writeClusters {
    let ids = result.clusters.map { $0.map { texts[$0].id } }
    try DuplicateDetector.clustersJSON(ids).write(to: URL(fileURLWithPath: path))
}
if let path = writeCSV {
    var out = "id,normalized,planted\n"
    for (i, t) in texts.enumerated() {
        out += t.id + ",\"" + TextNormalization.normalize(t.text) + "\"," + (planted[i] ? "1" : "0") + "\n"
    }
    try Data(out.utf8).write(to: URL(fileURLWithPath: path))
}
