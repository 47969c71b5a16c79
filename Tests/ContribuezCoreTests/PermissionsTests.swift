import ContribuezCore
import Foundation
import Testing

@Suite("Permissions")
struct PermissionsTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    static func consultation(published: Bool = true, opensIn: TimeInterval = -3600, closesIn: TimeInterval = 3600, kinds: Set<ParticipantKind> = []) -> Consultation {
        Consultation(id: 1, slug: "c", title: "C", summary: "", institution: "I", isPublished: published,
                     opensAt: t0 + opensIn, closesAt: t0 + closesIn, allowedKinds: kinds)
    }

    static let citizen = Actor(participantID: 1, kind: .citizen, role: .participant)
    static let company = Actor(participantID: 2, kind: .company, role: .participant)
    /// Organiser of consultation 1 (the one every row acts on).
    static let organiser = Actor(participantID: 3, kind: .publicBody, role: .participant, consultationRoles: [1: .organiser])

    struct Row: Sendable, CustomStringConvertible {
        var name: String
        var actor: Actor?
        var action: Action
        var consultation: Consultation
        var expected: Decision
        var description: String { name }
    }

    static let table: [Row] = [
        Row(name: "anyone reads an open consultation", actor: nil, action: .read, consultation: consultation(), expected: .allowed),
        Row(name: "anyone reads a closed consultation", actor: nil, action: .read, consultation: consultation(opensIn: -7200, closesIn: -3600), expected: .allowed),
        Row(name: "the public does not see a draft", actor: citizen, action: .read, consultation: consultation(published: false), expected: .refused(.notPublished)),
        Row(name: "an organiser sees a draft", actor: organiser, action: .read, consultation: consultation(published: false), expected: .allowed),
        Row(name: "a visitor cannot vote", actor: nil, action: .vote, consultation: consultation(), expected: .refused(.notSignedIn)),
        Row(name: "a visitor cannot contribute", actor: nil, action: .contribute(.amendment), consultation: consultation(), expected: .refused(.notSignedIn)),
        Row(name: "a participant votes while open", actor: citizen, action: .vote, consultation: consultation(), expected: .allowed),
        Row(name: "a participant withdraws while open", actor: citizen, action: .withdrawVote, consultation: consultation(), expected: .allowed),
        Row(name: "a participant proposes while open", actor: citizen, action: .contribute(.proposal), consultation: consultation(), expected: .allowed),
        Row(name: "no vote before opening", actor: citizen, action: .vote, consultation: consultation(opensIn: 3600, closesIn: 7200), expected: .refused(.notOpenYet)),
        Row(name: "no vote after closing", actor: citizen, action: .vote, consultation: consultation(opensIn: -7200, closesIn: -1), expected: .refused(.closed)),
        Row(name: "no withdrawal after closing", actor: citizen, action: .withdrawVote, consultation: consultation(opensIn: -7200, closesIn: 0), expected: .refused(.closed)),
        Row(name: "no argument after closing", actor: citizen, action: .contribute(.argument), consultation: consultation(opensIn: -7200, closesIn: -1), expected: .refused(.closed)),
        Row(name: "restricted kinds refuse others", actor: company, action: .vote, consultation: consultation(kinds: [.citizen]), expected: .refused(.kindNotAllowed)),
        Row(name: "restricted kinds accept listed kinds", actor: citizen, action: .contribute(.source), consultation: consultation(kinds: [.citizen]), expected: .allowed),
        Row(name: "a visitor cannot organise", actor: nil, action: .organise, consultation: consultation(), expected: .refused(.notSignedIn)),
        Row(name: "a participant cannot organise", actor: citizen, action: .organise, consultation: consultation(), expected: .refused(.organisersOnly)),
        Row(name: "an organiser organises a closed consultation", actor: organiser, action: .organise, consultation: consultation(opensIn: -7200, closesIn: -1), expected: .allowed),
        Row(name: "an unpublished consultation takes no vote", actor: citizen, action: .vote, consultation: consultation(published: false), expected: .refused(.notPublished)),
    ]

    @Test("the permission function decides as the table says", arguments: table)
    func decides(_ row: Row) {
        // act
        let decision = Permissions.can(row.actor, row.action, on: row.consultation, at: Self.t0)
        // check
        #expect(decision == row.expected, "\(row.name)")
    }

    @Test("the phase follows publication and dates")
    func phases() {
        #expect(Self.consultation().phase(at: Self.t0) == .open)
        #expect(Self.consultation(published: false).phase(at: Self.t0) == .draft)
        #expect(Self.consultation(opensIn: 10, closesIn: 20).phase(at: Self.t0) == .draft)
        #expect(Self.consultation(opensIn: -20, closesIn: 0).phase(at: Self.t0) == .closed)
    }

    // MARK: The whole table: every role × every action × every phase

    /// The actors of the table, each acting on consultation 1.
    static let roles: [(String, Actor?)] = [
        ("visitor", nil),
        ("participant", Actor(participantID: 10, kind: .citizen, role: .participant)),
        ("instance organiser without a role here", Actor(participantID: 11, kind: .publicBody, role: .organiser)),
        ("organiser of this consultation", Actor(participantID: 12, kind: .publicBody, role: .participant, consultationRoles: [1: .organiser])),
        ("moderator of this consultation", Actor(participantID: 13, kind: .citizen, role: .participant, consultationRoles: [1: .moderator])),
        ("answerer of this consultation", Actor(participantID: 14, kind: .publicBody, role: .participant, consultationRoles: [1: .answerer])),
        ("organiser of consultation B", Actor(participantID: 15, kind: .publicBody, role: .organiser, consultationRoles: [2: .organiser, 3: .moderator])),
        ("admin", Actor(participantID: 16, kind: .citizen, role: .admin)),
    ]

    /// The states of consultation 1: unpublished draft, published but not open yet, open, closed.
    static let states: [(String, Consultation)] = [
        ("unpublished", consultation(published: false)),
        ("published, not open yet", consultation(opensIn: 3600, closesIn: 7200)),
        ("open", consultation()),
        ("closed", consultation(opensIn: -7200, closesIn: -1)),
    ]

    /// Expected decisions, one line per action and state, one code per role in the order of `roles`:
    /// ok, nsi not signed in, np not published, nop not open yet, cl closed, org organisers only,
    /// mod moderators only, ans answerers only, adm admins only, nd not draft, ap already published.
    /// Written by hand from the issue, not from the function.
    static let expected: [String: [String]] = [
        "read": ["np np np ok ok ok np ok", "ok ok ok ok ok ok ok ok", "ok ok ok ok ok ok ok ok", "ok ok ok ok ok ok ok ok"],
        "vote": ["nsi np np nop nop nop np nop", "nsi nop nop nop nop nop nop nop", "nsi ok ok ok ok ok ok ok", "nsi cl cl cl cl cl cl cl"],
        "report": ["nsi np np nop nop nop np nop", "nsi nop nop nop nop nop nop nop", "nsi ok ok ok ok ok ok ok", "nsi ok ok ok ok ok ok ok"],
        "organise": Array(repeating: "nsi org org ok org org org ok", count: 4),
        "manageRoles": Array(repeating: "nsi org org ok org org org ok", count: 4),
        "createConsultation": Array(repeating: "nsi org ok org org org ok ok", count: 4),
        "editConsultation": ["nsi org org ok org org org ok", "nsi org org ok org org org ok", "nsi org org ok org org org ok", "nsi org org cl org org org cl"],
        "editText": ["nsi org org ok org org org ok", "nsi org org nd org org org nd", "nsi org org nd org org org nd", "nsi org org nd org org org nd"],
        "publish": ["nsi org org ok org org org ok", "nsi org org ap org org org ap", "nsi org org ap org org org ap", "nsi org org ap org org org ap"],
        "close": ["nsi org org nop org org org nop", "nsi org org ok org org org ok", "nsi org org ok org org org ok", "nsi org org cl org org org cl"],
        "moderate": Array(repeating: "nsi mod mod ok ok mod mod ok", count: 4),
        "answer": ["nsi ans ans nop ans nop ans nop", "nsi ans ans ok ans ok ans ok", "nsi ans ans ok ans ok ans ok", "nsi ans ans ok ans ok ans ok"],
        "publishVersion": ["nsi org org nop org org org nop", "nsi org org ok org org org ok", "nsi org org ok org org org ok", "nsi org org ok org org org ok"],
        "readAudit": Array(repeating: "nsi adm adm adm adm adm adm ok", count: 4),
        "manageInstanceRoles": Array(repeating: "nsi adm adm adm adm adm adm ok", count: 4),
        // Issue 12: the consultation's organisers (and admins) publish its open data, in every phase.
        "publishOpenData": Array(repeating: "nsi org org ok org org org ok", count: 4),
        // Issue 13: frozen accounts and sign-up bursts are reviewed by admins and by whoever moderates or
        // organises some consultation (accounts belong to the instance: the consultation does not matter).
        "reviewAccounts": Array(repeating: "nsi mod mod ok ok mod ok ok", count: 4),
        // Issue 15: whoever may write on the consultation declares a local debate on it, while it is open.
        "declareDebate": ["nsi np np nop nop nop np nop", "nsi nop nop nop nop nop nop nop", "nsi ok ok ok ok ok ok ok", "nsi cl cl cl cl cl cl cl"],
    ]

    static func key(_ action: Action) -> String {
        switch action {
        case .read: return "read"
        case .vote, .withdrawVote, .contribute: return "vote"
        case .declareDebate: return "declareDebate"
        case .report: return "report"
        case .organise: return "organise"
        case .createConsultation: return "createConsultation"
        case .editConsultation: return "editConsultation"
        case .editText: return "editText"
        case .publish: return "publish"
        case .close: return "close"
        case .manageRoles: return "manageRoles"
        case .moderate: return "moderate"
        case .answer: return "answer"
        case .publishVersion: return "publishVersion"
        case .readAudit: return "readAudit"
        case .manageInstanceRoles: return "manageInstanceRoles"
        case .publishOpenData: return "publishOpenData"
        case .reviewAccounts: return "reviewAccounts"
        }
    }

    static func decision(_ code: String) -> Decision {
        switch code {
        case "ok": return .allowed
        case "nsi": return .refused(.notSignedIn)
        case "np": return .refused(.notPublished)
        case "nop": return .refused(.notOpenYet)
        case "cl": return .refused(.closed)
        case "org": return .refused(.organisersOnly)
        case "mod": return .refused(.moderatorsOnly)
        case "ans": return .refused(.answerersOnly)
        case "adm": return .refused(.adminsOnly)
        case "nd": return .refused(.notDraft)
        case "ap": return .refused(.alreadyPublished)
        default: Issue.record("unknown code \(code)"); return .allowed
        }
    }

    @Test("every role × every action × every phase decides as the written table says", arguments: Action.all)
    func wholeTable(_ action: Action) throws {
        // setup
        let lines = try #require(Self.expected[Self.key(action)], "no line for \(action)")
        #expect(lines.count == Self.states.count)
        for (stateIndex, (stateName, consultation)) in Self.states.enumerated() {
            let codes = lines[stateIndex].split(separator: " ").map(String.init)
            #expect(codes.count == Self.roles.count)
            for (roleIndex, (roleName, actor)) in Self.roles.enumerated() {
                // act
                let decision = Permissions.can(actor, action, on: consultation, at: Self.t0)
                // check
                #expect(decision == Self.decision(codes[roleIndex]), "\(roleName), \(action), \(stateName)")
            }
        }
    }

    @Test("the organiser of consultation B is refused every staff action on consultation A, and allowed them on B")
    func otherConsultation() {
        // setup
        let orgB = Actor(participantID: 20, kind: .publicBody, role: .participant, consultationRoles: [2: .organiser])
        let a = Self.consultation()
        var b = Self.consultation(); b.id = 2
        for action in [Action.organise, .editConsultation, .close, .manageRoles, .moderate, .answer] {
            // act + check
            #expect(Permissions.can(orgB, action, on: a, at: Self.t0) != .allowed, "\(action) on A")
            #expect(Permissions.can(orgB, action, on: b, at: Self.t0) == .allowed, "\(action) on B")
        }
    }

    @Test("the action list covers every case of Action")
    func actionsListed() {
        // NB: a new case of Action fails `key` to compile, and must then be added to `Action.all` and to the table.
        #expect(Set(Action.all.map(Self.key)) == Set(Self.expected.keys))
        #expect(Action.all.count == 23)
    }
}
@Suite("Validation")
struct ValidationTests {
    @Test("passwords need 8 bytes, at most 72, and are not among the most common")
    func passwords() {
        func errors(_ p: String) -> [FieldError.Rule] { var e: [FieldError] = []; Validate.password(p, errors: &e); return e.map(\.rule) }
        #expect(errors("") == [.required])
        #expect(errors("short") == [.tooShort])
        #expect(errors(String(repeating: "é", count: 37)) == [.tooLong])
        #expect(errors("motdepasse") == [.commonPassword])
        #expect(errors("AZERTYUIOP") == [.commonPassword])
        #expect(errors("98765432") == [.commonPassword])
        #expect(errors("zzzzzzzzzz") == [.commonPassword])
        #expect(errors("cheval agrafe pile") == [])
        // The leaked-password list (ASVS 6.2.4: at least the top 3,000 that fit the policy).
        #expect(CommonPasswords.leaked.count > 8_000)
        #expect(errors("sunshine1") == [.commonPassword])
        #expect(errors("trustno1") == [.commonPassword])
        // Context words of the platform (SECURITY.md, ASVS 6.1.2), whatever the case, accents and digits.
        #expect(errors("Contribuez2026!") == [.commonPassword])
        #expect(errors("Démocratie 1") == [.commonPassword])
        #expect(errors("republique numerique") == [.commonPassword])
        #expect(errors("consultationconsultation") == [.commonPassword])
        #expect(errors("consultation des chevaux") == [])
    }

