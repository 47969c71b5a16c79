import Foundation

/// Errors of near-duplicate detection and of its CSV front end.
public enum DuplicatesError: Error, Equatable, CustomStringConvertible {
    /// The Jaccard threshold must lie in (0, 1].
    case invalidThreshold(Double)
    /// The CSV file has no column with this name.
    case missingColumn(String)
    /// The CSV file cannot be parsed (the message says where and why).
    case malformedCSV(String)

    public var description: String {
        switch self {
        case .invalidThreshold(let t): return "the similarity threshold must be in (0, 1], got \(t)"
        case .missingColumn(let name): return "missing column \"\(name)\""
        case .malformedCSV(let why): return "malformed CSV: \(why)"
        }
    }
}

/// Groups texts that are identical or nearly identical, so that a synthesis shows
/// a form letter once with "N contributions identiques ou presque" while every
/// participant keeps their own contribution.
///
/// How (deterministic, single-threaded, Foundation only):
/// 1. Every text is normalised (`TextNormalization`): case, accents, punctuation,
///    salutations, closing formulas and signatures folded away.
/// 2. Texts with the same normal form are exact duplicates: grouped by a hash of the
///    normal form (bytes compared on a hash hit), and only one representative goes on.
/// 3. Each representative's set of **character 5-grams** of its normal form is
///    sketched by **one-permutation MinHash with optimal densification**
///    (Shrivastava 2017): one 64-bit hash per shingle (the 5 bytes packed, then mixed),
///    its top bits pick one of `signatureSize` (128) bins, each bin keeps its minimum,
///    empty bins borrow from a pseudo-random non-empty bin. Each signature slot then
///    collides between two texts with probability ≈ their Jaccard similarity, like
///    128-permutation MinHash, at the cost of one hash per shingle instead of 128.
/// 4. LSH: the signature is cut into `bands` bands of `rows` values; texts that agree
///    on a whole band are candidate pairs. Bands and rows are chosen so that a pair at
///    exactly the threshold becomes a candidate with probability ≥ 0.995
///    (0.7 → 32 bands × 4 rows, 0.9998).
/// 5. Each candidate pair not yet in the same cluster is verified: first the MinHash
///    estimate must be ≥ threshold − `estimateMargin` (a cheap filter), then the
///    **exact Jaccard similarity of the two 5-gram sets** must be ≥ threshold.
///    Work and memory stay bounded on large corpora: inside one bucket a text takes at
///    most `DuplicatesEngine.comparisonBudgetPerBucket` steps, and the cache of rejected
///    pairs is emptied when it reaches `DuplicatesEngine.rejectedCacheLimit`.
/// 6. Clusters are the connected components of verified pairs (union-find), so
///    similarity is transitive by design: A~B and B~C put A, B, C together.
///
/// Texts whose normal form is empty (only punctuation, or nothing) are never clustered.
public struct DuplicateDetector: Sendable {
    /// Minimum Jaccard similarity of the 5-gram sets for two texts to be linked.
    public let threshold: Double
    /// Number of MinHash values per text.
    public let signatureSize: Int
    /// LSH banding: `bands × rows ≤ signatureSize`.
    public let bands: Int
    public let rows: Int
    /// Candidates whose MinHash estimate is below `threshold − estimateMargin` are
    /// rejected without computing the exact similarity.
    public let estimateMargin: Double
    /// When false, salutations, closing formulas and signatures are kept (only case,
    /// accents, punctuation and whitespace are folded).
    public let stripsLetterFormulas: Bool

