import Foundation

// Debate reports (issue 15, items 3–5): what a local debate brings back once held. One report per debate, final once
// filed: its amendments and arguments enter the consultation as contributions (and its event chain), so changing the
// report afterwards would mean rewriting published history. A mistake is fixed by a moderator hiding a contribution,
// as for any other.

/// Limits of a report.
public enum DebateReportLimits {
    /// People in the room.
    public static let attendance = 1...100_000
    public static let synthesis = 0...20_000
    /// Amendments and arguments together.
    public static let items = 300
    public static let attachmentCount = 10
    /// Bytes per attachment (10 MB).
    public static let attachmentBytes = 10 * 1024 * 1024
    /// An attachment's name as shown (longer names are cut).
    public static let attachmentName = 120
    /// Bytes of a filled template (CSV or JSON).
    public static let templateBytes = 1024 * 1024
    /// A report may be filed until this long after the consultation closed: debates held in its last days need the time.
    public static let filingAfterClosing: TimeInterval = 30 * 86_400
}

/// The three show-of-hands counts of one article; nil where the room did not vote on that option.
public struct DebateArticleCount: Sendable, Equatable, Codable {
    public var articleID: ID
    public var agree: Int?
    public var mixed: Int?
    public var disagree: Int?

    public init(articleID: ID, agree: Int?, mixed: Int?, disagree: Int?) {
        self.articleID = articleID; self.agree = agree; self.mixed = mixed; self.disagree = disagree
    }

    public var total: Int { (agree ?? 0) + (mixed ?? 0) + (disagree ?? 0) }
    public var isEmpty: Bool { agree == nil && mixed == nil && disagree == nil }
}

/// How many people in the room gave one answer to one question of the profile questionnaire: the room's profile in
/// aggregate, never a person's. Optional in a report, question by question.
public struct DebateProfileCount: Sendable, Equatable, Codable {
    public var question: ProfileQuestion
    /// One of `question.codes`.
    public var code: String
    public var count: Int

    public init(question: ProfileQuestion, code: String, count: Int) { self.question = question; self.code = code; self.count = count }

    /// The questions a report may count: the questionnaire's, but the département (the debate's own place tells it).
    public static let questions: [ProfileQuestion] = ProfileQuestion.allCases.filter { $0 != .departement }

    /// The key a template writes for it: `age:25-34`.
    public var key: String { "\(question.rawValue):\(code)" }

    /// The count a key names, or nil when the question or the code is not one a report may count.
    public static func parse(key: String, count: Int) -> DebateProfileCount? {
        let parts = key.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let q = ProfileQuestion(rawValue: parts[0]), questions.contains(q), q.codes.contains(parts[1]) else { return nil }
        return DebateProfileCount(question: q, code: parts[1], count: count)
    }

    /// In the questionnaire's order: by question, then by code.
    public static func sorted(_ list: [DebateProfileCount]) -> [DebateProfileCount] {
        func rank(_ c: DebateProfileCount) -> (Int, Int) {
            (questions.firstIndex(of: c.question) ?? Int.max, c.question.codes.firstIndex(of: c.code) ?? Int.max)
        }
        return list.sorted { rank($0) < rank($1) }
    }
}

/// An amendment or an argument agreed in the room, with where it came from (a template's line or JSON path).
public struct DebateReportItem: Sendable, Equatable {
    public var articleID: ID?
    public var kind: ContributionKind
    /// Arguments only.
    public var stance: Stance?
    public var text: String
    public var origin: DebateReportProblem.Place?

    public init(articleID: ID?, kind: ContributionKind, stance: Stance? = nil, text: String, origin: DebateReportProblem.Place? = nil) {
        self.articleID = articleID; self.kind = kind; self.stance = stance; self.text = text; self.origin = origin
    }
}

/// How the report arrived.
public enum DebateReportSource: String, Sendable, Codable, CaseIterable {
    case form, csv, json
}

