import Foundation

/// Limits of what a debate's organiser writes (issue 15).
public enum DebateLimits {
    public static let title = 3...200
    public static let description = 0...10_000
    public static let venueName = 2...160
    public static let address = 3...250
    public static let commune = 1...120
    public static let videoURL = 12...2_000
    public static let accessibilityNotes = 0...1_000
    public static let capacity = 1...10_000
    public static let organisationName = 2...160
    /// A debate lasts at most a day.
    public static let longestDuration: TimeInterval = 24 * 3600
    public static let messageSubject = 3...150
    public static let messageBody = 3...5_000
    public static let cancelReason = 3...1_000
    /// Messages an organiser may send on one debate per 24 hours.
    public static let messagesPerDay = 3
}

/// What someone fills in to declare a debate. The web layer parses dates (Paris time) and passes its parse errors.
public struct DebateInput: Sendable {
    public enum Mode: String, Sendable, CaseIterable { case venue, online }

    public var title: String
    public var description: String
    public var startsAt: Date?
    public var endsAt: Date?
    public var mode: Mode?
    public var venueName: String
    public var address: String
    public var postcode: String
    public var commune: String
    public var videoURL: String
    public var stepFree: StepFreeAccess?
    public var accessibilityNotes: String
    /// As typed: checked here (a number, 1…10,000).
    public var capacity: String
    public var organiserKind: DebateOrganiserKind?
    public var organisationName: String
    /// Errors found while reading the form (a date that is no date).
    public var parseErrors: [FieldError]

    public init(
        title: String, description: String = "", startsAt: Date?, endsAt: Date?, mode: Mode?, venueName: String = "",
        address: String = "", postcode: String = "", commune: String = "", videoURL: String = "", stepFree: StepFreeAccess? = .unknown,
        accessibilityNotes: String = "", capacity: String, organiserKind: DebateOrganiserKind? = .person, organisationName: String = "",
        parseErrors: [FieldError] = []
    ) {
        self.title = title; self.description = description; self.startsAt = startsAt; self.endsAt = endsAt; self.mode = mode
        self.venueName = venueName; self.address = address; self.postcode = postcode; self.commune = commune
        self.videoURL = videoURL; self.stepFree = stepFree; self.accessibilityNotes = accessibilityNotes; self.capacity = capacity
        self.organiserKind = organiserKind; self.organisationName = organisationName; self.parseErrors = parseErrors
    }
}

/// Declares a local debate on an open consultation (a participant's action: no audit entry).
public struct DeclareDebate: Sendable {
    public var actor: Actor?
    public var consultationID: ID
    public var input: DebateInput

