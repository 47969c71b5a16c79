import Foundation

/// The per-consultation hash chain of vote and contribution events (issue 12, "verifiable counts").
///
/// Every vote, withdrawal and contribution is appended, in the transaction that stores it, as an
/// entry numbered `seq = 1, 2, 3…` without gaps. Each entry's `hash` is the SHA-256 of the previous
/// entry's hash (32 raw bytes; 32 zero bytes for seq 1) followed by the UTF-8 of its canonical line
/// `seq|at|event|participant|target_type|target_id|value|content_sha256`. Publishing the head (the
/// last hash) and the length commits the institution to the whole history: anyone holding the
/// open data can recompute the chain and every tally from it (`contribuez verify`).
///
/// Participants appear only as a per-consultation pseudonym: the first 16 hex digits of
/// HMAC-SHA256(salt, participant id in decimal). The salt (32 random bytes) is stored on the
/// consultation and never published, so pseudonyms cannot be linked across consultations nor
/// reversed by trying every id.
///
/// NB: SHA-256 and HMAC are written here in Swift because the core imports Foundation only; a test
/// checks them against swift-crypto.
public enum EventChain {
    /// What happened.
    public enum Event: String, Sendable, Codable, CaseIterable {
        /// A vote was cast or changed (an unchanged vote appends nothing).
        case vote
        /// A live vote was withdrawn (by the participant, or by the deletion of their account).
        case withdraw
        /// A contribution was stored (published or held for moderation).
        case contribution
    }

    /// One entry: exactly the columns of `events.csv` in the open-data package, in order.
    public struct Entry: Sendable, Equatable, Hashable, Codable {
        public var seq: Int64
        /// Unix milliseconds.
        public var at: Int64
        public var event: Event
        /// The pseudonym; empty for a contribution without author.
        public var participant: String
        /// `article` or `contribution`.
        public var targetType: String
        public var targetID: ID
        /// The vote value (empty for a withdrawal) or the contribution's kind.
        public var value: String
        /// Lowercase hex SHA-256 of a contribution's content (`contentHash`); empty for votes.
        public var contentSHA256: String
        /// Lowercase hex SHA-256 chaining this entry to the previous one.
        public var hash: String

        public init(
            seq: Int64, at: Int64, event: Event, participant: String, targetType: String, targetID: ID,
            value: String, contentSHA256: String, hash: String
        ) {
            self.seq = seq; self.at = at; self.event = event; self.participant = participant
            self.targetType = targetType; self.targetID = targetID; self.value = value
            self.contentSHA256 = contentSHA256; self.hash = hash
        }

        /// The event's time as a date.
        public var date: Date { Date(timeIntervalSince1970: Double(at) / 1000) }

        /// The target, when `targetType` is one the product writes.
        public var target: Target? {
            switch targetType {
            case "article": return .article(targetID)
            case "contribution": return .contribution(targetID)
            default: return nil
            }
        }
    }

    /// The hash before the first entry, and the head of an empty chain: 64 zeros.
    public static let zeroHash = String(repeating: "0", count: 64)

    /// Unix milliseconds of a date, as entries store it (rounded to the nearest millisecond).
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    // MARK: Building entries

    /// The participant's pseudonym in one consultation: the first 16 lowercase hex digits of
    /// HMAC-SHA256(key: salt, message: the participant id in decimal, UTF-8).
    public static func pseudonym(salt: [UInt8], participantID: ID) -> String {
        Pseudonymizer(salt: salt).pseudonym(participantID)
    }

    /// The pseudonym of an optional author: empty without one.
    public static func pseudonym(salt: [UInt8], participantID: ID?) -> String {
        participantID.map { pseudonym(salt: salt, participantID: $0) } ?? ""
    }

    /// Lowercase hex SHA-256 of a contribution's content: the UTF-8 of kind, article id or "",
    /// parent id or "", stance or "", title, body, rationale, url or "", joined by U+001F.
    public static func contentHash(
        kind: ContributionKind, articleID: ID?, parentID: ID?, stance: Stance?, title: String, body: String,
        rationale: String, url: String?
    ) -> String {
        let fields = [
            kind.rawValue, articleID.map(String.init) ?? "", parentID.map(String.init) ?? "", stance?.rawValue ?? "",
            title, body, rationale, url ?? "",
        ]
        return SHA256.hex(Array(fields.joined(separator: "\u{1F}").utf8))
    }

    /// The content hash of a stored contribution.
    public static func contentHash(of c: Contribution) -> String {
        contentHash(
            kind: c.kind, articleID: c.articleID, parentID: c.parentID, stance: c.stance, title: c.title,
            body: c.body, rationale: c.rationale, url: c.url)
    }