/// A report as filled in (form) or read from a template, before any check against the debate.
public struct DebateReportInput: Sendable, Equatable {
    public var source: DebateReportSource
    /// The consultation the template says it is for (nil from the form).
    public var consultationID: ID?
    public var attendance: Int?
    public var votes: [DebateArticleCount]
    /// Where each vote came from, in the same order (templates).
    public var voteOrigins: [DebateReportProblem.Place?]
    public var items: [DebateReportItem]
    public var synthesis: String
    /// The room's profile in aggregate (optional): only the counts given.
    public var profile: [DebateProfileCount]
    /// Where each profile count came from, in the same order.
    public var profileOrigins: [DebateReportProblem.Place?]
    /// Problems found while reading (not a number, a bad line…).
    public var problems: [DebateReportProblem]

    public init(
        source: DebateReportSource, consultationID: ID? = nil, attendance: Int?, votes: [DebateArticleCount] = [],
        voteOrigins: [DebateReportProblem.Place?] = [], items: [DebateReportItem] = [], synthesis: String = "",
        profile: [DebateProfileCount] = [], profileOrigins: [DebateReportProblem.Place?] = [], problems: [DebateReportProblem] = []
    ) {
        self.source = source; self.consultationID = consultationID; self.attendance = attendance; self.votes = votes
        self.voteOrigins = voteOrigins; self.items = items; self.synthesis = synthesis; self.profile = profile
        self.profileOrigins = profileOrigins; self.problems = problems
    }
}

/// A photo or scan of the paper sheets, as uploaded.
public struct DebateAttachmentUpload: Sendable, Equatable {
    public var filename: String
    public var bytes: [UInt8]

    public init(filename: String, bytes: [UInt8]) { self.filename = filename; self.bytes = bytes }
}

/// The accepted attachment types, told by their first bytes, never by the name or the browser's word.
public enum DebateAttachmentType: String, Sendable, Codable, CaseIterable {
    case jpeg = "image/jpeg", png = "image/png", pdf = "application/pdf"

    public static func sniff(_ bytes: [UInt8]) -> DebateAttachmentType? {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        if bytes.count >= 8, bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.count >= 5, bytes[0..<5].elementsEqual(Array("%PDF-".utf8)) { return .pdf }
        return nil
    }

    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .png: "png"
        case .pdf: "pdf"
        }
    }
}

/// One problem of a report, placed where it was found, for a message per line.
public struct DebateReportProblem: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        // The debate
        case notHappened = "not_happened", cancelled, alreadyFiled = "already_filed", filingClosed = "filing_closed"
        // The template as a file
        case encoding, emptyFile = "empty_file", header, columns, quoting, badJSON = "bad_json", format, tooLarge = "too_large"
        case unknownType = "unknown_type", unknownKey = "unknown_key"
        // Values
        case missingConsultation = "missing_consultation", otherConsultation = "other_consultation"
        case notANumber = "not_a_number", negative, attendanceRange = "attendance_range", attendanceMissing = "attendance_missing"
        case attendanceTwice = "attendance_twice", synthesisTwice = "synthesis_twice", synthesisTooLong = "synthesis_too_long"
        case unknownArticle = "unknown_article", missingArticle = "missing_article", voteTwice = "vote_twice"
        case countsOverAttendance = "counts_over_attendance", unknownStance = "unknown_stance"
        case textMissing = "text_missing", textTooShort = "text_too_short", textTooLong = "text_too_long", textInvalid = "text_invalid"
        case tooManyItems = "too_many_items"
        // The room's profile
        case unknownProfile = "unknown_profile", profileTwice = "profile_twice", profileOverAttendance = "profile_over_attendance"
        // Attachments
        case attachmentType = "attachment_type", attachmentTooLarge = "attachment_too_large", tooManyAttachments = "too_many_attachments"
        case attachmentEmpty = "attachment_empty"
    }

    /// Where in the input.
    public enum Place: Sendable, Equatable {
        /// A CSV line (1 is the header).
        case line(Int)
        /// A JSON path: `votes[2].agree`.
        case path(String)
        /// A form field.
        case field(String)
        /// An attachment, by its file name.
        case file(String)
    }

    public var kind: Kind
    public var place: Place?
    /// The value concerned (as typed), when it helps.
    public var value: String?
    /// A limit or a count (the attendance for `countsOverAttendance`, the maximum for lengths).
    public var limit: Int?

    public init(_ kind: Kind, at place: Place? = nil, value: String? = nil, limit: Int? = nil) {
        self.kind = kind; self.place = place; self.value = value; self.limit = limit
    }
}

