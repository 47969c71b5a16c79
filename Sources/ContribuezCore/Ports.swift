import Foundation

/// Time comes through this port so tests are deterministic (DESIGN.md invariant 6).
public protocol Clock: Sendable {
    func now() -> Date
}

public struct SystemClock: Clock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock tests can set and move.
public final class FixedClock: Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    public init(_ date: Date) { current = date }
    public func now() -> Date { lock.withLock { current } }
    public func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }
    public func set(_ date: Date) { lock.withLock { current = date } }
}

/// Random secrets (session tokens, CSRF tokens): at least 128 bits from a CSPRNG.
public protocol SecretGenerator: Sendable {
    /// A URL-safe random string carrying `bytes` bytes of entropy.
    func secret(bytes: Int) -> String
}

public struct SystemSecretGenerator: SecretGenerator {
    public init() {}
    public func secret(bytes: Int = 32) -> String {
        // NB: SystemRandomNumberGenerator reads the OS CSPRNG (getrandom on Linux).
        var rng = SystemRandomNumberGenerator()
        let raw = (0..<max(16, bytes)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return Data(raw).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// Password hashing is slow on purpose; implemented with bcrypt by the web layer.
public protocol PasswordHasher: Sendable {
    func hash(_ password: String) async -> String
    func verify(_ password: String, against hash: String) async -> Bool
}

/// What a store reports when the database refuses a write for a reason the user caused.
public enum StoreError: Error, Equatable, Sendable {
    case duplicateEmail
    /// The participant already reported this contribution.
    case duplicateReport
    case notFound
    /// A constraint failed: the message says which (for logs, never shown raw).
    case constraint(String)
}

/// How a vote changed the live state.
public enum VoteChange: Sendable, Equatable {
    case created
    case changed(from: VoteValue)
    case unchanged
}

/// Filters and order for listing contributions.
public struct ContributionQuery: Sendable, Equatable {
    public enum Order: String, Sendable, CaseIterable {
        /// Wilson lower bound of agreement (opinion scale) or "useful" count, then recency.
        case supported
        case recent
    }
    public var consultationID: ID?
    public var articleID: ID?
    public var parentID: ID?
    /// With `articleID`, only those attached to the article itself (not to its amendments).
    public var directOnly: Bool
    public var kind: ContributionKind?
    public var stance: Stance?
    public var authorID: ID?
    public var includeHidden: Bool
    /// Keeps published items hidden by moderation in the list, at their place, to be shown as a
    /// placeholder (« Masqué par la modération… »). Held and rejected items never appear.
    public var placeholders: Bool
    public var order: Order

    public init(
        consultationID: ID? = nil, articleID: ID? = nil, parentID: ID? = nil, directOnly: Bool = true,
        kind: ContributionKind? = nil, stance: Stance? = nil, authorID: ID? = nil,
        includeHidden: Bool = false, placeholders: Bool = false, order: Order = .supported
    ) {
        self.consultationID = consultationID; self.articleID = articleID; self.parentID = parentID
        self.directOnly = directOnly; self.kind = kind; self.stance = stance; self.authorID = authorID
        self.includeHidden = includeHidden; self.placeholders = placeholders; self.order = order
    }
}

/// A contribution with its live tally, as lists show it.
public struct ContributionRow: Sendable, Equatable {
    public var contribution: Contribution
    public var tally: Tally
    /// Arguments, sources and amendments attached to it.
    public var replies: Int

    public init(contribution: Contribution, tally: Tally, replies: Int = 0) {
        self.contribution = contribution; self.tally = tally; self.replies = replies
    }
}

/// A session as the web layer needs it.
public struct SessionRecord: Sendable, Equatable {
    public var participant: Participant
    public var csrfToken: String
    public var expiresAt: Date
    /// The roles the participant holds on consultations, loaded with the session.
    public var consultationRoles: [ID: ConsultationRole]
    /// Unread notifications, counted in the same read (for the menu).
    public var unreadNotifications: Int
    /// The session's handle in the owner's list of sessions (issue 13).
    public var publicID: String = ""
    public var createdAt: Date = .distantPast
    /// When a request last recorded it was used (at most once a minute).
    public var lastSeenAt: Date = .distantPast
    /// The privileges stamp written when the session was opened or last rotated (`SessionPrivileges.stamp`).
    public var privileges: String?
    /// Whether the participant has a confirmed second factor, and when this session's holder gave a code (issue 13).
    /// A session of an account with a factor is pending — it gives no access — until then.
    public var hasSecondFactor = false
    public var secondFactorAt: Date?
    public var awaitsSecondFactor: Bool { hasSecondFactor && secondFactorAt == nil }

    public init(participant: Participant, csrfToken: String, expiresAt: Date, consultationRoles: [ID: ConsultationRole] = [:], unreadNotifications: Int = 0) {
        self.participant = participant; self.csrfToken = csrfToken; self.expiresAt = expiresAt
        self.consultationRoles = consultationRoles; self.unreadNotifications = unreadNotifications
    }

    /// The privileges the database gives now, as a stamp.
    public var currentPrivileges: String { SessionPrivileges.stamp(role: participant.role, consultationRoles: consultationRoles) }
    /// True when a role was granted or revoked since the session was opened or rotated: its identifier must change.
    public var privilegesChanged: Bool { privileges != currentPrivileges }

    public var actor: Actor { Actor(participant, consultationRoles: consultationRoles) }
}

/// A vote event: the append-only log from which every published tally can be recomputed.
public struct VoteEvent: Sendable, Equatable {
    public var sequence: Int64
    public var participantID: ID
    public var target: Target
    /// Nil when the vote was withdrawn.
    public var value: VoteValue?
    public var at: Date

    public init(sequence: Int64, participantID: ID, target: Target, value: VoteValue?, at: Date) {
        self.sequence = sequence; self.participantID = participantID; self.target = target; self.value = value; self.at = at
    }
}

/// Everything the product stores, behind one port: SQLite (embedded) and PostgreSQL implement it,
/// and one conformance suite runs against both.
public protocol Store: SynthesisStore, ProfileStore, InstitutionStore, FollowUpStore, MailOutbox, LeaseStore, ChainStore, OpenDataStore, RateLimitStore, PersonalDataStore, SessionStore, AbuseStore, SealingStore, PasswordStore, SecondFactorStore, DebateStore {
    /// A trivial read (`SELECT 1`) that throws when the database cannot answer: for `GET /health`.
    /// Cheap (one pooled connection, no table), and bounded in time by the store.
    func ping() async throws

    // Consultations and text
    func createConsultation(_ new: NewConsultation) async throws -> Consultation
    func consultations() async throws -> [Consultation]
    func consultation(id: ID) async throws -> Consultation?
    func createSection(consultationID: ID, position: Int, title: String, subtitle: String) async throws -> Section
    func createArticle(_ new: NewArticle) async throws -> Article
    func sections(consultationID: ID) async throws -> [Section]
    func articles(consultationID: ID) async throws -> [Article]
    func article(id: ID) async throws -> Article?
    /// Writes a whole imported consultation in one transaction: all of it, or nothing.
    func importConsultation(_ bundle: ImportBundle) async throws -> Consultation

    // Participants and sessions
    func createParticipant(_ new: NewParticipant, passwordHash: String) async throws -> Participant
    func participant(id: ID) async throws -> Participant?
    /// The participant and their password hash, looked up by e-mail (case-insensitive).
    func credentials(email: String) async throws -> (participant: Participant, passwordHash: String)?
    func createSession(tokenHash: String, participantID: ID, csrfToken: String, createdAt: Date, expiresAt: Date) async throws
    func session(tokenHash: String, at now: Date) async throws -> SessionRecord?
    func deleteSession(tokenHash: String) async throws

    // Contributions
    /// Stores a contribution; `held` keeps it out of public view until a moderator approves it.
    func addContribution(_ new: NewContribution, held: Bool) async throws -> Contribution
    func contribution(id: ID) async throws -> Contribution?
    func contributions(_ query: ContributionQuery, page: PageRequest) async throws -> Page<ContributionRow>

    // Votes
    /// Inserts or changes the participant's live vote on the target, in one transaction guarded by a
    /// UNIQUE (participant, target) constraint, and appends a vote event.
    func castVote(participantID: ID, target: Target, value: VoteValue, at: Date) async throws -> VoteChange
    /// Removes the live vote, appending a withdrawal event. False when there was none.
    func withdrawVote(participantID: ID, target: Target, at: Date) async throws -> Bool
    func votes(participantID: ID, on targets: [Target]) async throws -> [Target: VoteValue]
    func tallies(_ targets: [Target]) async throws -> [Target: Tally]
    func votes(participantID: ID, page: PageRequest) async throws -> Page<Vote>
    /// The vote log in order; `after` is the last sequence already read.
    func voteEvents(after: Int64, limit: Int) async throws -> [VoteEvent]
}

public struct NewConsultation: Sendable {
    public var slug: String
    public var title: String
    public var summary: String
    public var institution: String
    public var isPublished: Bool
    public var opensAt: Date
    public var closesAt: Date
    public var allowedKinds: Set<ParticipantKind>
    public var provenance: String?
    public var settings: ConsultationSettings

    public init(
        slug: String, title: String, summary: String, institution: String, isPublished: Bool,
        opensAt: Date, closesAt: Date, allowedKinds: Set<ParticipantKind> = [], provenance: String? = nil,
        settings: ConsultationSettings = .init()
    ) {
        self.slug = slug; self.title = title; self.summary = summary; self.institution = institution
        self.isPublished = isPublished; self.opensAt = opensAt; self.closesAt = closesAt
        self.allowedKinds = allowedKinds; self.provenance = provenance; self.settings = settings
    }
}

public struct NewArticle: Sendable {
    public var consultationID: ID
    public var sectionID: ID
    public var position: Int
    public var number: String
    public var title: String
    public var body: String
    public var explanation: String
    public var currentLaw: String
    public var importedTally: Tally?

    public init(
        consultationID: ID, sectionID: ID, position: Int, number: String, title: String,
        body: String, explanation: String, currentLaw: String = "", importedTally: Tally? = nil
    ) {
        self.consultationID = consultationID; self.sectionID = sectionID; self.position = position
        self.number = number; self.title = title; self.body = body; self.explanation = explanation
        self.currentLaw = currentLaw; self.importedTally = importedTally
    }
}

public struct NewParticipant: Sendable {
    public var email: String?
    public var displayName: String
    public var kind: ParticipantKind
    public var organization: String?
    public var role: Role
    public var createdAt: Date

    public init(email: String?, displayName: String, kind: ParticipantKind, organization: String?, role: Role = .participant, createdAt: Date) {
        self.email = email; self.displayName = displayName; self.kind = kind
        self.organization = organization; self.role = role; self.createdAt = createdAt
    }
}

public struct NewContribution: Sendable {
    public var consultationID: ID
    public var kind: ContributionKind
    public var articleID: ID?
    public var parentID: ID?
    public var authorID: ID?
    public var authorName: String
    public var title: String
    public var body: String
    public var rationale: String
    public var stance: Stance?
    public var url: String?
    public var createdAt: Date
    public var importedTally: Tally?

    public init(
        consultationID: ID, kind: ContributionKind, articleID: ID?, parentID: ID?, authorID: ID?,
        authorName: String, title: String = "", body: String, rationale: String = "",
        stance: Stance? = nil, url: String? = nil, createdAt: Date, importedTally: Tally? = nil
    ) {
        self.consultationID = consultationID; self.kind = kind; self.articleID = articleID
        self.parentID = parentID; self.authorID = authorID; self.authorName = authorName
        self.title = title; self.body = body; self.rationale = rationale; self.stance = stance
        self.url = url; self.createdAt = createdAt; self.importedTally = importedTally
    }
}

/// A consultation brought from elsewhere (République numérique, Polis…), with keys local to the bundle.
public struct ImportBundle: Sendable {
    public struct SectionItem: Sendable {
        public var title: String
        public var subtitle: String
        public var articles: [ArticleItem]
        public init(title: String, subtitle: String, articles: [ArticleItem]) {
            self.title = title; self.subtitle = subtitle; self.articles = articles
        }
    }
    public struct ArticleItem: Sendable {
        public var key: String
        public var number: String
        public var title: String
        public var body: String
        public var explanation: String
        public var currentLaw: String
        public var importedTally: Tally?
        public init(
            key: String, number: String, title: String, body: String, explanation: String, currentLaw: String = "",
            importedTally: Tally?
        ) {
            self.key = key; self.number = number; self.title = title; self.body = body
            self.explanation = explanation; self.currentLaw = currentLaw; self.importedTally = importedTally
        }
    }
    public struct ContributionItem: Sendable {
        public var key: String
        public var kind: ContributionKind
        /// Key of the article or contribution it is attached to (nil: the consultation itself).
        public var articleKey: String?
        public var parentKey: String?
        public var authorKey: String?
        public var authorName: String
        public var title: String
        public var body: String
        public var stance: Stance?
        public var url: String?
        public var createdAt: Date
        public var importedTally: Tally?
        public var isHidden: Bool
        public init(
            key: String, kind: ContributionKind, articleKey: String?, parentKey: String?, authorKey: String? = nil,
            authorName: String, title: String, body: String, stance: Stance? = nil, url: String? = nil,
            createdAt: Date, importedTally: Tally?, isHidden: Bool = false
        ) {
            self.key = key; self.kind = kind; self.articleKey = articleKey; self.parentKey = parentKey
            self.authorKey = authorKey; self.authorName = authorName; self.title = title; self.body = body
            self.stance = stance; self.url = url; self.createdAt = createdAt
            self.importedTally = importedTally; self.isHidden = isHidden
        }
    }
    /// A pseudonymous participant of the source platform (no e-mail, cannot sign in).
    public struct ParticipantItem: Sendable {
        public var key: String
        public var displayName: String
        public var kind: ParticipantKind
        public var createdAt: Date
        public init(key: String, displayName: String, kind: ParticipantKind = .citizen, createdAt: Date) {
            self.key = key; self.displayName = displayName; self.kind = kind; self.createdAt = createdAt
        }
    }
    public struct VoteItem: Sendable {
        public var participantKey: String
        /// An article key or a contribution key.
        public var targetKey: String
        public var value: VoteValue
        public var at: Date
        public init(participantKey: String, targetKey: String, value: VoteValue, at: Date) {
            self.participantKey = participantKey; self.targetKey = targetKey; self.value = value; self.at = at
        }
    }

    public var consultation: NewConsultation
    public var sections: [SectionItem]
    public var contributions: [ContributionItem]
    public var participants: [ParticipantItem]
    public var votes: [VoteItem]

    public init(consultation: NewConsultation, sections: [SectionItem], contributions: [ContributionItem], participants: [ParticipantItem] = [], votes: [VoteItem] = []) {
        self.consultation = consultation; self.sections = sections; self.contributions = contributions
        self.participants = participants; self.votes = votes
    }
}

extension Store {
    /// Stores a contribution published at once (imports, tests, `a_posteriori` consultations).
    public func addContribution(_ new: NewContribution) async throws -> Contribution {
        try await addContribution(new, held: false)
    }

    /// Sets the instance role without an audit entry: for tests and set-up code that has no actor.
    public func setRole(participantID: ID, role: Role) async throws -> Bool {
        try await setRole(participantID: participantID, role: role, audit: nil)
    }
}
