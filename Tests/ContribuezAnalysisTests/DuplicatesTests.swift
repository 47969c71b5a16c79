import Foundation
import Testing

@testable import ContribuezAnalysis

/// Exact Jaccard similarity of character 5-gram sets, written independently of the detector.
func duplicatesTestJaccard(_ a: String, _ b: String) -> Double {
    func grams(_ s: String) -> Set<[UInt8]> {
        let u = Array(TextNormalization.normalize(s).utf8)
        if u.count < 5 { return [u] }
        return Set((0...(u.count - 5)).map { Array(u[$0..<($0 + 5)]) })
    }
    let x = grams(a), y = grams(b)
    return Double(x.intersection(y).count) / Double(x.union(y).count)
}

@Suite("Near-duplicate detection")
struct DuplicatesTests {
    static let letter = """
        Je suis favorable à l'ouverture par défaut des données publiques, car elle permet aux citoyens \
        de vérifier l'action de l'administration et aux entreprises d'innover. Il faut cependant protéger \
        les données personnelles et prévoir des moyens pour les petites collectivités.
        """

    @Test("copies of a letter with another salutation, signature or punctuation form one cluster")
    func identicalTextsCluster() throws {
        // setup
        let texts: [(id: String, text: String)] = [
            ("a", "Bonjour,\n" + Self.letter + "\nCordialement,\nJean Dupont"),
            ("b", "Un tout autre sujet : les pistes cyclables de la rue de Rivoli sont trop étroites."),
            ("c", "Madame, Monsieur, " + Self.letter.uppercased() + "\n\nMarie Curie"),
            ("d", Self.letter.replacingOccurrences(of: ",", with: " ;")),
            ("e", Self.letter.replacingOccurrences(of: "favorable", with: "tout à fait favorable")),
        ]
        // act
        let clusters = try DuplicateDetector().clusters(texts: texts)
        // check
        #expect(clusters == [["a", "c", "d", "e"]])
    }

    @Test("unrelated texts on the same subject stay apart")
    func unrelatedTextsDoNotCluster() throws {
        // setup
        let texts: [(id: String, text: String)] = [
            ("1", "La neutralité du net doit être inscrite dans la loi, sans exception pour les services spécialisés."),
            ("2", "La neutralité du net est une bonne idée mais les opérateurs doivent pouvoir gérer leur trafic."),
            ("3", "Je suis contre cet article : il crée une charge administrative de plus pour les PME."),
            ("4", "Les données publiques doivent être ouvertes par défaut, dans des formats réutilisables."),
            ("5", "I support strong net neutrality backed by Title II oversight of ISPs."),
            ("6", "Net neutrality rules are harming investment; please repeal the Title II order."),
        ]
        // act
        let clusters = try DuplicateDetector().clusters(texts: texts)
        // check
        #expect(clusters.isEmpty)
    }

    @Test("a pair is linked exactly when its 5-gram Jaccard similarity reaches the threshold")
    func thresholdBoundary() throws {
        // setup: edits of growing size, so that similarity falls on both sides of 0.7.
        let words = Self.letter.split(separator: " ").map(String.init)
        var pairs: [(String, String, Double)] = []
        for cut in stride(from: 1, through: 12, by: 1) {
            var edited = words
            for j in 0..<cut { edited[(j * 7) % edited.count] = "xyzzy\(j)" }
            let other = edited.joined(separator: " ")
            pairs.append((Self.letter, other, duplicatesTestJaccard(Self.letter, other)))
        }
        #expect(pairs.contains { $0.2 >= 0.7 } && pairs.contains { $0.2 < 0.7 })
        for (a, b, j) in pairs {
            // act
            let at = try DuplicateDetector(threshold: j).clusters(texts: [("a", a), ("b", b)])
            let above = try DuplicateDetector(threshold: min(1, j + 0.01)).clusters(texts: [("a", a), ("b", b)])
            let default07 = try DuplicateDetector().clusters(texts: [("a", a), ("b", b)])
            // check
            #expect(at == [["a", "b"]], "similarity \(j) at threshold \(j)")
            #expect(above.isEmpty, "similarity \(j) at threshold \(j + 0.01)")
            #expect(default07.isEmpty == (j < 0.7), "similarity \(j) at threshold 0.7")
        }
    }

