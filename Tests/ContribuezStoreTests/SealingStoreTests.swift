import ContribuezCore
import ContribuezPostgres
import ContribuezStore
import Foundation
import Testing

/// The keyring of issue 13 on its own: AES-GCM sealing, the blind index, the keys file.
@Suite("Keyring")
struct KeyringTests {
    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cz-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A keys file's JSON with one key of `id` and `byte` repeated as its secret.
    static func keysJSON(id: String, byte: UInt8) -> Data {
        let secret = Data(repeating: byte, count: 32).base64EncodedString()
        return Data(#"{"format": "contribuez-keys-1", "current": "\#(id)", "keys": [{"id": "\#(id)", "secret": "\#(secret)"}]}"#.utf8)
    }

    @Test("a sealed value opens back to the text, is self-describing, and never repeats")
    func roundTrip() throws {
        // setup
        let ring = Keyring.generate()
        // act
        let a = ring.seal("zoé@example.org", .participantEmail)
        let b = ring.seal("zoé@example.org", .participantEmail)
        // check
        #expect(a.hasPrefix("s1:\(ring.currentID):"))
        #expect(Keyring.keyID(of: a) == ring.currentID)
        #expect(a != b, "a fresh nonce each time")
        #expect(!a.contains("example"))
        #expect(try ring.unseal(a, .participantEmail) == "zoé@example.org")
        #expect(try ring.unseal("legacy@example.org", .participantEmail) == "legacy@example.org", "clear legacy text passes through")
    }

    @Test("another key, another column or an altered value does not open")
    func wrongKeyFails() throws {
        // setup
        let mine = try Keyring.parse(Self.keysJSON(id: "k1", byte: 1), source: "test")
        let other = try Keyring.parse(Self.keysJSON(id: "k1", byte: 2), source: "test")
        let stranger = Keyring.generate()
        let sealed = mine.seal("JBSWY3DPEHPK3PXP", .secondFactorSecret)
        var tampered = Array(sealed)
        let i = tampered.count - 5
        tampered[i] = tampered[i] == "A" ? "B" : "A"
        // act, check
        #expect(throws: KeyringError.cannotOpen(keyID: "k1", column: "second_factors.secret")) { try other.unseal(sealed, .secondFactorSecret) }
        #expect(throws: KeyringError.unknownKey(id: "k1", column: "second_factors.secret")) { try stranger.unseal(sealed, .secondFactorSecret) }
        #expect(throws: KeyringError.cannotOpen(keyID: "k1", column: "participants.email")) { try mine.unseal(sealed, .participantEmail) }
        #expect(throws: KeyringError.cannotOpen(keyID: "k1", column: "second_factors.secret")) { try mine.unseal(String(tampered), .secondFactorSecret) }
        #expect(throws: KeyringError.cannotOpen(keyID: "k1", column: "second_factors.secret")) { try mine.unseal("s1:k1:not base64!", .secondFactorSecret) }
    }

    @Test("after a rotation the old values still open, new ones use the new key, and e-mails are found under both")
    func rotationKeepsOldReadable() throws {
        // setup
        let old = Keyring.generate()
        let sealedBefore = old.seal("a@example.org", .profileAnswer)
        // act
        let rotated = old.addingKey()
        let sealedAfter = rotated.seal("b@example.org", .profileAnswer)
        let retired = rotated.removingKeys([old.currentID])
        // check
        #expect(rotated.currentID != old.currentID)
        #expect(rotated.ids == [old.currentID, rotated.currentID])
        #expect(try rotated.unseal(sealedBefore, .profileAnswer) == "a@example.org")
        #expect(Keyring.keyID(of: sealedAfter) == rotated.currentID)
        #expect(rotated.emailIndexes("A@Example.org") == [old.emailIndex("a@example.org"), rotated.emailIndex("a@example.org")])
        #expect(old.emailIndex("a@example.org") != rotated.emailIndex("a@example.org"))
        #expect(retired.ids == [rotated.currentID])
        #expect(throws: KeyringError.unknownKey(id: old.currentID, column: "profile_answers.answer")) { try retired.unseal(sealedBefore, .profileAnswer) }
        #expect(rotated.removingKeys([rotated.currentID]).ids.contains(rotated.currentID), "the current key is never removed")
    }

    @Test("a keys file is written 0600, read back, never overwritten; a readable-by-others, broken or missing one is refused by name")
    func keysFile() throws {
        // setup
        let dir = try Self.tempDir()
        let path = dir.appendingPathComponent("k.json").path
        let ring = Keyring.generate()
        // act
        try ring.create(path: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        let back = try Keyring.load(path: path)
        // check
        #expect(mode == 0o600)
        #expect(back.currentID == ring.currentID)
        #expect(try back.unseal(ring.seal("x", .mailBody), .mailBody) == "x")
        #expect(throws: KeyringError.alreadyExists(path: path)) { try Keyring.generate().create(path: path) }
        #expect(try Keyring.load(path: path).currentID == ring.currentID, "the refused overwrite left the file as it was")
        chmod(path, 0o644)
        #expect(throws: KeyringError.badPermissions(path: path, mode: "0644")) { try Keyring.load(path: path) }
        #expect(KeyringError.badPermissions(path: path, mode: "0644").description.contains("chmod 600"))
        let broken = dir.appendingPathComponent("broken.json").path
        try Data(#"{"format": "contribuez-keys-1", "current": "a", "keys": [{"id": "a", "secret": "c2hvcnQ="}]}"#.utf8).write(to: URL(fileURLWithPath: broken))
        chmod(broken, 0o600)
        #expect(throws: KeyringError.malformed(source: broken, why: "key a: the secret must be 32 bytes in base64")) { try Keyring.load(path: broken) }
        #expect(throws: KeyringError.self) { try Keyring.parse(Data("not json".utf8), source: "CONTRIBUEZ_KEYS") }
        let missing = dir.appendingPathComponent("none.json").path
        #expect((try? Keyring.load(path: missing)) == nil)
        do { _ = try Keyring.load(path: missing); Issue.record("a missing file was read") } catch {
            #expect("\(error)".contains(missing) && "\(error)".contains("No such file"))
        }
    }

    @Test("the keys come from CONTRIBUEZ_KEYS when set, and a PostgreSQL store without any refuses to open, saying how to give them")
    func environment() async throws {
        // setup
        let inline = String(decoding: Self.keysJSON(id: "env1", byte: 7), as: UTF8.self)
        // act
        let ring = try Keyring.fromEnvironment(["CONTRIBUEZ_KEYS": inline])
        let none = try Keyring.fromEnvironment(["CONTRIBUEZ_KEYS": "  "])
        // check
        #expect(ring?.currentID == "env1")
        #expect(none == nil)
        #expect(KeyringError.noKeys.description == "no keys: pass --keys-file or set CONTRIBUEZ_KEYS")
        if ProcessInfo.processInfo.environment["CONTRIBUEZ_KEYS"] == nil {
            await #expect(throws: KeyringError.noKeys) {
                _ = try await PostgresStore(url: "postgres://nobody:x@127.0.0.1:1/none?sslmode=disable", maximumConnections: 1, migrate: false)
            }
        }
    }
}

/// Personal data sealed at rest in the stores (issue 13), on every backend.
@Suite("Sealing", .serialized)
struct SealingStoreTests {
    static var backends: [String] { Backend.postgresURL == nil ? ["SQLite"] : ["SQLite", "PostgreSQL"] }

    /// A store of `backend` reading its keys from the file `keys` (so that a rewritten file is read again).
    static func open(_ backend: String, keys: String, schema: String? = nil, sqlitePath: String? = nil) async throws -> (any Store, String) {
        let storeKeys = try StoreKeys(path: keys)
        if backend == "SQLite" {
            let path = try sqlitePath ?? KeyringTests.tempDir().appendingPathComponent("s.sqlite").path
            return (try SQLiteStore(path: path, keys: storeKeys), path)
        }
        let url = try #require(Backend.postgresURL)
        let schema = schema ?? "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return (try await PostgresStore(url: url, schema: schema, maximumConnections: 8, keys: storeKeys), schema)
    }

    /// Raw values of a column as stored.
    static func raw(_ store: any Store, _ sql: String) async throws -> [String?] {
        if let s = store as? SQLiteStore { return try s.unsafeTextsForTests(sql) }
        return try await (store as! PostgresStore).unsafeTextsForTests(sql)
    }

    static let t0 = Date(timeIntervalSince1970: 1_750_000_000)

    /// An account with a profile, a queued mail and a second factor.
    static func personalData(_ store: any Store, email: String, body: String) async throws -> Participant {
        let p = try await store.createParticipant(NewParticipant(email: email, displayName: "Zoé Q.", kind: .citizen, organization: nil, createdAt: t0), passwordHash: "hash")
        _ = try await store.saveProfile(participantID: p.id, answers: [.sex: "F", .age: "1987", .departement: "29"], at: t0)
        _ = try await store.enqueueMail(NewMail(to: email, subject: "Bienvenue", text: body, kind: "welcome"), at: t0)
        #expect(try await store.beginSecondFactor(participantID: p.id, secret: "JBSWY3DPEHPK3PXP", at: t0))
        return p
    }

    @Test("e-mails, answers, queued mails and second-factor secrets are stored sealed and read back in clear", arguments: backends)
    func sealedColumns(_ backend: String) async throws {
        // setup
        let keysPath = try KeyringTests.tempDir().appendingPathComponent("k.json").path
        try Keyring.generate().create(path: keysPath)
        let (store, _) = try await Self.open(backend, keys: keysPath)
        let current = try Keyring.load(path: keysPath).currentID
        // act
        let p = try await Self.personalData(store, email: "zoe@example.org", body: "Votre lien : https://x/secret-123")
        // check
        for column in SealedColumn.allCases {
            let values = try await Self.raw(store, "SELECT \(column.column) FROM \(column.table)")
            #expect(!values.isEmpty && values.allSatisfy { $0?.hasPrefix("s1:\(current):") == true }, "\(column.rawValue): \(values)")
        }
        #expect(try await store.keysInUse() == [current: 1 + 3 + 1 + 1 + 1])
        #expect(try await store.participant(id: p.id)?.email == "zoe@example.org")
        #expect(try await store.participant(email: "Zoe@Example.org")?.id == p.id, "found by its blind index, whatever the case")
        #expect(try await store.credentials(email: "zoe@example.org")?.passwordHash == "hash")
        #expect(try await store.participant(email: "zoe@example.com") == nil)
        #expect(try await store.profile(participantID: p.id)?.answers == [.sex: "F", .age: "1987", .departement: "29"])
        let mail = try #require(try await store.dueMails(at: Self.t0, limit: 10).first)
        #expect(mail.to == "zoe@example.org" && mail.text == "Votre lien : https://x/secret-123" && mail.subject == "Bienvenue")
        #expect(try await store.secondFactor(participantID: p.id)?.secret == "JBSWY3DPEHPK3PXP")
        #expect(try await store.personalAccount(participantID: p.id)?.participant.email == "zoe@example.org")
        let names = try await Self.raw(store, "SELECT display_name FROM participants")
        #expect(names == ["Zoé Q."], "display names are public: not sealed")
    }

    @Test("signing up with a taken e-mail is refused, even in another case and under an older key", arguments: backends)
    func duplicateEmail(_ backend: String) async throws {
        // setup
        let keysPath = try KeyringTests.tempDir().appendingPathComponent("k.json").path
        try Keyring.generate().create(path: keysPath)
        let (store, _) = try await Self.open(backend, keys: keysPath)
        _ = try await store.createParticipant(NewParticipant(email: "dup@example.org", displayName: "A", kind: .citizen, organization: nil, createdAt: Self.t0), passwordHash: "h")
        // act
        try Keyring.load(path: keysPath).addingKey().replace(path: keysPath)
        let storeKeys = (store as? SQLiteStore)?.keyring ?? (store as! PostgresStore).keyring
        storeKeys.reload()
        // check
        await #expect(throws: StoreError.duplicateEmail) {
            _ = try await store.createParticipant(NewParticipant(email: "dup@example.org", displayName: "B", kind: .citizen, organization: nil, createdAt: Self.t0), passwordHash: "h")
        }
        _ = try await store.resealAll { _, _ in }
        await #expect(throws: StoreError.duplicateEmail) {
            _ = try await store.createParticipant(NewParticipant(email: "dup@example.org", displayName: "C", kind: .citizen, organization: nil, createdAt: Self.t0), passwordHash: "h")
        }
    }

