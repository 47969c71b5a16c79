import Foundation

/// Personal data sealed at rest (issue 13): re-sealing under a new key.
///
/// The keys themselves never cross this port: the adapters hold them (the domain never sees a sealed
/// value, only the clear one the adapter opened for it).
public protocol SealingStore: Sendable {
    /// Re-seals, under the current key, every value sealed under another key (and any still in clear), with
    /// the e-mail blind index recomputed; batch by batch, each in its own transaction, so a server using the
    /// same database keeps running (it opens a row with the old key until the row is re-sealed). `progress`
    /// gets the column ("participants.email") and how many of its values are done so far. Returns how many
    /// values were re-sealed.
    func resealAll(progress: @Sendable (String, Int) -> Void) async throws -> Int
    /// How many values each key seals, by key id; "" counts the values still in clear.
    func keysInUse() async throws -> [String: Int]
}
