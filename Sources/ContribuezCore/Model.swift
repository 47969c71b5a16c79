import Foundation

/// Row identifiers are 64-bit integers assigned by the store.
public typealias ID = Int64

/// The life cycle of a consultation. Only `open` accepts votes and contributions.
public enum Phase: String, Sendable, Codable, CaseIterable {
    case draft, open, closed
}

/// Who a participant speaks for. Organisations show their name next to the person's.
public enum ParticipantKind: String, Sendable, Codable, CaseIterable {
    case citizen, company, association, publicBody = "public_body"

    /// Organisations must give the name of the body they speak for.
    public var isOrganisation: Bool { self != .citizen }
}

/// What a participant may do on the whole instance, beyond taking part. Per-consultation work is
/// given by `ConsultationRole`.
public enum Role: String, Sendable, Codable, CaseIterable {
    /// Takes part; may be given roles on consultations.
    case participant
    /// Works for the institution: may create consultations (and becomes organiser of those).
    case organiser
    /// Runs the instance: every action on every consultation, roles, the whole audit trail.
    case admin
}

/// A role on one consultation, given and taken back by admins and that consultation's organisers.
public enum ConsultationRole: String, Sendable, Codable, CaseIterable {
    /// Edits settings and text, publishes, closes, gives roles; also moderates and answers.
    case organiser
    /// Works the moderation queue: hides, restores, approves, rejects.
    case moderator
    /// Gives the institution's official answers.
    case answerer
}

/// When a new contribution becomes public.
public enum ModerationMode: String, Sendable, Codable, CaseIterable {
    /// Published at once; reports and moderators may hide it afterwards.
    case aPosteriori = "a_posteriori"
    /// Held until a moderator approves it.
    case aPriori = "a_priori"
}

/// One exercise: a draft text, phases with dates, rules.
public struct Consultation: Sendable, Equatable, Codable {
    public var id: ID
    public var slug: String
    public var title: String
    public var summary: String
    public var institution: String
    /// `false` while the organisers prepare it: the public does not see it.
    public var isPublished: Bool
    public var opensAt: Date
    public var closesAt: Date
    /// Participant kinds allowed to write; empty means everyone.
    public var allowedKinds: Set<ParticipantKind>
    /// Free text describing where the content and counters came from (imports).
    public var provenance: String?
    public var settings: ConsultationSettings
    /// Set when an organiser closed it before its planned date: shown on the consultation page.
    public var closedEarlyReason: String?

    public init(
        id: ID, slug: String, title: String, summary: String, institution: String,
        isPublished: Bool, opensAt: Date, closesAt: Date,
        allowedKinds: Set<ParticipantKind> = [], provenance: String? = nil,
        settings: ConsultationSettings = .init(), closedEarlyReason: String? = nil
    ) {
        self.id = id; self.slug = slug; self.title = title; self.summary = summary
        self.institution = institution; self.isPublished = isPublished
        self.opensAt = opensAt; self.closesAt = closesAt
        self.allowedKinds = allowedKinds; self.provenance = provenance
        self.settings = settings; self.closedEarlyReason = closedEarlyReason
    }

    /// The phase at a given instant: dates decide, publication gates.
    public func phase(at now: Date) -> Phase {
        if !isPublished || now < opensAt { return .draft }
        if now >= closesAt { return .closed }
        return .open
    }
}

/// The rules an organiser sets on a consultation besides its dates.
public struct ConsultationSettings: Sendable, Equatable, Codable {
    public var moderation: ModerationMode
    /// Votes a contribution needs by closing time for the institution to owe it an answer.
    public var answerThreshold: Int
    /// Days after closing by which those answers are due.
    public var answerDeadlineDays: Int
    /// Distinct reports that hide a contribution until a moderator reviews it.
    public var reportThreshold: Int

    public static let answerThresholdRange = 1...1_000_000
    public static let answerDeadlineRange = 1...730
    public static let reportThresholdRange = 1...100

    public init(moderation: ModerationMode = .aPosteriori, answerThreshold: Int = 100, answerDeadlineDays: Int = 60, reportThreshold: Int = 3) {
        self.moderation = moderation; self.answerThreshold = answerThreshold
        self.answerDeadlineDays = answerDeadlineDays; self.reportThreshold = reportThreshold
    }
}

/// A title / chapter / section of the draft text.
public struct Section: Sendable, Equatable, Codable {
    public var id: ID
    public var consultationID: ID
    public var position: Int
    public var title: String
    public var subtitle: String
    /// Heading level: 1 title, 2 chapter, 3 section; 0 for the untitled group of articles before any heading.
    public var level: Int

    public init(id: ID, consultationID: ID, position: Int, title: String, subtitle: String, level: Int = 1) {
        self.id = id; self.consultationID = consultationID; self.position = position
        self.title = title; self.subtitle = subtitle; self.level = level
    }
}

