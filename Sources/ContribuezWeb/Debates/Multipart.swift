import Foundation
import Hummingbird
import NIOCore

/// A decoded `multipart/form-data` body (RFC 7578): text fields, and files with their bytes. Only the debate reports
/// take files (issue 15); every other form stays `application/x-www-form-urlencoded`.
///
/// NB: the browser's `Content-Type` of each file is ignored: what a file is, its first bytes say (`DebateAttachmentType.sniff`).
struct MultipartForm: Sendable {
    struct File: Sendable {
        var field: String
        var filename: String
        var bytes: [UInt8]
    }

    enum Failure: Error, Equatable { case notMultipart, malformed, invalidEncoding, tooLarge }

    private(set) var values: [String: String] = [:]
    private(set) var files: [File] = []

    func string(_ key: String) -> String { values[key] ?? "" }
    /// The files sent under `field` that carry bytes (a file input left empty sends a part with no name and no bytes).
    func files(_ field: String) -> [File] { files.filter { $0.field == field && !($0.filename.isEmpty && $0.bytes.isEmpty) } }

    /// The boundary of a `multipart/form-data` content type, nil for any other type.
    static func boundary(_ contentType: String?) -> String? {
        guard let contentType else { return nil }
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for p in parts.dropFirst() where p.lowercased().hasPrefix("boundary=") {
            var b = String(p.dropFirst("boundary=".count))
            if b.hasPrefix("\""), b.hasSuffix("\""), b.count >= 2 { b = String(b.dropFirst().dropLast()) }
            // RFC 2046: 1 to 70 characters.
            return (1...70).contains(b.utf8.count) ? b : nil
        }
        return nil
    }

    /// Reads a request body of at most `limit` bytes.
    static func read(_ request: Request, limit: Int) async throws -> MultipartForm {
        guard let boundary = boundary(request.headers[.contentType]) else { throw Failure.notMultipart }
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit { throw Failure.tooLarge }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch { throw Failure.tooLarge }
        return try parse(Array(buffer.readableBytesView), boundary: boundary)
    }

    static func parse(_ body: [UInt8], boundary: String) throws -> MultipartForm {
        var form = MultipartForm()
        let delimiter = Array("--\(boundary)".utf8)
        let separator = Array("\r\n--\(boundary)".utf8)
        guard var cursor = find(delimiter, in: body, from: 0) else { throw Failure.malformed }
        cursor += delimiter.count
        while true {
            // After a delimiter: "--" ends the body; otherwise CRLF, then the part's headers.
            if body.count >= cursor + 2, body[cursor] == 0x2D, body[cursor + 1] == 0x2D { break }
            guard body.count >= cursor + 2, body[cursor] == 0x0D, body[cursor + 1] == 0x0A else { throw Failure.malformed }
            cursor += 2
            guard let headersEnd = find([0x0D, 0x0A, 0x0D, 0x0A], in: body, from: cursor) else { throw Failure.malformed }
            guard let headerText = String(validating: body[cursor..<headersEnd], as: UTF8.self) else { throw Failure.invalidEncoding }
            let contentStart = headersEnd + 4
            guard let end = find(separator, in: body, from: contentStart) else { throw Failure.malformed }
            let (name, filename) = disposition(headerText)
            guard let name else { throw Failure.malformed }
            let content = Array(body[contentStart..<end])
            if let filename {
                form.files.append(File(field: name, filename: filename, bytes: content))
            } else {
                guard let value = String(validating: content, as: UTF8.self) else { throw Failure.invalidEncoding }
                if form.values[name] == nil { form.values[name] = value }
            }
            cursor = end + separator.count
        }
        return form
    }

    /// The `name` and `filename` of a part's `Content-Disposition: form-data; name="…"; filename="…"`.
    static func disposition(_ headers: String) -> (name: String?, filename: String?) {
        for line in headers.split(separator: "\r\n") {
            let pair = line.split(separator: ":", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "content-disposition" else { continue }
            var name: String?, filename: String?
            for param in parameters(String(pair[1])) {
                if param.key == "name" { name = param.value }
                if param.key == "filename" { filename = param.value }
            }
            return (name, filename)
        }
        return (nil, nil)
    }

    /// `form-data; name="a"; filename="b;c.jpg"`: quoted values may hold `;`, and `\"` is a quote.
    static func parameters(_ value: String) -> [(key: String, value: String)] {
        var out: [(String, String)] = []
        var chars = Array(value)[...]
        while !chars.isEmpty {
            while let c = chars.first, c == ";" || c == " " || c == "\t" { chars.removeFirst() }
            var key = ""
            while let c = chars.first, c != "=", c != ";" { key.append(c); chars.removeFirst() }
            guard chars.first == "=" else { continue }
            chars.removeFirst()
            var v = ""
            if chars.first == "\"" {
                chars.removeFirst()
                while let c = chars.popFirst() {
                    if c == "\\", let next = chars.popFirst() { v.append(next); continue }
                    if c == "\"" { break }
                    v.append(c)
                }
            } else {
                while let c = chars.first, c != ";" { v.append(c); chars.removeFirst() }
            }
            out.append((key.trimmingCharacters(in: .whitespaces).lowercased(), v.trimmingCharacters(in: .whitespaces)))
        }
        return out
    }

    /// The first index of `needle` in `haystack` at or after `from`. NB: memchr finds candidates for the first byte, so
    /// a 50 MB photo is scanned at memory speed even in a debug build.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, haystack.count - from >= needle.count else { return nil }
        return haystack.withUnsafeBufferPointer { h -> Int? in
            needle.withUnsafeBufferPointer { n -> Int? in
                guard let base = h.baseAddress, let nb = n.baseAddress else { return nil }
                var i = from
                let last = h.count - n.count
                while i <= last {
                    guard let hit = memchr(base + i, Int32(first), last - i + 1) else { return nil }
                    let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + at, nb, n.count) == 0 { return at }
                    i = at + 1
                }
                return nil
            }
        }
    }
}
