import Foundation

/// Sessions and the second factor of staff (issue 13).
public protocol SessionStore: Sendable {
}
