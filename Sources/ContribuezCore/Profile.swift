import Foundation

/// One question of the opt-in profile questionnaire (issue 4).
///
/// Answer codes are the category codes of the reference margins (`ReferenceMargins.france` in
/// ContribuezAnalysis), so answers can be raked without translation; a test checks both lists
/// agree. NB: the core imports nothing but Foundation, hence the copy.
public enum ProfileQuestion: String, Sendable, Codable, CaseIterable {
    case sex
    case age
    /// Asked as a département; the région (the raking dimension) is derived from it.
    case departement
    case communeSize = "commune_size"
    case diploma
    case pcs
    /// "Votez-vous à toutes les élections ?" — no population margin: shown, not raked.
    case votesEveryElection = "votes_every_election"

    /// The codes a participant may answer, in display order (without `ProfileAnswers.preferNot`).
    public var codes: [String] {
        switch self {
        case .sex: return ["F", "M"]
        case .age: return ["18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]
        case .departement: return Departements.all.map(\.code)
        case .communeSize: return ["moins-2000", "2000-9999", "10000-49999", "50000-199999", "200000-plus"]
        case .diploma: return ["aucun", "bepc", "cap-bep", "bac", "bac+2", "bac+3-4", "bac+5"]
        case .pcs:
            return ["agriculteurs", "artisans-commercants", "cadres", "intermediaires", "employes", "ouvriers", "sans-activite"]
        case .votesEveryElection: return ["toujours", "parfois", "jamais"]
        }
    }

    /// The field name used in forms and in `FieldError`s.
    public var field: String { "profile_\(rawValue)" }
}

/// A participant's answers. A question absent from `answers` was not answered; the value
/// `preferNot` records an explicit "je préfère ne pas répondre". Both count as unanswered in
/// the analysis.
public struct ProfileAnswers: Sendable, Equatable, Codable {
    public static let preferNot = "nr"

    public var answers: [ProfileQuestion: String]
    /// When the participant consented (first save) and last changed the answers.
    public var consentedAt: Date
    public var updatedAt: Date

    public init(answers: [ProfileQuestion: String], consentedAt: Date, updatedAt: Date) {
        self.answers = answers; self.consentedAt = consentedAt; self.updatedAt = updatedAt
    }

    /// The answer to `question` when it is a real category (not unanswered, not "prefer not").
    public func code(_ question: ProfileQuestion) -> String? {
        guard let value = answers[question], value != Self.preferNot else { return nil }
        return value
    }

    /// The région code (INSEE, 2016 regions) of the answered département.
    public var region: String? { code(.departement).flatMap(Departements.region(of:)) }

    /// The code to rake on for a margin dimension (`sex`, `age`, `region`, `commune_size`, `diploma`, `pcs`).
    public func code(forDimension dimension: String) -> String? {
        if dimension == "region" { return region }
        return ProfileQuestion(rawValue: dimension).flatMap(code)
    }
}

/// Départements (code, name, INSEE région code).
public enum Departements {
    public struct Item: Sendable, Equatable {
        public var code: String
        public var name: String
        public var region: String
    }

    public static func region(of code: String) -> String? { byCode[code]?.region }
    public static func name(of code: String) -> String? { byCode[code]?.name }

    static let byCode: [String: Item] = Dictionary(uniqueKeysWithValues: all.map { ($0.code, $0) })

