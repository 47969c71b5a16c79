import Foundation
import Testing

@testable import ContribuezAnalysis

/// Reads the committed raking fixtures (made once by scripts/raking-reference.py).
enum RakingFixtures {
    static let directory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/raking")

    static func text(_ name: String) throws -> String {
        String(decoding: try Data(contentsOf: directory.appendingPathComponent(name)), as: UTF8.self)
    }

    /// id → weight of an `id,weight` CSV.
    static func weights(_ csv: String) throws -> [String: Double] {
        var result: [String: Double] = [:]
        for row in try CSV.parse(csv).dropFirst() { result[row[0]] = Double(row[1]) }
        return result
    }
}

/// Small synthetic samples built in the tests themselves.
enum RakingSamples {
    /// A deterministic pseudo-random generator (SplitMix64), so samples are reproducible.
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

    /// `n` respondents over dimensions with the given category probabilities.
    static func codes(n: Int, probabilities: [[Double]], seed: UInt64) -> [[UInt16]] {
        var rng = SplitMix(state: seed)
        return probabilities.map { p in
            (0..<n).map { _ in
                var u = Double.random(in: 0..<1, using: &rng)
                for (c, q) in p.enumerated() {
                    if u < q { return UInt16(c) }
                    u -= q
                }
                return UInt16(p.count - 1)
            }
        }
    }

    static let margins = [
        Raking.Margin(dimension: "sex", categories: ["F", "M"], shares: [0.52, 0.48]),
        Raking.Margin(dimension: "age", categories: ["18-34", "35-64", "65+"], shares: [0.27, 0.48, 0.25]),
        Raking.Margin(dimension: "diploma", categories: ["none", "bac", "sup"], shares: [0.35, 0.25, 0.40]),
    ]
}

@Suite("Raking")
struct RakingTests {
    @Test("weights match weightipy and samplics within 1e-6 on the hdv2003 sample")
    func matchesPeers() throws {
        // setup
        let respondents = try RakingFixtures.text("hdv2003-respondents.csv")
        let margins = try RakingFixtures.text("hdv2003-margins.csv")
        let peers = try ["weightipy", "samplics"].map {
            try RakingFixtures.weights(RakingFixtures.text("hdv2003-weights-\($0).csv"))
        }

        // act
        let (csv, _) = try Raking.reweightCSV(respondents: respondents, margins: margins)
        let ours = try RakingFixtures.weights(csv)

        // check
        for peer in peers {
            #expect(peer.count == 1888)
            #expect(Set(ours.keys) == Set(peer.keys))
            var worst = 0.0
            for (id, w) in peer { worst = max(worst, abs((ours[id] ?? .infinity) - w)) }
            #expect(worst <= 1e-6, "max |ours − peer| = \(worst)")
        }
    }

    @Test("margins are reproduced to a relative error of 1e-10 or better, checked independently")
    func reproducesMargins() throws {
        // setup
        let respondents = try RakingFixtures.text("hdv2003-respondents.csv")
        let margins = try Raking.parseMargins(csv: RakingFixtures.text("hdv2003-margins.csv"))
        let encoded = try Raking.encodeRespondents(csv: respondents, margins: margins)

        // act
        let result = try Raking.rake(codes: encoded.codes, margins: encoded.margins)

        // check: recount the weighted totals here rather than trusting the report
        let weighted = result.isWeighted.filter { $0 }.count
        var worst = 0.0
        for (d, margin) in encoded.margins.enumerated() {
            var totals = [Double](repeating: 0, count: margin.categories.count)
            for i in result.weights.indices where result.isWeighted[i] {
                totals[Int(encoded.codes[d][i])] += result.weights[i]
            }
            for (c, share) in margin.shares.enumerated() {
                worst = max(worst, abs(totals[c] - share * Double(weighted)) / (share * Double(weighted)))
            }
        }
        #expect(worst <= 1e-10)
        #expect(result.report.maxRelativeMarginError <= 1e-10)
        #expect(abs(result.weights.reduce(0, +) - Double(weighted)) <= 1e-8)
    }

