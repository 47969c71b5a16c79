import ContribuezCore
import Foundation
import Testing

@Suite("Draft text parser")
struct DraftTextParserTests {
    /// The parsed text, or nil when the parse was refused.
    static func parsed(_ markdown: String) -> ParsedDraftText? {
        if case .parsed(let text) = DraftText.parse(markdown) { return text }
        return nil
    }

    static func problems(_ result: DraftTextParse) -> [DraftTextProblem] {
        if case .invalid(let problems) = result { return problems }
        return []
    }

    static let law = """
        # Titre Ier — Dispositions générales

        ## Chapitre 1er — Objet

        ### Section 1 — Définitions

        ## Article 1er

        La présente loi a pour objet de favoriser la participation.

        Elle s'applique sur tout le territoire.

        Exposé des motifs : Clarifier l'objet de la loi.

        Un second paragraphe de motifs.

        ## Article 2 — Champ

        Le champ comprend :
        - les communes ;
        - les départements.

        ## Article 2 bis

        Les régions sont concernées.

        > Cet article reprend un amendement adopté en commission.

        Elles rendent compte chaque année.

        ### Section 2 — Procédure

        ## Article 3

        La consultation dure trente jours.

        ## Article 3 A — Titre

        Un article inséré.

        ## Article 4

        La synthèse est publiée.

        ## Chapitre 2 — Suivi

        ## Article 5

        Cinq.

        ## Article 6

        Six.

        ## Article 7

        Sept.

        ## Article 8

        Huit.

        # Titre II — Dispositions finales

        ## Chapitre unique

        ## Article 9

        Neuf.

        ## Article 10 : Entrée en vigueur

        La présente loi entre en vigueur le lendemain de sa publication.
        """

