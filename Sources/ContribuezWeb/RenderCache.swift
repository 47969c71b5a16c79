import ContribuezCore
import Foundation
import Logging

/// One piece of derived HTML a page needs: its key and the texts it is rendered from.
struct RenderJob: Sendable {
    var key: RenderedKey
    var text: String
    /// For a diff: the article body the amendment rewrites.
    var base: String?

    static func body(_ target: Target, _ text: String) -> RenderJob { RenderJob(key: RenderedKey(target, .body), text: text) }
}

/// Render once (issue 10): the safe HTML of articles and contributions and the word diffs of amendments are
/// read from the store (`rendered_html`) in one batch per page; what is missing, stale (source changed) or
/// of an older renderer is rendered for this request and handed to a background writer, so a GET never
/// waits for a write. `serve` starts `warmUp`, which renders every missing or older row in batches.
final class RenderCache: Sendable {
    /// NB: bump when SafeMarkdown or the diff markup changes: every stored rendering of an older version is
    /// shown re-rendered at once and rewritten in the background (by the page, and by the warm-up at `serve`).
    static let currentVersion = 1

    let version: Int
    let writer = RenderWriter()

    init(version: Int = RenderCache.currentVersion) { self.version = version }

    /// The HTML of every job, from the store when valid, rendered (and queued for storing) otherwise.
    func html(_ jobs: [RenderJob], store: any Store) async throws -> [RenderedKey: String] {
        guard !jobs.isEmpty else { return [:] }
        // NB: a store without the port (an adapter that has not caught up) renders on every request: slower, same page.
        guard let rendered = store as? any RenderedStore else {
            return Dictionary(jobs.map { ($0.key, Self.render($0)) }, uniquingKeysWith: { a, _ in a })
        }
        let stored = try await rendered.renderedHTML(jobs.map(\.key))
        var out: [RenderedKey: String] = [:]
        out.reserveCapacity(jobs.count)
        var fresh: [RenderedHTML] = []
        for job in jobs where out[job.key] == nil {
            let hash = Self.sourceHash(job)
            if let row = stored[job.key], row.version >= version, row.sourceHash == hash {
                out[job.key] = row.html
            } else {
                let html = Self.render(job)
                out[job.key] = html
                fresh.append(RenderedHTML(key: job.key, version: version, sourceHash: hash, html: html))
            }
        }
        if !fresh.isEmpty { await writer.enqueue(fresh, into: rendered) }
        return out
    }

    /// One piece, for pages that need a single rendering.
    func html(_ job: RenderJob, store: any Store) async throws -> String {
        try await html([job], store: store)[job.key] ?? ""
    }

    static func render(_ job: RenderJob) -> String {
        switch job.key.field {
        case .diff: return Screen.diffHTML(from: job.base ?? "", to: job.text)
        case .body, .explanation, .rationale: return SafeMarkdown.html(job.text)
        }
    }

    /// FNV-1a (64 bits) over the source texts: a cheap change detector, computed per request. NB: not a
    /// security boundary: whatever row it selects is HTML this module rendered and escaped itself.
    static func sourceHash(_ job: RenderJob) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ s: String) {
            for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
            h = (h ^ 0xff) &* 0x0000_0100_0000_01b3 // separator: ("ab", "c") ≠ ("a", "bc")
        }
        if let base = job.base { mix(base) }
        mix(job.text)
        return String(h, radix: 16) + ":" + String(job.text.utf8.count + (job.base?.utf8.count ?? 0))
    }

    /// Renders every missing or older row, in batches, at low priority; returns how many were rendered.
    @discardableResult
    func warmUp(_ store: any Store, batch: Int = 200, logger: Logger? = nil) async -> Int {
        guard let rendered = store as? any RenderedStore else { return 0 }
        var after: Target?
        var count = 0
        do {
            while !Task.isCancelled {
                let sources = try await rendered.staleRenderSources(version: version, after: after, limit: batch)
                guard let last = sources.last else { break }
                let rows = sources.map { s -> RenderedHTML in
                    let job = RenderJob(key: s.key, text: s.text, base: s.base)
                    return RenderedHTML(key: s.key, version: version, sourceHash: Self.sourceHash(job), html: Self.render(job))
                }
                try await rendered.putRenderedHTML(rows)
                count += rows.count
                after = last.key.target
                await Task.yield()
            }
        } catch {
            logger?.error("render warm-up stopped", metadata: ["error": .string(String(describing: error))])
        }
        if count > 0 { logger?.info("render warm-up: \(count) renderings stored") }
        return count
    }
}

/// Writes renderings off the request path: requests enqueue, one task writes what is pending in batches.
actor RenderWriter {
    private var pending: [RenderedKey: RenderedHTML] = [:]
    private var draining = false

    func enqueue(_ rows: [RenderedHTML], into store: any RenderedStore) {
        for r in rows { pending[r.key] = r }
        guard !draining else { return }
        draining = true
        Task(priority: .utility) { await self.drain(store) }
    }

    private func drain(_ store: any RenderedStore) async {
        while true {
            // Let the requests of the same moment join this batch.
            try? await Task.sleep(for: .milliseconds(10))
            guard !pending.isEmpty else { draining = false; return }
            let batch = Array(pending.values.prefix(500))
            for r in batch { pending[r.key] = nil }
            // NB: a failed write loses nothing: the next view renders and queues it again.
            try? await store.putRenderedHTML(batch)
        }
    }

    /// Waits until everything queued so far is written (tests, shutdown).
    func flush() async {
        while draining || !pending.isEmpty { try? await Task.sleep(for: .milliseconds(2)) }
    }
}

/// Starts the background render warm-up of `serve`: every missing or older rendering is stored, in batches,
/// at low priority, so pages read stored HTML and a renderer change re-renders in the background.
public func startRenderWarmUp(_ deps: WebDependencies, logger: Logger) -> Task<Void, Never> {
    Task(priority: .background) { await deps.views.rendered.warmUp(deps.store, logger: logger) }
}