    @Test("respondents with an unanswered dimension are excluded from the output and counted in the report")
    func unansweredExcluded() throws {
        // setup
        let respondents = try RakingFixtures.text("hdv2003-respondents.csv")
        let margins = try RakingFixtures.text("hdv2003-margins.csv")
        let rows = try CSV.parse(respondents).dropFirst()
        let unansweredIds = Set(rows.filter { $0.contains("") }.map { $0[0] })

        // act
        let (csv, reportData) = try Raking.reweightCSV(respondents: respondents, margins: margins)
        let report = try JSONDecoder().decode(Raking.Report.self, from: reportData)
        let ids = Set(try CSV.parse(csv).dropFirst().map { $0[0] })

        // check
        #expect(unansweredIds.count == 112)
        #expect(report.excludedRespondents == unansweredIds.count)
        #expect(report.respondents == rows.count)
        #expect(report.weightedRespondents == rows.count - unansweredIds.count)
        #expect(ids.isDisjoint(with: unansweredIds))
        #expect(ids.count == report.weightedRespondents)
    }

    @Test("the report states Kish's effective sample size and design effect of the weights")
    func kishFigures() throws {
        // setup
        let margins = RakingSamples.margins
        let codes = RakingSamples.codes(n: 5000, probabilities: [[0.4, 0.6], [0.5, 0.3, 0.2], [0.2, 0.3, 0.5]], seed: 7)

        // act
        let result = try Raking.rake(codes: codes, margins: margins)

        // check
        let w = result.weights
        let sum = w.reduce(0, +), squares = w.reduce(0) { $0 + $1 * $1 }
        #expect(abs(result.report.effectiveSampleSize - sum * sum / squares) <= 1e-6)
        #expect(abs(result.report.designEffect - 5000 * squares / (sum * sum)) <= 1e-12)
        #expect(result.report.designEffect > 1)
        #expect(result.report.iterations > 1)
    }

    @Test("trimmed weights stay within the bounds while the margins are still met")
    func trimmingBounds() throws {
        // setup: a skewed sample whose untrimmed weights go far beyond [0.35, 5]
        let margins = RakingSamples.margins
        let codes = RakingSamples.codes(n: 4000, probabilities: [[0.3, 0.7], [0.3, 0.6, 0.1], [0.15, 0.2, 0.65]], seed: 11)
        let untrimmed = try Raking.rake(codes: codes, margins: margins)

        // act
        let trimmed = try Raking.rake(codes: codes, margins: margins, options: .init(trim: .init(low: 0.35, high: 5)))

        // check
        #expect(untrimmed.weights.max()! > 5 && untrimmed.weights.min()! < 0.35, "\(untrimmed.weights.min()!)…\(untrimmed.weights.max()!)")
        #expect(trimmed.weights.allSatisfy { $0 >= 0.35 - 1e-9 && $0 <= 5 + 1e-9 })
        #expect(trimmed.report.weightsAtTrimBounds > 0)
        #expect(trimmed.report.maxRelativeMarginError <= 1e-10)
        #expect(trimmed.report.designEffect < untrimmed.report.designEffect)
        #expect(abs(trimmed.weights.reduce(0, +) - 4000) <= 1e-8)
    }

    @Test("the CLI trim option bounds the printed weights")
    func trimmingThroughCSV() throws {
        // setup
        let respondents = try RakingFixtures.text("hdv2003-respondents.csv")
        let margins = try RakingFixtures.text("hdv2003-margins.csv")

        // act
        let (csv, reportData) = try Raking.reweightCSV(respondents: respondents, margins: margins, trim: (0.3, 48))
        let weights = try RakingFixtures.weights(csv)
        let report = try JSONDecoder().decode(Raking.Report.self, from: reportData)

        // check
        #expect(weights.values.allSatisfy { $0 >= 0.3 - 1e-9 && $0 <= 48 + 1e-9 })
        #expect(report.trim == Raking.Trim(low: 0.3, high: 48))
        #expect(report.maxRelativeMarginError <= 1e-10)
    }

    @Test("raking the table of cells gives the same weights as raking respondents one by one")
    func cellsAndRespondentsAgree() throws {
        // setup
        let margins = try Raking.parseMargins(csv: RakingFixtures.text("hdv2003-margins.csv"))
        let encoded = try Raking.encodeRespondents(csv: RakingFixtures.text("hdv2003-respondents.csv"), margins: margins)
        var oneByOne = Raking.Options()
        oneByOne.aggregateCells = false
        var oneByOneTrimmed = Raking.Options(trim: .init(low: 0.3, high: 48))
        oneByOneTrimmed.aggregateCells = false

        // act
        let cells = try Raking.rake(codes: encoded.codes, margins: encoded.margins)
        let respondents = try Raking.rake(codes: encoded.codes, margins: encoded.margins, options: oneByOne)
        let cellsTrimmed = try Raking.rake(codes: encoded.codes, margins: encoded.margins, options: .init(trim: .init(low: 0.3, high: 48)))
        let respondentsTrimmed = try Raking.rake(codes: encoded.codes, margins: encoded.margins, options: oneByOneTrimmed)

        // check
        let gap = zip(cells.weights, respondents.weights).map { abs($0 - $1) }.max()!
        let trimmedGap = zip(cellsTrimmed.weights, respondentsTrimmed.weights).map { abs($0 - $1) }.max()!
        #expect(gap < 1e-9)
        #expect(trimmedGap < 1e-6)
        #expect(respondents.report.maxRelativeMarginError <= 1e-10)
    }

