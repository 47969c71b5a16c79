import Foundation

/// Storage the synthesis needs (issue 3): analysis runs and results. `Store` inherits it.
public protocol SynthesisStore: Sendable {}
