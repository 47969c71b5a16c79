import Foundation

/// Who took part, compared with the population: the figures of the representativeness dashboard.
///
/// Indicators, and why these:
/// - **Participant share vs population share** per category, among participants who answered
///   that question: the figure people understand, shown as bars and a table.
/// - **Deviation** (participant − population share, in share units) and its **maximum absolute
///   value** per dimension and overall: one number that says how far the worst group is off.
/// - **Dissimilarity index** per dimension (½ Σ |deviation|): the share of participants who would
///   have to be in another category to match the population; it sums the whole gap, where the
///   maximum only sees the worst category.
/// - **Alerts** for categories below half their expected share (ratio < 0.5): a group that is
///   largely missing, whose voice reweighting can only amplify from very few people.
/// - **Kish's design effect** (and effective sample size) of the raking weights: the price of
///   correcting the gap, in precision. A design effect of 2 means the reweighted figures are as
///   precise as a simple random sample of half the size.
///
/// NB: no R-indicator (Schouten et al.): it needs response propensities estimated on a frame with
/// unit-level auxiliary data for the whole population, and we only have published margins.
public enum Representativeness {
    /// One category of one dimension.
    public struct CategoryFigure: Sendable, Equatable, Codable {
        public var code: String
        public var label: String
        /// Participants who gave this answer.
        public var participants: Int
        /// Share among participants who answered the question.
        public var participantShare: Double
        public var populationShare: Double
        /// participantShare − populationShare.
        public var deviation: Double
        /// participantShare / populationShare; `nil` when the population share is 0.
        public var representationRatio: Double?
        /// Below `alertRatio` × its population share.
        public var alert: Bool
        /// Share among weighted respondents after raking, when weights were given.
        public var weightedShare: Double?
    }

    /// One dimension (question of the profile questionnaire).
    public struct DimensionFigure: Sendable, Equatable, Codable {
        public var dimension: String
        public var label: String
        /// Questionnaire respondents who answered this question, and those who did not.
        public var answered: Int
        public var unanswered: Int
        public var categories: [CategoryFigure]
        public var maxAbsoluteDeviation: Double
        public var dissimilarityIndex: Double
        /// Where the population shares come from, shown with the chart.
        public var universe: String
        public var source: String
        public var sourceURL: String
        public var year: Int
    }

    /// A group below half its expected share.
    public struct Alert: Sendable, Equatable, Codable {
        public var dimension: String
        public var category: String
        public var label: String
        public var participantShare: Double
        public var populationShare: Double
    }

    /// The dashboard's figures, also printed by `contribuez analyze representativeness`.
    public struct Summary: Sendable, Equatable, Codable {
        /// All participants of the consultation, when known.
        public var participants: Int?
        /// Participants who answered the profile questionnaire (at least opened it).
        public var questionnaireRespondents: Int
        /// questionnaireRespondents / participants.
        public var questionnaireShare: Double?
        public var dimensions: [DimensionFigure]
        /// The largest |deviation| over every dimension.
        public var maxAbsoluteDeviation: Double
        public var alertRatio: Double
        public var alerts: [Alert]
        /// Kish's design effect of the raking weights (n Σw² / (Σw)² over weighted respondents).
        public var designEffect: Double?
        public var effectiveSampleSize: Double?
    }

