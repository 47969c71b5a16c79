import ContribuezAnalysis
import ContribuezCore
import Foundation

/// One article as one version of the text has it, with its change from the version before.
struct ArticleStage: Sendable {
    /// Nil for the consulted draft (v0).
    var version: TextVersion?
    var position: Int { version?.position ?? 0 }
    var number: String
    var previousNumber: String?
    var title: String
    var body: String
    /// Word diff from the previous stage; nil for the first stage of a lineage.
    var diff: [TextDiff.Segment]?
    var unchanged: Bool
}

/// An article through the versions: its stages, oldest first; `removedIn` when a later version drops it.
struct ArticleChain: Sendable {
    var consultedArticleID: ID?
    var stages: [ArticleStage]
    var removedIn: TextVersion?
    var current: ArticleStage { stages[stages.count - 1] }
}

/// What became of one of the most supported contributions.
struct SuiviItem: Sendable {
    enum Outcome: String, Sendable { case takenUp = "taken_up", notTakenUp = "not_taken_up", answered, none }
    var row: ContributionRow
    var rank: Int
    var outcome: Outcome
    var uptake: UptakeRecord?
    var uptakeVersion: TextVersion?
    var answer: Answer?
}

struct SuiviReport: Sendable {
    var versions: [TextVersion]
    var chains: [ArticleChain]
    var top: [SuiviItem]
}

/// Queries shared by the follow-up pages and the JSON API.
enum FollowUpQueries {
    /// Every article lineage of the consultation, from the consulted draft through the published versions,
    /// matched by number (and by declared renumbering, recorded as `previousNumber`).
    static func chains(_ store: any Store, consultationID: ID) async throws -> (versions: [TextVersion], chains: [ArticleChain]) {
        let versions = try await store.textVersions(consultationID: consultationID)
        var chains: [ArticleChain] = try await store.articles(consultationID: consultationID).map { a in
            ArticleChain(consultedArticleID: a.id, stages: [ArticleStage(
                version: nil, number: DraftText.normaliseNumber(a.number), previousNumber: nil, title: a.title, body: a.body, diff: nil, unchanged: true)])
        }
        for v in versions {
            let articles = try await store.articleVersions(versionID: v.id)
            // Chains alive before this version, by their current number.
            var open: [String: Int] = [:]
            for (i, c) in chains.enumerated() where c.removedIn == nil { open[c.current.number] = i }
            var continued: Set<Int> = []
            for av in articles {
                if let before = av.previousNumber, let i = open[before], !continued.contains(i) {
                    let prev = chains[i].current
                    // NB: blank lines and spaces are layout, not wording: a text re-imported with other line breaks is unchanged.
                    let same = normalised(prev.body) == normalised(av.body) && normalised(prev.title) == normalised(av.title) && prev.number == av.number
                    chains[i].stages.append(ArticleStage(
                        version: v, number: av.number, previousNumber: before, title: av.title, body: av.body,
                        diff: same ? nil : TextDiff.words(from: prev.body, to: av.body), unchanged: same))
                    continued.insert(i)
                } else {
                    chains.append(ArticleChain(consultedArticleID: nil, stages: [ArticleStage(
                        version: v, number: av.number, previousNumber: nil, title: av.title, body: av.body, diff: nil, unchanged: false)]))
                }
            }
            for (_, i) in open where !continued.contains(i) { chains[i].removedIn = v }
        }
        return (versions, chains)
    }

    /// Text with every run of whitespace made one space, for comparing wordings.
    static func normalised(_ s: String) -> String {
        s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// Diff between two stages of a lineage, by version position (0: the consulted draft).
    static func compare(_ chain: ArticleChain, from: Int, to: Int) -> [TextDiff.Segment]? {
        guard let a = chain.stages.first(where: { $0.position == from }), let b = chain.stages.first(where: { $0.position == to }) else { return nil }
        return TextDiff.words(from: a.body, to: b.body)
    }

    /// The Suivi page: versions, article lineages, and what became of the 20 most supported contributions.
    static func suivi(_ store: any Store, consultation: Consultation) async throws -> SuiviReport {
        let (versions, chains) = try await chains(store, consultationID: consultation.id)
        let top = try await store.topContributions(consultationID: consultation.id, limit: 20)
        let ids = top.map(\.contribution.id)
        let uptakes = try await store.uptakes(contributionIDs: ids)
        let answers = try await store.currentAnswers(contributionIDs: ids)
        let byID = Dictionary(versions.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let items = top.enumerated().map { i, row -> SuiviItem in
            let id = row.contribution.id
            let u = uptakes[id]
            var outcome = SuiviItem.Outcome.none
            var version: TextVersion?
            switch u?.uptake {
            case .takenUp(let v, _)?: outcome = .takenUp; version = byID[v]
            case .notTakenUp?: outcome = .notTakenUp
            case nil: if answers[id] != nil { outcome = .answered }
            }
            return SuiviItem(row: row, rank: i + 1, outcome: outcome, uptake: u, uptakeVersion: version, answer: answers[id])
        }
        return SuiviReport(versions: versions, chains: chains, top: items)
    }

    static func engagements(_ store: any Store, consultation: Consultation, now: Date, cache: EngagementCache? = nil) async throws -> EngagementLedger {
        let candidates: [EngagementCandidate]
        if let cache {
            candidates = try await cache.candidates(store, consultation: consultation, now: now)
        } else {
            candidates = try await store.engagementCandidates(consultationID: consultation.id, closesAt: consultation.closesAt)
        }
        return EngagementLedger.compute(consultation: consultation, candidates: candidates, now: now)
    }

    static func engagements(_ deps: WebDependencies, consultation: Consultation) async throws -> EngagementLedger {
        try await engagements(deps.store, consultation: consultation, now: deps.clock.now(), cache: deps.engagementCache)
    }

    /// Where a taken-up contribution landed: the Suivi page, at the article of that version.
    static func uptakePath(consultationID: ID, version: TextVersion, number: String) -> String {
        "/consultations/\(consultationID)/suivi#" + anchor(version: version.position, number: number)
    }

    static func anchor(version: Int, number: String) -> String {
        "v\(version)-article-" + number.replacingOccurrences(of: " ", with: "-")
    }
}
