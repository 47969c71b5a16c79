import ContribuezCore
import ContribuezImport
import ContribuezStore
import ContribuezSynthesis
import ContribuezWeb
import Foundation
import HTTPTypes
import Testing

@Suite("Synthesis pages and downloads")
struct SynthesisPageTests {
    /// Signs up through the form, then makes the account an organiser (as `contribuez grant` does).
    static func organiser(_ server: TestServer, _ browser: Browser, email: String = "orga@example.org") async throws {
        try await browser.signUp(email: email, name: "Orga")
        let found = try #require(try await server.store.credentials(email: email))
        try await server.makeOrganiser(found.participant.id)
    }

    /// Waits for the detached run to finish (it writes its state to the store).
    static func waitForRun(_ server: TestServer) async throws -> SynthesisRun {
        for _ in 0..<200 {
            if let run = try await server.store.latestSynthesisRun(consultationID: server.demo.id), run.status != .running { return run }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw CancellationError()
    }

    static func runDirectly(_ server: TestServer) async throws {
        let run = try #require(try await Synthesis.start(store: server.store, consultationID: server.demo.id, clock: server.clock))
        let done = await Synthesis.execute(run, store: server.store, clock: server.clock)
        #expect(done.status == .succeeded)
    }

    @Test("before any run the page says no synthesis has been run yet, and downloads are 404")
    func beforeRun() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { browser in
            // act
            let page = try await browser.get("/consultations/\(server.demo.id)/synthese")
            let json = try await browser.get("/consultations/\(server.demo.id)/synthese.json")
            // check
            #expect(page.status == .ok)
            #expect(page.body.contains("Aucune synthèse n&#39;a encore été calculée"))
            #expect(!page.body.contains("<svg class=\"opinion-map\""))
            #expect(!page.body.contains("action=\"/consultations/\(server.demo.id)/synthese\""))
            #expect(json.status == .notFound)
        }
    }

