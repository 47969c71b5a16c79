import ContribuezCore
import Foundation

/// The engagement candidates of closed consultations, kept a few seconds (issue 10): the ledger's
/// votes-at-closing replay reads every vote event of the consultation, and the consultation page
/// shows the overdue count on every view. An answer given here drops its consultation's entry at once;
/// other nodes see it within `ttl`.
final class EngagementCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [ID: (at: Date, closesAt: Date, candidates: [EngagementCandidate])] = [:]
    let ttl: TimeInterval

    init(ttl: TimeInterval = 30) { self.ttl = ttl }

    func candidates(_ store: any Store, consultation: Consultation, now: Date) async throws -> [EngagementCandidate] {
        let id = consultation.id
        if let hit = lock.withLock({ entries[id] }), hit.closesAt == consultation.closesAt, now.timeIntervalSince(hit.at) < ttl, hit.at <= now {
            return hit.candidates
        }
        let fresh = try await store.engagementCandidates(consultationID: id, closesAt: consultation.closesAt)
        lock.withLock {
            entries[id] = (now, consultation.closesAt, fresh)
            if entries.count > 256 { entries.removeAll() }
        }
        return fresh
    }

    func invalidate(_ consultationID: ID) { _ = lock.withLock { entries.removeValue(forKey: consultationID) } }
}