    @Test("similarity is transitive: a chain of close edits forms one cluster")
    func chainsFormOneCluster() throws {
        // setup: each text replaces two more words than the previous one.
        let words = Self.letter.split(separator: " ").map(String.init)
        var chain: [(id: String, text: String)] = []
        var edited = words
        for step in 0..<8 {
            edited[(step * 11) % words.count] = "remplace\(step)"
            edited[(step * 11 + 5) % words.count] = "autre\(step)"
            chain.append(("t\(step)", edited.joined(separator: " ")))
        }
        let ends = duplicatesTestJaccard(chain.first!.text, chain.last!.text)
        // act
        let clusters = try DuplicateDetector().clusters(texts: chain)
        // check
        #expect(ends < 0.7)
        #expect(clusters == [chain.map(\.id)])
    }

    @Test("the result does not depend on the run or on the input order")
    func deterministic() throws {
        // setup
        var rng = DuplicatesTestRNG(seed: 7)
        let letters = Array("abcdefghijklmnopqrstuvwxyzéè")
        let base = (0..<20).map { _ in
            (0..<40).map { _ in String((0..<Int.random(in: 2...9, using: &rng)).map { _ in letters.randomElement(using: &rng)! }) }
                .joined(separator: " ")
        }
        var texts: [(id: String, text: String)] = []
        for i in 0..<200 {
            let b = base[i % 20]
            texts.append(("id\(i)", i % 3 == 0 ? b : b + " \(i)"))
        }
        let detector = try DuplicateDetector()
        // act
        let first = detector.clusters(texts: texts)
        let second = detector.clusters(texts: texts)
        let reversed = detector.clusters(texts: texts.reversed())
        // check
        #expect(first.count == 20)
        #expect(first == second)
        #expect(Set(first.map(Set.init)) == Set(reversed.map(Set.init)))
    }

    @Test("empty and punctuation-only texts are never clustered")
    func emptyTexts() throws {
        // setup
        let texts: [(id: String, text: String)] = [("1", ""), ("2", "!!!"), ("3", " "), ("4", "ok"), ("5", "OK.")]
        // act
        let clusters = try DuplicateDetector().clusters(texts: texts)
        // check
        #expect(clusters == [["4", "5"]])
    }

    @Test("a threshold outside (0, 1] is refused")
    func invalidThreshold() {
        for t in [0, -0.1, 1.01] {
            #expect(throws: DuplicatesError.invalidThreshold(t)) { _ = try DuplicateDetector(threshold: t) }
        }
        #expect(throws: DuplicatesError.self) { _ = try DuplicateDetector(threshold: .nan) }
        #expect(throws: Never.self) { _ = try DuplicateDetector(threshold: 1) }
    }

    @Test("the CLI JSON lists clusters of ids in file order, escaped")
    func cliJSON() throws {
        // setup
        let csv = """
            num,texte
            "x""1",Bonjour. Le vélo en ville doit être prioritaire sur la voiture partout.
            x2,Rien à voir avec le reste de ces textes.
            x3,"Le vélo en ville doit être prioritaire sur la voiture partout !
            Cordialement, Paul"
            x4,Rien à voir avec le reste de ces textes !
            x5,Un autre texte isolé.
            """
        // act
        let data = try DuplicateDetector().duplicatesJSON(csvText: csv, idColumn: "num", textColumn: "texte")
        // check
        #expect(String(decoding: data, as: UTF8.self) == "{\"clusters\":[[\"x\\\"1\",\"x3\"],[\"x2\",\"x4\"]]}\n")
    }

    @Test("the CLI front end reports a missing column, a bad threshold and malformed CSV")
    func cliErrors() throws {
        // setup
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dup-\(UUID().uuidString).csv")
        try Data("id,text\n1,a\n".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let detector = try DuplicateDetector()
        // act / check
        #expect(throws: DuplicatesError.missingColumn("body")) {
            try DuplicateDetector.duplicatesJSON(csv: url, idColumn: "id", textColumn: "body", threshold: 0.7)
        }
        #expect(throws: DuplicatesError.invalidThreshold(1.5)) {
            try DuplicateDetector.duplicatesJSON(csv: url, idColumn: "id", textColumn: "text", threshold: 1.5)
        }
        #expect(throws: DuplicatesError.malformedCSV("unterminated quoted field starting on line 2")) {
            try detector.duplicatesJSON(csvText: "id,text\n1,\"abc\n", idColumn: "id", textColumn: "text")
        }
        #expect(throws: DuplicatesError.malformedCSV("record 3 has 1 field(s), 2 needed for columns \"id\" and \"text\"")) {
            try detector.duplicatesJSON(csvText: "id,text\n1,abc\n2\n", idColumn: "id", textColumn: "text")
        }
        #expect(throws: DuplicatesError.self) {
            try detector.duplicatesJSON(csvText: "", idColumn: "id", textColumn: "text")
        }
        let ok = try DuplicateDetector.duplicatesJSON(csv: url, idColumn: "id", textColumn: "text", threshold: 0.7)
        #expect(String(decoding: ok, as: UTF8.self) == "{\"clusters\":[]}\n")
    }
}

