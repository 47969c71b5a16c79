/// Writes HTML as UTF-8 bytes for the hot repeated parts of pages (contribution rows, tally bars, diffs).
///
/// Escaping is automatic: `text` and `attribute` escape `& < > " '` on the bytes (one scan, untouched runs
/// copied whole); markup can only be written from string literals (`raw` takes a `StaticString`), and HTML
/// produced elsewhere enters only through `trusted`, for what this module rendered itself (SafeMarkdown,
/// stored renderings, other writers).
struct HTMLWriter {
    private(set) var bytes: [UInt8]

    init(capacity: Int = 512) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Markup from a literal.
    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// HTML this module produced (never user text).
    mutating func trusted(_ html: String) {
        bytes.append(contentsOf: html.utf8)
    }

    mutating func int(_ n: Int) {
        bytes.append(contentsOf: String(n).utf8)
    }

    /// Element text or a quoted attribute value: `& < > " '` escaped, NUL replaced by U+FFFD.
    mutating func text(_ s: String) {
        var s = s
        s.withUTF8 { append(escaping: $0) }
    }

    mutating func text(_ s: Substring) {
        var s = s
        s.withUTF8 { append(escaping: $0) }
    }

    private mutating func append(escaping input: UnsafeBufferPointer<UInt8>) {
        var start = 0
        var i = 0
        let n = input.count
        while i < n {
            let b = input[i]
            // NB: every byte to escape is below 0x3F: one compare skips letters and all non-ASCII bytes.
            if b < 0x3F, let replacement = Self.entity(b) {
                if i > start { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: input[start..<i])) }
                bytes.append(contentsOf: replacement)
                start = i + 1
            }
            i += 1
        }
        if n > start { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: input[start..<n])) }
    }

    private static let amp: [UInt8] = Array("&amp;".utf8), lt: [UInt8] = Array("&lt;".utf8), gt: [UInt8] = Array("&gt;".utf8)
    private static let quot: [UInt8] = Array("&quot;".utf8), apos: [UInt8] = Array("&#39;".utf8), nul: [UInt8] = Array("\u{FFFD}".utf8)

    @inline(__always)
    private static func entity(_ b: UInt8) -> [UInt8]? {
        switch b {
        case 0x26: return amp
        case 0x3C: return lt
        case 0x3E: return gt
        case 0x22: return quot
        case 0x27: return apos
        case 0x00: return nul
        default: return nil
        }
    }
}
