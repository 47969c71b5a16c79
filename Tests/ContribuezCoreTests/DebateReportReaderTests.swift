import ContribuezCore
import Foundation
import Testing

/// The filled report template (issue 15): CSV and JSON read into one input, every problem placed on its line or path.
@Suite("Debate report template")
struct DebateReportReaderTests {
    static let header = "type,consultation_id,article_id,article_title,count,agree,mixed,disagree,stance,text"

    static func csv(_ lines: [String]) -> [UInt8] { Array(([header] + lines).joined(separator: "\r\n").utf8) }

    @Test("a filled CSV reads every row type, with RFC 4180 quoting, a BOM and multi-line texts")
    func readsCSV() {
        // setup
        let bytes = [0xEF, 0xBB, 0xBF] + Self.csv([
            "attendance,7,,,42,,,,,",
            "vote,7,11,\"Article 1, données\",,20,5,,,",
            "amendment,7,11,,,,,,,\"Le texte, « nouveau »\nsur deux lignes\"",
            "argument,7,12,,,,,,against,\"Il dit \"\"non\"\"\"",
            "synthesis,7,,,,,,,,Une synthèse",
        ])
        // act
        let input = DebateReportReader.read(bytes)
        // check
        #expect(input.problems == [])
        #expect(input.source == .csv && input.consultationID == 7 && input.attendance == 42)
        #expect(input.votes == [DebateArticleCount(articleID: 11, agree: 20, mixed: 5, disagree: nil)])
        #expect(input.items.map(\.text) == ["Le texte, « nouveau »\nsur deux lignes", "Il dit \"non\""])
        #expect(input.items.map(\.kind) == [.amendment, .argument] && input.items[1].stance == .against)
        #expect(input.items[1].origin == .line(6), "the record after a two-line field starts on line 6")
        #expect(input.synthesis == "Une synthèse")
    }

    @Test("each bad CSV line is named by its number; nothing stops the reading")
    func csvProblems() {
        // setup
        let bytes = Self.csv([
            "attendance,7,,,douze,,,,,",
            "vote,7,11,,,-3,1,2,,",
            "vote,,12,,,1,1,1,,",
            "argument,7,12,,,,,,maybe,Un argument",
            "dance,7,,,,,,,,",
            "vote,8,11,,,1,,,,",
            "vote,7,11,,,1,,",
        ])
        // act
        let input = DebateReportReader.read(bytes)
        // check
        let placed = input.problems.map { ($0.kind, $0.place) }
        #expect(placed.contains { $0 == (.notANumber, .line(2)) })
        #expect(placed.contains { $0 == (.negative, .line(3)) })
        #expect(placed.contains { $0 == (.missingConsultation, .line(4)) })
        #expect(placed.contains { $0 == (.unknownStance, .line(5)) })
        #expect(placed.contains { $0 == (.unknownType, .line(6)) })
        #expect(placed.contains { $0 == (.otherConsultation, .line(7)) })
        #expect(placed.contains { $0 == (.columns, .line(8)) })
    }

    @Test("a wrong header, bad quoting, another encoding and an empty file are each refused")
    func csvFile() {
        #expect(DebateReportReader.read(Array("type,consultation,article\r\n".utf8)).problems.map(\.kind) == [.header])
        #expect(DebateReportReader.read(Self.csv(["synthesis,7,,,,,,,,\"pas fermé"])).problems.map(\.kind).contains(.quoting))
        #expect(DebateReportReader.read([0x74, 0x79, 0xFF, 0xFE]).problems.map(\.kind) == [.encoding])
        #expect(DebateReportReader.read(Array("  \n".utf8)).problems.map(\.kind) == [.emptyFile])
        #expect(DebateReportReader.read(Self.csv(["vote,7,11,,,1,,,,"])).problems.map(\.kind) == [.attendanceMissing])
    }

    @Test("a filled JSON reads alike, and its problems are named by their path")
    func readsJSON() {
        // setup
        let good = """
            {"format":"contribuez-debate-report/1","consultation_id":7,"attendance":30,
             "votes":[{"article_id":11,"article_title":"A","agree":10,"mixed":null,"disagree":3}],
             "amendments":[{"article_id":11,"text":"Nouveau"}],"arguments":[{"article_id":12,"stance":"for","text":"Parce que"}],
             "synthesis":"Bien"}
            """
        let bad = """
            {"format":"autre","consultation_id":"sept","attendance":true,"votes":[{"article_id":11,"agree":-1},{"agree":2}],
             "arguments":[{"article_id":12,"stance":"pour","text":"x"}],"extra":1}
            """
        // act
        let ok = DebateReportReader.read(Array(good.utf8))
        let ko = DebateReportReader.read(Array(bad.utf8))
        // check
        #expect(ok.problems == [])
        #expect(ok.source == .json && ok.consultationID == 7 && ok.attendance == 30 && ok.synthesis == "Bien")
        #expect(ok.votes == [DebateArticleCount(articleID: 11, agree: 10, mixed: nil, disagree: 3)])
        #expect(ok.items.count == 2)
        let placed = ko.problems.map { ($0.kind, $0.place) }
        #expect(placed.contains { $0 == (.format, .path("format")) })
        #expect(placed.contains { $0 == (.notANumber, .path("consultation_id")) })
        #expect(placed.contains { $0 == (.notANumber, .path("attendance")) })
        #expect(placed.contains { $0 == (.negative, .path("votes[0].agree")) })
        #expect(placed.contains { $0 == (.missingArticle, .path("votes[1]")) })
        #expect(placed.contains { $0 == (.unknownStance, .path("arguments[0].stance")) })
        #expect(placed.contains { $0 == (.unknownKey, .path("extra")) })
        #expect(DebateReportReader.read(Array("{ pas du json".utf8)).problems.map(\.kind) == [.badJSON])
    }

