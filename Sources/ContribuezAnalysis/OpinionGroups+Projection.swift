import Foundation

extension OpinionGroups {
    /// The two principal components of the vote matrix and the projection of every participant.
    public struct Projection: Sendable {
        /// Mean vote of each target over the participants who voted on it (the PCA centre).
        public var center: [Double]
        /// First and second principal axes (unit vectors over targets).
        public var components: [[Double]]
        /// Sparsity-aware coordinates of every participant.
        public var points: [Point]
    }

    /// PCA to two components handled as Polis does, without ever densifying the matrix.
    ///
    /// Polis fills a missing vote with the target's mean vote, centres every column on that same
    /// mean, and runs power iteration on the centred matrix. After that fill-and-centre a missing
    /// cell is exactly 0, so the centred matrix has the sparsity of the votes: we iterate on it
    /// directly (block power iteration with a Rayleigh–Ritz step, cost O(votes) per step).
    ///
    /// Each participant is then projected on the voted cells only and pushed out from the centre by
    /// `sqrt(targets / votes)` (Polis `sparsity-aware-project-ptpt`), so that someone who voted on
    /// few targets is not drawn to the middle of the map.
    public static func project(_ matrix: VoteMatrix, options: Options = .init()) -> Projection {
        let n = matrix.participantCount, m = matrix.targetCount
        let excluded = options.excludedTargets
        var isExcluded = [Bool](repeating: false, count: m)
        for t in excluded where t >= 0 && t < m { isExcluded[t] = true }

        // Column means over voters; a column nobody voted on is not a column for Polis.
        var sums = [Double](repeating: 0, count: m)
        var seen = [Int](repeating: 0, count: m)
        for k in 0..<matrix.voteCount {
            let t = Int(matrix.targets[k])
            sums[t] += Double(matrix.values[k])
            seen[t] += 1
        }
        var center = [Double](repeating: 0, count: m)
        var activeColumns = 0, excludedWithVotes = 0
        for t in 0..<m where seen[t] > 0 {
            activeColumns += 1
            if isExcluded[t] { excludedWithVotes += 1 } else { center[t] = sums[t] / Double(seen[t]) }
        }
        // NB: Polis zeroes a moderated-out column *including its missing cells*, so its mean is 0
        // and every participant counts as having voted it in the sparsity scaling below.
        var centred = [Double](repeating: 0, count: matrix.voteCount)
        for k in 0..<matrix.voteCount {
            let t = Int(matrix.targets[k])
            centred[k] = isExcluded[t] ? 0 : Double(matrix.values[k]) - center[t]
        }

        let components = principalAxes(matrix, centred: centred, count: 2, iterations: options.pcaIterations)
        var points = [Point](repeating: Point(x: 0, y: 0), count: n)
        let pc1 = components[0], pc2 = components[1]
        for r in 0..<n {
            var x = 0.0, y = 0.0, votes = excludedWithVotes
            for k in Int(matrix.rowStart[r])..<Int(matrix.rowStart[r + 1]) {
                let t = Int(matrix.targets[k])
                if isExcluded[t] { continue }
                votes += 1
                x += centred[k] * pc1[t]
                y += centred[k] * pc2[t]
            }
            let scale = (Double(activeColumns) / Double(max(votes, 1))).squareRoot()
            points[r] = Point(x: x * scale, y: y * scale)
        }
        return Projection(center: center, components: components, points: points)
    }