    /// - Parameters:
    ///   - threshold: Jaccard similarity in (0, 1]; 0.7 by default.
    ///   - signatureSize: a power of two between 16 and 1024; 128 by default.
    ///   - estimateMargin: see `estimateMargin`; 0.3 by default.
    ///   - stripsLetterFormulas: see `stripsLetterFormulas`; true by default.
    /// - Throws: `DuplicatesError.invalidThreshold` when `threshold` is not in (0, 1].
    public init(
        threshold: Double = 0.7, signatureSize: Int = 128, estimateMargin: Double = 0.3,
        stripsLetterFormulas: Bool = true
    ) throws {
        guard threshold > 0, threshold <= 1 else { throw DuplicatesError.invalidThreshold(threshold) }
        precondition(
            signatureSize >= 16 && signatureSize <= 1024 && signatureSize & (signatureSize - 1) == 0,
            "signatureSize must be a power of two in 16...1024")
        self.threshold = threshold
        self.signatureSize = signatureSize
        self.estimateMargin = estimateMargin
        self.stripsLetterFormulas = stripsLetterFormulas
        (bands, rows) = Self.banding(threshold: threshold, signatureSize: signatureSize)
    }

    /// The banding with the most rows per band (fewest spurious candidates) such that a
    /// pair at exactly `threshold` is a candidate with probability 1 − (1 − t^r)^b ≥ 0.995.
    public static func banding(threshold t: Double, signatureSize k: Int) -> (bands: Int, rows: Int) {
        var best = (bands: k, rows: 1)
        for r in 1...k {
            let b = k / r
            let p = 1 - pow(1 - pow(t, Double(r)), Double(b))
            if p >= 0.995 { best = (b, r) }
        }
        return best
    }

    /// Clusters of near-identical texts, as ids: only clusters of two or more, ids in
    /// input order inside a cluster, clusters ordered by their first member.
    public func clusters(texts: [(id: String, text: String)]) -> [[String]] {
        let result = analyze(texts.map(\.text))
        return result.clusters.map { $0.map { texts[$0].id } }
    }

    /// The full result on `texts`, with clusters as positions in `texts`.
    public func analyze(_ texts: [String]) -> DuplicateClustering {
        var engine = DuplicatesEngine(detector: self)
        return engine.run(texts)
    }
}

/// The outcome of `DuplicateDetector.analyze`.
public struct DuplicateClustering: Sendable, Equatable {
    /// Clusters of two or more texts, as positions in the input: ascending inside a
    /// cluster, clusters ordered by their first member.
    public var clusters: [[Int]]
    /// Number of distinct non-empty normal forms (texts left after exact deduplication).
    public var distinctNormalForms: Int
    /// Number of texts whose normal form is empty (never clustered).
    public var emptyTexts: Int
    /// Candidate pairs from LSH that needed a check (not already in one cluster).
    public var candidatePairs: Int
    /// Candidate pairs whose exact Jaccard similarity was computed.
    public var exactChecks: Int
    /// Pairs linked because their exact similarity reached the threshold.
    public var linkedPairs: Int
    /// Times a text stopped being compared inside one LSH bucket because it had used up
    /// `DuplicatesEngine.comparisonBudgetPerBucket` (pathological buckets only; 0 on
    /// ordinary corpora).
    public var cappedComparisons: Int = 0

    /// For each input position, the index in `clusters` of its cluster, or nil when alone.
    public func clusterIndexByText(count: Int) -> [Int?] {
        var index = [Int?](repeating: nil, count: count)
        for (c, members) in clusters.enumerated() { for m in members { index[m] = c } }
        return index
    }
}

// MARK: - Engine

/// Hashing helpers shared by the engine and the tests.
enum DuplicatesHashing {
    /// splitmix64's finaliser: a fast, well-mixing bijection on 64 bits.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The exact shingles of a normal form: each character 5-gram packed in the low 40
    /// bits of a UInt64 (no hashing, so no collisions). A text shorter than 5 bytes is one
    /// shingle tagged with its length. Sorted and unique.
    static func shingleSet(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt64]) {
        out.removeAll(keepingCapacity: true)
        let n = bytes.count
        if n == 0 { return }
        if n < 5 {
            var p: UInt64 = 0
            for b in bytes { p = (p << 8) | UInt64(b) }
            out.append(p | (UInt64(n) << 56))
            return
        }
        var p: UInt64 = 0
        for i in 0..<4 { p = (p << 8) | UInt64(bytes[i]) }
        out.reserveCapacity(n - 4)
        for i in 4..<n {
            p = ((p << 8) | UInt64(bytes[i])) & 0xFF_FFFF_FFFF
            out.append(p)
        }
        out.sort()
        var w = 1
        for r in 1..<out.count where out[r] != out[w - 1] {
            out[w] = out[r]
            w += 1
        }
        out.removeLast(out.count - w)
    }

    /// Size of the intersection of two sorted unique arrays.
    static func intersectionCount(_ a: [UInt64], _ b: [UInt64]) -> Int {
        var i = 0, j = 0, c = 0
        while i < a.count && j < b.count {
            let x = a[i], y = b[j]
            if x == y { c += 1; i += 1; j += 1 } else if x < y { i += 1 } else { j += 1 }
        }
        return c
    }
}

