import ContribuezAnalysis
import ContribuezCore
import Foundation

/// Reads the closing-day snapshot of the 2015 « République numérique » consultation
/// (`opinions.csv`, `arguments.csv`, `sources.csv`) into an import bundle.
/// Vote counters are kept as imported totals: individual votes were never published.
public enum RepubliqueNumeriqueImport {
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case missingFile(String)
        case badRow(file: String, row: Int, reason: String)
        case csv(file: String, reason: String)

        public var description: String {
            switch self {
            case .missingFile(let f): return "missing file \(f) (expected opinions.csv, arguments.csv and sources.csv)"
            case .badRow(let f, let r, let why): return "\(f), data row \(r): \(why)"
            case .csv(let f, let why): return "\(f): \(why)"
            }
        }
    }

    public static let citation =
        "Consultation République numérique 2015, Gouvernement français / Cap Collectif, via Lucas-C/republique-numerique-stats (instantané du 18 octobre 2015). Compteurs de votes importés ; auteurs pseudonymisés."

    public static func bundle(directory: URL) throws -> ImportBundle {
        let opinions = try table(directory, "opinions.csv")
        let arguments = try table(directory, "arguments.csv")
        let sources = try table(directory, "sources.csv")

        let oID = try opinions.column("opinion_id"), oKind = try opinions.column("kind")
        let oSection = try opinions.column("section_title"), oSubtitle = try opinions.column("section_subtitle")
        let oTitle = try opinions.column("title"), oBody = try opinions.column("body_text")
        let oExplanation = try opinions.column("explanation_text"), oCreated = try opinions.column("created_at")
        let oAuthor = try opinions.column("author_id"), oTrashed = try opinions.column("is_trashed")
        let oOk = try opinions.column("votes_ok"), oNok = try opinions.column("votes_nok"), oMixed = try opinions.column("votes_mitige")

        var sections: [ImportBundle.SectionItem] = []
        var sectionIndex: [String: Int] = [:]
        var contributions: [ImportBundle.ContributionItem] = []
        var known = Set<String>()

        func int(_ row: [String], _ c: Int, _ n: Int, _ file: String) throws -> Int {
            let v = CSVTable.value(row, c)
            guard let i = Int(v), i >= 0 else { throw Failure.badRow(file: file, row: n, reason: "\"\(v)\" is not a count") }
            return i
        }
        func date(_ row: [String], _ c: Int, _ n: Int, _ file: String) throws -> Date {
            let v = CSVTable.value(row, c)
            guard let d = ImportDates.iso8601(v) else { throw Failure.badRow(file: file, row: n, reason: "\"\(v)\" is not a date") }
            return d
        }

        // Articles first, in the order of their ids (the order of the draft bill).
        let sorted = opinions.rows.enumerated().sorted { (Int(CSVTable.value($0.element, oID)) ?? 0) < (Int(CSVTable.value($1.element, oID)) ?? 0) }
        for (n, row) in sorted {
            let key = "op:" + CSVTable.value(row, oID)
            let tally = Tally(
                agree: try int(row, oOk, n + 1, "opinions.csv"), mixed: try int(row, oMixed, n + 1, "opinions.csv"),
                disagree: try int(row, oNok, n + 1, "opinions.csv"))
            known.insert(key)
            switch CSVTable.value(row, oKind) {
            case "government_article":
                let (number, title) = splitArticleTitle(CSVTable.value(row, oTitle))
                let subtitle = CSVTable.value(row, oSubtitle)
                let sectionKey = subtitle
                if sectionIndex[sectionKey] == nil {
                    sectionIndex[sectionKey] = sections.count
                    sections.append(.init(title: subtitle, subtitle: CSVTable.value(row, oSection), articles: []))
                }
                sections[sectionIndex[sectionKey]!].articles.append(
                    .init(key: key, number: number, title: title, body: CSVTable.value(row, oBody),
                          explanation: CSVTable.value(row, oExplanation), importedTally: tally))
            case "citizen_proposal":
                contributions.append(
                    .init(key: key, kind: .proposal, articleKey: nil, parentKey: nil,
                          authorName: CSVTable.value(row, oAuthor), title: CSVTable.value(row, oTitle),
                          body: CSVTable.value(row, oBody), createdAt: try date(row, oCreated, n + 1, "opinions.csv"),
                          importedTally: tally, isHidden: CSVTable.value(row, oTrashed) == "True"))
            case let other:
                throw Failure.badRow(file: "opinions.csv", row: n + 1, reason: "unknown kind \"\(other)\"")
            }
        }
        let articleKeys = Set(sections.flatMap { $0.articles.map(\.key) })
        func attach(_ opinion: String) -> (article: String?, parent: String?)? {
            let key = "op:" + opinion
            guard known.contains(key) else { return nil }
            return articleKeys.contains(key) ? (key, nil) : (nil, key)
        }

        let aID = try arguments.column("argument_id"), aOpinion = try arguments.column("opinion_id")
        let aStance = try arguments.column("stance"), aBody = try arguments.column("body")
        let aCreated = try arguments.column("created_at"), aVotes = try arguments.column("votes_count")
        let aEnabled = try arguments.column("is_enabled"), aTrashed = try arguments.column("is_trashed")
        let aAuthor = try arguments.column("author_id")
        for (n, row) in arguments.rows.enumerated() {
            guard let at = attach(CSVTable.value(row, aOpinion)) else {
                throw Failure.badRow(file: "arguments.csv", row: n + 1, reason: "unknown opinion \(CSVTable.value(row, aOpinion))")
            }
            let stance: Stance
            switch CSVTable.value(row, aStance) {
            case "pour": stance = .for
            case "contre": stance = .against
            case let s: throw Failure.badRow(file: "arguments.csv", row: n + 1, reason: "unknown stance \"\(s)\"")
            }
            contributions.append(
                .init(key: "arg:" + CSVTable.value(row, aID), kind: .argument, articleKey: at.article, parentKey: at.parent,
                      authorName: CSVTable.value(row, aAuthor), title: "", body: CSVTable.value(row, aBody), stance: stance,
                      createdAt: try date(row, aCreated, n + 1, "arguments.csv"),
                      importedTally: Tally(useful: try int(row, aVotes, n + 1, "arguments.csv")),
                      isHidden: CSVTable.value(row, aTrashed) == "True" || CSVTable.value(row, aEnabled) == "False"))
        }

        let sID = try sources.column("source_id"), sOpinion = try sources.column("opinion_id")
        let sTitle = try sources.column("title"), sLink = try sources.column("link"), sBody = try sources.column("body")
        let sCreated = try sources.column("created_at"), sAuthor = try sources.column("author_id")
        for (n, row) in sources.rows.enumerated() {
            guard let at = attach(CSVTable.value(row, sOpinion)) else {
                throw Failure.badRow(file: "sources.csv", row: n + 1, reason: "unknown opinion \(CSVTable.value(row, sOpinion))")
            }
            contributions.append(
                .init(key: "src:" + CSVTable.value(row, sID), kind: .source, articleKey: at.article, parentKey: at.parent,
                      authorName: CSVTable.value(row, sAuthor), title: CSVTable.value(row, sTitle),
                      body: CSVTable.value(row, sBody), url: CSVTable.value(row, sLink),
                      createdAt: try date(row, sCreated, n + 1, "sources.csv"), importedTally: nil))
        }

        let consultation = NewConsultation(
            slug: "republique-numerique-2015",
            title: "Projet de loi pour une République numérique",
            summary: "Le Gouvernement a soumis son avant-projet de loi à la consultation, article par article, du 26 septembre au 18 octobre 2015 : votes, propositions de nouveaux articles, arguments et sources.",
            institution: "Gouvernement — Secrétariat d’État chargé du numérique",
            isPublished: true,
            opensAt: ImportDates.iso8601("2015-09-26T00:00:00+0200")!,
            closesAt: ImportDates.iso8601("2015-10-19T00:00:00+0200")!,
            provenance: citation)
        return ImportBundle(consultation: consultation, sections: sections, contributions: contributions)
    }

    /// "Article 1 - Open data par défaut" → ("1", "Open data par défaut").
    public static func splitArticleTitle(_ s: String) -> (String, String) {
        guard s.hasPrefix("Article "), let dash = s.range(of: " - ") else { return ("", s) }
        let number = s[s.index(s.startIndex, offsetBy: 8)..<dash.lowerBound]
        return (String(number), String(s[dash.upperBound...]))
    }

    static func table(_ dir: URL, _ name: String) throws -> CSVTable {
        let url = dir.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw Failure.missingFile(name) }
        do { return try CSVTable(contentsOf: url) } catch let e as CSV.ParseError {
            throw Failure.csv(file: name, reason: e.description)
        }
    }
}
