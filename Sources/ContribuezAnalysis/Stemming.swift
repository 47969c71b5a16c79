import Foundation

/// Snowball stemmers (https://snowballstem.org), written from the Snowball 3 algorithms for
/// French and Spanish and checked word for word against the reference implementation
/// (`snowballstemmer` 3.1.1) on real consultation vocabularies (see `StemmingTests`).
///
/// Input is one lower-case word with its accents (`"données"`); output is its stem, still
/// accented where the algorithm keeps accents (`"don"`, `"républ"`). Callers that match stems
/// across spellings fold the accents afterwards.
public enum Stemming {
    /// The stem of `word` (lower-case) in `language`. English words are returned unchanged
    /// (English text is only lower-cased and filtered by stop words).
    public static func stem(_ word: String, language: Themes.Language) -> String {
        switch language {
        case .french: return french(word)
        case .spanish: return spanish(word)
        case .english: return word
        }
    }

    /// The French Snowball stem of a lower-case word.
    public static func french(_ word: String) -> String {
        var f = FrenchStemmer(Array(word.unicodeScalars))
        f.run()
        return String(String.UnicodeScalarView(f.w))
    }

    /// The Spanish Snowball stem of a lower-case word.
    public static func spanish(_ word: String) -> String {
        var s = SpanishStemmer(Array(word.unicodeScalars))
        s.run()
        return String(String.UnicodeScalarView(s.w))
    }
}

/// A Snowball `among`: the longest listed suffix that ends the word, with its action number.
struct SuffixTable: Sendable {
    private let entries: [([Unicode.Scalar], Int)]

    init(_ list: [(String, Int)]) {
        entries = list.map { (Array($0.0.unicodeScalars), $0.1) }.sorted { $0.0.count > $1.0.count }
    }

    /// The longest entry that ends `w[..<end]` and starts at or after `limit`: its start and action.
    func match(_ w: [Unicode.Scalar], end: Int, limit: Int = 0) -> (start: Int, action: Int)? {
        for (suffix, action) in entries {
            let start = end - suffix.count
            guard start >= limit else { continue }
            var k = 0
            while k < suffix.count && w[start + k] == suffix[k] { k += 1 }
            if k == suffix.count { return (start, action) }
        }
        return nil
    }
}

extension Array where Element == Unicode.Scalar {
    @inline(__always) func hasSuffix(_ s: String) -> Bool {
        let t = Array(s.unicodeScalars)
        guard t.count <= count else { return false }
        return self[(count - t.count)...].elementsEqual(t)
    }

    @inline(__always) mutating func replaceTail(from start: Int, with s: String) {
        replaceSubrange(start..., with: s.unicodeScalars)
    }
}
