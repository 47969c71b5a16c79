import Foundation

/// Themes of free text: groups proposals, arguments and answers by what they talk about, with a
/// readable label for each group.
///
/// Method (the classic document-clustering pipeline, e.g. Dhillon & Modha 2001; Manning,
/// Raghavan & Schütze, *Introduction to Information Retrieval*, ch. 16):
/// 1. words are lower-cased, stop words removed, the rest stemmed with Snowball (French,
///    Spanish; English words are kept whole) and accent-folded; adjacent content words (up to two
///    stop words apart, inside one clause, not across "et"/"ou"/"y"…) also form bigrams, so
///    "données personnelles" and "protection des données" are features of their own;
/// 2. each text is a TF-IDF vector (sublinear tf `1 + ln tf`, smoothed idf, L2 norm) over the
///    features seen in at least `minimumDocumentFrequency` texts of the sample and in at most
///    `maximumDocumentFrequency` of them;
/// 3. the vectors are projected on their top `dimensions` singular directions (LSA, randomized
///    SVD) and normalised; spherical k-means (cosine, spherical k-means++ seeding, `restarts`
///    runs, best objective kept) groups them; when `themeCount` is nil, k is the one with the best
///    mean silhouette (cosine distance) over `minimumThemes…maximumThemes` on a subsample of
///    `selectionSampleSize` texts. Each theme's centre is then the unit mean of its members'
///    TF-IDF vectors, which is what `Model.assign` compares a text with;
/// 4. each theme is labelled by its distinctive features: mean weight in the theme `c` relative
///    to the sample mean `g`, scored `c · ln(c / g)`; a bigram counts only when both its words are
///    over-represented in the theme; shown in the surface form most used in the sample
///    ("données personnelles", not "don personnel"; acronyms in capitals).
///
/// Scale: the model is fitted on at most `sampleSize` texts; every text, the sample included,
/// is then assigned by `Model.assign` one at a time, so memory does not grow with the corpus
/// beyond the assignment itself. Deterministic for a given `seed`.
public enum Themes {
    public enum Language: String, Sendable, Codable, CaseIterable {
        case french, spanish, english
    }

    public struct Document: Sendable {
        public var id: String
        public var text: String
        public init(id: String, text: String) {
            self.id = id
            self.text = text
        }
    }

    public struct Options: Sendable {
        /// Number of themes; nil chooses it (silhouette over `minimumThemes…maximumThemes`, and at most √(n/2)
        /// for n texts).
        public var themeCount: Int?
        public var minimumThemes = 2
        public var maximumThemes = 30
        public var seed: UInt64 = 1
        /// nil: detected from the share of each language's stop words.
        public var language: Language?
        /// Texts used to fit the model (vocabulary, idf, centres); the others are only assigned.
        public var sampleSize = 30_000
        /// Texts used to choose the number of themes (silhouette is quadratic).
        public var selectionSampleSize = 2_000
        public var maximumFeatures = 30_000
        public var minimumDocumentFrequency = 2
        /// Features in more than this share of the sample's texts are dropped.
        public var maximumDocumentFrequency = 0.5
        public var bigrams = true
        /// Cluster in the space of the top singular directions of the TF-IDF rows (LSA); nil: on the rows.
        public var dimensions: Int? = 100
        public var restarts = 5
        public var iterations = 40
        /// Words and bigrams kept per theme in `Theme.terms`.
        public var termsPerTheme = 10
        /// Texts assigned in parallel by `analyze` (1: on the calling thread).
        public var concurrency = ProcessInfo.processInfo.activeProcessorCount
        public init() {}
    }

    public struct Theme: Sendable, Codable, Equatable {
        /// Three distinctive terms joined by " · ", e.g. "données personnelles · vie privée · consentement".
        public var label: String
        /// Distinctive words and bigrams in their most used surface form, best first.
        public var terms: [String]
        /// Indices into the documents given to `analyze`.
        public var members: [Int]
        /// Up to three members closest to the theme's centre, most typical first.
        public var representative: [Int]
    }

