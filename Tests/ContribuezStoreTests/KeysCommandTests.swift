import ContribuezCore
import ContribuezStore
import Foundation
import Testing

/// `contribuez keys …` and `--keys-file` (issue 13), through the built executable (`swift build --build-tests`
/// builds it next to the test bundle).
@Suite("Keys command")
struct KeysCommandTests {
    struct Run {
        var status: Int32
        var output: String
    }

    static func contribuez(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var binary = bundle.appendingPathComponent("contribuez")
        // The test bundle may be a folder (…/contribuezPackageTests.xctest/Contents/MacOS/…) on macOS.
        while !FileManager.default.isExecutableFile(atPath: binary.path), binary.pathComponents.count > 2 {
            binary = binary.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("contribuez")
        }
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the executable first: swift build --build-tests")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["CONTRIBUEZ_KEYS"] = nil
        env["CONTRIBUEZ_DATABASE_URL"] = nil
        env.merge(environment) { _, b in b }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    @Test("keys generate writes a 0600 keys file and refuses to overwrite it")
    func generateRefusesToOverwrite() throws {
        // setup
        let path = try KeyringTests.tempDir().appendingPathComponent("prod.keys").path
        // act
        let first = try Self.contribuez(["keys", "generate", "--out", path])
        let written = try Data(contentsOf: URL(fileURLWithPath: path))
        let second = try Self.contribuez(["keys", "generate", "--out", path])
        // check
        #expect(first.status == 0, "\(first.output)")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        #expect(try Keyring.load(path: path).ids.count == 1)
        #expect(second.status != 0)
        #expect(second.output.contains("already exists"), "\(second.output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == written, "the file is left as it was")
    }

    @Test("a keys file others may read, a malformed one, or none for PostgreSQL: refused with a message that says which")
    func badKeysFiles() throws {
        // setup
        let dir = try KeyringTests.tempDir()
        let open = dir.appendingPathComponent("open.keys").path
        try Keyring.generate().create(path: open)
        chmod(open, 0o644)
        let broken = dir.appendingPathComponent("broken.keys").path
        FileManager.default.createFile(atPath: broken, contents: Data("{}".utf8), attributes: [.posixPermissions: 0o600])
        let db = dir.appendingPathComponent("x.sqlite").path
        // act
        let wide = try Self.contribuez(["migrate", "--database", db, "--keys-file", open])
        let malformed = try Self.contribuez(["migrate", "--database", db, "--keys-file", broken])
        let missing = try Self.contribuez(["migrate", "--database", db, "--keys-file", dir.appendingPathComponent("none.keys").path])
        let noKeys = try Self.contribuez(["migrate", "--database", "postgres://u:p@127.0.0.1:1/db"])
        // check
        #expect(wide.status != 0 && wide.output.contains("has permissions 0644") && wide.output.contains("chmod 600"), "\(wide.output)")
        #expect(malformed.status != 0 && malformed.output.contains("malformed keys in \(broken)"), "\(malformed.output)")
        #expect(missing.status != 0 && missing.output.contains("cannot read the keys file"), "\(missing.output)")
        #expect(noKeys.status != 0 && noKeys.output.contains("no keys: pass --keys-file or set CONTRIBUEZ_KEYS"), "\(noKeys.output)")
        #expect(!FileManager.default.fileExists(atPath: db), "nothing was opened")
    }

    @Test("keys rotate --retire re-seals a SQLite database under a new key and drops the old one; the data stay readable")
    func rotateAndRetire() async throws {
        // setup
        let dir = try KeyringTests.tempDir()
        let db = dir.appendingPathComponent("r.sqlite").path
        do {
            let store = try SQLiteStore(path: db)
            _ = try await SealingStoreTests.personalData(store, email: "rotation@example.org", body: "corps")
        }
        let before = try Keyring.load(path: db + ".keys")
        // act
        let run = try Self.contribuez(["keys", "rotate", "--database", db, "--retire"])
        // check
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("re-sealed 7 values"), "\(run.output)")
        let after = try Keyring.load(path: db + ".keys")
        #expect(after.ids.count == 1 && after.currentID != before.currentID, "the old key is retired")
        #expect(try FileManager.default.attributesOfItem(atPath: db + ".keys")[.posixPermissions] as? Int == 0o600)
        let store = try SQLiteStore(path: db)
        #expect(try await store.keysInUse() == [after.currentID: 7])
        #expect(try await store.participant(email: "rotation@example.org")?.email == "rotation@example.org")
        let trail = try await store.auditEntries(consultationID: nil, page: PageRequest(page: 1, perPage: 10)).items
        #expect(trail.map(\.action) == [.rotateKeys])
    }
}
