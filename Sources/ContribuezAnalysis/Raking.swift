import Foundation

/// Raking (iterative proportional fitting) of respondents to marginal shares.
///
/// Raking gives each respondent a weight so that, for every dimension (sex, age band,
/// région…), the weighted share of each category equals its share in the population.
/// It needs only one-way margins, not the full cross-table, which is why it is the
/// standard tool when the census publishes margins separately (Deming & Stephan 1940;
/// Battaglia et al., "Practical considerations in raking survey data", 2009).
///
/// The engine works on categories already encoded as small integer codes, one contiguous
/// array per dimension, so that one iteration is one pass over memory per dimension.
/// `Raking.reweightCSV` is the text front end used by `contribuez analyze reweight`.
public enum Raking {
    /// The code of an unanswered dimension ("je préfère ne pas répondre" or empty).
    public static let unanswered: UInt16 = .max

    /// The marginal shares of one dimension, e.g. sex: F 0.52, M 0.48.
    public struct Margin: Sendable, Equatable, Codable {
        public var dimension: String
        public var categories: [String]
        /// Population shares, in the order of `categories`; they sum to 1.
        public var shares: [Double]

        public init(dimension: String, categories: [String], shares: [Double]) {
            self.dimension = dimension
            self.categories = categories
            self.shares = shares
        }

        /// The position of `category`, if the margin has it.
        public func index(of category: String) -> Int? { categories.firstIndex(of: category) }
    }

    /// Trimming bounds, relative to the mean weight: `Trim(low: 0.2, high: 5)` keeps every
    /// weight between a fifth and five times the mean (which is 1 once normalised).
    public struct Trim: Sendable, Equatable, Codable {
        public var low: Double
        public var high: Double
        public init(low: Double, high: Double) {
            self.low = low
            self.high = high
        }
    }

    /// How hard to try and when to give up.
    public struct Options: Sendable, Equatable {
        /// Largest relative error |weighted total − target| / target accepted on any margin category.
        public var tolerance: Double = 1e-10
        /// Full cycles over all dimensions before `RakingError.notConverged`.
        public var maxIterations: Int = 1000
        /// Optional weight bounds; `nil` means untrimmed weights.
        public var trim: Trim? = nil
        /// Rake the table of occupied cells instead of respondents when it is smaller (same
        /// result, to rounding). Turn it off only to compare both paths (tests, benchmark).
        public var aggregateCells = true

        public init(tolerance: Double = 1e-10, maxIterations: Int = 1000, trim: Trim? = nil) {
            self.tolerance = tolerance
            self.maxIterations = maxIterations
            self.trim = trim
        }
    }

    /// One category of one dimension after raking: what the population has, what the
    /// weighted respondents had before and after.
    public struct CategoryFit: Sendable, Equatable, Codable {
        public var category: String
        public var targetShare: Double
        /// Share among weighted respondents before raking (base weights if any, else counts).
        public var initialShare: Double
        public var weightedShare: Double
        public var respondents: Int
    }

    /// The fit of one dimension.
    public struct DimensionFit: Sendable, Equatable, Codable {
        public var dimension: String
        public var categories: [CategoryFit]
    }

    /// The convergence report: what `--report` writes.
    ///
    /// Margin errors are measured on the final, normalised weights: the absolute error is in
    /// share units (|weighted share − target share|), the relative error is
    /// |weighted total − target total| / target total, over every category with a target > 0.
    public struct Report: Sendable, Equatable, Codable {
        /// Respondents given to the raking.
        public var respondents: Int
        /// Respondents who answered every dimension and got a weight.
        public var weightedRespondents: Int
        /// Respondents left out because at least one dimension was unanswered.
        public var excludedRespondents: Int
        /// Full cycles over all dimensions.
        public var iterations: Int
        public var tolerance: Double
        public var maxAbsoluteMarginError: Double
        public var maxRelativeMarginError: Double
        /// Kish's effective sample size (Σw)² / Σw²: the number of unweighted respondents
        /// that would give the same precision.
        public var effectiveSampleSize: Double
        /// Kish's design effect n Σw² / (Σw)² = 1 + CV² of the weights: the variance inflation
        /// due to unequal weights alone.
        public var designEffect: Double
        public var minWeight: Double
        public var maxWeight: Double
        public var trim: Trim?
        /// Weights lying on a trimming bound at the end (0 when untrimmed).
        public var weightsAtTrimBounds: Int
        public var dimensions: [DimensionFit]
    }

