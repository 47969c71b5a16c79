/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as ZIP uses it, slice-by-8.
public struct CRC32: Sendable {
    public private(set) var value: UInt32 = 0

    public init() {}

    /// The CRC of `bytes` in one call.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc = CRC32()
        crc.update(Array(bytes))
        return crc.value
    }

    static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[i] = c
        }
        for i in 0..<256 {
            for k in 1..<8 {
                let prev = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (prev >> 8) ^ t[Int(prev & 0xFF)]
            }
        }
        return t
    }()

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { update($0) }
    }

    public mutating func update(_ buffer: UnsafeBufferPointer<UInt8>) {
        var c = ~value
        Self.tables.withUnsafeBufferPointer { t in
            guard var p = buffer.baseAddress else { return }
            var n = buffer.count
            while n >= 8 {
                let lo = c ^ (UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24)
                c = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(p[4])] ^ t[2 * 256 + Int(p[5])] ^ t[1 * 256 + Int(p[6])] ^ t[Int(p[7])]
                p += 8; n -= 8
            }
            while n > 0 {
                c = t[Int((c ^ UInt32(p[0])) & 0xFF)] ^ (c >> 8)
                p += 1; n -= 1
            }
        }
        value = ~c
    }
}