struct DuplicatesEngine {
    /// Most pair keys remembered as rejected: the set only spares re-verifying a pair met
    /// again in another band, so it is emptied when it reaches this size (≈ 16 MB at most)
    /// instead of growing with the number of candidate pairs. Results do not depend on it.
    static let rejectedCacheLimit = 1 << 20
    /// Most steps one text takes inside one LSH bucket: each group of already-connected
    /// members visited, and each candidate pair looked at, costs one step. A bucket of s
    /// mutually distinct texts would otherwise cost O(s²); with the budget it costs
    /// O(s × budget). Recall trade-off, in such pathological buckets only: a text is not
    /// compared with the groups beyond its budget there (it still meets its true
    /// duplicates in the other 31 bands, where they share a bucket too, and ordinary
    /// buckets hold a handful of groups, far below the budget).
    static let comparisonBudgetPerBucket = 256

    let detector: DuplicateDetector
    /// Concatenated normal forms and their offsets.
    var norm: [UInt8] = []
    var offsets: [Int] = [0]

    init(detector: DuplicateDetector) { self.detector = detector }

    mutating func run(_ texts: [String]) -> DuplicateClustering {
        let n = texts.count
        // 1. Normalise.
        var normalizer = TextNormalization.Normalizer()
        normalizer.stripsLetterFormulas = detector.stripsLetterFormulas
        var scratch: [UInt8] = []
        offsets.reserveCapacity(n + 1)
        // NB: reserving up front avoids the transient double copy of a growing array,
        // which at a million texts is hundreds of megabytes of peak memory.
        norm.reserveCapacity(texts.reduce(0) { $0 + $1.utf8.count })
        for t in texts {
            normalizer.normalize(t, into: &scratch)
            norm.append(contentsOf: scratch)
            offsets.append(norm.count)
        }
        return cluster(count: n)
    }

    /// Clusters the `count` normal forms already in `norm`/`offsets`.
    mutating func cluster(count n: Int) -> DuplicateClustering {
        // 2. Exact duplicates: representative of each text (itself when first seen).
        var representative = [Int32](repeating: -1, count: n)
        var reps: [Int32] = []
        var emptyTexts = 0
        do {
            var firstByHash: [UInt64: Int32] = [:]
            firstByHash.reserveCapacity(n)
            for i in 0..<n {
                let (a, b) = (offsets[i], offsets[i + 1])
                if a == b { emptyTexts += 1; continue }
                let h = hashBytes(a, b)
                if let j = firstByHash[h], sameBytes(Int(j), i) {
                    representative[i] = j
                } else {
                    // NB: on a 64-bit hash collision between different texts, the later one
                    // simply becomes its own representative (it is not entered in the table).
                    if firstByHash[h] == nil { firstByHash[h] = Int32(i) }
                    representative[i] = Int32(i)
                    reps.append(Int32(i))
                }
            }
        }
        let m = reps.count
        let k = detector.signatureSize
        // 3. Signatures of the representatives.
        var signatures = [UInt16](repeating: 0, count: m * k)
        signatures.withUnsafeMutableBufferPointer { sig in
            norm.withUnsafeBufferPointer { all in
                var sketcher = DuplicatesSketcher(size: k)
                for r in 0..<m {
                    let i = Int(reps[r])
                    let text = UnsafeBufferPointer(rebasing: all[offsets[i]..<offsets[i + 1]])
                    sketcher.sketch(text, into: UnsafeMutableBufferPointer(rebasing: sig[(r * k)..<(r * k + k)]))
                }
            }
        }
        // 4-5. LSH candidates, verified, joined in a union-find over representatives.
        var components = DuplicatesUnionFind(count: m)
        var stats = (candidates: 0, exact: 0, linked: 0, capped: 0)
        if m >= 2 {
            verifyCandidates(reps: reps, signatures: signatures, components: &components, stats: &stats)
        }
        // 6. Clusters in input order.
        var slotOfRep = [Int32](repeating: -1, count: n)
        for (r, i) in reps.enumerated() { slotOfRep[Int(i)] = Int32(r) }
        var clusterOfRoot = [Int32](repeating: -1, count: m)
        var clusters: [[Int]] = []
        for i in 0..<n where representative[i] >= 0 {
            let root = components.find(Int(slotOfRep[Int(representative[i])]))
            if clusterOfRoot[root] < 0 {
                clusterOfRoot[root] = Int32(clusters.count)
                clusters.append([])
            }
            clusters[Int(clusterOfRoot[root])].append(i)
        }
        clusters.removeAll { $0.count < 2 }
        return DuplicateClustering(
            clusters: clusters, distinctNormalForms: m, emptyTexts: emptyTexts,
            candidatePairs: stats.candidates, exactChecks: stats.exact, linkedPairs: stats.linked,
            cappedComparisons: stats.capped)
    }