/// A filed report, as pages and the open data show it.
public struct DebateReport: Sendable, Equatable {
    public struct Attachment: Sendable, Equatable {
        /// 1-based, in the order of upload.
        public var number: Int
        public var filename: String
        public var type: DebateAttachmentType
        public var size: Int

        public init(number: Int, filename: String, type: DebateAttachmentType, size: Int) {
            self.number = number; self.filename = filename; self.type = type; self.size = size
        }
    }

    public var debateID: ID
    public var consultationID: ID
    public var attendance: Int
    public var synthesis: String
    public var source: DebateReportSource
    public var filedAt: Date
    /// By article position.
    public var votes: [DebateArticleCount]
    /// The contributions it created, in order.
    public var contributionIDs: [ID]
    public var attachments: [Attachment]
    /// The room's profile in aggregate, in the questionnaire's order; empty when the organiser gave none.
    public var profile: [DebateProfileCount]

    public init(
        debateID: ID, consultationID: ID, attendance: Int, synthesis: String, source: DebateReportSource, filedAt: Date,
        votes: [DebateArticleCount], contributionIDs: [ID], attachments: [Attachment], profile: [DebateProfileCount] = []
    ) {
        self.debateID = debateID; self.consultationID = consultationID; self.attendance = attendance; self.synthesis = synthesis
        self.source = source; self.filedAt = filedAt; self.votes = votes; self.contributionIDs = contributionIDs; self.attachments = attachments
        self.profile = profile
    }
}

/// The show-of-hands counts of one article summed over the filed reports, never mixed with online votes.
public struct DebateVoteSum: Sendable, Equatable {
    public var agree: Int
    public var mixed: Int
    public var disagree: Int
    /// Reports that counted hands on this article.
    public var debates: Int

    public init(agree: Int, mixed: Int, disagree: Int, debates: Int) {
        self.agree = agree; self.mixed = mixed; self.disagree = disagree; self.debates = debates
    }

    public var total: Int { agree + mixed + disagree }
}

/// The rooms' profiles summed over a consultation's filed reports: per answer, the people counted; per question, the
/// reports that counted it. Rooms only: never mixed with the online participants' questionnaire.
public struct DebateProfileSums: Sendable, Equatable {
    /// In the questionnaire's order.
    public var counts: [DebateProfileCount]
    public var reports: [ProfileQuestion: Int]

    public init(counts: [DebateProfileCount], reports: [ProfileQuestion: Int]) {
        self.counts = DebateProfileCount.sorted(counts); self.reports = reports
    }

    public var isEmpty: Bool { counts.isEmpty }
}

/// Where a contribution came from, when a debate report created it.
public struct DebateOrigin: Sendable, Equatable {
    public var debateID: ID
    public var title: String
    public var organiserName: String
    public var startsAt: Date
    /// The commune, or nil for an online debate.
    public var commune: String?

    public init(debateID: ID, title: String, organiserName: String, startsAt: Date, commune: String?) {
        self.debateID = debateID; self.title = title; self.organiserName = organiserName; self.startsAt = startsAt; self.commune = commune
    }
}

/// The consultation page's report counts: debates held (ended, not cancelled), reports filed, and the difference.
public struct DebateReportCounts: Sendable, Equatable {
    public var held: Int
    public var filed: Int

    public init(held: Int, filed: Int) { self.held = held; self.filed = filed }

    public var missing: Int { max(0, held - filed) }
}

/// A report ready to store: checked, its contributions written out.
public struct NewDebateReport: Sendable {
    public var debateID: ID
    public var consultationID: ID
    public var filedBy: ID?
    public var attendance: Int
    public var synthesis: String
    public var source: DebateReportSource
    public var filedAt: Date
    public var votes: [DebateArticleCount]
    public var contributions: [NewContribution]
    /// Held for a moderator (`a_priori` consultations).
    public var held: Bool
    public var attachments: [(filename: String, type: DebateAttachmentType, bytes: [UInt8])]
    /// Set when staff filed it for the organiser.
    public var audit: AuditEntry?
    /// The room's profile in aggregate, in the questionnaire's order.
    public var profile: [DebateProfileCount]

