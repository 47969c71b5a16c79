import ContribuezCore
import Crypto
import Foundation
import Testing

@Suite("Event chain")
struct EventChainTests {
    typealias SHA = EventChain.SHA256
    typealias HMAC = EventChain.HMACSHA256

    static func bytes(_ hex: String) -> [UInt8] { EventChain.hexBytes(hex)! }

    @Test("SHA-256 of the empty string and of abc are the FIPS 180-4 vectors")
    func sha256Vectors() {
        #expect(SHA.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("HMAC-SHA256 gives RFC 4231 test cases 1 and 2")
    func hmacVectors() {
        // setup: RFC 4231 §4.2 and §4.3
        let key1 = [UInt8](repeating: 0x0b, count: 20)
        let key2 = Array("Jefe".utf8)
        // act
        let mac1 = HMAC.authenticate(Array("Hi There".utf8), key: key1)
        let mac2 = HMAC.authenticate(Array("what do ya want for nothing?".utf8), key: key2)
        // check
        #expect(EventChain.hex(mac1) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(EventChain.hex(mac2) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("SHA-256 and HMAC equal swift-crypto's on random inputs of every length around the block size")
    func equalsSwiftCrypto() {
        var rng = SystemRandomNumberGenerator()
        for length in Array(0...200) + [1000, 4096, 10_001] {
            let data = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let ours = SHA.hash(data)
            let theirs = Array(Crypto.SHA256.hash(data: data))
            #expect(ours == theirs, "SHA-256 differs at length \(length)")
            let key = (0..<(length % 150)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let mac = HMAC.authenticate(data, key: key)
            let cryptoMAC = Array(Crypto.HMAC<Crypto.SHA256>.authenticationCode(for: data, using: SymmetricKey(data: key)))
            #expect(mac == cryptoMAC, "HMAC differs at length \(length), key \(key.count)")
        }
    }

    @Test("SHA-256 fed in pieces equals SHA-256 of the whole")
    func incremental() {
        let data = (0..<300).map { UInt8($0 % 251) }
        var s = SHA()
        s.update(Array(data[0..<1])); s.update(Array(data[1..<70])); s.update(Array(data[70..<200])); s.update(Array(data[200...]))
        #expect(s.finalize() == SHA.hash(data))
    }

    @Test("a pseudonym is 16 hex digits of HMAC(salt, id in decimal), differs by salt and never shows the id")
    func pseudonyms() {
        // setup
        let salt1 = [UInt8](repeating: 1, count: 32)
        let salt2 = [UInt8](repeating: 2, count: 32)
        // act
        let p1 = EventChain.pseudonym(salt: salt1, participantID: 42)
        let p2 = EventChain.pseudonym(salt: salt2, participantID: 42)
        // check
        let expected = Crypto.HMAC<Crypto.SHA256>.authenticationCode(for: Array("42".utf8), using: SymmetricKey(data: salt1))
        #expect(p1 == EventChain.hex(Array(expected).prefix(8)))
        #expect(p1.count == 16)
        #expect(p1 != p2)
        #expect(p1 != "42")
        #expect(EventChain.pseudonym(salt: salt1, participantID: nil as ID?) == "")
        #expect(Pseudonymizer(salt: salt1).pseudonym(42) == p1)
    }

    @Test("the content hash covers every field joined by U+001F")
    func contentHash() {
        let h = EventChain.contentHash(
            kind: .amendment, articleID: 7, parentID: nil, stance: nil, title: "T", body: "B", rationale: "R", url: nil)
        #expect(h == SHA.hex(Array("amendment\u{1F}7\u{1F}\u{1F}\u{1F}T\u{1F}B\u{1F}R\u{1F}".utf8)))
        let other = EventChain.contentHash(
            kind: .amendment, articleID: 7, parentID: nil, stance: nil, title: "T", body: "B2", rationale: "R", url: nil)
        #expect(h != other)
    }

    static func sampleChain() -> [EventChain.Entry] {
        let salt = [UInt8](repeating: 9, count: 32)
        let pseudo = Pseudonymizer(salt: salt)
        var head = ChainHead.empty
        var entries: [EventChain.Entry] = []
        func add(_ e: EventChain.Entry) { entries.append(e); head = ChainHead(e) }
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        let c = Contribution(
            id: 5, consultationID: 1, kind: .proposal, articleID: nil, parentID: nil, authorID: 3, authorName: "A",
            title: "Un titre", body: "Un corps", rationale: "", stance: nil, url: nil, createdAt: t0)
        add(EventChain.contribution(after: head, c, participant: pseudo.pseudonym(3)))
        add(EventChain.vote(after: head, at: t0 + 1, participant: pseudo.pseudonym(4), target: .article(2), value: .agree))
        add(EventChain.vote(after: head, at: t0 + 2, participant: pseudo.pseudonym(4), target: .article(2), value: .disagree))
        add(EventChain.vote(after: head, at: t0 + 3, participant: pseudo.pseudonym(4), target: .contribution(5), value: .mixed))
        add(EventChain.vote(after: head, at: t0 + 4, participant: pseudo.pseudonym(4), target: .article(2), value: nil))
        return entries
    }

    @Test("a chain built entry by entry verifies, and its hashes follow the canonical line")
    func chainVerifies() {
        // setup
        let entries = Self.sampleChain()
        // act
        let problems = EventChain.verify(entries)
        // check
        #expect(problems.isEmpty)
        #expect(entries.map(\.seq) == [1, 2, 3, 4, 5])
        let first = entries[0]
        var sha = SHA()
        sha.update([UInt8](repeating: 0, count: 32))
        sha.update(Array(EventChain.canonicalLine(first).utf8))
        #expect(first.hash == EventChain.hex(sha.finalize()))
        #expect(EventChain.canonicalLine(entries[4]).hasSuffix("|withdraw|\(entries[4].participant)|article|2||"))
        #expect(EventChain.canonicalLine(entries[1]) == "2|1700000001000|vote|\(entries[1].participant)|article|2|agree|")
        #expect(entries[4].event == .withdraw && entries[4].value == "")
    }

    @Test("the hash is SHA-256 of the previous hash's bytes and the canonical line, as swift-crypto computes it")
    func hashMatchesSwiftCrypto() {
        // setup
        let previous = String(repeating: "5a", count: 32)
        let entries = [
            EventChain.Entry(seq: 1, at: 0, event: .vote, participant: "0123456789abcdef", targetType: "article", targetID: 7,
                             value: "agree", contentSHA256: "", hash: ""),
            EventChain.Entry(seq: 9_223_372_036_854_775_807, at: 1_750_000_000_123, event: .contribution, participant: "",
                             targetType: "contribution", targetID: 1_234_567_890_123, value: "amendment",
                             contentSHA256: String(repeating: "f", count: 64), hash: ""),
            EventChain.Entry(seq: 42, at: 5, event: .withdraw, participant: "fedcba9876543210", targetType: "contribution", targetID: 0,
                             value: "", contentSHA256: "", hash: ""),
        ]
        for e in entries {
            // act
            let ours = EventChain.nextHash(previous: previous, e)
            // check
            let theirs = Crypto.SHA256.hash(data: EventChain.hexBytes(previous)! + Array(EventChain.canonicalLine(e).utf8))
            #expect(ours == EventChain.hex(Array(theirs)), "seq \(e.seq)")
        }
        #expect(EventChain.canonicalLine(entries[1])
            == "9223372036854775807|1750000000123|contribution||contribution|1234567890123|amendment|" + String(repeating: "f", count: 64))
    }

    @Test("an edited value is reported at its seq, once")
    func tamperedValue() {
        // setup
        var entries = Self.sampleChain()
        // act
        entries[2].value = "agree"
        let problems = EventChain.verify(entries)
        // check
        #expect(problems.count == 1)
        #expect(problems.first?.seq == 3)
        if case .hash = problems.first?.kind {} else { Issue.record("expected a hash problem, got \(problems)") }
    }

    @Test("a removed entry is reported as a gap at the next seq")
    func gap() {
        var entries = Self.sampleChain()
        entries.remove(at: 1)
        let problems = EventChain.verify(entries)
        #expect(problems.first == EventChain.Problem(seq: 3, kind: .gap(expected: 2)))
    }

    @Test("a field holding « | » is malformed even when its hash was recomputed")
    func pipe() {
        var entries = Self.sampleChain()
        entries[0].participant = "ab|cd"
        entries[0].hash = EventChain.nextHash(previous: EventChain.zeroHash, entries[0])
        let problems = EventChain.verify(entries)
        #expect(problems.contains { $0.seq == 1 && { if case .malformed = $0.kind { true } else { false } }($0) })
    }

    @Test("an empty chain verifies and its head is 64 zeros")
    func empty() {
        #expect(EventChain.verify([EventChain.Entry]()).isEmpty)
        #expect(ChainHead.empty == ChainHead(length: 0, head: String(repeating: "0", count: 64)))
    }
}
