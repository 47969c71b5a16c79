import ContribuezCore
import ContribuezStore
import Foundation
import Testing

/// Local debates in the store (issue 15), on every backend: the list's filters, the waiting list, the promotion and its
/// mail in the same transaction, and the race for the last place.
@Suite("Debate store", .serialized)
struct DebateStoreTests {
    static let t0 = Fixture.t0

    static func debate(_ f: Fixture, title: String = "Débat", in days: Double = 7, capacity: Int = 2, departement: String? = "69",
                       organiser: Participant? = nil) async throws -> Debate {
        let start = t0 + days * 86_400
        let place: DebatePlace = departement.map {
            .venue(DebateVenue(name: "Salle des fêtes", address: "1 place de la Mairie", postcode: "\($0)001", departement: $0, commune: "Ville"))
        } ?? .online(url: "https://visio.example.fr/debat")
        return try await f.store.createDebate(NewDebate(
            consultationID: f.consultation.id, organiserID: (organiser ?? f.alice).id, organiserKind: .person,
            organiserName: (organiser ?? f.alice).publicName, title: title, description: "Description", startsAt: start,
            endsAt: start + 7200, place: place, stepFree: .yes, accessibilityNotes: "Boucle magnétique", capacity: capacity, createdAt: t0))
    }

    static func person(_ f: Fixture, _ n: Int) async throws -> Participant {
        try await f.store.createParticipant(NewParticipant(
            email: "p\(n)-\(UUID().uuidString.prefix(6))@example.fr", displayName: "Personne \(n)", kind: .citizen, organization: nil,
            createdAt: t0), passwordHash: "h")
    }

    static let compose: DebateMailComposer = { event, r in
        switch event {
        case .promoted(let d): NewMail(to: r.email, subject: "Place: \(d.title)", text: "Bonjour \(r.name)", kind: "debate_promoted")
        case .cancelled(let d): NewMail(to: r.email, subject: "Annulé: \(d.title)", text: d.cancelReason, kind: "debate_cancelled")
        case .message(_, let s, let b): NewMail(to: r.email, subject: s, text: b, kind: "debate_message")
        }
    }

    @Test("a declared debate reads back whole, venue or link", arguments: Backend.all)
    func roundTrip(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        // act
        let venue = try await Self.debate(f, title: "Au Rize")
        let online = try await Self.debate(f, title: "En ligne", departement: nil)
        // check
        let read = try #require(try await f.store.debate(id: venue.id))
        #expect(read.debate == venue)
        #expect(read.debate.place.venue?.departement == "69")
        #expect(read.registered == 0 && read.waiting == 0 && read.placesLeft == 2)
        #expect(try await f.store.debate(id: online.id)?.debate.place == .online(url: "https://visio.example.fr/debat"))
        #expect(try await f.store.debate(id: 999_999) == nil)
    }

    @Test("the list filters by département and by upcoming or past, paginates, and the counts skip cancelled debates", arguments: Backend.all)
    func listFilters(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let lyon1 = try await Self.debate(f, title: "Lyon 1", in: 2)
        let lyon2 = try await Self.debate(f, title: "Lyon 2", in: 1)
        let paris = try await Self.debate(f, title: "Paris", in: 3, departement: "75")
        let held = try await Self.debate(f, title: "Tenu", in: -3)
        let cancelled = try await Self.debate(f, title: "Annulé", in: 5)
        _ = try await f.store.cancelDebate(id: cancelled.id, reason: "Salle indisponible", at: Self.t0, audit: nil, compose: Self.compose)
        // act
        let upcoming = try await f.store.debates(DebateQuery(consultationID: f.consultation.id, at: Self.t0), page: PageRequest())
        let inLyon = try await f.store.debates(DebateQuery(consultationID: f.consultation.id, departement: "69", at: Self.t0), page: PageRequest())
        let past = try await f.store.debates(DebateQuery(consultationID: f.consultation.id, when: .past, at: Self.t0), page: PageRequest())
        let second = try await f.store.debates(DebateQuery(consultationID: f.consultation.id, at: Self.t0), page: PageRequest(page: 2, perPage: 2))
        let counts = try await f.store.debateCounts(consultationID: f.consultation.id, at: Self.t0)
        // check
        #expect(upcoming.items.map(\.debate.id) == [lyon2.id, lyon1.id, paris.id, cancelled.id], "soonest first, cancelled ones listed")
        #expect(inLyon.items.map(\.debate.id) == [lyon2.id, lyon1.id, cancelled.id])
        #expect(past.items.map(\.debate.id) == [held.id])
        #expect(second.total == 4 && second.items.map(\.debate.id) == [paris.id, cancelled.id])
        #expect(counts == DebateCounts(upcoming: 3, held: 1))
    }

