import Foundation

/// Storage the synthesis needs (issue 3): a consistent snapshot of a consultation's votes and
/// texts, and analysis runs with their status, progress and JSON results. `Store` inherits it.
public protocol SynthesisStore: Sendable {
    /// Everything the synthesis reads, from one read transaction (a consistent snapshot).
    /// Nil when there is no such consultation.
    func synthesisSnapshot(consultationID: ID) async throws -> SynthesisSnapshot?
    /// Streams the synthesis input of a consultation to `sink` from one read transaction (issue 14):
    /// the frame, then (as asked by `parts`) the live opinion votes and the visible texts in chunks of
    /// at most `chunkSize`, then, when `changesAfter` is given, the net vote changes since that vote
    /// event sequence. Memory stays bounded by a chunk. False when there is no such consultation.
    func scanSynthesis(
        consultationID: ID, parts: SynthesisScanParts, changesAfter: Int64?, chunkSize: Int, into sink: any SynthesisSink
    ) async throws -> Bool
    /// Keeps the state of a finished run (one per consultation: the newest replaces the previous one).
    func saveSynthesisState(_ state: SynthesisState) async throws
    /// The state kept by the consultation's last run that saved one.
    func synthesisState(consultationID: ID) async throws -> SynthesisState?
    /// Records a new run as `running`. Nil when a run of that consultation is already running and
    /// has reported progress within `staleAfter` seconds (an older one is marked failed: its process died).
    func startSynthesisRun(consultationID: ID, at: Date, staleAfter: TimeInterval) async throws -> SynthesisRun?
    /// Records the stage and progress (0…1) of a running run.
    func updateSynthesisRun(id: ID, stage: String, progress: Double, at: Date) async throws
    /// Ends a run: `succeeded` with its JSON result, or `failed` with a message (for organisers, never user data).
    func finishSynthesisRun(id: ID, result: Data?, failure: String?, at: Date) async throws
    /// The most recent run of the consultation, whatever its status.
    func latestSynthesisRun(consultationID: ID) async throws -> SynthesisRun?
    /// The most recent succeeded run and its JSON result.
    func latestSynthesisResult(consultationID: ID) async throws -> (run: SynthesisRun, json: Data)?
}

/// What scheduled synthesis runs need to know about a consultation's activity.
public protocol SynthesisActivityStore: Sendable {
    /// Whether opinion votes or contributions of the consultation were cast, changed, added, hidden or
    /// restored strictly after `after`; with nil, whether it has any vote or contribution at all.
    func synthesisHasActivity(consultationID: ID, after: Date?) async throws -> Bool
}