    /// `seq|at|event|participant|target_type|target_id|value|content_sha256`.
    public static func canonicalLine(_ e: Entry) -> String {
        "\(e.seq)|\(e.at)|\(e.event.rawValue)|\(e.participant)|\(e.targetType)|\(e.targetID)|\(e.value)|\(e.contentSHA256)"
    }

    /// The hash of `entry` following the entry whose hash is `previous` (`zeroHash` for seq 1).
    /// `entry.hash` is ignored.
    public static func nextHash(previous: String, _ entry: Entry) -> String {
        var sha = SHA256()
        sha.update(hexBytes(previous) ?? [UInt8](repeating: 0, count: 32))
        // NB: the canonical line's bytes, written directly (the same text as `canonicalLine`, without
        // building the string: millions of entries go through here).
        var line = [UInt8]()
        line.reserveCapacity(200)
        func decimal(_ v: Int64) {
            if v < 0 { line.append(45) }
            var m = v.magnitude
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                          UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var n = 0
            withUnsafeMutableBytes(of: &digits) { d in
                repeat { d[n] = UInt8(48 + m % 10); m /= 10; n += 1 } while m > 0
                for i in stride(from: n - 1, through: 0, by: -1) { line.append(d[i]) }
            }
        }
        decimal(entry.seq); line.append(124)
        decimal(entry.at); line.append(124)
        line.append(contentsOf: entry.event.rawValue.utf8); line.append(124)
        line.append(contentsOf: entry.participant.utf8); line.append(124)
        line.append(contentsOf: entry.targetType.utf8); line.append(124)
        decimal(entry.targetID); line.append(124)
        line.append(contentsOf: entry.value.utf8); line.append(124)
        line.append(contentsOf: entry.contentSHA256.utf8)
        sha.update(line)
        return hex(sha.finalize())
    }

    /// The entry following `head`, with its seq and hash filled in.
    public static func entry(
        after head: ChainHead, at: Int64, event: Event, participant: String, target: Target, value: String,
        contentSHA256: String = ""
    ) -> Entry {
        var e = Entry(
            seq: head.length + 1, at: at, event: event, participant: participant, targetType: target.kindName,
            targetID: target.id, value: value, contentSHA256: contentSHA256, hash: "")
        e.hash = nextHash(previous: head.head, e)
        return e
    }

    /// A vote entry (`value` nil: a withdrawal).
    public static func vote(after head: ChainHead, at: Date, participant: String, target: Target, value: VoteValue?) -> Entry {
        entry(
            after: head, at: milliseconds(at), event: value == nil ? .withdraw : .vote, participant: participant,
            target: target, value: value?.rawValue ?? "")
    }

    /// A contribution entry.
    public static func contribution(after head: ChainHead, _ c: Contribution, participant: String) -> Entry {
        entry(
            after: head, at: milliseconds(c.createdAt), event: .contribution, participant: participant,
            target: .contribution(c.id), value: c.kind.rawValue, contentSHA256: contentHash(of: c))
    }

    // MARK: Checking