/// One article of the consulted text.
public struct Article: Sendable, Equatable, Codable {
    public var id: ID
    public var consultationID: ID
    public var sectionID: ID
    public var position: Int
    /// As printed: "1", "2 bis"…
    public var number: String
    public var title: String
    /// Markdown, rendered without raw HTML.
    public var body: String
    /// « Exposé des motifs ».
    public var explanation: String
    /// « Droit en vigueur »: the text of the law in force that the article changes, as plain text ("" when the
    /// article creates new law or nobody entered it). Shown before the article's text, never merged with it.
    public var currentLaw: String
    /// Counters carried over from another platform, shown as such, never mixed with live votes.
    public var importedTally: Tally?

    public init(
        id: ID, consultationID: ID, sectionID: ID, position: Int, number: String, title: String,
        body: String, explanation: String, currentLaw: String = "", importedTally: Tally? = nil
    ) {
        self.id = id; self.consultationID = consultationID; self.sectionID = sectionID
        self.position = position; self.number = number; self.title = title
        self.body = body; self.explanation = explanation; self.currentLaw = currentLaw; self.importedTally = importedTally
    }
}

/// An account.
public struct Participant: Sendable, Equatable, Codable {
    public var id: ID
    /// Nil for participants imported from another platform (they cannot sign in).
    public var email: String?
    public var displayName: String
    public var kind: ParticipantKind
    public var organization: String?
    public var role: Role
    public var createdAt: Date

    public init(
        id: ID, email: String?, displayName: String, kind: ParticipantKind, organization: String?,
        role: Role = .participant, createdAt: Date
    ) {
        self.id = id; self.email = email; self.displayName = displayName; self.kind = kind
        self.organization = organization; self.role = role; self.createdAt = createdAt
    }

    /// The name shown next to what they wrote: "Name (Organisation)" for organisations.
    public var publicName: String {
        if let organization, kind.isOrganisation { return "\(displayName) (\(organization))" }
        return displayName
    }
}

/// The kinds of contribution a participant can write.
public enum ContributionKind: String, Sendable, Codable, CaseIterable {
    /// A replacement wording for one article, with a rationale.
    case amendment
    /// A new article or idea.
    case proposal
    /// For or against an article, proposal or amendment.
    case argument
    /// A link with a title and a summary.
    case source

    /// Amendments and proposals take agree / mixed / disagree; arguments and sources take "useful".
    public var votingScale: VotingScale { self == .argument || self == .source ? .usefulness : .opinion }
}

public enum Stance: String, Sendable, Codable, CaseIterable {
    case `for`, against
}

/// Anything that can be voted on or argued about.
public enum Target: Sendable, Hashable, Codable {
    case article(ID)
    case contribution(ID)

    public var kindName: String {
        switch self {
        case .article: return "article"
        case .contribution: return "contribution"
        }
    }

    public var id: ID {
        switch self {
        case .article(let id), .contribution(let id): return id
        }
    }
}

/// A contribution: amendment, proposal, argument or source.
public struct Contribution: Sendable, Equatable, Codable {
    public var id: ID
    public var consultationID: ID
    public var kind: ContributionKind
    /// The article it is about (amendments, and arguments/sources on an article).
    public var articleID: ID?
    /// The contribution it is about (arguments/sources on a proposal or an amendment).
    public var parentID: ID?
    /// Nil for imported contributions whose author has no account here.
    public var authorID: ID?
    /// The public name shown: the author's, or the pseudonym of an imported author.
    public var authorName: String
    public var title: String
    /// Amendment: the new wording; proposal: its text; argument: its text; source: its summary.
    public var body: String
    /// Amendment only.
    public var rationale: String
    /// Argument only.
    public var stance: Stance?
    /// Source only.
    public var url: String?
    public var createdAt: Date
    public var importedTally: Tally?
    /// Not shown to the public: hidden by moderation or by reports, held for approval, or rejected.
    public var isHidden: Bool
    /// Published, held for a moderator (`a_priori`), or rejected.
    public var status: ContributionStatus
    /// Why and when it was hidden, when it is (nil for items hidden on the platform they were imported from).
    public var hidden: HiddenNote?
    /// Set when its author deleted their account and chose to delete their contributions: the texts are
    /// empty and pages show « Contribution supprimée par son auteur » where it stood (issue 12).
    public var erasedAt: Date?

