import ContribuezAnalysis
import ContribuezCore
import Foundation

/// Representativeness and reweighting over one consultation (issue 4): the participants who cast
/// an opinion vote × their profile answers → the representativeness summary and raking weights →
/// reweighted tallies for every article, amendment and proposal.
///
/// Method, as the dashboard states it:
/// - **Who counts.** Participants are those who cast an opinion vote (d'accord / mitigé / pas
///   d'accord) in the consultation. Those who did not answer the questionnaire, or did not answer
///   every question used for the raking ("je préfère ne pas répondre" included), are left out of
///   the reweighted figures and counted.
/// - **Raking** (iterative proportional fitting) on the dimensions of `Options.dimensions`, taken
///   in that order: a dimension is added only if the raking still succeeds with it, i.e. every
///   category of its margin has at least one respondent and the target can be reached within the
///   trimming bounds; otherwise it is skipped and the reason shown.
/// - **Trimming**: weights stay within `Options.trim` (0.2 to 5 times the mean weight by default),
///   so that no single person counts for more than five average participants.
/// - **Margin of error** (95 %): ± z √(p (1 − p) / n_eff), where p is the weighted share and n_eff
///   Kish's effective sample size (Σw)² / Σw² of the target's weighted voters. Below
///   `Options.minimumEffectiveSample`, the figure is flagged "too few answers to conclude".
public enum Reweighting {
    public struct Options: Sendable, Equatable {
        /// Raking dimensions, in the order they are tried.
        public var dimensions: [String] = ["sex", "age", "diploma", "pcs", "commune_size", "region"]
        public var trim: Raking.Trim? = Raking.Trim(low: 0.2, high: 5)
        /// Below this effective sample size a reweighted tally is flagged as inconclusive.
        public var minimumEffectiveSample: Double = 30
        public var alertRatio: Double = 0.5
        /// Normal quantile of the stated confidence level (95 %).
        public var z: Double = 1.959963984540054

        public init() {}
    }

    /// A dimension left out of the raking, and why (`reason` is a stable code; `category` names the culprit).
    public struct SkippedDimension: Sendable, Equatable, Codable {
        public var dimension: String
        public var reason: String
        public var category: String?
        public var detail: String
    }

    /// One value of a reweighted tally.
    public struct ShareFigure: Sendable, Equatable, Codable {
        public var value: String
        public var rawShare: Double
        public var weightedShare: Double?
        /// Half-width of the 95 % interval of `weightedShare`.
        public var marginOfError: Double?
    }

    /// The raw and reweighted tallies of one article, amendment or proposal.
    public struct TargetFigure: Sendable, Equatable, Codable {
        public var kind: String
        public var id: Int64
        public var number: String
        public var title: String
        public var raw: Tally
        /// Opinion voters on this target whose votes are reweighted, and those left out.
        public var weightedVoters: Int
        public var excludedVoters: Int
        public var effectiveSampleSize: Double
        /// Effective sample below the threshold: "trop peu de réponses pour conclure".
        public var tooFew: Bool
        public var shares: [ShareFigure]
    }

    /// Everything the dashboard shows and `contribuez analyze representativeness` prints.
    public struct Figures: Sendable, Equatable, Codable {
        /// Whether anything can be compared with the population: at least one dimension has answers.
        /// When false, deviations, alerts and weights say nothing and must not be shown.
        public var isMeasurable: Bool { summary.dimensions.contains { $0.answered > 0 } }

        public var consultationID: Int64
        /// `shipped` (INSEE margins) or `uploaded` (some dimensions replaced by the organiser's file).
        public var marginsOrigin: String
        public var summary: Representativeness.Summary
        public var rakedDimensions: [String]
        public var skippedDimensions: [SkippedDimension]
        /// The raking's convergence report; nil when no dimension could be raked.
        public var report: Raking.Report?
        /// Participants (opinion voters) whose votes are reweighted, and those left out.
        public var weightedParticipants: Int
        public var excludedParticipants: Int
        public var trim: Raking.Trim?
        public var minimumEffectiveSample: Double
        public var confidenceLevel: Double
        /// Answers to "votez-vous à toutes les élections ?" among questionnaire respondents (no margin: shown, not raked).
        public var votesEveryElection: [String: Int]
        public var targets: [TargetFigure]
    }

