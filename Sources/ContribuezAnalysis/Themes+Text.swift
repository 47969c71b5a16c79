import Foundation

/// Words of a text for theme detection: lower-cased with accents kept (the stemmers need them),
/// with the clause breaks that stop bigrams and the position of each word in the text.
struct TextAnalyzer {
    struct Word {
        var lower: String
        /// Written in capitals in the text (an acronym such as "CNIL"): labels keep it so.
        var allCaps: Bool
        var digitsOnly: Bool
        /// A clause or sentence break (`. , ; : ! ? ( )`, new line) precedes the word.
        var breakBefore: Bool
        /// Scalar offsets in the text, for bigram surface forms.
        var start: Int
        var end: Int
    }

    /// Calls `body(lower, allCaps, breakBefore)` for each word of `text`.
    static func forEachWord(_ text: String, _ body: (String, Bool, Bool) -> Void) {
        var words: [Word] = []
        split(Array(text.unicodeScalars), into: &words)
        for w in words { body(w.lower, w.allCaps, w.breakBefore) }
    }

    /// Splits `scalars` into words (replacing the contents of `words`).
    static func split(_ scalars: [Unicode.Scalar], into words: inout [Word]) {
        words.removeAll(keepingCapacity: true)
        var current = String.UnicodeScalarView()
        var start = -1
        var upper = 0, letters = 0, digits = 0
        var pendingBreak = false
        func flush(_ end: Int) {
            guard start >= 0 else { return }
            words.append(
                Word(
                    lower: String(current), allCaps: letters >= 2 && upper == letters, digitsOnly: letters == 0,
                    breakBefore: pendingBreak, start: start, end: end))
            current = String.UnicodeScalarView()
            start = -1; upper = 0; letters = 0; digits = 0
            pendingBreak = false
        }
        for (i, s) in scalars.enumerated() {
            let v = s.value
            if v < 0x80 {
                let c = UInt8(v)
                if c >= 0x61 && c <= 0x7A {
                    if start < 0 { start = i }
                    current.append(s); letters += 1
                } else if c >= 0x41 && c <= 0x5A {
                    if start < 0 { start = i }
                    current.append(Unicode.Scalar(c | 0x20)); letters += 1; upper += 1
                } else if c >= 0x30 && c <= 0x39 {
                    if start < 0 { start = i }
                    current.append(s); digits += 1
                } else {
                    flush(i)
                    switch c {
                    case 0x2E, 0x2C, 0x3B, 0x3A, 0x21, 0x3F, 0x28, 0x29, 0x5B, 0x5D, 0x0A, 0x0D, 0x22:
                        pendingBreak = true
                    default: break
                    }
                }
                continue
            }
            let p = s.properties
            if p.isAlphabetic || (0x300...0x36F).contains(v) {
                if start < 0 { start = i }
                if p.isUppercase {
                    upper += 1
                    current.append(contentsOf: p.lowercaseMapping.unicodeScalars)
                } else {
                    current.append(s)
                }
                if p.isAlphabetic { letters += 1 }
            } else if p.numericType != nil {
                if start < 0 { start = i }
                current.append(s); digits += 1
            } else {
                flush(i)
                switch v {
                case 0x2026, 0x00AB, 0x00BB, 0x201C, 0x201D, 0x2028, 0x2029, 0x85, 0x2013, 0x2014:
                    pendingBreak = true
                default: break
                }
            }
        }
        flush(scalars.count)
    }

    /// Appends the lower-case accent-folded form of `s`.
    static func appendFolded(_ s: Unicode.Scalar, to out: inout String.UnicodeScalarView) {
        switch s.value {
        case 0xE0...0xE5: out.append("a")
        case 0xE7: out.append("c")
        case 0xE8...0xEB: out.append("e")
        case 0xEC...0xEF: out.append("i")
        case 0xF1: out.append("n")
        case 0xF2...0xF6: out.append("o")
        case 0xF9...0xFC: out.append("u")
        case 0xFD, 0xFF: out.append("y")
        case 0xE6: out.append("a"); out.append("e")
        case 0x153: out.append("o"); out.append("e")
        case 0xDF: out.append("s"); out.append("s")
        case 0x300...0x36F: break  // combining accents
        default: out.append(s)
        }
    }
}

