import Foundation
import Testing

@testable import ContribuezAnalysis

/// A corpus of generated French proposals on three planted topics, with shared civic filler so
/// that the topics are not separable by one word alone.
enum PlantedThemes {
    static let topics: [[String]] = [
        ["données personnelles", "vie privée", "consentement", "CNIL", "fichiers", "traçage", "cookies", "sécurité des données"],
        ["pistes cyclables", "vélo", "trottoirs", "piétons", "circulation", "stationnement", "bus", "sécurité routière"],
        ["écoles", "enseignants", "élèves", "cantine", "collège", "programmes scolaires", "manuels", "rentrée"],
    ]
    static let filler = [
        "le gouvernement", "les citoyens", "la commune", "une loi", "le budget", "les habitants", "la mairie",
        "une consultation", "le projet", "les associations", "la région", "un rapport",
    ]
    static let templates = [
        "Il faut améliorer %@ et %@ grâce à %@.",
        "Nous demandons que %@ protège %@ avec %@.",
        "Pourquoi %@ ne finance pas %@ ni %@ ?",
        "Je propose de revoir %@, %@ et %@ dès cette année.",
        "%@ doit rendre compte de %@ et de %@ chaque année.",
    ]

    static func corpus(perTopic: Int, seed: UInt64) -> (documents: [Themes.Document], truth: [Int]) {
        var rng = SplitMix64(seed: seed)
        func pick(_ list: [String]) -> String { list[Int(rng.next() % UInt64(list.count))] }
        var docs: [Themes.Document] = [], truth: [Int] = []
        for i in 0..<(perTopic * topics.count) {
            let t = i % topics.count
            var sentences: [String] = []
            for _ in 0..<(2 + Int(rng.next() % 2)) {
                let template = pick(templates)
                let words = [pick(topics[t]), pick(filler), pick(topics[t])].shuffled(using: &rng)
                sentences.append(String(format: template, words[0], words[1], words[2]))
            }
            docs.append(.init(id: "p\(i)", text: sentences.joined(separator: " ")))
            truth.append(t)
        }
        return (docs, truth)
    }
}

@Suite("Themes of free text")
struct ThemesTests {
    @Test("three planted topics are recovered with ARI above 0.9 when k is given, with or without LSA",
          arguments: [nil, 8] as [Int?])
    func plantedGivenK(dimensions: Int?) {
        // setup
        let (docs, truth) = PlantedThemes.corpus(perTopic: 60, seed: 7)
        var options = Themes.Options()
        options.themeCount = 3
        options.dimensions = dimensions
        // act
        let result = Themes.analyze(docs, options: options)
        // check
        #expect(result.themes.count == 3)
        #expect(result.assignment.allSatisfy { $0 != nil })
        #expect(AdjustedRandIndex.compute(truth, result.assignment.map { $0 ?? -1 }) > 0.9)
        #expect(NormalizedMutualInformation.compute(truth, result.assignment.map { $0 ?? -1 }) > 0.85)
    }

    @Test("the number of themes chosen by silhouette is the planted one")
    func plantedChosenK() {
        // setup
        let (docs, truth) = PlantedThemes.corpus(perTopic: 60, seed: 11)
        // act
        let result = Themes.analyze(docs)
        // check
        #expect(result.model.themeCount == 3)
        #expect(AdjustedRandIndex.compute(truth, result.assignment.map { $0 ?? -1 }) > 0.9)
    }

    @Test("each theme's label holds planted words of its topic, with their accents")
    func labels() {
        // setup
        let (docs, truth) = PlantedThemes.corpus(perTopic: 60, seed: 7)
        var options = Themes.Options()
        options.themeCount = 3
        // act
        let result = Themes.analyze(docs, options: options)
        // check
        for theme in result.themes {
            let majority = Dictionary(grouping: theme.members, by: { truth[$0] }).max { $0.value.count < $1.value.count }!.key
            let planted = PlantedThemes.topics[majority]
            let hits = theme.terms.prefix(3).filter { term in planted.contains { $0.lowercased() == term.lowercased() || $0.contains(term) } }
            #expect(hits.count >= 2, "label \(theme.label) for topic \(planted)")
            #expect(theme.label == theme.terms.prefix(3).joined(separator: " · "))
            #expect(theme.representative.count == 3)
            #expect(theme.representative.allSatisfy { truth[$0] == majority })
        }
        let allTerms = result.themes.flatMap(\.terms)
        #expect(allTerms.contains("CNIL"))  // acronyms keep their capitals
        #expect(allTerms.contains { $0.contains("é") })  // surface forms keep accents
    }

