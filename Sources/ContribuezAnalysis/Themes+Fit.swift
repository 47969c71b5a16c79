import Foundation

/// Sparse rows (CSR) of unit TF-IDF vectors.
struct SparseRows {
    var start: [Int] = [0]
    var index: [Int32] = []
    var value: [Float] = []
    var count: Int { start.count - 1 }

    mutating func append(_ i: [Int32], _ v: [Float]) {
        index.append(contentsOf: i)
        value.append(contentsOf: v)
        start.append(index.count)
    }

    func dot(_ a: Int, _ b: Int) -> Float {
        var i = start[a], j = start[b]
        let ie = start[a + 1], je = start[b + 1]
        var s: Float = 0
        while i < ie && j < je {
            if index[i] == index[j] { s += value[i] * value[j]; i += 1; j += 1 }
            else if index[i] < index[j] { i += 1 } else { j += 1 }
        }
        return s
    }
}

/// Fits a `Themes.Model` on a sample of texts (see `Themes` for the method).
struct Fitter {
    let texts: [String]
    let options: Themes.Options

    func fit() -> Themes.Model {
        let language = options.language ?? Themes.detectLanguage(texts)
        var extractor = TermExtractor(language: language, bigrams: options.bigrams)

        // 1. Terms of each text, and their document frequencies.
        var docTerms: [[UInt64: Float]] = []
        docTerms.reserveCapacity(texts.count)
        var df: [UInt64: Int] = [:]
        for text in texts {
            var counts: [UInt64: Float] = [:]
            extractor.forEachTerm(Array(text.unicodeScalars)) { key, _, _, _ in counts[key, default: 0] += 1 }
            for key in counts.keys { df[key, default: 0] += 1 }
            docTerms.append(counts)
        }

        // 2. Features: frequent enough, not everywhere; most frequent first, capped.
        let n = texts.count
        let maxDF = max(options.minimumDocumentFrequency, Int(options.maximumDocumentFrequency * Double(n)))
        var candidates = df.filter { $0.value >= options.minimumDocumentFrequency && $0.value <= maxDF }
            .map { (key: $0.key, df: $0.value) }
        candidates.sort { $0.df != $1.df ? $0.df > $1.df : $0.key < $1.key }
        if candidates.count > options.maximumFeatures { candidates.removeLast(candidates.count - options.maximumFeatures) }
        // NB: stems are renumbered to those the features use, in order of first use, so the model is
        // independent of the words that were dropped.
        var stemMap: [Int32: Int32] = [:]
        var stems: [String] = []
        func stemID(_ old: Int32) -> Int32 {
            if let s = stemMap[old] { return s }
            let s = Int32(stems.count)
            stemMap[old] = s
            stems.append(extractor.stems[Int(old)])
            return s
        }
        var featureOf: [UInt64: Int32] = [:]
        var first: [Int32] = [], second: [Int32] = [], idf: [Float] = []
        for (f, c) in candidates.enumerated() {
            featureOf[c.key] = Int32(f)
            let (a, b) = TermExtractor.parts(c.key)
            first.append(stemID(a))
            second.append(b.map(stemID) ?? -1)
            idf.append(Float(log(Double(1 + n) / Double(1 + c.df)) + 1))
        }
        let featureCount = candidates.count

        // 3. Unit TF-IDF rows; texts without a feature are left out of the clustering.
        var rows = SparseRows()
        for counts in docTerms {
            var pairs: [(Int32, Float)] = []
            for (key, tf) in counts { if let f = featureOf[key] { pairs.append((f, (1 + log(tf)) * idf[Int(f)])) } }
            guard !pairs.isEmpty else { continue }
            pairs.sort { $0.0 < $1.0 }
            let norm = pairs.reduce(0) { $0 + $1.1 * $1.1 }.squareRoot()
            rows.append(pairs.map(\.0), pairs.map { $0.1 / norm })
        }
        docTerms = []

        let empty = Themes.Model(
            language: language, bigrams: options.bigrams, stems: stems, first: first, second: second, idf: idf,
            centres: [], labels: [], terms: [], sampleSizes: [])
        guard rows.count >= 2, featureCount > 0 else { return empty }

        // 4. Number of themes, then spherical k-means on the whole sample, in the LSA space when asked.
        var rng = SplitMix64(seed: options.seed)
        var space = rows
        var dimensions = featureCount
        if let d = options.dimensions, d > 0, featureCount > d, rows.count > d {
            space = LatentSemantics.embed(rows, features: featureCount, dimensions: d, rng: &rng)
            dimensions = space.start[1] - space.start[0]
        }
        let k: Int
        if let wanted = options.themeCount {
            k = max(1, min(wanted, rows.count))
        } else {
            k = chooseThemeCount(space, features: dimensions, rng: &rng)
        }
        var clustering = SphericalKMeans.best(
            space, features: dimensions, k: k, restarts: options.restarts, iterations: options.iterations, rng: &rng)
        if dimensions != featureCount {
            // Centres over the features (what `assign` uses): the normalised mean of each theme's rows.
            clustering.centres = SphericalKMeans.centres(rows, labels: clustering.labels, k: k, features: featureCount)
        }

        // Largest theme first.
        var sizes = [Int](repeating: 0, count: k)
        for l in clustering.labels { sizes[l] += 1 }
        let order = (0..<k).sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }.filter { sizes[$0] > 0 }
        var rank = [Int](repeating: -1, count: k)
        for (r, t) in order.enumerated() { rank[t] = r }
        clustering.labels = clustering.labels.map { rank[$0] }
        let centres = order.map { t in Array(clustering.centres[t * featureCount..<(t + 1) * featureCount]) }