    /// The figures and the weights behind them (weights stay out of the JSON: they are per person).
    public struct Computation: Sendable {
        public var figures: Figures
        /// Raking weight of each weighted participant (mean 1); absent = left out.
        public var weights: [ID: Double]
        /// Questionnaire respondents in the order given to the raking, with their codes per raked dimension.
        public var respondents: [ID]
        public var rakingCodes: [[UInt16]]
        public var rakingMargins: [Raking.Margin]
    }

    /// The data the computation needs, read from the store by `run`.
    public struct Input: Sendable {
        public var consultationID: ID
        public var votes: [Vote]
        public var profiles: [ID: ProfileAnswers]
        public var targets: [ReweightingTarget]
        public var margins: [ReferenceMargin]
        public var marginsOrigin: String

        public init(
            consultationID: ID, votes: [Vote], profiles: [ID: ProfileAnswers], targets: [ReweightingTarget],
            margins: [ReferenceMargin], marginsOrigin: String = "shipped"
        ) {
            self.consultationID = consultationID; self.votes = votes; self.profiles = profiles
            self.targets = targets; self.margins = margins; self.marginsOrigin = marginsOrigin
        }
    }

    /// The dimensions of the shipped margins, in dashboard order.
    public static let dimensions = ["sex", "age", "region", "commune_size", "diploma", "pcs"]

    /// Reads the consultation and computes its figures; nil when there is no such consultation.
    public static func run(store: any Store, consultationID: ID, options: Options = Options()) async throws -> Computation? {
        guard try await store.consultation(id: consultationID) != nil else { return nil }
        let uploaded = try await store.uploadedMargins(consultationID: consultationID)
        let input = Input(
            consultationID: consultationID, votes: try await store.opinionVotes(consultationID: consultationID),
            profiles: try await store.profiles(consultationID: consultationID),
            targets: try await store.reweightingTargets(consultationID: consultationID),
            margins: margins(uploaded: uploaded), marginsOrigin: uploaded == nil ? "shipped" : "uploaded")
        return compute(input, options: options)
    }

    /// The figures without the per-target tallies (`targets` empty): who took part against the margins, and
    /// the raking. Reads the opinion voters and their answers, never the votes themselves, so it stays cheap
    /// at national scale (issue 14); the synthesis summarises it. Nil when there is no such consultation.
    public static func summary(store: any Store, consultationID: ID, options: Options = Options()) async throws -> Computation? {
        guard try await store.consultation(id: consultationID) != nil else { return nil }
        let uploaded = try await store.uploadedMargins(consultationID: consultationID)
        return summary(
            consultationID: consultationID, participants: Set(try await store.opinionVoters(consultationID: consultationID)),
            profiles: try await store.profiles(consultationID: consultationID), margins: margins(uploaded: uploaded),
            marginsOrigin: uploaded == nil ? "shipped" : "uploaded", options: options)
    }

    /// One page of the dashboard: the summary, and the figures of `perPage` targets from page `page` (1-based,
    /// clamped to the last page; targets in `reweightingTargets` order), reading the votes of those targets only.
    /// Memory and time follow the page and the number of voters, not the number of votes (issue 14). Nil when
    /// there is no such consultation.
    public static func page(
        store: any Store, consultationID: ID, page: Int, perPage: Int, options: Options = Options()
    ) async throws -> (computation: Computation, page: Page<TargetFigure>)? {
        guard var computation = try await summary(store: store, consultationID: consultationID, options: options) else { return nil }
        let targets = try await store.reweightingTargets(consultationID: consultationID)
        let size = max(1, perPage)
        let pages = max(1, (targets.count + size - 1) / size)
        let number = min(max(1, page), pages)
        let shown = Array(targets.dropFirst((number - 1) * size).prefix(size))
        computation.figures.targets = figures(
            shown, votes: try await store.opinionVotes(consultationID: consultationID, targets: shown.map(\.target)),
            weights: computation.weights, options: options)
        return (computation, Page(items: computation.figures.targets, page: number, perPage: size, total: targets.count))
    }

