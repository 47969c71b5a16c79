import Foundation
import Testing

@testable import ContribuezAnalysis

@Suite("Representativeness")
struct RepresentativenessTests {
    /// A skewed synthetic consultation on the shipped sex, age and diploma margins: too many
    /// men, almost no one under 25, too many graduates.
    static func skewedConsultation() throws -> (codes: [[UInt16]], margins: [ReferenceMargin]) {
        let margins = try ["sex", "age", "diploma"].map { try #require(ReferenceMargins.france($0)) }
        // sex F, M; age 18-24 … 75+; diploma aucun … bac+5
        let probabilities: [[Double]] = [
            [0.30, 0.70],
            [0.03, 0.12, 0.18, 0.20, 0.20, 0.17, 0.10],
            [0.05, 0.02, 0.14, 0.15, 0.15, 0.20, 0.29],
        ]
        var codes = RakingSamples.codes(n: 3000, probabilities: probabilities, seed: 99)
        for i in stride(from: 0, to: 3000, by: 20) { codes[2][i] = Raking.unanswered }  // 150 skip the diploma question
        return (codes, margins)
    }

    @Test("a skewed consultation shows its gaps and alerts on groups below half their share")
    func gapsAndAlerts() throws {
        // setup
        let (codes, margins) = try Self.skewedConsultation()

        // act
        let summary = Representativeness.assess(codes: codes, margins: margins, participants: 5000)

        // check
        let sex = summary.dimensions[0], age = summary.dimensions[1], diploma = summary.dimensions[2]
        let men = sex.categories[1]
        #expect(men.participantShare > 0.65 && men.populationShare < 0.5)
        #expect(abs(men.deviation - (men.participantShare - men.populationShare)) < 1e-15)
        #expect(abs(sex.maxAbsoluteDeviation - abs(men.deviation)) < 1e-12)
        #expect(abs(sex.dissimilarityIndex - abs(men.deviation)) < 1e-12)  // two categories: ½(|d|+|d|)
        let alerted = Set(summary.alerts.map { "\($0.dimension)=\($0.category)" })
        #expect(alerted == ["age=18-24", "diploma=aucun", "diploma=bepc"])
        #expect(summary.alerts.allSatisfy { $0.participantShare < 0.5 * $0.populationShare })
        #expect(!sex.categories[0].alert)  // women are under-represented but above half their share
        #expect(diploma.unanswered == 150 && diploma.answered == 2850)
        #expect(abs(diploma.categories.map(\.participantShare).reduce(0, +) - 1) < 1e-12)
        #expect(summary.questionnaireShare == 0.6)
        #expect(summary.maxAbsoluteDeviation == max(sex.maxAbsoluteDeviation, age.maxAbsoluteDeviation, diploma.maxAbsoluteDeviation))
        #expect(age.source.contains("INSEE") && age.year == 2021 && diploma.year == 2018)
        #expect(summary.designEffect == nil)
    }

    @Test("raking weights close the gap: weighted shares equal the population's, with the design effect stated")
    func reweightedSharesMatchPopulation() throws {
        // setup
        let (codes, margins) = try Self.skewedConsultation()
        let raked = try Raking.rake(codes: codes, margins: margins.map(\.rakingMargin))

        // act
        let summary = Representativeness.assess(codes: codes, margins: margins, weights: raked.weights)

        // check
        for dimension in summary.dimensions {
            for category in dimension.categories {
                let weighted = try #require(category.weightedShare)
                #expect(abs(weighted - category.populationShare) < 1e-9)
            }
        }
        let deff = try #require(summary.designEffect)
        #expect(deff > 1.3)
        #expect(abs(deff - raked.report.designEffect) < 1e-9)
        #expect(abs(try #require(summary.effectiveSampleSize) - raked.report.effectiveSampleSize) < 1e-6)
    }

    @Test("answers outside the margins are refused when encoding")
    func encodeRefusesUnknownAnswers() throws {
        // setup
        let sex = try #require(ReferenceMargins.france("sex"))

        // act
        let codes = try Representativeness.encode(answers: [["F", "", "M"]], margins: [sex])
        var failure: RakingError? = nil
        do { _ = try Representativeness.encode(answers: [["F", "X"]], margins: [sex]) } catch { failure = error }

        // check
        #expect(codes == [[0, Raking.unanswered, 1]])
        #expect(failure == .unknownCategory(dimension: "sex", category: "X", respondent: "1", line: 2))
    }
}
