import CompressNIO
import Foundation
import NIOCore

/// Random access to the bytes of an archive.
public protocol ZipSource: Sendable {
    var size: UInt64 { get }
    func read(at offset: UInt64, count: Int) throws -> [UInt8]
}

/// An archive in memory.
public struct MemoryZipSource: ZipSource {
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var size: UInt64 { UInt64(bytes.count) }
    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        let start = Int(min(offset, size))
        return Array(bytes[start..<min(bytes.count, start + count)])
    }
}

/// An archive on disk, read piece by piece (a large package is never loaded whole).
/// NB: a seek and its read run under one lock, so streams of different entries may be read from different tasks.
public final class FileZipSource: ZipSource, @unchecked Sendable {
    let handle: FileHandle
    let lock = NSLock()
    public let size: UInt64

    public init(path: String) throws {
        handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        size = try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        try lock.withLock {
            try handle.seek(toOffset: offset)
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        }
    }
}

/// Reads ZIP archives: those `ZipWriter` writes (data descriptors, ZIP64) and ordinary ones
/// (stored or deflated entries). The central directory is read once; each entry is then
/// streamed chunk by chunk, inflated, and its CRC-32 and size checked at the end.
///
/// ```swift
/// let zip = try ZipReader(FileZipSource(path: "donnees.zip"))
/// var stream = try zip.open("votes.csv")
/// while let chunk = try stream.next() { … }
/// ```
public struct ZipReader: Sendable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var method: UInt16
        public var crc: UInt32
        public var compressedSize: UInt64
        public var uncompressedSize: UInt64
        public var localHeaderOffset: UInt64
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case notAZip
        case truncated
        case unsupportedMethod(String, UInt16)
        case encrypted(String)
        case missingEntry(String)
        case corrupt(String)
        case checksumMismatch(String)

        public var description: String {
            switch self {
            case .notAZip: return "not a ZIP archive (no end of central directory record)"
            case .truncated: return "the archive is truncated"
            case .unsupportedMethod(let n, let m): return "\(n): unsupported compression method \(m)"
            case .encrypted(let n): return "\(n): encrypted entries are not supported"
            case .missingEntry(let n): return "\(n): no such entry in the archive"
            case .corrupt(let n): return "\(n): corrupt compressed data"
            case .checksumMismatch(let n): return "\(n): CRC-32 or size does not match the central directory"
            }
        }
    }

    public let source: any ZipSource
    /// Entries in central-directory order.
    public let entries: [Entry]

    public init(_ source: any ZipSource) throws {
        self.source = source
        self.entries = try Self.readCentralDirectory(source)
    }

    public init(bytes: [UInt8]) throws { try self.init(MemoryZipSource(bytes)) }

    public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    /// A stream of the entry's uncompressed bytes.
    public func open(_ name: String) throws -> EntryStream {
        guard let e = entry(name) else { throw Failure.missingEntry(name) }
        return try open(e)
    }

    public func open(_ e: Entry) throws -> EntryStream {
        let h = try source.read(at: e.localHeaderOffset, count: 30)
        guard h.count == 30, h.u32(0) == 0x0403_4B50 else { throw Failure.corrupt(e.name) }
        if h.u16(6) & 1 != 0 { throw Failure.encrypted(e.name) }
        let dataStart = e.localHeaderOffset + 30 + UInt64(h.u16(26)) + UInt64(h.u16(28))
        guard e.method == 0 || e.method == 8 else { throw Failure.unsupportedMethod(e.name, e.method) }
        return try EntryStream(source: source, entry: e, dataStart: dataStart)
    }

    /// The whole entry in memory (for small entries such as `datapackage.json`).
    public func read(_ name: String) throws -> [UInt8] {
        var stream = try open(name)
        var all: [UInt8] = []
        while let chunk = try stream.next() { all.append(contentsOf: chunk) }
        return all
    }

    /// Uncompressed bytes of one entry, chunk by chunk.
    public struct EntryStream {
        let source: any ZipSource
        let entry: Entry
        var position: UInt64
        var remaining: UInt64
        var inflater: ZlibDecompressor?
        var crc = CRC32()
        var produced: UInt64 = 0
        var done = false
        var input = ByteBuffer()

        init(source: any ZipSource, entry: Entry, dataStart: UInt64) throws {
            self.source = source; self.entry = entry; self.position = dataStart; self.remaining = entry.compressedSize
            if entry.method == 8 { inflater = try ZlibDecompressor(algorithm: .deflate) }
        }

        /// The next chunk, or nil at the end (after checking CRC-32 and size).
        public mutating func next() throws -> [UInt8]? {
            while !done {
                if input.readableBytes == 0 && remaining > 0 {
                    let n = Int(min(remaining, 64 * 1024))
                    let bytes = try source.read(at: position, count: n)
                    guard bytes.count == n else { throw Failure.truncated }
                    position += UInt64(n); remaining -= UInt64(n)
                    input = ByteBuffer(bytes: bytes)
                }
                var out: [UInt8]
                if let inflater {
                    var buffer = ByteBufferAllocator().buffer(capacity: 256 * 1024)
                    var finished = false
                    do {
                        try inflater.inflate(from: &input, to: &buffer)
                        // NB: no error means either the end of the stream or all input consumed; the
                        // entry's compressed bytes end where its stream ends, and the CRC check catches the rest.
                        finished = input.readableBytes == 0 && remaining == 0
                    } catch let error as CompressNIOError where error == .bufferOverflow || error == .inputBufferOverflow {
                        // More output to come (the buffer filled) or more input needed.
                        if error == .inputBufferOverflow && remaining == 0 && input.readableBytes == 0 && buffer.readableBytes == 0 {
                            throw Failure.corrupt(entry.name)
                        }
                    } catch {
                        throw Failure.corrupt(entry.name)
                    }
                    out = Array(buffer.readableBytesView)
                    if finished { done = true }
                } else {
                    out = Array(input.readableBytesView)
                    input.clear()
                    if remaining == 0 { done = true }
                }
                crc.update(out)
                produced += UInt64(out.count)
                if done {
                    guard crc.value == entry.crc, produced == entry.uncompressedSize else { throw Failure.checksumMismatch(entry.name) }
                }
                if !out.isEmpty { return out }
            }
            return nil
        }
    }

    static func readCentralDirectory(_ source: any ZipSource) throws -> [Entry] {
        let size = source.size
        guard size >= 22 else { throw Failure.notAZip }
        let tailLength = Int(min(size, 22 + 0xFFFF + 20))
        let tailStart = size - UInt64(tailLength)
        let tail = try source.read(at: tailStart, count: tailLength)
        guard let eocd = stride(from: tail.count - 22, through: 0, by: -1).first(where: { tail.u32($0) == 0x0605_4B50 }) else {
            throw Failure.notAZip
        }
        var count = UInt64(tail.u16(eocd + 10))
        var cdSize = UInt64(tail.u32(eocd + 12))
        var cdOffset = UInt64(tail.u32(eocd + 16))
        if eocd >= 20, tail.u32(eocd - 20) == 0x0706_4B50 {
            let recordOffset = tail.u64(eocd - 20 + 8)
            let r = try source.read(at: recordOffset, count: 56)
            guard r.count == 56, r.u32(0) == 0x0606_4B50 else { throw Failure.corrupt("ZIP64 end of central directory") }
            count = r.u64(32); cdSize = r.u64(40); cdOffset = r.u64(48)
        }
        guard cdOffset + cdSize <= size else { throw Failure.truncated }
        let cd = try source.read(at: cdOffset, count: Int(cdSize))
        var entries: [Entry] = []
        var p = 0
        for _ in 0..<count {
            guard p + 46 <= cd.count, cd.u32(p) == 0x0201_4B50 else { throw Failure.corrupt("central directory") }
            let nameLength = Int(cd.u16(p + 28)), extraLength = Int(cd.u16(p + 30)), commentLength = Int(cd.u16(p + 32))
            guard p + 46 + nameLength + extraLength + commentLength <= cd.count else { throw Failure.truncated }
            let name = String(decoding: cd[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            var e = Entry(
                name: name, method: cd.u16(p + 10), crc: cd.u32(p + 16), compressedSize: UInt64(cd.u32(p + 20)),
                uncompressedSize: UInt64(cd.u32(p + 24)), localHeaderOffset: UInt64(cd.u32(p + 42)))
            // ZIP64 extra field: only the fields saturated in the fixed record are present, in this order.
            var x = p + 46 + nameLength
            let extraEnd = x + extraLength
            while x + 4 <= extraEnd {
                let id = cd.u16(x), length = Int(cd.u16(x + 2))
                if id == 0x0001 {
                    var q = x + 4
                    if e.uncompressedSize == 0xFFFF_FFFF, q + 8 <= x + 4 + length { e.uncompressedSize = cd.u64(q); q += 8 }
                    if e.compressedSize == 0xFFFF_FFFF, q + 8 <= x + 4 + length { e.compressedSize = cd.u64(q); q += 8 }
                    if e.localHeaderOffset == 0xFFFF_FFFF, q + 8 <= x + 4 + length { e.localHeaderOffset = cd.u64(q); q += 8 }
                }
                x += 4 + length
            }
            entries.append(e)
            p += 46 + nameLength + extraLength + commentLength
        }
        return entries
    }
}

extension Array where Element == UInt8 {
    func u16(_ i: Int) -> UInt16 { UInt16(self[i]) | UInt16(self[i + 1]) << 8 }
    func u32(_ i: Int) -> UInt32 { UInt32(u16(i)) | UInt32(u16(i + 2)) << 16 }
    func u64(_ i: Int) -> UInt64 { UInt64(u32(i)) | UInt64(u32(i + 4)) << 32 }
}