    /// The top `count` eigenvectors of CᵀC for the sparse centred matrix C (values in `centred`,
    /// pattern of `matrix`), by block power iteration with a few extra vectors for speed of
    /// convergence, then a Rayleigh–Ritz step. Signs are fixed (largest entry positive) so the
    /// result does not depend on the starting block.
    static func principalAxes(_ matrix: VoteMatrix, centred: [Double], count: Int, iterations: Int) -> [[Double]] {
        let n = matrix.participantCount, m = matrix.targetCount
        guard m > 0 else { return Array(repeating: [], count: count) }
        let b = min(count + 2, m)
        // Deterministic start: Polis starts from all ones; we tilt each vector differently so
        // the block is not degenerate.
        var q = [Double](repeating: 0, count: m * b)
        for j in 0..<m {
            for c in 0..<b { q[j * b + c] = c == 0 ? 1 : sin(Double((j + 1) * (c + 1)) * 1.618) }
        }
        orthonormalize(&q, rows: m, columns: b)
        var w = [Double](repeating: 0, count: n * b)
        var z = [Double](repeating: 0, count: m * b)
        let cols = matrix.targets, start = matrix.rowStart

        func multiply() {
            // w = C q, then z = Cᵀ w.
            for i in 0..<(n * b) { w[i] = 0 }
            for i in 0..<(m * b) { z[i] = 0 }
            centred.withUnsafeBufferPointer { cv in
                cols.withUnsafeBufferPointer { cc in
                    q.withUnsafeBufferPointer { qp in
                        w.withUnsafeMutableBufferPointer { wp in
                            z.withUnsafeMutableBufferPointer { zp in
                                for r in 0..<n {
                                    let lo = Int(start[r]), hi = Int(start[r + 1])
                                    if lo == hi { continue }
                                    let wo = r * b
                                    for k in lo..<hi {
                                        let v = cv[k]; let qo = Int(cc[k]) * b
                                        for c in 0..<b { wp[wo + c] += v * qp[qo + c] }
                                    }
                                    for k in lo..<hi {
                                        let v = cv[k]; let zo = Int(cc[k]) * b
                                        for c in 0..<b { zp[zo + c] += v * wp[wo + c] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        func gram() -> [Double] {
            var h = [Double](repeating: 0, count: b * b)
            for r in 0..<n {
                for c1 in 0..<b {
                    let a = w[r * b + c1]
                    if a == 0 { continue }
                    for c2 in 0..<b { h[c1 * b + c2] += a * w[r * b + c2] }
                }
            }
            return h
        }

        // Stop when the top Ritz values settle: the block's individual columns converge only at
        // the ratio of consecutive eigenvalues, the Ritz pairs at the ratio λ(b+1)/λ(count).
        var previous = [Double](repeating: -1, count: count)
        for _ in 0..<max(iterations, 1) {
            multiply()
            let ritz = symmetricEigen(gram(), size: b).0.sorted(by: >)
            // With fewer targets than `count` (a young conversation) only `b` axes exist.
            let settled = (0..<min(count, b)).allSatisfy { abs(ritz[$0] - previous[$0]) <= 1e-13 * max(abs(ritz[0]), 1e-300) }
            previous = Array(ritz.prefix(count)) + [Double](repeating: -1, count: max(0, count - b))
            if settled { break }
            orthonormalize(&z, rows: m, columns: b)
            swap(&q, &z)
        }
        // Rayleigh–Ritz: H = (Cq)ᵀ(Cq), then rotate q by H's eigenvectors.
        multiply()
        let h = gram()
        let (values, vectors) = symmetricEigen(h, size: b)
        let order = (0..<b).sorted { values[$0] > values[$1] }
        var axes: [[Double]] = []
        for e in order.prefix(count) {
            var axis = [Double](repeating: 0, count: m)
            for j in 0..<m {
                var s = 0.0
                for c in 0..<b { s += q[j * b + c] * vectors[c * b + e] }
                axis[j] = s
            }
            let norm = axis.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 0 { for j in 0..<m { axis[j] /= norm } }
            var big = 0
            for j in 0..<m where abs(axis[j]) > abs(axis[big]) + 1e-12 { big = j }
            if axis[big] < 0 { for j in 0..<m { axis[j] = -axis[j] } }
            axes.append(axis)
        }
        while axes.count < count { axes.append([Double](repeating: 0, count: m)) }
        return axes
    }

    /// Modified Gram–Schmidt on the columns of a row-major `rows × columns` matrix. A column that
    /// vanishes (rank deficiency) is left at zero.
    static func orthonormalize(_ a: inout [Double], rows: Int, columns: Int) {
        for c in 0..<columns {
            for p in 0..<c {
                var dot = 0.0
                for r in 0..<rows { dot += a[r * columns + c] * a[r * columns + p] }
                for r in 0..<rows { a[r * columns + c] -= dot * a[r * columns + p] }
            }
            var norm = 0.0
            for r in 0..<rows { norm += a[r * columns + c] * a[r * columns + c] }
            norm = norm.squareRoot()
            if norm > 1e-300 {
                for r in 0..<rows { a[r * columns + c] /= norm }
            } else {
                for r in 0..<rows { a[r * columns + c] = 0 }
            }
        }
    }

    /// Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations. Returns the
    /// eigenvalues and the eigenvectors as columns of a row-major matrix.
    static func symmetricEigen(_ matrix: [Double], size n: Int) -> ([Double], [Double]) {
        var a = matrix
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in 0..<n where i != j { off += a[i * n + j] * a[i * n + j] } }
            if off < 1e-22 { break }
            for p in 0..<n {
                for q in (p + 1)..<n where abs(a[p * n + q]) > 1e-300 {
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        return ((0..<n).map { a[$0 * n + $0] }, v)
    }
}