    /// Weights and report.
    public struct Result: Sendable {
        /// One weight per respondent given, in input order; 0 for an excluded respondent.
        /// Weighted respondents' weights have mean 1 (they sum to `report.weightedRespondents`).
        public var weights: [Double]
        /// Whether respondent `i` was weighted (answered every dimension).
        public var isWeighted: [Bool]
        public var report: Report
    }

    /// Rakes respondents given as category codes.
    ///
    /// - Parameters:
    ///   - codes: `codes[d][i]` is the index in `margins[d].categories` of respondent `i`'s
    ///     answer to dimension `d`, or `Raking.unanswered`. All arrays have the same length.
    ///   - margins: one margin per dimension, shares summing to 1 (checked to 1e-6, then
    ///     rescaled to sum exactly 1).
    ///   - baseWeights: optional design or base weights (> 0), one per respondent; raking then
    ///     adjusts them instead of starting from equal weights.
    ///
    /// Method: classic IPF (Deming–Stephan). Each cycle visits the dimensions in order and
    /// multiplies every weight by target / current weighted total of its category. The loop
    /// stops when, after a cycle, every category of every margin is within `options.tolerance`
    /// (relative) of its target, checked on all margins at once; otherwise
    /// `RakingError.notConverged` after `options.maxIterations` cycles.
    ///
    /// Trimming (`options.trim`): bounds are relative to the mean weight, which is 1 throughout
    /// because every raking step makes the weights sum to the number of respondents. Each weight
    /// is clipped to [low, high] right after each multiplication, and the following raking steps
    /// re-spread the weight the clipping removed or added — the usual "trim, then re-rake until
    /// both hold" procedure, interleaved so that it costs no extra pass. It stops at a fixed
    /// point of both steps: margins met to the tolerance *and* every weight within bounds.
    /// Bounds that a single category cannot satisfy are refused up front
    /// (`RakingError.infeasibleTrim`); bounds infeasible only jointly end in `notConverged`.
    ///
    /// The result does not depend on the order of respondents. Complexity: one pass over the
    /// occupied cells per dimension and cycle (see `Cells`), plus a few passes over respondents.
    public static func rake(
        codes: [[UInt16]], margins: [Margin], baseWeights: [Double]? = nil, options: Options = Options()
    ) throws(RakingError) -> Result {
        let dimensionCount = margins.count
        guard dimensionCount > 0, codes.count == dimensionCount else {
            throw .dimensionCountMismatch(codes: codes.count, margins: margins.count)
        }
        let n = codes[0].count
        for column in codes where column.count != n {
            throw .dimensionCountMismatch(codes: codes.count, margins: margins.count)
        }
        if let baseWeights, baseWeights.count != n {
            throw .baseWeightCountMismatch(respondents: n, baseWeights: baseWeights.count)
        }
        let shares = try validatedShares(margins)
        if let trim = options.trim, !(trim.low >= 0 && trim.low <= 1 && trim.high >= 1 && trim.high.isFinite) {
            throw .invalidTrim(low: trim.low, high: trim.high)
        }

        // Keep only respondents who answered every dimension; compact their codes.
        var isWeighted = [Bool](repeating: true, count: n)
        for d in 0..<dimensionCount {
            let limit = margins[d].categories.count
            let firstInvalid = isWeighted.withUnsafeMutableBufferPointer { keep in
                codes[d].withUnsafeBufferPointer { cs -> Int? in
                    for i in 0..<cs.count {
                        let c = cs[i]
                        if c == unanswered { keep[i] = false } else if Int(c) >= limit { return i }
                    }
                    return nil
                }
            }
            if let i = firstInvalid {
                throw .invalidCode(dimension: margins[d].dimension, respondent: i, code: Int(codes[d][i]))
            }
        }
        var kept: [Int] = []
        kept.reserveCapacity(n)
        for i in 0..<n where isWeighted[i] { kept.append(i) }
        let m = kept.count
        guard m > 0 else { throw .noRespondents(excluded: n) }
        let compact: [[UInt16]] = (0..<dimensionCount).map { d in
            if m == n { return codes[d] }
            let column = codes[d]
            return kept.map { column[$0] }
        }

        var w = [Double](repeating: 1, count: m)
        if let baseWeights {
            var total = 0.0
            for (k, i) in kept.enumerated() {
                let b = baseWeights[i]
                guard b.isFinite, b > 0 else { throw .invalidBaseWeight(respondent: String(i), line: i, value: String(b)) }
                w[k] = b
                total += b
            }
            let scale = Double(m) / total
            for k in 0..<m { w[k] *= scale }
        }

        // Targets in weight units: share × m, so that the weights end with mean 1.
        let targets = shares.map { $0.map { $0 * Double(m) } }
        var counts = shares.map { [Int](repeating: 0, count: $0.count) }
        for d in 0..<dimensionCount {
            counts[d].withUnsafeMutableBufferPointer { cs in
                compact[d].withUnsafeBufferPointer { codes in for c in codes { cs[Int(c)] += 1 } }
            }
        }
        for d in 0..<dimensionCount {
            for c in 0..<shares[d].count where shares[d][c] > 0 && counts[d][c] == 0 {
                throw .categoryWithoutRespondents(
                    dimension: margins[d].dimension, category: margins[d].categories[c], share: shares[d][c])
            }
        }
        if let trim = options.trim {
            // NB: a category of n_c respondents can only reach its target if low·n_c ≤ target ≤ high·n_c.
            for d in 0..<dimensionCount {
                for c in 0..<shares[d].count where counts[d][c] > 0 {
                    let mean = targets[d][c] / Double(counts[d][c])
                    if mean < trim.low || mean > trim.high {
                        throw .infeasibleTrim(
                            dimension: margins[d].dimension, category: margins[d].categories[c],
                            requiredMeanWeight: mean, low: trim.low, high: trim.high)
                    }
                }
            }
        }
        let low = options.trim?.low ?? 0
        let high = options.trim?.high ?? .infinity
        let trimming = options.trim != nil

        // NB: IPF multiplies every weight by factors that depend only on the respondent's
        // categories, so respondents sharing all their categories keep weights proportional to
        // their base weights. Raking the table of occupied cells (at most Π categories, 1,764
        // for sex × age × région × diploma) is therefore the same computation as raking the
        // respondents one by one, and much cheaper. Per-unit trimming bounds scale with the
        // cell size; only base weights *and* trimming together need the per-respondent path.
        let units = (trimming && baseWeights != nil) || !options.aggregateCells
            ? nil : Cells(compact, categoryCounts: shares.map(\.count), maxCells: max(m / 2, 1))
        let unitCodes = units?.codes ?? compact
        var unitWeights: [Double]
        if let units {
            unitWeights = [Double](repeating: 0, count: units.count)
            unitWeights.withUnsafeMutableBufferPointer { uw in
                units.cellOfRespondent.withUnsafeBufferPointer { cell in
                    for k in 0..<m { uw[Int(cell[k])] += w[k] }
                }
            }
        } else {
            unitWeights = w
        }
        let unitInitial = unitWeights
        let unitSizes = units?.sizes ?? []
        let initialTotals = weightedTotals(unitCodes, unitWeights, shares)

        var sums = shares.map { [Double](repeating: 0, count: $0.count) }
        sums[0] = initialTotals[0]
        var factors = [Double](repeating: 1, count: shares.map(\.count).max() ?? 1)
        var iterations = 0
        var converged = false
        var lastError = Double.infinity
        while iterations < options.maxIterations {
            iterations += 1
            var cycleDeviation = 0.0
            for d in 0..<dimensionCount {
                for c in 0..<shares[d].count {
                    let target = targets[d][c], sum = sums[d][c]
                    if target == 0 {
                        factors[c] = 0
                    } else if sum > 0 {
                        factors[c] = target / sum
                        cycleDeviation = max(cycleDeviation, abs(sum - target) / target)
                    } else {
                        throw .cannotConverge(dimension: margins[d].dimension, category: margins[d].categories[c])
                    }
                }
                let next = (d + 1) % dimensionCount
                for c in sums[next].indices { sums[next][c] = 0 }
                applyFactors(
                    &unitWeights, codes: unitCodes[d], factors: factors, low: low, high: high, trimming: trimming,
                    sizes: unitSizes, nextCodes: unitCodes[next], nextSums: &sums[next])
            }
            // NB: each step only knows the error of its own dimension before it was fixed; the
            // later steps of the cycle move it again, so confirm on all margins at once.
            if cycleDeviation <= options.tolerance {
                let totals = weightedTotals(unitCodes, unitWeights, shares)
                lastError = maxRelativeError(totals, targets)
                if lastError <= options.tolerance {
                    converged = true
                    break
                }
            }
        }
        guard converged else {
            let error = lastError.isFinite
                ? lastError : maxRelativeError(weightedTotals(unitCodes, unitWeights, shares), targets)
            throw .notConverged(iterations: iterations, maxRelativeError: error, tolerance: options.tolerance)
        }

        // Back to respondents: each gets its unit's adjustment factor times its own start weight.
        if let units {
            var factor = [Double](repeating: 0, count: units.count)
            for j in 0..<units.count { factor[j] = unitInitial[j] > 0 ? unitWeights[j] / unitInitial[j] : 0 }
            w.withUnsafeMutableBufferPointer { ws in
                units.cellOfRespondent.withUnsafeBufferPointer { cell in
                    for k in 0..<m { ws[k] *= factor[Int(cell[k])] }
                }
            }
        } else {
            w = unitWeights
        }

        // Normalise to mean 1 exactly (raking already gives Σw = m up to rounding).
        var total = 0.0
        for x in w { total += x }
        let scale = Double(m) / total
        var sumSquares = 0.0, minWeight = Double.infinity, maxWeight = -Double.infinity, atBounds = 0
        for k in 0..<m {
            let x = w[k] * scale
            w[k] = x
            sumSquares += x * x
            minWeight = min(minWeight, x)
            maxWeight = max(maxWeight, x)
            if trimming && (abs(x - low) <= 1e-9 || abs(x - high) <= 1e-9) { atBounds += 1 }
        }
        let finalTotals = weightedTotals(compact, w, shares)
        var maxAbsolute = 0.0, maxRelative = 0.0
        var dimensions: [DimensionFit] = []
        let initialMass = initialTotals[0].reduce(0, +)
        for d in 0..<dimensionCount {
            var fits: [CategoryFit] = []
            for c in 0..<shares[d].count {
                let target = targets[d][c], got = finalTotals[d][c]
                maxAbsolute = max(maxAbsolute, abs(got - target) / Double(m))
                if target > 0 { maxRelative = max(maxRelative, abs(got - target) / target) }
                fits.append(CategoryFit(
                    category: margins[d].categories[c], targetShare: shares[d][c],
                    initialShare: initialTotals[d][c] / initialMass, weightedShare: got / Double(m),
                    respondents: counts[d][c]))
            }
            dimensions.append(DimensionFit(dimension: margins[d].dimension, categories: fits))
        }
        let sumW = Double(m)
        let report = Report(
            respondents: n, weightedRespondents: m, excludedRespondents: n - m, iterations: iterations,
            tolerance: options.tolerance, maxAbsoluteMarginError: maxAbsolute, maxRelativeMarginError: maxRelative,
            effectiveSampleSize: sumW * sumW / sumSquares, designEffect: sumW * sumSquares / (sumW * sumW),
            minWeight: minWeight, maxWeight: maxWeight, trim: options.trim, weightsAtTrimBounds: atBounds,
            dimensions: dimensions)

        var weights = [Double](repeating: 0, count: n)
        for (k, i) in kept.enumerated() { weights[i] = w[k] }
        return Result(weights: weights, isWeighted: isWeighted, report: report)
    }

