import ContribuezAnalysis
import ContribuezCore
import Foundation

extension Synthesis {
    /// The themes of a consultation's free text (issue 14): proposals, amendments and arguments grouped by what
    /// they say (`Themes`), then, for each theme, the votes its proposals and amendments received, overall, by
    /// opinion group and by participant kind, read from the rows the run already computed.
    static func computeThemes(
        _ input: Input, tallies: [SynthesisReport.TallyRow], groups: SynthesisReport.Groups, options: Themes.Options,
        excerptLength: Int
    ) -> [SynthesisReport.Theme] {
        guard let frame = input.frame else { return [] }
        let all = input.texts
        // Sources are links with a summary: what they say belongs to the page they point at.
        let texts = (0..<all.count).filter { all.kinds[$0] != .source }
        guard texts.count >= 2 else { return [] }
        var titles: [ID: String] = [:]
        for t in frame.targets where t.kind != .article { titles[t.target.id] = t.label }
        let documents = texts.map { i -> Themes.Document in
            // A proposal's or amendment's title says much of what it is about; it is part of its text here.
            let title = titles[all.ids[i]].map { $0 + "\n" } ?? ""
            return Themes.Document(id: String(all.ids[i]), text: title + all.bodies[i])
        }
        let result = Themes.analyze(documents, options: options)
        guard !result.themes.isEmpty else { return [] }
        let themes = result.themes.enumerated().map { index, theme -> SynthesisReport.Theme in
            var kinds: [String: Int] = [:]
            var authors: [String: Int] = [:]
            var seenAuthors = Set<ID>()
            for m in theme.members {
                let i = texts[m]
                kinds[all.kinds[i].rawValue, default: 0] += 1
                if let a = all.authors[i], seenAuthors.insert(a).inserted {
                    let kind = input.participantIndex[a].map { frame.participants[Int($0)].kind } ?? .citizen
                    authors[kind.rawValue, default: 0] += 1
                }
            }
            let typical = theme.representative.filter { $0 < texts.count }
            let rest = theme.members.filter { !typical.contains($0) }
            return SynthesisReport.Theme(
                index: index, label: theme.label, terms: theme.terms, size: theme.members.count, contributionKinds: kinds,
                representative: typical.prefix(3).map { m in
                    let i = texts[m]
                    return .init(contributionID: all.ids[i], kind: all.kinds[i], excerpt: excerpt(documents[m].text, excerptLength),
                                 articleID: all.articleIDs[i], parentID: all.parentIDs[i])
                },
                support: .init(), imported: nil, byGroup: nil, byKind: [:], authorsByKind: authors,
                members: (typical + rest).map { all.ids[texts[$0]] })
        }
        return withSupport(themes, tallies: tallies, groups: groups)
    }

    /// The themes with the votes their proposals and amendments received, overall, by opinion group and by
    /// participant kind, read from the rows the run computed (also after an incremental run, whose texts and
    /// so whose themes did not change).
    static func withSupport(
        _ themes: [SynthesisReport.Theme], tallies: [SynthesisReport.TallyRow], groups: SynthesisReport.Groups
    ) -> [SynthesisReport.Theme] {
        var rowOf: [String: SynthesisReport.TallyRow] = [:]
        for row in tallies where row.target.kind != .article { rowOf[row.target.key] = row }
        let groupCount = groups.groups.count
        return themes.map { theme in
            var out = theme
            var support = SynthesisReport.Counts()
            var imported: SynthesisReport.Counts?
            var byKind: [String: SynthesisReport.Counts] = [:]
            var byGroup = groupCount > 0 ? [SynthesisReport.Counts](repeating: .init(), count: groupCount) : nil
            for id in theme.members {
                let key = key(.contribution(id))
                guard let row = rowOf[key] else { continue }
                support.add(row.live)
                if let i = row.imported { imported = (imported ?? .init()).adding(i) }
                for (k, c) in row.byKind { byKind[k, default: .init()].add(c) }
                if let perGroup = groups.byGroup?[key], perGroup.count == groupCount {
                    for g in 0..<groupCount { byGroup?[g].add(perGroup[g]) }
                }
            }
            out.support = support; out.imported = imported; out.byKind = byKind; out.byGroup = byGroup
            return out
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
