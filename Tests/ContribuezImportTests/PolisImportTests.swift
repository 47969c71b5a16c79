import ContribuezAnalysis
import ContribuezCore
import ContribuezImport
import ContribuezStore
import ContribuezTestSupport
import Foundation
import Testing

@Suite("Import: Polis openData conversations")
struct PolisImportTests {
    static let seattle = SharedData.url("polis-opendata/15-per-hour-seattle")
    static let london = SharedData.url("polis-opendata/london.youth.policing")

    static func freshStore() throws -> SQLiteStore {
        try SQLiteStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("polis-\(UUID().uuidString).sqlite").path)
    }

    /// Every statement of the consultation in `comments.csv` order (ids are assigned in file order).
    static func statements(_ store: SQLiteStore, _ consultationID: ID) async throws -> [Contribution] {
        var all: [Contribution] = []
        var page = 1
        while true {
            let p = try await store.contributions(
                ContributionQuery(consultationID: consultationID, kind: .proposal, includeHidden: true, order: .recent),
                page: PageRequest(page: page, perPage: 100))
            all += p.items.map(\.contribution)
            if !p.hasNext { break }
            page += 1
        }
        return all.sorted { $0.id < $1.id }
    }

    /// Final counts per comment id, read straight from the matrix of participants-votes.csv.
    static func matrixCounts(_ dir: URL) throws -> [String: Tally] {
        let table = try CSVTable(contentsOf: dir.appendingPathComponent("participants-votes.csv"))
        let first = try table.column("n-disagree") + 1
        var out: [String: Tally] = [:]
        for c in first..<table.header.count { out[table.header[c]] = .zero }
        for row in table.rows {
            for c in first..<min(row.count, table.header.count) {
                switch row[c] {
                case "1": out[table.header[c]]!.agree += 1
                case "-1": out[table.header[c]]!.disagree += 1
                case "0": out[table.header[c]]!.mixed += 1
                default: break
                }
            }
        }
        return out
    }

    @Test("statements, hidden statements and vote events equal the rows of the files")
    func counts() async throws {
        // setup
        let comments = try CSVTable(contentsOf: Self.seattle.appendingPathComponent("comments.csv"))
        let votes = try CSVTable(contentsOf: Self.seattle.appendingPathComponent("votes.csv"))
        let moderated = try comments.column("moderated")
        let store = try Self.freshStore()
        // act
        let c = try await store.importConsultation(try PolisImport.bundle(directory: Self.seattle))
        let stored = try await Self.statements(store, c.id)
        let events = try await store.voteEvents(after: 0, limit: 1_000_000)
        // check
        #expect(stored.count == comments.rows.count)
        #expect(stored.filter(\.isHidden).count == comments.rows.filter { $0[moderated] == "-1" }.count)
        #expect(stored.filter(\.isHidden).count > 0)
        #expect(events.count == votes.rows.count)
        #expect(c.phase(at: Date()) == .closed)
        #expect(c.title == "$15/hour")
        #expect(c.provenance?.contains("CC BY 4.0") == true)
        #expect(c.provenance?.contains("The Computational Democracy Project") == true)
    }

    @Test("live tallies after replaying votes.csv equal the final matrix, statement by statement")
    func talliesFromHistory() async throws {
        // setup
        let expected = try Self.matrixCounts(Self.seattle)
        let comments = try CSVTable(contentsOf: Self.seattle.appendingPathComponent("comments.csv"))
        let idColumn = try comments.column("comment-id")
        let store = try Self.freshStore()
        // act
        let c = try await store.importConsultation(try PolisImport.bundle(directory: Self.seattle))
        let stored = try await Self.statements(store, c.id)
        let live = try await store.tallies(stored.map { .contribution($0.id) })
        // check
        #expect(stored.count == comments.rows.count)
        for (row, s) in zip(comments.rows, stored) {
            let id = row[idColumn]
            #expect((live[.contribution(s.id)] ?? .zero) == (expected[id] ?? .zero), "comment \(id)")
        }
    }

    @Test("without votes.csv the final matrix becomes the votes")
    func matrixFallback() async throws {
        // setup
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polis-nohistory-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for f in ["comments.csv", "participants-votes.csv", "summary.csv"] {
            try FileManager.default.copyItem(at: Self.london.appendingPathComponent(f), to: dir.appendingPathComponent(f))
        }
        let expected = try Self.matrixCounts(dir)
        let store = try Self.freshStore()
        // act
        let read = try PolisImport.read(directory: dir)
        let c = try await store.importConsultation(read.bundle)
        let stored = try await Self.statements(store, c.id)
        let live = try await store.tallies(stored.map { .contribution($0.id) })
        // check
        #expect(read.summary.fromHistory == false)
        #expect(read.summary.voteEvents == expected.values.reduce(0) { $0 + $1.opinionTotal })
        let total = live.values.reduce(Tally.zero, +)
        #expect(total == expected.values.reduce(Tally.zero, +))
    }

    @Test("a folder without comments.csv is refused with the file named")
    func missingFile() async throws {
        // setup
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polis-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // act
        let error = #expect(throws: PolisImport.Failure.self) { try PolisImport.bundle(directory: dir) }
        // check
        #expect(error?.description.contains("comments.csv") == true)
    }
}
