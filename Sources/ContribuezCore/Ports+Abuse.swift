import Foundation

/// Abuse resistance (issue 13): password reset links, frozen accounts, sign-up bursts.
public protocol AbuseStore: Sendable {
}
