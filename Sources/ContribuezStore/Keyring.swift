import Crypto
import Foundation

/// The columns of personal data sealed at rest (issue 13), each with its table and the columns that find its row.
///
/// NB: the column's name is the AES-GCM additional data of its values: a sealed e-mail copied into the
/// answers column (or any other) does not open there.
public enum SealedColumn: String, CaseIterable, Sendable {
    case participantEmail = "participants.email"
    case profileAnswer = "profile_answers.answer"
    case mailRecipient = "mail_outbox.recipient"
    case mailBody = "mail_outbox.body"
    case secondFactorSecret = "second_factors.secret"

    public var table: String { String(rawValue.split(separator: ".")[0]) }
    public var column: String { String(rawValue.split(separator: ".")[1]) }
    /// The columns of the row's key, and whether each is text (else an integer).
    public var keyColumns: [(name: String, isText: Bool)] {
        switch self {
        case .participantEmail, .mailRecipient, .mailBody: return [("id", false)]
        case .profileAnswer: return [("participant_id", false), ("question", true)]
        case .secondFactorSecret: return [("participant_id", false)]
        }
    }
}

public enum KeyringError: Error, CustomStringConvertible, Equatable {
    case noKeys
    case unreadable(path: String, why: String)
    case badPermissions(path: String, mode: String)
    case malformed(source: String, why: String)
    case alreadyExists(path: String)
    case unknownKey(id: String, column: String)
    case cannotOpen(keyID: String, column: String)
    case notSealed(column: String)
    case databaseNeedsKeys([String])

    public var description: String {
        switch self {
        case .noKeys: return "no keys: pass --keys-file or set CONTRIBUEZ_KEYS"
        case .unreadable(let p, let why): return "cannot read the keys file \(p): \(why)"
        case .badPermissions(let p, let mode):
            return "the keys file \(p) has permissions \(mode): it must be readable by its owner only (chmod 600 \(p))"
        case .malformed(let s, let why): return "malformed keys in \(s): \(why)"
        case .alreadyExists(let p): return "\(p) already exists: a keys file is never overwritten (losing it loses the e-mails it seals)"
        case .unknownKey(let id, let c): return "a value of \(c) is sealed with key \(id), which is not in the keys file"
        case .cannotOpen(let id, let c): return "a value of \(c) sealed with key \(id) does not open: wrong key, or the value was altered"
        case .notSealed(let c): return "a value of \(c) is not a sealed value"
        case .databaseNeedsKeys(let ids):
            return "the database holds values sealed with key(s) \(ids.joined(separator: ", ")), which the keys given lack: give the keys file it was sealed with (--keys-file or CONTRIBUEZ_KEYS)"
        }
    }
}

/// AES-GCM 256 keys that seal personal data at rest (issue 13). Each key has a short id; one is current
/// (seals new values), the others stay to open values sealed before a rotation until they are re-sealed.
///
/// A sealed value is text: `s1:<key id>:<base64(nonce | ciphertext | tag)>`, so it fits the TEXT columns
/// and a value written before sealing (legacy clear text) is recognisable. E-mails are found by a blind
/// index: HMAC-SHA256 of the lower-cased e-mail under a key derived (HKDF) from a sealing key.
///
/// NB: the keys never go into the database: they come from a file (mode 0600) or `CONTRIBUEZ_KEYS`.
public struct Keyring: Sendable {
    public struct Key: @unchecked Sendable {  // NB: SymmetricKey is immutable; swift-crypto does not mark it Sendable
        public let id: String
        let secret: SymmetricKey
        let indexKey: SymmetricKey
        let created: String

        init(id: String, secret: SymmetricKey, created: String) {
            self.id = id
            self.secret = secret
            self.created = created
            indexKey = HKDF<SHA256>.deriveKey(
                inputKeyMaterial: secret, salt: Data("contribuez".utf8), info: Data("e-mail blind index v1".utf8), outputByteCount: 32)
        }
    }

    /// Every key, oldest first; the current one is among them.
    public let keys: [Key]
    public let currentID: String

    public static let prefix = "s1:"