@Suite("Campaign detection")
struct DuplicatesCampaignTests {
    static let t0 = Date(timeIntervalSince1970: 1_500_000_000)

    /// `n` copies of a letter, submitted `spacing` seconds apart by distinct authors whose
    /// accounts were created `accountAge` seconds before submitting.
    static func copies(_ prefix: String, _ n: Int, start: Date, spacing: TimeInterval, accountAge: TimeInterval?)
        -> [DuplicateCampaignContribution]
    {
        (0..<n).map { i in
            let at = start.addingTimeInterval(Double(i) * spacing)
            return DuplicateCampaignContribution(
                id: "\(prefix)\(i)", text: "Bonjour,\n" + DuplicatesTests.letter + "\n\(prefix) \(i)",
                authorID: "\(prefix)-author\(i)", authorCreatedAt: accountAge.map { at.addingTimeInterval(-$0) },
                submittedAt: at)
        }
    }

    @Test("a burst from new accounts is flagged; the same letter spread over weeks from old accounts is not")
    func burstVersusOrganicSpread() throws {
        // setup
        let other = """
            La gratuité des transports en commun le week-end ferait venir les familles dans le centre-ville \
            et soulagerait les parkings ; elle se financerait par une hausse modérée du stationnement.
            """
        var burst = Self.copies("b", 40, start: Self.t0, spacing: 60, accountAge: 3600)
        var organic = Self.copies("o", 40, start: Self.t0, spacing: 86_400 / 2, accountAge: 400 * 86_400)
        organic = organic.map { var c = $0; c.text = "Madame, Monsieur, " + other + "\nCordialement"; return c }
        burst.append(contentsOf: organic)
        let detector = try DuplicateDetector()
        // act
        let reports = detector.campaigns(burst)
        // check
        #expect(reports.count == 2)
        let b = try #require(reports.first { $0.memberIDs.first == "b0" })
        let o = try #require(reports.first { $0.memberIDs.first == "o0" })
        #expect(b.size == 40 && b.distinctAuthors == 40 && b.fromNewAccounts == 40)
        #expect(b.timeSpan == 39 * 60)
        #expect(b.isBurst)
        #expect(b.reasons == [.burstFromNewAccounts(windowStart: Self.t0, window: 86_400, submissions: 40, fromNewAccounts: 40)])
        #expect(o.size == 40 && o.fromNewAccounts == 0 && !o.isBurst && o.reasons.isEmpty)
        #expect(o.timeSpan == 39 * 43_200)
    }

    @Test("new accounts drowned among established ones in the window do not make a burst")
    func newAccountShare() throws {
        // setup: 12 new accounts and 30 old ones, all within one hour.
        var contributions = Self.copies("n", 12, start: Self.t0, spacing: 60, accountAge: 600)
        contributions += Self.copies("e", 30, start: Self.t0, spacing: 90, accountAge: 900 * 86_400)
        // act
        let reports = try DuplicateDetector().campaigns(contributions)
        let strict = try DuplicateDetector().campaigns(contributions, rule: DuplicateCampaignRule(minNewAccountShare: 0.25))
        // check
        #expect(reports.count == 1 && reports[0].size == 42)
        #expect(!reports[0].isBurst)
        #expect(strict[0].isBurst)
    }

    @Test("one author posting the same text many times is flagged")
    func repeatedAuthor() throws {
        // setup
        var contributions = Self.copies("r", 8, start: Self.t0, spacing: 86_400, accountAge: nil)
        for i in 0..<6 { contributions[i].authorID = "prolific" }
        // act
        let reports = try DuplicateDetector().campaigns(contributions)
        // check
        #expect(reports.count == 1)
        #expect(reports[0].distinctAuthors == 3)
        #expect(!reports[0].isBurst)
        #expect(reports[0].reasons == [.repeatedByOneAuthor(authorID: "prolific", submissions: 6)])
    }
}

/// A small seeded generator (splitmix64) so that test data is the same on every run.
struct DuplicatesTestRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
