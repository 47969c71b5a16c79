import Foundation

/// A field that failed validation, with the rule it broke. The web layer turns each into a
/// catalogue message (French first) and the API into a problem document listing them all.
public struct FieldError: Sendable, Equatable, Codable {
    public enum Rule: String, Sendable, Codable {
        case required, tooShort = "too_short", tooLong = "too_long", invalid, commonPassword = "common_password", notAllowed = "not_allowed"
        /// Draft texts: no article, duplicate article numbers, an article without text.
        case noArticle = "no_article", duplicateNumber = "duplicate_number", emptyArticle = "empty_article"
        /// A value outside a fixed list: `accepted` lists what is.
        case unknownValue = "unknown_value"
        /// Closing before opening.
        case beforeOpening = "before_opening"
        /// Fields an endpoint does not take (no mass assignment).
        case unknownField = "unknown_field"
    }
    public var field: String
    public var rule: Rule
    /// The limit that applies (length in characters, or bytes for passwords), when there is one.
    public var limit: Int?
    /// The 1-based line of a text the error is on (draft texts).
    public var line: Int?
    /// Another line concerned (the first occurrence of a duplicate).
    public var otherLine: Int?
    /// The value concerned (an article number), or the accepted values, comma-separated.
    public var value: String?
    /// The item of a batch the error is about (a contribution id as typed on the uptake page).
    public var item: String?

    public init(field: String, rule: Rule, limit: Int? = nil, line: Int? = nil, otherLine: Int? = nil, value: String? = nil, item: String? = nil) {
        self.field = field; self.rule = rule; self.limit = limit; self.line = line; self.otherLine = otherLine; self.value = value
        self.item = item
    }
}

/// Limits on what people write. Stated in the API document and in form hints.
public enum Limits {
    public static let displayName = 1...80
    public static let organization = 1...160
    public static let email = 3...254
    /// Bytes of UTF-8: bcrypt reads 72 bytes at most, so a longer password would be silently cut.
    public static let passwordBytes = 8...72
    public static let title = 3...250
    public static let amendmentText = 1...20_000
    public static let rationale = 1...5_000
    public static let proposalText = 1...20_000
    public static let argumentText = 3...2_000
    public static let sourceSummary = 0...8_000
    public static let url = 8...2_000
    public static let summary = 0...20_000
    public static let institution = 2...160
    public static let reason = 3...2_000
    public static let articleBody = 1...100_000
    public static let explanation = 0...100_000
    public static let currentLaw = 0...100_000
    public static let articleTitle = 0...250
}

public enum Validate {
    /// Trims surrounding whitespace and normalises line ends; the stored form of every text field.
    public static func clean(_ s: String) -> String {
        s.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Checks length in characters (grapheme clusters); also refuses control characters other than newline and tab.
    public static func text(_ value: String, field: String, limits: ClosedRange<Int>, errors: inout [FieldError]) {
        if value.isEmpty && limits.lowerBound > 0 { errors.append(FieldError(field: field, rule: .required)); return }
        if value.count < limits.lowerBound { errors.append(FieldError(field: field, rule: .tooShort, limit: limits.lowerBound)); return }
        if value.count > limits.upperBound { errors.append(FieldError(field: field, rule: .tooLong, limit: limits.upperBound)); return }
        if value.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || $0.value == 0x7F }) {
            errors.append(FieldError(field: field, rule: .invalid))
        }
    }

    public static func email(_ value: String, errors: inout [FieldError]) {
        if value.isEmpty { errors.append(FieldError(field: "email", rule: .required)); return }
        if value.count > Limits.email.upperBound { errors.append(FieldError(field: "email", rule: .tooLong, limit: Limits.email.upperBound)); return }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        let ok = parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
            && !value.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "\"" })
        if !ok { errors.append(FieldError(field: "email", rule: .invalid)) }
    }

    public static func password(_ value: String, errors: inout [FieldError]) {
        let bytes = value.utf8.count
        if bytes == 0 { errors.append(FieldError(field: "password", rule: .required)); return }
        if bytes < Limits.passwordBytes.lowerBound { errors.append(FieldError(field: "password", rule: .tooShort, limit: Limits.passwordBytes.lowerBound)); return }
        if bytes > Limits.passwordBytes.upperBound { errors.append(FieldError(field: "password", rule: .tooLong, limit: Limits.passwordBytes.upperBound)); return }
        if CommonPasswords.contains(value) { errors.append(FieldError(field: "password", rule: .commonPassword)) }
    }

    /// Only http(s) links with a host: a `javascript:` or `data:` URL never reaches a page.
    public static func url(_ value: String, errors: inout [FieldError]) {
        if value.isEmpty { errors.append(FieldError(field: "url", rule: .required)); return }
        if value.count > Limits.url.upperBound { errors.append(FieldError(field: "url", rule: .tooLong, limit: Limits.url.upperBound)); return }
        guard let comps = URLComponents(string: value), let scheme = comps.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = comps.host, !host.isEmpty,
              !value.contains(where: { $0.isWhitespace })
        else { errors.append(FieldError(field: "url", rule: .invalid)); return }
    }
}
