import Foundation

/// Text normalisation for near-duplicate detection (French and English).
///
/// The normal form is lower-case ASCII-folded words separated by single spaces:
/// accents are stripped (`é` → `e`, `œ` → `oe`, `ß` → `ss`), punctuation and
/// whitespace runs become one space, and the parts of a letter that campaign
/// senders personalise are removed — a leading salutation ("Bonjour Madame la
/// Ministre,", "Dear Senator Smith:"), a closing formula with whatever follows it
/// ("Cordialement, Jean Dupont", "Sincerely, …", "Veuillez agréer …") and a final
/// signature line made of capitalised words. Two copies of a form letter that
/// differ only there have the same normal form.
///
/// The normaliser works on UTF-8 bytes with reusable buffers, so normalising
/// millions of texts allocates almost nothing per text.
public enum TextNormalization {
    /// The normal form of `text` (see the type's documentation).
    public static func normalize(_ text: String) -> String {
        var normalizer = Normalizer()
        var out: [UInt8] = []
        normalizer.normalize(text, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The normal form without removing salutations, closing formulas or signatures.
    public static func fold(_ text: String) -> String {
        var normalizer = Normalizer()
        normalizer.stripsLetterFormulas = false
        var out: [UInt8] = []
        normalizer.normalize(text, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A reusable normaliser: keeps its scratch buffers between calls.
    /// Not thread-safe; use one per thread.
    public struct Normalizer {
        /// When false, only case, accents, punctuation and whitespace are folded.
        public var stripsLetterFormulas = true

        /// Break strength between two words, from the punctuation seen between them.
        @usableFromInline enum Break: UInt8, Comparable {
            case none = 0, space, clause, sentence, line
            @usableFromInline static func < (a: Break, b: Break) -> Bool { a.rawValue < b.rawValue }
        }

        @usableFromInline struct Word {
            var start: Int32
            var end: Int32
            var hash: UInt64
            /// The strongest break between the previous word and this one.
            var breakBefore: Break
            /// The original word began with an upper-case letter (names in signatures).
            var capitalised: Bool
        }

        private var bytes: [UInt8] = []
        private var words: [Word] = []
        private var trailingBreak: Break = .none
        /// Folded forms of non-ASCII scalars outside the built-in table, computed once.
        private var foldCache: [UInt32: (bytes: [UInt8], upper: Bool)] = [:]

        public init() {}

        /// Writes the normal form of `text` into `out` (replacing its contents).
        public mutating func normalize(_ text: String, into out: inout [UInt8]) {
            tokenize(text)
            out.removeAll(keepingCapacity: true)
            var first = 0
            var last = words.count
            if stripsLetterFormulas {
                (first, last) = letterBody()
            }
            guard first < last else { return }
            for w in first..<last {
                if w > first { out.append(0x20) }
                let word = words[w]
                out.append(contentsOf: bytes[Int(word.start)..<Int(word.end)])
            }
        }

        // MARK: Tokenisation

        private mutating func tokenize(_ text: String) {
            bytes.removeAll(keepingCapacity: true)
            words.removeAll(keepingCapacity: true)
            var pending: Break = .none
            var wordStart = -1
            var hash: UInt64 = Self.fnvOffset
            var capitalised = false

            func endWord(_ self_: inout Normalizer) {
                if wordStart >= 0 {
                    self_.words.append(
                        Word(
                            start: Int32(wordStart), end: Int32(self_.bytes.count), hash: hash,
                            breakBefore: pending, capitalised: capitalised))
                    wordStart = -1
                    pending = .none
                }
            }

            var utf8 = text
            utf8.withUTF8 { src in
                let n = src.count
                var i = 0
                while i < n {
                    let b = src[i]
                    var scalar: UInt32
                    if b < 0x80 {
                        scalar = UInt32(b)
                        i += 1
                    } else {
                        // Decode one multi-byte UTF-8 sequence (String storage is valid UTF-8).
                        let len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
                        scalar = UInt32(b) & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07)
                        var k = 1
                        while k < len && i + k < n {
                            scalar = (scalar << 6) | (UInt32(src[i + k]) & 0x3F)
                            k += 1
                        }
                        i += len
                    }
                    // Classify and fold.
                    if scalar < 0x80 {
                        let c = UInt8(scalar)
                        if c >= 0x61 && c <= 0x7A || c >= 0x30 && c <= 0x39 {
                            if wordStart < 0 { wordStart = bytes.count; hash = Self.fnvOffset; capitalised = false }
                            bytes.append(c); hash = (hash ^ UInt64(c)) &* Self.fnvPrime
                        } else if c >= 0x41 && c <= 0x5A {
                            if wordStart < 0 { wordStart = bytes.count; hash = Self.fnvOffset; capitalised = true }
                            bytes.append(c | 0x20); hash = (hash ^ UInt64(c | 0x20)) &* Self.fnvPrime
                        } else {
                            endWord(&self)
                            let strength: Break
                            switch c {
                            case 0x0A, 0x0D: strength = .line
                            case 0x2E, 0x21, 0x3F: strength = .sentence  // . ! ?
                            case 0x2C, 0x3B, 0x3A: strength = .clause  // , ; :
                            default: strength = .space
                            }
                            if strength > pending { pending = strength }
                        }
                        continue
                    }
                    let folded = fold(scalar)
                    switch folded {
                    case .letters(let a, let b2, let upper):
                        if wordStart < 0 { wordStart = bytes.count; hash = Self.fnvOffset; capitalised = upper }
                        bytes.append(a); hash = (hash ^ UInt64(a)) &* Self.fnvPrime
                        if b2 != 0 { bytes.append(b2); hash = (hash ^ UInt64(b2)) &* Self.fnvPrime }
                    case .other(let folded, let upper):
                        if wordStart < 0 { wordStart = bytes.count; hash = Self.fnvOffset; capitalised = upper }
                        for a in folded { bytes.append(a); hash = (hash ^ UInt64(a)) &* Self.fnvPrime }
                    case .separator(let strength):
                        endWord(&self)
                        if strength > pending { pending = strength }
                    }
                }
            }
            endWord(&self)
            trailingBreak = pending
        }

        private enum Folded {
            /// One or two ASCII lower-case letters.
            case letters(UInt8, UInt8, upper: Bool)
            /// Any other letter or digit, as folded UTF-8 bytes.
            case other([UInt8], upper: Bool)
            case separator(Break)
        }

        private static let latin1: [UInt8] = Array(
            "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTsaaaaaaaceeeeiiiidnooooo/ouuuuyty".utf8)

        private mutating func fold(_ s: UInt32) -> Folded {
            switch s {
            case 0xC0...0xFF:
                let c = Self.latin1[Int(s - 0xC0)]
                switch s {
                case 0xC6: return .letters(0x61, 0x65, upper: true)  // Æ
                case 0xE6: return .letters(0x61, 0x65, upper: false)  // æ
                case 0xDF: return .letters(0x73, 0x73, upper: false)  // ß
                case 0xDE: return .letters(0x74, 0x68, upper: true)  // Þ
                case 0xFE: return .letters(0x74, 0x68, upper: false)  // þ
                case 0xD7, 0xF7: return .separator(.space)  // × ÷
                default: return .letters(c | 0x20, 0, upper: c < 0x61)
                }
            case 0x152: return .letters(0x6F, 0x65, upper: true)  // Œ
            case 0x153: return .letters(0x6F, 0x65, upper: false)  // œ
            case 0x2026: return .separator(.sentence)  // …
            case 0x2028, 0x2029, 0x85: return .separator(.line)
            case 0x2018, 0x2019, 0x201A, 0x201B, 0x201C, 0x201D, 0x201E, 0x00AB, 0x00BB, 0x2039, 0x203A,
                0x2010...0x2015, 0x00A0, 0x202F, 0x2000...0x200B, 0x00B7, 0x2022:
                return .separator(.space)
            default:
                break
            }
            if let cached = foldCache[s] {
                return cached.bytes.isEmpty ? .separator(.space) : .other(cached.bytes, upper: cached.upper)
            }
            // NB: rare scalars (other Latin extensions, Greek, Cyrillic, CJK…) go through
            // Unicode decomposition once and are cached; marks are dropped after decomposition.
            guard let scalar = Unicode.Scalar(s) else { return .separator(.space) }
            let props = scalar.properties
            var folded: [UInt8] = []
            if props.isAlphabetic || props.numericType != nil {
                let decomposed = String(Character(scalar)).lowercased().decomposedStringWithCanonicalMapping
                for u in decomposed.unicodeScalars {
                    switch u.properties.generalCategory {
                    case .nonspacingMark, .spacingMark, .enclosingMark: continue
                    default: folded.append(contentsOf: Array(String(u).utf8))
                    }
                }
            }
            let upper = props.isUppercase
            foldCache[s] = (folded, upper)
            return folded.isEmpty ? .separator(.space) : .other(folded, upper: upper)
        }

        // MARK: Salutations, closing formulas and signatures

        static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
        static let fnvPrime: UInt64 = 0x100_0000_01b3

        static func wordHash(_ word: String) -> UInt64 {
            var h = fnvOffset
            for c in word.utf8 { h = (h ^ UInt64(c)) &* fnvPrime }
            return h
        }

        static func hashes(_ words: [String]) -> Set<UInt64> { Set(words.map(wordHash)) }

        /// Words that open a salutation.
        static let openers = hashes([
            "bonjour", "bonsoir", "salut", "madame", "monsieur", "mesdames", "messieurs", "mademoiselle",
            "cher", "chere", "chers", "cheres", "dear", "hello", "hi", "hey", "greetings", "to",
        ])
        /// Words that may follow an opener inside a salutation (titles, particles).
        static let salutationWords = hashes([
            "madame", "monsieur", "mesdames", "messieurs", "mademoiselle", "m", "mme", "mmes", "mlle", "mr", "mrs",
            "ms", "dr", "sir", "sirs", "madam", "le", "la", "les", "l", "de", "du", "des", "d", "et", "and", "the",
            "of", "a", "to", "whom", "it", "may", "concern", "president", "presidente", "ministre", "depute",
            "deputee", "deputes", "senateur", "senatrice", "senateurs", "maire", "commissaire", "commissaires",
            "rapporteur", "rapporteure", "secretaire", "etat", "elus", "elu", "elue", "membres", "commission",
            "commissioner", "commissioners", "chairman", "chairwoman", "chair", "fcc", "senator", "senators",
            "representative", "representatives", "congressman", "congresswoman", "congressmen", "members",
            "member", "committee", "secretary", "all", "tous", "toutes", "friends", "amis", "honorable",
        ])
        /// Closing formulas, as word sequences; the formula and all that follows it is dropped.
        static let closings: [[UInt64]] = [
            ["cordialement"], ["bien", "cordialement"], ["bien", "a", "vous"], ["sincerely"], ["regards"],
            ["best", "regards"], ["kind", "regards"], ["warm", "regards"], ["best", "wishes"], ["respectfully"],
            ["respectueusement"], ["salutations"], ["amicalement"], ["merci"], ["thanks"], ["thank", "you"],
            ["cheers"], ["veuillez"], ["recevez"], ["agreez"], ["je", "vous", "prie"], ["yours"], ["signed"],
            ["signe"], ["en", "vous", "remerciant"], ["avec", "mes", "remerciements"], ["sinceres", "salutations"],
        ].map { $0.map(wordHash) }
        /// Short words allowed in a signature line besides capitalised ones.
        static let nameParticles = hashes(["de", "du", "des", "d", "la", "le", "van", "von", "der", "y", "et", "and"])
        /// The longest tail (in words, formula included) that a closing formula may start.
        static let maxClosingTail = 24
        /// The longest salutation, in words.
        static let maxSalutation = 10

        /// The range of words left once the salutation, closing and signature are removed.
        /// Never empty when the text has words: if everything would go, nothing is removed.
        private func letterBody() -> (Int, Int) {
            let n = words.count
            var first = 0
            // Salutations, possibly several in a row ("Bonjour, Madame, Monsieur,").
            while first < n && Self.openers.contains(words[first].hash) {
                if words[first].hash == Self.wordHash("to") {
                    // Only "To whom it may concern" opens a salutation.
                    guard first + 4 < n, words[first + 1].hash == Self.wordHash("whom") else { break }
                }
                var k = first + 1
                while k < n && k - first < Self.maxSalutation && words[k].breakBefore < .clause
                    && (Self.salutationWords.contains(words[k].hash)
                        || (words[k].capitalised && words[k].end - words[k].start > 1))
                {
                    k += 1
                }
                // A salutation ends at a break; "Bonjour je pense…" loses only "bonjour".
                first = k
            }
            var last = n
            // Closing formula: the earliest one that starts a clause within the tail.
            let tailStart = max(first + 1, n - Self.maxClosingTail)
            if tailStart < n {
                search: for k in tailStart..<n where words[k].breakBefore >= .clause || k == first {
                    for formula in Self.closings where k + formula.count <= n {
                        var matches = true
                        for (j, h) in formula.enumerated() where words[k + j].hash != h {
                            matches = false
                            break
                        }
                        if matches { last = k; break search }
                    }
                }
            }
            // A final signature line: one to four capitalised words on their own line.
            if last == n && trailingBreak < .sentence {
                var k = last - 1
                while k > first && words[k].breakBefore < .line { k -= 1 }
                let count = last - k
                if k > first && words[k].breakBefore == .line && count <= 4
                    && (k..<last).allSatisfy({ words[$0].capitalised || Self.nameParticles.contains(words[$0].hash) })
                    && (k + 1..<last).allSatisfy({ words[$0].breakBefore < .sentence })
                {
                    last = k
                }
            }
            if first >= last { return (0, n) }
            return (first, last)
        }
    }
}
