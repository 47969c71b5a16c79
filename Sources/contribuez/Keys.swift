import ArgumentParser
import ContribuezCore
import ContribuezStore
import Foundation

/// `contribuez keys …` (issue 13): the keys personal data are sealed with at rest.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make, rotate and retire the keys that seal personal data (e-mails, profile answers, queued mails, second factors).",
        discussion: """
            The keys live in a file (JSON, mode 0600), never in the database: back it up apart from the database;
            losing it loses the e-mails and everything else it seals.
            """,
        subcommands: [KeysGenerate.self, KeysRotate.self, KeysRetire.self])
}

struct KeysGenerate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Write a new keys file with one fresh AES-256 key (mode 0600); never overwrites a file.")
    @Option(help: "The keys file to create.") var out: String

    func run() async throws {
        let keyring = Keyring.generate()
        do { try keyring.create(path: out) } catch { throw ValidationError("\(error)") }
        print("wrote \(out) (key \(keyring.currentID), mode 0600): back it up apart from the database, and give it to every node with --keys-file")
    }
}

struct KeysRotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Add a new current key to the keys file and re-seal every sealed value under it, while servers keep running.",
        discussion: """
            The keys file is rewritten atomically (mode 0600) with a new key that becomes the current one; running
            servers given the same --keys-file read it again within a second, open old rows with the old key until
            they are re-sealed, and find e-mails under every key. The values are then re-sealed in batches, each in its
            own transaction. With --retire, keys no longer sealing anything are dropped from the file afterwards.
            """)
    @OptionGroup var db: DatabaseOptions
    @Flag(help: "Afterwards, drop from the keys file the keys that no longer seal any value.") var retire = false

    /// How long running servers are given to read the rewritten keys file before values are re-sealed.
    static let settle: Duration = .seconds(2)

    func run() async throws {
        let path = try db.keysFileToRewrite()
        let before: Keyring
        do { before = try Keyring.load(path: path) } catch { throw ValidationError("\(error)") }
        let after = before.addingKey()
        do { try after.replace(path: path) } catch { throw ValidationError("\(error)") }
        print("added key \(after.currentID) to \(path), now the current key (kept: \(before.ids.joined(separator: ", ")))")
        try await Task.sleep(for: Self.settle)
        var options = db
        options.keysFile = path
        let store = try await options.open()
        let started = Date()
        let total = try await store.resealAll { column, done in print("  \(column): \(done) re-sealed") }
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        print("re-sealed \(total) values under key \(after.currentID) in \(seconds) s")
        try await store.appendAudit(AuditEntry(
            consultationID: nil, actorID: nil, actorName: "contribuez keys rotate", action: .rotateKeys, targetKind: "keys", targetID: 0,
            reason: after.currentID, detail: "\(total) values re-sealed", at: Date()))
        if retire { try await KeysRetire.retire(store: store, path: path) }
    }
}

struct KeysRetire: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retire", abstract: "Drop from the keys file the keys that no longer seal any value (never the current one).")
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let path = try db.keysFileToRewrite()
        var options = db
        options.keysFile = path
        try await Self.retire(store: try await options.open(), path: path)
    }

    /// Checks which keys still seal values, then rewrites the file without the others.
    static func retire(store: any Store, path: String) async throws {
        let inUse = try await store.keysInUse()
        let keyring: Keyring
        do { keyring = try Keyring.load(path: path) } catch { throw ValidationError("\(error)") }
        for id in keyring.ids where id != keyring.currentID && (inUse[id] ?? 0) > 0 {
            print("key \(id) still seals \(inUse[id] ?? 0) values: kept (run `contribuez keys rotate` again)")
        }
        if let clear = inUse[""], clear > 0 { print("note: \(clear) values are still in clear; opening the store seals them") }
        let unknown = inUse.keys.filter { !$0.isEmpty && !keyring.ids.contains($0) }.sorted()
        if !unknown.isEmpty { print("warning: values sealed with key(s) \(unknown.joined(separator: ", ")) that this file does not hold") }
        let unused = Set(keyring.ids.filter { $0 != keyring.currentID && (inUse[$0] ?? 0) == 0 })
        guard !unused.isEmpty else {
            print("no key to retire: \(path) holds \(keyring.ids.joined(separator: ", ")) (current \(keyring.currentID))")
            return
        }
        do { try keyring.removingKeys(unused).replace(path: path) } catch { throw ValidationError("\(error)") }
        print("retired key(s) \(unused.sorted().joined(separator: ", ")); \(path) now holds \(keyring.removingKeys(unused).ids.joined(separator: ", "))")
    }
}