    public struct Result: Sendable {
        public var themes: [Theme]
        /// Theme of each document, nil when it has no known word (empty, too short, emoji only…).
        public var assignment: [Int?]
        public var model: Model
        /// Cosine similarity of each document to its theme's centre (0 when unassigned).
        public var similarity: [Float]
    }

    /// Fits a model on `sample` (all of it: callers sample beforehand, or use `analyze`).
    public static func fit(_ sample: [Document], options: Options) -> Model {
        Fitter(texts: sample.map(\.text), options: options).fit()
    }

    /// Fits on a deterministic sample of at most `options.sampleSize` documents, then assigns every
    /// document with the fitted model.
    public static func analyze(_ documents: [Document], options: Options = .init()) -> Result {
        let sampleIndices = sample(count: documents.count, size: options.sampleSize, seed: options.seed)
        let model = Fitter(texts: sampleIndices.map { documents[$0].text }, options: options).fit()
        let workers = max(1, min(options.concurrency, documents.count / 2_000 + 1))
        let chunk = (documents.count + workers - 1) / workers
        let parts = Parts(workers)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let start = w * chunk, end = min(documents.count, start + chunk)
            guard start < end else { return }
            var assigner = model.assigner()
            var localA = [Int?](repeating: nil, count: end - start)
            var localS = [Float](repeating: 0, count: end - start)
            for i in start..<end {
                if let (theme, sim) = assigner.assignWithSimilarity(documents[i].text) {
                    localA[i - start] = theme
                    localS[i - start] = sim
                }
            }
            parts.set(w, localA, localS)
        }
        let assignment = parts.assignment.flatMap { $0 }
        let similarity = parts.similarity.flatMap { $0 }
        var members = [[Int]](repeating: [], count: model.themeCount)
        for (i, a) in assignment.enumerated() { if let a { members[a].append(i) } }
        let themes = (0..<model.themeCount).map { t in
            let representative = members[t].sorted { similarity[$0] != similarity[$1] ? similarity[$0] > similarity[$1] : $0 < $1 }
            return Theme(
                label: model.labels[t], terms: model.terms[t], members: members[t],
                representative: Array(representative.prefix(3)))
        }
        return Result(themes: themes, assignment: assignment, model: model, similarity: similarity)
    }

    /// Per-worker results of `analyze`, each slot written once by its worker.
    private final class Parts: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var assignment: [[Int?]]
        private(set) var similarity: [[Float]]
        init(_ n: Int) {
            assignment = Array(repeating: [], count: n)
            similarity = Array(repeating: [], count: n)
        }
        func set(_ w: Int, _ a: [Int?], _ s: [Float]) {
            lock.lock()
            defer { lock.unlock() }
            assignment[w] = a
            similarity[w] = s
        }
    }

    /// `size` indices out of `0..<count` (all when `count <= size`), ascending; deterministic for `seed`.
    static func sample(count: Int, size: Int, seed: UInt64) -> [Int] {
        guard count > size else { return Array(0..<count) }
        var rng = SplitMix64(seed: seed ^ 0x5EED_5A3D)
        var chosen = Array(0..<count)
        for i in 0..<size {
            let j = i + Int(rng.next() % UInt64(count - i))
            chosen.swapAt(i, j)
        }
        return chosen[..<size].sorted()
    }

    /// Lower-case accent folding used for matching (`"Données"` → `"donnees"`).
    public static func fold(_ word: String) -> String {
        var out = String.UnicodeScalarView()
        for s in word.unicodeScalars { TextAnalyzer.appendFolded(s, to: &out) }
        return String(out)
    }

    /// The language whose stop words are most frequent in `texts` (French on a tie or no word).
    public static func detectLanguage(_ texts: [String]) -> Language {
        var counts = [Int](repeating: 0, count: Language.allCases.count)
        for text in texts.prefix(2_000) {
            TextAnalyzer.forEachWord(text) { word, _, _ in
                let f = fold(word)
                for (i, l) in Language.allCases.enumerated() where StopWords.set(l).contains(f) { counts[i] += 1 }
            }
        }
        var best = 0
        for i in counts.indices where counts[i] > counts[best] { best = i }
        return Language.allCases[best]
    }
}

/// A small, fast, seedable generator (Steele, Lea & Flood 2014); `Themes` never uses the system RNG.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