    @Test("base weights with trimming rake respondents one by one and respect the bounds")
    func baseWeightsWithTrimming() throws {
        // setup: base weights varying inside cells, so cells cannot be merged
        let margins = RakingSamples.margins
        let codes = RakingSamples.codes(n: 3000, probabilities: [[0.3, 0.7], [0.3, 0.6, 0.1], [0.15, 0.2, 0.65]], seed: 5)
        let base = (0..<3000).map { 0.5 + Double($0 % 7) / 4 }

        // act
        let result = try Raking.rake(codes: codes, margins: margins, baseWeights: base, options: .init(trim: .init(low: 0.3, high: 5)))

        // check
        #expect(result.weights.allSatisfy { $0 >= 0.3 - 1e-9 && $0 <= 5 + 1e-9 })
        #expect(result.report.maxRelativeMarginError <= 1e-10)
        // respondents of one cell keep the order of their base weights unless clipped
        let cell = (0..<3000).filter { codes[0][$0] == 1 && codes[1][$0] == 1 && codes[2][$0] == 2 }
        let free = cell.filter { result.weights[$0] > 0.3 + 1e-9 && result.weights[$0] < 5 - 1e-9 }
        let ratios = free.map { result.weights[$0] / base[$0] }
        #expect(free.count > 100 && ratios.max()! - ratios.min()! < 1e-9)
    }

    @Test("base weights that already meet the margins come back unchanged, normalised to mean 1")
    func baseWeightsAlreadyCalibrated() throws {
        // setup: weights that make a 2×2 sample match the margins exactly
        let margins = [
            Raking.Margin(dimension: "sex", categories: ["F", "M"], shares: [0.5, 0.5]),
            Raking.Margin(dimension: "old", categories: ["no", "yes"], shares: [0.75, 0.25]),
        ]
        let codes: [[UInt16]] = [[0, 0, 1, 1, 1], [0, 1, 0, 0, 1]]
        let base = [3.0, 1.0, 1.5, 1.5, 1.0]  // F: 4, M: 4; no: 6, yes: 2

        // act
        let result = try Raking.rake(codes: codes, margins: margins, baseWeights: base)

        // check
        for (w, b) in zip(result.weights, base) { #expect(abs(w - b * 5 / 8) <= 1e-12) }
        #expect(result.report.iterations == 1)
    }

    @Test("a skewed sample is pulled back towards the population: under-represented groups weigh more")
    func skewedSampleMovesTheRightWay() throws {
        // setup: a sample with too many men, too many graduates, too few over-65s
        let margins = RakingSamples.margins
        let codes = RakingSamples.codes(n: 4000, probabilities: [[0.35, 0.65], [0.35, 0.55, 0.10], [0.15, 0.20, 0.65]], seed: 42)
        // an opinion held more by women, older people and non-graduates
        var rng = RakingSamples.SplitMix(state: 3)
        let agrees = (0..<4000).map { i -> Bool in
            let p = 0.3 + (codes[0][i] == 0 ? 0.2 : 0) + (codes[1][i] == 2 ? 0.2 : 0) + (codes[2][i] == 0 ? 0.2 : 0)
            return Double.random(in: 0..<1, using: &rng) < p
        }

        // act
        let result = try Raking.rake(codes: codes, margins: margins)

        // check
        let raw = Double(agrees.filter { $0 }.count) / 4000
        let weighted = zip(agrees, result.weights).reduce(0.0) { $0 + ($1.0 ? $1.1 : 0) } / 4000
        #expect(weighted > raw + 0.03)
        let meanWeight = { (d: Int, c: UInt16) -> Double in
            let ws = result.weights.indices.filter { codes[d][$0] == c }.map { result.weights[$0] }
            return ws.reduce(0, +) / Double(ws.count)
        }
        #expect(meanWeight(0, 0) > 1 && meanWeight(0, 1) < 1)  // women up, men down
        #expect(meanWeight(1, 2) > 2)  // over-65s: 10 % → 25 %
        #expect(meanWeight(2, 2) < 1)  // graduates down
    }
}
