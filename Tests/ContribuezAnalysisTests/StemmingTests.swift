import Foundation
import Testing

@testable import ContribuezAnalysis

/// Reference pairs (word, stem) computed by the Snowball project's own generated code
/// (`snowballstemmer` 3.1.1 from PyPI) on every 7th word of the vocabularies of the République
/// numérique 2015 texts (French) and the Decide Madrid comments (Spanish), plus words chosen for
/// the rare rules (elisions, ë/ï, -oux, -ais exceptions, attached pronouns).
enum StemmingFixtures {
    static let directory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/stemming")

    static func pairs(_ name: String) throws -> [(word: String, stem: String)] {
        let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            return (String(parts[0]), String(parts[1]))
        }
    }
}

@Suite("Snowball stemmers")
struct StemmingTests {
    @Test("the French stemmer gives the Snowball reference stem for every reference word")
    func frenchReference() throws {
        // setup
        let pairs = try StemmingFixtures.pairs("french.tsv")
        #expect(pairs.count > 2_500)
        // act
        let wrong = pairs.filter { Stemming.french($0.word) != $0.stem }
        // check
        #expect(wrong.isEmpty, "\(wrong.prefix(10).map { "\($0.word) → \(Stemming.french($0.word)), expected \($0.stem)" })")
    }

    @Test("the Spanish stemmer gives the Snowball reference stem for every reference word")
    func spanishReference() throws {
        // setup
        let pairs = try StemmingFixtures.pairs("spanish.tsv")
        #expect(pairs.count > 2_500)
        // act
        let wrong = pairs.filter { Stemming.spanish($0.word) != $0.stem }
        // check
        #expect(wrong.isEmpty, "\(wrong.prefix(10).map { "\($0.word) → \(Stemming.spanish($0.word)), expected \($0.stem)" })")
    }

    @Test("inflected forms of one word share a stem", arguments: [
        (["données", "donnée", "donner"], Themes.Language.french),
        (["personnelles", "personnel", "personnels"], .french),
        (["nationalités", "nationalité", "national"], .french),
        (["bicicletas", "bicicleta"], .spanish),
        (["propuestas", "propuesta", "propuesto"], .spanish),
    ])
    func inflections(words: [String], language: Themes.Language) {
        // act
        let stems = Set(words.map { Stemming.stem($0, language: language) })
        // check
        #expect(stems.count == 1, "\(words) → \(stems)")
    }

    @Test("rules that depend on Snowball's cursor handling")
    func cursorRules() {
        #expect(Stemming.french("jouaient") == "jou")  // i between vowels marked after the marked u
        #expect(Stemming.french("auyant") == "auyant")
        #expect(Stemming.french("l'article") == "articl")  // elision
        #expect(Stemming.french("continuellement") == "continuel")
        #expect(Stemming.spanish("dándole") == "dandol")
        #expect(Stemming.spanish("averigüe") == "averigü")
    }

    @Test("empty and one-letter words come back unchanged, but for Spanish acute accents")
    func degenerate() {
        for w in ["", "a", "é", "ñ", "y"] {
            #expect(Stemming.french(w) == w)
            // NB: the Spanish postlude always removes acute accents (ñ and ü stay).
            #expect(Stemming.spanish(w) == (w == "é" ? "e" : w))
        }
    }
}