    init(keys: [Key], currentID: String) throws {
        guard !keys.isEmpty else { throw KeyringError.malformed(source: "keyring", why: "no key") }
        guard keys.contains(where: { $0.id == currentID }) else {
            throw KeyringError.malformed(source: "keyring", why: "the current key \(currentID) is not among the keys")
        }
        guard Set(keys.map(\.id)).count == keys.count else { throw KeyringError.malformed(source: "keyring", why: "two keys have the same id") }
        self.keys = keys
        self.currentID = currentID
    }

    /// A keyring of one fresh random key.
    public static func generate(now: Date = Date()) -> Keyring {
        let key = newKey(now: now, avoiding: [])
        return Keyring(unchecked: [key], currentID: key.id)
    }

    private init(unchecked keys: [Key], currentID: String) {
        self.keys = keys
        self.currentID = currentID
    }

    static func newKey(now: Date, avoiding: Set<String>) -> Key {
        var id: String
        repeat {
            id = (0..<4).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        } while avoiding.contains(id)
        return Key(id: id, secret: SymmetricKey(size: .bits256), created: ISO8601DateFormatter().string(from: now))
    }

    /// This keyring with a new random key, which becomes the current one (a rotation's first step).
    public func addingKey(now: Date = Date()) -> Keyring {
        let key = Self.newKey(now: now, avoiding: Set(keys.map(\.id)))
        return Keyring(unchecked: keys + [key], currentID: key.id)
    }

    /// This keyring without the keys `ids` (never the current one).
    public func removingKeys(_ ids: Set<String>) -> Keyring {
        Keyring(unchecked: keys.filter { !ids.contains($0.id) || $0.id == currentID }, currentID: currentID)
    }

    public var ids: [String] { keys.map(\.id) }
    var current: Key { keys.first { $0.id == currentID }! }

    // MARK: Sealing

    /// Seals `plain` under the current key.
    public func seal(_ plain: String, _ column: SealedColumn) -> String {
        let key = current
        // NB: AES.GCM.seal fails only for a key of a wrong size, which `Key` never holds.
        let box = try! AES.GCM.seal(Data(plain.utf8), using: key.secret, authenticating: Data(column.rawValue.utf8))
        return Self.prefix + key.id + ":" + box.combined!.base64EncodedString()
    }

    public func seal(optional plain: String?, _ column: SealedColumn) -> String? { plain.map { seal($0, column) } }

    /// Whether `value` is a sealed value (else legacy clear text, written before sealing).
    public static func isSealed(_ value: String) -> Bool { value.hasPrefix(prefix) }

    /// The id of the key that sealed `value`, nil for clear text.
    public static func keyID(of value: String) -> String? {
        guard isSealed(value) else { return nil }
        let rest = value.dropFirst(prefix.count)
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        return String(rest[..<colon])
    }

    /// Opens a sealed value; legacy clear text (not yet sealed by the seal pass) is returned as it is.
    public func unseal(_ value: String, _ column: SealedColumn) throws -> String {
        guard Self.isSealed(value) else { return value }
        guard let id = Self.keyID(of: value) else { throw KeyringError.notSealed(column: column.rawValue) }
        guard let key = keys.first(where: { $0.id == id }) else { throw KeyringError.unknownKey(id: id, column: column.rawValue) }
        let encoded = value.dropFirst(Self.prefix.count + id.count + 1)
        do {
            guard let combined = Data(base64Encoded: String(encoded)) else { throw KeyringError.cannotOpen(keyID: id, column: column.rawValue) }
            let box = try AES.GCM.SealedBox(combined: combined)
            let plain = try AES.GCM.open(box, using: key.secret, authenticating: Data(column.rawValue.utf8))
            guard let text = String(data: plain, encoding: .utf8) else { throw KeyringError.cannotOpen(keyID: id, column: column.rawValue) }
            return text
        } catch {
            throw KeyringError.cannotOpen(keyID: id, column: column.rawValue)
        }
    }

    public func unseal(optional value: String?, _ column: SealedColumn) throws -> String? { try value.map { try unseal($0, column) } }

    // MARK: Blind index

    /// The blind index of an e-mail under the current key.
    public func emailIndex(_ email: String) -> String { Self.index(email, current) }

    /// The blind indexes of an e-mail under every key: a look-up matches any (rows not yet re-sealed keep the old one).
    public func emailIndexes(_ email: String) -> [String] { keys.map { Self.index(email, $0) } }

