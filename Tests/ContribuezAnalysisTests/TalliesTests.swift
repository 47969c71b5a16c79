import Foundation
import Testing

@testable import ContribuezAnalysis

@Suite("Tallies and Wilson ranking")
struct TalliesTests {
    @Test("no vote gives a Wilson lower bound of 0, and no agreement gives 0 too")
    func wilsonWithoutSupport() {
        // act / check
        #expect(Tallies.wilsonLowerBound(positive: 0, total: 0) == 0)
        #expect(Tallies.wilsonLowerBound(positive: 0, total: 50) == 0)
    }

    @Test("Wilson lower bounds match values computed by hand for z = 1.96")
    func wilsonKnownValues() {
        // setup: with p̂ = 1 the formula reduces to n / (n + z²), z² = 3.8416.
        let oneOfOne = 1 / (1 + 3.8416)
        let twoOfTwo = 2 / (2 + 3.8416)
        // p̂ = 0.9, n = 100: (0.9 + 0.019208 − 1.96·√(0.0009 + 0.00009604)) / 1.038416
        let ninetyOfHundred = (0.9 + 0.019208 - 1.96 * (0.0009 + 0.000096040).squareRoot()) / 1.038416
        // act / check
        #expect(abs(Tallies.wilsonLowerBound(positive: 1, total: 1) - oneOfOne) < 1e-12)
        #expect(abs(Tallies.wilsonLowerBound(positive: 2, total: 2) - twoOfTwo) < 1e-12)
        #expect(abs(Tallies.wilsonLowerBound(positive: 90, total: 100) - ninetyOfHundred) < 1e-12)
        // Published reference value (Evan Miller, "How not to sort by average rating"): 0.8256.
        #expect(abs(Tallies.wilsonLowerBound(positive: 90, total: 100) - 0.8256) < 5e-5)
    }

    @Test("the lower bound grows with evidence at the same share and stays below the share")
    func wilsonMonotonic() {
        // act
        let small = Tallies.wilsonLowerBound(positive: 3, total: 4)
        let large = Tallies.wilsonLowerBound(positive: 300, total: 400)
        // check
        #expect(small < large)
        #expect(large < 0.75)
    }

    @Test("counting splits opinions, keeps « utile » apart, and shares sum to one")
    func counting() {
        // setup
        let votes: [Tallies.Choice] = [.agree, .agree, .agree, .mixed, .disagree, .useful]
        // act
        let count = Tallies.count(votes)
        // check
        #expect(count == Tallies.Count(agree: 3, mixed: 1, disagree: 1, useful: 1))
        #expect(count.total == 5)
        #expect(count.agreeShare == 0.6)
        #expect(abs(count.agreeShare + count.mixedShare + count.disagreeShare - 1) < 1e-12)
        #expect(Tallies.Count().agreeShare == 0)
    }

    @Test("mixed votes lower the agreement score like disagreements do")
    func mixedCountsAsNotAgree() {
        // setup
        let withMixed = Tallies.Count(agree: 8, mixed: 2)
        let withDisagree = Tallies.Count(agree: 8, disagree: 2)
        let onlyAgree = Tallies.Count(agree: 8)
        // act / check
        #expect(withMixed.agreementScore == withDisagree.agreementScore)
        #expect(withMixed.agreementScore < onlyAgree.agreementScore)
    }

    @Test("ranking prefers 90 agrees out of 100 over 2 out of 2 and 1 out of 1")
    func rankingPrefersEvidence() {
        // setup
        let targets: [(id: String, count: Tallies.Count)] = [
            ("unanimous-but-tiny", Tallies.Count(agree: 2)),
            ("unvoted", Tallies.Count()),
            ("one-vote", Tallies.Count(agree: 1)),
            ("broadly-supported", Tallies.Count(agree: 90, mixed: 4, disagree: 6)),
            ("rejected", Tallies.Count(agree: 10, disagree: 90)),
        ]
        // act
        let ranking = Tallies.rankByAgreement(targets)
        // check
        #expect(ranking.map(\.id) == ["broadly-supported", "unanimous-but-tiny", "one-vote", "rejected", "unvoted"])
        #expect(ranking.map(\.score) == ranking.map(\.score).sorted(by: >))
    }

    @Test("ties keep the target with more votes first, then the input order")
    func rankingTies() {
        // setup
        let targets: [(id: Int, count: Tallies.Count)] = [
            (1, Tallies.Count()), (2, Tallies.Count(disagree: 3)), (3, Tallies.Count()),
        ]
        // act
        let ranking = Tallies.rankByAgreement(targets)
        // check
        #expect(ranking.map(\.id) == [2, 1, 3])
    }

    @Test("arguments are ranked by their « utile » votes")
    func usefulRanking() {
        // setup
        let targets: [(id: String, count: Tallies.Count)] = [
            ("a", Tallies.Count(useful: 3)), ("b", Tallies.Count(useful: 12)), ("c", Tallies.Count(useful: 0)),
        ]
        // act
        let ranking = Tallies.rankByUseful(targets)
        // check
        #expect(ranking.map(\.id) == ["b", "a", "c"])
    }

    @Test("the breakdown by participant kind sums to the overall count")
    func breakdownSums() {
        // setup
        let kinds = ["citizen", "company", "association", "publicBody"]
        var votes: [(kind: String, choice: Tallies.Choice)] = []
        for i in 0..<1_000 {
            // Deterministic but uneven mix of kinds and choices.
            votes.append((kinds[(i * 7 + i / 13) % 4], Tallies.Choice.allCases[(i / 3 + i * i) % 4]))
        }
        // act
        let breakdown = Tallies.breakdown(votes)
        let overall = Tallies.count(votes.map(\.choice))
        // check
        #expect(Set(breakdown.keys) == Set(kinds))
        #expect(breakdown.values.reduce(Tallies.Count(), +) == overall)
        let companies = votes.filter { $0.kind == "company" && $0.choice == .agree }.count
        #expect(breakdown["company"]?.agree == companies)
    }
}
