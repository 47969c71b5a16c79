import ContribuezCore
import ContribuezSynthesis
import Foundation

/// Decoded synthesis reports, by run. A finished run's result never changes, so every node may keep
/// its own copy: decoding a large report (hundreds of kilobytes of JSON) on each request dominated
/// the synthesis pages' time. Bounded, least recently used out first.
final class SynthesisReportCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [ID: SynthesisReport] = [:]
    private var order: [ID] = []
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func report(run: ID, json: Data) -> SynthesisReport? {
        if let hit = lock.withLock({ () -> SynthesisReport? in
            guard let r = entries[run] else { return nil }
            order.removeAll { $0 == run }
            order.append(run)
            return r
        }) { return hit }
        guard let decoded = try? SynthesisReport.decoder.decode(SynthesisReport.self, from: json) else { return nil }
        lock.withLock {
            entries[run] = decoded
            order.append(run)
            while order.count > capacity { entries[order.removeFirst()] = nil }
        }
        return decoded
    }
}