    @Test("rotation: re-sealed under the new key while reads go on; e-mails found before, during and after; the old key retired", arguments: backends)
    func rotate(_ backend: String) async throws {
        // setup
        let keysPath = try KeyringTests.tempDir().appendingPathComponent("k.json").path
        try Keyring.generate().create(path: keysPath)
        let (writer, place) = try await Self.open(backend, keys: keysPath)
        var people: [Participant] = []
        for i in 0..<40 {
            people.append(try await Self.personalData(writer, email: "p\(i)@example.org", body: "corps \(i)"))
        }
        // A second store on the same database, as a running server: it learns the new key from the file.
        let (server, _) = backend == "SQLite"
            ? try await Self.open(backend, keys: keysPath, sqlitePath: place)
            : try await Self.open(backend, keys: keysPath, schema: place)
        let old = try Keyring.load(path: keysPath)
        #expect(try await server.participant(email: "p3@example.org")?.id == people[3].id, "before")
        // act
        let rotated = old.addingKey()
        try rotated.replace(path: keysPath)
        for store in [writer, server] { ((store as? SQLiteStore)?.keyring ?? (store as! PostgresStore).keyring).reload() }
        let newcomer = try await Self.personalData(server, email: "new@example.org", body: "nouveau")
        #expect(try await server.participant(email: "p5@example.org")?.id == people[5].id, "during: an old row under the old key")
        #expect(try await writer.participant(email: "new@example.org")?.id == newcomer.id, "during: a new row under the new key")
        async let reseal = writer.resealAll { _, _ in }
        var readsDuring = 0
        for i in 0..<40 {
            let found = try await server.participant(email: "p\(i)@example.org")
            #expect(found?.id == people[i].id && found?.email == "p\(i)@example.org")
            #expect(try await server.profile(participantID: people[i].id)?.answers[.departement] == "29")
            readsDuring += 1
        }
        let resealed = try await reseal
        let inUse = try await writer.keysInUse()
        try rotated.removingKeys(Set(old.ids).subtracting(inUse.keys)).replace(path: keysPath)
        for store in [writer, server] { ((store as? SQLiteStore)?.keyring ?? (store as! PostgresStore).keyring).reload() }
        // check
        #expect(readsDuring == 40)
        #expect(resealed == 40 * 7, "every value sealed under the old key, and only those")
        #expect(inUse == [rotated.currentID: 41 * 7])
        #expect(try Keyring.load(path: keysPath).ids == [rotated.currentID], "the old key is retired")
        for i in [0, 17, 39] {
            #expect(try await server.participant(email: "P\(i)@example.org")?.id == people[i].id, "after")
            #expect(try await server.secondFactor(participantID: people[i].id)?.secret == "JBSWY3DPEHPK3PXP")
        }
        #expect(try await server.dueMails(at: Self.t0, limit: 100).count == 41)
        #expect(try await server.credentials(email: "new@example.org")?.participant.id == newcomer.id)
        #expect(try await writer.resealAll { _, _ in } == 0, "nothing left to re-seal")
    }

