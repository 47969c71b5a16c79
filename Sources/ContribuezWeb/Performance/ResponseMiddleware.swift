import CompressNIO
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Cheap repeated reads (issue 10): every successful GET gets an `ETag` and a `Cache-Control`, a
/// matching `If-None-Match` gets `304 Not Modified` without the body, and large text bodies are
/// gzipped when the client accepts it.
///
/// Caching policy: anonymous API reads are the same for everyone, so shared caches (a reverse proxy)
/// may keep them a few seconds (`public, max-age=5`); HTML pages carry the visitor's CSRF token and
/// signed-in responses are personal, so they are `private, no-cache` (the browser revalidates with
/// the ETag and gets a 304 when nothing changed).
struct ResponseMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Bodies above this are streamed as they are (exports): neither hashed nor compressed here.
    static var maxBuffered: Int { 8 * 1024 * 1024 }
    static var minCompressed: Int { 1_024 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard request.method == .get || request.method == .head, response.status == .ok,
              let length = response.body.contentLength, length > 0, length <= Self.maxBuffered else { return response }
        if response.headers[.cacheControl] == nil {
            let anonymousAPI = request.uri.path.hasPrefix("/api/") && request.headers[.authorization] == nil
            response.headers[.cacheControl] = anonymousAPI ? "public, max-age=5" : "private, no-cache"
        }
        var body = try await Self.collect(response.body)
        let etag = Self.etag(body)
        response.headers[.eTag] = etag
        if let match = request.headers[.ifNoneMatch], Self.matches(match, etag) {
            var headers = response.headers
            headers[.contentType] = nil
            headers[.contentLength] = nil
            return Response(status: .notModified, headers: headers)
        }
        let type = response.headers[.contentType]?.lowercased() ?? ""
        let textual = type.hasPrefix("text/") || type.contains("json") || type.contains("javascript") || type.contains("svg") || type.contains("csv")
        if textual, length >= Self.minCompressed, response.headers[.contentEncoding] == nil, Self.acceptsGzip(request.headers[.acceptEncoding]) {
            if let gz = try? body.compress(with: .gzip()) {
                response.headers[.contentEncoding] = "gzip"
                body = gz
            }
        }
        // NB: the same URL answers gzip or not depending on the request: caches must key on it.
        response.headers[values: .vary] = Array(Set(response.headers[values: .vary] + ["Accept-Encoding"])).sorted()
        response.headers[.contentLength] = nil
        response.body = ResponseBody(byteBuffer: body)
        return response
    }

    /// A weak validator: the page's bytes decide it (pages are equivalent, not byte-for-byte gzip-stable).
    static func etag(_ body: ByteBuffer) -> String {
        let digest = body.withUnsafeReadableBytes { SHA256.hash(data: $0) }
        return "W/\"" + digest.prefix(12).map { String(format: "%02x", $0) }.joined() + "\""
    }

    static func matches(_ header: String, _ etag: String) -> Bool {
        let strip: (String) -> String = { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "W/", with: "") }
        return header.split(separator: ",").contains { strip(String($0)) == strip(etag) || strip(String($0)) == "*" }
    }

    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.lowercased().split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.first == "gzip" || pieces.first == "*" else { continue }
            let q = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if q > 0 { return true }
        }
        return false
    }

    /// Reads a response body into one buffer.
    static func collect(_ body: ResponseBody) async throws -> ByteBuffer {
        let sink = Sink()
        try await body.write(CollectingWriter(sink: sink))
        return sink.buffer
    }

    final class Sink: @unchecked Sendable {
        var buffer = ByteBuffer()
    }

    struct CollectingWriter: ResponseBodyWriter {
        let sink: Sink
        mutating func write(_ buffer: ByteBuffer) async throws {
            var b = buffer
            sink.buffer.writeBuffer(&b)
        }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