    /// Kish's design effect n Σw² / (Σw)² of any weights (1 for equal weights).
    public static func kishDesignEffect<C: Collection>(_ weights: C) -> Double where C.Element == Double {
        var sum = 0.0, squares = 0.0
        for x in weights { sum += x; squares += x * x }
        guard sum > 0 else { return .nan }
        return Double(weights.count) * squares / (sum * sum)
    }

    /// Kish's effective sample size (Σw)² / Σw².
    public static func kishEffectiveSampleSize<C: Collection>(_ weights: C) -> Double where C.Element == Double {
        var sum = 0.0, squares = 0.0
        for x in weights { sum += x; squares += x * x }
        guard squares > 0 else { return 0 }
        return sum * sum / squares
    }

    /// The tolerance on Σ shares of one dimension before they are rescaled to sum 1: loose
    /// enough for shares printed with 6 decimals, tight enough to catch a forgotten category.
    public static let shareSumTolerance = 1e-6

    /// Checks margins (no duplicate category, no negative or non-finite share, sum 1 within
    /// `shareSumTolerance`) and returns the shares rescaled to sum exactly 1.
    static func validatedShares(_ margins: [Margin]) throws(RakingError) -> [[Double]] {
        var seenDimensions = Set<String>()
        var result: [[Double]] = []
        for margin in margins {
            guard seenDimensions.insert(margin.dimension).inserted else {
                throw .duplicateDimension(margin.dimension)
            }
            guard !margin.categories.isEmpty, margin.categories.count == margin.shares.count,
                margin.categories.count < Int(unanswered)
            else { throw .emptyMargin(margin.dimension) }
            var seen = Set<String>()
            var sum = 0.0
            for (category, share) in zip(margin.categories, margin.shares) {
                guard seen.insert(category).inserted else {
                    throw .duplicateCategory(dimension: margin.dimension, category: category)
                }
                guard share.isFinite else {
                    throw .invalidShare(dimension: margin.dimension, category: category, value: String(share), line: nil)
                }
                guard share >= 0 else {
                    throw .negativeShare(dimension: margin.dimension, category: category, share: share)
                }
                sum += share
            }
            guard abs(sum - 1) <= shareSumTolerance else {
                throw .sharesDoNotSumToOne(dimension: margin.dimension, sum: sum, tolerance: shareSumTolerance)
            }
            result.append(margin.shares.map { $0 / sum })
        }
        return result
    }

