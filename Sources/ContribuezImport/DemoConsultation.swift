import ContribuezCore
import Foundation

/// The demo loaded by `contribuez serve --demo`: six articles of the 2015 draft bill (public text),
/// with participants, arguments, amendments, sources, a proposal and votes written for the project.
/// It opens the day before it is loaded and stays open sixty days, so a visitor can take part at once.
public enum DemoConsultation {
    public static func bundle(now: Date) -> ImportBundle {
        let day: TimeInterval = 86_400
        let consultation = NewConsultation(
            slug: "demo-republique-numerique",
            title: "Pour une République numérique (démonstration)",
            summary: "Consultation de démonstration : six articles de l’avant-projet de loi de 2015, soumis au vote article par article. Votez d’accord, mitigé ou pas d’accord, proposez une nouvelle rédaction, argumentez et ajoutez des sources.",
            institution: "Ministère de démonstration",
            isPublished: true,
            opensAt: now - day, closesAt: now + 60 * day,
            provenance: "Articles : avant-projet de loi pour une République numérique (Gouvernement, 2015, Licence Ouverte). Participants et contributions : fictifs, écrits pour la démonstration.")

        var sections: [ImportBundle.SectionItem] = []
        for a in draftArticles {
            let item = ImportBundle.ArticleItem(
                key: a.key, number: a.number, title: a.title, body: a.body, explanation: a.explanation, importedTally: nil)
            if let last = sections.last, last.title == a.section {
                sections[sections.count - 1].articles.append(item)
            } else {
                sections.append(.init(title: a.section, subtitle: "", articles: [item]))
            }
        }

        let people: [ImportBundle.ParticipantItem] = [
            .init(key: "p-camille", displayName: "Camille D.", createdAt: now - 3 * day),
            .init(key: "p-yanis", displayName: "Yanis B.", createdAt: now - 3 * day),
            .init(key: "p-odile", displayName: "Odile M.", createdAt: now - 2 * day),
            .init(key: "p-asso", displayName: "Association Données Ouvertes Locales", kind: .association, createdAt: now - 2 * day),
            .init(key: "p-mairie", displayName: "Mairie de Saint-Exemple", kind: .publicBody, createdAt: now - 2 * day),
            .init(key: "p-startup", displayName: "Coopérative Logiciel Commun", kind: .company, createdAt: now - day),
        ]
        let t = now - day / 2
        let contributions: [ImportBundle.ContributionItem] = [
            .init(key: "arg-1", kind: .argument, articleKey: "art-1", parentKey: nil, authorKey: "p-asso",
                  authorName: "Association Données Ouvertes Locales", title: "",
                  body: "Publier par défaut évite aux citoyens de devoir demander chaque document un par un : c’est un gain de temps pour tout le monde, administrations comprises.",
                  stance: .for, createdAt: t, importedTally: nil),
            .init(key: "arg-2", kind: .argument, articleKey: "art-1", parentKey: nil, authorKey: "p-mairie",
                  authorName: "Mairie de Saint-Exemple", title: "",
                  body: "Les petites communes n’ont ni le personnel ni les outils pour tenir ces publications à jour. Le seuil fixé par décret doit en tenir compte.",
                  stance: .against, createdAt: t + 60, importedTally: nil),
            .init(key: "amd-1", kind: .amendment, articleKey: "art-1", parentKey: nil, authorKey: "p-camille",
                  authorName: "Camille D.", title: "",
                  body: draftArticles[0].body.replacingOccurrences(of: "dans un standard ouvert aisément réutilisable", with: "dans un standard ouvert, aisément réutilisable et lisible par une machine"),
                  createdAt: t + 120, importedTally: nil),
            .init(key: "arg-3", kind: .argument, articleKey: "art-9", parentKey: nil, authorKey: "p-odile",
                  authorName: "Odile M.", title: "",
                  body: "La recherche financée par l’argent public doit être lisible par le public qui l’a financée.",
                  stance: .for, createdAt: t + 180, importedTally: nil),
            .init(key: "arg-4", kind: .argument, articleKey: "art-9", parentKey: nil, authorKey: "p-startup",
                  authorName: "Coopérative Logiciel Commun", title: "",
                  body: "Un délai d’embargo trop court fragilise les revues scientifiques françaises de sciences humaines.",
                  stance: .against, createdAt: t + 240, importedTally: nil),
            .init(key: "src-1", kind: .source, articleKey: "art-9", parentKey: nil, authorKey: "p-odile",
                  authorName: "Odile M.", title: "Directive 2019/1024 concernant les données ouvertes",
                  body: "Texte européen sur la réutilisation des informations du secteur public, qui prolonge les principes de cet article.",
                  url: "https://eur-lex.europa.eu/eli/dir/2019/1024/oj", createdAt: t + 300, importedTally: nil),
            .init(key: "prop-1", kind: .proposal, articleKey: nil, parentKey: nil, authorKey: "p-yanis",
                  authorName: "Yanis B.", title: "Publier le code source des algorithmes publics",
                  body: "Les administrations publient le code source des logiciels qu’elles utilisent pour prendre des décisions individuelles, ainsi qu’une explication des règles qu’ils appliquent.",
                  createdAt: t + 360, importedTally: nil),
            .init(key: "arg-5", kind: .argument, articleKey: nil, parentKey: "prop-1", authorKey: "p-camille",
                  authorName: "Camille D.", title: "",
                  body: "Sans le code, impossible de vérifier qu’une décision automatisée respecte la loi.",
                  stance: .for, createdAt: t + 420, importedTally: nil),
        ]
        // One row per article, one column per participant: varied on purpose, so the bars differ.
        let a = VoteValue.agree, m = VoteValue.mixed, d = VoteValue.disagree
        let values: [[VoteValue]] = [[a, a, m, a, d, a], [a, m, d, d, a, m], [d, d, a, m, d, a], [a, a, a, m, a, a], [m, m, d, a, d, d], [a, d, m, a, a, d]]
        var votes: [ImportBundle.VoteItem] = []
        for (i, p) in people.enumerated() {
            for (j, article) in draftArticles.enumerated() {
                votes.append(.init(participantKey: p.key, targetKey: article.key, value: values[j % values.count][i], at: t + Double(i * 10 + j)))
            }
            votes.append(.init(participantKey: p.key, targetKey: "prop-1", value: i % 3 == 0 ? .mixed : .agree, at: t + 500))
            votes.append(.init(participantKey: p.key, targetKey: "amd-1", value: i % 2 == 0 ? .agree : .disagree, at: t + 510))
        }
        votes.append(.init(participantKey: "p-yanis", targetKey: "arg-1", value: .useful, at: t + 520))
        votes.append(.init(participantKey: "p-odile", targetKey: "arg-1", value: .useful, at: t + 530))
        votes.append(.init(participantKey: "p-camille", targetKey: "arg-2", value: .useful, at: t + 540))
        return ImportBundle(consultation: consultation, sections: sections, contributions: contributions, participants: people, votes: votes)
    }
}
