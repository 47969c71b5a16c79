@preconcurrency import Crypto
import Foundation

/// RFC 6238 time-based one-time passwords (HMAC-SHA1, 6 digits, 30-second steps), the algorithm of every
/// authenticator application, and RFC 4648 base32 for the secret people type or scan.
enum TOTP {
    static let period: Int64 = 30
    static let digits = 6
    /// Steps accepted on each side of the current one (a phone's clock drifts; typing takes time).
    static let drift: Int64 = 1

    static func step(at date: Date) -> Int64 { Int64(floor(date.timeIntervalSince1970)) / period }

    /// The code of `step` (RFC 4226 dynamic truncation).
    static func code(secret: [UInt8], step: Int64) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let value = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        let modulo: UInt32 = 1_000_000
        return String(format: "%06u", value % modulo)
    }

    /// The step whose code `typed` is, within the drift around `date`; nil when none matches. Spaces are ignored.
    static func matchingStep(_ typed: String, secret: [UInt8], at date: Date) -> Int64? {
        let code = typed.filter { !$0.isWhitespace }
        guard code.count == digits, code.allSatisfy(\.isASCII), code.allSatisfy(\.isNumber) else { return nil }
        let now = step(at: date)
        // NB: every candidate is computed and compared in constant time, so timing tells nothing of which matched.
        var found: Int64?
        for candidate in (now - drift)...(now + drift) where Tokens.equal(TOTP.code(secret: secret, step: candidate), code) {
            found = found ?? candidate
        }
        return found
    }

    /// 160 random bits (RFC 4226's recommendation), from the system CSPRNG.
    static func newSecret() -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return (0..<20).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    /// `otpauth://totp/Contribuez:label?secret=…&issuer=Contribuez` for authenticator applications.
    static func uri(secret: [UInt8], label: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~@")
        let name = ("Contribuez:" + label).addingPercentEncoding(withAllowedCharacters: allowed.union(CharacterSet(charactersIn: ":"))) ?? "Contribuez"
        return "otpauth://totp/\(name)?secret=\(Base32.encode(secret))&issuer=Contribuez&algorithm=SHA1&digits=6&period=30"
    }
}

/// RFC 4648 base32, upper case, without padding.
enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

    static func encode(_ bytes: [UInt8]) -> String {
        var out = "", buffer: UInt32 = 0, bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte); bits += 8
            while bits >= 5 { out.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)]); bits -= 5 }
        }
        if bits > 0 { out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return out
    }

    /// Nil for anything but base32 letters (spaces, dashes and padding ignored; lower case accepted).
    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = [], buffer: UInt32 = 0, bits = 0
        for ch in text.uppercased() where ch != " " && ch != "-" && ch != "=" {
            guard let index = alphabet.firstIndex(of: ch) else { return nil }
            buffer = (buffer << 5) | UInt32(index); bits += 5
            if bits >= 8 { out.append(UInt8((buffer >> UInt32(bits - 8)) & 0xff)); bits -= 8 }
        }
        return out
    }

    /// `ABCD EFGH …`: groups of 4 to copy by hand.
    static func grouped(_ text: String) -> String {
        stride(from: 0, to: text.count, by: 4).map { i in
            let start = text.index(text.startIndex, offsetBy: i)
            return String(text[start..<(text.index(start, offsetBy: 4, limitedBy: text.endIndex) ?? text.endIndex)])
        }.joined(separator: " ")
    }
}

/// Recovery codes: ten per enrolment, `xxxx-xxxx-xxxx` in base32 (60 bits each), stored as SHA-256 only.
enum RecoveryCodes {
    static let count = 10

    static func generate() -> [String] {
        (0..<count).map { _ in
            var rng = SystemRandomNumberGenerator()
            let raw = Base32.encode((0..<8).map { _ in UInt8.random(in: 0...255, using: &rng) }).prefix(12).lowercased()
            return stride(from: 0, to: 12, by: 4).map { i in
                String(raw[raw.index(raw.startIndex, offsetBy: i)..<raw.index(raw.startIndex, offsetBy: i + 4)])
            }.joined(separator: "-")
        }
    }

    /// Typed in any case, with or without dashes and spaces.
    static func normalise(_ typed: String) -> String {
        typed.lowercased().filter { $0.isLetter || $0.isNumber }
    }

    static func hash(_ typed: String) -> String { Tokens.hash("recovery:" + normalise(typed)) }

    static func looksLikeOne(_ typed: String) -> Bool { normalise(typed).count == 12 }
}
