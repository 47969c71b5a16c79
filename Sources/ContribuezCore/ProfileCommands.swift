import Foundation

/// Saves (or changes) the signed-in participant's profile questionnaire. Consent is required;
/// every question may be left unanswered or answered "je préfère ne pas répondre".
public struct SaveProfile: Sendable {
    public var actor: Actor?
    public var consent: Bool
    /// Form values by question; empty or missing = not answered.
    public var answers: [ProfileQuestion: String]

    public init(actor: Actor?, consent: Bool, answers: [ProfileQuestion: String]) {
        self.actor = actor; self.consent = consent; self.answers = answers
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<ProfileAnswers> {
        guard let actor else { return .refused(.notSignedIn) }
        var errors: [FieldError] = []
        if !consent { errors.append(FieldError(field: "profile_consent", rule: .required)) }
        var clean: [ProfileQuestion: String] = [:]
        for question in ProfileQuestion.allCases {
            let value = Validate.clean(answers[question] ?? "")
            if value.isEmpty { continue }
            guard value == ProfileAnswers.preferNot || question.codes.contains(value) else {
                errors.append(FieldError(field: question.field, rule: .invalid))
                continue
            }
            clean[question] = value
        }
        guard errors.isEmpty else { return .invalid(errors) }
        return .done(try await ctx.store.saveProfile(participantID: actor.participantID, answers: clean, at: ctx.clock.now()))
    }
}

/// Erases the signed-in participant's profile answers.
public struct EraseProfile: Sendable {
    public var actor: Actor?

    public init(actor: Actor?) { self.actor = actor }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Bool> {
        guard let actor else { return .refused(.notSignedIn) }
        return .done(try await ctx.store.eraseProfile(participantID: actor.participantID))
    }
}

/// Deletes the signed-in participant's account after checking the password: votes withdrawn
/// (tallies and the vote log stay consistent), sessions and profile deleted, and the contributions
/// either kept under `anonymisedName` or erased in place, as the participant chose (issue 12). The
/// audit trail records that an account was deleted and the choice, never whose nor what was erased.
public struct DeleteAccount: Sendable {
    public var actor: Actor?
    public var password: String
    /// The name shown instead of the author's, in the interface language ("Compte supprimé").
    public var anonymisedName: String
    public var contributions: ContributionsOnDeletion

    public init(actor: Actor?, password: String, anonymisedName: String = "Compte supprimé", contributions: ContributionsOnDeletion = .keep) {
        self.actor = actor; self.password = password; self.anonymisedName = anonymisedName; self.contributions = contributions
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Bool> {
        guard let actor else { return .refused(.notSignedIn) }
        guard let participant = try await ctx.store.participant(id: actor.participantID) else { return .notFound }
        guard let email = participant.email, !password.isEmpty, password.utf8.count <= 1024,
              let found = try await ctx.store.credentials(email: email), found.participant.id == participant.id,
              await ctx.hasher.verify(password, against: found.passwordHash)
        else { return .refused(.wrongCredentials) }
        let now = ctx.clock.now()
        // NB: no actor id, no name, target id 0: the entry says that an account went, not whose.
        let audit = AuditEntry(
            consultationID: nil, actorID: nil, actorName: anonymisedName, action: .accountDeleted, targetKind: "participant",
            targetID: 0, reason: contributions.rawValue, at: now)
        let deleted = try await ctx.store.deleteAccount(
            participantID: participant.id, anonymisedName: anonymisedName, contributions: contributions, audit: audit, at: now)
        return deleted ? .done(true) : .notFound
    }
}