    /// What is wrong with a chain, at the first entry concerned.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            /// The entry's seq is not the one expected (a gap, a repeat, or not starting at 1).
            case gap(expected: Int64)
            /// The stored hash is not the hash recomputed from the previous one and the entry.
            case hash(expected: String, found: String)
            /// A field is not well formed (a `|` in a field, a value outside the vocabulary…).
            case malformed(String)
        }

        public var seq: Int64
        public var kind: Kind

        public init(seq: Int64, kind: Kind) { self.seq = seq; self.kind = kind }

        public var description: String {
            switch kind {
            case .gap(let expected): return "seq \(seq): expected seq \(expected)"
            case .hash(let expected, let found): return "seq \(seq): hash expected \(expected), found \(found)"
            case .malformed(let why): return "seq \(seq): \(why)"
            }
        }
    }

    /// Checks entries one at a time, so a chain of millions streams through in bounded memory.
    /// After a broken hash, later entries are checked against their own stored predecessor, so one
    /// edited row is reported once (at its seq) rather than at every following entry.
    public struct Verifier: Sendable {
        /// The head and length of what was checked so far (the last entry's stored hash).
        public private(set) var head = ChainHead.empty
        public private(set) var problems: [Problem] = []

        public init() {}

        /// Checks the next entry; returns the problems found in it (also kept in `problems`).
        @discardableResult
        public mutating func check(_ e: Entry) -> [Problem] {
            var found: [Problem] = []
            let expectedSeq = head.length + 1
            if e.seq != expectedSeq { found.append(Problem(seq: e.seq, kind: .gap(expected: expectedSeq))) }
            if let why = EventChain.malformation(e) { found.append(Problem(seq: e.seq, kind: .malformed(why))) }
            let expected = EventChain.nextHash(previous: head.head, e)
            if expected != e.hash { found.append(Problem(seq: e.seq, kind: .hash(expected: expected, found: e.hash))) }
            head = ChainHead(length: e.seq, head: e.hash)
            problems += found
            return found
        }
    }

    /// Every problem of a whole chain (entries in seq order, from seq 1); empty when it verifies.
    public static func verify<S: Sequence>(_ entries: S) -> [Problem] where S.Element == Entry {
        var verifier = Verifier()
        for e in entries { verifier.check(e) }
        return verifier.problems
    }

    /// Why an entry's fields cannot have been written by the product, or nil.
    static func malformation(_ e: Entry) -> String? {
        let fields = [e.participant, e.targetType, e.value, e.contentSHA256, e.hash]
        if fields.contains(where: { $0.utf8.contains(124) }) { return "a field contains « | »" }
        if !isLowerHex(e.hash, count: 64) { return "hash is not 64 lowercase hex digits" }
        if !e.participant.isEmpty && !isLowerHex(e.participant, count: 16) { return "participant is not a pseudonym" }
        if e.targetType != "article" && e.targetType != "contribution" { return "unknown target_type \(e.targetType)" }
        switch e.event {
        case .vote:
            if VoteValue(rawValue: e.value) == nil { return "unknown vote value \(e.value)" }
            if e.participant.isEmpty { return "a vote without participant" }
        case .withdraw:
            if !e.value.isEmpty { return "a withdrawal with a value" }
            if e.participant.isEmpty { return "a withdrawal without participant" }
        case .contribution:
            if ContributionKind(rawValue: e.value) == nil { return "unknown contribution kind \(e.value)" }
            if e.targetType != "contribution" { return "a contribution entry on an article" }
            if !isLowerHex(e.contentSHA256, count: 64) { return "content_sha256 is not 64 lowercase hex digits" }
        }
        if e.event != .contribution && !e.contentSHA256.isEmpty { return "a vote with a content hash" }
        return nil
    }

    // MARK: Hex

    public static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        @inline(__always) func digit(_ v: UInt8) -> UInt8 { v < 10 ? 48 + v : 87 + v }
        return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            var i = 0
            for b in bytes {
                out[i] = digit(b >> 4); out[i + 1] = digit(b & 0x0f)
                i += 2
            }
            return i
        }
    }

    /// The bytes of a hex string (either case), or nil when it is not hex of even length.
    public static func hexBytes(_ s: String) -> [UInt8]? {
        var s = s
        return s.withUTF8 { hexBytes($0) }
    }

    static func hexBytes(_ utf8: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard utf8.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: return nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    static func isLowerHex(_ s: String, count: Int) -> Bool {
        s.utf8.count == count && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// A new random salt for a consultation: 32 bytes from the OS CSPRNG.
    public static func newSalt() -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }
}

/// Where a consultation's chain stands: its length (the last seq) and head (the last hash).
public struct ChainHead: Sendable, Equatable, Hashable, Codable {
    public var length: Int64
    public var head: String

    public init(length: Int64, head: String) { self.length = length; self.head = head }

    /// The head of an empty chain: length 0 and 64 zeros.
    public static let empty = ChainHead(length: 0, head: EventChain.zeroHash)

    /// The head after `entry`.
    public init(_ entry: EventChain.Entry) { self.init(length: entry.seq, head: entry.hash) }
}

/// Computes pseudonyms for one consultation with the HMAC key prepared once (bulk exports and
/// generators compute millions).
public struct Pseudonymizer: Sendable {
    let hmac: EventChain.HMACSHA256

    public init(salt: [UInt8]) { hmac = EventChain.HMACSHA256(key: salt) }

    public func pseudonym(_ participantID: ID) -> String {
        let mac = hmac.authenticate(Array(String(participantID).utf8))
        return EventChain.hex(mac.prefix(8))
    }

    public func pseudonym(_ participantID: ID?) -> String { participantID.map(pseudonym) ?? "" }
}

// MARK: - SHA-256 (FIPS 180-4)

extension EventChain {
    /// SHA-256 in Swift, incremental: `update` as often as needed, then `finalize`.
    /// NB: nested in `EventChain` so it never shadows swift-crypto's `SHA256` where both are imported.
    /// The pending block lives in a tuple (no heap allocation per hash): the generator hashes millions.
    public struct SHA256: Sendable {
        private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
            0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
        )
        private var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        private var pending = 0
        private var total: UInt64 = 0

        public init() {}