    /// Computes the figures.
    ///
    /// - Parameters:
    ///   - codes: `codes[d][i]`: index of respondent `i`'s answer in `margins[d].categories`, or
    ///     `Raking.unanswered`.
    ///   - margins: the population margins, with their sources.
    ///   - weights: optional raking weights (one per respondent, 0 for the unweighted), e.g.
    ///     `Raking.Result.weights`; they add weighted shares and Kish's figures.
    ///   - participants: all participants of the consultation, to state the questionnaire's uptake.
    ///   - alertRatio: a category is flagged below this fraction of its population share.
    public static func assess(
        codes: [[UInt16]], margins: [ReferenceMargin], weights: [Double]? = nil, participants: Int? = nil,
        alertRatio: Double = 0.5
    ) -> Summary {
        let n = codes.first?.count ?? 0
        var dimensions: [DimensionFigure] = []
        var alerts: [Alert] = []
        var overall = 0.0
        for (d, margin) in margins.enumerated() where d < codes.count {
            let k = margin.categories.count
            var counts = [Int](repeating: 0, count: k)
            var weighted = [Double](repeating: 0, count: k)
            var unanswered = 0
            for (i, code) in codes[d].enumerated() {
                guard code != Raking.unanswered, Int(code) < k else { unanswered += 1; continue }
                counts[Int(code)] += 1
                if let weights { weighted[Int(code)] += weights[i] }
            }
            let answered = n - unanswered
            let weightedTotal = weighted.reduce(0, +)
            var figures: [CategoryFigure] = []
            var maxDeviation = 0.0, dissimilarity = 0.0
            for (c, category) in margin.categories.enumerated() {
                let share = answered > 0 ? Double(counts[c]) / Double(answered) : 0
                let deviation = share - category.share
                let ratio = category.share > 0 ? share / category.share : nil
                let alert = answered > 0 && category.share > 0 && share < alertRatio * category.share
                maxDeviation = max(maxDeviation, abs(deviation))
                dissimilarity += abs(deviation) / 2
                figures.append(CategoryFigure(
                    code: category.code, label: category.label, participants: counts[c], participantShare: share,
                    populationShare: category.share, deviation: deviation, representationRatio: ratio, alert: alert,
                    weightedShare: weights != nil && weightedTotal > 0 ? weighted[c] / weightedTotal : nil))
                if alert {
                    alerts.append(Alert(
                        dimension: margin.dimension, category: category.code, label: category.label,
                        participantShare: share, populationShare: category.share))
                }
            }
            overall = max(overall, maxDeviation)
            dimensions.append(DimensionFigure(
                dimension: margin.dimension, label: margin.label, answered: answered, unanswered: unanswered,
                categories: figures, maxAbsoluteDeviation: maxDeviation, dissimilarityIndex: dissimilarity,
                universe: margin.universe, source: margin.source, sourceURL: margin.sourceURL, year: margin.year))
        }
        let positive = weights?.filter { $0 > 0 }
        return Summary(
            participants: participants, questionnaireRespondents: n,
            questionnaireShare: participants.flatMap { $0 > 0 ? Double(n) / Double($0) : nil },
            dimensions: dimensions, maxAbsoluteDeviation: overall, alertRatio: alertRatio, alerts: alerts,
            designEffect: positive.flatMap { $0.isEmpty ? nil : Raking.kishDesignEffect($0) },
            effectiveSampleSize: positive.flatMap { $0.isEmpty ? nil : Raking.kishEffectiveSampleSize($0) })
    }

    /// Encodes answers given as category codes (`answers[d][i]`, empty = unanswered) against
    /// `margins`, for `assess` and `Raking.rake`.
    /// - Throws: `RakingError.unknownCategory` for an answer the margin does not have.
    public static func encode(answers: [[String]], margins: [ReferenceMargin]) throws(RakingError) -> [[UInt16]] {
        var result: [[UInt16]] = []
        for (d, margin) in margins.enumerated() where d < answers.count {
            var lookup: [String: UInt16] = [:]
            for (c, category) in margin.categories.enumerated() { lookup[category.code] = UInt16(c) }
            var column: [UInt16] = []
            column.reserveCapacity(answers[d].count)
            for (i, answer) in answers[d].enumerated() {
                if answer.isEmpty { column.append(Raking.unanswered); continue }
                guard let code = lookup[answer] else {
                    throw .unknownCategory(dimension: margin.dimension, category: answer, respondent: String(i), line: i + 1)
                }
                column.append(code)
            }
            result.append(column)
        }
        return result
    }

    /// The summary as stable JSON (sorted keys, pretty-printed), as the CLI prints it.
    public static func json(_ summary: Summary) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(summary)) ?? Data()
    }
}

extension ReferenceMargin {
    /// Wraps an organiser's uploaded margin with its stated source, so the dashboard can show it.
    public init(uploaded margin: Raking.Margin, label: String? = nil, universe: String, source: String, year: Int) {
        self.init(
            dimension: margin.dimension, label: label ?? margin.dimension, universe: universe, source: source,
            sourceURL: "", year: year, note: "marges fournies par l'organisateur", population: 0,
            categories: zip(margin.categories, margin.shares).map { Category(code: $0, label: $0, share: $1) })
    }
}