    @Test("an organiser triggers a run with the form; the page then shows the time, the SVG map with its text alternative and group table")
    func organiserRun() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { browser in
            try await Self.organiser(server, browser)
            let before = try await browser.get("/consultations/\(server.demo.id)/synthese")
            #expect(before.body.contains("action=\"/consultations/\(server.demo.id)/synthese\""))
            // act
            let posted = try await browser.post("/consultations/\(server.demo.id)/synthese", [])
            let run = try await Self.waitForRun(server)
            let page = try await browser.get("/consultations/\(server.demo.id)/synthese")
            // check
            #expect(posted.status == .seeOther)
            #expect(run.status == .succeeded)
            #expect(page.status == .ok)
            #expect(page.body.contains("Dernière synthèse calculée le"))
            #expect(page.body.contains("<svg class=\"opinion-map\""))
            #expect(page.body.contains("<title id=\"carte-titre\">Carte des opinions</title>"))
            #expect(page.body.contains("<desc id=\"carte-desc\">"))
            #expect(page.body.contains("<caption>Taille des groupes d&#39;opinion</caption>"))
            #expect(page.body.contains("<circle class=\"g0\""))
            #expect(page.body.contains("<circle class=\"g1\""))
            #expect(page.body.contains("<th scope=\"row\">"))
            #expect(page.body.contains("/static/synthesis.css"))
            #expect(!page.body.contains("style="))
        }
    }

    @Test("a participant who is not an organiser gets 403, and a run without the CSRF token is refused")
    func triggerGuards() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { browser in
            try await browser.signUp(email: "someone@example.org")
            try await browser.get("/consultations/\(server.demo.id)/synthese")
            // act
            let participant = try await browser.post("/consultations/\(server.demo.id)/synthese", [])
            try await Self.organiser(server, browser, email: "orga2@example.org")
            let noToken = try await browser.post("/consultations/\(server.demo.id)/synthese", [], csrf: "")
            let foreign = try await browser.post("/consultations/\(server.demo.id)/synthese", [], origin: "https://evil.example")
            // check
            #expect(participant.status == .forbidden)
            #expect(participant.body.contains("Seuls les organisateurs"))
            #expect(noToken.status == .forbidden)
            #expect(foreign.status == .forbidden)
            #expect(try await server.store.latestSynthesisRun(consultationID: server.demo.id) == nil)
        }
    }

    @Test("the JSON and every CSV table download with the right headers and parse back")
    func downloads() async throws {
        // setup
        let server = try await TestServer.make()
        try await Self.runDirectly(server)
        try await server.run { browser in
            // act
            let json = try await browser.get("/consultations/\(server.demo.id)/synthese.json")
            var csvs: [SynthesisTable: Reply] = [:]
            for table in SynthesisTable.allCases {
                csvs[table] = try await browser.get("/consultations/\(server.demo.id)/synthese/\(table.rawValue).csv")
            }
            let unknown = try await browser.get("/consultations/\(server.demo.id)/synthese/nope.csv")
            // check
            #expect(json.status == .ok)
            #expect(json.headers[.contentType] == "application/json; charset=utf-8")
            #expect(json.headers[.contentDisposition]?.hasPrefix("attachment; filename=") == true)
            let report = try SynthesisReport.decoder.decode(SynthesisReport.self, from: Data(json.body.utf8))
            #expect(report.consultationID == server.demo.id)
            for (table, reply) in csvs {
                #expect(reply.status == .ok, "\(table)")
                #expect(reply.headers[.contentType] == "text/csv; charset=utf-8")
                #expect(reply.headers[.contentDisposition] == "attachment; filename=\"synthese-\(server.demo.id)-\(table.rawValue).csv\"")
                let rows = try CSVRows.parse(reply.body)
                #expect(rows.count >= 1)
                #expect(rows.allSatisfy { $0.count == rows[0].count }, "\(table)")
            }
            let tallies = try CSVRows.parse(csvs[.tallies]!.body)
            #expect(tallies.count == report.tallies.count + 1)
            // No personal data: the map has pseudonyms only, never a name or an e-mail.
            #expect(!csvs[.points]!.body.contains("@"))
            #expect(unknown.status == .notFound)
        }
    }

    @Test("statement text is escaped on the page, quoted in CSV, and a formula is neutralised")
    func escaping() async throws {
        // setup
        let server = try await TestServer.make()
        let hostile = "<script>alert(1)</script> \"guillemets\", virgule"
        _ = try await server.store.addContribution(NewContribution(
            consultationID: server.demo.id, kind: .proposal, articleID: nil, parentID: nil, authorID: nil, authorName: "X",
            title: hostile, body: hostile, createdAt: TestServer.t0))
        let formula = "=HYPERLINK(\"http://example.org\";\"clic\")"
        _ = try await server.store.addContribution(NewContribution(
            consultationID: server.demo.id, kind: .proposal, articleID: nil, parentID: nil, authorID: nil, authorName: "X",
            title: formula, body: "-2+3 @SUM(A1)", createdAt: TestServer.t0))
        try await Self.runDirectly(server)
        try await server.run { browser in
            // act
            let page = try await browser.get("/consultations/\(server.demo.id)/synthese")
            let csv = try await browser.get("/consultations/\(server.demo.id)/synthese/tallies.csv")
            // check
            #expect(page.status == .ok)
            #expect(!page.body.contains("<script>alert(1)</script>"))
            #expect(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            let rows = try CSVRows.parse(csv.body)
            let label = try #require(rows.first?.firstIndex(of: "label"))
            #expect(rows.contains { $0[label] == hostile })
            #expect(rows.contains { $0[label] == "'" + formula }, "a formula is neutralised with a leading apostrophe")
            #expect(!rows.contains { $0[label] == formula })
            let wilson = try #require(rows.first?.firstIndex(of: "wilson_lower_bound"))
            #expect(rows.dropFirst().allSatisfy { Double($0[wilson]) != nil }, "numbers are left as numbers")
        }
    }

    @Test("an unpublished or unknown consultation has no synthesis page")
    func notFound() async throws {
        // setup
        let server = try await TestServer.make()
        try await server.run { browser in
            // act
            let page = try await browser.get("/consultations/999999/synthese")
            let csv = try await browser.get("/consultations/999999/synthese/tallies.csv")
            // check
            #expect(page.status == .notFound)
            #expect(csv.status == .notFound)
        }
    }
}

/// A small RFC 4180 reader for the tests (quotes, doubled quotes, CRLF).
enum CSVRows {
    struct Malformed: Error {}

    static func parse(_ text: String) throws -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var inQuotes = false, i = text.startIndex
        while i < text.endIndex {
            let ch = text[i]
            if inQuotes {
                if ch == "\"" {
                    let next = text.index(after: i)
                    if next < text.endIndex && text[next] == "\"" { field.append("\""); i = next } else { inQuotes = false }
                } else { field.append(ch) }
            } else if ch == "\"" { inQuotes = true
            } else if ch == "," { row.append(field); field = ""
            } else if ch == "\r\n" || ch == "\n" { row.append(field); rows.append(row); row = []; field = ""
            } else { field.append(ch) }
            i = text.index(after: i)
        }
        if inQuotes { throw Malformed() }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