    @Test("stop words are neither features nor label words")
    func stopWords() {
        // setup
        let (docs, _) = PlantedThemes.corpus(perTopic: 30, seed: 3)
        var options = Themes.Options()
        options.themeCount = 3
        // act
        let model = Themes.fit(docs, options: options)
        var assigner = model.assigner()
        // check
        #expect(StopWords.contains("Les", language: .french))
        #expect(StopWords.contains("été", language: .french))
        #expect(StopWords.contains("también", language: .spanish))
        #expect(!StopWords.contains("données", language: .french))
        let french = StopWords.set(.french)
        #expect(model.stems.allSatisfy { !french.contains($0) })
        #expect(assigner.vector("le la les de des et pour que qui dans").index.isEmpty)
        #expect(model.terms.joined().allSatisfy { term in term.split(separator: " ").first.map { !french.contains(Themes.fold(String($0))) } ?? false })
    }

    @Test("the same seed gives the same themes; the language is detected")
    func determinism() {
        // setup
        let (docs, _) = PlantedThemes.corpus(perTopic: 40, seed: 5)
        var options = Themes.Options()
        options.seed = 42
        // act
        let a = Themes.analyze(docs, options: options)
        let b = Themes.analyze(docs, options: options)
        // check
        #expect(a.model == b.model)
        #expect(a.assignment == b.assignment)
        #expect(a.themes == b.themes)
        #expect(a.model.language == .french)
    }

    @Test("a model survives a JSON round trip and assigns every text as analyze did")
    func codableAndAssign() throws {
        // setup
        let (docs, _) = PlantedThemes.corpus(perTopic: 40, seed: 9)
        let result = Themes.analyze(docs)
        // act
        let data = try JSONEncoder().encode(result.model)
        let decoded = try JSONDecoder().decode(Themes.Model.self, from: data)
        // check
        #expect(decoded == result.model)
        for (i, doc) in docs.enumerated() {
            #expect(decoded.assign(doc.text) == result.assignment[i])
        }
        #expect(decoded.assign("Les pistes cyclables et le vélo pour les piétons") == result.assignment[1])
    }

    @Test("a model fitted on a sample assigns the other texts")
    func sampleThenAssign() {
        // setup
        let (docs, truth) = PlantedThemes.corpus(perTopic: 100, seed: 13)
        var options = Themes.Options()
        options.sampleSize = 90
        options.themeCount = 3
        // act
        let result = Themes.analyze(docs, options: options)
        // check
        #expect(result.model.sampleSizes.reduce(0, +) == 90)
        #expect(result.themes.map(\.members.count).reduce(0, +) == docs.count)
        #expect(AdjustedRandIndex.compute(truth, result.assignment.map { $0 ?? -1 }) > 0.9)
    }

    @Test("empty, short and emoji-only texts are left unassigned without a crash")
    func degenerateInput() {
        // setup
        let (docs, _) = PlantedThemes.corpus(perTopic: 20, seed: 1)
        let odd = ["", "   ", "👍🏽🇫🇷👩‍👩‍👧", "a", "le la les", "!!!", "12 34", "e\u{301}"]
        let all = docs + odd.enumerated().map { Themes.Document(id: "odd\($0.offset)", text: $0.element) }
        // act
        let result = Themes.analyze(all)
        let nothing = Themes.analyze([])
        let onlyOdd = Themes.analyze(odd.map { Themes.Document(id: $0, text: $0) })
        let emptyModel = Themes.fit([], options: .init())
        // check
        #expect(result.assignment.suffix(odd.count).allSatisfy { $0 == nil })
        #expect(result.assignment.prefix(docs.count).allSatisfy { $0 != nil })
        #expect(nothing.themes.isEmpty && nothing.assignment.isEmpty)
        #expect(onlyOdd.themes.isEmpty && onlyOdd.assignment.allSatisfy { $0 == nil })
        #expect(emptyModel.themeCount == 0 && emptyModel.assign("vie privée") == nil)
        #expect(result.model.assign("🙂") == nil)
    }

