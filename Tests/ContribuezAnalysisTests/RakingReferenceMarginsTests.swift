import ContribuezTestSupport
import Foundation
import Testing

@testable import ContribuezAnalysis

@Suite("Reference margins")
struct RakingReferenceMarginsTests {
    /// shared/data, from CONTRIBUEZ_SHARED_DATA or beside the clone holding Package.swift.
    static func sharedData() throws -> URL {
        SharedData.root
    }

    @Test("every shipped margin sums to 1 and carries its source, year and universe")
    func shippedMarginsAreWellFormed() throws {
        // act
        let dimensions = ReferenceMargins.france.map(\.dimension)

        // check
        #expect(dimensions == ["sex", "age", "region", "commune_size", "diploma", "pcs"])
        for margin in ReferenceMargins.france {
            #expect(abs(margin.categories.map(\.share).reduce(0, +) - 1) < 1e-12, "\(margin.dimension)")
            #expect(margin.categories.allSatisfy { $0.share > 0 && !$0.label.isEmpty })
            #expect(margin.source.hasPrefix("INSEE") && margin.sourceURL.hasPrefix("https://www.insee.fr/"))
            #expect([2018, 2021].contains(margin.year) && !margin.universe.isEmpty)
        }
        #expect(ReferenceMargins.france("region")?.categories.count == 18)
    }

    @Test("the shipped sex and age margins of adults equal a recount of INSEE's 2021 file")
    func shippedMarginsMatchTheData() throws {
        // setup: recount adults 18+ (18-19 as 2/5 of 15-19) from the shared data
        let url = try Self.sharedData().appendingPathComponent("insee-census-margins/pop_region_sex_age5_2021.csv")
        let table = try CSVTable(contentsOf: url)
        let sexColumn = try table.column("sex"), bandColumn = try table.column("age_band")
        let populationColumn = try table.column("population")
        var women = 0.0, adults = 0.0, over75 = 0.0
        for row in table.rows {
            let band = CSVTable.value(row, bandColumn)
            let lower = Int(band.prefix { $0.isNumber }) ?? 0
            let part = band == "15-19" ? 0.4 : (lower >= 20 ? 1.0 : 0.0)
            let population = Double(CSVTable.value(row, populationColumn))! * part
            adults += population
            if CSVTable.value(row, sexColumn) == "F" { women += population }
            if lower >= 75 { over75 += population }
        }

        // act
        let sex = try #require(ReferenceMargins.france("sex"))
        let age = try #require(ReferenceMargins.france("age"))

        // check
        #expect(table.rows.count == 720)
        #expect(abs(sex.categories[0].share - women / adults) < 1e-12)
        #expect(abs(age.categories.last!.share - over75 / adults) < 1e-12)
        #expect(abs(sex.population - adults) < 1)
    }

    @Test("uploaded margins are checked against the declared dimensions and categories")
    func uploadedMarginsChecked() throws {
        // setup
        let good = "dimension,category,share\nsex,F,0.53\nsex,M,0.47\nage,18-24,0.1\nage,25-34,0.2\nage,35-44,0.2\nage,45-54,0.2\nage,55-64,0.1\nage,65-74,0.1\nage,75+,0.1\n"
        let unknownCategory = "dimension,category,share\nsex,F,0.5\nsex,X,0.5\n"
        let unknownDimension = "dimension,category,share\nhair,brown,1\n"
        let notOne = "dimension,category,share\nsex,F,0.53\nsex,M,0.57\n"
        let negative = "dimension,category,share\nsex,F,1.1\nsex,M,-0.1\n"
        func failure(_ text: String) -> RakingError? {
            do { _ = try ReferenceMargins.parseUploaded(csv: text) } catch { return error }
            return nil
        }

        // act
        let parsed = try ReferenceMargins.parseUploaded(csv: good)
        let merged = ReferenceMargins.margins(for: ["sex", "region"], uploaded: parsed)

        // check
        #expect(parsed.map(\.dimension) == ["sex", "age"])
        #expect(merged[0].shares == [0.53, 0.47])
        #expect(merged[1] == ReferenceMargins.france("region")?.rakingMargin)
        #expect(failure(unknownCategory) == .unknownMarginCategory(dimension: "sex", category: "X", declared: ["F", "M"]))
        guard case .unknownDimension("hair", _)? = failure(unknownDimension) else {
            Issue.record("expected unknownDimension")
            return
        }
        #expect(failure(notOne) == .sharesDoNotSumToOne(dimension: "sex", sum: 0.53 + 0.57, tolerance: 1e-6))
        #expect(failure(negative) == .negativeShare(dimension: "sex", category: "M", share: -0.1))
        #expect(failure(unknownCategory)?.description.contains("expected one of: F, M") == true)
    }
}