    private func hashBytes(_ a: Int, _ b: Int) -> UInt64 {
        norm.withUnsafeBufferPointer { p in
            var h: UInt64 = UInt64(b - a)
            var i = a
            while i + 8 <= b {
                var w: UInt64 = 0
                for j in 0..<8 { w |= UInt64(p[i + j]) << (8 * j) }
                h = DuplicatesHashing.mix(h ^ w)
                i += 8
            }
            var w: UInt64 = 0
            var s = 0
            while i < b { w |= UInt64(p[i]) << s; s += 8; i += 1 }
            return DuplicatesHashing.mix(h ^ w ^ 0xA5)
        }
    }

    private func sameBytes(_ i: Int, _ j: Int) -> Bool {
        let (a1, b1, a2, b2) = (offsets[i], offsets[i + 1], offsets[j], offsets[j + 1])
        guard b1 - a1 == b2 - a2 else { return false }
        return norm.withUnsafeBufferPointer { p in
            memcmp(p.baseAddress! + a1, p.baseAddress! + a2, b1 - a1) == 0
        }
    }

    private func verifyCandidates(
        reps: [Int32], signatures: [UInt16], components: inout DuplicatesUnionFind,
        stats: inout (candidates: Int, exact: Int, linked: Int, capped: Int)
    ) {
        let m = reps.count
        let k = detector.signatureSize
        let (bands, rows) = (detector.bands, detector.rows)
        // The low bits of each key hold the representative's slot, the high bits the band hash.
        var slotBits = 1
        while (1 << slotBits) < m { slotBits += 1 }
        let slotMask: UInt64 = (1 << UInt64(slotBits)) - 1
        let minMatches = Int(((detector.threshold - detector.estimateMargin) * Double(k)).rounded(.up))
        var keys = [UInt64](repeating: 0, count: m)
        var sortScratch = [UInt64](repeating: 0, count: m)
        var rejected = Set<UInt64>()
        var setA: [UInt64] = [], setB: [UInt64] = []
        var cachedA = -1

        signatures.withUnsafeBufferPointer { sig in
            norm.withUnsafeBufferPointer { all in
                func shingles(_ slot: Int, _ out: inout [UInt64]) {
                    let i = Int(reps[slot])
                    DuplicatesHashing.shingleSet(UnsafeBufferPointer(rebasing: all[offsets[i]..<offsets[i + 1]]), into: &out)
                }
                /// Checks a candidate pair (a < b in slot order is not required).
                func verify(_ x: Int, _ y: Int) -> Bool {
                    let (a, b) = x < y ? (x, y) : (y, x)
                    let pairKey = UInt64(a) << 32 | UInt64(b)
                    if rejected.contains(pairKey) { return false }
                    stats.candidates += 1
                    // Cheap filter: MinHash agreement.
                    var matches = 0
                    let (ba, bb) = (a * k, b * k)
                    for j in 0..<k where sig[ba + j] == sig[bb + j] { matches += 1 }
                    if matches < minMatches { reject(pairKey); return false }
                    // Exact Jaccard of the 5-gram sets.
                    stats.exact += 1
                    if cachedA != a { shingles(a, &setA); cachedA = a }
                    shingles(b, &setB)
                    let inter = DuplicatesHashing.intersectionCount(setA, setB)
                    let union = setA.count + setB.count - inter
                    // NB: a tiny tolerance so that 7/10 counts as ≥ 0.7 despite rounding.
                    if Double(inter) >= detector.threshold * Double(union) - 1e-9 { return true }
                    reject(pairKey)
                    return false
                }
                func reject(_ pairKey: UInt64) {
                    if rejected.count >= Self.rejectedCacheLimit { rejected.removeAll(keepingCapacity: true) }
                    rejected.insert(pairKey)
                }
                var groups: [[Int]] = []
                var linked: [Int] = []
                for band in 0..<bands {
                    let seed = DuplicatesHashing.mix(UInt64(band) &+ 0x5bd1_e995)
                    for s in 0..<m {
                        var h = seed
                        let base = s * k + band * rows
                        for j in 0..<rows { h = (h ^ UInt64(sig[base + j])) &* 0x100_0000_01b3 }
                        keys[s] = (DuplicatesHashing.mix(h) & ~slotMask) | UInt64(s)
                    }
                    DuplicatesRadixSort.sort(&keys, scratch: &sortScratch)
                    var start = 0
                    while start < m {
                        let bucket = keys[start] & ~slotMask
                        var end = start + 1
                        while end < m && keys[end] & ~slotMask == bucket { end += 1 }
                        if end - start >= 2 {
                            // NB: members are compared group by group: a group is a set of bucket
                            // members already known to be connected, so a campaign bucket of
                            // thousands of copies costs O(size), not O(size²), once it is joined.
                            // Each member has `comparisonBudgetPerBucket` steps (see there): the
                            // cost of a bucket stays linear in its size even when its members are
                            // all distinct.
                            groups.removeAll(keepingCapacity: true)
                            for x in start..<end {
                                let a = Int(keys[x] & slotMask)
                                linked.removeAll(keepingCapacity: true)
                                var budget = Self.comparisonBudgetPerBucket
                                scan: for g in groups.indices {
                                    if budget <= 0 { stats.capped += 1; break scan }
                                    budget -= 1
                                    if components.find(groups[g][0]) == components.find(a) {
                                        linked.append(g)
                                        continue
                                    }
                                    for b in groups[g] {
                                        if budget <= 0 { stats.capped += 1; break scan }
                                        budget -= 1
                                        if verify(b, a) {
                                            components.union(a, b)
                                            stats.linked += 1
                                            linked.append(g)
                                            break
                                        }
                                    }
                                }
                                if linked.isEmpty {
                                    groups.append([a])
                                } else {
                                    let into = linked[0]
                                    groups[into].append(a)
                                    for g in linked.dropFirst().reversed() {
                                        groups[into].append(contentsOf: groups[g])
                                        groups.remove(at: g)
                                    }
                                }
                            }
                        }
                        start = end
                    }
                }
            }
        }
    }
}

