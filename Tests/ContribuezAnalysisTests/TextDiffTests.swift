import ContribuezTestSupport
import Foundation
import Testing

@testable import ContribuezAnalysis

@Suite("Word-level text diff")
struct TextDiffTests {
    /// A small deterministic generator (SplitMix64) so random cases replay identically.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let vocabulary = [
        "le", "la", "les", "l'article", "données", "publiques", "sont", "communiquées", "à", "toute",
        "personne", "qui", "en", "fait", "la", "demande", "dans", "un", "délai", "d'un", "mois",
        "administration", "peut", "doit", "ne", "pas", "être", "aujourd’hui", "élève", "Œuvre", "ça",
        "1er", "2016", "«", "»", ",", ".", ";", ":", "—", "(", ")", "!", "?", "'",
        // Decomposed accents, a combining mark after punctuation, emoji sequences.
        "e\u{301}lu", "cafe\u{301}", "'\u{301}", "👩‍👩‍👧", "👍🏽", "🇫🇷", "\u{FEFF}", "\r\n",
    ]
    static let separators = [" ", " ", " ", " ", "  ", "\n", "\n\n", "\t", "\u{00A0}"]

    static func randomText(words: Int, using rng: inout SeededGenerator) -> String {
        var text = ""
        for _ in 0..<words {
            text += vocabulary.randomElement(using: &rng)!
            text += separators.randomElement(using: &rng)!
        }
        return text
    }

    /// Rewrites a text the way an amendment does: some words dropped, some
    /// replaced, some inserted.
    static func amend(_ text: String, using rng: inout SeededGenerator) -> String {
        var pieces = TextDiff.tokenize(text).map(String.init)
        let edits = Int.random(in: 0...max(1, pieces.count / 5), using: &rng)
        for _ in 0..<edits {
            let position = Int.random(in: 0...pieces.count, using: &rng)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0 where position < pieces.count: pieces.remove(at: position)
            case 1 where position < pieces.count: pieces[position] = vocabulary.randomElement(using: &rng)!
            default: pieces.insert(vocabulary.randomElement(using: &rng)! + " ", at: position)
            }
        }
        return pieces.joined()
    }

    static func oldText(_ segments: [TextDiff.Segment]) -> String {
        segments.map { if case .added = $0 { "" } else { $0.text } }.joined()
    }

    static func newText(_ segments: [TextDiff.Segment]) -> String {
        segments.map { if case .removed = $0 { "" } else { $0.text } }.joined()
    }

    static func kind(_ segment: TextDiff.Segment) -> Int {
        switch segment {
        case .same: 0
        case .removed: 1
        case .added: 2
        }
    }

    static func checkWellFormed(_ segments: [TextDiff.Segment], old: String, new: String) {
        // NB: compared as bytes, since String equality would accept a
        // canonically equivalent but differently encoded text.
        #expect(Array(oldText(segments).utf8) == Array(old.utf8))
        #expect(Array(newText(segments).utf8) == Array(new.utf8))
        #expect(segments.allSatisfy { !$0.text.isEmpty })
        for (l, r) in zip(segments, segments.dropFirst()) {
            #expect(kind(l) != kind(r), "adjacent segments of the same kind must be merged")
        }
    }

    @Test("same + removed rebuilds the old text and same + added the new one, on 300 seeded random pairs")
    func reproductionOnRandomPairs() {
        // setup
        var rng = SeededGenerator(state: 2015)
        for _ in 0..<300 {
            let old = Self.randomText(words: Int.random(in: 0...120, using: &rng), using: &rng)
            let new =
                Bool.random(using: &rng)
                ? Self.amend(old, using: &rng)
                : Self.randomText(words: Int.random(in: 0...120, using: &rng), using: &rng)
            // act
            let segments = TextDiff.words(from: old, to: new)
            // check
            Self.checkWellFormed(segments, old: old, new: new)
        }
    }

    @Test("the token-level diff is minimal: it keeps as many tokens as the longest common subsequence")
    func minimality() {
        // setup
        var rng = SeededGenerator(state: 1986)
        let alphabet = ["a", "b", "c", "d"]
        for _ in 0..<500 {
            let old = (0..<Int.random(in: 0...14, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
                .joined(separator: ".")
            let new = (0..<Int.random(in: 0...14, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
                .joined(separator: ".")
            let a = TextDiff.tokenize(old).map(String.init)
            let b = TextDiff.tokenize(new).map(String.init)
            var lcs = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
            for i in 0..<a.count {
                for j in 0..<b.count {
                    lcs[i + 1][j + 1] = a[i] == b[j] ? lcs[i][j] + 1 : max(lcs[i][j + 1], lcs[i + 1][j])
                }
            }
            // act
            let segments = TextDiff.tokenDiff(from: old, to: new)
            // check
            let kept = segments.map { if case .same(let text) = $0 { TextDiff.tokenize(text).count } else { 0 } }
            #expect(kept.reduce(0, +) == lcs[a.count][b.count], "\(old) → \(new)")
            Self.checkWellFormed(segments, old: old, new: new)
        }
    }

    @Test("a small budget degrades to a coarser diff that still rebuilds both texts")
    func tinyBudgetStaysExact() {
        // setup
        var rng = SeededGenerator(state: 7)
        let old = Self.randomText(words: 400, using: &rng)
        let new = Self.amend(old, using: &rng)
        // act
        let full = TextDiff.words(from: old, to: new)
        let coarse = TextDiff.words(from: old, to: new, budget: 50)
        // check
        Self.checkWellFormed(coarse, old: old, new: new)
        let changed = { (s: [TextDiff.Segment]) in s.filter { Self.kind($0) != 0 }.map(\.text.count).reduce(0, +) }
        #expect(changed(coarse) > changed(full), "with almost no budget fewer tokens are aligned")
    }

    @Test("a replaced word in French text is shown as one removal and one addition, accents intact")
    func knownFrenchExample() {
        // setup
        let old = "Les données publiques sont communiquées à l’administration dans un délai d’un mois."
        let new = "Les données publiques sont transmises à l’administration dans un délai d’un mois."
        // act
        let segments = TextDiff.words(from: old, to: new)
        // check
        #expect(
            segments == [
                .same("Les données publiques sont "),
                .removed("communiquées"),
                .added("transmises"),
                .same(" à l’administration dans un délai d’un mois."),
            ])
    }

    @Test("words with inner apostrophes and accents are single tokens; punctuation stands alone")
    func tokenization() {
        // act
        let tokens = TextDiff.tokenize("L'État, aujourd’hui : « élève »  1er!").map(String.init)
        // check
        #expect(tokens == ["L'État", ",", " ", "aujourd’hui", " ", ":", " ", "«", " ", "élève", " ", "»", "  ", "1er", "!"])
    }

    @Test("combining marks stay in their word and emoji sequences stay whole")
    func tokenizationOfCombiningSequences() {
        // act
        let tokens = TextDiff.tokenize("cafe\u{301} e\u{301}lu 👩‍👩‍👧!").map { Array($0.unicodeScalars) }
        // check
        #expect(
            tokens == [
                Array("cafe\u{301}".unicodeScalars), [" "], Array("e\u{301}lu".unicodeScalars), [" "],
                Array("👩‍👩‍👧".unicodeScalars), ["!"],
            ])
    }

    @Test("once the word budget is spent, unchanged paragraphs are still shown as unchanged")
    func coarseFallbackKeepsParagraphs() {
        // setup
        var rng = SeededGenerator(state: 1978)
        let kept = (0..<3).map { _ in Self.randomText(words: 60, using: &rng).replacingOccurrences(of: "\n", with: " ") }
        let dropped = (0..<3).map { _ in Self.randomText(words: 60, using: &rng).replacingOccurrences(of: "\n", with: " ") }
        let added = (0..<3).map { _ in Self.randomText(words: 60, using: &rng).replacingOccurrences(of: "\n", with: " ") }
        let old = [dropped[0], kept[0], dropped[1], kept[1], dropped[2], kept[2]].joined(separator: "\n\n")
        let new = [added[0], kept[0], added[1], kept[1], added[2], kept[2]].joined(separator: "\n\n")
        // act
        let segments = TextDiff.words(from: old, to: new, budget: 1)
        // check
        Self.checkWellFormed(segments, old: old, new: new)
        let unchanged = segments.compactMap { if case .same(let text) = $0 { text } else { nil } }
        for paragraph in kept {
            #expect(unchanged.contains { $0.contains(paragraph) }, "kept paragraph shown as changed: \(paragraph.prefix(40).debugDescription)")
        }
        #expect(!unchanged.contains { $0.contains(dropped[0]) })
    }

    @Test("consecutive replaced words are grouped into one change instead of interleaving around spaces")
    func replacedPhraseIsGrouped() {
        // setup
        let old = "Le conseil municipal délibère."
        let new = "La commission régionale délibère."
        // act
        let segments = TextDiff.words(from: old, to: new)
        // check
        #expect(
            segments == [
                .removed("Le conseil municipal"),
                .added("La commission régionale"),
                .same(" délibère."),
            ])
    }

    @Test("an inserted sentence appears as a single addition")
    func insertion() {
        // setup
        let old = "Article 1. Les données sont ouvertes."
        let new = "Article 1. Les données sont ouvertes. Elles sont gratuites."
        // act
        let segments = TextDiff.words(from: old, to: new)
        // check
        #expect(segments == [.same(old), .added(" Elles sont gratuites.")])
    }

    @Test("identical texts give one unchanged segment, and empty texts give no segment")
    func identicalTexts() {
        // act / check
        #expect(TextDiff.words(from: "Même texte.", to: "Même texte.") == [.same("Même texte.")])
        #expect(TextDiff.words(from: "", to: "") == [])
    }

    @Test("a precomposed accent replaced by a decomposed one is a change, not an identity")
    func canonicallyEquivalentTexts() {
        // setup
        let old = "Un élu."
        let new = "Un e\u{301}lu."
        // act
        let segments = TextDiff.words(from: old, to: new)
        // check
        #expect(segments.count == 4)
        Self.checkWellFormed(segments, old: old, new: new)
    }

    @Test("an empty old text is all added and an empty new text is all removed")
    func emptySides() {
        // act / check
        #expect(TextDiff.words(from: "", to: "Un nouvel article.") == [.added("Un nouvel article.")])
        #expect(TextDiff.words(from: "Article supprimé.", to: "") == [.removed("Article supprimé.")])
    }

    @Test("the diff is minimal on tokens: only the changed word differs in a long text")
    func minimalOnLongText() {
        // setup
        var rng = SeededGenerator(state: 99)
        let prefix = Self.randomText(words: 1_000, using: &rng)
        let suffix = Self.randomText(words: 1_000, using: &rng)
        let old = prefix + "gratuitement " + suffix
        let new = prefix + "librement " + suffix
        // act
        let segments = TextDiff.words(from: old, to: new)
        // check
        let changes = segments.filter { Self.kind($0) != 0 }
        #expect(changes == [.removed("gratuitement"), .added("librement")])
        Self.checkWellFormed(segments, old: old, new: new)
    }

    @Test("two unrelated 10,000-word texts are diffed exactly and quickly, within the work budget")
    func largeDisjointTexts() {
        // setup
        var rng = SeededGenerator(state: 10_000)
        let old = Self.randomText(words: 10_000, using: &rng)
        let new = Self.randomText(words: 10_000, using: &rng)
        // act
        let start = ContinuousClock.now
        let segments = TextDiff.words(from: old, to: new)
        let elapsed = ContinuousClock.now - start
        // check
        Self.checkWellFormed(segments, old: old, new: new)
        // NB: generous bound for a debug build on a shared machine; the point is
        // that the budget stops a quadratic search (minutes) from running.
        #expect(elapsed < .seconds(20))
    }

    // MARK: - Real document versions

    /// The shared data folder: `CONTRIBUEZ_SHARED_DATA`, else `../shared/data`
    /// beside the directory holding `Package.swift`.
    private static func sharedDataDirectory() throws -> URL {
        SharedData.root
    }

    @Test("consecutive real versions of platform terms (Open Terms Archive) are rebuilt exactly")
    func realDocumentVersions() throws {
        // setup
        let history = try Self.sharedDataDirectory().appendingPathComponent("ota-p2b-versions/history")
        let folders = try FileManager.default.contentsOfDirectory(atPath: history.path).sorted()
        try #require(folders.count >= 30, "Open Terms Archive history missing at \(history.path)")
        var pairs = 0
        var changedPairs = 0
        for folder in folders {
            var files = try FileManager.default.contentsOfDirectory(atPath: history.appendingPathComponent(folder).path)
                .filter { $0.hasSuffix(".md") }.sorted()
            // NB: Amazon's complaints policy flips between two variants 498 times;
            // a handful of its versions cover both variants.
            files = Array(files.prefix(6))
            let texts = try files.map {
                try String(contentsOf: history.appendingPathComponent(folder).appendingPathComponent($0), encoding: .utf8)
            }
            for (old, new) in zip(texts, texts.dropFirst()) {
                // act
                let segments = TextDiff.words(from: old, to: new)
                // check
                Self.checkWellFormed(segments, old: old, new: new)
                pairs += 1
                if segments.contains(where: { Self.kind($0) != 0 }) { changedPairs += 1 }
            }
        }
        #expect(pairs >= 80)
        #expect(changedPairs >= 80, "recorded versions differ, so their diffs must show changes")
    }
}