    public init(
        debateID: ID, consultationID: ID, filedBy: ID?, attendance: Int, synthesis: String, source: DebateReportSource, filedAt: Date,
        votes: [DebateArticleCount], contributions: [NewContribution], held: Bool,
        attachments: [(filename: String, type: DebateAttachmentType, bytes: [UInt8])], audit: AuditEntry?,
        profile: [DebateProfileCount] = []
    ) {
        self.debateID = debateID; self.consultationID = consultationID; self.filedBy = filedBy; self.attendance = attendance
        self.synthesis = synthesis; self.source = source; self.filedAt = filedAt; self.votes = votes; self.contributions = contributions
        self.held = held; self.attachments = attachments; self.audit = audit; self.profile = profile
    }
}

/// What storing a report did.
public enum DebateReportFiling: Sendable, Equatable {
    case filed(DebateReport)
    /// A report was already there (two submissions racing: the primary key decided): nothing stored.
    case alreadyFiled
}

/// Storage of debate reports. `DebateStore` inherits it.
public protocol DebateReportStore: Sendable {
    /// Stores the report, its counts, its contributions (through the same path as any contribution: event log, chain,
    /// moderation state), their link to the debate, its attachments and the audit entry, in one transaction: all or nothing.
    func fileDebateReport(_ new: NewDebateReport) async throws -> DebateReportFiling
    func debateReport(debateID: ID) async throws -> DebateReport?
    /// One attachment's bytes.
    func debateReportAttachment(debateID: ID, number: Int) async throws -> (DebateReport.Attachment, [UInt8])?
    /// Per article of the consultation, the show-of-hands counts summed over filed reports.
    func debateVoteSums(consultationID: ID) async throws -> [ID: DebateVoteSum]
    func debateReportCounts(consultationID: ID, at: Date) async throws -> DebateReportCounts
    /// The rooms' profiles summed over the consultation's filed reports.
    func debateProfileSums(consultationID: ID) async throws -> DebateProfileSums
    /// The debate each of these contributions came from, for those a report created.
    func debateOrigins(contributionIDs: [ID]) async throws -> [ID: DebateOrigin]
}

/// Files the report of a debate that has happened: its organiser, or a moderator or organiser of the consultation
/// (staff: audited). Every problem is reported at once, each placed; nothing is stored unless all is well.
public struct FileDebateReport: Sendable {
    public enum Result: Sendable, Equatable {
        case done(DebateReport)
        case invalid([DebateReportProblem])
        case refused(RefusalReason)
        case notFound
    }

    public var actor: Actor?
    public var debateID: ID
    public var input: DebateReportInput
    public var attachments: [DebateAttachmentUpload]

    public init(actor: Actor?, debateID: ID, input: DebateReportInput, attachments: [DebateAttachmentUpload]) {
        self.actor = actor; self.debateID = debateID; self.input = input; self.attachments = attachments
    }

    /// Whether the actor may file (or see the form for) this debate's report: its organiser, or staff who moderate.
    public static func mayFile(_ actor: Actor?, _ debate: Debate, _ c: Consultation, at now: Date) -> Decision {
        guard actor != nil else { return .refused(.notSignedIn) }
        if DebateRights.isOrganiser(actor, of: debate) { return Permissions.can(actor, .read, on: c, at: now) }
        return Permissions.can(actor, .moderate, on: c, at: now)
    }

    /// The debate's own state: happened, not cancelled, within the filing window.
    public static func debateProblem(_ debate: Debate, _ c: Consultation, at now: Date) -> DebateReportProblem? {
        if debate.isCancelled { return DebateReportProblem(.cancelled) }
        if !debate.hasStarted(at: now) { return DebateReportProblem(.notHappened) }
        if now > c.closesAt + DebateReportLimits.filingAfterClosing { return DebateReportProblem(.filingClosed) }
        return nil
    }

