import Foundation

extension Themes {
    /// A fitted model: what `assign` needs to place a new text, and the themes' labels.
    /// Persist it (Codable) to assign new contributions without refitting.
    public struct Model: Sendable, Codable, Equatable {
        public var language: Language
        public var bigrams: Bool
        /// Accent-folded stems used by the features.
        public var stems: [String]
        /// Feature `f` is the stem `first[f]`, or the bigram `first[f] second[f]` when `second[f] >= 0`.
        public var first: [Int32]
        public var second: [Int32]
        public var idf: [Float]
        /// Unit-length centre of each theme over the features (theme-major).
        public var centres: [[Float]]
        public var labels: [String]
        public var terms: [[String]]
        /// Texts of the fitting sample in each theme.
        public var sampleSizes: [Int]

        public var themeCount: Int { centres.count }
        public var featureCount: Int { idf.count }

        /// The theme of `text`, or nil when it has no known word (empty, too short, emoji only…).
        public func assign(_ text: String) -> Int? {
            var assigner = assigner()
            return assigner.assign(text)
        }

        /// A reusable assigner with its word cache (one per thread).
        public func assigner() -> Assigner { Assigner(self) }

        // NB: centres are stored as base64 of little-endian Float32, exactly, and 4× smaller than JSON numbers.
        private enum CodingKeys: String, CodingKey {
            case language, bigrams, stems, first, second, idf, centres, labels, terms, sampleSizes
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            language = try c.decode(Language.self, forKey: .language)
            bigrams = try c.decode(Bool.self, forKey: .bigrams)
            stems = try c.decode([String].self, forKey: .stems)
            first = try c.decode([Int32].self, forKey: .first)
            second = try c.decode([Int32].self, forKey: .second)
            idf = try Self.floats(c.decode(String.self, forKey: .idf))
            centres = try c.decode([String].self, forKey: .centres).map(Self.floats)
            labels = try c.decode([String].self, forKey: .labels)
            terms = try c.decode([[String]].self, forKey: .terms)
            sampleSizes = try c.decode([Int].self, forKey: .sampleSizes)
            guard first.count == idf.count, second.count == idf.count, centres.allSatisfy({ $0.count == idf.count }),
                labels.count == centres.count, terms.count == centres.count
            else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "inconsistent theme model"))
            }
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(language, forKey: .language)
            try c.encode(bigrams, forKey: .bigrams)
            try c.encode(stems, forKey: .stems)
            try c.encode(first, forKey: .first)
            try c.encode(second, forKey: .second)
            try c.encode(Self.base64(idf), forKey: .idf)
            try c.encode(centres.map(Self.base64), forKey: .centres)
            try c.encode(labels, forKey: .labels)
            try c.encode(terms, forKey: .terms)
            try c.encode(sampleSizes, forKey: .sampleSizes)
        }

        init(
            language: Language, bigrams: Bool, stems: [String], first: [Int32], second: [Int32], idf: [Float],
            centres: [[Float]], labels: [String], terms: [[String]], sampleSizes: [Int]
        ) {
            self.language = language
            self.bigrams = bigrams
            self.stems = stems
            self.first = first
            self.second = second
            self.idf = idf
            self.centres = centres
            self.labels = labels
            self.terms = terms
            self.sampleSizes = sampleSizes
        }

        private static func base64(_ v: [Float]) -> String {
            var bytes = [UInt8]()
            bytes.reserveCapacity(v.count * 4)
            for x in v { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
            return Data(bytes).base64EncodedString()
        }

        private static func floats(_ s: String) throws -> [Float] {
            guard let data = Data(base64Encoded: s), data.count % 4 == 0 else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "bad float array"))
            }
            let bytes = [UInt8](data)
            return stride(from: 0, to: bytes.count, by: 4).map { i in
                Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
            }
        }
    }

    /// Assigns texts to the themes of a model, caching word stems. Not thread-safe: one per thread.
    public struct Assigner {
        public let model: Model
        private var extractor: TermExtractor
        private let unigram: [Int32]
        private let bigram: [UInt64: Int32]
        /// Centres feature-major (`featureCount × themeCount`), for one pass over a text's features.
        private let centresByFeature: [Float]
        private var counts: [Int32: Float] = [:]
        private var scores: [Float]

        init(_ model: Model) {
            self.model = model
            extractor = TermExtractor(language: model.language, bigrams: model.bigrams, known: model.stems)
            var unigram = [Int32](repeating: -1, count: model.stems.count)
            var bigram: [UInt64: Int32] = [:]
            for f in 0..<model.featureCount {
                if model.second[f] < 0 {
                    unigram[Int(model.first[f])] = Int32(f)
                } else {
                    bigram[TermExtractor.bigramKey(model.first[f], model.second[f])] = Int32(f)
                }
            }
            self.unigram = unigram
            self.bigram = bigram
            let k = model.themeCount
            var byFeature = [Float](repeating: 0, count: model.featureCount * k)
            for t in 0..<k { for f in 0..<model.featureCount { byFeature[f * k + t] = model.centres[t][f] } }
            centresByFeature = byFeature
            scores = [Float](repeating: 0, count: k)
        }

        /// The theme of `text`, or nil when it has no known word.
        public mutating func assign(_ text: String) -> Int? { assignWithSimilarity(text)?.theme }

        /// The theme of `text` and its cosine similarity to the theme's centre.
        public mutating func assignWithSimilarity(_ text: String) -> (theme: Int, similarity: Float)? {
            let (index, value) = vector(text)
            guard !index.isEmpty, model.themeCount > 0 else { return nil }
            return Themes.nearest(index, value, centresByFeature: centresByFeature, themes: model.themeCount, scores: &scores)
        }

        /// The unit TF-IDF vector of `text` over the model's features, sorted by feature.
        public mutating func vector(_ text: String) -> (index: [Int32], value: [Float]) {
            counts.removeAll(keepingCapacity: true)
            let unigram = self.unigram, bigram = self.bigram
            extractor.forEachTerm(Array(text.unicodeScalars)) { key, _, _, _ in
                let feature: Int32
                if key & TermExtractor.bigramFlag == 0 {
                    feature = unigram[Int(key)]
                } else {
                    feature = bigram[key] ?? -1
                }
                if feature >= 0 { counts[feature, default: 0] += 1 }
            }
            let index = counts.keys.sorted()
            var value = index.map { (1 + log(counts[$0]!)) * model.idf[Int($0)] }
            let norm = value.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 0 { for i in value.indices { value[i] /= norm } }
            return (index, value)
        }
    }

    /// The centre with the highest dot product with a sparse unit vector (lowest index on ties).
    @inline(__always)
    static func nearest(
        _ index: [Int32], _ value: [Float], centresByFeature: [Float], themes k: Int, scores: inout [Float]
    ) -> (theme: Int, similarity: Float)? {
        for t in 0..<k { scores[t] = 0 }
        centresByFeature.withUnsafeBufferPointer { c in
            scores.withUnsafeMutableBufferPointer { s in
                for (j, f) in index.enumerated() {
                    let v = value[j], base = Int(f) * k
                    for t in 0..<k { s[t] += v * c[base + t] }
                }
            }
        }
        var best = 0
        for t in 1..<max(k, 1) where scores[t] > scores[best] { best = t }
        return scores[best] > 0 ? (best, scores[best]) : nil
    }
}
