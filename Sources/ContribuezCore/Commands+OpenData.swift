import Foundation

// The organiser's open-data commands (issue 12): publish the package now, take it back, and choose
// whether it is published automatically at closing. Each asks `Permissions.can(.publishOpenData)`
// and hands the store the audit entry to append with the change.
//
// NB: the audit trail's actions are frozen per migration (a CHECK), so these are recorded as
// `edit_consultation` with `detail` saying which change: `open_data_published`, `open_data_unpublished`,
// `open_data_at_closing=on|off`.

/// Whether the open-data package of a consultation is public now, and why not when it is not.
public struct OpenDataAccess: Sendable, Equatable {
    public var publication: OpenDataPublication
    public var isPublic: Bool
    /// True for the consultation's organisers (and admins): they may download it before publication.
    public var mayDownload: Bool

    /// Asks the store and the permission function. Nil when the consultation does not exist.
    public static func check(_ consultation: Consultation, actor: Actor?, store: any Store, at now: Date) async throws -> OpenDataAccess? {
        guard let publication = try await store.openDataPublication(consultationID: consultation.id) else { return nil }
        let isPublic = publication.isPublic(consultation, at: now)
        let isOrganiser = Permissions.can(actor, .publishOpenData, on: consultation, at: now) == .allowed
        return OpenDataAccess(publication: publication, isPublic: isPublic, mayDownload: isPublic || isOrganiser)
    }
}

/// Publishes the consultation's open data now (before closing, or when publication at closing is off).
public struct PublishOpenData: Sendable {
    public var actor: Actor?
    public var consultationID: ID

    public init(actor: Actor?, consultationID: ID) { self.actor = actor; self.consultationID = consultationID }

    public func run(_ ctx: CommandContext) async throws -> Outcome<OpenDataPublication> {
        try await OpenDataCommand.change(ctx, actor: actor, consultationID: consultationID, detail: "open_data_published") { p, now in
            p.publishedAt = p.publishedAt ?? now
        }
    }
}

/// Takes the open data back: public again only at closing if that is on, or when published anew.
public struct UnpublishOpenData: Sendable {
    public var actor: Actor?
    public var consultationID: ID

    public init(actor: Actor?, consultationID: ID) { self.actor = actor; self.consultationID = consultationID }

    public func run(_ ctx: CommandContext) async throws -> Outcome<OpenDataPublication> {
        try await OpenDataCommand.change(ctx, actor: actor, consultationID: consultationID, detail: "open_data_unpublished") { p, _ in
            p.publishedAt = nil
        }
    }
}

/// Turns automatic publication at closing on or off.
public struct SetOpenDataAtClosing: Sendable {
    public var actor: Actor?
    public var consultationID: ID
    public var atClosing: Bool

    public init(actor: Actor?, consultationID: ID, atClosing: Bool) {
        self.actor = actor; self.consultationID = consultationID; self.atClosing = atClosing
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<OpenDataPublication> {
        let on = atClosing
        return try await OpenDataCommand.change(ctx, actor: actor, consultationID: consultationID, detail: "open_data_at_closing=\(on ? "on" : "off")") { p, _ in
            p.atClosing = on
        }
    }
}

enum OpenDataCommand {
    static func change(
        _ ctx: CommandContext, actor: Actor?, consultationID: ID, detail: String, _ apply: (inout OpenDataPublication, Date) -> Void
    ) async throws -> Outcome<OpenDataPublication> {
        guard let c = try await ctx.store.consultation(id: consultationID),
              var publication = try await ctx.store.openDataPublication(consultationID: consultationID) else { return .notFound }
        let now = ctx.clock.now()
        if case .refused(let r) = Permissions.can(actor, .publishOpenData, on: c, at: now) { return .refused(r) }
        apply(&publication, now)
        let audit = try await Audit.entry(ctx, actor: actor, consultationID: c.id, .editConsultation, target: "consultation", c.id, detail: detail)
        try await ctx.store.setOpenDataPublication(consultationID: c.id, publication, audit: audit)
        return .done(publication)
    }
}