        // 5. Labels from the distinctive features, in their most used surface forms.
        let surfaces = surfaceForms(featureOf: featureOf, extractor: &extractor)
        let terms = Themes.distinctiveTerms(
            rows, labels: clustering.labels, themes: order.count, features: featureCount, first: first, second: second,
            surfaces: surfaces, count: options.termsPerTheme)
        return Themes.Model(
            language: language, bigrams: options.bigrams, stems: stems, first: first, second: second, idf: idf,
            centres: centres, labels: terms.map { $0.prefix(3).joined(separator: " · ") }, terms: terms,
            sampleSizes: order.map { sizes[$0] })
    }

    /// The number of themes with the best mean silhouette (cosine distance) on a subsample;
    /// the smaller k on a tie.
    private func chooseThemeCount(_ rows: SparseRows, features: Int, rng: inout SplitMix64) -> Int {
        let picked = Themes.sample(count: rows.count, size: options.selectionSampleSize, seed: rng.next())
        var sub = SparseRows()
        for r in picked {
            sub.append(Array(rows.index[rows.start[r]..<rows.start[r + 1]]), Array(rows.value[rows.start[r]..<rows.start[r + 1]]))
        }
        let m = sub.count
        let low = max(2, options.minimumThemes)
        // NB: silhouette keeps rising with k on short, repetitive texts (each set of near-identical texts
        // becomes its own tight cluster), so k is also bounded by the rule of thumb k ≤ √(n/2) (Mardia,
        // Kent & Bibby 1979) over all the texts: 60 texts give at most 5 themes, 2,000 or more up to 30.
        let bySize = Int((Double(rows.count) / 2).squareRoot())
        let high = min(options.maximumThemes, m - 1, max(low, bySize))
        guard high >= low else { return max(1, min(low, m)) }
        // Pairwise similarities once (m ≤ a few thousand).
        var gram = [Float](repeating: 0, count: m * m)
        var dense = [Float](repeating: 0, count: features)
        for a in 0..<m {
            for p in sub.start[a]..<sub.start[a + 1] { dense[Int(sub.index[p])] = sub.value[p] }
            for b in a..<m {
                var s: Float = 0
                for p in sub.start[b]..<sub.start[b + 1] { s += dense[Int(sub.index[p])] * sub.value[p] }
                gram[a * m + b] = s
                gram[b * m + a] = s
            }
            for p in sub.start[a]..<sub.start[a + 1] { dense[Int(sub.index[p])] = 0 }
        }
        var bestK = low
        var bestScore = -Double.infinity
        for k in low...high {
            let c = SphericalKMeans.best(sub, features: features, k: k, restarts: 2, iterations: options.iterations, rng: &rng)
            let s = Themes.silhouette(gram: gram, labels: c.labels, k: k)
            if s > bestScore + 1e-9 { bestScore = s; bestK = k }
        }
        return bestK
    }

    /// The most used surface form of each feature in the sample (lower case, or capitals for acronyms).
    private func surfaceForms(featureOf: [UInt64: Int32], extractor: inout TermExtractor) -> [String] {
        var counts = [[String: Int]](repeating: [:], count: featureOf.count)
        for text in texts {
            let scalars = Array(text.unicodeScalars)
            extractor.forEachTerm(scalars) { key, a, b, words in
                guard let f = featureOf[key] else { return }
                var form = ""
                for j in a...b {
                    if j > a {
                        // The text between two words (spaces, apostrophes, hyphens), with whitespace collapsed.
                        let between = String(String.UnicodeScalarView(scalars[words[j - 1].end..<words[j].start]))
                        let trimmed = between.trimmingCharacters(in: .whitespacesAndNewlines)
                        form += trimmed.isEmpty ? " " : (between.first!.isWhitespace ? " " : "") + trimmed
                            + (between.last!.isWhitespace ? " " : "")
                    }
                    form += words[j].allCaps ? words[j].lower.uppercased() : words[j].lower
                }
                counts[Int(f)][form, default: 0] += 1
            }
        }
        return counts.map { forms in
            forms.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key ?? ""
        }
    }
}

