import Foundation

/// Normalised mutual information between two partitions of the same items, with the arithmetic
/// mean of the entropies as normaliser (Strehl & Ghosh 2002 use the geometric mean; scikit-learn's
/// `normalized_mutual_info_score` default is the arithmetic one, used here so the two compare).
/// 1 for identical partitions, 0 for independent ones.
public enum NormalizedMutualInformation {
    public static func compute(_ a: [Int], _ b: [Int]) -> Double {
        precondition(a.count == b.count, "both labelings must cover the same items")
        let n = Double(a.count)
        guard a.count > 0 else { return 1 }
        var ca: [Int: Double] = [:], cb: [Int: Double] = [:], joint: [Pair: Double] = [:]
        for i in a.indices {
            ca[a[i], default: 0] += 1
            cb[b[i], default: 0] += 1
            joint[Pair(a: a[i], b: b[i]), default: 0] += 1
        }
        func entropy(_ counts: Dictionary<Int, Double>.Values) -> Double {
            counts.reduce(0) { $0 - ($1 / n) * log($1 / n) }
        }
        let ha = entropy(ca.values), hb = entropy(cb.values)
        // NB: both partitions trivial (one cluster each, or identical singletons) — they agree.
        if ha == 0 && hb == 0 { return 1 }
        var mi = 0.0
        for (pair, nij) in joint {
            mi += (nij / n) * log(n * nij / (ca[pair.a]! * cb[pair.b]!))
        }
        return max(0, min(1, mi / ((ha + hb) / 2)))
    }

    private struct Pair: Hashable { var a: Int, b: Int }
}
