import Foundation

/// Leases on scheduled jobs (issue 11): with several `serve` nodes on one database, the node holding a
/// job's unexpired lease is the only one running it. `Store` inherits it.
public protocol LeaseStore: Sendable {
    /// Takes the lease `name` for `holder` until `until`, or renews it when `holder` already holds it.
    /// False when another holder's lease has not expired at `at`.
    func acquireLease(name: String, holder: String, at: Date, until: Date) async throws -> Bool
    /// Gives the lease back if `holder` holds it (another node may take it at once).
    func releaseLease(name: String, holder: String) async throws
}
