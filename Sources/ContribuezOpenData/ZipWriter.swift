import CompressNIO
import Foundation
import NIOCore

/// Writes a ZIP archive as a stream, entry after entry, without ever seeking back: each entry's
/// local header says "sizes follow" (general purpose bit 3) and a data descriptor after the data
/// gives its CRC-32 and sizes, so the archive can go straight into an HTTP response. Memory stays
/// bounded by one output chunk plus the deflate window, whatever the size of the entries.
///
/// ZIP64 records are written only when needed: an entry whose sizes or offset pass 4 GiB gets a
/// ZIP64 data descriptor and a ZIP64 extra field in the central directory; an archive past 65,535
/// entries or 4 GiB of data gets the ZIP64 end records. Names are UTF-8 (bit 11).
///
/// ```swift
/// var zip = ZipWriter(sink: MemorySink())
/// try await zip.startEntry("a.csv")
/// try await zip.write(Array("id\n1\n".utf8))
/// try await zip.finishEntry()
/// try await zip.finish()
/// let bytes = zip.sink.bytes
/// ```
public struct ZipWriter<Sink: ByteSink> {
    public enum Method: UInt16, Sendable {
        case store = 0
        case deflate = 8
    }

    public enum Failure: Error, Equatable {
        case entryAlreadyOpen
        case noOpenEntry
        case finished
        case nameTooLong(String)
    }

    /// Output is handed to the sink in chunks of about this many bytes.
    public static var chunkSize: Int { 64 * 1024 }

    /// The sink, as written so far (read it back after `finish`).
    public private(set) var sink: Sink
    public let method: Method
    let modified: (time: UInt16, date: UInt16)

    private var pending: [UInt8] = []
    private var offset: UInt64 = 0
    private var central: [CentralRecord] = []
    private var current: OpenEntry?
    private var isFinished = false

    struct CentralRecord {
        var name: [UInt8]
        var method: Method
        var crc: UInt32
        var compressed: UInt64
        var uncompressed: UInt64
        var localOffset: UInt64
    }

    struct OpenEntry {
        var name: [UInt8]
        var localOffset: UInt64
        var crc = CRC32()
        var uncompressed: UInt64 = 0
        var compressed: UInt64 = 0
        var deflater: ZlibCompressor?
    }

    /// - Parameters:
    ///   - method: `.deflate` (default) or `.store`.
    ///   - modified: the modification time written on every entry (DOS time, UTC).
    public init(sink: Sink, method: Method = .deflate, modified: Date = Date(timeIntervalSince1970: 0)) {
        self.sink = sink
        self.method = method
        self.modified = Self.dosTime(modified)
    }

    /// Starts an entry; write its bytes with `write`, then call `finishEntry`.
    public mutating func startEntry(_ name: String) async throws {
        guard !isFinished else { throw Failure.finished }
        guard current == nil else { throw Failure.entryAlreadyOpen }
        let nameBytes = Array(name.utf8)
        guard nameBytes.count <= 0xFFFF else { throw Failure.nameTooLong(name) }
        var entry = OpenEntry(name: nameBytes, localOffset: offset)
        if method == .deflate {
            entry.deflater = try ZlibCompressor(
                algorithm: .deflate,
                configuration: ZlibConfiguration(windowSize: 15, compressionLevel: 6, memoryLevel: 8))
        }
        var h: [UInt8] = []
        h.le32(0x0403_4B50)
        h.le16(method == .deflate ? 20 : 10)  // version needed
        h.le16(0x0808)  // bit 3: sizes in the data descriptor; bit 11: UTF-8 name
        h.le16(method.rawValue)
        h.le16(modified.time); h.le16(modified.date)
        h.le32(0); h.le32(0); h.le32(0)  // CRC and sizes follow in the data descriptor
        h.le16(UInt16(nameBytes.count)); h.le16(0)
        h.append(contentsOf: nameBytes)
        current = entry
        try await emit(h)
    }

    /// Appends bytes to the open entry.
    public mutating func write(_ bytes: [UInt8]) async throws {
        guard var entry = current else { throw Failure.noOpenEntry }
        guard !bytes.isEmpty else { return }
        entry.crc.update(bytes)
        entry.uncompressed += UInt64(bytes.count)
        if let deflater = entry.deflater {
            var input = ByteBuffer(bytes: bytes)
            let out = try Self.deflate(deflater, &input, finish: false)
            entry.compressed += UInt64(out.count)
            current = entry
            try await emit(out)
        } else {
            entry.compressed += UInt64(bytes.count)
            current = entry
            try await emit(bytes)
        }
    }

    /// Closes the open entry: flushes the compressor and writes the data descriptor.
    public mutating func finishEntry() async throws {
        guard var entry = current else { throw Failure.noOpenEntry }
        if let deflater = entry.deflater {
            var empty = ByteBuffer()
            let out = try Self.deflate(deflater, &empty, finish: true)
            entry.compressed += UInt64(out.count)
            try await emit(out)
            entry.deflater = nil
        }
        let zip64 = entry.compressed >= 0xFFFF_FFFF || entry.uncompressed >= 0xFFFF_FFFF
        var d: [UInt8] = []
        d.le32(0x0807_4B50)
        d.le32(entry.crc.value)
        if zip64 {
            d.le64(entry.compressed); d.le64(entry.uncompressed)
        } else {
            d.le32(UInt32(entry.compressed)); d.le32(UInt32(entry.uncompressed))
        }
        central.append(CentralRecord(
            name: entry.name, method: method, crc: entry.crc.value, compressed: entry.compressed,
            uncompressed: entry.uncompressed, localOffset: entry.localOffset))
        current = nil
        try await emit(d)
    }

