import Foundation

/// Adjusted Rand index (Hubert & Arabie 1985) between two partitions of the same items: 1 for
/// identical partitions (up to renaming the labels), about 0 for independent ones, possibly
/// negative. Used to compare our opinion groups with Polis's.
public enum AdjustedRandIndex {
    /// ARI of two labelings of the same items (`a[i]` and `b[i]` label item `i`; any Int labels).
    /// Two partitions that are both a single cluster (or both all singletons) give 1.
    public static func compute(_ a: [Int], _ b: [Int]) -> Double {
        precondition(a.count == b.count, "both labelings must cover the same items")
        let n = a.count
        guard n > 1 else { return 1 }
        var ai: [Int: Int] = [:], bi: [Int: Int] = [:]
        let ca = a.map { label in ai[label] ?? { ai[label] = ai.count; return ai.count - 1 }() }
        let cb = b.map { label in bi[label] ?? { bi[label] = bi.count; return bi.count - 1 }() }
        var table = [Int: Int]()
        var rows = [Int](repeating: 0, count: ai.count), cols = [Int](repeating: 0, count: bi.count)
        for i in 0..<n {
            table[ca[i] * bi.count + cb[i], default: 0] += 1
            rows[ca[i]] += 1
            cols[cb[i]] += 1
        }
        func pairs(_ x: Int) -> Double { Double(x) * Double(x - 1) / 2 }
        let index = table.values.reduce(0.0) { $0 + pairs($1) }
        let sumRows = rows.reduce(0.0) { $0 + pairs($1) }
        let sumCols = cols.reduce(0.0) { $0 + pairs($1) }
        let expected = sumRows * sumCols / pairs(n)
        let maximum = (sumRows + sumCols) / 2
        // NB: when both partitions are trivial in the same way the formula is 0/0; they agree.
        if maximum == expected { return index == expected ? 1 : 0 }
        return (index - expected) / (maximum - expected)
    }
}
