import ContribuezCore
import ContribuezOpenData
import ContribuezPostgres
import ContribuezStore
import Foundation
import Testing

/// A backend under test: SQLite always; PostgreSQL when `CONTRIBUEZ_TEST_POSTGRES_URL` is set (each store
/// in a fresh schema), as in the store conformance suite.
struct OpenDataBackend: Sendable, CustomStringConvertible {
    var description: String
    var make: @Sendable () async throws -> any Store

    static let postgresURL: String? = ProcessInfo.processInfo.environment["CONTRIBUEZ_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    static let sqlite = OpenDataBackend(description: "SQLite") {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("contribuez-opendata-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return try SQLiteStore(path: dir.appendingPathComponent("test.sqlite").path)
    }

    static let postgres = OpenDataBackend(description: "PostgreSQL") {
        let url = try #require(postgresURL, "CONTRIBUEZ_TEST_POSTGRES_URL is not set")
        let schema = "od_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return try await PostgresStore(url: url, schema: schema, maximumConnections: 4)
    }

    static var all: [OpenDataBackend] { postgresURL == nil ? [sqlite] : [sqlite, postgres] }
}

/// A package read back: every CSV table as rows of raw cells (neutralisation not undone), by name.
struct ReadPackage {
    let zip: ZipReader
    let descriptor: DataPackageDescriptor
    var tables: [String: (header: [String], rows: [[String]])] = [:]
    /// Every entry's text, to look for what must never be there.
    var allText = ""

    init(_ bytes: [UInt8]) throws {
        zip = try ZipReader(bytes: bytes)
        descriptor = try DataPackageDescriptor.decode(try zip.read(OpenDataFormat.descriptorPath))
        for entry in zip.entries {
            let bytes = try zip.read(entry.name)
            allText += String(decoding: bytes, as: UTF8.self)
            guard entry.name.hasSuffix(".csv") else { continue }
            var reader = CSVReader(bytes: bytes)
            let header = try reader.next() ?? []
            var rows: [[String]] = []
            while let row = try reader.next() { rows.append(row) }
            tables[String(entry.name.dropLast(4))] = (header, rows)
        }
    }

    /// The rows of a table as dictionaries by column, neutralisation undone.
    func records(_ table: OpenDataFormat.Table) -> [[String: String]] {
        guard let t = tables[table.name] else { return [] }
        return t.rows.map { row in
            Dictionary(uniqueKeysWithValues: zip2(t.header, table.restore(row)))
        }
    }

    /// Raw cells (as written) by column.
    func raw(_ table: OpenDataFormat.Table) -> [[String: String]] {
        guard let t = tables[table.name] else { return [] }
        return t.rows.map { Dictionary(uniqueKeysWithValues: zip2(t.header, $0)) }
    }

    private func zip2(_ a: [String], _ b: [String]) -> [(String, String)] { Array(Swift.zip(a, b)) }
}

enum OpenDataFixture {
    static let t0 = Date(timeIntervalSince1970: 1_750_000_000)

    static func participant(_ store: any Store, _ email: String, _ name: String, _ kind: ParticipantKind = .citizen, organisation: String? = nil) async throws -> Participant {
        try await store.createParticipant(
            NewParticipant(email: email, displayName: name, kind: kind, organization: organisation, createdAt: t0), passwordHash: "h")
    }

    static func audit(_ consultationID: ID, _ action: AuditAction, _ target: ID, reason: String = "") -> AuditEntry {
        AuditEntry(consultationID: consultationID, actorID: nil, actorName: "test", action: action, targetKind: "contribution", targetID: target, reason: reason, at: t0)
    }

    static func export(_ store: any Store, _ c: Consultation, pageSize: Int = OpenDataPackage.defaultPageSize) async throws -> ReadPackage {
        let sink = try await OpenDataPackage.write(consultation: c, store: store, exportedAt: t0 + 86_400 * 400, to: MemorySink(), pageSize: pageSize)
        return try ReadPackage(sink.bytes)
    }
}
