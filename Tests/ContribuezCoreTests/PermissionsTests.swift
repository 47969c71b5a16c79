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
    static let organiser = Actor(participantID: 3, kind: .publicBody, role: .organiser)

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
