import Foundation

/// What becomes of a participant's contributions when they delete their account (issue 12).
public enum ContributionsOnDeletion: String, Sendable, Codable, CaseIterable {
    /// They stay published under « Compte supprimé » (no author id): the behaviour before issue 12.
    case keep
    /// Erased in place: title, body, rationale and link emptied, `erased_at` set. The row keeps its
    /// place (replies and votes of others hang on it) and shows « Contribution supprimée par son auteur ».
    case erase
}

/// The mailed download links: 24 hours, once, and no more than a few a day.
public enum PersonalDataLinks {
    public static let lifetime: TimeInterval = 24 * 3600
    /// Links one participant may ask for in 24 hours (each sends a mail).
    public static let perDay = 5
}

/// Asks for a link to one's personal data by mail: stores the link (its token's hash only) and queues
/// the mail in one transaction. The web layer makes the token and writes the mail (it has the catalogue).
public struct RequestPersonalDataLink: Sendable {
    public var actor: Actor?
    public var tokenHash: String
    /// The mail to queue, with the link in it; `to` is replaced by the account's address.
    public var mail: NewMail

    public init(actor: Actor?, tokenHash: String, mail: NewMail) {
        self.actor = actor; self.tokenHash = tokenHash; self.mail = mail
    }

    /// Done with the address the mail goes to; `.invalid` (field `email`) when the account has no
    /// address, `.conflict(.tooManyLinks)` past `PersonalDataLinks.perDay`.
    public func run(_ ctx: CommandContext) async throws -> Outcome<String> {
        guard let actor else { return .refused(.notSignedIn) }
        guard let participant = try await ctx.store.participant(id: actor.participantID) else { return .notFound }
        guard let email = participant.email else { return .invalid([FieldError(field: "email", rule: .required)]) }
        let now = ctx.clock.now()
        let recent = try await ctx.store.personalDataLinksCreated(participantID: participant.id, since: now - PersonalDataLinks.lifetime)
        guard recent < PersonalDataLinks.perDay else { return .conflict(.tooManyLinks) }
        var mail = self.mail
        mail.to = email
        try await ctx.store.createPersonalDataLink(
            tokenHash: tokenHash, participantID: participant.id, createdAt: now, expiresAt: now + PersonalDataLinks.lifetime, mail: mail)
        return .done(email)
    }
}

/// Uses a mailed link: it must be the signed-in participant's own, unused and less than 24 hours old.
/// Spending it is atomic; the download follows only on `.consumed`.
///
/// NB: the link alone is not enough, the session must be the same person's: a forwarded mail, a
/// leaked link or a mail scanner that opens links gives nobody the data (Decidim's "download your
/// data" links were once replayable without authentication). The page behind the link is a GET that
/// spends nothing; the download is a POST with the CSRF token, so a prefetch cannot spend it either.
public struct UsePersonalDataLink: Sendable {
    public var actor: Actor?
    public var tokenHash: String

    public init(actor: Actor?, tokenHash: String) { self.actor = actor; self.tokenHash = tokenHash }

    public func run(_ ctx: CommandContext) async throws -> Outcome<PersonalDataLinkUse> {
        guard let actor else { return .refused(.notSignedIn) }
        return .done(try await ctx.store.consumePersonalDataLink(tokenHash: tokenHash, participantID: actor.participantID, at: ctx.clock.now()))
    }
}
