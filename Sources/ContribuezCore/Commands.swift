import Foundation

/// What a command needs from the world: the store, time, and the password hasher.
public struct CommandContext: Sendable {
    public var store: any Store
    public var clock: any Clock
    public var hasher: any PasswordHasher

    public init(store: any Store, clock: any Clock, hasher: any PasswordHasher) {
        self.store = store; self.clock = clock; self.hasher = hasher
    }
}

/// The result of every command: done, refused by permissions, invalid input, not found, or in conflict.
public enum Outcome<Value: Sendable>: Sendable {
    case done(Value)
    case refused(RefusalReason)
    case invalid([FieldError])
    case notFound
    case conflict(Conflict)
}

public enum Conflict: String, Sendable, Equatable {
    case duplicateEmail = "duplicate_email"
    /// The participant already reported this contribution.
    case duplicateReport = "duplicate_report"
    /// Too many personal-data links asked for in 24 hours (issue 12).
    case tooManyLinks = "too_many_links"
    /// The account is already frozen, or the freeze was already reviewed (issue 13).
    case alreadyDone = "already_done"
}

/// What the vote commands return: the change and the target's new tally.
public struct VoteResult: Sendable, Equatable {
    public var change: VoteChange
    public var value: VoteValue?
    public var tally: Tally
}

/// Finds the consultation a target belongs to, and the scale its votes use.
enum TargetLookup {
    struct Found {
        var consultation: Consultation
        var scale: VotingScale
        var contribution: Contribution?
        var article: Article?
    }

    static func find(_ target: Target, in store: any Store) async throws -> Found? {
        switch target {
        case .article(let id):
            guard let article = try await store.article(id: id),
                  let consultation = try await store.consultation(id: article.consultationID) else { return nil }
            return Found(consultation: consultation, scale: .opinion, contribution: nil, article: article)
        case .contribution(let id):
            guard let contribution = try await store.contribution(id: id), contribution.isPublic,
                  let consultation = try await store.consultation(id: contribution.consultationID) else { return nil }
            return Found(consultation: consultation, scale: contribution.kind.votingScale, contribution: contribution, article: nil)
        }
    }
}

// MARK: - Accounts

/// Creates an account. Validation first, then the UNIQUE e-mail in the database decides duplicates.
public struct SignUp: Sendable {
    public var email: String
    public var password: String
    public var displayName: String
    public var kind: ParticipantKind?
    public var organization: String?

    public init(email: String, password: String, displayName: String, kind: ParticipantKind?, organization: String?) {
        self.email = email; self.password = password; self.displayName = displayName
        self.kind = kind; self.organization = organization
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Participant> {
        let email = Validate.clean(self.email).lowercased()
        let name = Validate.clean(displayName)
        let organization = Validate.clean(self.organization ?? "")
        var errors: [FieldError] = []
        Validate.email(email, errors: &errors)
        Validate.password(password, errors: &errors)
        Validate.text(name, field: "displayName", limits: Limits.displayName, errors: &errors)
        if let kind {
            if kind.isOrganisation {
                Validate.text(organization, field: "organization", limits: Limits.organization, errors: &errors)
            }
        } else {
            errors.append(FieldError(field: "kind", rule: .invalid))
        }
        guard errors.isEmpty, let kind else { return .invalid(errors) }
        if try await ctx.store.credentials(email: email) != nil { return .conflict(.duplicateEmail) }
        let hash = await ctx.hasher.hash(password)
        do {
            let participant = try await ctx.store.createParticipant(
                NewParticipant(
                    email: email, displayName: name, kind: kind,
                    organization: kind.isOrganisation ? organization : nil, createdAt: ctx.clock.now()),
                passwordHash: hash)
            return .done(participant)
        } catch StoreError.duplicateEmail {
            // NB: two sign-ups racing past the check above: the UNIQUE index is the real guard.
            return .conflict(.duplicateEmail)
        }
    }
}

/// Checks an e-mail and password. The same refusal for an unknown e-mail and a wrong password.
public struct SignIn: Sendable {
    public var email: String
    public var password: String

