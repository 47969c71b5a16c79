import Foundation

/// How long a session lives (issue 13): an idle timeout (no request for that long ends it) and an absolute one
/// (counted from sign-in), shorter for staff. Both are written on the session row and enforced by the query that
/// reads it, so every node of one database applies the same ones.
public struct SessionPolicy: Sendable, Equatable {
    public var participantIdle: TimeInterval
    public var participantAbsolute: TimeInterval
    public var staffIdle: TimeInterval
    public var staffAbsolute: TimeInterval

    public init(participantIdle: TimeInterval, participantAbsolute: TimeInterval, staffIdle: TimeInterval, staffAbsolute: TimeInterval) {
        self.participantIdle = participantIdle; self.participantAbsolute = participantAbsolute
        self.staffIdle = staffIdle; self.staffAbsolute = staffAbsolute
    }

    /// Participants: 2 hours idle, 30 days at most. Staff: 30 minutes idle, 12 hours at most.
    public static let production = SessionPolicy(participantIdle: 2 * 3_600, participantAbsolute: 30 * 86_400, staffIdle: 30 * 60, staffAbsolute: 12 * 3_600)

    /// (idle, absolute) for whoever holds these privileges.
    public func limits(staff: Bool) -> (idle: TimeInterval, absolute: TimeInterval) {
        staff ? (staffIdle, staffAbsolute) : (participantIdle, participantAbsolute)
    }

    /// `last_seen_at` is written at most this often: reads stay reads (the idle timeout is that much coarser).
    public static let touchInterval: TimeInterval = 60
}

/// The privileges a session was opened (or last rotated) with, as one comparable string: the instance role and
/// every consultation role. When the database's roles no longer give the same string, the session identifier is
/// replaced before the request runs (a role granted or revoked, instance or consultation).
public enum SessionPrivileges {
    public static func stamp(role: Role, consultationRoles: [ID: ConsultationRole]) -> String {
        role.rawValue + ";" + consultationRoles.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value.rawValue)" }.joined(separator: ",")
    }

    /// Whether these privileges are staff ones: an instance admin or organiser, or any role on a consultation.
    public static func isStaff(role: Role, consultationRoles: [ID: ConsultationRole]) -> Bool {
        role != .participant || !consultationRoles.isEmpty
    }
}

/// A session being opened at sign-in.
public struct NewSession: Sendable, Equatable {
    /// SHA-256 of the token the client holds; the token itself is never stored.
    public var tokenHash: String
    public var participantID: ID
    public var csrfToken: String
    public var createdAt: Date
    /// The absolute end.
    public var expiresAt: Date
    /// Nil: no idle timeout (only tools that mint long-lived tokens).
    public var idleTimeout: TimeInterval?
    /// A coarse description of the client ("Chromium|Linux"), never the whole User-Agent and never an address.
    public var agent: String

    public init(tokenHash: String, participantID: ID, csrfToken: String, createdAt: Date, expiresAt: Date, idleTimeout: TimeInterval?, agent: String) {
        self.tokenHash = tokenHash; self.participantID = participantID; self.csrfToken = csrfToken
        self.createdAt = createdAt; self.expiresAt = expiresAt; self.idleTimeout = idleTimeout; self.agent = agent
    }
}

/// One of the participant's live sessions, as they see it in their list (never its token or its hash).
public struct ActiveSession: Sendable, Equatable {
    /// A random handle, stable across rotations, by which the owner ends it.
    public var publicID: String
    public var createdAt: Date
    public var lastSeenAt: Date
    public var expiresAt: Date
    public var agent: String

    public init(publicID: String, createdAt: Date, lastSeenAt: Date, expiresAt: Date, agent: String) {
        self.publicID = publicID; self.createdAt = createdAt; self.lastSeenAt = lastSeenAt; self.expiresAt = expiresAt; self.agent = agent
    }
}

/// Sessions and the second factor of staff (issue 13).
///
/// A session row is live while `expires_at` is ahead and, when it has an idle timeout, while it was seen within
/// it; `session(tokenHash:at:)` (in `Store`) reads only live rows, so the timeouts hold on every node.
public protocol SessionStore: Sendable {
    /// Opens a session; its privileges stamp is taken from the database's roles in the same transaction.
    /// Sessions past their end are swept on the way.
    func openSession(_ new: NewSession) async throws
    /// Records that the session was used now (callers do it at most once per `SessionPolicy.touchInterval`).
    func touchSession(tokenHash: String, at now: Date) async throws
    /// Gives the live session a new token hash and the privileges, idle timeout and absolute end that go with
    /// them; the old token stops working. False when no live session has `tokenHash` (already rotated by a
    /// concurrent request, ended or expired).
    func rotateSession(tokenHash: String, to newTokenHash: String, privileges: String, idleTimeout: TimeInterval?, expiresAt: Date, at now: Date) async throws -> Bool
    /// The participant's live sessions, most recently seen first, then by handle.
    func activeSessions(participantID: ID, at now: Date, offset: Int, limit: Int) async throws -> [ActiveSession]
    /// How many live sessions the participant has.
    func activeSessionCount(participantID: ID, at now: Date) async throws -> Int
    /// Ends one of the participant's sessions by its handle. False when they have none with it (someone else's
    /// handle included: the answer is the same).
    func endSession(publicID: String, participantID: ID) async throws -> Bool
    /// Ends every session of the participant ("se déconnecter partout"); returns how many were ended.
    @discardableResult
    func endAllSessions(participantID: ID) async throws -> Int
}