    @Test("e-mail addresses need one @ and a dotted domain")
    func emails() {
        func ok(_ s: String) -> Bool { var e: [FieldError] = []; Validate.email(s, errors: &e); return e.isEmpty }
        #expect(ok("camille@example.fr"))
        #expect(!ok("camille@example"))
        #expect(!ok("camille.example.fr"))
        #expect(!ok("a@b@c.fr"))
        #expect(!ok("<script>@x.fr"))
    }

    @Test("only http and https links with a host are sources")
    func urls() {
        func ok(_ s: String) -> Bool { var e: [FieldError] = []; Validate.url(s, errors: &e); return e.isEmpty }
        #expect(ok("https://www.legifrance.gouv.fr/loda/id/JORFTEXT000033202746"))
        #expect(!ok("javascript:alert(1)"))
        #expect(!ok("data:text/html,<b>x</b>"))
        #expect(!ok("ftp://example.org/file"))
        #expect(!ok("https:///nohost"))
    }

    @Test("text limits count characters and refuse control characters")
    func texts() {
        var e: [FieldError] = []
        Validate.text(String(repeating: "é", count: 2000), field: "text", limits: Limits.argumentText, errors: &e)
        #expect(e.isEmpty)
        Validate.text(String(repeating: "é", count: 2001), field: "text", limits: Limits.argumentText, errors: &e)
        #expect(e == [FieldError(field: "text", rule: .tooLong, limit: 2000)])
        e = []
        Validate.text("abc\u{0}def", field: "text", limits: Limits.argumentText, errors: &e)
        #expect(e.map(\.rule) == [.invalid])
    }

    @Test("the Wilson lower bound ranks 90 of 100 above 3 of 3")
    func wilson() {
        let few = Tally(agree: 3), many = Tally(agree: 90, mixed: 5, disagree: 5)
        #expect(many.wilsonLowerBound > few.wilsonLowerBound)
        #expect(Tally().wilsonLowerBound == 0)
        #expect(abs(Tally(agree: 1).wilsonLowerBound - 0.2065) < 0.001)
    }
}
