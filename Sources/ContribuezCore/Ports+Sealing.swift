import Foundation

/// Personal data sealed at rest (issue 13): re-sealing under a new key.
public protocol SealingStore: Sendable {
}