extension Themes {
    /// Mean silhouette (Rousseeuw 1987) with cosine distance `1 - similarity`; points alone in
    /// their cluster count 0.
    static func silhouette(gram: [Float], labels: [Int], k: Int) -> Double {
        let m = labels.count
        var sizes = [Int](repeating: 0, count: k)
        for l in labels { sizes[l] += 1 }
        var total = 0.0
        var sums = [Double](repeating: 0, count: k)
        for i in 0..<m {
            for t in 0..<k { sums[t] = 0 }
            for j in 0..<m where j != i { sums[labels[j]] += Double(1 - gram[i * m + j]) }
            let own = labels[i]
            guard sizes[own] > 1 else { continue }
            let a = sums[own] / Double(sizes[own] - 1)
            var b = Double.infinity
            for t in 0..<k where t != own && sizes[t] > 0 { b = min(b, sums[t] / Double(sizes[t])) }
            guard b.isFinite else { continue }
            total += (b - a) / max(a, b)
        }
        return total / Double(m)
    }

    /// For each theme, the features with the highest `c · ln(c / g)` (c: mean weight in the theme,
    /// g: mean weight in the sample), as surface forms; a bigram counts only when both its words
    /// are distinctive of the theme, a word already inside a chosen bigram is skipped, and a
    /// bigram replaces a chosen word it contains.
    static func distinctiveTerms(
        _ rows: SparseRows, labels: [Int], themes k: Int, features: Int, first: [Int32], second: [Int32],
        surfaces: [String], count: Int
    ) -> [[String]] {
        var mean = [[Double]](repeating: [Double](repeating: 0, count: features), count: k)
        var global = [Double](repeating: 0, count: features)
        var sizes = [Int](repeating: 0, count: k)
        for r in 0..<rows.count {
            let t = labels[r]
            sizes[t] += 1
            for p in rows.start[r]..<rows.start[r + 1] {
                let f = Int(rows.index[p]), v = Double(rows.value[p])
                mean[t][f] += v
                global[f] += v
            }
        }
        for f in 0..<features { global[f] /= Double(rows.count) }
        var unigramOf: [Int32: Int] = [:]
        for f in 0..<features where second[f] < 0 { unigramOf[first[f]] = f }
        return (0..<k).map { t in
            let size = Double(max(sizes[t], 1))
            // A bigram qualifies only if both its words are over-represented in the theme (1.5× their
            // corpus mean): "données personnelles", not "revoir écoles" where "revoir" is everywhere.
            func distinctive(_ stem: Int32) -> Bool {
                guard let u = unigramOf[stem] else { return false }
                return mean[t][u] / size >= 1.5 * global[u]
            }
            var scored: [(f: Int, score: Double)] = []
            for f in 0..<features where mean[t][f] > 0 {
                let c = mean[t][f] / size
                guard c > global[f],
                    second[f] < 0 || (first[f] != second[f] && distinctive(first[f]) && distinctive(second[f]))
                else { continue }
                scored.append((f, c * log(c / global[f])))
            }
            scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.f < $1.f }
            var chosen: [Int] = []
            for (f, _) in scored {
                if chosen.count >= count { break }
                if second[f] < 0 {
                    // A word already shown inside a chosen bigram adds nothing.
                    if chosen.contains(where: { second[$0] >= 0 && (first[$0] == first[f] || second[$0] == first[f]) }) { continue }
                    chosen.append(f)
                } else if let w = chosen.firstIndex(where: { second[$0] < 0 && (first[$0] == first[f] || first[$0] == second[f]) }) {
                    chosen[w] = f
                    // The bigram may contain a second chosen word too.
                    chosen.removeAll { $0 != f && second[$0] < 0 && (first[$0] == first[f] || first[$0] == second[f]) }
                } else {
                    chosen.append(f)
                }
            }
            var seen = Set<String>()
            return chosen.map { surfaces[$0] }.filter { !$0.isEmpty && seen.insert($0).inserted }
        }
    }
}

/// Spherical k-means (Dhillon & Modha 2001) on unit sparse rows, seeded like k-means++ with
/// cosine distance.
enum SphericalKMeans {
    struct Clustering {
        var centres: [Float]  // k × features, unit rows
        var labels: [Int]
        var objective: Double  // sum of similarities to the own centre
    }

