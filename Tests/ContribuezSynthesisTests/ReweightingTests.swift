import ContribuezAnalysis
import ContribuezCore
import ContribuezImport
import ContribuezStore
import ContribuezSynthesis
import Foundation
import Testing

/// A consultation whose voters are skewed: `men` men who agree, `women` women who disagree, on the
/// first article; ages spread evenly over the seven bands within each sex.
struct SkewedConsultation {
    let store: SQLiteStore
    let consultation: Consultation
    let article: Article
    let men: [ID]
    let women: [ID]
    let unprofiled: [ID]
    /// The demo's own voters (imported, without profile) and the article's tally before ours.
    let baselineVoters: Int
    let baseline: Tally

    static let t0 = Date(timeIntervalSince1970: 1_760_000_000)
    static let ages = ProfileQuestion.age.codes

    static func make(men: Int = 160, women: Int = 40, unprofiled: Int = 7, extra: [ProfileQuestion: String] = [:]) async throws -> SkewedConsultation {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cz-reweight-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: dir.appendingPathComponent("r.sqlite").path)
        let consultation = try await store.importConsultation(DemoConsultation.bundle(now: t0))
        let article = try #require(try await store.articles(consultationID: consultation.id).first)
        let baselineVoters = Set(try await store.opinionVotes(consultationID: consultation.id).map(\.participantID)).count
        let baseline = try await store.tallies([.article(article.id)])[.article(article.id)] ?? .zero
        func person(_ n: Int, _ tag: String) async throws -> ID {
            try await store.createParticipant(
                NewParticipant(email: "\(tag)\(n)@example.org", displayName: "\(tag) \(n)", kind: .citizen, organization: nil, createdAt: t0),
                passwordHash: "x").id
        }
        var menIDs: [ID] = [], womenIDs: [ID] = [], others: [ID] = []
        for i in 0..<men {
            let id = try await person(i, "m")
            var answers: [ProfileQuestion: String] = [.sex: "M", .age: ages[i % ages.count]]
            answers.merge(extra) { _, b in b }
            _ = try await store.saveProfile(participantID: id, answers: answers, at: t0)
            _ = try await store.castVote(participantID: id, target: .article(article.id), value: .agree, at: t0)
            menIDs.append(id)
        }
        for i in 0..<women {
            let id = try await person(i, "f")
            var answers: [ProfileQuestion: String] = [.sex: "F", .age: ages[i % ages.count]]
            answers.merge(extra) { _, b in b }
            _ = try await store.saveProfile(participantID: id, answers: answers, at: t0)
            _ = try await store.castVote(participantID: id, target: .article(article.id), value: .disagree, at: t0)
            womenIDs.append(id)
        }
        for i in 0..<unprofiled {
            let id = try await person(i, "x")
            _ = try await store.castVote(participantID: id, target: .article(article.id), value: .mixed, at: t0)
            others.append(id)
        }
        return SkewedConsultation(store: store, consultation: consultation, article: article, men: menIDs, women: womenIDs, unprofiled: others,
            baselineVoters: baselineVoters, baseline: baseline)
    }
}

@Suite("Reweighting a consultation")
struct ReweightingTests {
    @Test("a skewed population shows the gap and an alert for the missing group")
    func gapAndAlerts() async throws {
        // setup
        let skewed = try await SkewedConsultation.make()
        // act
        let run = try #require(try await Reweighting.run(store: skewed.store, consultationID: skewed.consultation.id))
        // check
        let summary = run.figures.summary
        #expect(summary.participants == 207 + skewed.baselineVoters)
        #expect(summary.questionnaireRespondents == 200)
        let sex = try #require(summary.dimensions.first { $0.dimension == "sex" })
        let women = try #require(sex.categories.first { $0.code == "F" })
        let populationF = try #require(ReferenceMargins.france("sex")?.categories.first { $0.code == "F" }?.share)
        #expect(abs(women.participantShare - 0.2) < 1e-12)
        #expect(abs(sex.maxAbsoluteDeviation - (populationF - 0.2)) < 1e-12)
        #expect(summary.alerts.contains { $0.dimension == "sex" && $0.category == "F" })
        #expect(!summary.alerts.contains { $0.dimension == "sex" && $0.category == "M" })
        #expect(sex.source.contains("INSEE") && sex.year == 2021)
    }

