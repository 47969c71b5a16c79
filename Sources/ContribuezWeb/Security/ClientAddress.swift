import Foundation
import HTTPTypes

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IP address as 16 bytes; an IPv4 address is kept IPv4-mapped (`::ffff:a.b.c.d`), so ranges of
/// either family compare alike.
struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    /// Parses `192.0.2.1`, `2001:db8::1`, `[2001:db8::1]`, `::ffff:192.0.2.1`, a zone (`fe80::1%eth0`) dropped.
    init?(_ text: String) {
        var s = text.trimmingCharacters(in: .whitespaces)
        if s.hasPrefix("[") && s.hasSuffix("]") { s = String(s.dropFirst().dropLast()) }
        if let zone = s.firstIndex(of: "%") { s = String(s[..<zone]) }
        guard !s.isEmpty, s.count <= 45 else { return nil }
        var v4 = in_addr()
        if s.withCString({ inet_pton(AF_INET, $0, &v4) }) == 1 {
            let raw = withUnsafeBytes(of: &v4) { Array($0) }
            bytes = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] + raw
            return
        }
        var v6 = in6_addr()
        guard s.withCString({ inet_pton(AF_INET6, $0, &v6) }) == 1 else { return nil }
        bytes = withUnsafeBytes(of: &v6) { Array($0) }
    }

    var isV4: Bool { bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff }

    var description: String {
        if isV4 { return bytes[12...].map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
    }

    /// Whom a rate limit counts as one client: an IPv4 address, or an IPv6 address's /64 (one household
    /// or one machine is usually given a whole /64, and could otherwise rotate through it).
    var limitKey: String {
        if isV4 { return description }
        return stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":") + "::/64"
    }
}

/// An address range written `10.0.0.0/8`, `2001:db8::/32` or one address.
struct IPRange: Sendable, Equatable {
    let base: IPAddress
    /// Leading bits that must match, out of 128.
    let bits: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let base = parts.first.flatMap({ IPAddress($0) }) else { return nil }
        let full = base.isV4 ? 32 : 128
        var prefix = full
        if parts.count == 2 {
            guard let p = Int(parts[1]), (0...full).contains(p) else { return nil }
            prefix = p
        }
        self.base = base
        bits = base.isV4 ? 96 + prefix : prefix
    }

    func contains(_ a: IPAddress) -> Bool {
        var left = bits
        for i in 0..<16 where left > 0 {
            let n = min(8, left)
            let mask: UInt8 = n == 8 ? 0xff : ~(0xff >> UInt8(n))
            if a.bytes[i] & mask != base.bytes[i] & mask { return false }
            left -= n
        }
        return true
    }
}

/// The reverse proxies whose `Forwarded` / `X-Forwarded-For` headers are believed (`serve --trusted-proxy`).
/// From anyone else these headers are ignored: any client can write them.
public struct TrustedProxies: Sendable, Equatable {
    let ranges: [IPRange]

    public static let none = TrustedProxies(ranges: [])

    init(ranges: [IPRange]) { self.ranges = ranges }

    /// Reads ranges like `127.0.0.1`, `10.0.0.0/8`, `fd00::/8`; throws on the first unreadable one.
    public init(_ specs: [String]) throws(TrustedProxyError) {
        var ranges: [IPRange] = []
        for spec in specs {
            guard let range = IPRange(spec) else { throw TrustedProxyError(spec: spec) }
            ranges.append(range)
        }
        self.ranges = ranges
    }

    func trusts(_ a: IPAddress) -> Bool { ranges.contains { $0.contains(a) } }

    /// The client's address: the peer's, unless the peer is a trusted proxy; then the forwarded chain is
    /// read from the right (the hop nearest to us) past every trusted proxy, and the first other address is
    /// the client. An unreadable hop stops the walk at the last trusted one (never further left, where the
    /// client could have written anything). Nil when the peer is unknown (a Unix socket, the test router).
    func client(peer: String?, headers: HTTPFields) -> IPAddress? {
        guard let peer = peer.flatMap({ IPAddress($0) }) else { return nil }
        guard trusts(peer) else { return peer }
        let chain = Self.forwardedChain(headers)
        var client = peer
        for hop in chain.reversed() {
            guard let a = IPAddress(hop) else { return client }
            client = a
            if !trusts(a) { return a }
        }
        return client
    }

    /// The forwarded-for hops, oldest first: RFC 7239 `Forwarded: for=…` when present, else `X-Forwarded-For`.
    static func forwardedChain(_ headers: HTTPFields) -> [String] {
        let forwarded = headers[values: HTTPField.Name("Forwarded")!]
        if !forwarded.isEmpty {
            return forwarded.joined(separator: ",").split(separator: ",").map { element in
                let pairs = element.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                guard let pair = pairs.first(where: { $0.lowercased().hasPrefix("for=") }) else { return "" }
                return hostOnly(String(pair.dropFirst(4)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
            }
        }
        return headers[values: HTTPField.Name("X-Forwarded-For")!].joined(separator: ",").split(separator: ",").map {
            hostOnly($0.trimmingCharacters(in: .whitespaces))
        }
    }

    /// Drops a port: `[2001:db8::1]:4711` → `2001:db8::1`, `192.0.2.1:80` → `192.0.2.1`.
    static func hostOnly(_ s: String) -> String {
        if s.hasPrefix("["), let end = s.firstIndex(of: "]") { return String(s[s.index(after: s.startIndex)..<end]) }
        if s.filter({ $0 == ":" }).count == 1, let colon = s.firstIndex(of: ":") { return String(s[..<colon]) }
        return s
    }
}

public struct TrustedProxyError: Error, Equatable, CustomStringConvertible {
    public var spec: String
    public var description: String { "--trusted-proxy \(spec): expected an IP address or a range like 10.0.0.0/8 or fd00::/8" }
}