/// One-permutation MinHash with optimal densification, reusing its buffers.
struct DuplicatesSketcher {
    let size: Int
    let binShift: UInt64
    private var mins: [UInt32]
    private var filled: [Bool]

    init(size: Int) {
        self.size = size
        var bits: UInt64 = 0
        while (1 << bits) < size { bits += 1 }
        binShift = 64 - bits
        mins = [UInt32](repeating: .max, count: size)
        filled = [Bool](repeating: false, count: size)
    }

    /// Writes the `size` signature values (low 16 bits of each bin's minimum) of the
    /// 5-gram set of `text` into `out`. An empty text gets an all-zero signature.
    mutating func sketch(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt16>) {
        for i in 0..<size { mins[i] = .max; filled[i] = false }
        let n = text.count
        if n == 0 {
            for i in 0..<size { out[i] = 0 }
            return
        }
        var filledCount = 0
        mins.withUnsafeMutableBufferPointer { mins in
            filled.withUnsafeMutableBufferPointer { filled in
                @inline(__always) func add(_ shingle: UInt64) {
                    let h = DuplicatesHashing.mix(shingle)
                    let bin = Int(h >> binShift)
                    // The value within the bin: the next 32 bits, independent of the bin bits.
                    let v = UInt32(truncatingIfNeeded: h >> (binShift - 32))
                    if !filled[bin] { filled[bin] = true; filledCount += 1 }
                    if v < mins[bin] { mins[bin] = v }
                }
                if n < 5 {
                    var p: UInt64 = 0
                    for b in text { p = (p << 8) | UInt64(b) }
                    add(p | UInt64(n) << 56)
                } else {
                    var p: UInt64 = 0
                    for i in 0..<4 { p = (p << 8) | UInt64(text[i]) }
                    for i in 4..<n {
                        p = ((p << 8) | UInt64(text[i])) & 0xFF_FFFF_FFFF
                        add(p)
                    }
                }
                // Optimal densification: an empty bin i copies the first non-empty bin in
                // a pseudo-random sequence that depends only on (i, attempt), so two texts
                // with the same filled bins borrow alike.
                if filledCount < size {
                    for i in 0..<size where !filled[i] {
                        var attempt: UInt64 = 0
                        while true {
                            let j = Int(DuplicatesHashing.mix(UInt64(i) << 32 | attempt) >> binShift)
                            if filled[j] { mins[i] = mins[j]; break }
                            attempt += 1
                        }
                    }
                }
                for i in 0..<size { out[i] = UInt16(truncatingIfNeeded: mins[i]) }
            }
        }
    }
}