    public func run(_ ctx: CommandContext) async throws -> Result {
        guard let (row, c) = try await DebateLookup.find(ctx, actor, debateID) else { return .notFound }
        let now = ctx.clock.now()
        if case .refused(let r) = Self.mayFile(actor, row.debate, c, at: now) { return .refused(r) }
        guard let actor else { return .refused(.notSignedIn) }
        let d = row.debate
        if let p = Self.debateProblem(d, c, at: now) { return .invalid([p]) }
        if try await ctx.store.debateReport(debateID: d.id) != nil { return .invalid([DebateReportProblem(.alreadyFiled)]) }
        let articles = try await ctx.store.articles(consultationID: c.id)
        var problems = Self.check(input, consultationID: c.id, articleIDs: Set(articles.map(\.id)))
        let files = Self.check(attachments, problems: &problems)
        guard problems.isEmpty, let attendance = input.attendance else { return .invalid(problems) }
        let order = Dictionary(uniqueKeysWithValues: articles.map { ($0.id, $0.position) })
        let votes = input.votes.filter { !$0.isEmpty }.sorted { (order[$0.articleID] ?? 0, $0.articleID) < (order[$1.articleID] ?? 0, $1.articleID) }
        let contributions = input.items.map { item in
            NewContribution(
                consultationID: c.id, kind: item.kind, articleID: item.articleID, parentID: nil, authorID: d.organiserID,
                authorName: d.organiserName, body: Validate.clean(item.text), stance: item.kind == .argument ? item.stance : nil, createdAt: now)
        }
        var audit: AuditEntry?
        if !DebateRights.isOrganiser(actor, of: d) {
            audit = try await Audit.entry(ctx, actor: actor, consultationID: c.id, .fileDebateReport, target: "debate", d.id, detail: d.title)
        }
        let new = NewDebateReport(
            debateID: d.id, consultationID: c.id, filedBy: actor.participantID, attendance: attendance, synthesis: Validate.clean(input.synthesis),
            source: input.source, filedAt: now, votes: votes, contributions: contributions, held: c.settings.moderation == .aPriori,
            attachments: files, audit: audit, profile: DebateProfileCount.sorted(input.profile))
        switch try await ctx.store.fileDebateReport(new) {
        case .filed(let report): return .done(report)
        case .alreadyFiled: return .invalid([DebateReportProblem(.alreadyFiled)])
        }
    }

