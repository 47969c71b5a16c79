import ArgumentParser
import ContribuezCore
import ContribuezStore
import Foundation

/// `contribuez import version`: a new version of a consultation's text from Markdown (the draft
/// format), and optionally the uptake of contributions in bulk from a mapping file.
struct ImportVersion: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Publish a new version of a consultation's text from a Markdown file (same format as the draft).",
        discussion: """
            Articles are matched to the previous version by number; declare renumbered ones with --renumber "11 bis:12,13:14".
            --uptake FILE records what became of contributions, one line each (blank lines and # comments ignored):
              1234 -> 5                      taken up in article 5 of this version
              1234 -> not taken up: reason   recorded as not taken up, with the reason
            ("→" may replace "->"). Every line is checked before anything is written.
            """)
    @OptionGroup var db: DatabaseOptions
    @Argument(help: "The consultation's id.") var consultation: Int64
    @Argument(help: "The Markdown file of the new version.") var file: String
    @Option(help: "The version's label, e.g. \"v1 — projet de loi déposé\".") var label: String
    @Option(help: "Publication date, YYYY-MM-DD (default: today).") var date: String?
    @Option(help: "Renumbered articles: old:new, comma-separated.") var renumber: String?
    @Option(help: "Mapping file: contribution id -> article number, or -> not taken up: reason.") var uptake: String?

    enum Line: Equatable {
        case takenUp(ID, String)
        case notTakenUp(ID, String)
    }

    /// Parses the mapping file; the error names the line.
    static func parseMapping(_ text: String) throws -> [Line] {
        var out: [Line] = []
        for (i, raw) in text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.replacingOccurrences(of: "→", with: "->").components(separatedBy: "->")
            guard parts.count == 2, let id = Int64(parts[0].trimmingCharacters(in: .whitespaces)), id > 0 else {
                throw ValidationError("line \(i + 1) of the mapping file: expected \"CONTRIBUTION_ID -> ARTICLE\" or \"CONTRIBUTION_ID -> not taken up: reason\"")
            }
            let target = parts[1].trimmingCharacters(in: .whitespaces)
            let lower = target.lowercased()
            if let prefix = ["not taken up:", "non reprise :", "non reprise:", "non repris :", "non repris:"].first(where: { lower.hasPrefix($0) }) {
                let reason = String(target.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
                guard !reason.isEmpty else { throw ValidationError("line \(i + 1) of the mapping file: a reason is needed after \"not taken up:\"") }
                out.append(.notTakenUp(id, reason))
            } else {
                guard !target.isEmpty else { throw ValidationError("line \(i + 1) of the mapping file: no article number") }
                out.append(.takenUp(id, target))
            }
        }
        return out
    }

    func run() async throws {
        guard let bytes = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
        var publishedAt: Date?
        if let date {
            guard let d = CalendarDay.parse(date) else { throw ValidationError("--date must be YYYY-MM-DD") }
            publishedAt = d
        }
        var renumbering: [String: String] = [:]
        if let renumber {
            guard let r = PublishTextVersion.parseRenumbering(renumber) else { throw ValidationError("--renumber must read old:new, comma-separated") }
            renumbering = r
        }
        var mapping: [Line] = []
        if let uptake {
            guard let data = FileManager.default.contents(atPath: uptake), let text = String(data: data, encoding: .utf8) else {
                throw ValidationError("cannot read \(uptake) as UTF-8 text")
            }
            mapping = try Self.parseMapping(text)
        }
        let store = try await db.open()
        guard try await store.consultation(id: consultation) != nil else { throw ValidationError("no consultation \(consultation)") }
        // Every contribution of the mapping must belong to this consultation, before anything is written.
        for line in mapping {
            let id: ID
            switch line { case .takenUp(let i, _), .notTakenUp(let i, _): id = i }
            guard let c = try await store.contribution(id: id), c.consultationID == consultation else {
                throw ValidationError("contribution \(id) of the mapping file is not in consultation \(consultation)")
            }
        }
        let ctx = CommandContext(store: store, clock: SystemClock(), hasher: NoHasher())
        let version: TextVersion
        switch try await PublishTextVersion(
            actor: nil, consultationID: consultation, label: label, publishedAt: publishedAt, markdown: Array(bytes), renumbering: renumbering,
            fromCommandLine: true).run(ctx) {
        case .done(let v): version = v
        case .invalid(let errors):
            throw ValidationError("nothing was written:\n" + errors.map(Self.describe).joined(separator: "\n"))
        case .notFound: throw ValidationError("no consultation \(consultation)")
        case .refused(let r): throw ValidationError("refused: \(r.rawValue)")
        case .conflict(let c): throw ValidationError("conflict: \(c.rawValue)")
        }
        let count = try await store.articleVersions(versionID: version.id).count
        print("published version \(version.position) \"\(version.label)\" of consultation \(consultation): \(count) articles (id \(version.id))")
        var recorded = 0
        for line in mapping {
            let outcome: Outcome<UptakeRecord>
            switch line {
            case .takenUp(let id, let n):
                outcome = try await RecordUptake(actor: nil, contributionID: id, uptake: .takenUp(versionID: version.id, articleNumber: n), fromCommandLine: true).run(ctx)
            case .notTakenUp(let id, let r):
                outcome = try await RecordUptake(actor: nil, contributionID: id, uptake: .notTakenUp(reason: r), fromCommandLine: true).run(ctx)
            }
            switch outcome {
            case .done: recorded += 1
            case .invalid(let errors): print("skipped \(line): " + errors.map(Self.describe).joined(separator: "; "))
            default: print("skipped \(line)")
            }
        }
        if uptake != nil { print("recorded the uptake of \(recorded) of \(mapping.count) contributions") }
    }

    static func describe(_ e: FieldError) -> String {
        var s = "\(e.field): \(e.rule.rawValue)"
        if let line = e.line { s += " at line \(line)" }
        if let other = e.otherLine { s += " (first at line \(other))" }
        if let v = e.value { s += " [\(v)]" }
        return s
    }
}

/// The command line hashes no password.
struct NoHasher: PasswordHasher {
    func hash(_ password: String) async -> String { "" }
    func verify(_ password: String, against hash: String) async -> Bool { false }
}