/// Union-find with path halving and union by size.
struct DuplicatesUnionFind {
    private var parent: [Int32]
    private var size: [Int32]

    init(count: Int) {
        parent = (0..<count).map { Int32($0) }
        size = [Int32](repeating: 1, count: count)
    }

    mutating func find(_ x: Int) -> Int {
        var x = x
        while Int(parent[x]) != x {
            let p = Int(parent[x])
            parent[x] = parent[p]
            x = Int(parent[x])
        }
        return x
    }

    mutating func union(_ a: Int, _ b: Int) {
        var ra = find(a), rb = find(b)
        if ra == rb { return }
        if size[ra] < size[rb] { swap(&ra, &rb) }
        parent[rb] = Int32(ra)
        size[ra] += size[rb]
    }
}

/// LSD radix sort of UInt64 keys, 8 bits per pass (stable, deterministic).
enum DuplicatesRadixSort {
    static func sort(_ keys: inout [UInt64], scratch: inout [UInt64]) {
        let n = keys.count
        if n < 2 { return }
        if scratch.count < n { scratch = [UInt64](repeating: 0, count: n) }
        var counts = [Int](repeating: 0, count: 256)
        var shift: UInt64 = 0
        while shift < 64 {
            for i in 0..<256 { counts[i] = 0 }
            keys.withUnsafeBufferPointer { src in
                for x in src { counts[Int((x >> shift) & 0xFF)] += 1 }
            }
            // Skip a pass where every key has the same byte.
            if counts.contains(n) { shift += 8; continue }
            var total = 0
            for i in 0..<256 {
                let c = counts[i]
                counts[i] = total
                total += c
            }
            keys.withUnsafeBufferPointer { src in
                scratch.withUnsafeMutableBufferPointer { dst in
                    for x in src {
                        let d = Int((x >> shift) & 0xFF)
                        dst[counts[d]] = x
                        counts[d] += 1
                    }
                }
            }
            swap(&keys, &scratch)
            shift += 8
        }
    }
}