    public init(actor: Actor?, consultationID: ID, input: DebateInput) {
        self.actor = actor; self.consultationID = consultationID; self.input = input
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Debate> {
        guard let c = try await ctx.store.consultation(id: consultationID) else { return .notFound }
        let now = ctx.clock.now()
        if !Permissions.can(actor, .read, on: c, at: now).isAllowed { return .notFound }
        if case .refused(let r) = Permissions.can(actor, .declareDebate, on: c, at: now) { return .refused(r) }
        guard let actor, let me = try await ctx.store.participant(id: actor.participantID) else { return .refused(.notSignedIn) }
        let (place, errors) = Self.validate(input, now: now)
        guard errors.isEmpty, let place, let startsAt = input.startsAt, let endsAt = input.endsAt,
              let capacity = Int(input.capacity.trimmingCharacters(in: .whitespaces)), let kind = input.organiserKind
        else { return .invalid(errors) }
        let organisation = Validate.clean(input.organisationName)
        let debate = try await ctx.store.createDebate(NewDebate(
            consultationID: c.id, organiserID: me.id, organiserKind: kind,
            organiserName: kind == .organisation ? organisation : me.publicName,
            title: Validate.clean(input.title), description: Validate.clean(input.description), startsAt: startsAt, endsAt: endsAt,
            place: place, stepFree: place.venue == nil ? .unknown : (input.stepFree ?? .unknown),
            accessibilityNotes: Validate.clean(input.accessibilityNotes), capacity: capacity, createdAt: now))
        return .done(debate)
    }

    /// Every field's errors at once, and the place when it is valid.
    public static func validate(_ input: DebateInput, now: Date) -> (DebatePlace?, [FieldError]) {
        var errors = input.parseErrors
        let failed = Set(errors.map(\.field))
        Validate.text(Validate.clean(input.title), field: "title", limits: DebateLimits.title, errors: &errors)
        Validate.text(Validate.clean(input.description), field: "description", limits: DebateLimits.description, errors: &errors)
        if !failed.contains("startsAt") {
            if let start = input.startsAt {
                // NB: "notAllowed" on a date means it is in the past: the page says so in its own words.
                if start <= now { errors.append(FieldError(field: "startsAt", rule: .notAllowed)) }
            } else { errors.append(FieldError(field: "startsAt", rule: .required)) }
        }
        if !failed.contains("endsAt") {
            if let end = input.endsAt {
                if let start = input.startsAt {
                    if end <= start { errors.append(FieldError(field: "endsAt", rule: .beforeOpening)) }
                    else if end.timeIntervalSince(start) > DebateLimits.longestDuration {
                        errors.append(FieldError(field: "endsAt", rule: .tooLong, limit: Int(DebateLimits.longestDuration / 3600)))
                    }
                }
            } else { errors.append(FieldError(field: "endsAt", rule: .required)) }
        }
        var place: DebatePlace?
        switch input.mode {
        case .venue?:
            let name = Validate.clean(input.venueName), address = Validate.clean(input.address)
            let postcode = input.postcode.filter { !$0.isWhitespace }, commune = Validate.clean(input.commune)
            let before = errors.count
            Validate.text(name, field: "venueName", limits: DebateLimits.venueName, errors: &errors)
            Validate.text(address, field: "address", limits: DebateLimits.address, errors: &errors)
            Validate.text(commune, field: "commune", limits: DebateLimits.commune, errors: &errors)
            let departement = Departement.code(postcode: postcode)
            if postcode.isEmpty { errors.append(FieldError(field: "postcode", rule: .required)) }
            else if departement == nil { errors.append(FieldError(field: "postcode", rule: .invalid)) }
            if input.stepFree == nil {
                errors.append(FieldError(field: "stepFree", rule: .unknownValue, value: StepFreeAccess.allCases.map(\.rawValue).joined(separator: ", ")))
            }
            if errors.count == before, let departement {
                place = .venue(DebateVenue(name: name, address: address, postcode: postcode, departement: departement, commune: commune))
            }
        case .online?:
            let url = Validate.clean(input.videoURL)
            if url.isEmpty { errors.append(FieldError(field: "videoURL", rule: .required)) }
            else if url.count > DebateLimits.videoURL.upperBound {
                errors.append(FieldError(field: "videoURL", rule: .tooLong, limit: DebateLimits.videoURL.upperBound))
            } else if !Self.isHTTPS(url) { errors.append(FieldError(field: "videoURL", rule: .invalid)) }
            else { place = .online(url: url) }
        case nil:
            errors.append(FieldError(field: "mode", rule: .unknownValue, value: DebateInput.Mode.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        Validate.text(Validate.clean(input.accessibilityNotes), field: "accessibilityNotes", limits: DebateLimits.accessibilityNotes, errors: &errors)
        let capacityText = input.capacity.trimmingCharacters(in: .whitespaces)
        if capacityText.isEmpty { errors.append(FieldError(field: "capacity", rule: .required)) }
        else if let n = Int(capacityText) {
            if n < DebateLimits.capacity.lowerBound { errors.append(FieldError(field: "capacity", rule: .tooShort, limit: DebateLimits.capacity.lowerBound)) }
            if n > DebateLimits.capacity.upperBound { errors.append(FieldError(field: "capacity", rule: .tooLong, limit: DebateLimits.capacity.upperBound)) }
        } else { errors.append(FieldError(field: "capacity", rule: .invalid)) }
        switch input.organiserKind {
        case .organisation?:
            Validate.text(Validate.clean(input.organisationName), field: "organisationName", limits: DebateLimits.organisationName, errors: &errors)
        case .person?: break
        case nil:
            errors.append(FieldError(field: "organiserKind", rule: .unknownValue, value: DebateOrganiserKind.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        return (errors.isEmpty ? place : nil, errors)
    }

    /// An https link with a host and no spaces: a video link is opened by people who trust the platform.
    public static func isHTTPS(_ value: String) -> Bool {
        guard let comps = URLComponents(string: value), comps.scheme?.lowercased() == "https", let host = comps.host, !host.isEmpty,
              comps.user == nil, comps.password == nil else { return false }
        return !value.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "<" || $0 == ">" })
    }
}

/// Finds a debate and its consultation, as the actor may see them.
enum DebateLookup {
    static func find(_ ctx: CommandContext, _ actor: Actor?, _ debateID: ID) async throws -> (DebateRow, Consultation)? {
        guard let row = try await ctx.store.debate(id: debateID), let c = try await ctx.store.consultation(id: row.debate.consultationID),
              Permissions.can(actor, .read, on: c, at: ctx.clock.now()).isAllowed else { return nil }
        return (row, c)
    }
}

/// Registers for a debate, or joins its waiting list when it is full.
public struct RegisterForDebate: Sendable {
    public var actor: Actor?
    public var debateID: ID

    public init(actor: Actor?, debateID: ID) { self.actor = actor; self.debateID = debateID }

    public func run(_ ctx: CommandContext) async throws -> Outcome<DebateRegistration> {
        guard try await DebateLookup.find(ctx, actor, debateID) != nil else { return .notFound }
        guard let actor else { return .refused(.notSignedIn) }
        switch try await ctx.store.registerForDebate(debateID: debateID, participantID: actor.participantID, at: ctx.clock.now()) {
        case .done(let r), .already(let r): return .done(r)
        case .closed: return .refused(.closed)
        case .notFound: return .notFound
        }
    }
}

/// Cancels one's own registration; the first person waiting takes the freed place and is told by mail.
public struct CancelDebateRegistration: Sendable {
    public var actor: Actor?
    public var debateID: ID
    public var compose: DebateMailComposer

    public init(actor: Actor?, debateID: ID, compose: @escaping DebateMailComposer) {
        self.actor = actor; self.debateID = debateID; self.compose = compose
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<DebateUnregistrationResult> {
        guard let (row, _) = try await DebateLookup.find(ctx, actor, debateID) else { return .notFound }
        guard let actor else { return .refused(.notSignedIn) }
        // NB: after the start, the list is what the room was: it stays as it is.
        if row.debate.hasStarted(at: ctx.clock.now()) { return .refused(.closed) }
        let result = try await ctx.store.cancelDebateRegistration(
            debateID: debateID, participantID: actor.participantID, at: ctx.clock.now(), compose: compose)
        if result == .notRegistered { return .notFound }
        return .done(result)
    }
}

/// Who may act on a debate as its organiser: whoever declared it. Staff of the consultation may cancel it too.
public enum DebateRights {
    public static func isOrganiser(_ actor: Actor?, of debate: Debate) -> Bool {
        guard let actor, let id = debate.organiserID else { return false }
        return actor.participantID == id
    }
}

/// Cancels a debate: its organiser, or a moderator or organiser of the consultation (staff: audited). Everyone registered
/// or waiting is told by mail.
public struct CancelDebate: Sendable {
    public var actor: Actor?
    public var debateID: ID
    public var reason: String
    public var compose: DebateMailComposer

    public init(actor: Actor?, debateID: ID, reason: String, compose: @escaping DebateMailComposer) {
        self.actor = actor; self.debateID = debateID; self.reason = reason; self.compose = compose
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Debate> {
        guard let (row, c) = try await DebateLookup.find(ctx, actor, debateID) else { return .notFound }
        guard actor != nil else { return .refused(.notSignedIn) }
        let now = ctx.clock.now()
        let own = DebateRights.isOrganiser(actor, of: row.debate)
        if !own, case .refused(let r) = Permissions.can(actor, .moderate, on: c, at: now) { return .refused(r) }
        let reason = Validate.clean(self.reason)
        var errors: [FieldError] = []
        Validate.text(reason, field: "reason", limits: DebateLimits.cancelReason, errors: &errors)
        guard errors.isEmpty else { return .invalid(errors) }
        if row.debate.isCancelled { return .done(row.debate) }
        if row.debate.isPast(at: now) { return .refused(.closed) }
        var audit: AuditEntry?
        if !own {
            audit = try await Audit.entry(
                ctx, actor: actor, consultationID: c.id, .cancelDebate, target: "debate", row.debate.id, reason: reason, detail: row.debate.title)
        }
        _ = try await ctx.store.cancelDebate(id: row.debate.id, reason: reason, at: now, audit: audit, compose: compose)
        guard let updated = try await ctx.store.debate(id: row.debate.id) else { return .notFound }
        return .done(updated.debate)
    }
}

/// The organiser writes to the registered people: plain text, queued as one mail each, at most
/// `DebateLimits.messagesPerDay` per debate and 24 hours, recorded.
public struct MessageDebateRegistrants: Sendable {
    public var actor: Actor?
    public var debateID: ID
    public var subject: String
    public var body: String
    public var compose: DebateMailComposer

    public init(actor: Actor?, debateID: ID, subject: String, body: String, compose: @escaping DebateMailComposer) {
        self.actor = actor; self.debateID = debateID; self.subject = subject; self.body = body; self.compose = compose
    }

    public func run(_ ctx: CommandContext) async throws -> Outcome<Int> {
        guard let (row, _) = try await DebateLookup.find(ctx, actor, debateID) else { return .notFound }
        guard let actor else { return .refused(.notSignedIn) }
        // NB: the registrants trusted the organiser with their presence, not the consultation's staff: only the organiser writes.
        guard DebateRights.isOrganiser(actor, of: row.debate) else { return .refused(.organisersOnly) }
        // A subject is one line: a line break would open the mail's headers.
        let subject = Validate.clean(self.subject).replacingOccurrences(of: "\n", with: " ")
        let body = Validate.clean(self.body)
        var errors: [FieldError] = []
        Validate.text(subject, field: "messageSubject", limits: DebateLimits.messageSubject, errors: &errors)
        Validate.text(body, field: "messageBody", limits: DebateLimits.messageBody, errors: &errors)
        guard errors.isEmpty else { return .invalid(errors) }
        if row.debate.isCancelled { return .refused(.closed) }
        let now = ctx.clock.now()
        switch try await ctx.store.sendDebateMessage(
            debateID: debateID, senderID: actor.participantID, subject: subject, body: body, at: now, since: now - 86_400,
            limit: DebateLimits.messagesPerDay, compose: compose) {
        case .sent(let n): return .done(n)
        case .tooMany(let limit): return .invalid([FieldError(field: "messages", rule: .tooLong, limit: limit)])
        case .notFound: return .notFound
        }
    }
}
