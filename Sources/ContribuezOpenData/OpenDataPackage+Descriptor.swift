import ContribuezCore
import Foundation

/// `datapackage.json`: a Frictionless tabular data package with one Table Schema per CSV.
public struct DataPackageDescriptor: Codable, Sendable, Equatable {
    public struct Licence: Codable, Sendable, Equatable {
        public var name: String
        public var title: String
        public var path: String
    }

    public struct Chain: Codable, Sendable, Equatable {
        public var length: Int64
        public var head: String
    }

    public struct Reference: Codable, Sendable, Equatable {
        /// "" for the same resource (Frictionless' self-reference).
        public var resource: String
        public var fields: [String]
    }

    public struct ForeignKey: Codable, Sendable, Equatable {
        public var fields: [String]
        public var reference: Reference
    }

    public struct Field: Codable, Sendable, Equatable {
        public var name: String
        public var type: String
        public var description: String
    }

    public struct Schema: Codable, Sendable, Equatable {
        public var fields: [Field]
        public var primaryKey: [String]?
        public var foreignKeys: [ForeignKey]?
        public var missingValues: [String]
    }

    public struct Dialect: Codable, Sendable, Equatable {
        public var delimiter: String
        public var lineTerminator: String
        public var quoteChar: String
        public var doubleQuote: Bool
        public var header: Bool
    }

    public struct Resource: Codable, Sendable, Equatable {
        public var name: String
        public var path: String
        public var title: String
        public var profile: String
        public var format: String
        public var mediatype: String
        public var encoding: String
        public var dialect: Dialect
        public var schema: Schema
    }

    public var profile: String
    public var name: String
    public var title: String
    public var description: String
    public var created: String
    public var licenses: [Licence]
    public var resources: [Resource]
    public var contribuezFormatVersion: String
    public var contribuezChain: Chain

    enum CodingKeys: String, CodingKey {
        case profile, name, title, description, created, licenses, resources
        case contribuezFormatVersion = "contribuez_format_version"
        case contribuezChain = "contribuez_chain"
    }

    /// Reads a package's descriptor.
    public static func decode(_ bytes: [UInt8]) throws -> DataPackageDescriptor {
        try JSONDecoder().decode(DataPackageDescriptor.self, from: Data(bytes))
    }
}

enum Descriptor {
    static func resource(_ t: OpenDataFormat.Table) -> DataPackageDescriptor.Resource {
        DataPackageDescriptor.Resource(
            name: t.name, path: t.path, title: t.title, profile: "tabular-data-resource", format: "csv", mediatype: "text/csv",
            encoding: "utf-8",
            dialect: .init(delimiter: ",", lineTerminator: "\r\n", quoteChar: "\"", doubleQuote: true, header: true),
            schema: .init(
                fields: t.fields.map { .init(name: $0.name, type: $0.type.rawValue, description: $0.description) },
                primaryKey: t.primaryKey.isEmpty ? nil : t.primaryKey,
                foreignKeys: t.foreignKeys.isEmpty ? nil : t.foreignKeys.map {
                    .init(fields: $0.fields, reference: .init(resource: $0.resource ?? "", fields: $0.referenced))
                },
                missingValues: [""]))
    }

    static func make(_ c: Consultation, head: ChainHead, exportedAt: Date, withSynthesis: Bool) throws -> [UInt8] {
        let tables = OpenDataFormat.tables + (withSynthesis ? OpenDataFormat.synthesisTables : [])
        let d = DataPackageDescriptor(
            profile: "tabular-data-package", name: "contribuez-\(c.slug)", title: c.title,
            description: "Données ouvertes de la consultation « \(c.title) » (\(c.institution)), exportées par Contribuez. "
                + "Open data of the consultation, exported by Contribuez. See README.md.",
            created: OpenDataFormat.datetime(exportedAt),
            licenses: [.init(name: OpenDataFormat.licenceName, title: OpenDataFormat.licenceTitle, path: OpenDataFormat.licencePath)],
            resources: tables.map(resource), contribuezFormatVersion: OpenDataFormat.version,
            contribuezChain: .init(length: head.length, head: head.head))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(d)) + [0x0A]
    }
}

