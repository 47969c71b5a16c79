import ContribuezCore
import Crypto
import Foundation
import HTTPTypes

/// The honeypot and the minimum fill time of public forms (issue 13).
///
/// Every public form carries a stamp, `SECONDS.MAC`: the instant its page was rendered and an
/// HMAC-SHA256 over it and the form's CSRF token, under a key every node shares (`server_secrets`). A
/// submission is refused (422) when the stamp is missing, forged, younger than `minimumAge` (a script
/// posting right after fetching the page) or older than `maximumAge`; or when the honeypot field, hidden
/// by CSS and out of the tab order, is not empty (a robot filling every field).
public struct FormStampSettings: Sendable {
    /// Seconds a person needs at least between the page and the submission (`serve --form-min-seconds`).
    public var minimumAge: TimeInterval = 3
    /// Seconds after which a page's forms are refused (the person reloads the page).
    public var maximumAge: TimeInterval = 86_400
    /// The HMAC key: `makeDependencies` loads the shared one from the store (`loadSharedKey`); a random one until then.
    public var key: [UInt8] {
        get { box.key }
        nonmutating set { box.key = newValue }
    }
    private let box = KeyBox()

    public init() {}

    /// Holds the key so that a load finishing later (the database was unreachable at start) reaches every copy.
    final class KeyBox: @unchecked Sendable {
        private let lock = NSLock()
        private var value: [UInt8] = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        var key: [UInt8] {
            get { lock.withLock { value } }
            set { lock.withLock { value = newValue } }
        }
    }

    /// Loads the key every node shares. When the database cannot answer (a node started while it is down), the
    /// node serves with its own random key — its forms still work, those of other nodes are refused as stale —
    /// and keeps trying every 5 seconds in the background until it has the shared one.
    public func loadSharedKey(_ store: any Store, clock: any Clock) async {
        do {
            key = try await Self.sharedKey(store, at: clock.now())
        } catch {
            Task.detached { [self] in
                // NB: an hour of tries at most (a store closed for good must not be polled forever).
                for _ in 0..<720 where !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(5))
                    if let shared = try? await Self.sharedKey(store, at: clock.now()) {
                        key = shared
                        return
                    }
                }
            }
        }
    }

    /// The name of the key in `server_secrets`.
    static let secretName = "form-stamp-key"

    /// The key all nodes share: drawn and stored by the first node, read by the others.
    public static func sharedKey(_ store: any Store, at now: Date) async throws -> [UInt8] {
        let candidate = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
        let stored = try await store.serverSecret(name: secretName, candidate: candidate, at: now)
        return Array(Data(base64Encoded: stored) ?? Data(stored.utf8))
    }
}

enum FormStamps {
    /// The honeypot's field name: something a form-filling robot finds worth filling.
    static let honeypotField = "site_web"
    static let stampField = "_ts"
    /// Internal: FormGuard marks a refused public form for SecurityLogMiddleware, which removes the header.
    static let refusalHeader = HTTPField.Name("Contribuez-Form-Refused")!

    /// Which POSTs are public forms (`*` stands for one path segment): sign-up, sign-in, password
    /// reset, contributions and reports.
    static let publicForms: [String] = [
        "/signup", "/signin", "/mot-de-passe-oublie", "/mot-de-passe/*",
        "/consultations/*/proposals", "/articles/*/amendments", "/articles/*/arguments", "/contributions/*/arguments",
        "/articles/*/sources", "/contributions/*/sources", "/contributions/*/signalement",
    ]

    static func isPublicForm(_ method: HTTPRequest.Method, _ path: String) -> Bool {
        guard method == .post else { return false }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return publicForms.contains { pattern in
            let p = pattern.split(separator: "/", omittingEmptySubsequences: false)
            return p.count == segments.count && zip(p, segments).allSatisfy { $0 == "*" ? !$1.isEmpty : $0 == $1 }
        }
    }

    static func mac(_ seconds: Int64, csrf: String, key: [UInt8]) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("\(seconds)|\(csrf)".utf8), using: SymmetricKey(data: key))
        return Data(code).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The stamp of a page rendered now for this CSRF token.
    static func issue(at now: Date, csrf: String, _ settings: FormStampSettings) -> String {
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        return "\(seconds).\(mac(seconds, csrf: csrf, key: settings.key))"
    }

    enum Verdict: Equatable {
        case accepted
        /// Missing, unreadable or forged.
        case invalid
        case tooFast
        case tooOld
        case honeypot
    }

    static func check(stamp: String, honeypot: String, csrf: String, at now: Date, _ settings: FormStampSettings) -> Verdict {
        guard honeypot.isEmpty else { return .honeypot }
        let parts = stamp.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[0].count <= 12, let seconds = Int64(parts[0]),
              Tokens.equal(parts[1], mac(seconds, csrf: csrf, key: settings.key)) else { return .invalid }
        let age = now.timeIntervalSince1970 - TimeInterval(seconds)
        if age < settings.minimumAge { return .tooFast }
        if age > settings.maximumAge { return .tooOld }
        return .accepted
    }
}