    /// Every problem of the input against the consultation: its own reading problems first, then the values.
    public static func check(_ input: DebateReportInput, consultationID: ID, articleIDs: Set<ID>) -> [DebateReportProblem] {
        var problems = input.problems
        if input.source != .form {
            if let id = input.consultationID, id != consultationID {
                problems.append(DebateReportProblem(.otherConsultation, value: "\(id)", limit: Int(consultationID)))
            }
        }
        let attendance = input.attendance
        if let n = attendance {
            if !DebateReportLimits.attendance.contains(n) {
                problems.append(DebateReportProblem(.attendanceRange, at: input.source == .form ? .field("attendance") : nil, value: "\(n)",
                                                    limit: DebateReportLimits.attendance.upperBound))
            }
        } else if !problems.contains(where: { $0.kind == .attendanceMissing || ($0.kind == .notANumber && $0.place == .field("attendance")) }) {
            problems.append(DebateReportProblem(.attendanceMissing, at: input.source == .form ? .field("attendance") : nil))
        }
        var seen: Set<ID> = []
        for (i, v) in input.votes.enumerated() {
            let place = i < input.voteOrigins.count ? input.voteOrigins[i] : nil
            if !articleIDs.contains(v.articleID) {
                problems.append(DebateReportProblem(.unknownArticle, at: place, value: "\(v.articleID)")); continue
            }
            if !seen.insert(v.articleID).inserted { problems.append(DebateReportProblem(.voteTwice, at: place, value: "\(v.articleID)")); continue }
            if let attendance, v.total > attendance {
                problems.append(DebateReportProblem(.countsOverAttendance, at: place, value: "\(v.total)", limit: attendance))
            }
        }
        var given: Set<String> = [], perQuestion: [ProfileQuestion: Int] = [:]
        for (i, p) in input.profile.enumerated() {
            let place = i < input.profileOrigins.count ? input.profileOrigins[i] : nil
            guard DebateProfileCount.parse(key: p.key, count: p.count) != nil else {
                problems.append(DebateReportProblem(.unknownProfile, at: place, value: p.key)); continue
            }
            if p.count < 0 { problems.append(DebateReportProblem(.negative, at: place, value: "\(p.count)")); continue }
            if !given.insert(p.key).inserted { problems.append(DebateReportProblem(.profileTwice, at: place, value: p.key)); continue }
            perQuestion[p.question, default: 0] += p.count
        }
        if let attendance {
            // NB: the people who did not answer a question are the attendance less its counts, so the counts cannot exceed it.
            for q in DebateProfileCount.questions {
                if let sum = perQuestion[q], sum > attendance {
                    problems.append(DebateReportProblem(.profileOverAttendance, value: q.rawValue, limit: attendance))
                }
            }
        }
        if input.items.count > DebateReportLimits.items {
            problems.append(DebateReportProblem(.tooManyItems, value: "\(input.items.count)", limit: DebateReportLimits.items))
        }
        for item in input.items {
            if let id = item.articleID {
                if !articleIDs.contains(id) { problems.append(DebateReportProblem(.unknownArticle, at: item.origin, value: "\(id)")) }
            } else {
                problems.append(DebateReportProblem(.missingArticle, at: item.origin))
            }
            if item.kind == .argument && item.stance == nil { problems.append(DebateReportProblem(.unknownStance, at: item.origin)) }
            let limits = item.kind == .amendment ? Limits.amendmentText : Limits.argumentText
            var errors: [FieldError] = []
            Validate.text(Validate.clean(item.text), field: "text", limits: limits, errors: &errors)
            for e in errors {
                let kind: DebateReportProblem.Kind = switch e.rule {
                case .required: .textMissing
                case .tooShort: .textTooShort
                case .tooLong: .textTooLong
                default: .textInvalid
                }
                problems.append(DebateReportProblem(kind, at: item.origin, limit: e.limit))
            }
        }
        let synthesis = Validate.clean(input.synthesis)
        var errors: [FieldError] = []
        Validate.text(synthesis, field: "synthesis", limits: DebateReportLimits.synthesis, errors: &errors)
        if !errors.isEmpty {
            problems.append(DebateReportProblem(
                errors[0].rule == .tooLong ? .synthesisTooLong : .textInvalid, at: input.source == .form ? .field("synthesis") : nil,
                limit: DebateReportLimits.synthesis.upperBound))
        }
        return problems
    }

    /// The attachments' types (by their first bytes) and sizes; problems are appended, the accepted files returned.
    public static func check(_ files: [DebateAttachmentUpload], problems: inout [DebateReportProblem]) -> [(filename: String, type: DebateAttachmentType, bytes: [UInt8])] {
        var out: [(filename: String, type: DebateAttachmentType, bytes: [UInt8])] = []
        if files.count > DebateReportLimits.attachmentCount {
            problems.append(DebateReportProblem(.tooManyAttachments, value: "\(files.count)", limit: DebateReportLimits.attachmentCount))
        }
        for f in files {
            let name = safeName(f.filename)
            if f.bytes.isEmpty { problems.append(DebateReportProblem(.attachmentEmpty, at: .file(name))); continue }
            if f.bytes.count > DebateReportLimits.attachmentBytes {
                problems.append(DebateReportProblem(.attachmentTooLarge, at: .file(name), value: "\(f.bytes.count)", limit: DebateReportLimits.attachmentBytes))
                continue
            }
            guard let type = DebateAttachmentType.sniff(f.bytes) else { problems.append(DebateReportProblem(.attachmentType, at: .file(name))); continue }
            out.append((name, type, f.bytes))
        }
        return out
    }

    /// A file name fit to show and to offer back: no path, no control characters or quotes, at most 120 characters.
    public static func safeName(_ raw: String) -> String {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let cleaned = String(last.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F && $0 != "\"" && $0 != ";" }.map(Character.init))
            .trimmingCharacters(in: .whitespaces)
        let cut = String(cleaned.prefix(DebateReportLimits.attachmentName))
        return cut.isEmpty ? "piece" : cut
    }
}
