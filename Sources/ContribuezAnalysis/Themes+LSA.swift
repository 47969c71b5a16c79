import Foundation

/// Latent semantic analysis (Deerwester et al. 1990): the texts' TF-IDF rows projected on their
/// top singular vectors, by randomized SVD (Halko, Martinsson & Tropp 2011, with two power
/// iterations). Clustering in that space groups texts that use related words, not only the same
/// ones — the pipeline of scikit-learn's "Clustering text documents using k-means" example.
enum LatentSemantics {
    /// Unit rows of `rows` projected on its top `dimensions` singular directions (as dense rows in
    /// `SparseRows` form, every index present).
    static func embed(_ rows: SparseRows, features F: Int, dimensions d: Int, rng: inout SplitMix64) -> SparseRows {
        let n = rows.count
        let l = min(d + 10, min(n, F))
        // Gaussian test matrix Ω (F × l), Box–Muller from the seeded generator.
        var omega = [Double](repeating: 0, count: F * l)
        for i in omega.indices {
            let u1 = max(rng.unit(), 1e-300), u2 = rng.unit()
            omega[i] = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        }
        var y = times(rows, omega, l)  // n × l
        orthonormalize(&y, n, l)
        for _ in 0..<2 {
            var z = transposeTimes(rows, y, l, F)  // F × l
            orthonormalize(&z, F, l)
            y = times(rows, z, l)
            orthonormalize(&y, n, l)
        }
        // B = Qᵀ X, held as Xᵀ Q (F × l); C = B Bᵀ (l × l).
        let bt = transposeTimes(rows, y, l, F)
        var c = [Double](repeating: 0, count: l * l)
        for f in 0..<F {
            let base = f * l
            for a in 0..<l {
                let v = bt[base + a]
                if v == 0 { continue }
                for b in a..<l { c[a * l + b] += v * bt[base + b] }
            }
        }
        for a in 0..<l { for b in 0..<a { c[a * l + b] = c[b * l + a] } }
        let (values, vectors) = jacobiEigen(c, l)
        let order = (0..<l).sorted { values[$0] > values[$1] }.prefix(min(d, l))
        // Document coordinates: Q U Σ (Σ = √eigenvalues), rows then normalised.
        var out = SparseRows()
        let dims = Array(order)
        let allIndex = (0..<dims.count).map { Int32($0) }
        for i in 0..<n {
            var row = [Float](repeating: 0, count: dims.count)
            var norm = 0.0
            for (j, e) in dims.enumerated() {
                var s = 0.0
                for a in 0..<l { s += y[i * l + a] * vectors[a * l + e] }
                s *= max(values[e], 0).squareRoot()
                row[j] = Float(s)
                norm += s * s
            }
            let scale = norm > 0 ? Float(1 / norm.squareRoot()) : 0
            out.append(allIndex, row.map { $0 * scale })
        }
        return out
    }

    /// X M for sparse X (n × F) and dense M (F × l).
    private static func times(_ rows: SparseRows, _ m: [Double], _ l: Int) -> [Double] {
        var out = [Double](repeating: 0, count: rows.count * l)
        for i in 0..<rows.count {
            for p in rows.start[i]..<rows.start[i + 1] {
                let v = Double(rows.value[p]), base = Int(rows.index[p]) * l
                for a in 0..<l { out[i * l + a] += v * m[base + a] }
            }
        }
        return out
    }

    /// Xᵀ Y for sparse X (n × F) and dense Y (n × l).
    private static func transposeTimes(_ rows: SparseRows, _ y: [Double], _ l: Int, _ F: Int) -> [Double] {
        var out = [Double](repeating: 0, count: F * l)
        for i in 0..<rows.count {
            for p in rows.start[i]..<rows.start[i + 1] {
                let v = Double(rows.value[p]), base = Int(rows.index[p]) * l
                for a in 0..<l { out[base + a] += v * y[i * l + a] }
            }
        }
        return out
    }

    /// Modified Gram–Schmidt on the columns of a row-major m × l matrix.
    private static func orthonormalize(_ a: inout [Double], _ m: Int, _ l: Int) {
        for j in 0..<l {
            for k in 0..<j {
                var dot = 0.0
                for i in 0..<m { dot += a[i * l + j] * a[i * l + k] }
                for i in 0..<m { a[i * l + j] -= dot * a[i * l + k] }
            }
            var norm = 0.0
            for i in 0..<m { norm += a[i * l + j] * a[i * l + j] }
            norm = norm.squareRoot()
            let scale = norm > 1e-12 ? 1 / norm : 0
            for i in 0..<m { a[i * l + j] *= scale }
        }
    }

    /// Eigenvalues and eigenvectors (columns) of a symmetric l × l matrix, cyclic Jacobi.
    static func jacobiEigen(_ matrix: [Double], _ l: Int) -> (values: [Double], vectors: [Double]) {
        var a = matrix
        var v = [Double](repeating: 0, count: l * l)
        for i in 0..<l { v[i * l + i] = 1 }
        for _ in 0..<60 {
            var off = 0.0
            for p in 0..<l { for q in (p + 1)..<max(p + 1, l) { off += a[p * l + q] * a[p * l + q] } }
            if off < 1e-22 { break }
            for p in 0..<l {
                for q in (p + 1)..<max(p + 1, l) where abs(a[p * l + q]) > 1e-300 {
                    let theta = (a[q * l + q] - a[p * l + p]) / (2 * a[p * l + q])
                    let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<l {
                        let akp = a[k * l + p], akq = a[k * l + q]
                        a[k * l + p] = c * akp - s * akq
                        a[k * l + q] = s * akp + c * akq
                    }
                    for k in 0..<l {
                        let apk = a[p * l + k], aqk = a[q * l + k]
                        a[p * l + k] = c * apk - s * aqk
                        a[q * l + k] = s * apk + c * aqk
                    }
                    for k in 0..<l {
                        let vkp = v[k * l + p], vkq = v[k * l + q]
                        v[k * l + p] = c * vkp - s * vkq
                        v[k * l + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        return ((0..<l).map { a[$0 * l + $0] }, v)
    }
}
