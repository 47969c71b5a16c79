import Foundation

extension OpinionGroups {
    /// SplitMix64: a tiny, fast, seedable generator, so that a seed gives the same clusters on
    /// every platform (the system generator is neither seedable nor stable across platforms).
    public struct SeededGenerator: RandomNumberGenerator, Sendable {
        private var state: UInt64
        public init(seed: UInt64) { state = seed }
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        /// A uniform double in [0, 1).
        mutating func unit() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }
    }

    /// A clustering of 2-D points.
    public struct Clustering: Sendable {
        public var centers: [Point]
        /// Cluster of each point (index into `centers`).
        public var assignment: [Int]
        /// Weighted sum of squared distances to the assigned centre.
        public var inertia: Double
    }

    /// Weighted k-means (Lloyd) on 2-D points, seeded by k-means++.
    ///
    /// As in Polis, `k` is capped by the number of distinct points and a cluster that ends up
    /// empty is dropped, so the result may have fewer than `k` clusters. Deterministic for a
    /// given generator state.
    public static func kMeans(
        _ points: [Point], weights: [Double]? = nil, k: Int, maxIterations: Int = 100,
        using rng: inout SeededGenerator
    ) -> Clustering {
        let n = points.count
        guard n > 0, k > 0 else { return Clustering(centers: [], assignment: [], inertia: 0) }
        let w = weights ?? [Double](repeating: 1, count: n)
        let distinct = Set(points).count
        let k = min(k, distinct)
        return lloyd(points, weights: w, centers: plusPlusCenters(points, weights: w, k: k, using: &rng), maxIterations: maxIterations)
    }

    /// k-means started as Polis starts a new clustering: the centres are the first `k` distinct
    /// points in input order (Polis `init-clusters`). Deterministic without a seed.
    public static func kMeansFirstDistinct(
        _ points: [Point], weights: [Double]? = nil, k: Int, maxIterations: Int = 100
    ) -> Clustering {
        let n = points.count
        guard n > 0, k > 0 else { return Clustering(centers: [], assignment: [], inertia: 0) }
        let w = weights ?? [Double](repeating: 1, count: n)
        var seen = Set<Point>()
        var centers: [Point] = []
        for p in points where centers.count < k && seen.insert(p).inserted { centers.append(p) }
        return lloyd(points, weights: w, centers: centers, maxIterations: maxIterations)
    }

    /// k-means++ seeding: the first centre by weight, each next one with probability ∝ weight × D².
    static func plusPlusCenters(_ points: [Point], weights w: [Double], k: Int, using rng: inout SeededGenerator) -> [Point] {
        let n = points.count

        var centers: [Point] = []
        centers.reserveCapacity(k)
        var d2 = [Double](repeating: .infinity, count: n)
        func pick(_ scores: [Double]) -> Int {
            let total = scores.reduce(0, +)
            guard total > 0 else { return 0 }
            var target = rng.unit() * total
            for i in 0..<n {
                target -= scores[i]
                if target < 0 { return i }
            }
            return (0..<n).last { scores[$0] > 0 } ?? 0
        }
        centers.append(points[pick(w)])
        while centers.count < k {
            let c = centers[centers.count - 1]
            var scores = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let dx = points[i].x - c.x, dy = points[i].y - c.y
                d2[i] = min(d2[i], dx * dx + dy * dy)
                scores[i] = w[i] * d2[i]
            }
            if scores.allSatisfy({ $0 == 0 }) { break }
            centers.append(points[pick(scores)])
        }
        return centers
    }

    /// Lloyd iterations from `centers`, dropping a cluster that ends up empty (as Polis does).
    static func lloyd(_ points: [Point], weights w: [Double], centers start: [Point], maxIterations: Int) -> Clustering {
        let n = points.count
        var centers = start
        var assignment = [Int](repeating: -1, count: n)
        var inertia = 0.0
        for iteration in 0...max(maxIterations, 1) {
            // Assign.
            var changed = false
            inertia = 0
            let kk = centers.count
            points.withUnsafeBufferPointer { pp in
                centers.withUnsafeBufferPointer { cp in
                    for i in 0..<n {
                        let p = pp[i]
                        var best = 0, bestD = Double.infinity
                        for c in 0..<kk {
                            let dx = p.x - cp[c].x, dy = p.y - cp[c].y
                            let d = dx * dx + dy * dy
                            if d < bestD { bestD = d; best = c }
                        }
                        if assignment[i] != best { assignment[i] = best; changed = true }
                        inertia += w[i] * bestD
                    }
                }
            }
            if !changed || iteration == maxIterations { break }
            // Update, dropping empty clusters as Polis does.
            var sx = [Double](repeating: 0, count: kk), sy = sx, sw = sx
            for i in 0..<n {
                let c = assignment[i]
                sx[c] += w[i] * points[i].x; sy[c] += w[i] * points[i].y; sw[c] += w[i]
            }
            var remap = [Int](repeating: -1, count: kk)
            var next: [Point] = []
            for c in 0..<kk where sw[c] > 0 {
                remap[c] = next.count
                next.append(Point(x: sx[c] / sw[c], y: sy[c] / sw[c]))
            }
            if next.count != kk { for i in 0..<n { assignment[i] = remap[assignment[i]] } }
            centers = next
        }
        return Clustering(centers: centers, assignment: assignment, inertia: inertia)
    }

    /// Mean silhouette of a clustering of `points`, computed as Polis does on the base-cluster
    /// centres: unweighted, and 0 for a member alone in its cluster.
    public static func silhouette(_ points: [Point], assignment: [Int]) -> Double {
        let n = points.count
        guard n > 1 else { return 0 }
        let k = (assignment.max() ?? 0) + 1
        var sizes = [Int](repeating: 0, count: k)
        for a in assignment { sizes[a] += 1 }
        var total = 0.0
        var sums = [Double](repeating: 0, count: k)
        for i in 0..<n {
            let own = assignment[i]
            if sizes[own] == 1 { continue }
            for c in 0..<k { sums[c] = 0 }
            for j in 0..<n where j != i {
                let dx = points[i].x - points[j].x, dy = points[i].y - points[j].y
                sums[assignment[j]] += (dx * dx + dy * dy).squareRoot()
            }
            let a = sums[own] / Double(sizes[own] - 1)
            var b = Double.infinity
            for c in 0..<k where c != own && sizes[c] > 0 { b = min(b, sums[c] / Double(sizes[c])) }
            if b.isInfinite { continue }
            let denominator = max(a, b)
            if denominator > 0 { total += (b - a) / denominator }
        }
        return total / Double(n)
    }
}
