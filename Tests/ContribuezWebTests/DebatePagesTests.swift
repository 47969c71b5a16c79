import ContribuezCore
import ContribuezStore
@testable import ContribuezWeb
import Foundation
import HTTPTypes
import Testing

/// Local debates' pages (issue 15, item 1): declaring with its validation, the public list and its filters, the
/// iCalendar feeds, registration with a waiting list, the organiser's page and messages.
@Suite("Debate pages", .serialized)
struct DebatePagesTests {
    /// The declaration form's fields (the demo consultation is open at `TestServer.t0`, 9 October 2025), with overrides.
    static func fields(_ overrides: [String: String] = [:]) -> [(String, String)] {
        var f: [String: String] = [
            "title": "Débat au Rize", "description": "Premier paragraphe.\n\nSecond paragraphe.",
            "startsAt": "2025-10-20T18:30", "endsAt": "2025-10-20T20:30", "mode": "venue", "venueName": "Le Rize",
            "address": "23 rue Valentin-Haüy", "postcode": "69100", "commune": "Villeurbanne", "stepFree": "yes",
            "accessibilityNotes": "Boucle magnétique", "capacity": "30", "organiserKind": "person", "organisationName": "",
        ]
        for (k, v) in overrides { f[k] = v }
        return f.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Signs up `email` and declares a debate on the demo consultation; returns its id.
    static func declare(_ b: Browser, _ server: TestServer, _ overrides: [String: String] = [:], email: String = "orga@example.fr",
                        name: String = "Camille Organise") async throws -> ID {
        if b.cookies.isEmpty { try await b.signUp(email: email, name: name) }
        try await b.get("/consultations/\(server.demo.id)/debats/nouveau")
        let r = try await b.post("/consultations/\(server.demo.id)/debats", fields(overrides))
        #expect(r.status == .seeOther, "\(r.body)")
        let location = try #require(r.location)
        let id = try #require(location.split(separator: "/").last?.split(separator: "?").first.flatMap { ID(String($0)) })
        return id
    }

    static func mails(_ server: TestServer, kind: String) async throws -> [QueuedMail] {
        try await server.store.dueMails(at: server.clock.now() + 1, limit: 1_000).filter { $0.kind == kind }
    }

    @Test("a participant declares a debate; its page shows the organiser, the place, the accessibility and the places, escaped")
    func declareAndShow() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            try await b.signUp(email: "orga@example.fr", name: "Camille <b>Organise</b>")
            // act
            let id = try await Self.declare(b, server, ["title": "Débat <script>alert(1)</script>"])
            let page = try await b.get("/debats/\(id)?fait=declare")
            // check
            #expect(page.status == .ok)
            #expect(page.body.contains("Votre débat est déclaré."))
            #expect(page.body.contains("Débat &lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!page.body.contains("<script>alert(1)"))
            #expect(page.body.contains("Camille &lt;b&gt;Organise&lt;/b&gt;"))
            #expect(page.body.contains("Le Rize") && page.body.contains("69100 Villeurbanne") && page.body.contains("département 69"))
            #expect(page.body.contains("Accès de plain-pied ou ascenseur") && page.body.contains("Boucle magnétique"))
            #expect(page.body.contains("30 place(s) libre(s) sur 30"))
            #expect(page.body.contains("<p>Premier paragraphe.</p>") && page.body.contains("<p>Second paragraphe.</p>"))
            #expect(page.body.contains("lundi 20 octobre 2025, 18:30 – 20:30"))
            let stored = try #require(try await server.store.debate(id: id)?.debate)
            #expect(stored.startsAt == Date(timeIntervalSince1970: 1_760_977_800), "18:30 in Paris is 16:30 UTC in October")
            #expect(stored.organiserName == "Camille <b>Organise</b>")
            // An organisation shows its name.
            let other = try await Self.declare(b, server, ["organiserKind": "organisation", "organisationName": "Amis du Rize"])
            #expect(try await b.get("/debats/\(other)").body.contains("Amis du Rize"))
        }
    }

    @Test("bad input is refused with 422 and a French message per field, and nothing is stored")
    func validation() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            try await b.signUp(email: "orga@example.fr")
            try await b.get("/consultations/\(server.demo.id)/debats/nouveau")
            let cases: [([String: String], String)] = [
                (["startsAt": "2025-10-01T18:30", "endsAt": "2025-10-01T20:30"], "La date de début est passée"),
                (["endsAt": "2025-10-20T17:00"], "La fin doit suivre le début."),
                (["endsAt": "2025-10-22T17:00"], "Un débat dure au plus 24 heures."),
                (["startsAt": "2025-02-30T18:30"], "pas une date et une heure valides"),
                (["capacity": "0"], "La capacité doit être un nombre entre 1 et 10000."),
                (["capacity": "10001"], "La capacité doit être un nombre entre 1 et 10000."),
                (["capacity": "trente"], "La capacité doit être un nombre entre 1 et 10000."),
                (["postcode": "98000"], "Ce code postal ne correspond à aucun département"),
                (["postcode": "6910"], "Ce code postal ne correspond à aucun département"),
                (["mode": "online", "videoURL": "http://visio.example.fr/x"], "Le lien de visioconférence doit être une adresse en https://."),
                (["mode": "online", "videoURL": "javascript:alert(1)"], "Le lien de visioconférence doit être une adresse en https://."),
                (["title": String(repeating: "a", count: 201)], "200"),
                (["accessibilityNotes": String(repeating: "a", count: 1_001)], "1000"),
                (["organiserKind": "organisation", "organisationName": ""], "ce champ est obligatoire"),
                (["mode": "boat"], "Forme du débat"),
            ]
            for (overrides, message) in cases {
                // act
                let r = try await b.post("/consultations/\(server.demo.id)/debats", Self.fields(overrides))
                // check
                #expect(r.status == .unprocessableContent, "\(overrides)")
                #expect(r.body.contains(message), "\(overrides): \(message)")
                #expect(r.body.contains("name=\"_csrf\""), "the form comes back")
            }
            // Several errors at once, each named.
            let many = try await b.post("/consultations/\(server.demo.id)/debats", Self.fields(["title": "", "capacity": "0", "postcode": "00000"]))
            #expect(many.status == .unprocessableContent)
            #expect(many.body.contains("La capacité doit être") && many.body.contains("Ce code postal") && many.body.contains("Titre"))
            let stored = try await server.store.debates(DebateQuery(consultationID: server.demo.id, at: server.clock.now()), page: PageRequest())
            #expect(stored.total == 0)
        }
    }

    @Test("declaring needs an account and a CSRF token from the same origin; a closed consultation takes no debate")
    func guards() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            let visitorForm = try await b.get("/consultations/\(server.demo.id)/debats/nouveau")
            // act
            let visitor = try await b.post("/consultations/\(server.demo.id)/debats", Self.fields())
            try await b.signUp(email: "orga@example.fr")
            let noToken = try await b.request(
                .post, "/consultations/\(server.demo.id)/debats", headers: [.contentType: "application/x-www-form-urlencoded"],
                body: Browser.encode(Self.fields()))
            let wrongToken = try await b.post("/consultations/\(server.demo.id)/debats", Self.fields(), csrf: "forged")
            let crossSite = try await b.post("/consultations/\(server.demo.id)/debats", Self.fields(), origin: "https://evil.example")
            server.clock.advance(by: 61 * 86_400)
            try await b.get("/")
            let closed = try await b.post("/consultations/\(server.demo.id)/debats", Self.fields(["startsAt": "2025-12-20T18:30", "endsAt": "2025-12-20T20:30"]))
            // check
            #expect(visitorForm.status == .seeOther && visitorForm.location == "/signin")
            #expect(visitor.status == .forbidden)
            #expect(noToken.status == .forbidden && wrongToken.status == .forbidden && crossSite.status == .forbidden)
            #expect(closed.status == .conflict)
            #expect(try await server.store.debates(DebateQuery(consultationID: server.demo.id, when: .past, at: .distantFuture), page: PageRequest()).total == 0)
        }
    }

    @Test("the public list filters by département and by upcoming or past, refuses unknown filters, and paginates")
    func listFilters() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            _ = try await Self.declare(b, server, ["title": "À Lyon"])
            _ = try await Self.declare(b, server, ["title": "À Paris", "postcode": "75011", "commune": "Paris"])
            _ = try await Self.declare(b, server, ["title": "À Ajaccio", "postcode": "20000", "commune": "Ajaccio"])
            _ = try await Self.declare(b, server, ["title": "En visio", "mode": "online", "videoURL": "https://visio.example.fr/salle"])
            _ = try await Self.declare(b, server, ["title": "Bientôt tenu", "startsAt": "2025-10-10T18:30", "endsAt": "2025-10-10T20:30"])
            let visitor = Browser(client: b.client)
            // act
            let all = try await visitor.get("/consultations/\(server.demo.id)/debats")
            let lyon = try await visitor.get("/consultations/\(server.demo.id)/debats?departement=69")
            let corsica = try await visitor.get("/consultations/\(server.demo.id)/debats?departement=2a")
            let bad = try await visitor.get("/consultations/\(server.demo.id)/debats?departement=99")
            let badWhen = try await visitor.get("/consultations/\(server.demo.id)/debats?quand=demain")
            server.clock.advance(by: 3 * 86_400)
            let past = try await visitor.get("/consultations/\(server.demo.id)/debats?quand=passes")
            let upcoming = try await visitor.get("/consultations/\(server.demo.id)/debats")
            // check
            #expect(all.status == .ok)
            for title in ["À Lyon", "À Paris", "À Ajaccio", "En visio", "Bientôt tenu"] { #expect(all.body.contains(title), "\(title)") }
            #expect(all.body.contains("Villeurbanne (69)") && all.body.contains("En ligne"))
            #expect(!all.body.contains("visio.example.fr"), "the video link is not public")
            #expect(lyon.body.contains("À Lyon") && !lyon.body.contains("À Paris") && !lyon.body.contains("En visio"))
            #expect(corsica.body.contains("À Ajaccio") && !corsica.body.contains("À Lyon"))
            #expect(bad.status == .badRequest && badWhen.status == .badRequest)
            #expect(past.body.contains("Bientôt tenu") && !past.body.contains("À Lyon"))
            #expect(!upcoming.body.contains("Bientôt tenu") && upcoming.body.contains("À Lyon"))
            // 25 more: two pages.
            for i in 0..<25 { _ = try await Self.declare(b, server, ["title": "Débat n° \(i)", "startsAt": "2025-11-01T18:30", "endsAt": "2025-11-01T20:30"]) }
            let page1 = try await visitor.get("/consultations/\(server.demo.id)/debats")
            let page2 = try await visitor.get("/consultations/\(server.demo.id)/debats?page=2")
            #expect(page1.body.contains("rel=\"next\"") && page1.body.contains("href=\"/consultations/\(server.demo.id)/debats?page=2\""))
            #expect(page2.body.contains("rel=\"prev\"") && page2.body.contains("Débat n° 24"))
            #expect(!page1.body.contains("Débat n° 24"))
        }
    }

    @Test("the consultation page links to its debates with the upcoming and held counts")
    func consultationLink() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            _ = try await Self.declare(b, server)
            _ = try await Self.declare(b, server, ["startsAt": "2025-10-10T18:30", "endsAt": "2025-10-10T20:30"])
            server.clock.advance(by: 2 * 86_400)
            // act
            let page = try await Browser(client: b.client).get("/consultations/\(server.demo.id)")
            // check
            #expect(page.body.contains("href=\"/consultations/\(server.demo.id)/debats\""))
            #expect(page.body.contains("Débats locaux</a> (1 à venir, 1 tenu(s))"))
        }
    }

    @Test("the iCalendar feeds are RFC 5545: CRLF, folded at 75 octets, escaped text, UTC instants, UID, URL")
    func calendars() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            let long = "Débat; avec, des \\ caractères à échapper et un titre assez long pour être replié sur plusieurs lignes é é é"
            let id = try await Self.declare(b, server, ["title": long, "description": "Ligne 1\nLigne 2"])
            _ = try await Self.declare(b, server, ["title": "Deuxième", "mode": "online", "videoURL": "https://visio.example.fr/s"])
            // act
            let feed = try await Browser(client: b.client).get("/consultations/\(server.demo.id)/debats/calendrier.ics")
            let one = try await Browser(client: b.client).get("/debats/\(id)/calendrier.ics")
            // check
            #expect(feed.status == .ok && one.status == .ok)
            #expect(feed.headers[.contentType] == "text/calendar; charset=utf-8")
            let bytes = feed.bytes
            #expect(bytes.count > 0)
            // Every line ends with CRLF, and no line is longer than 75 octets.
            let lines = feed.body.components(separatedBy: "\r\n")
            #expect(lines.last == "")
            #expect(!feed.body.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
            for line in lines { #expect(line.utf8.count <= 75, "\(line)") }
            #expect(lines.contains { $0.hasPrefix(" ") }, "the long title is folded")
            let unfolded = feed.body.replacingOccurrences(of: "\r\n ", with: "")
            #expect(unfolded.contains("SUMMARY:Débat\\; avec\\, des \\\\ caractères à échapper"))
            #expect(unfolded.contains("DESCRIPTION:Ligne 1\\nLigne 2\\n\\nOrganisé par Camille Organise"))
            #expect(unfolded.contains("DTSTART:20251020T163000Z") && unfolded.contains("DTEND:20251020T183000Z"))
            #expect(unfolded.contains("DTSTAMP:20251009T085320Z"))
            #expect(unfolded.contains("UID:debat-\(id)@localhost"))
            #expect(unfolded.contains("URL:http://localhost:8080/debats/\(id)"))
            #expect(unfolded.contains("LOCATION:Le Rize\\, 23 rue Valentin-Haüy\\, 69100 Villeurbanne"))
            #expect(unfolded.contains("LOCATION:En ligne") && !unfolded.contains("visio.example.fr"))
            #expect(unfolded.hasPrefix("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") && unfolded.hasSuffix("END:VCALENDAR\r\n"))
            #expect(unfolded.components(separatedBy: "BEGIN:VEVENT").count == 3)
            #expect(one.body.components(separatedBy: "BEGIN:VEVENT").count == 2)
        }
    }

    @Test("folding never cuts a UTF-8 sequence and escaping handles every special character")
    func foldingAndEscaping() {
        // setup
        let line = "SUMMARY:" + String(repeating: "é", count: 100)
        // act
        let folded = ICalendar.fold(line)
        let escaped = ICalendar.text("a,b;c\\d\r\ne\nf")
        // check
        let parts = folded.components(separatedBy: "\r\n")
        #expect(parts.count == 3)
        #expect(parts.allSatisfy { $0.utf8.count <= 75 })
        #expect(parts.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        #expect(parts.map { String($0.drop { $0 == " " }) }.joined() == line, "unfolding gives the line back")
        #expect(escaped == "a\\,b\\;c\\\\d\\ne\\nf")
        #expect(ICalendar.fold("short") == "short")
    }

    @Test("registering past the capacity goes to the waiting list; a cancellation promotes the first waiting, who gets a mail")
    func waitingListAndPromotion() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            let id = try await Self.declare(b, server, ["capacity": "1"])
            let alice = Browser(client: b.client), bob = Browser(client: b.client)
            try await alice.signUp(email: "alice@example.fr", name: "Alice")
            try await bob.signUp(email: "bob@example.fr", name: "Bob")
            // act
            try await alice.get("/debats/\(id)")
            let a = try await alice.post("/debats/\(id)/inscription", [])
            let bobPage = try await bob.get("/debats/\(id)")
            let w = try await bob.post("/debats/\(id)/inscription", [])
            let bobWaiting = try await bob.get("/debats/\(id)")
            let leave = try await alice.post("/debats/\(id)/desinscription", [])
            let bobAfter = try await bob.get("/debats/\(id)")
            // check
            #expect(a.status == .seeOther && a.location == "/debats/\(id)?fait=inscrit")
            #expect(bobPage.body.contains("Complet — m"), "the button says the debate is full")
            #expect(w.location == "/debats/\(id)?fait=attente")
            #expect(bobWaiting.body.contains("position 1"))
            #expect(leave.location == "/debats/\(id)?fait=desinscrit")
            #expect(bobAfter.body.contains("Vous êtes inscrit·e."))
            let mails = try await Self.mails(server, kind: "debate_promoted")
            #expect(mails.map(\.to) == ["bob@example.fr"])
            #expect(mails.first?.subject.contains("Une place s'est libérée") == true)
            #expect(mails.first?.text.contains("http://localhost:8080/debats/\(id)") == true)
            // A visitor is told to sign in; posting without a session is refused.
            let visitor = Browser(client: b.client)
            #expect(try await visitor.get("/debats/\(id)").body.contains("Connectez-vous pour vous inscrire."))
            #expect(try await visitor.post("/debats/\(id)/inscription", []).status == .forbidden)
            // Registering without a CSRF token changes nothing.
            let carol = Browser(client: b.client)
            try await carol.signUp(email: "carol@example.fr", name: "Carol")
            #expect(try await carol.post("/debats/\(id)/inscription", [], csrf: "forged").status == .forbidden)
            #expect(try await server.store.debate(id: id)?.waiting == 0)
        }
    }

    @Test("an online debate's link is shown to registered people and the organiser only")
    func videoLinkPrivacy() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            let id = try await Self.declare(b, server, ["mode": "online", "videoURL": "https://visio.example.fr/salle-secrete"])
            let alice = Browser(client: b.client)
            try await alice.signUp(email: "alice@example.fr", name: "Alice")
            // act
            let before = try await alice.get("/debats/\(id)")
            _ = try await alice.post("/debats/\(id)/inscription", [])
            let after = try await alice.get("/debats/\(id)")
            let organiser = try await b.get("/debats/\(id)")
            // check
            #expect(!before.body.contains("salle-secrete") && before.body.contains("le lien est donné aux personnes inscrites"))
            #expect(after.body.contains("https://visio.example.fr/salle-secrete"))
            #expect(organiser.body.contains("https://visio.example.fr/salle-secrete"))
        }
    }

    @Test("the organiser sees names only and messages the registered people, within a daily limit; others may not")
    func organiserMessages() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            let id = try await Self.declare(b, server, ["capacity": "1"])
            let alice = Browser(client: b.client), bob = Browser(client: b.client)
            try await alice.signUp(email: "alice@example.fr", name: "Alice")
            try await bob.signUp(email: "bob@example.fr", name: "Bob")
            try await alice.get("/debats/\(id)")
            _ = try await alice.post("/debats/\(id)/inscription", [])
            try await bob.get("/debats/\(id)")
            _ = try await bob.post("/debats/\(id)/inscription", [])
            // act
            let list = try await b.get("/debats/\(id)/inscrits")
            let sent = try await b.post("/debats/\(id)/messages", [("messageSubject", "Changement de salle"), ("messageBody", "Rendez-vous salle B.")])
            let empty = try await b.post("/debats/\(id)/messages", [("messageSubject", ""), ("messageBody", "x")])
            _ = try await b.post("/debats/\(id)/messages", [("messageSubject", "Deuxième"), ("messageBody", "Texte deux.")])
            _ = try await b.post("/debats/\(id)/messages", [("messageSubject", "Troisième"), ("messageBody", "Texte trois.")])
            let fourth = try await b.post("/debats/\(id)/messages", [("messageSubject", "Quatrième"), ("messageBody", "Texte quatre.")])
            let byAlice = try await alice.get("/debats/\(id)/inscrits")
            try await alice.get("/debats/\(id)")
            let postByAlice = try await alice.post("/debats/\(id)/messages", [("messageSubject", "Spam"), ("messageBody", "Spam spam.")])
            // check
            #expect(list.status == .ok)
            #expect(list.body.contains("Alice") && list.body.contains("Bob"))
            #expect(!list.body.contains("alice@example.fr") && !list.body.contains("bob@example.fr"), "never an e-mail on a page")
            #expect(sent.status == .seeOther && sent.location == "/debats/\(id)/inscrits?fait=envoye&n=1")
            #expect(empty.status == .unprocessableContent && empty.body.contains("Objet"))
            #expect(fourth.status == .tooManyRequests && fourth.body.contains("Vous avez déjà envoyé 3 messages"))
            #expect(byAlice.status == .forbidden && postByAlice.status == .forbidden)
            let mails = try await Self.mails(server, kind: "debate_message")
            #expect(mails.count == 3)
            #expect(mails.allSatisfy { $0.to == "alice@example.fr" }, "registered only, not the waiting list")
            #expect(mails.first?.subject == "[Débat au Rize] Changement de salle")
            #expect(mails.first?.text.contains("Rendez-vous salle B.") == true && mails.first?.text.contains("Camille Organise") == true)
            // My debates lists the organiser's debate and Alice's registration.
            #expect(try await b.get("/mes-debats").body.contains("1 inscrit·es sur 1, 1 en attente"))
            #expect(try await alice.get("/mes-debats").body.contains("Débat au Rize</a> — inscrit·e"))
        }
    }

    @Test("the organiser or a moderator cancels a debate; the moderator's cancellation is audited, registrants are mailed")
    func cancellation() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            let own = try await Self.declare(b, server)
            let other = try await Self.declare(b, server, ["title": "Autre débat"])
            let alice = Browser(client: b.client)
            try await alice.signUp(email: "alice@example.fr", name: "Alice")
            try await alice.get("/debats/\(other)")
            _ = try await alice.post("/debats/\(other)/inscription", [])
            let byAlice = try await alice.post("/debats/\(other)/annulation", [("reason", "Je n'aime pas")])
            let moderator = Browser(client: b.client)
            try await moderator.signUp(email: "modo@example.fr", name: "Modo")
            let modo = try #require(try await server.store.participant(email: "modo@example.fr"))
            try await server.makeOrganiser(modo.id, role: .moderator)
            // act
            try await b.get("/debats/\(own)")
            let noReason = try await b.post("/debats/\(own)/annulation", [("reason", "")])
            let byOrganiser = try await b.post("/debats/\(own)/annulation", [("reason", "Salle indisponible")])
            try await moderator.get("/debats/\(other)")
            let byModerator = try await moderator.post("/debats/\(other)/annulation", [("reason", "Hors charte")])
            // check
            #expect(byAlice.status == .forbidden)
            #expect(noReason.status == .unprocessableContent)
            #expect(byOrganiser.location == "/debats/\(own)?fait=annule" && byModerator.location == "/debats/\(other)?fait=annule")
            #expect(try await b.get("/debats/\(own)").body.contains("Salle indisponible"))
            let trail = try await server.store.auditEntries(consultationID: server.demo.id, page: PageRequest(perPage: 100)).items
                .filter { $0.action == .cancelDebate }
            #expect(trail.map(\.targetID) == [other], "the organiser's own cancellation is no staff action")
            #expect(trail.first?.actorName == "Modo" && trail.first?.reason == "Hors charte")
            #expect(try await Self.mails(server, kind: "debate_cancelled").map(\.to) == ["alice@example.fr"])
            #expect(try await alice.post("/debats/\(other)/inscription", []).status == .conflict)
        }
    }

    @Test("unknown debates and consultations are 404, and a draft consultation's debates are not public")
    func notFound() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            let id = try await Self.declare(b, server)
            // act
            let statuses = [
                try await b.get("/debats/999999").status, try await b.get("/debats/abc").status, try await b.get("/debats/0").status,
                try await b.get("/debats/999999/calendrier.ics").status, try await b.get("/consultations/999999/debats").status,
                try await b.get("/consultations/999999/debats/calendrier.ics").status, try await b.get("/debats/999999/inscrits").status,
                try await b.post("/debats/999999/inscription", []).status,
            ]
            let known = try await b.get("/debats/\(id)")
            let wrongMethod = try await b.request(.delete, "/debats/\(id)")
            // check
            #expect(statuses.allSatisfy { $0 == .notFound }, "\(statuses)")
            #expect(known.status == .ok)
            #expect(wrongMethod.status == .methodNotAllowed)
        }
    }

    @Test("a person's registrations are in their personal-data export")
    func personalExport() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            let id = try await Self.declare(b, server)
            let me = try #require(try await server.store.participant(email: "orga@example.fr"))
            try await b.get("/debats/\(id)")
            _ = try await b.post("/debats/\(id)/inscription", [])
            // act
            let rows = try await server.store.personalDebateRegistrations(participantID: me.id)
            // check
            #expect(PersonalExport.files.contains("debate_registrations.csv"))
            #expect(rows.map(\.debateID) == [id] && rows.first?.status == .registered)
        }
    }
}