    static func index(_ email: String, _ key: Key) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(email.lowercased().utf8), using: key.indexKey).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: The keys file

    struct FileFormat: Codable {
        struct Entry: Codable {
            var id: String
            var secret: String
            var created: String?
        }
        var format: String
        var current: String
        var keys: [Entry]
    }

    /// The keys file's text (JSON).
    public func fileContents() -> Data {
        let file = FileFormat(
            format: "contribuez-keys-1", current: currentID,
            keys: keys.map { key in
                FileFormat.Entry(id: key.id, secret: key.secret.withUnsafeBytes { Data($0).base64EncodedString() }, created: key.created)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(file)) ?? Data()
    }

    /// Reads keys from the keys file's text; `source` names it in messages.
    public static func parse(_ data: Data, source: String) throws -> Keyring {
        let file: FileFormat
        do { file = try JSONDecoder().decode(FileFormat.self, from: data) } catch {
            throw KeyringError.malformed(source: source, why: "not the JSON of a keys file ({\"format\": \"contribuez-keys-1\", \"current\": ID, \"keys\": [{\"id\": ID, \"secret\": BASE64}]})")
        }
        guard file.format == "contribuez-keys-1" else { throw KeyringError.malformed(source: source, why: "unknown format \(file.format)") }
        var keys: [Key] = []
        for entry in file.keys {
            guard !entry.id.isEmpty, entry.id.count <= 16, entry.id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw KeyringError.malformed(source: source, why: "key id \"\(entry.id)\" must be 1 to 16 ASCII letters or digits")
            }
            guard let secret = Data(base64Encoded: entry.secret), secret.count == 32 else {
                throw KeyringError.malformed(source: source, why: "key \(entry.id): the secret must be 32 bytes in base64")
            }
            keys.append(Key(id: entry.id, secret: SymmetricKey(data: secret), created: entry.created ?? ""))
        }
        guard !keys.isEmpty else { throw KeyringError.malformed(source: source, why: "no key") }
        do { return try Keyring(keys: keys, currentID: file.current) } catch KeyringError.malformed(_, let why) {
            throw KeyringError.malformed(source: source, why: why)
        }
    }

    /// Reads a keys file, refusing one that others than its owner may read.
    public static func load(path: String) throws -> Keyring {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw KeyringError.unreadable(path: path, why: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw KeyringError.unreadable(path: path, why: "not a regular file") }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else { throw KeyringError.badPermissions(path: path, mode: String(format: "%04o", mode)) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw KeyringError.unreadable(path: path, why: (error as NSError).localizedDescription)
        }
        return try parse(data, source: path)
    }

    /// Writes a new keys file (mode 0600); refuses to replace an existing file.
    public func create(path: String) throws {
        let temporary = path + ".new-\(UUID().uuidString.prefix(8))"
        try Self.writePrivate(fileContents(), to: temporary)
        defer { unlink(temporary) }
        // NB: link(2) fails if `path` exists: two processes creating the same file cannot both win.
        guard link(temporary, path) == 0 else {
            if errno == EEXIST { throw KeyringError.alreadyExists(path: path) }
            throw KeyringError.unreadable(path: path, why: String(cString: strerror(errno)))
        }
    }

    /// Replaces the keys file at `path` atomically (rename over it), mode 0600.
    public func replace(path: String) throws {
        let temporary = path + ".new-\(UUID().uuidString.prefix(8))"
        try Self.writePrivate(fileContents(), to: temporary)
        guard rename(temporary, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporary)
            throw KeyringError.unreadable(path: path, why: why)
        }
    }

    static func writePrivate(_ data: Data, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw KeyringError.unreadable(path: path, why: String(cString: strerror(errno))) }
        defer { close(fd) }
        // NB: the umask may have removed bits, never added any: 0600 is set explicitly still.
        fchmod(fd, 0o600)
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(fd) == 0 else {
            unlink(path)
            throw KeyringError.unreadable(path: path, why: "could not write: \(String(cString: strerror(errno)))")
        }
    }

    /// The keys given inline in `CONTRIBUEZ_KEYS` (the keys file's content), nil when it is unset or empty.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Keyring? {
        guard let text = environment["CONTRIBUEZ_KEYS"], !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        return try parse(Data(text.utf8), source: "CONTRIBUEZ_KEYS")
    }
}