    /// Writes a whole entry at once.
    public mutating func addEntry(_ name: String, _ bytes: [UInt8]) async throws {
        try await startEntry(name)
        try await write(bytes)
        try await finishEntry()
    }

    /// Writes the central directory and the end records, and hands the last bytes to the sink.
    public mutating func finish() async throws {
        guard !isFinished else { throw Failure.finished }
        guard current == nil else { throw Failure.entryAlreadyOpen }
        let cdStart = offset
        for r in central {
            let big = r.compressed >= 0xFFFF_FFFF || r.uncompressed >= 0xFFFF_FFFF || r.localOffset >= 0xFFFF_FFFF
            var extra: [UInt8] = []
            if big {
                extra.le16(0x0001); extra.le16(24)
                extra.le64(r.uncompressed); extra.le64(r.compressed); extra.le64(r.localOffset)
            }
            var c: [UInt8] = []
            c.le32(0x0201_4B50)
            c.le16(0x031E | (big ? 45 : 20))  // made by: Unix, spec 4.5 / 2.0
            c.le16(big ? 45 : (r.method == .deflate ? 20 : 10))
            c.le16(0x0808)
            c.le16(r.method.rawValue)
            c.le16(modified.time); c.le16(modified.date)
            c.le32(r.crc)
            c.le32(big ? 0xFFFF_FFFF : UInt32(r.compressed))
            c.le32(big ? 0xFFFF_FFFF : UInt32(r.uncompressed))
            c.le16(UInt16(r.name.count)); c.le16(UInt16(extra.count)); c.le16(0)  // comment length
            c.le16(0); c.le16(0)  // disk number, internal attributes
            c.le32(0o100644 << 16)  // external attributes: a regular file, rw-r--r--
            c.le32(big ? 0xFFFF_FFFF : UInt32(r.localOffset))
            c.append(contentsOf: r.name); c.append(contentsOf: extra)
            try await emit(c)
        }
        let cdSize = offset - cdStart
        let count = UInt64(central.count)
        let zip64 = count >= 0xFFFF || cdStart >= 0xFFFF_FFFF || cdSize >= 0xFFFF_FFFF
        var e: [UInt8] = []
        if zip64 {
            let record = offset
            e.le32(0x0606_4B50); e.le64(44)
            e.le16(0x031E | 45); e.le16(45)
            e.le32(0); e.le32(0)
            e.le64(count); e.le64(count); e.le64(cdSize); e.le64(cdStart)
            e.le32(0x0706_4B50); e.le32(0); e.le64(record); e.le32(1)
        }
        e.le32(0x0605_4B50)
        e.le16(0); e.le16(0)
        e.le16(zip64 ? 0xFFFF : UInt16(count)); e.le16(zip64 ? 0xFFFF : UInt16(count))
        e.le32(zip64 ? 0xFFFF_FFFF : UInt32(cdSize))
        e.le32(zip64 ? 0xFFFF_FFFF : UInt32(cdStart))
        e.le16(0)
        try await emit(e)
        isFinished = true
        if !pending.isEmpty {
            let last = pending
            pending = []
            try await sink.write(last)
        }
    }

    /// Bytes written so far (including those not yet handed to the sink).
    public var bytesWritten: UInt64 { offset }

    private mutating func emit(_ bytes: [UInt8]) async throws {
        offset += UInt64(bytes.count)
        pending.append(contentsOf: bytes)
        if pending.count >= Self.chunkSize {
            let chunk = pending
            pending.removeAll(keepingCapacity: true)
            try await sink.write(chunk)
        }
    }

    /// Runs raw deflate over `input` (all of it), returning what the compressor produced.
    static func deflate(_ z: ZlibCompressor, _ input: inout ByteBuffer, finish: Bool) throws -> [UInt8] {
        var result: [UInt8] = []
        var out = ByteBufferAllocator().buffer(capacity: 64 * 1024)
        while true {
            out.clear()
            do {
                try z.deflate(from: &input, to: &out, flush: finish ? .finish : .no)
                result.append(contentsOf: out.readableBytesView)
                if finish || input.readableBytes == 0 { break }
            } catch let error as CompressNIOError where error == .bufferOverflow {
                // NB: the output buffer filled up (or, finishing, zlib has more to give): go round again.
                result.append(contentsOf: out.readableBytesView)
                if !finish && input.readableBytes == 0 && out.readableBytes == 0 { break }
            }
        }
        return result
    }

    static func dosTime(_ date: Date) -> (time: UInt16, date: UInt16) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let year = max(1980, min(2107, c.year ?? 1980))
        let time = UInt16((c.hour ?? 0) << 11 | (c.minute ?? 0) << 5 | (c.second ?? 0) / 2)
        let day = UInt16((year - 1980) << 9 | (c.month ?? 1) << 5 | (c.day ?? 1))
        return (time, day)
    }
}

extension Array where Element == UInt8 {
    mutating func le16(_ v: UInt16) { append(UInt8(v & 0xFF)); append(UInt8(v >> 8)) }
    mutating func le32(_ v: UInt32) { for i in 0..<4 { append(UInt8((v >> (8 * UInt32(i))) & 0xFF)) } }
    mutating func le64(_ v: UInt64) { for i in 0..<8 { append(UInt8((v >> (8 * UInt64(i))) & 0xFF)) } }
}
