import Foundation

extension OpinionGroups {
    /// Agree / disagree / seen counts of every (group, target) pair.
    public struct GroupTallies: Sendable {
        public let groupCount: Int
        public let targetCount: Int
        /// Indexed `[group * targetCount + target]`.
        public private(set) var agree: [Int32]
        public private(set) var disagree: [Int32]
        /// Votes seen, passes included.
        public private(set) var seen: [Int32]
        /// Votes seen per target over all clustered participants.
        public private(set) var seenByClustered: [Int32]

        /// Tallies of the votes of the grouped participants (`participantGroups[r]` nil = left out).
        public init(_ matrix: VoteMatrix, participantGroups: [Int?], groupCount: Int) {
            self.groupCount = groupCount
            targetCount = matrix.targetCount
            let size = groupCount * matrix.targetCount
            agree = [Int32](repeating: 0, count: size)
            disagree = agree
            seen = agree
            seenByClustered = [Int32](repeating: 0, count: matrix.targetCount)
            for r in 0..<matrix.participantCount {
                guard let g = participantGroups[r] else { continue }
                let offset = g * matrix.targetCount
                for k in Int(matrix.rowStart[r])..<Int(matrix.rowStart[r + 1]) {
                    let t = Int(matrix.targets[k])
                    seen[offset + t] += 1
                    seenByClustered[t] += 1
                    switch matrix.values[k] {
                    case 1: agree[offset + t] += 1
                    case -1: disagree[offset + t] += 1
                    default: break
                    }
                }
            }
        }

        @inline(__always) func index(_ group: Int, _ target: Int) -> Int { group * targetCount + target }
    }

    /// One-sided significance at 90 % (Polis `z-sig-90?`).
    static let z90 = 1.2816

    /// Polis `prop-test`: z of "more than half", with one pseudo-count on each side.
    static func proportionZ(_ successes: Int, _ trials: Int) -> Double {
        let s = Double(successes + 1), n = Double(trials + 1)
        return 2 * n.squareRoot() * (s / n - 0.5)
    }

    /// Polis `two-prop-test`: z of "the group's share exceeds the others'", pseudo-count 1 each.
    static func twoProportionZ(_ successIn: Int, _ successOut: Int, _ trialsIn: Int, _ trialsOut: Int) -> Double {
        let s1 = Double(successIn + 1), s2 = Double(successOut + 1)
        let n1 = Double(trialsIn + 1), n2 = Double(trialsOut + 1)
        let pooled = (s1 + s2) / (n1 + n2)
        if pooled == 1 { return 0 }
        return (s1 / n1 - s2 / n2) / (pooled * (1 - pooled) * (1 / n1 + 1 / n2)).squareRoot()
    }

    /// All of Polis's statistics for one (group, target) pair.
    struct RepnessStats {
        var na = 0, nd = 0, ns = 0
        var pa = 0.0, pd = 0.0, pat = 0.0, pdt = 0.0
        var ra = 0.0, rd = 0.0, rat = 0.0, rdt = 0.0

        /// Polis `finalize-cmt-stats`: the stance with the larger two-proportion z.
        func finalized(target: Int) -> RepresentativeTarget {
            rat > rdt
                ? RepresentativeTarget(
                    target: target, stance: .agree, successes: na, trials: ns, probability: pa, ratio: ra,
                    probabilityZ: pat, ratioZ: rat)
                : RepresentativeTarget(
                    target: target, stance: .disagree, successes: nd, trials: ns, probability: pd, ratio: rd,
                    probabilityZ: pdt, ratioZ: rdt)
        }
    }