    public init(email: String, password: String) { self.email = email; self.password = password }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Participant> {
        let email = Validate.clean(self.email).lowercased()
        guard !email.isEmpty, !password.isEmpty, password.utf8.count <= 1024 else { return .refused(.wrongCredentials) }
        guard let found = try await ctx.store.credentials(email: email) else {
            // Spend the same time as a real check so timing does not reveal which e-mails exist.
            _ = await ctx.hasher.verify(password, against: DummyHash.value)
            return .refused(.wrongCredentials)
        }
        guard await ctx.hasher.verify(password, against: found.passwordHash) else { return .refused(.wrongCredentials) }
        // NB: told only to whoever knows the password: the freeze is no secret from the account's holder.
        if try await ctx.store.accountFreeze(participantID: found.participant.id) != nil { return .refused(.accountFrozen) }
        return .done(found.participant)
    }
}

/// A syntactically valid bcrypt hash of a random string, for constant-time refusals.
enum DummyHash {
    static let value = "$2b$10$CwTycUXWue0Thq9StjUM0uJ8.mGC4M5u5eYNpBY0l7Xb7JbZ9E6wK"
}

// MARK: - Votes

/// Casts or changes a vote: one live vote per participant and target.
public struct CastVote: Sendable {
    public var actor: Actor?
    public var target: Target
    public var value: VoteValue

    public init(actor: Actor?, target: Target, value: VoteValue) {
        self.actor = actor; self.target = target; self.value = value
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<VoteResult> {
        guard let found = try await TargetLookup.find(target, in: ctx.store) else { return .notFound }
        let now = ctx.clock.now()
        if case .refused(let reason) = Permissions.can(actor, .vote, on: found.consultation, at: now) { return .refused(reason) }
        guard let actor else { return .refused(.notSignedIn) }
        guard found.scale.accepts(value) else { return .invalid([FieldError(field: "value", rule: .notAllowed)]) }
        let change = try await ctx.store.castVote(participantID: actor.participantID, target: target, value: value, at: now)
        let tally = try await ctx.store.tallies([target])[target] ?? .zero
        return .done(VoteResult(change: change, value: value, tally: tally))
    }
}

/// Withdraws a vote while the consultation is open.
public struct WithdrawVote: Sendable {
    public var actor: Actor?
    public var target: Target

    public init(actor: Actor?, target: Target) { self.actor = actor; self.target = target }

    public func run(_ ctx: CommandContext) async throws -> Outcome<VoteResult> {
        guard let found = try await TargetLookup.find(target, in: ctx.store) else { return .notFound }
        let now = ctx.clock.now()
        if case .refused(let reason) = Permissions.can(actor, .withdrawVote, on: found.consultation, at: now) { return .refused(reason) }
        guard let actor else { return .refused(.notSignedIn) }
        let removed = try await ctx.store.withdrawVote(participantID: actor.participantID, target: target, at: now)
        let tally = try await ctx.store.tallies([target])[target] ?? .zero
        return .done(VoteResult(change: removed ? .changed(from: .agree) : .unchanged, value: nil, tally: tally))
    }
}

// MARK: - Contributions

/// Shared steps of every contribution command: find the target, ask permissions, store.
enum Contribute {
    static func run(
        _ ctx: CommandContext, actor: Actor?, target: Target?, consultationID: ID?, kind: ContributionKind,
        errors: [FieldError], make: (Consultation, Participant, Article?, Contribution?) -> NewContribution
    ) async throws -> Outcome<Contribution> {
        let consultation: Consultation
        var article: Article?
        var parent: Contribution?
        if let target {
            guard let found = try await TargetLookup.find(target, in: ctx.store) else { return .notFound }
            consultation = found.consultation; article = found.article; parent = found.contribution
        } else if let consultationID, let c = try await ctx.store.consultation(id: consultationID) {
            consultation = c
        } else {
            return .notFound
        }
        if !Permissions.can(actor, .read, on: consultation, at: ctx.clock.now()).isAllowed { return .notFound }
        if case .refused(let reason) = Permissions.can(actor, .contribute(kind), on: consultation, at: ctx.clock.now()) {
            return .refused(reason)
        }
        if let parent, parent.kind == .argument || parent.kind == .source {
            // Arguments and sources are leaves: one argues about an article, a proposal or an amendment.
            return .invalid([FieldError(field: "target", rule: .notAllowed)])
        }
        guard errors.isEmpty else { return .invalid(errors) }
        guard let actor, let author = try await ctx.store.participant(id: actor.participantID) else { return .refused(.notSignedIn) }
        let new = make(consultation, author, article, parent)
        let stored = try await ctx.store.addContribution(new, held: consultation.settings.moderation == .aPriori)
        // One follows one's own contributions; the author of what was replied to hears of the reply.
        try await ctx.store.follow(participantID: author.id, target: .contribution(stored.id), at: stored.createdAt)
        if let parent, stored.isPublic {
            let notes = try await Audience.notify(
                ctx, targets: [.contribution(parent.id)], plus: [parent.authorID], except: author.id, kind: .reply,
                consultationID: consultation.id, path: "/contributions/\(stored.id)", subject: Audience.subject(parent), detail: kind.rawValue)
            try await ctx.store.addNotifications(notes)
        }
        return .done(stored)
    }
}

extension Decision {
    public var isAllowed: Bool { self == .allowed }
}

/// Proposes a new wording for one article, with a rationale.
public struct ProposeAmendment: Sendable {
    public var actor: Actor?
    public var articleID: ID
    public var text: String
    public var rationale: String