    public init(
        id: ID, consultationID: ID, kind: ContributionKind, articleID: ID?, parentID: ID?,
        authorID: ID?, authorName: String, title: String, body: String, rationale: String = "",
        stance: Stance? = nil, url: String? = nil, createdAt: Date, importedTally: Tally? = nil,
        isHidden: Bool = false, status: ContributionStatus = .published, hidden: HiddenNote? = nil, erasedAt: Date? = nil
    ) {
        self.id = id; self.consultationID = consultationID; self.kind = kind
        self.articleID = articleID; self.parentID = parentID; self.authorID = authorID
        self.authorName = authorName; self.title = title; self.body = body
        self.rationale = rationale; self.stance = stance; self.url = url
        self.createdAt = createdAt; self.importedTally = importedTally; self.isHidden = isHidden
        self.status = status; self.hidden = hidden; self.erasedAt = erasedAt
    }

    /// Shown in full to the public: published, not hidden, not erased by its author.
    public var isPublic: Bool { status == .published && !isHidden && erasedAt == nil }
}

/// Where a contribution stands with moderation.
public enum ContributionStatus: String, Sendable, Codable, CaseIterable {
    case published, pending, rejected
}

/// The public trace of a hidden contribution: « Masqué par la modération le … : motif ».
public struct HiddenNote: Sendable, Equatable, Codable {
    public var at: Date
    public var reason: ModerationReason
    /// Hidden automatically by reports, pending a moderator's review.
    public var byReports: Bool

    public init(at: Date, reason: ModerationReason, byReports: Bool) {
        self.at = at; self.reason = reason; self.byReports = byReports
    }
}

/// The two vote scales.
public enum VotingScale: Sendable {
    /// d'accord / mitigé / pas d'accord
    case opinion
    /// utile
    case usefulness

    public func accepts(_ value: VoteValue) -> Bool {
        switch self {
        case .opinion: return value != .useful
        case .usefulness: return value == .useful
        }
    }
}

public enum VoteValue: String, Sendable, Codable, CaseIterable {
    case agree, mixed, disagree, useful
}

/// Counts shown to users.
public struct Tally: Sendable, Equatable, Codable {
    public var agree: Int
    public var mixed: Int
    public var disagree: Int
    public var useful: Int

    public init(agree: Int = 0, mixed: Int = 0, disagree: Int = 0, useful: Int = 0) {
        self.agree = agree; self.mixed = mixed; self.disagree = disagree; self.useful = useful
    }

    public var opinionTotal: Int { agree + mixed + disagree }

    public static let zero = Tally()

    /// Lower bound of the Wilson score interval (95 %) for the share of "agree" among opinion votes.
    /// Ranking by it rather than by raw counts keeps 3 votes out of 3 below 900 out of 1,000,
    /// and does not reward whoever mobilises most. For "useful" votes, which have no negative,
    /// the ranking falls back to the count.
    public var wilsonLowerBound: Double {
        let n = Double(opinionTotal)
        guard n > 0 else { return 0 }
        let z = 1.959963984540054
        let p = Double(agree) / n
        let z2 = z * z
        let centre = p + z2 / (2 * n)
        let margin = z * ((p * (1 - p) + z2 / (4 * n)) / n).squareRoot()
        return max(0, (centre - margin) / (1 + z2 / n))
    }

    public static func + (a: Tally, b: Tally) -> Tally {
        Tally(agree: a.agree + b.agree, mixed: a.mixed + b.mixed, disagree: a.disagree + b.disagree, useful: a.useful + b.useful)
    }

    public mutating func add(_ value: VoteValue, _ delta: Int = 1) {
        switch value {
        case .agree: agree += delta
        case .mixed: mixed += delta
        case .disagree: disagree += delta
        case .useful: useful += delta
        }
    }
}

/// A live vote.
public struct Vote: Sendable, Equatable, Codable {
    public var participantID: ID
    public var target: Target
    public var value: VoteValue
    public var castAt: Date

    public init(participantID: ID, target: Target, value: VoteValue, castAt: Date) {
        self.participantID = participantID; self.target = target; self.value = value; self.castAt = castAt
    }
}

/// One page of a long list.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var page: Int
    public var perPage: Int
    public var total: Int

    public init(items: [Item], page: Int, perPage: Int, total: Int) {
        self.items = items; self.page = page; self.perPage = perPage; self.total = total
    }

    public var pageCount: Int { max(1, (total + perPage - 1) / perPage) }
    public var hasNext: Bool { page < pageCount }
    public var hasPrevious: Bool { page > 1 }
}

/// Requested page, clamped to sane bounds.
public struct PageRequest: Sendable, Equatable {
    public var page: Int
    public var perPage: Int

    public static let maxPerPage = 100
    /// Past it the offset could overflow (schemathesis sent page=2^57: the multiplication trapped and the node died).
    public static let maxPage = 1_000_000_000

    public init(page: Int = 1, perPage: Int = 20) {
        self.page = min(Self.maxPage, max(1, page))
        self.perPage = min(Self.maxPerPage, max(1, perPage))
    }

    public var offset: Int { (page - 1) * perPage }
}
