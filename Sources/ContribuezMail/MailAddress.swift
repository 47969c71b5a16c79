import Foundation

/// An e-mail address as SMTP needs it: `local@domain`, optionally with a display name
/// (`Contribuez <noreply@example.org>`).
///
/// NB: the check is deliberately strict (printable ASCII, no spaces, no angle brackets, no CR or LF):
/// the address is written into SMTP commands and headers, so anything looser could inject commands.
public struct MailAddress: Sendable, Equatable, CustomStringConvertible {
    public var address: String
    public var displayName: String?

    public init(_ text: String) throws(MailAddressError) {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix(">"), let open = t.lastIndex(of: "<") {
            let name = t[..<open].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            guard !name.contains(where: { $0.isNewline || $0 == "\"" || $0 == "\\" }) else { throw .invalid(text) }
            address = String(t[t.index(after: open)..<t.index(before: t.endIndex)])
            displayName = name.isEmpty ? nil : name
        } else {
            address = t; displayName = nil
        }
        guard Self.isValid(address) else { throw .invalid(text) }
    }

    /// The domain part, after the `@`.
    public var domain: String { String(address[address.index(after: address.lastIndex(of: "@")!)...]) }

    public var description: String { displayName.map { "\($0) <\(address)>" } ?? address }

    static func isValid(_ a: String) -> Bool {
        let parts = a.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64, a.utf8.count <= 254 else { return false }
        let forbidden = Set("()<>[]:;,\\\"@")
        guard parts[0].allSatisfy({ $0.isASCII && !$0.isWhitespace && ($0.asciiValue ?? 0) > 32 && ($0.asciiValue ?? 0) < 127 && !forbidden.contains($0) })
        else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 1 && labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}

public enum MailAddressError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self {
        case .invalid(let a): "\"\(a)\" is not an e-mail address (name@example.org, or Name <name@example.org>)"
        }
    }
}
