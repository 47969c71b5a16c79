import Foundation
import Testing

@testable import ContribuezAnalysis

@Suite("Text normalisation for duplicate detection")
struct DuplicatesNormalizationTests {
    @Test("case, accents, ligatures, punctuation and whitespace are folded")
    func foldsCaseAccentsAndPunctuation() {
        // setup
        let text = "  L’Œuvre  de l'État — « très » ÉLEVÉE !!\n\tÇa coûte 3,5 € ; Straße… "
        // act
        let normal = TextNormalization.fold(text)
        // check
        #expect(normal == "l oeuvre de l etat tres elevee ca coute 3 5 strasse")
    }

    @Test("scripts outside Latin-1 keep their letters, lower-cased and without marks")
    func foldsOtherScripts() {
        // setup
        let text = "Łódź ŠKODA Ελλάδα España"
        // act
        let normal = TextNormalization.fold(text)
        // check
        #expect(normal == "łodz skoda ελλαδα espana")
    }

    @Test("French salutations, closing formulas and signatures are removed")
    func stripsFrenchLetterFormulas() {
        // setup
        let body = "je soutiens l'ouverture des données publiques."
        let variants = [
            "Bonjour,\n\nJe soutiens l'ouverture des données publiques.\n\nCordialement,\nJean Dupont",
            "Madame, Monsieur,\nje soutiens l’ouverture des données publiques !\nBien à vous, Marie-Claire Martin",
            "Madame la Ministre, je soutiens l'ouverture des données publiques.\n\nVeuillez agréer, Madame la Ministre, l'expression de mes salutations distinguées.\nPaul",
            "Je soutiens l'ouverture des données publiques.\n\nAnne Le Goff",
            "Je soutiens l'ouverture des DONNÉES publiques. Merci !",
        ]
        // act
        let normals = variants.map(TextNormalization.normalize)
        // check
        for n in normals { #expect(n == TextNormalization.fold(body)) }
    }

    @Test("English salutations, closing formulas and signatures are removed")
    func stripsEnglishLetterFormulas() {
        // setup
        let variants = [
            "Dear Commissioners:  Keep net neutrality and Title II.",
            "Dear FCC Commissioner ,\n\nKeep net neutrality and Title II.\n\nSincerely,\nJohn Q. Public",
            "To whom it may concern, keep net neutrality and Title II. Thank you.",
            "Hello FCC, keep net neutrality and Title II!\nBest regards, Jane",
        ]
        // act
        let normals = variants.map(TextNormalization.normalize)
        // check
        for n in normals { #expect(n == "keep net neutrality and title ii") }
    }

    @Test("content that only looks like a formula is kept")
    func keepsContent() {
        // setup
        let cases = [
            // "Bonjour" goes, the sentence after it stays.
            ("Bonjour je pense que la loi est mauvaise", "je pense que la loi est mauvaise"),
            // A last line that is a sentence is not a signature.
            ("Roses are red\nViolets are blue\nIf you kill net neutrality\nI’ll cry quite a bit, to be frank.",
             "roses are red violets are blue if you kill net neutrality i ll cry quite a bit to be frank"),
            // "Merci" inside a sentence far from the end is not a closing.
            ("Merci pour ce projet de loi qui ouvre les données publiques à tous les citoyens et qui protège la vie privée des internautes français comme européens dans tous les domaines de la vie numérique",
             "merci pour ce projet de loi qui ouvre les donnees publiques a tous les citoyens et qui protege la vie privee des internautes francais comme europeens dans tous les domaines de la vie numerique"),
            // A text that is only a formula keeps it rather than becoming empty.
            ("Merci !", "merci"),
        ]
        // act / check
        for (text, expected) in cases { #expect(TextNormalization.normalize(text) == expected) }
    }

    @Test("a reused normaliser gives the same result as a fresh one")
    func reusableNormalizer() {
        // setup
        let texts = ["Bonjour, À bientôt.", "Dear all, Hello world\nBob", "", "ÉÉÉ ééé", "Łódź Łódź"]
        var normalizer = TextNormalization.Normalizer()
        var out: [UInt8] = []
        // act
        let reused = texts.map { t -> String in
            normalizer.normalize(t, into: &out)
            return String(decoding: out, as: UTF8.self)
        }
        // check
        #expect(reused == texts.map(TextNormalization.normalize))
    }
}