    /// The best of `restarts` runs (highest objective).
    static func best(
        _ rows: SparseRows, features: Int, k: Int, restarts: Int, iterations: Int, rng: inout SplitMix64
    ) -> Clustering {
        var best: Clustering?
        for _ in 0..<max(1, restarts) {
            var local = SplitMix64(seed: rng.next())
            let c = run(rows, features: features, k: k, iterations: iterations, rng: &local)
            if best == nil || c.objective > best!.objective + 1e-9 { best = c }
        }
        return best!
    }

    /// Unit mean of the rows of each cluster (k × features).
    static func centres(_ rows: SparseRows, labels: [Int], k: Int, features F: Int) -> [Float] {
        var centres = [Float](repeating: 0, count: k * F)
        for i in 0..<rows.count {
            for p in rows.start[i]..<rows.start[i + 1] { centres[labels[i] * F + Int(rows.index[p])] += rows.value[p] }
        }
        for t in 0..<k {
            var norm: Float = 0
            for f in 0..<F { norm += centres[t * F + f] * centres[t * F + f] }
            norm = norm.squareRoot()
            if norm > 0 { for f in 0..<F { centres[t * F + f] /= norm } }
        }
        return centres
    }

    static func run(_ rows: SparseRows, features F: Int, k: Int, iterations: Int, rng: inout SplitMix64) -> Clustering {
        let n = rows.count
        var centres = [Float](repeating: 0, count: k * F)
        // Seeding: next centre drawn with probability ∝ cosine distance to the nearest chosen one.
        var closest = [Float](repeating: -1, count: n)
        var chosen = Set<Int>()
        var pick = Int(rng.next() % UInt64(n))
        for c in 0..<k {
            chosen.insert(pick)
            for p in rows.start[pick]..<rows.start[pick + 1] { centres[c * F + Int(rows.index[p])] = rows.value[p] }
            guard c + 1 < k else { break }
            var total = 0.0
            for i in 0..<n {
                closest[i] = max(closest[i], rows.dot(i, pick))
                total += Double(max(0, 1 - closest[i]))
            }
            if total <= 0 {
                pick = (0..<n).first { !chosen.contains($0) } ?? 0
                continue
            }
            var target = rng.unit() * total
            pick = n - 1
            for i in 0..<n {
                target -= Double(max(0, 1 - closest[i]))
                if target < 0 && !chosen.contains(i) { pick = i; break }
            }
        }
        var labels = [Int](repeating: -1, count: n)
        var sims = [Float](repeating: 0, count: n)
        var byFeature = [Float](repeating: 0, count: F * k)
        var scores = [Float](repeating: 0, count: k)
        var objective = 0.0
        for _ in 0..<max(1, iterations) {
            for t in 0..<k { for f in 0..<F { byFeature[f * k + t] = centres[t * F + f] } }
            var changed = 0
            objective = 0
            for i in 0..<n {
                let idx = Array(rows.index[rows.start[i]..<rows.start[i + 1]])
                let val = Array(rows.value[rows.start[i]..<rows.start[i + 1]])
                let (t, s) = Themes.nearest(idx, val, centresByFeature: byFeature, themes: k, scores: &scores) ?? (0, 0)
                if labels[i] != t { changed += 1; labels[i] = t }
                sims[i] = s
                objective += Double(s)
            }
            // New centres: normalised sums; an empty theme takes the row farthest from its centre.
            for j in centres.indices { centres[j] = 0 }
            var sizes = [Int](repeating: 0, count: k)
            for i in 0..<n {
                let t = labels[i]
                sizes[t] += 1
                for p in rows.start[i]..<rows.start[i + 1] { centres[t * F + Int(rows.index[p])] += rows.value[p] }
            }
            for t in 0..<k where sizes[t] == 0 {
                var far = 0
                for i in 0..<n where sizes[labels[i]] > 1 && (sizes[labels[far]] <= 1 || sims[i] < sims[far]) { far = i }
                let old = labels[far]
                sizes[old] -= 1
                for p in rows.start[far]..<rows.start[far + 1] {
                    centres[old * F + Int(rows.index[p])] -= rows.value[p]
                    centres[t * F + Int(rows.index[p])] = rows.value[p]
                }
                labels[far] = t
                sizes[t] = 1
                sims[far] = 1
                changed += 1
            }
            for t in 0..<k {
                var norm: Float = 0
                for f in 0..<F { norm += centres[t * F + f] * centres[t * F + f] }
                norm = norm.squareRoot()
                if norm > 0 { for f in 0..<F { centres[t * F + f] /= norm } }
            }
            if changed == 0 { break }
        }
        return Clustering(centres: centres, labels: labels, objective: objective)
    }
}