    @Test("the summary read from the voters alone equals the dashboard's figures without their per-target tallies")
    func summaryWithoutVotes() async throws {
        // setup: one man withdraws his vote, so he no longer counts; one woman changes hers, and still counts.
        let skewed = try await SkewedConsultation.make()
        _ = try await skewed.store.withdrawVote(participantID: skewed.men[0], target: .article(skewed.article.id), at: SkewedConsultation.t0)
        _ = try await skewed.store.castVote(
            participantID: skewed.women[0], target: .article(skewed.article.id), value: .agree, at: SkewedConsultation.t0)
        // act
        let full = try #require(try await Reweighting.run(store: skewed.store, consultationID: skewed.consultation.id))
        let summary = try #require(try await Reweighting.summary(store: skewed.store, consultationID: skewed.consultation.id))
        // check
        #expect(summary.figures.targets.isEmpty)
        #expect(!full.figures.targets.isEmpty)
        var expected = full.figures
        expected.targets = []
        #expect(summary.figures == expected)
        #expect(summary.weights == full.weights)
        #expect(summary.figures.summary.participants == 206 + skewed.baselineVoters)
        #expect(summary.figures.summary.questionnaireRespondents == 199)
        #expect(try await Reweighting.summary(store: skewed.store, consultationID: 999_999) == nil)
    }