    @Test("past the capacity people wait in order; a cancellation promotes the first waiting and queues their mail", arguments: Backend.all)
    func waitingList(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let d = try await Self.debate(f, capacity: 1)
        let carol = try await Self.person(f, 3)
        // act
        let first = try await f.store.registerForDebate(debateID: d.id, participantID: f.alice.id, at: Self.t0)
        let second = try await f.store.registerForDebate(debateID: d.id, participantID: f.bob.id, at: Self.t0 + 1)
        let third = try await f.store.registerForDebate(debateID: d.id, participantID: carol.id, at: Self.t0 + 2)
        let again = try await f.store.registerForDebate(debateID: d.id, participantID: f.bob.id, at: Self.t0 + 3)
        let cancelled = try await f.store.cancelDebateRegistration(debateID: d.id, participantID: f.alice.id, at: Self.t0 + 4, compose: Self.compose)
        // check
        guard case .done(let r1) = first, case .done(let r2) = second, case .done(let r3) = third, case .already(let r4) = again else {
            Issue.record("unexpected results \(first) \(second) \(third) \(again)"); return
        }
        #expect(r1.status == .registered && r1.waitingPosition == nil)
        #expect(r2.status == .waiting && r2.waitingPosition == 1)
        #expect(r3.status == .waiting && r3.waitingPosition == 2)
        #expect(r4 == r2)
        #expect(cancelled == .done(promoted: f.bob.id))
        #expect(try await f.store.debateRegistration(debateID: d.id, participantID: f.bob.id)?.status == .registered)
        #expect(try await f.store.debateRegistration(debateID: d.id, participantID: carol.id)?.waitingPosition == 1)
        #expect(try await f.store.debateRegistration(debateID: d.id, participantID: f.alice.id) == nil)
        let mails = try await f.store.dueMails(at: Self.t0 + 10, limit: 50).filter { $0.kind == "debate_promoted" }
        #expect(mails.map(\.to) == ["bob@example.fr"])
        #expect(mails.first?.text == "Bonjour Bob (Asso)")
        let names = try await f.store.debateRegistrants(debateID: d.id)
        #expect(names.map(\.name) == ["Bob (Asso)", "Personne 3"])
        #expect(names.map(\.status) == [.registered, .waiting])
        // A waiting person who leaves frees no place: nobody is promoted, no mail.
        #expect(try await f.store.cancelDebateRegistration(debateID: d.id, participantID: carol.id, at: Self.t0 + 5, compose: Self.compose) == .done(promoted: nil))
        #expect(try await f.store.cancelDebateRegistration(debateID: d.id, participantID: carol.id, at: Self.t0 + 6, compose: Self.compose) == .notRegistered)
        #expect(try await f.store.dueMails(at: Self.t0 + 10, limit: 50).filter { $0.kind == "debate_promoted" }.count == 1)
    }

    @Test("of twelve people racing for the last two places, two get them and ten wait, each once", arguments: Backend.all)
    func raceForTheLastPlaces(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let d = try await Self.debate(f, capacity: 2)
        var people: [Participant] = []
        for n in 0..<12 { people.append(try await Self.person(f, n)) }
        // act
        let store = f.store, debateID = d.id, t0 = Self.t0
        let results = try await withThrowingTaskGroup(of: DebateRegistrationResult.self) { group in
            for id in people.map(\.id) { group.addTask { try await store.registerForDebate(debateID: debateID, participantID: id, at: t0) } }
            var out: [DebateRegistrationResult] = []
            for try await r in group { out.append(r) }
            return out
        }
        // check
        let statuses = results.compactMap { r -> DebateRegistrationStatus? in if case .done(let x) = r { x.status } else { nil } }
        #expect(statuses.count == 12)
        #expect(statuses.filter { $0 == .registered }.count == 2)
        let row = try #require(try await f.store.debate(id: d.id))
        #expect(row.registered == 2 && row.waiting == 10)
        let positions = try await people.asyncMap { try await f.store.debateRegistration(debateID: d.id, participantID: $0.id)?.waitingPosition }
        #expect(positions.compactMap { $0 }.sorted() == Array(1...10))
    }

    @Test("two registered people cancelling at once promote the first two waiting, each once", arguments: Backend.all)
    func concurrentCancellations(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let d = try await Self.debate(f, capacity: 2)
        var people: [Participant] = []
        for n in 0..<5 { people.append(try await Self.person(f, n)) }
        for (i, p) in people.enumerated() { _ = try await f.store.registerForDebate(debateID: d.id, participantID: p.id, at: Self.t0 + Double(i)) }
        // act
        let store = f.store, debateID = d.id, at = Self.t0 + 10, compose = Self.compose
        let promoted = try await withThrowingTaskGroup(of: DebateUnregistrationResult.self) { group in
            for id in people.prefix(2).map(\.id) {
                group.addTask { try await store.cancelDebateRegistration(debateID: debateID, participantID: id, at: at, compose: compose) }
            }
            var out: [ID] = []
            for try await r in group { if case .done(let id?) = r { out.append(id) } }
            return out
        }
        // check
        #expect(Set(promoted) == [people[2].id, people[3].id])
        let row = try #require(try await f.store.debate(id: d.id))
        #expect(row.registered == 2 && row.waiting == 1)
        #expect(try await f.store.dueMails(at: Self.t0 + 20, limit: 50).filter { $0.kind == "debate_promoted" }.count == 2)
    }