    public static let all: [Item] = [
        ("01", "Ain", "84"), ("02", "Aisne", "32"), ("03", "Allier", "84"), ("04", "Alpes-de-Haute-Provence", "93"),
        ("05", "Hautes-Alpes", "93"), ("06", "Alpes-Maritimes", "93"), ("07", "Ardèche", "84"), ("08", "Ardennes", "44"),
        ("09", "Ariège", "76"), ("10", "Aube", "44"), ("11", "Aude", "76"), ("12", "Aveyron", "76"),
        ("13", "Bouches-du-Rhône", "93"), ("14", "Calvados", "28"), ("15", "Cantal", "84"), ("16", "Charente", "75"),
        ("17", "Charente-Maritime", "75"), ("18", "Cher", "24"), ("19", "Corrèze", "75"), ("2A", "Corse-du-Sud", "94"),
        ("2B", "Haute-Corse", "94"), ("21", "Côte-d'Or", "27"), ("22", "Côtes-d'Armor", "53"), ("23", "Creuse", "75"),
        ("24", "Dordogne", "75"), ("25", "Doubs", "27"), ("26", "Drôme", "84"), ("27", "Eure", "28"),
        ("28", "Eure-et-Loir", "24"), ("29", "Finistère", "53"), ("30", "Gard", "76"), ("31", "Haute-Garonne", "76"),
        ("32", "Gers", "76"), ("33", "Gironde", "75"), ("34", "Hérault", "76"), ("35", "Ille-et-Vilaine", "53"),
        ("36", "Indre", "24"), ("37", "Indre-et-Loire", "24"), ("38", "Isère", "84"), ("39", "Jura", "27"),
        ("40", "Landes", "75"), ("41", "Loir-et-Cher", "24"), ("42", "Loire", "84"), ("43", "Haute-Loire", "84"),
        ("44", "Loire-Atlantique", "52"), ("45", "Loiret", "24"), ("46", "Lot", "76"), ("47", "Lot-et-Garonne", "75"),
        ("48", "Lozère", "76"), ("49", "Maine-et-Loire", "52"), ("50", "Manche", "28"), ("51", "Marne", "44"),
        ("52", "Haute-Marne", "44"), ("53", "Mayenne", "52"), ("54", "Meurthe-et-Moselle", "44"), ("55", "Meuse", "44"),
        ("56", "Morbihan", "53"), ("57", "Moselle", "44"), ("58", "Nièvre", "27"), ("59", "Nord", "32"),
        ("60", "Oise", "32"), ("61", "Orne", "28"), ("62", "Pas-de-Calais", "32"), ("63", "Puy-de-Dôme", "84"),
        ("64", "Pyrénées-Atlantiques", "75"), ("65", "Hautes-Pyrénées", "76"), ("66", "Pyrénées-Orientales", "76"),
        ("67", "Bas-Rhin", "44"), ("68", "Haut-Rhin", "44"), ("69", "Rhône", "84"), ("70", "Haute-Saône", "27"),
        ("71", "Saône-et-Loire", "27"), ("72", "Sarthe", "52"), ("73", "Savoie", "84"), ("74", "Haute-Savoie", "84"),
        ("75", "Paris", "11"), ("76", "Seine-Maritime", "28"), ("77", "Seine-et-Marne", "11"), ("78", "Yvelines", "11"),
        ("79", "Deux-Sèvres", "75"), ("80", "Somme", "32"), ("81", "Tarn", "76"), ("82", "Tarn-et-Garonne", "76"),
        ("83", "Var", "93"), ("84", "Vaucluse", "93"), ("85", "Vendée", "52"), ("86", "Vienne", "75"),
        ("87", "Haute-Vienne", "75"), ("88", "Vosges", "44"), ("89", "Yonne", "27"), ("90", "Territoire de Belfort", "27"),
        ("91", "Essonne", "11"), ("92", "Hauts-de-Seine", "11"), ("93", "Seine-Saint-Denis", "11"), ("94", "Val-de-Marne", "11"),
        ("95", "Val-d'Oise", "11"), ("971", "Guadeloupe", "01"), ("972", "Martinique", "02"), ("973", "Guyane", "03"),
        ("974", "La Réunion", "04"), ("976", "Mayotte", "06"),
    ].map { Item(code: $0.0, name: $0.1, region: $0.2) }
}

/// Margins an organiser uploaded for one consultation, with the source they stated.
public struct UploadedMargins: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var dimension: String
        public var category: String
        public var share: Double
        public init(dimension: String, category: String, share: Double) {
            self.dimension = dimension; self.category = category; self.share = share
        }
    }

    public var consultationID: ID
    public var source: String
    public var year: Int
    public var rows: [Row]
    public var uploadedAt: Date

    public init(consultationID: ID, source: String, year: Int, rows: [Row], uploadedAt: Date) {
        self.consultationID = consultationID; self.source = source; self.year = year; self.rows = rows; self.uploadedAt = uploadedAt
    }
}

/// A target whose opinion votes are reweighted: an article, an amendment or a proposal.
public struct ReweightingTarget: Sendable, Equatable {
    public var target: Target
    public var kind: String
    /// Article number, or empty.
    public var number: String
    public var title: String
    /// The live (raw) tally.
    public var tally: Tally

    public init(target: Target, kind: String, number: String, title: String, tally: Tally) {
        self.target = target; self.kind = kind; self.number = number; self.title = title; self.tally = tally
    }
}