    @Test("a file database holds neither the e-mail nor the mail body in clear, in the file or its WAL; answers are only sealed values")
    func rawBytes() async throws {
        // setup
        let dir = try KeyringTests.tempDir()
        let path = dir.appendingPathComponent("raw.sqlite").path
        let store = try SQLiteStore(path: path)
        let email = "ysolde.quillfeather-4821@example.org"
        let body = "Bonjour Ysolde, voici votre lien secret XYZZY-PLUGH-7781"
        // act
        let p = try await Self.personalData(store, email: email, body: body)
        let answers = try store.unsafeTextsForTests("SELECT answer FROM profile_answers")
        let main = try Data(contentsOf: URL(fileURLWithPath: path))
        let wal = (try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data()
        // check
        #expect(wal.count > 0, "the writes are (still) in the WAL")
        for bytes in [main, wal] {
            #expect(bytes.range(of: Data(email.utf8)) == nil)
            #expect(bytes.range(of: Data("ysolde.quillfeather".utf8)) == nil)
            #expect(bytes.range(of: Data("XYZZY-PLUGH-7781".utf8)) == nil)
            #expect(bytes.range(of: Data("JBSWY3DPEHPK3PXP".utf8)) == nil)
        }
        #expect(answers.count == 3 && answers.allSatisfy { $0.map(Keyring.isSealed) == true })
        #expect(try await store.participant(email: email)?.id == p.id)
        #expect(FileManager.default.fileExists(atPath: path + ".keys"), "the keys beside the file, never in it")
        let mode = try FileManager.default.attributesOfItem(atPath: path + ".keys")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("migration 0017: clear rows written before it are sealed at open, indexed, and read back; the pass is idempotent")
    func migration() async throws {
        // setup
        let dir = try KeyringTests.tempDir()
        let path = dir.appendingPathComponent("old.sqlite").path
        do {
            let old = try SQLiteStore(path: path, migrateUpTo: "0016-session-security")
            try old.unsafeExecuteForTests("""
                INSERT INTO participants (id, email, password_hash, display_name, kind, created_at) VALUES
                    (1, 'legacy@example.org', 'h1', 'Ancien', 'citizen', 0), (2, NULL, NULL, 'Importé', 'citizen', 0),
                    (3, 'other@example.org', 'h3', 'Autre', 'citizen', 0)
                """)
            try old.unsafeExecuteForTests("INSERT INTO profiles (participant_id, consented_at, updated_at) VALUES (1, 0, 0)")
            try old.unsafeExecuteForTests("INSERT INTO profile_answers (participant_id, question, answer) VALUES (1, 'sex', 'F'), (1, 'age', '1950')")
            try old.unsafeExecuteForTests("""
                INSERT INTO mail_outbox (recipient, subject, body, kind, created_at, next_attempt_at) VALUES ('legacy@example.org', 'S', 'corps ancien', 'welcome', 0, 0)
                """)
            try old.unsafeExecuteForTests("INSERT INTO second_factors (participant_id, secret, created_at) VALUES (3, 'OLDSECRET234567', 0)")
        }
        // act
        let store = try SQLiteStore(path: path)
        let again = try store.sealPass()
        // check
        let keys = try Keyring.load(path: path + ".keys")
        #expect(try await store.keysInUse() == [keys.currentID: 2 + 2 + 2 + 1])
        #expect(again == 0, "a second pass finds nothing to seal")
        #expect(try store.unsafeTextsForTests("SELECT email_index FROM participants ORDER BY id") == [keys.emailIndex("legacy@example.org"), nil, keys.emailIndex("other@example.org")])
        #expect(try await store.participant(email: "legacy@example.org")?.id == 1)
        #expect(try await store.credentials(email: "other@example.org")?.passwordHash == "h3")
        #expect(try await store.participant(id: 2)?.email == nil)
        #expect(try await store.profile(participantID: 1)?.answers == [.sex: "F", .age: "1950"])
        let mail = try #require(try await store.dueMails(at: Self.t0, limit: 5).first)
        #expect(mail.to == "legacy@example.org" && mail.text == "corps ancien")
        #expect(try await store.secondFactor(participantID: 3)?.secret == "OLDSECRET234567")
        await #expect(throws: StoreError.duplicateEmail) {
            _ = try await store.createParticipant(NewParticipant(email: "LEGACY@example.org", displayName: "X", kind: .citizen, organization: nil, createdAt: Self.t0), passwordHash: "h")
        }
    }

    @Test("copy to PostgreSQL refuses a SQLite file sealed with keys the target lacks, and writes nothing", .enabled(if: Backend.postgresURL != nil))
    func copyNeedsTheKeys() async throws {
        // setup
        let path = try KeyringTests.tempDir().appendingPathComponent("src.sqlite").path
        let source = try SQLiteStore(path: path)  // its own keys, beside the file
        _ = try await Self.personalData(source, email: "copie@example.org", body: "b")
        let sourceKey = try Keyring.load(path: path + ".keys").currentID
        let target = try await Backend.freshPostgres()
        // act, check
        await #expect(throws: KeyringError.databaseNeedsKeys([sourceKey])) { _ = try await PostgresCopy.run(from: path, to: target) }
        #expect(try await target.participant(email: "copie@example.org") == nil)
        // act: with the source's keys, the copy goes through and the e-mail is found on PostgreSQL
        let url = try #require(Backend.postgresURL)
        let withKeys = try await PostgresStore(url: url, schema: target.schema, maximumConnections: 4, keys: StoreKeys(path: path + ".keys"))
        _ = try await PostgresCopy.run(from: path, to: withKeys)
        // check
        #expect(try await withKeys.participant(email: "copie@example.org")?.email == "copie@example.org")
    }

    @Test("the seal pass at open seals clear values on every backend, once, even with two stores opening together", arguments: backends)
    func sealPassAtOpen(_ backend: String) async throws {
        // setup: clear rows, as a database from before 0017 holds them
        let keysPath = try KeyringTests.tempDir().appendingPathComponent("k.json").path
        try Keyring.generate().create(path: keysPath)
        let (first, place) = try await Self.open(backend, keys: keysPath)
        let insert = [
            "INSERT INTO participants (id, email, password_hash, display_name, kind, created_at) VALUES (900, 'clair@example.org', 'h', 'Clair', 'citizen', 0)",
            "INSERT INTO profiles (participant_id, consented_at, updated_at) VALUES (900, 0, 0)",
            "INSERT INTO profile_answers (participant_id, question, answer) VALUES (900, 'age', '1960')",
            "INSERT INTO mail_outbox (recipient, subject, body, kind, created_at, next_attempt_at) VALUES ('clair@example.org', 'S', 'en clair', 'welcome', 0, 0)",
        ]
        for sql in insert {
            if let s = first as? SQLiteStore { try s.unsafeExecuteForTests(sql) } else { try await (first as! PostgresStore).unsafeExecuteForTests(sql) }
        }
        let current = try Keyring.load(path: keysPath).currentID
        #expect(try await first.keysInUse() == ["": 4])
        // act: two stores open the database at once
        async let a = backend == "SQLite" ? Self.open(backend, keys: keysPath, sqlitePath: place) : Self.open(backend, keys: keysPath, schema: place)
        async let b = backend == "SQLite" ? Self.open(backend, keys: keysPath, sqlitePath: place) : Self.open(backend, keys: keysPath, schema: place)
        let (store, _) = try await a
        _ = try await b
        // check
        #expect(try await store.keysInUse() == [current: 4])
        #expect(try await store.participant(email: "clair@example.org")?.id == 900)
        #expect(try await store.profile(participantID: 900)?.answers == [.age: "1960"])
        #expect(try await store.dueMails(at: Self.t0, limit: 5).map(\.text) == ["en clair"])
    }

    @Test("a store given keys that lack one its values are sealed with refuses to open, naming the key", arguments: backends)
    func wrongKeysRefused(_ backend: String) async throws {
        // setup
        let dir = try KeyringTests.tempDir()
        let right = dir.appendingPathComponent("right.json").path, wrong = dir.appendingPathComponent("wrong.json").path
        try Keyring.generate().create(path: right)
        try Keyring.generate().create(path: wrong)
        let (store, place) = try await Self.open(backend, keys: right)
        _ = try await Self.personalData(store, email: "cle@example.org", body: "b")
        let id = try Keyring.load(path: right).currentID
        // act, check
        await #expect(throws: KeyringError.databaseNeedsKeys([id])) {
            _ = backend == "SQLite" ? try await Self.open(backend, keys: wrong, sqlitePath: place) : try await Self.open(backend, keys: wrong, schema: place)
        }
        #expect(KeyringError.databaseNeedsKeys([id]).description.contains("--keys-file"))
    }

    @Test("SQLite overwrites deleted content (secure_delete)")
    func secureDelete() throws {
        // setup, act
        let store = try SQLiteStore(path: try KeyringTests.tempDir().appendingPathComponent("d.sqlite").path)
        // check
        #expect(try store.secureDeleteEnabled())
    }
}
