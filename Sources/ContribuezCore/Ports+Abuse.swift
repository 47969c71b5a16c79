import Foundation

/// Abuse resistance (issue 13): password reset links, frozen accounts, sign-up bursts.
public protocol AbuseStore: Sendable {
    /// Stores a reset link (by the SHA-256 of its token only) and queues its mail, in one transaction.
    func createPasswordReset(tokenHash: String, participantID: ID, createdAt: Date, expiresAt: Date, mail: NewMail) async throws
    /// Reset links asked for the participant since `since` (each sent a mail).
    func passwordResetsCreated(participantID: ID, since: Date) async throws -> Int
    func passwordReset(tokenHash: String) async throws -> PasswordResetLink?
    /// Spends the link and sets the new password hash, in one transaction: the link is marked used (of two
    /// concurrent uses only one succeeds), the account's other unused links too, and every session of the
    /// account is deleted (whoever held one is signed out).
    func usePasswordReset(tokenHash: String, passwordHash: String, at: Date) async throws -> PasswordResetUse

    /// The secret stored under `name`; when there is none yet, `candidate` is stored and returned. Two nodes
    /// racing get the same value (the first insert wins).
    func serverSecret(name: String, candidate: String, at: Date) async throws -> String

    // MARK: « Ce n'était pas moi » (issue 13)

    /// Stores the account's disavowal link (by the SHA-256 of its token only) and queues the welcome mail that
    /// carries it, in one transaction.
    func createDisavowal(tokenHash: String, participantID: ID, createdAt: Date, expiresAt: Date, mail: NewMail) async throws
    func disavowal(tokenHash: String) async throws -> DisavowalLink?
    /// Spends the link and freezes its account (`AccountFreeze.Origin.disavowed`), in one transaction: see
    /// `freezeAccount`. Of two concurrent uses only one freezes.
    func disavow(tokenHash: String, at: Date, audit: AuditEntry) async throws -> DisavowalUse
    /// Freezes an account in one transaction: records the freeze, hides its published visible contributions
    /// (remembered, so lifting restores exactly those), deletes its sessions, appends `audit`. False when the
    /// account is already frozen or does not exist.
    func freezeAccount(participantID: ID, origin: AccountFreeze.Origin, reason: String, by: ID?, at: Date, audit: AuditEntry) async throws -> Bool
    /// Lifts a freeze: the contributions it hid (and that no one hid otherwise since) are visible again; the
    /// account may sign in. False when the account was not frozen.
    func liftFreeze(participantID: ID, at: Date, audit: AuditEntry) async throws -> Bool
    func accountFreeze(participantID: ID) async throws -> AccountFreeze?
    /// Frozen accounts, oldest freeze first.
    func frozenAccounts(page: PageRequest) async throws -> Page<AccountFreeze>

    // MARK: Sign-up bursts (issue 13)

    /// Records the network an account signed up from: a keyed hash of its /24 (IPv4) or /64 (IPv6), never the
    /// address. Rows older than `purgeBefore` are deleted on the way.
    func recordSignUpNetwork(participantID: ID, network: String, at: Date, purgeBefore: Date) async throws
    /// Networks with at least `minimum` sign-ups since `since`, most sign-ups first (then the latest); each with
    /// its accounts of that period (newest first, at most `SignUpBurst.accountsShown`).
    func signUpBursts(since: Date, minimum: Int, page: PageRequest) async throws -> Page<SignUpBurst>
}

/// A disavowal link (« ce n'était pas moi »), mailed at sign-up: stored by the hash of its token only.
public struct DisavowalLink: Sendable, Equatable {
    public var participantID: ID
    public var createdAt: Date
    public var expiresAt: Date
    public var usedAt: Date?

    public init(participantID: ID, createdAt: Date, expiresAt: Date, usedAt: Date?) {
        self.participantID = participantID; self.createdAt = createdAt; self.expiresAt = expiresAt; self.usedAt = usedAt
    }
}

/// What using a disavowal link gave.
public enum DisavowalUse: Sendable, Equatable {
    case frozen(participantID: ID)
    /// Already used (the account is frozen, or the freeze was reviewed).
    case used
    case expired
    case unknown
}

/// A frozen account, pending review.
public struct AccountFreeze: Sendable, Equatable {
    public enum Origin: String, Sendable, Codable, CaseIterable {
        /// The owner of the e-mail address said « ce n'était pas moi ».
        case disavowed
        /// A moderator froze it (a sign-up burst, a campaign of fake accounts).
        case moderator
    }

    public var participantID: ID
    public var displayName: String
    public var accountCreatedAt: Date
    public var origin: Origin
    public var reason: String
    public var frozenAt: Date
    /// Contributions the freeze hid.
    public var hiddenContributions: Int

    public init(participantID: ID, displayName: String, accountCreatedAt: Date, origin: Origin, reason: String, frozenAt: Date, hiddenContributions: Int) {
        self.participantID = participantID; self.displayName = displayName; self.accountCreatedAt = accountCreatedAt
        self.origin = origin; self.reason = reason; self.frozenAt = frozenAt; self.hiddenContributions = hiddenContributions
    }
}

/// Many sign-ups from one network in a short window.
public struct SignUpBurst: Sendable, Equatable {
    public struct Account: Sendable, Equatable {
        public var participantID: ID
        public var displayName: String
        public var createdAt: Date
        public var frozen: Bool
        public init(participantID: ID, displayName: String, createdAt: Date, frozen: Bool) {
            self.participantID = participantID; self.displayName = displayName; self.createdAt = createdAt; self.frozen = frozen
        }
    }

    /// The network's keyed hash (shown shortened: it identifies the burst, not the network).
    public var network: String
    public static let accountsShown = 50

    /// Sign-ups in the period.
    public var count: Int
    public var first: Date
    public var last: Date
    public var accounts: [Account]

    public init(network: String, count: Int, first: Date, last: Date, accounts: [Account]) {
        self.network = network; self.count = count; self.first = first; self.last = last; self.accounts = accounts
    }
}

/// A mailed password reset link: stored by the hash of its token only.
public struct PasswordResetLink: Sendable, Equatable {
    public var participantID: ID
    public var createdAt: Date
    public var expiresAt: Date
    public var usedAt: Date?

    public init(participantID: ID, createdAt: Date, expiresAt: Date, usedAt: Date?) {
        self.participantID = participantID; self.createdAt = createdAt; self.expiresAt = expiresAt; self.usedAt = usedAt
    }

    /// What using the link at `at` would give, when it was not spent.
    public func refusal(at: Date) -> PasswordResetUse {
        if usedAt != nil { return .used }
        if expiresAt <= at { return .expired }
        return .used
    }
}

/// What using a reset link gave.
public enum PasswordResetUse: Sendable, Equatable {
    /// The password was changed and the account's sessions revoked.
    case reset(participantID: ID)
    case used
    case expired
    case unknown
}