/// Turns texts into feature counts: stems (ids into a growing or fixed stem table) and bigrams.
/// `known == nil` (fitting): every content word gets a stem id. Otherwise (assigning): only the
/// stems in `known`; other content words are unknown and, like clause breaks, end bigrams.
struct TermExtractor {
    let language: Themes.Language
    let stopWords: Set<String>
    let bigrams: Bool
    private(set) var stems: [String] = []
    private(set) var stemIndex: [String: Int32] = [:]
    private let frozen: Bool
    /// Word (lower-case, accented) → stem id, or `stop`, or `unknown`.
    private var cache: [String: Int32] = [:]
    private var words: [TextAnalyzer.Word] = []
    static let stop: Int32 = -1
    static let unknown: Int32 = -2
    /// A coordinating conjunction: a stop word that also ends bigrams ("écoles et élèves" is two things).
    static let conjunction: Int32 = -3
    static let conjunctions: [Themes.Language: Set<String>] = [
        .french: ["et", "ou", "ni", "mais", "car", "donc", "or", "puis"],
        .spanish: ["y", "e", "o", "u", "ni", "pero", "sino"],
        .english: ["and", "or", "nor", "but"],
    ]
    /// Bigram keys set a high bit; unigram keys are the stem id.
    static let bigramFlag: UInt64 = 1 << 63

    init(language: Themes.Language, bigrams: Bool, known: [String]? = nil) {
        self.language = language
        self.stopWords = StopWords.set(language)
        self.bigrams = bigrams
        if let known {
            stems = known
            for (i, s) in known.enumerated() { stemIndex[s] = Int32(i) }
            frozen = true
        } else {
            frozen = false
        }
    }

    static func bigramKey(_ a: Int32, _ b: Int32) -> UInt64 { bigramFlag | UInt64(UInt32(a)) << 31 | UInt64(UInt32(b)) }
    static func parts(_ key: UInt64) -> (Int32, Int32?) {
        key & bigramFlag == 0 ? (Int32(key), nil) : (Int32((key & ~bigramFlag) >> 31), Int32(key & 0x7FFF_FFFF))
    }

    private mutating func classify(_ word: TextAnalyzer.Word) -> Int32 {
        if word.digitsOnly { return Self.stop }
        if let id = cache[word.lower] { return id }
        let id: Int32
        let folded = Themes.fold(word.lower)
        if Self.conjunctions[language]!.contains(folded) {
            id = Self.conjunction
        } else if folded.unicodeScalars.count < 2 || stopWords.contains(folded) {
            id = Self.stop
        } else {
            let stem = Themes.fold(Stemming.stem(word.lower, language: language))
            if let known = stemIndex[stem] {
                id = known
            } else if frozen || stem.isEmpty {
                id = Self.unknown
            } else {
                id = Int32(stems.count)
                stems.append(stem)
                stemIndex[stem] = id
            }
        }
        // NB: bounded, so that assigning millions of texts with typos and names does not grow it forever.
        if cache.count > 500_000 { cache.removeAll(keepingCapacity: true) }
        cache[word.lower] = id
        return id
    }

    /// The text with web addresses blanked out (`http://…`, `https://…`, `www.…` up to the next space): their parts
    /// ("consultation", "projet", "republique-numerique") say where a text points, not what it says. Same length, so
    /// word positions still index the original text.
    static func withoutLinks(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        func starts(_ i: Int, _ prefix: String) -> Bool {
            var j = i
            for p in prefix.unicodeScalars {
                guard j < scalars.count, scalars[j].properties.lowercaseMapping == String(p) else { return false }
                j += 1
            }
            return true
        }
        var out: [Unicode.Scalar]?
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if (c == "h" || c == "H" || c == "w" || c == "W"), i == 0 || scalars[i - 1].properties.isWhitespace || scalars[i - 1] == "(" || scalars[i - 1] == "<",
               starts(i, "http://") || starts(i, "https://") || starts(i, "www.") {
                if out == nil { out = scalars }
                while i < scalars.count, !scalars[i].properties.isWhitespace {
                    out![i] = " "
                    i += 1
                }
                continue
            }
            i += 1
        }
        return out ?? scalars
    }

    /// Calls `body(key, firstWord, lastWord)` for every unigram and bigram occurrence in `text`,
    /// with the indices of the words it spans in `words` (valid during the call).
    mutating func forEachTerm(
        _ scalars: [Unicode.Scalar], _ body: (UInt64, Int, Int, [TextAnalyzer.Word]) -> Void
    ) {
        TextAnalyzer.split(Self.withoutLinks(scalars), into: &words)
        var previous: Int32 = -1
        var previousWord = 0
        var stopsBetween = 0
        for i in words.indices {
            let word = words[i]
            if word.breakBefore { previous = -1 }
            let id = classify(word)
            if id == Self.stop {
                stopsBetween += 1
                if stopsBetween > 2 { previous = -1 }
                continue
            }
            if id == Self.unknown || id == Self.conjunction {
                previous = -1
                continue
            }
            body(UInt64(id), i, i, words)
            if bigrams, previous >= 0 { body(Self.bigramKey(previous, id), previousWord, i, words) }
            previous = id
            previousWord = i
            stopsBetween = 0
        }
    }
}