    @Test("a page of the dashboard, read from its targets' votes alone, holds exactly the full computation's figures for those targets")
    func pageEqualsSlice() async throws {
        // setup
        let skewed = try await SkewedConsultation.make()
        let full = try #require(try await Reweighting.run(store: skewed.store, consultationID: skewed.consultation.id))
        let all = full.figures.targets
        #expect(all.count >= 3)
        let perPage = 2
        let pages = (all.count + perPage - 1) / perPage
        // act & check: every page, then out-of-range page numbers clamped to the first and last.
        for number in 1...pages {
            let page = try #require(try await Reweighting.page(
                store: skewed.store, consultationID: skewed.consultation.id, page: number, perPage: perPage))
            #expect(page.page.items == Array(all[((number - 1) * perPage)..<min(all.count, number * perPage)]))
            #expect(page.page.total == all.count && page.page.page == number)
            var summary = page.computation.figures
            summary.targets = []
            var expected = full.figures
            expected.targets = []
            #expect(summary == expected)
        }
        let beyond = try #require(try await Reweighting.page(store: skewed.store, consultationID: skewed.consultation.id, page: pages + 5, perPage: perPage))
        #expect(beyond.page.page == pages && beyond.page.items.last == all.last)
        let before = try #require(try await Reweighting.page(store: skewed.store, consultationID: skewed.consultation.id, page: 0, perPage: perPage))
        #expect(before.page.page == 1 && before.page.items.first == all.first)
        #expect(try await Reweighting.page(store: skewed.store, consultationID: 999_999, page: 1, perPage: 2) == nil)
    }

    @Test("reweighted tallies move towards the under-represented women's vote")
    func tallyMovesTheRightWay() async throws {
        // setup
        let skewed = try await SkewedConsultation.make()
        let populationM = try #require(ReferenceMargins.france("sex")?.categories.first { $0.code == "M" }?.share)
        // act
        let run = try #require(try await Reweighting.run(store: skewed.store, consultationID: skewed.consultation.id))
        // check
        let figure = try #require(run.figures.targets.first { $0.kind == "article" && $0.id == skewed.article.id })
        #expect(figure.raw == skewed.baseline + Tally(agree: 160, mixed: 7, disagree: 40))
        let agree = try #require(figure.shares.first { $0.value == "agree" })
        let disagree = try #require(figure.shares.first { $0.value == "disagree" })
        let weightedAgree = try #require(agree.weightedShare), weightedDisagree = try #require(disagree.weightedShare)
        #expect(weightedAgree < agree.rawShare && weightedDisagree > disagree.rawShare)
        #expect(weightedAgree < 160.0 / 200 && weightedDisagree > 40.0 / 200)
        // Raked on sex, the men's weighted share is the population's: so is the agreement.
        #expect(abs(weightedAgree - populationM) < 1e-8)
        #expect(figure.weightedVoters == 200 && figure.excludedVoters == figure.raw.opinionTotal - 200)
        #expect(run.figures.excludedParticipants == 7 + skewed.baselineVoters)
        let moe = try #require(agree.marginOfError)
        #expect(abs(moe - 1.959963984540054 * (weightedAgree * (1 - weightedAgree) / figure.effectiveSampleSize).squareRoot()) < 1e-12)
        #expect(!figure.tooFew)
    }

    @Test("the dashboard's weights are Raking.rake's on the same answers")
    func weightsEqualRake() async throws {
        // setup
        let skewed = try await SkewedConsultation.make()
        // act
        let run = try #require(try await Reweighting.run(store: skewed.store, consultationID: skewed.consultation.id))
        // check: rebuild the codes from what the participants answered, independently of the runner.
        #expect(run.figures.rakedDimensions == ["sex", "age"])
        let ids = skewed.men + skewed.women
        let sexMargin = try #require(ReferenceMargins.france("sex")).rakingMargin
        let ageMargin = try #require(ReferenceMargins.france("age")).rakingMargin
        let sexCodes = ids.map { UInt16(sexMargin.index(of: skewed.men.contains($0) ? "M" : "F")!) }
        let ageCodes = ids.map { id -> UInt16 in
            let n = skewed.men.firstIndex(of: id) ?? skewed.women.firstIndex(of: id)!
            return UInt16(ageMargin.index(of: SkewedConsultation.ages[n % 7])!)
        }
        let expected = try Raking.rake(
            codes: [sexCodes, ageCodes], margins: [sexMargin, ageMargin], options: Raking.Options(trim: Reweighting.Options().trim))
        for (i, id) in ids.enumerated() {
            #expect(abs((run.weights[id] ?? -1) - expected.weights[i]) < 1e-12)
        }
        #expect(run.weights.count == 200)
        #expect(abs(run.figures.summary.designEffect! - expected.report.designEffect) < 1e-12)
    }

    @Test("a dimension with an empty category is left out of the raking, with the reason")
    func skipsImpossibleDimension() async throws {
        // setup: everyone lives in Paris, so every other région has no respondent.
        let skewed = try await SkewedConsultation.make(men: 30, women: 30, unprofiled: 0, extra: [.departement: "75"])
        // act
        let run = try #require(try await Reweighting.run(store: skewed.store, consultationID: skewed.consultation.id))
        // check
        let region = try #require(run.figures.skippedDimensions.first { $0.dimension == "region" })
        #expect(region.reason == "category_without_respondents")
        #expect(!run.figures.rakedDimensions.contains("region"))
        #expect(run.figures.rakedDimensions.contains("sex"))
        let paris = try #require(run.figures.summary.dimensions.first { $0.dimension == "region" }?.categories.first { $0.code == "11" })
        #expect(paris.participants == 60)
    }

    @Test("too few weighted voters are flagged as inconclusive")
    func tooFew() async throws {
        // setup
        let skewed = try await SkewedConsultation.make(men: 8, women: 7, unprofiled: 0)
        // act
        let run = try #require(try await Reweighting.run(store: skewed.store, consultationID: skewed.consultation.id))
        // check
        let figure = try #require(run.figures.targets.first { $0.id == skewed.article.id && $0.kind == "article" })
        #expect(figure.effectiveSampleSize < 30)
        #expect(figure.tooFew)
        let untouched = try #require(run.figures.targets.first { $0.kind == "article" && $0.id != skewed.article.id })
        #expect(untouched.weightedVoters == 0 && untouched.tooFew && untouched.shares.allSatisfy { $0.weightedShare == nil })
    }

    @Test("questionnaire answer codes are the shipped margins' category codes")
    func codesMatchMargins() {
        // setup // act // check
        for question in ProfileQuestion.allCases {
            if let margin = ReferenceMargins.france(question.rawValue) {
                #expect(question.codes == margin.categories.map(\.code), "\(question)")
            }
        }
        let regions = Set(try! #require(ReferenceMargins.france("region")).categories.map(\.code))
        #expect(Set(Departements.all.map(\.region)) == regions)
        #expect(Departements.all.count == 101)
    }

    @Test("uploaded margins replace the shipped ones of their dimensions and carry their source")
    func uploadedMargins() async throws {
        // setup
        let skewed = try await SkewedConsultation.make(men: 50, women: 50, unprofiled: 0)
        let upload = UploadedMargins(
            consultationID: skewed.consultation.id, source: "Ville de Test, recensement", year: 2020,
            rows: [.init(dimension: "sex", category: "F", share: 0.6), .init(dimension: "sex", category: "M", share: 0.4)],
            uploadedAt: SkewedConsultation.t0)
        // act
        try await skewed.store.saveUploadedMargins(upload)
        let run = try #require(try await Reweighting.run(store: skewed.store, consultationID: skewed.consultation.id))
        // check
        let sex = try #require(run.figures.summary.dimensions.first { $0.dimension == "sex" })
        #expect(sex.source == "Ville de Test, recensement" && sex.year == 2020)
        #expect(sex.categories.first { $0.code == "F" }?.populationShare == 0.6)
        #expect(run.figures.marginsOrigin == "uploaded")
        let figure = try #require(run.figures.targets.first { $0.id == skewed.article.id && $0.kind == "article" })
        #expect(abs((figure.shares.first { $0.value == "disagree" }?.weightedShare ?? 0) - 0.6) < 1e-8)
    }
}