    @Test("Spanish text is detected and stemmed as Spanish")
    func spanish() {
        // setup
        let texts = [
            "Más carriles bici y menos coches en el centro de Madrid", "Los ciclistas necesitan carriles bici seguros",
            "Plantar árboles en las calles del barrio", "Cuidar los árboles y las zonas verdes del barrio",
            "Carriles bici para ir al trabajo sin coches", "Más árboles y parques en las calles",
        ]
        var options = Themes.Options()
        options.themeCount = 2
        options.minimumDocumentFrequency = 2
        // act
        let result = Themes.analyze(texts.enumerated().map { .init(id: "\($0.offset)", text: $0.element) }, options: options)
        // check
        #expect(result.model.language == .spanish)
        #expect(result.assignment[0] == result.assignment[1] && result.assignment[1] == result.assignment[4])
        #expect(result.assignment[2] == result.assignment[3] && result.assignment[3] == result.assignment[5])
        #expect(result.assignment[0] != result.assignment[2])
        #expect(result.model.stems.contains("arbol"))
    }
}

@Suite("Normalised mutual information")
struct NormalizedMutualInformationTests {
    @Test("identical partitions up to renaming give 1, independent ones 0")
    func extremes() {
        #expect(NormalizedMutualInformation.compute([0, 0, 1, 1, 2], [5, 5, 3, 3, 9]) == 1)
        #expect(abs(NormalizedMutualInformation.compute([0, 0, 1, 1], [0, 1, 0, 1])) < 1e-12)
    }

    @Test("matches scikit-learn's normalized_mutual_info_score (arithmetic mean)")
    func reference() {
        // sklearn 1.9.1: normalized_mutual_info_score([0,0,0,1,1,1,2,2], [0,0,1,1,1,2,2,2]) = 0.5588730382170324
        let nmi = NormalizedMutualInformation.compute([0, 0, 0, 1, 1, 1, 2, 2], [0, 0, 1, 1, 1, 2, 2, 2])
        #expect(abs(nmi - 0.5588730382170324) < 1e-9)
    }
}

@Suite("Themes: web addresses")
struct ThemesLinkTests {
    @Test("web addresses are blanked before words are read, in place, and nothing else is")
    func linksBlanked() {
        let text = "Voir https://www.republique-numerique.fr/consultations/projet et (www.cnil.fr) mais pas httpd ni www"
        let out = String(String.UnicodeScalarView(TermExtractor.withoutLinks(Array(text.unicodeScalars))))
        #expect(out.unicodeScalars.count == text.unicodeScalars.count)
        #expect(!out.contains("republique") && !out.contains("consultations") && !out.contains("cnil"))
        #expect(out.hasPrefix("Voir ") && out.contains(" et (") && out.hasSuffix("mais pas httpd ni www"))
        var extractor = TermExtractor(language: .french, bigrams: true)
        var keys: [UInt64] = []
        extractor.forEachTerm(Array(text.unicodeScalars)) { key, _, _, _ in keys.append(key) }
        let stems = keys.map { TermExtractor.parts($0) }.filter { $0.1 == nil }.map { extractor.stems[Int($0.0)] }
        #expect(!stems.contains { $0.hasPrefix("republ") || $0.hasPrefix("consult") || $0.hasPrefix("cnil") }, "\(stems)")
        #expect(stems.contains { $0.hasPrefix("httpd") }, "\(stems)")
    }
}