    @Test("a cancelled or started debate takes no registration; cancelling tells everyone once and keeps the audit entry", arguments: Backend.all)
    func cancelAndClose(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let d = try await Self.debate(f, capacity: 1)
        let soon = try await Self.debate(f, in: 0.5)
        _ = try await f.store.registerForDebate(debateID: d.id, participantID: f.alice.id, at: Self.t0)
        _ = try await f.store.registerForDebate(debateID: d.id, participantID: f.bob.id, at: Self.t0)
        let audit = AuditEntry(consultationID: f.consultation.id, actorID: f.bob.id, actorName: "Bob", action: .cancelDebate,
                               targetKind: "debate", targetID: d.id, reason: "Grève", at: Self.t0)
        // act
        let first = try await f.store.cancelDebate(id: d.id, reason: "Grève", at: Self.t0 + 1, audit: audit, compose: Self.compose)
        let second = try await f.store.cancelDebate(id: d.id, reason: "Encore", at: Self.t0 + 2, audit: audit, compose: Self.compose)
        let late = try await f.store.registerForDebate(debateID: soon.id, participantID: f.alice.id, at: soon.startsAt)
        let afterCancel = try await f.store.registerForDebate(debateID: d.id, participantID: (try await Self.person(f, 9)).id, at: Self.t0 + 3)
        // check
        #expect(first && !second)
        #expect(late == .closed && afterCancel == .closed)
        let stored = try #require(try await f.store.debate(id: d.id)?.debate)
        #expect(stored.isCancelled && stored.cancelReason == "Grève")
        let mails = try await f.store.dueMails(at: Self.t0 + 10, limit: 50).filter { $0.kind == "debate_cancelled" }
        #expect(Set(mails.map(\.to)) == ["alice@example.fr", "bob@example.fr"], "registered and waiting are told")
        let trail = try await f.store.auditEntries(consultationID: f.consultation.id, page: PageRequest()).items.filter { $0.action == .cancelDebate }
        #expect(trail.count == 1 && trail.first?.targetID == d.id)
    }

    @Test("the organiser's messages go to the registered only, are recorded, and stop at the limit", arguments: Backend.all)
    func messages(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let d = try await Self.debate(f, capacity: 1)
        _ = try await f.store.registerForDebate(debateID: d.id, participantID: f.alice.id, at: Self.t0)
        _ = try await f.store.registerForDebate(debateID: d.id, participantID: f.bob.id, at: Self.t0)
        // act
        var results: [DebateMessageResult] = []
        for i in 0..<3 {
            results.append(try await f.store.sendDebateMessage(
                debateID: d.id, senderID: f.alice.id, subject: "Sujet \(i)", body: "Texte", at: Self.t0 + Double(i),
                since: Self.t0 - 86_400, limit: 2, compose: Self.compose))
        }
        let nextDay = try await f.store.sendDebateMessage(
            debateID: d.id, senderID: f.alice.id, subject: "Lendemain", body: "Texte", at: Self.t0 + 90_000,
            since: Self.t0 + 90_000 - 86_400, limit: 2, compose: Self.compose)
        // check
        #expect(results == [.sent(recipients: 1), .sent(recipients: 1), .tooMany(limit: 2)])
        #expect(nextDay == .sent(recipients: 1))
        let mails = try await f.store.dueMails(at: Self.t0 + 100_000, limit: 50).filter { $0.kind == "debate_message" }
        #expect(mails.map(\.subject) == ["Sujet 0", "Sujet 1", "Lendemain"])
        #expect(Set(mails.map(\.to)) == ["alice@example.fr"], "the waiting list gets no message")
        #expect(try await f.store.sendDebateMessage(
            debateID: 999_999, senderID: f.alice.id, subject: "x", body: "y", at: Self.t0, since: Self.t0, limit: 2, compose: Self.compose) == .notFound)
    }

    @Test("a person's registrations are in their personal data, and the organiser's debates in their list", arguments: Backend.all)
    func personalData(_ backend: Backend) async throws {
        // setup
        let f = try await Fixture.make(backend)
        let d1 = try await Self.debate(f, title: "Premier", capacity: 1, organiser: f.bob)
        let d2 = try await Self.debate(f, title: "Second", in: 8, organiser: f.bob)
        _ = try await f.store.registerForDebate(debateID: d1.id, participantID: f.bob.id, at: Self.t0)
        // act
        _ = try await f.store.registerForDebate(debateID: d1.id, participantID: f.alice.id, at: Self.t0 + 1)
        _ = try await f.store.registerForDebate(debateID: d2.id, participantID: f.alice.id, at: Self.t0 + 2)
        // check
        let mine = try await f.store.personalDebateRegistrations(participantID: f.alice.id)
        #expect(mine.map(\.debateTitle) == ["Premier", "Second"])
        #expect(mine.map(\.status) == [.waiting, .registered])
        #expect(try await f.store.debates(organiserID: f.bob.id, limit: 10).map(\.debate.id) == [d2.id, d1.id])
        #expect(try await f.store.debates(organiserID: f.alice.id, limit: 10).isEmpty)
    }
}

extension Array {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await transform(e)) }
        return out
    }
}