    @Test("a full draft gives its titles, chapters, sections and twelve articles in order")
    func fullDraft() throws {
        // act
        let text = try #require(Self.parsed(Self.law))
        // check
        #expect(text.articleCount == 12)
        #expect(text.warnings == [])
        #expect(text.sections.map(\.level) == [1, 2, 3, 3, 2, 1, 2])
        #expect(text.sections.map(\.title) == [
            "Titre Ier — Dispositions générales", "Chapitre 1er — Objet", "Section 1 — Définitions",
            "Section 2 — Procédure", "Chapitre 2 — Suivi", "Titre II — Dispositions finales", "Chapitre unique",
        ])
        #expect(text.sections.map(\.line) == [1, 3, 5, 31, 45, 63, 65])
        #expect(text.sections.map(\.articles.count) == [0, 0, 3, 3, 4, 0, 2])
        let articles = text.sections.flatMap(\.articles)
        #expect(articles.map(\.number) == ["1", "2", "2 bis", "3", "3 A", "4", "5", "6", "7", "8", "9", "10"])
        #expect(articles[4].title == "Titre")
        #expect(articles[4].line == 37)
        #expect(articles[11].title == "Entrée en vigueur")
    }

    @Test("an exposé des motifs paragraph and everything after it become the explanation")
    func explanationParagraphs() throws {
        // act
        let first = try #require(Self.parsed(Self.law)?.sections[2].articles.first)
        // check
        #expect(first.number == "1")
        #expect(first.title == "")
        #expect(first.line == 7)
        #expect(first.body == "La présente loi a pour objet de favoriser la participation.\n\nElle s'applique sur tout le territoire.")
        #expect(first.explanation == "Clarifier l'objet de la loi.\n\nUn second paragraphe de motifs.")
    }

    @Test("a blockquote leaves the body and becomes the explanation")
    func blockquoteExplanation() throws {
        // act
        let article = try #require(Self.parsed(Self.law)?.sections[2].articles[2])
        // check
        #expect(article.number == "2 bis")
        #expect(article.body == "Les régions sont concernées.\n\nElles rendent compte chaque année.")
        #expect(article.explanation == "Cet article reprend un amendement adopté en commission.")
    }

    @Test("the exposé des motifs may be bold, unaccented, or a level-4 heading")
    func explanationVariants() throws {
        // setup
        let markdown = """
            ## Article 1
            Un.

            **Exposé des motifs :** Premier motif.
            ## Article 2
            Deux.

            EXPOSE DES MOTIFS. Deuxième motif.
            ## Article 3
            Trois.
            #### Exposé des motifs
            Troisième motif.
            """
        // act
        let articles = try #require(Self.parsed(markdown)).sections.flatMap(\.articles)
        // check
        #expect(articles.map(\.body) == ["Un.", "Deux.", "Trois."])
        #expect(articles.map(\.explanation) == ["Premier motif.", "Deuxième motif.", "Troisième motif."])
    }

    @Test("a droit en vigueur paragraph becomes the law before the article, up to an exposé des motifs, in either order")
    func currentLawParagraphs() throws {
        // setup
        let markdown = """
            ## Article 1
            Le premier alinéa de l'article 4 est ainsi rédigé : « Toute personne peut demander. »

            Droit en vigueur : Art. 4. — Les documents sont communiqués.

            > Une citation qui reste dans le droit en vigueur.

            Exposé des motifs : Élargir la communication.
            ## Article 2
            Deux.

            **Exposé des motifs.** Un motif.

            #### Droit existant
            I. — Premier alinéa.
            II. — Second alinéa.
            ## Article 3
            Trois, disposition nouvelle.

            Le droit en vigueur dans une phrase ne compte pas.
            """
        // act
        let articles = try #require(Self.parsed(markdown)).sections.flatMap(\.articles)
        // check
        #expect(articles.map(\.body) == [
            "Le premier alinéa de l'article 4 est ainsi rédigé : « Toute personne peut demander. »", "Deux.",
            "Trois, disposition nouvelle.\n\nLe droit en vigueur dans une phrase ne compte pas.",
        ])
        #expect(articles[0].currentLaw == "Art. 4. — Les documents sont communiqués.\n\n> Une citation qui reste dans le droit en vigueur.")
        #expect(articles[0].explanation == "Élargir la communication.")
        #expect(articles[1].explanation == "Un motif.")
        #expect(articles[1].currentLaw == "I. — Premier alinéa.\nII. — Second alinéa.")
        #expect(articles[2].currentLaw == "")
        #expect(articles[2].explanation == "")
    }

    struct Heading: Sendable, CustomStringConvertible {
        var text: String
        var number: String
        var title: String
        var description: String { text }
    }

    static let headings: [Heading] = [
        Heading(text: "Article 1er", number: "1", title: ""),
        Heading(text: "Article premier", number: "1", title: ""),
        Heading(text: "Article unique", number: "unique", title: ""),
        Heading(text: "ARTICLE 12 TER : Titre", number: "12 ter", title: "Titre"),
        Heading(text: "Article 2 bis A", number: "2 bis A", title: ""),
        Heading(text: "Article 3 A — Titre", number: "3 A", title: "Titre"),
        Heading(text: "Article   4   quinquies – Objet", number: "4 quinquies", title: "Objet"),
        Heading(text: "Article 5. Objet", number: "5", title: "Objet"),
        Heading(text: "Article 6 - Objet", number: "6", title: "Objet"),
        Heading(text: "Article 7bis", number: "7 bis", title: ""),
        Heading(text: "Article 8 Dispositions finales", number: "8", title: "Dispositions finales"),
        Heading(text: "article 9 decies ##", number: "9 decies", title: ""),
    ]

    @Test("article numbers are normalised and the title follows the separator", arguments: headings)
    func articleNumbers(_ heading: Heading) throws {
        // act
        let article = try #require(Self.parsed("### \(heading.text)\nTexte.")?.sections.first?.articles.first)
        // check
        #expect(article.number == heading.number)
        #expect(article.title == heading.title)
    }

    @Test("a heading reading Article without a known number is a section, not an article")
    func articleWithoutNumber() throws {
        // setup
        let markdown = "## Article\n\n## Article L. 121-1\n\n## Article 1.2\n\n## Article 1\nTexte."
        // act
        let text = try #require(Self.parsed(markdown))
        // check
        #expect(text.sections.map(\.title) == ["Article", "Article L. 121-1", "Article 1.2"])
        #expect(text.sections.map(\.articles.count) == [0, 0, 1])
    }

    @Test("articles before any heading go to an implicit section")
    func implicitSection() throws {
        // act
        let text = try #require(Self.parsed("# Article 1\nUn.\n# Titre\n# Article 2\nDeux."))
        // check
        #expect(text.sections.map(\.level) == [0, 1])
        #expect(text.sections.map(\.title) == ["", "Titre"])
        #expect(text.sections.map(\.line) == [0, 3])
        #expect(text.articleCount == 2)
    }

    @Test("a text without any article is refused")
    func noArticle() {
        // act
        let result = DraftText.parse("# Titre Ier\n\n## Chapitre 1er\n")
        // check
        #expect(result == .invalid([DraftTextProblem(code: .noArticle)]))
    }

    @Test("every repeated number is reported with both lines")
    func duplicates() {
        // setup
        let markdown = "## Article 1\nA\n## Article 2\nB\n## Article 1er\nC\n## Article 2\nD\n## Article premier\nE"
        // act
        let result = DraftText.parse(markdown)
        // check
        #expect(result == .invalid([
            DraftTextProblem(code: .duplicateNumber, line: 5, otherLine: 1, number: "1"),
            DraftTextProblem(code: .duplicateNumber, line: 7, otherLine: 3, number: "2"),
            DraftTextProblem(code: .duplicateNumber, line: 9, otherLine: 1, number: "1"),
        ]))
    }

    @Test("a text over 2 MiB is refused before it is decoded")
    func tooLarge() {
        // setup
        let bytes = [UInt8](repeating: 0xFF, count: DraftText.maxBytes + 1)
        let text = "## Article 1\n" + String(repeating: "a", count: DraftText.maxBytes)
        // act
        let fromBytes = DraftText.parse(data: bytes)
        let fromString = DraftText.parse(text)
        // check
        #expect(fromBytes == .invalid([DraftTextProblem(code: .tooLarge)]))
        #expect(fromString == .invalid([DraftTextProblem(code: .tooLarge)]))
    }

    @Test("bytes that are not UTF-8 are refused with the line of the first fault")
    func invalidEncoding() {
        // setup
        let bytes = Array("## Article 1\nTexte ".utf8) + [0xE9] + Array(" fin.".utf8)
        // act
        let result = DraftText.parse(data: bytes)
        // check
        #expect(result == .invalid([DraftTextProblem(code: .invalidEncoding, line: 2)]))
    }

    @Test("valid UTF-8 bytes parse like the same string")
    func validBytes() {
        // setup
        let markdown = "## Article 1er — Objet\nLa loi s'applique."
        // act
        let result = DraftText.parse(data: Data(markdown.utf8))
        // check
        #expect(result == DraftText.parse(markdown))
        #expect(Self.parsed(markdown)?.articleCount == 1)
    }

    @Test("an article without body is refused, even with an explanation")
    func emptyArticle() {
        // setup
        let markdown = "## Article 1\n\n## Article 2\nTexte.\n## Article 3\nExposé des motifs : rien d'autre."
        // act
        let result = DraftText.parse(markdown)
        // check
        #expect(result == .invalid([
            DraftTextProblem(code: .emptyArticle, line: 1, number: "1"),
            DraftTextProblem(code: .emptyArticle, line: 5, number: "3"),
        ]))
    }

    @Test("text before the first heading or before a section's first article is ignored with a warning")
    func ignoredText() throws {
        // setup
        let markdown = "Préambule.\nSuite.\n\nEncore.\n# Titre\n\nIntroduction du titre.\n## Article 1\nTexte."
        // act
        let text = try #require(Self.parsed(markdown))
        // check
        #expect(text.warnings == [
            DraftTextProblem(code: .ignoredText, line: 1),
            DraftTextProblem(code: .ignoredText, line: 7),
        ])
        #expect(text.sections.first?.articles.first?.body == "Texte.")
    }

    @Test("warnings are listed with the problems when the text is refused")
    func warningsWithProblems() {
        // act
        let result = DraftText.parse("Du texte sans titre.")
        // check
        #expect(result == .invalid([DraftTextProblem(code: .noArticle), DraftTextProblem(code: .ignoredText, line: 1)]))
    }

    @Test("lines inside a fenced code block are never headings")
    func fencedCode() throws {
        // setup
        let markdown = "## Article 1\nExemple :\n\n```\n# not a heading\n\n\n## Article 2\n```\nFin."
        // act
        let text = try #require(Self.parsed(markdown))
        // check
        #expect(text.sections.count == 1)
        #expect(text.articleCount == 1)
        #expect(text.sections[0].articles[0].body == "Exemple :\n\n```\n# not a heading\n\n\n## Article 2\n```\nFin.")
    }

    @Test("Windows and old Mac line ends count as one line each")
    func lineEnds() throws {
        // setup
        let markdown = "\u{FEFF}# Titre\r\n\r\n## Article 1er\r\nTexte.\r\n\r\nSuite.\r## Article 2\rDeux."
        // act
        let text = try #require(Self.parsed(markdown))
        // check
        #expect(text.sections[0].title == "Titre")
        #expect(text.sections[0].articles.map(\.line) == [3, 7])
        #expect(text.sections[0].articles[0].body == "Texte.\n\nSuite.")
    }

    @Test("a level-4 heading stays in the article body")
    func deepHeading() throws {
        // setup
        let markdown = "## Article 1\nIntroduction.\n\n#### Paragraphe 1\nTexte.\n\n\n\n##### Alinéa\nFin."
        // act
        let article = try #require(Self.parsed(markdown)?.sections[0].articles[0])
        // check
        #expect(article.body == "Introduction.\n\n#### Paragraphe 1\nTexte.\n\n##### Alinéa\nFin.")
        #expect(article.explanation == "")
    }

    @Test("a parsed text survives a JSON round trip")
    func codable() throws {
        // setup
        let text = try #require(Self.parsed(Self.law))
        // act
        let decoded = try JSONDecoder().decode(ParsedDraftText.self, from: JSONEncoder().encode(text))
        // check
        #expect(decoded == text)
    }
}