    /// The margins to compare with: the shipped ones, with the organiser's dimensions replacing them.
    public static func margins(uploaded: UploadedMargins?) -> [ReferenceMargin] {
        dimensions.compactMap { dimension -> ReferenceMargin? in
            guard let shipped = ReferenceMargins.france(dimension) else { return nil }
            guard let uploaded else { return shipped }
            let rows = uploaded.rows.filter { $0.dimension == dimension }
            guard !rows.isEmpty else { return shipped }
            let labels = Dictionary(uniqueKeysWithValues: shipped.categories.map { ($0.code, $0.label) })
            return ReferenceMargin(
                dimension: dimension, label: shipped.label, universe: "", source: uploaded.source, sourceURL: "",
                year: uploaded.year, note: "", population: 0,
                categories: rows.map { .init(code: $0.category, label: labels[$0.category] ?? $0.category, share: $0.share) })
        }
    }

    /// Pure computation over the input: the same input gives the same figures.
    public static func compute(_ input: Input, options: Options = Options()) -> Computation {
        var computation = summary(
            consultationID: input.consultationID, participants: Set(input.votes.map(\.participantID)), profiles: input.profiles,
            margins: input.margins, marginsOrigin: input.marginsOrigin, options: options)
        computation.figures.targets = figures(input.targets, votes: input.votes, weights: computation.weights, options: options)
        return computation
    }

    /// The reweighted figures of `targets`, from their votes (`votes` may hold others: they are ignored).
    static func figures(_ targets: [ReweightingTarget], votes: [Vote], weights: [ID: Double], options: Options) -> [TargetFigure] {
        var votesByTarget: [Target: [Vote]] = [:]
        for vote in votes { votesByTarget[vote.target, default: []].append(vote) }
        return targets.map { t in figure(t, votes: votesByTarget[t.target] ?? [], weights: weights, options: options) }
    }

    /// Everything but the per-target figures, from the opinion voters (`participants`) and their answers.
    public static func summary(
        consultationID: ID, participants: Set<ID>, profiles: [ID: ProfileAnswers], margins: [ReferenceMargin], marginsOrigin: String,
        options: Options = Options()
    ) -> Computation {
        let respondents = profiles.keys.filter { participants.contains($0) }.sorted()

        // Codes of every respondent for every margin dimension (unanswered when not a known category).
        let codes: [[UInt16]] = margins.map { margin in
            var lookup: [String: UInt16] = [:]
            for (c, category) in margin.categories.enumerated() { lookup[category.code] = UInt16(c) }
            return respondents.map { id in
                profiles[id]?.code(forDimension: margin.dimension).flatMap { lookup[$0] } ?? Raking.unanswered
            }
        }

        // Raking: add dimensions one at a time, keeping those with which the raking succeeds.
        var chosen: [Int] = []
        var result: Raking.Result?
        var skipped: [SkippedDimension] = []
        let rakingOptions = Raking.Options(trim: options.trim)
        for dimension in options.dimensions {
            guard let d = margins.firstIndex(where: { $0.dimension == dimension }) else { continue }
            let candidate = chosen + [d]
            do {
                result = try Raking.rake(
                    codes: candidate.map { codes[$0] }, margins: candidate.map { margins[$0].rakingMargin }, options: rakingOptions)
                chosen = candidate
            } catch {
                skipped.append(skip(dimension, error))
            }
        }
        var weights: [ID: Double] = [:]
        if let result {
            for (i, id) in respondents.enumerated() where result.isWeighted[i] { weights[id] = result.weights[i] }
        }

        var summary = Representativeness.assess(
            codes: codes, margins: margins, weights: result?.weights, participants: participants.count,
            alertRatio: options.alertRatio)
        // NB: a dimension nobody answered measures nothing (its "deviation" would be the population shares
        // themselves): the overall figure is taken over the dimensions that have answers, 0 when none has.
        summary.maxAbsoluteDeviation = summary.dimensions.filter { $0.answered > 0 }.map(\.maxAbsoluteDeviation).max() ?? 0
        if let report = result?.report {
            // NB: Kish's figures are those of the raking's own weights (respondents who got one).
            summary.designEffect = report.designEffect
            summary.effectiveSampleSize = report.effectiveSampleSize
        }

        var election: [String: Int] = [:]
        for id in respondents {
            election[profiles[id]?.answers[.votesEveryElection] ?? "", default: 0] += 1
        }
        election[""] = nil

        let figures = Figures(
            consultationID: consultationID, marginsOrigin: marginsOrigin, summary: summary,
            rakedDimensions: chosen.map { margins[$0].dimension }, skippedDimensions: skipped, report: result?.report,
            weightedParticipants: weights.count, excludedParticipants: participants.count - weights.count,
            trim: options.trim, minimumEffectiveSample: options.minimumEffectiveSample, confidenceLevel: 0.95,
            votesEveryElection: election, targets: [])
        return Computation(
            figures: figures, weights: weights, respondents: respondents, rakingCodes: chosen.map { codes[$0] },
            rakingMargins: chosen.map { margins[$0].rakingMargin })
    }

