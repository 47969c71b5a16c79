import Foundation

/// The event chain port (issue 12): reads of a consultation's hash chain. Appends are not a port of
/// their own: each adapter appends in the transaction that stores the vote, withdrawal or
/// contribution (`castVote`, `withdrawVote`, `addContribution`, `importConsultation`…), so an event
/// is never stored without its entry, nor an entry without its event.
public protocol ChainStore: Sendable {
    /// The consultation's chain length and head (`ChainHead.empty` when nothing was appended yet;
    /// also for an unknown consultation).
    func chainHead(consultationID: ID) async throws -> ChainHead
    /// Entries with seq greater than `seq`, in seq order, at most `limit`.
    func chainEntries(consultationID: ID, after seq: Int64, limit: Int) async throws -> [EventChain.Entry]
}
