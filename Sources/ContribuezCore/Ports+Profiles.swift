import Foundation

/// Storage of the opt-in profile questionnaire and organisers' margins (issue 4). `Store` inherits it.
public protocol ProfileStore: Sendable {}
