import Foundation
import Testing

@testable import ContribuezAnalysis

@Suite("Raking errors")
struct RakingErrorsTests {
    static let margins = """
        dimension,category,share
        sex,F,0.5
        sex,M,0.5
        age,young,0.4
        age,old,0.6
        """

    static func error(_ body: () throws -> Void) -> RakingError? {
        do { try body() } catch let error as RakingError { return error } catch { return nil }
        return nil
    }

    @Test("a respondent's category absent from the margins is named with the respondent and line")
    func unknownCategory() {
        // setup
        let respondents = "id,sex,age\nr1,F,young\nr2,X,old\n"

        // act
        let error = Self.error { _ = try Raking.reweightCSV(respondents: respondents, margins: Self.margins) }

        // check
        #expect(error == .unknownCategory(dimension: "sex", category: "X", respondent: "r2", line: 3))
        #expect(error?.description.contains("\"X\"") == true)
    }

    @Test("shares not summing to 1 within 1e-6 are refused, and the sum is stated")
    func sharesNotSummingToOne() {
        // setup
        let bad = Self.margins.replacingOccurrences(of: "age,old,0.6", with: "age,old,0.5")
        let nearlyOne = Self.margins.replacingOccurrences(of: "age,old,0.6", with: "age,old,0.6000005")

        // act
        let error = Self.error { _ = try Raking.parseMargins(csv: bad) }
        let accepted = try? Raking.parseMargins(csv: nearlyOne)

        // check
        #expect(error == .sharesDoNotSumToOne(dimension: "age", sum: 0.9, tolerance: 1e-6))
        #expect(accepted?.count == 2)
    }

    @Test("a negative share is refused")
    func negativeShare() {
        // setup
        let bad = "dimension,category,share\nsex,F,1.2\nsex,M,-0.2\n"

        // act
        let error = Self.error { _ = try Raking.parseMargins(csv: bad) }

        // check
        #expect(error == .negativeShare(dimension: "sex", category: "M", share: -0.2))
    }

    @Test("a share that is not a number is refused with its line")
    func invalidShare() {
        // setup
        let bad = "dimension,category,share\nsex,F,half\nsex,M,0.5\n"

        // act
        let error = Self.error { _ = try Raking.parseMargins(csv: bad) }

        // check
        #expect(error == .invalidShare(dimension: "sex", category: "F", value: "half", line: 2))
    }

    @Test("a margin category with a positive share but no respondent cannot converge")
    func categoryWithoutRespondents() {
        // setup
        let respondents = "id,sex,age\nr1,F,young\nr2,F,old\n"

        // act
        let error = Self.error { _ = try Raking.reweightCSV(respondents: respondents, margins: Self.margins) }

        // check
        #expect(error == .categoryWithoutRespondents(dimension: "sex", category: "M", share: 0.5))
    }

    @Test("no convergence within the iteration limit is an error stating the remaining error")
    func noConvergence() {
        // setup: a sample whose structure cannot meet both margins (all F are young, all M old)
        let codes: [[UInt16]] = [[0, 0, 1, 1], [0, 0, 1, 1]]
        let margins = [
            Raking.Margin(dimension: "sex", categories: ["F", "M"], shares: [0.5, 0.5]),
            Raking.Margin(dimension: "age", categories: ["young", "old"], shares: [0.2, 0.8]),
        ]

        // act
        let error = Self.error { _ = try Raking.rake(codes: codes, margins: margins, options: .init(maxIterations: 50)) }

        // check
        guard case .notConverged(let iterations, let remaining, let tolerance)? = error else {
            Issue.record("expected notConverged, got \(String(describing: error))")
            return
        }
        #expect(iterations == 50)
        #expect(remaining > 0.1)
        #expect(tolerance == 1e-10)
    }

    @Test("trim bounds that no weights can satisfy are refused before raking")
    func infeasibleTrim() throws {
        // setup: students are rare among complete hdv2003 respondents and need a mean weight above 40
        let respondents = try RakingFixtures.text("hdv2003-respondents.csv")
        let margins = try RakingFixtures.text("hdv2003-margins.csv")

        // act
        let error = Self.error { _ = try Raking.reweightCSV(respondents: respondents, margins: margins, trim: (0.2, 5)) }

        // check
        guard case .infeasibleTrim(let dimension, let category, let mean, _, _)? = error else {
            Issue.record("expected infeasibleTrim, got \(String(describing: error))")
            return
        }
        #expect(dimension == "occup" && category == "Etudiant, eleve" && mean > 5)
    }

    @Test("a respondents column without margins, and a margin without column, are refused")
    func mismatchedDimensions() {
        // setup
        let extra = "id,sex,age,region\nr1,F,young,IDF\n"
        let missing = "id,sex\nr1,F\n"

        // act
        let extraError = Self.error { _ = try Raking.reweightCSV(respondents: extra, margins: Self.margins) }
        let missingError = Self.error { _ = try Raking.reweightCSV(respondents: missing, margins: Self.margins) }

        // check
        #expect(extraError == .dimensionWithoutMargins("region"))
        #expect(missingError == .marginWithoutColumn("age"))
    }

    @Test("a base weight that is not a positive number is refused")
    func invalidBaseWeight() {
        // setup
        let respondents = "id,sex,age,base_weight\nr1,F,young,1\nr2,M,old,0\n"

        // act
        let error = Self.error { _ = try Raking.reweightCSV(respondents: respondents, margins: Self.margins) }

        // check
        #expect(error == .invalidBaseWeight(respondent: "r2", line: 3, value: "0"))
    }

    @Test("trim bounds must bracket the mean weight")
    func invalidTrim() {
        // act
        let reversed = Self.error { _ = try Raking.parseTrim("5,0.2") }
        let malformed = Self.error { _ = try Raking.parseTrim("0.2") }
        let parsed = try? Raking.parseTrim("0.2, 5")

        // check
        #expect(reversed == .invalidTrim(low: 5, high: 0.2))
        #expect(malformed == .malformedTrim("0.2"))
        #expect(parsed == Raking.Trim(low: 0.2, high: 5))
    }

    @Test("the CSV output and JSON report are stable text")
    func stableOutput() throws {
        // setup
        let respondents = "id,sex,age\nr1,F,young\nr2,M,old\nr3,M,young\n\"r,4\",F,old\nr5,,old\n"

        // act
        let (csv, report) = try Raking.reweightCSV(respondents: respondents, margins: Self.margins)
        let json = String(decoding: report, as: UTF8.self)

        // check: F and M are alike, so young (1.6 of 4) weigh 0.8 and old (2.4 of 4) weigh 1.2
        let rows = try CSV.parse(csv)
        #expect(rows.map { $0[0] } == ["id", "r1", "r2", "r3", "r,4"])
        let w = rows.dropFirst().map { Double($0[1])! }
        #expect(abs(w[0] - 0.8) < 1e-12 && abs(w[1] - 1.2) < 1e-12 && abs(w[2] - 0.8) < 1e-12 && abs(w[3] - 1.2) < 1e-12)
        #expect(csv.hasPrefix("id,weight\n") && csv.contains("\n\"r,4\","))
        #expect(json.contains("\"excludedRespondents\" : 1"))
        #expect(json.contains("\"effectiveSampleSize\""))
        #expect(json.contains("\"designEffect\""))
        #expect(json.contains("\"iterations\""))
    }
}
