import Foundation

/// Where a ZIP stream goes: an HTTP response body, a file, memory. Writes arrive in chunks of about
/// `ZipWriter.chunkSize` bytes, in order; a sink that throws stops the export.
public protocol ByteSink {
    mutating func write(_ bytes: [UInt8]) async throws
}

/// Collects everything in memory (tests, small packages).
public struct MemorySink: ByteSink {
    public var bytes: [UInt8] = []
    public init() {}
    public mutating func write(_ bytes: [UInt8]) async throws { self.bytes.append(contentsOf: bytes) }
}

/// Appends to an open file.
public struct FileSink: ByteSink {
    public let handle: FileHandle
    public private(set) var written: Int64 = 0

    public init(handle: FileHandle) { self.handle = handle }

    public mutating func write(_ bytes: [UInt8]) async throws {
        try handle.write(contentsOf: bytes)
        written += Int64(bytes.count)
    }
}