    @Test("the checks against the consultation: known articles, counts within the attendance, the right consultation")
    func checks() {
        // setup
        var input = DebateReportReader.read(Self.csv([
            "attendance,7,,,10,,,,,",
            "vote,7,11,,,6,3,2,,",
            "vote,7,99,,,1,,,,",
            "vote,7,11,,,1,,,,",
            "amendment,7,12,,,,,,,",
        ]))
        // act
        let problems = FileDebateReport.check(input, consultationID: 8, articleIDs: [11, 12])
        input.consultationID = 8
        // check
        let placed = problems.map { ($0.kind, $0.place) }
        #expect(placed.contains { $0 == (.countsOverAttendance, .line(3)) })
        #expect(problems.first { $0.kind == .countsOverAttendance }?.value == "11")
        #expect(placed.contains { $0 == (.unknownArticle, .line(4)) })
        #expect(placed.contains { $0 == (.voteTwice, .line(5)) })
        #expect(placed.contains { $0 == (.textMissing, .line(6)) })
        #expect(problems.contains { $0.kind == .otherConsultation && $0.value == "7" })
        #expect(!FileDebateReport.check(input, consultationID: 8, articleIDs: [11, 12]).contains { $0.kind == .otherConsultation })
    }

    @Test("the room's profile: CSV rows and JSON entries with a count are read, empty ones skipped, unknown answers and excess counts placed")
    func profile() {
        // setup
        let csv = DebateReportReader.read(Self.csv([
            "attendance,7,,,12,,,,,",
            "profile,7,,Sexe — Femme,6,,,,,sex:F",
            "profile,7,,Sexe — Homme,5,,,,,sex:M",
            "profile,7,,Tranche d'âge — 18-24 ans,,,,,,age:18-24",
            "profile,7,,,2,,,,,departement:69",
            "profile,7,,,1,,,,,age:12-17",
            "profile,7,,,2,,,,,sex:F",
            "profile,7,,,deux,,,,,diploma:bac",
        ]))
        let json = DebateReportReader.read(Array("""
            {"format":"contribuez-debate-report/1","consultation_id":7,"attendance":10,
             "profile":[{"question":"pcs","code":"cadres","label":"Cadres","count":4},{"question":"pcs","code":"ouvriers","count":null},
                        {"question":"pcs","code":"rentiers","count":1},{"question":"age","code":"25-34","count":-1}]}
            """.utf8))
        // act
        let checked = FileDebateReport.check(csv, consultationID: 7, articleIDs: [])
        // check: the CSV
        #expect(csv.profile.map(\.key) == ["sex:F", "sex:M", "sex:F"], "the empty count is not given; unknown answers are not kept")
        #expect(csv.profileOrigins == [.line(3), .line(4), .line(8)])
        let placed = csv.problems.map { ($0.kind, $0.place) }
        #expect(placed.contains { $0 == (.unknownProfile, .line(6)) }, "the département is not a question of a room's profile")
        #expect(placed.contains { $0 == (.unknownProfile, .line(7)) })
        #expect(placed.contains { $0 == (.notANumber, .line(9)) })
        #expect(checked.contains { $0.kind == .profileTwice && $0.place == .line(8) })
        #expect(!checked.contains { $0.kind == .profileOverAttendance },
                "6 + 5 people of 12: the repeated sex:F (2) is refused, not added")
        // the JSON
        #expect(json.profile == [DebateProfileCount(question: .pcs, code: "cadres", count: 4)])
        #expect(json.problems.map(\.kind).contains(.unknownProfile))
        #expect(json.problems.contains { $0.kind == .negative && $0.place == .path("profile[3].count") })
        // counts over the attendance for one question
        var over = DebateReportInput(source: .form, attendance: 10)
        over.profile = [DebateProfileCount(question: .age, code: "18-24", count: 7), DebateProfileCount(question: .age, code: "75+", count: 4),
                        DebateProfileCount(question: .sex, code: "F", count: 10)]
        let problems = FileDebateReport.check(over, consultationID: 7, articleIDs: [])
        #expect(problems.map(\.kind) == [.profileOverAttendance])
        #expect(problems.first?.value == "age" && problems.first?.limit == 10)
    }

    @Test("attachments are told by their first bytes: JPEG, PNG and PDF only, 10 MB each, 10 at most")
    func attachments() {
        // setup
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2]
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]
        let pdf = Array("%PDF-1.7\n".utf8)
        let html = Array("<html><script>alert(1)</script>".utf8)
        var problems: [DebateReportProblem] = []
        // act
        let kept = FileDebateReport.check([
            DebateAttachmentUpload(filename: "../../etc/a.jpg", bytes: jpeg), DebateAttachmentUpload(filename: "b.png", bytes: png),
            DebateAttachmentUpload(filename: "c.pdf", bytes: pdf), DebateAttachmentUpload(filename: "photo.jpg", bytes: html),
            DebateAttachmentUpload(filename: "big.jpg", bytes: jpeg + [UInt8](repeating: 0, count: DebateReportLimits.attachmentBytes)),
        ], problems: &problems)
        // check
        #expect(kept.map(\.type) == [.jpeg, .png, .pdf])
        #expect(kept[0].filename == "a.jpg", "no path is kept")
        #expect(problems.map(\.kind) == [.attachmentType, .attachmentTooLarge])
        #expect(problems.map(\.place) == [.file("photo.jpg"), .file("big.jpg")])
        var many: [DebateReportProblem] = []
        _ = FileDebateReport.check(Array(repeating: DebateAttachmentUpload(filename: "p.png", bytes: png), count: 11), problems: &many)
        #expect(many.map(\.kind) == [.tooManyAttachments])
    }
}
