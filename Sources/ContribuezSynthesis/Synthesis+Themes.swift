import ContribuezAnalysis
import ContribuezCore
import Foundation

extension Synthesis {
    /// The themes of a consultation's free text (issue 14): proposals, amendments and arguments grouped by what
    /// they say (`Themes`), then, for each theme, the votes its proposals and amendments received, overall, by
    /// opinion group and by participant kind, read from the rows the run already computed.
    static func computeThemes(
        _ s: SynthesisSnapshot, tallies: [SynthesisReport.TallyRow], groups: SynthesisReport.Groups, options: Themes.Options,
        excerptLength: Int
    ) -> [SynthesisReport.Theme] {
        // Sources are links with a summary: what they say belongs to the page they point at.
        let texts = s.texts.filter { $0.kind != .source }
        guard texts.count >= 2 else { return [] }
        var titles: [ID: String] = [:]
        for t in s.targets where t.kind != .article { titles[t.target.id] = t.label }
        let documents = texts.map { t -> Themes.Document in
            // A proposal's or amendment's title says much of what it is about; it is part of its text here.
            let title = titles[t.contributionID].map { $0 + "\n" } ?? ""
            return Themes.Document(id: String(t.contributionID), text: title + t.text)
        }
        let result = Themes.analyze(documents, options: options)
        guard !result.themes.isEmpty else { return [] }
        var rowOf: [String: SynthesisReport.TallyRow] = [:]
        for row in tallies where row.target.kind != .article { rowOf[row.target.key] = row }
        let groupCount = groups.groups.count
        return result.themes.enumerated().map { index, theme in
            var kinds: [String: Int] = [:]
            var authors: [String: Int] = [:]
            var seenAuthors = Set<ID>()
            var support = SynthesisReport.Counts()
            var imported: SynthesisReport.Counts?
            var byKind: [String: SynthesisReport.Counts] = [:]
            var byGroup = groupCount > 0 ? [SynthesisReport.Counts](repeating: .init(), count: groupCount) : nil
            for m in theme.members {
                let t = texts[m]
                kinds[t.kind.rawValue, default: 0] += 1
                if let a = t.authorID, seenAuthors.insert(a).inserted {
                    authors[(s.participants[a]?.kind ?? .citizen).rawValue, default: 0] += 1
                }
                let key = key(.contribution(t.contributionID))
                guard let row = rowOf[key] else { continue }
                support.add(row.live)
                if let i = row.imported { imported = (imported ?? .init()).adding(i) }
                for (k, c) in row.byKind { byKind[k, default: .init()].add(c) }
                if let perGroup = groups.byGroup?[key], perGroup.count == groupCount {
                    for g in 0..<groupCount { byGroup?[g].add(perGroup[g]) }
                }
            }
            let typical = theme.representative.filter { $0 < texts.count }
            let rest = theme.members.filter { !typical.contains($0) }
            return SynthesisReport.Theme(
                index: index, label: theme.label, terms: theme.terms, size: theme.members.count, contributionKinds: kinds,
                representative: typical.prefix(3).map { i in
                    let t = texts[i]
                    return .init(contributionID: t.contributionID, kind: t.kind, excerpt: excerpt(documents[i].text, excerptLength),
                                 articleID: t.articleID, parentID: t.parentID)
                },
                support: support, imported: imported, byGroup: byGroup, byKind: byKind, authorsByKind: authors,
                members: (typical + rest).map { texts[$0].contributionID })
        }
    }

    /// The first-screen summary of who answered the questionnaire, from the dashboard's computation.
    static func summarise(_ f: Reweighting.Figures) -> SynthesisReport.Representativeness {
        .init(
            participants: f.summary.participants ?? 0, respondents: f.summary.questionnaireRespondents,
            maxDeviation: f.isMeasurable ? f.summary.maxAbsoluteDeviation : nil,
            gaps: f.isMeasurable
                ? f.summary.alerts.map {
                    .init(dimension: $0.dimension, category: $0.category, label: $0.label,
                          participantShare: $0.participantShare, populationShare: $0.populationShare)
                } : [],
            rakedDimensions: f.rakedDimensions)
    }
}

extension SynthesisReport.Counts {
    public mutating func add(_ o: Self) { agree += o.agree; mixed += o.mixed; disagree += o.disagree }
    public func adding(_ o: Self) -> Self { var c = self; c.add(o); return c }
}
