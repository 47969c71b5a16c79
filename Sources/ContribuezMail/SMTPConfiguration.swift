import Foundation

/// Where and how to reach the SMTP server, read from `smtp://user:pass@host:port` or `smtps://…`.
///
/// - `smtp://` connects in plain text and upgrades with STARTTLS when the server offers it
///   (default port 587, message submission).
/// - `smtps://` speaks TLS from the first byte (implicit TLS, default port 465).
///
/// Credentials are percent-decoded: a password holding `@` or `:` is written `%40` or `%3A`.
public struct SMTPConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    /// TLS from the first byte (`smtps://`); otherwise STARTTLS when offered.
    public var implicitTLS: Bool
    /// Time allowed to open the TCP connection.
    public var connectTimeout: Duration
    /// Time allowed for each server reply (the TLS handshake included).
    public var replyTimeout: Duration

    public init(
        host: String, port: Int, username: String? = nil, password: String? = nil, implicitTLS: Bool = false,
        connectTimeout: Duration = .seconds(30), replyTimeout: Duration = .seconds(30)
    ) {
        self.host = host; self.port = port; self.username = username; self.password = password
        self.implicitTLS = implicitTLS; self.connectTimeout = connectTimeout; self.replyTimeout = replyTimeout
    }

    /// Parses `smtp://[user[:password]@]host[:port]` or `smtps://…`; a trailing `/` is allowed.
    public init(url: String) throws(SMTPConfigurationError) {
        let text = url.trimmingCharacters(in: .whitespaces)
        guard let schemeEnd = text.range(of: "://") else { throw .badScheme(text) }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "smtp" || scheme == "smtps" else { throw .badScheme(scheme) }
        var rest = text[schemeEnd.upperBound...]
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains(where: { "/?#".contains($0) }) else { throw .unexpectedPath }

        // NB: split at the LAST `@`: an unencoded `@` in a password is common enough to accept.
        var username: String?, password: String?
        var hostPort = rest
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            hostPort = rest[rest.index(after: at)...]
            let colon = userInfo.firstIndex(of: ":")
            let rawUser = colon.map { userInfo[..<$0] } ?? userInfo
            let rawPassword = colon.map { userInfo[userInfo.index(after: $0)...] } ?? ""
            guard let user = String(rawUser).removingPercentEncoding, let pass = String(rawPassword).removingPercentEncoding
            else { throw .badCredentials }
            if !user.isEmpty { username = user; password = pass }
        }

        // Host: a name, an IPv4 address, or an IPv6 address in brackets.
        let host: Substring, portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw .noHost }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { throw .badPort(String(after)) }
            portText = after.isEmpty ? nil : after.dropFirst()
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = hostPort[..<colon]; portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = hostPort; portText = nil
        }
        guard !host.isEmpty else { throw .noHost }
        var port = scheme == "smtps" ? 465 : 587
        if let portText {
            guard portText.allSatisfy(\.isASCII), let p = Int(portText), (1...65535).contains(p) else { throw .badPort(String(portText)) }
            port = p
        }
        self.init(host: String(host), port: port, username: username, password: password, implicitTLS: scheme == "smtps")
    }

    /// Whether the server is this machine: credentials may then go without TLS (a local relay).
    public var isLoopback: Bool {
        let h = host.lowercased()
        return h == "localhost" || h.hasSuffix(".localhost") || h.hasPrefix("127.") || h == "::1"
    }
}

/// Why an SMTP URL was refused; the description is the message shown to whoever typed it.
public enum SMTPConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    case badScheme(String)
    case noHost
    case badPort(String)
    case badCredentials
    case unexpectedPath

    public var description: String {
        switch self {
        case .badScheme(let s): "the SMTP URL must start with smtp:// or smtps:// (found \"\(s)\")"
        case .noHost: "the SMTP URL names no host (smtp://user:password@host:port)"
        case .badPort(let p): "the SMTP port must be a number between 1 and 65535 (found \"\(p)\")"
        case .badCredentials: "the SMTP user or password holds a malformed percent escape (write % as %25)"
        case .unexpectedPath: "the SMTP URL takes no path, query or fragment (smtp://user:password@host:port)"
        }
    }
}