    static func figure(_ t: ReweightingTarget, votes: [Vote], weights: [ID: Double], options: Options) -> TargetFigure {
        let values: [VoteValue] = [.agree, .mixed, .disagree]
        var sums: [VoteValue: Double] = [:]
        var total = 0.0, squares = 0.0, weighted = 0
        for vote in votes {
            guard let w = weights[vote.participantID], w > 0 else { continue }
            sums[vote.value, default: 0] += w
            total += w; squares += w * w; weighted += 1
        }
        let nEff = squares > 0 ? total * total / squares : 0
        let rawTotal = Double(t.tally.opinionTotal)
        let shares = values.map { value -> ShareFigure in
            let raw = value == .agree ? t.tally.agree : value == .mixed ? t.tally.mixed : t.tally.disagree
            var figure = ShareFigure(value: value.rawValue, rawShare: rawTotal > 0 ? Double(raw) / rawTotal : 0)
            if total > 0 {
                let p = (sums[value] ?? 0) / total
                figure.weightedShare = p
                figure.marginOfError = options.z * (p * (1 - p) / nEff).squareRoot()
            }
            return figure
        }
        return TargetFigure(
            kind: t.kind, id: t.target.id, number: t.number, title: t.title, raw: t.tally, weightedVoters: weighted,
            excludedVoters: votes.count - weighted, effectiveSampleSize: nEff, tooFew: nEff < options.minimumEffectiveSample,
            shares: shares)
    }

    static func skip(_ dimension: String, _ error: RakingError) -> SkippedDimension {
        switch error {
        case .categoryWithoutRespondents(_, let category, _):
            return SkippedDimension(dimension: dimension, reason: "category_without_respondents", category: category, detail: error.description)
        case .infeasibleTrim(_, let category, _, _, _):
            return SkippedDimension(dimension: dimension, reason: "infeasible_trim", category: category, detail: error.description)
        case .noRespondents:
            return SkippedDimension(dimension: dimension, reason: "no_respondents", category: nil, detail: error.description)
        case .notConverged, .cannotConverge:
            return SkippedDimension(dimension: dimension, reason: "not_converged", category: nil, detail: error.description)
        default:
            return SkippedDimension(dimension: dimension, reason: "invalid_margins", category: nil, detail: error.description)
        }
    }

    /// The figures as stable JSON (sorted keys, pretty-printed).
    public static func json(_ figures: Figures) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(figures)) ?? Data()
    }
}

extension Reweighting.ShareFigure {
    init(value: String, rawShare: Double) {
        self.init(value: value, rawShare: rawShare, weightedShare: nil, marginOfError: nil)
    }
}