        public static func hash(_ data: [UInt8]) -> [UInt8] {
            var s = SHA256()
            s.update(data)
            return s.finalize()
        }

        public static func hex(_ data: [UInt8]) -> String { EventChain.hex(hash(data)) }

        public mutating func update(_ data: [UInt8]) {
            data.withUnsafeBytes { update($0) }
        }

        public mutating func update(_ data: UnsafeRawBufferPointer) {
            guard let base = data.baseAddress, data.count > 0 else { return }
            total &+= UInt64(data.count)
            var index = 0
            if pending > 0 {
                let take = min(64 - pending, data.count)
                withUnsafeMutableBytes(of: &block) { b in
                    b.baseAddress!.advanced(by: pending).copyMemory(from: base, byteCount: take)
                }
                pending += take
                index = take
                if pending == 64 { compressPending(); pending = 0 }
            }
            while data.count - index >= 64 {
                compress(base + index)
                index += 64
            }
            if index < data.count {
                let rest = data.count - index
                withUnsafeMutableBytes(of: &block) { b in b.baseAddress!.copyMemory(from: base + index, byteCount: rest) }
                pending = rest
            }
        }

        public mutating func finalize() -> [UInt8] {
            let bitLength = total &* 8
            withUnsafeMutableBytes(of: &block) { b in
                b[pending] = 0x80
                for i in (pending + 1)..<64 { b[i] = 0 }
            }
            if pending + 1 > 56 {
                compressPending()
                block = (0, 0, 0, 0, 0, 0, 0, 0)
            }
            withUnsafeMutableBytes(of: &block) { b in
                for i in 0..<8 { b[56 + i] = UInt8(truncatingIfNeeded: bitLength >> (UInt64(7 - i) * 8)) }
            }
            compressPending()
            pending = 0
            let words = [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7]
            return [UInt8](unsafeUninitializedCapacity: 32) { out, count in
                for (i, w) in words.enumerated() {
                    out[i * 4] = UInt8(w >> 24); out[i * 4 + 1] = UInt8(truncatingIfNeeded: w >> 16)
                    out[i * 4 + 2] = UInt8(truncatingIfNeeded: w >> 8); out[i * 4 + 3] = UInt8(truncatingIfNeeded: w)
                }
                count = 32
            }
        }

        private mutating func compressPending() {
            var copy = block
            withUnsafeBytes(of: &copy) { b in compress(b.baseAddress!) }
        }

        private static let k: [UInt32] = [
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
            0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
            0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
            0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
            0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
            0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
            0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
        ]

        @inline(__always) private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

        private mutating func compress(_ block: UnsafeRawPointer) {
            // NB: a stack buffer, not an array: one heap allocation per block halves the speed.
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                for i in 0..<16 { w[i] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)) }
                for i in 16..<64 {
                    let s0 = Self.rotr(w[i - 15], 7) ^ Self.rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                    let s1 = Self.rotr(w[i - 2], 17) ^ Self.rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                    w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
                }
                var (a, b, c, d, e, f, g, h) = state
                Self.k.withUnsafeBufferPointer { k in
                    for i in 0..<64 {
                        let s1 = Self.rotr(e, 6) ^ Self.rotr(e, 11) ^ Self.rotr(e, 25)
                        let ch = (e & f) ^ (~e & g)
                        let t1 = h &+ s1 &+ ch &+ k[i] &+ w[i]
                        let s0 = Self.rotr(a, 2) ^ Self.rotr(a, 13) ^ Self.rotr(a, 22)
                        let maj = (a & b) ^ (a & c) ^ (b & c)
                        let t2 = s0 &+ maj
                        h = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
                    }
                }
                state = (
                    state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d,
                    state.4 &+ e, state.5 &+ f, state.6 &+ g, state.7 &+ h
                )
            }
        }
    }

    // MARK: - HMAC-SHA256 (RFC 2104)

    /// HMAC-SHA256 with the key's inner and outer pads prepared once.
    public struct HMACSHA256: Sendable {
        private let innerPad: [UInt8]
        private let outerPad: [UInt8]

        public init(key: [UInt8]) {
            var k = key.count > 64 ? SHA256.hash(key) : key
            k += [UInt8](repeating: 0, count: 64 - k.count)
            innerPad = k.map { $0 ^ 0x36 }
            outerPad = k.map { $0 ^ 0x5c }
        }

        public func authenticate(_ message: [UInt8]) -> [UInt8] {
            var inner = SHA256()
            inner.update(innerPad)
            inner.update(message)
            var outer = SHA256()
            outer.update(outerPad)
            outer.update(inner.finalize())
            return outer.finalize()
        }

        public static func authenticate(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
            HMACSHA256(key: key).authenticate(message)
        }
    }
}