enum Readme {
    static func text(_ c: Consultation, head: ChainHead, exportedAt: Date, withSynthesis: Bool) -> String {
        let tables = OpenDataFormat.tables + (withSynthesis ? OpenDataFormat.synthesisTables : [])
        let list = tables.map { "- `\($0.path)` — \($0.title)" }.joined(separator: "\n")
        return """
            # \(c.title)

            \(c.institution) — données ouvertes exportées le \(OpenDataFormat.datetime(exportedAt)) (format \(OpenDataFormat.version)).
            Chaîne d'événements : \(head.length) entrées, tête `\(head.head)`.

            ## Français

            Ce paquet est un *Data Package* Frictionless : `datapackage.json` décrit chaque table (colonnes, types,
            clés). Licence : \(OpenDataFormat.licenceTitle) (\(OpenDataFormat.licencePath)).

            Tables (CSV en UTF-8, séparateur virgule, fins de ligne CRLF, une ligne d'en-tête, guillemets RFC 4180 ;
            une cellule vide est une valeur absente ; les instants sont en UTC, ISO 8601, sauf `at` dans `events.csv`,
            en millisecondes Unix) :

            - `consultation.csv` : la consultation, ses règles, la longueur et la tête de la chaîne ;
            - `sections.csv`, `articles.csv` : le texte soumis ; `text_versions.csv`, `article_versions.csv` : les versions publiées ensuite ;
            - `participants.csv` : les participant·es, par pseudonyme, avec leur type ; le nom de l'organisation pour les
              entreprises, associations et organismes publics ; jamais d'adresse électronique ni de nom de citoyen·ne ;
            - `contributions.csv` : toutes les contributions et leur état (`published`, `hidden` avec sa raison, `pending`,
              `rejected`, `erased` quand l'auteur·e a supprimé son compte et ses contributions : textes vides) ;
            - `events.csv` : la chaîne de tous les votes, retraits et contributions ; `votes.csv` : les votes en cours ;
            - `tallies.csv` : les décomptes publiés (les totaux importés d'une autre plateforme à part) ; `ranking.csv` :
              l'ordre publié des contributions publiques (score décroissant puis identifiant décroissant) ;
            - `answers.csv`, `answer_statistics.csv` : les réponses de l'institution et le respect de ses engagements ;
            - `uptakes.csv` : où les contributions ont été reprises ; `moderation.csv` : les décisions de modération
              (quoi et pourquoi, jamais qui) ; `debate_reports.csv`, `debate_votes.csv`, `debate_profiles.csv`,
              `debate_contributions.csv` : les comptes rendus des débats locaux, leurs votes à main levée (jamais
              additionnés aux votes en ligne), le profil de leur salle en agrégat quand il est donné (des effectifs par
              réponse, jamais une personne) et les contributions qu'ils ont apportées ; `synthesis_*.csv` : les tables de la dernière synthèse, quand il y en a une.

            **Pseudonymes.** Chaque participant·e apparaît sous un pseudonyme propre à cette consultation : les 16 premiers
            chiffres hexadécimaux de HMAC-SHA256(sel, identifiant). Le sel, tiré au hasard pour la consultation, n'est jamais
            publié : on ne peut ni retrouver l'identifiant, ni relier deux consultations.

            **Cellules neutralisées.** Un tableur exécuterait une cellule qui commence par `=`, `+`, `-`, `@`, une tabulation
            ou un retour chariot. Une telle cellule de texte est donc écrite précédée d'une apostrophe (`=SOMME(A1)` devient
            `'=SOMME(A1)`) ; un texte qui commence déjà par des apostrophes suivies d'un de ces caractères en reçoit une de
            plus. Pour retrouver le texte exact, retirez une apostrophe initiale quand, après les apostrophes initiales, vient
            l'un de ces caractères. Les colonnes numériques ne sont jamais modifiées (-1 reste -1).

            **Recompter.** `contribuez verify \(OpenDataPackage.filename(c))` recalcule la chaîne, chaque décompte, le classement
            et les statistiques de réponse à partir de ce seul paquet, et nomme chaque différence.

            ## English

            This is a Frictionless Data Package: `datapackage.json` describes every table (columns, types, keys). Licence:
            \(OpenDataFormat.licenceTitle).

            Tables (UTF-8 CSV, comma, CRLF, one header row, RFC 4180 quoting; an empty cell is a missing value; instants
            are UTC ISO 8601, except `at` in `events.csv`, in Unix milliseconds):

            \(list)

            **Pseudonyms.** Each participant appears under a pseudonym of their own in this consultation: the first 16 hex
            digits of HMAC-SHA256(salt, participant id). The salt is random per consultation and never published, so
            pseudonyms can neither be reversed nor linked across consultations. Organisations are named; e-mail addresses
            and citizens' names never appear.

            **Neutralised cells.** Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return,
            so such a text cell is written with one leading apostrophe (`=SUM(A1)` becomes `'=SUM(A1)`); a text that
            already starts with apostrophes followed by one of those characters gets one more. To get the exact text back,
            remove one leading apostrophe when, after the leading apostrophes, comes one of those characters. Numeric
            columns are never touched (-1 stays -1).

            **Recount.** `contribuez verify \(OpenDataPackage.filename(c))` recomputes the chain, every tally, the ranking and
            the answer statistics from this package alone, and names every difference.

            """
    }
}
