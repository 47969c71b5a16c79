import Foundation
import Hummingbird
import NIOCore

/// A decoded `application/x-www-form-urlencoded` body or query string.
struct Form: Sendable {
    private(set) var values: [String: String] = [:]
    /// Every value of each key, in order (a field sent several times: `shown=1&shown=2`).
    private(set) var lists: [String: [String]] = [:]

    enum Failure: Error { case invalidEncoding, tooLarge }

    subscript(_ key: String) -> String? { values[key] }
    func string(_ key: String) -> String { values[key] ?? "" }
    func all(_ key: String) -> [String] { lists[key] ?? [] }

    init(values: [String: String]) { self.values = values }

    /// Parses `a=1&b=x+y`. Invalid percent-escapes or invalid UTF-8 fail: the user gets a 400, not garbage stored.
    init(encoded: String) throws {
        for pair in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = try Self.decode(parts[0])
            let value = parts.count > 1 ? try Self.decode(parts[1]) : ""
            if values[key] == nil { values[key] = value }
            lists[key, default: []].append(value)
        }
    }

    static func decode(_ s: Substring) throws -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var it = Array(s.utf8)[...]
        while let c = it.popFirst() {
            if c == UInt8(ascii: "+") { bytes.append(UInt8(ascii: " ")); continue }
            if c == UInt8(ascii: "%") {
                guard it.count >= 2, let hi = hex(it.popFirst()!), let lo = hex(it.popFirst()!) else { throw Failure.invalidEncoding }
                bytes.append(hi << 4 | lo); continue
            }
            bytes.append(c)
        }
        guard let str = String(validating: bytes, as: UTF8.self) else { throw Failure.invalidEncoding }
        return str
    }

    static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }

    /// Reads and decodes a request body of at most `limit` bytes.
    static func read(_ request: Request, limit: Int = 256 * 1024) async throws -> Form {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch { throw Failure.tooLarge }
        let bytes = Array(buffer.readableBytesView)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw Failure.invalidEncoding }
        return try Form(encoded: text)
    }
}
