import ContribuezAnalysis
import Foundation

// Raking benchmark: N synthetic respondents (default 1M) raked on 4 shipped INSEE margins
// (sex 2, age 7, région 18, diploma 7 categories), from a sample skewed the way online
// consultations are (more men, graduates, Île-de-France, middle-aged people).
//
// usage: bench-raking [--n N] [--runs R] [--data DIR]
//   --data DIR writes DIR/respondents.csv and DIR/margins.csv (the peers' input) and
//   DIR/weights-swift.csv (our weights, for the side-by-side check), and also times the
//   whole CSV path (parse + rake + print) of `contribuez analyze reweight`.

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

var n = 1_000_000, runs = 5
var dataDir: String? = nil
var args = CommandLine.arguments.dropFirst().makeIterator()
while let arg = args.next() {
    switch arg {
    case "--n": n = Int(args.next() ?? "") ?? n
    case "--runs": runs = Int(args.next() ?? "") ?? runs
    case "--data": dataDir = args.next()
    default: fatalError("unknown argument \(arg)")
    }
}

let references = ["sex", "age", "region", "diploma"].map { ReferenceMargins.france($0)! }
let margins = references.map(\.rakingMargin)
// Skew: multiply population shares by a tilt, renormalise, draw.
let tilts: [[Double]] = [
    [0.7, 1.35],
    [0.5, 0.9, 1.3, 1.3, 1.2, 0.9, 0.5],
    margins[2].categories.map { $0 == "11" ? 1.8 : ($0.count == 2 && $0.hasPrefix("0") ? 0.4 : 1.0) },
    [0.4, 0.6, 0.7, 1.0, 1.3, 1.6, 2.0],
]
var rng = SplitMix(state: 2021)
func cumulative(_ shares: [Double], _ tilt: [Double]) -> [Double] {
    let p = zip(shares, tilt).map { $0 * $1 }
    let total = p.reduce(0, +)
    var acc = 0.0
    return p.map { acc += $0 / total; return acc }
}
func draw(_ cumulative: [Double], _ rng: inout SplitMix) -> UInt16 {
    let u = Double.random(in: 0..<1, using: &rng)
    return UInt16(cumulative.firstIndex { u < $0 } ?? (cumulative.count - 1))
}
// NB: diploma depends on age (the young hold more degrees) and région on diploma (graduates
// in Île-de-France), so the dimensions are correlated as in real samples and IPF needs
// several cycles; independent draws would converge in one or two.
let sexTable = cumulative(margins[0].shares, tilts[0]), ageTable = cumulative(margins[1].shares, tilts[1])
let diplomaTables = (0..<7).map { a in
    cumulative(margins[3].shares, tilts[3].enumerated().map { j, t in t * exp(0.35 * Double(3 - a) * Double(j - 3) / 3) })
}
let regionTables = (0..<7).map { j in
    cumulative(margins[2].shares, zip(margins[2].categories, tilts[2]).map { c, t in c == "11" ? t * exp(0.3 * Double(j - 3)) : t })
}
var codes: [[UInt16]] = Array(repeating: [], count: 4)
for d in 0..<4 { codes[d].reserveCapacity(n) }
for _ in 0..<n {
    let a = draw(ageTable, &rng), dip = draw(diplomaTables[Int(a)], &rng)
    codes[0].append(draw(sexTable, &rng))
    codes[1].append(a)
    codes[2].append(draw(regionTables[Int(dip)], &rng))
    codes[3].append(dip)
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

var times: [Double] = []
var last: Raking.Result? = nil
let clock = ContinuousClock()
for _ in 0..<runs {
    let start = clock.now
    last = try Raking.rake(codes: codes, margins: margins)
    times.append(seconds(clock.now - start))
}
times.sort()
let report = last!.report
print("swift_engine_median_s=\(times[times.count / 2]) min_s=\(times[0]) runs=\(runs) n=\(n) dims=\(margins.count)")
print("swift_iterations=\(report.iterations) max_rel_margin_error=\(report.maxRelativeMarginError) deff=\(report.designEffect) ess=\(report.effectiveSampleSize)")

let trimStart = clock.now
let trimmed = try Raking.rake(codes: codes, margins: margins, options: .init(trim: .init(low: 0.2, high: 5)))
print("swift_engine_trim_0.2_5_s=\(seconds(clock.now - trimStart)) iterations=\(trimmed.report.iterations) at_bounds=\(trimmed.report.weightsAtTrimBounds)")

// The same raking without merging cells: the respondent-by-respondent IPF loop.
var oneByOne = Raking.Options()
oneByOne.aggregateCells = false
let oneStart = clock.now
let one = try Raking.rake(codes: codes, margins: margins, options: oneByOne)
print("swift_engine_one_by_one_s=\(seconds(clock.now - oneStart)) one_iterations=\(one.report.iterations)")

// Base weights and trimming together: the respondent-by-respondent path (no cell merging).
let baseWeights = (0..<n).map { 0.5 + Double(($0 &* 2_654_435_761) % 1000) / 666.0 }
let baseStart = clock.now
let based = try Raking.rake(
    codes: codes, margins: margins, baseWeights: baseWeights, options: .init(trim: .init(low: 0.2, high: 5)))
print("swift_engine_base_weights_trim_s=\(seconds(clock.now - baseStart)) base_iterations=\(based.report.iterations)")

if let dataDir {
    let dir = URL(fileURLWithPath: dataDir)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    var respondents = "id," + margins.map(\.dimension).joined(separator: ",") + "\n"
    respondents.reserveCapacity(n * 24)
    for i in 0..<n {
        respondents += "r\(i)"
        for d in margins.indices { respondents += "," + margins[d].categories[Int(codes[d][i])] }
        respondents += "\n"
    }
    var marginsCSV = "dimension,category,share\n"
    for margin in margins {
        for (c, s) in zip(margin.categories, margin.shares) { marginsCSV += "\(margin.dimension),\(c),\(s)\n" }
    }
    try respondents.write(to: dir.appendingPathComponent("respondents.csv"), atomically: true, encoding: .utf8)
    try marginsCSV.write(to: dir.appendingPathComponent("margins.csv"), atomically: true, encoding: .utf8)
    let encodeStart = clock.now
    let parsed = try Raking.parseMargins(csv: marginsCSV)
    _ = try Raking.encodeRespondents(csv: respondents, margins: parsed)
    print("swift_csv_read_encode_s=\(seconds(clock.now - encodeStart))")
    let start = clock.now
    let (csv, _) = try Raking.reweightCSV(respondents: respondents, margins: marginsCSV)
    print("swift_csv_end_to_end_s=\(seconds(clock.now - start))")
    try csv.write(to: dir.appendingPathComponent("weights-swift.csv"), atomically: true, encoding: .utf8)
}