    /// Representative targets of each group, selected as Polis `select-rep-comments` does: a
    /// target qualifies when both its one-proportion z (the group leans that way) and its
    /// two-proportion z (more than the other groups) pass 90 %; qualifying targets are ranked by
    /// ratio × ratio-z × probability × probability-z, the group's best agreed target goes first,
    /// at most `representativeLimit` are kept, agrees before disagrees. A group with no qualifying
    /// target still gets its single best one. Excluded targets are never listed.
    public static func representativeTargets(_ tallies: GroupTallies, options: Options = .init()) -> [[RepresentativeTarget]] {
        let g = tallies.groupCount, m = tallies.targetCount
        var totalA = [Int](repeating: 0, count: m), totalD = totalA, totalS = totalA
        for group in 0..<g {
            for t in 0..<m {
                let i = tallies.index(group, t)
                totalA[t] += Int(tallies.agree[i]); totalD[t] += Int(tallies.disagree[i]); totalS[t] += Int(tallies.seen[i])
            }
        }
        var result: [[RepresentativeTarget]] = []
        for group in 0..<g {
            var sufficient: [(target: Int, stats: RepnessStats)] = []
            var best: (target: Int, stats: RepnessStats)? = nil
            var bestAgree: (target: Int, stats: RepnessStats)? = nil
            for t in 0..<m where !options.excludedTargets.contains(t) {
                let i = tallies.index(group, t)
                var s = RepnessStats()
                s.na = Int(tallies.agree[i]); s.nd = Int(tallies.disagree[i]); s.ns = Int(tallies.seen[i])
                let ra = totalA[t] - s.na, rd = totalD[t] - s.nd, rs = totalS[t] - s.ns
                s.pa = Double(s.na + 1) / Double(s.ns + 2)
                s.pd = Double(s.nd + 1) / Double(s.ns + 2)
                s.pat = proportionZ(s.na, s.ns)
                s.pdt = proportionZ(s.nd, s.ns)
                s.ra = s.pa / (Double(1 + ra) / Double(2 + rs))
                s.rd = s.pd / (Double(1 + rd) / Double(2 + rs))
                s.rat = twoProportionZ(s.na, ra, s.ns, rs)
                s.rdt = twoProportionZ(s.nd, rd, s.ns, rs)

                if (s.rat > z90 && s.pat > z90) || (s.rdt > z90 && s.pdt > z90) {
                    sufficient.append((t, s))
                }
                if sufficient.isEmpty, best.map({ max(s.rat, s.rdt) > max($0.stats.rat, $0.stats.rdt) }) ?? true {
                    best = (t, s)
                }
                if beatsBestAgree(s, bestAgree?.stats) { bestAgree = (t, s) }
            }
            let head = bestAgree.map { [$0.stats.finalized(target: $0.target)] }
                ?? best.map { [$0.stats.finalized(target: $0.target)] } ?? []
            if sufficient.isEmpty {
                result.append(head)
                continue
            }
            func metric(_ r: RepresentativeTarget) -> Double { r.ratio * r.ratioZ * r.probability * r.probabilityZ }
            let ranked = sufficient
                .filter { $0.target != bestAgree?.target }
                .map { $0.stats.finalized(target: $0.target) }
                .enumerated()
                .sorted { metric($0.element) != metric($1.element) ? metric($0.element) > metric($1.element) : $0.offset < $1.offset }
                .map(\.element)
            let top = Array((bestAgree == nil ? [] : head) + ranked).prefix(options.representativeLimit)
            result.append(top.filter { $0.stance == .agree } + top.filter { $0.stance == .disagree })
        }
        return result
    }

    /// Polis `beats-best-agr?`: the target the group most clearly agrees with, so that every group
    /// shows at least one thing it agrees on.
    static func beatsBestAgree(_ s: RepnessStats, _ current: RepnessStats?) -> Bool {
        if s.na == 0 && s.nd == 0 { return false }
        if let c = current {
            if c.ra > 1 { return s.ra * s.rat * s.pa * s.pat > c.ra * c.rat * c.pa * c.pat }
            return s.pa * s.pat > c.pa * c.pat
        }
        return s.pat > z90 || (s.ra > 1 && s.pa > 0.5)
    }

    /// Group-informed consensus of every target (Polis `group-aware-consensus`): the product over
    /// groups of the smoothed agree rate (agree + 1) / (seen + 2). High only when every group
    /// agrees; the pseudo-counts keep a target few have seen near 0.5 per group.
    public static func groupInformedConsensus(_ tallies: GroupTallies) -> [Double] {
        var result = [Double](repeating: tallies.groupCount > 0 ? 1 : 0, count: tallies.targetCount)
        for group in 0..<tallies.groupCount {
            for t in 0..<tallies.targetCount {
                let i = tallies.index(group, t)
                result[t] *= Double(tallies.agree[i] + 1) / Double(tallies.seen[i] + 2)
            }
        }
        return result
    }

    /// Division of every target: the variance across groups (each group counting once, population
    /// variance) of the smoothed agree rate (agree + 1) / (seen + 2). It is 0 when all groups
    /// agree at the same rate and at most 0.25 (half the groups all agree, half all disagree);
    /// the pseudo-counts keep a group that barely saw the target near 0.5 rather than at an extreme.
    public static func divisiveness(_ tallies: GroupTallies) -> [Double] {
        let g = tallies.groupCount
        guard g > 1 else { return [Double](repeating: 0, count: tallies.targetCount) }
        var result = [Double](repeating: 0, count: tallies.targetCount)
        var rates = [Double](repeating: 0, count: g)
        for t in 0..<tallies.targetCount {
            for group in 0..<g {
                let i = tallies.index(group, t)
                rates[group] = Double(tallies.agree[i] + 1) / Double(tallies.seen[i] + 2)
            }
            let mean = rates.reduce(0, +) / Double(g)
            result[t] = rates.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(g)
        }
        return result
    }
}