    public init(actor: Actor?, articleID: ID, text: String, rationale: String) {
        self.actor = actor; self.articleID = articleID; self.text = text; self.rationale = rationale
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Contribution> {
        let text = Validate.clean(self.text), rationale = Validate.clean(self.rationale)
        var errors: [FieldError] = []
        Validate.text(text, field: "text", limits: Limits.amendmentText, errors: &errors)
        Validate.text(rationale, field: "rationale", limits: Limits.rationale, errors: &errors)
        return try await Contribute.run(ctx, actor: actor, target: .article(articleID), consultationID: nil, kind: .amendment, errors: errors) { c, author, article, _ in
            NewContribution(
                consultationID: c.id, kind: .amendment, articleID: article?.id, parentID: nil, authorID: author.id,
                authorName: author.publicName, title: "", body: text, rationale: rationale, createdAt: ctx.clock.now())
        }
    }
}

/// Proposes a new article (or idea) for the consultation.
public struct ProposeArticle: Sendable {
    public var actor: Actor?
    public var consultationID: ID
    public var title: String
    public var text: String

    public init(actor: Actor?, consultationID: ID, title: String, text: String) {
        self.actor = actor; self.consultationID = consultationID; self.title = title; self.text = text
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Contribution> {
        let title = Validate.clean(self.title), text = Validate.clean(self.text)
        var errors: [FieldError] = []
        Validate.text(title, field: "title", limits: Limits.title, errors: &errors)
        Validate.text(text, field: "text", limits: Limits.proposalText, errors: &errors)
        return try await Contribute.run(ctx, actor: actor, target: nil, consultationID: consultationID, kind: .proposal, errors: errors) { c, author, _, _ in
            NewContribution(
                consultationID: c.id, kind: .proposal, articleID: nil, parentID: nil, authorID: author.id,
                authorName: author.publicName, title: title, body: text, createdAt: ctx.clock.now())
        }
    }
}

/// Argues for or against an article, a proposal or an amendment.
public struct AddArgument: Sendable {
    public var actor: Actor?
    public var target: Target
    public var stance: Stance?
    public var text: String

    public init(actor: Actor?, target: Target, stance: Stance?, text: String) {
        self.actor = actor; self.target = target; self.stance = stance; self.text = text
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Contribution> {
        let text = Validate.clean(self.text)
        var errors: [FieldError] = []
        if stance == nil { errors.append(FieldError(field: "stance", rule: .invalid)) }
        Validate.text(text, field: "text", limits: Limits.argumentText, errors: &errors)
        return try await Contribute.run(ctx, actor: actor, target: target, consultationID: nil, kind: .argument, errors: errors) { c, author, article, parent in
            NewContribution(
                consultationID: c.id, kind: .argument, articleID: article?.id ?? parent?.articleID,
                parentID: parent?.id, authorID: author.id, authorName: author.publicName,
                body: text, stance: stance, createdAt: ctx.clock.now())
        }
    }
}

/// Adds a source (link, title, summary) to an article, a proposal or an amendment.
public struct AddSource: Sendable {
    public var actor: Actor?
    public var target: Target
    public var url: String
    public var title: String
    public var summary: String

    public init(actor: Actor?, target: Target, url: String, title: String, summary: String) {
        self.actor = actor; self.target = target; self.url = url; self.title = title; self.summary = summary
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Contribution> {
        let url = Validate.clean(self.url), title = Validate.clean(self.title), summary = Validate.clean(self.summary)
        var errors: [FieldError] = []
        Validate.url(url, errors: &errors)
        Validate.text(title, field: "title", limits: Limits.title, errors: &errors)
        Validate.text(summary, field: "summary", limits: Limits.sourceSummary, errors: &errors)
        return try await Contribute.run(ctx, actor: actor, target: target, consultationID: nil, kind: .source, errors: errors) { c, author, article, parent in
            NewContribution(
                consultationID: c.id, kind: .source, articleID: article?.id ?? parent?.articleID,
                parentID: parent?.id, authorID: author.id, authorName: author.publicName,
                title: title, body: summary, url: url, createdAt: ctx.clock.now())
        }
    }
}