    /// Weighted total of every category of every dimension: one pass per dimension.
    static func weightedTotals(_ codes: [[UInt16]], _ w: [Double], _ shares: [[Double]]) -> [[Double]] {
        var totals = shares.map { [Double](repeating: 0, count: $0.count) }
        for d in codes.indices {
            codes[d].withUnsafeBufferPointer { cs in
                w.withUnsafeBufferPointer { ws in
                    totals[d].withUnsafeMutableBufferPointer { ts in
                        for k in 0..<ws.count { ts[Int(cs[k])] += ws[k] }
                    }
                }
            }
        }
        return totals
    }

    static func maxRelativeError(_ totals: [[Double]], _ targets: [[Double]]) -> Double {
        var worst = 0.0
        for d in totals.indices {
            for c in totals[d].indices where targets[d][c] > 0 {
                worst = max(worst, abs(totals[d][c] - targets[d][c]) / targets[d][c])
            }
            // NB: a zero target must be met exactly (its weights are multiplied by 0).
            for c in totals[d].indices where targets[d][c] == 0 && totals[d][c] != 0 { worst = .infinity }
        }
        return worst
    }

    /// The hot loop: w *= factor[code], optionally clipped to [low, high] × unit size, while
    /// summing the next dimension's totals, so one raking step costs one pass over memory.
    @inline(__always)
    static func applyFactors(
        _ w: inout [Double], codes: [UInt16], factors: [Double], low: Double, high: Double, trimming: Bool,
        sizes: [Double], nextCodes: [UInt16], nextSums: inout [Double]
    ) {
        w.withUnsafeMutableBufferPointer { ws in
            codes.withUnsafeBufferPointer { cs in
                nextCodes.withUnsafeBufferPointer { ns in
                    factors.withUnsafeBufferPointer { fs in
                        nextSums.withUnsafeMutableBufferPointer { ss in
                            let count = ws.count
                            if trimming && !sizes.isEmpty {
                                sizes.withUnsafeBufferPointer { zs in
                                    for k in 0..<count {
                                        let x = min(max(ws[k] * fs[Int(cs[k])], low * zs[k]), high * zs[k])
                                        ws[k] = x
                                        ss[Int(ns[k])] += x
                                    }
                                }
                            } else if trimming {
                                for k in 0..<count {
                                    let x = min(max(ws[k] * fs[Int(cs[k])], low), high)
                                    ws[k] = x
                                    ss[Int(ns[k])] += x
                                }
                            } else {
                                for k in 0..<count {
                                    let x = ws[k] * fs[Int(cs[k])]
                                    ws[k] = x
                                    ss[Int(ns[k])] += x
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The occupied cells of the cross-classification of all dimensions.
    struct Cells {
        /// `codes[d][j]`: category of cell `j` in dimension `d`.
        var codes: [[UInt16]]
        /// Respondents per cell.
        var sizes: [Double]
        var cellOfRespondent: [Int32]
        var count: Int { sizes.count }

        /// `nil` when there would be more than `maxCells` cells (then raking respondents one by
        /// one costs about the same) or the cross-classification key does not fit in 62 bits.
        init?(_ codes: [[UInt16]], categoryCounts: [Int], maxCells: Int) {
            let m = codes.first?.count ?? 0
            var strides: [Int] = []
            var product = 1
            for k in categoryCounts {
                strides.append(product)
                let (next, overflow) = product.multipliedReportingOverflow(by: k)
                guard !overflow, next < 1 << 62 else { return nil }
                product = next
            }
            var keys = [Int](repeating: 0, count: m)
            keys.withUnsafeMutableBufferPointer { ks in
                for (d, column) in codes.enumerated() {
                    let stride = strides[d]
                    column.withUnsafeBufferPointer { cs in
                        for k in 0..<m { ks[k] &+= Int(cs[k]) &* stride }
                    }
                }
            }
            var cellOfRespondent = [Int32](repeating: 0, count: m)
            var cellKeys: [Int] = []
            var sizes: [Double] = []
            if product <= 1 << 22 {
                var table = [Int32](repeating: -1, count: product)
                for k in 0..<m {
                    var j = table[keys[k]]
                    if j < 0 {
                        guard cellKeys.count < maxCells else { return nil }
                        j = Int32(cellKeys.count)
                        table[keys[k]] = j
                        cellKeys.append(keys[k])
                        sizes.append(0)
                    }
                    cellOfRespondent[k] = j
                    sizes[Int(j)] += 1
                }
            } else {
                var table: [Int: Int32] = [:]
                for k in 0..<m {
                    let key = keys[k]
                    var j: Int32
                    if let found = table[key] {
                        j = found
                    } else {
                        guard cellKeys.count < maxCells else { return nil }
                        j = Int32(cellKeys.count)
                        table[key] = j
                        cellKeys.append(key)
                        sizes.append(0)
                    }
                    cellOfRespondent[k] = j
                    sizes[Int(j)] += 1
                }
            }
            self.codes = categoryCounts.indices.map { d in
                cellKeys.map { UInt16(($0 / strides[d]) % categoryCounts[d]) }
            }
            self.sizes = sizes
            self.cellOfRespondent = cellOfRespondent
        }
    }
}