/// The keyring a store seals with, re-read from its keys file when the file changes, so a running server
/// learns the key a `contribuez keys rotate` added (and forgets the ones it retired) without a restart.
public final class StoreKeys: @unchecked Sendable {
    /// The keys file, nil for keys given inline or in memory (then they never change).
    public let path: String?
    private let lock = NSLock()
    private var keyring: Keyring
    private var stamp: FileStamp?
    private var checkedAt = Date.distantPast

    struct FileStamp: Equatable {
        var modified: timespec
        var size: off_t
        var inode: ino_t
        static func == (a: Self, b: Self) -> Bool {
            a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec && a.size == b.size && a.inode == b.inode
        }
    }

    /// How often, at most, the file is looked at (one `stat`).
    static let recheckEvery: TimeInterval = 0.5

    public init(_ keyring: Keyring) {
        self.keyring = keyring
        path = nil
    }

    /// Reads the keys file at `path` (see `Keyring.load`).
    public init(path: String) throws {
        self.path = path
        stamp = Self.stamp(path)
        keyring = try Keyring.load(path: path)
    }

    /// The keys of a SQLite database when none are given: `<database>.keys` next to it, created (0600) if
    /// missing; for an in-memory database, a key that lives as long as the process.
    public static func beside(database path: String) throws -> StoreKeys {
        if path.isEmpty || path == ":memory:" || path.hasPrefix("file::memory:") { return StoreKeys(Keyring.generate()) }
        let keysPath = path + ".keys"
        if !FileManager.default.fileExists(atPath: keysPath) {
            do { try Keyring.generate().create(path: keysPath) } catch KeyringError.alreadyExists { /* another process made it first */ }
        }
        return try StoreKeys(path: keysPath)
    }

    /// The keys in force.
    public var current: Keyring {
        lock.lock(); defer { lock.unlock() }
        refreshLocked(force: false)
        return keyring
    }

    /// Re-reads the keys file now if it changed (a value sealed with a key not yet known).
    @discardableResult
    public func reload() -> Keyring {
        lock.lock(); defer { lock.unlock() }
        refreshLocked(force: true)
        return keyring
    }

    private func refreshLocked(force: Bool) {
        guard let path else { return }
        let now = Date()
        guard force || now.timeIntervalSince(checkedAt) >= Self.recheckEvery else { return }
        checkedAt = now
        let latest = Self.stamp(path)
        guard latest != stamp else { return }
        // NB: a file being replaced, or broken by hand, leaves the keys read before in force.
        if let fresh = try? Keyring.load(path: path) {
            keyring = fresh
            stamp = latest
        }
    }

    static func stamp(_ path: String) -> FileStamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        return FileStamp(modified: info.st_mtimespec, size: info.st_size, inode: info.st_ino)
        #else
        return FileStamp(modified: info.st_mtim, size: info.st_size, inode: info.st_ino)
        #endif
    }

    public func seal(_ plain: String, _ column: SealedColumn) -> String { current.seal(plain, column) }
    public func seal(optional plain: String?, _ column: SealedColumn) -> String? { plain.map { current.seal($0, column) } }

    /// Opens a value; a key not yet known makes the keys file be read again first.
    public func unseal(_ value: String, _ column: SealedColumn) throws -> String {
        do { return try current.unseal(value, column) } catch KeyringError.unknownKey {
            return try reload().unseal(value, column)
        }
    }

    public func unseal(optional value: String?, _ column: SealedColumn) throws -> String? { try value.map { try unseal($0, column) } }

    public func emailIndex(_ email: String) -> String { current.emailIndex(email) }
    public func emailIndexes(_ email: String) -> [String] { current.emailIndexes(email) }

    /// Refuses keys that lack one the database's values are sealed with (`counts`: values per key id, as
    /// `SealingStore.keysInUse`): a server given the wrong keys file stops at start, not at each request.
    public func check(against counts: [String: Int]) throws {
        let known = Set(reload().ids)
        let missing = counts.keys.filter { !$0.isEmpty && !known.contains($0) }.sorted()
        guard missing.isEmpty else { throw KeyringError.databaseNeedsKeys(missing) }
    }
}
