import ContribuezCore
import Foundation

/// Renders a queued mail as an RFC 5322 message: plain text in UTF-8, quoted-printable, CRLF line ends.
///
/// Headers: From, To, Subject (RFC 2047 encoded-words when not plain ASCII), Date, Message-ID,
/// MIME-Version, Content-Type, Content-Transfer-Encoding, Auto-Submitted, and, when the mail has an
/// unsubscribe URL, List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 one-click).
///
/// NB: dot-stuffing is not done here but by the SMTP client, which owns the DATA framing.
public enum SMTPMessage {
    public static func render(from: MailAddress, to: MailAddress, mail: QueuedMail, date: Date) -> String {
        var headers: [(String, String)] = [
            ("From", address(from)),
            ("To", address(to)),
            ("Subject", encodedHeaderText(mail.subject)),
            ("Date", rfc5322Date(date)),
            ("Message-ID", messageID(mail: mail, domain: from.domain)),
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Transfer-Encoding", "quoted-printable"),
            // RFC 3834: tells auto-responders not to answer a notification.
            ("Auto-Submitted", "auto-generated"),
        ]
        if let url = mail.unsubscribeURL, let clean = headerSafeURL(url) {
            headers.append(("List-Unsubscribe", "<\(clean)>"))
            headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
        }
        let head = headers.map { "\($0.0): \($0.1)\r\n" }.joined()
        return head + "\r\n" + quotedPrintable(mail.text)
    }

    /// Stable across retries of the same mail, so a receiver can spot a duplicate.
    static func messageID(mail: QueuedMail, domain: String) -> String {
        let created = Int64((mail.createdAt.timeIntervalSince1970 * 1000).rounded())
        return "<contribuez.\(mail.id).\(created)@\(domain)>"
    }

    static func address(_ a: MailAddress) -> String {
        guard let name = a.displayName else { return a.address }
        let plain = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || " .-_'".contains($0)) }
        return plain ? "\(name) <\(a.address)>" : "\(encodedWords(name)) <\(a.address)>"
    }

    /// A header value: kept as is when it is short printable ASCII, otherwise RFC 2047 encoded-words.
    /// NB: CR and LF never reach a header (they would start a new header: injection).
    static func encodedHeaderText(_ text: String) -> String {
        let oneLine = text.replacingOccurrences(of: "\r\n", with: " ").map { $0.isNewline ? " " : String($0) }.joined()
        let plain = oneLine.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
        if plain && oneLine.utf8.count <= 900 && !oneLine.contains("=?") { return oneLine }
        return encodedWords(oneLine)
    }

    /// `=?UTF-8?B?…?=` words of at most 75 characters, split between characters (never inside a UTF-8
    /// sequence), folded onto continuation lines (CRLF SP).
    static func encodedWords(_ text: String) -> String {
        // 36 bytes make 48 base64 characters, a 60-character word: after "Subject: " the line stays
        // within 78 characters (RFC 5322 §2.1.1), and the word within RFC 2047's 75.
        let maxBytes = 36
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > maxBytes, !chunk.isEmpty {
                words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: "\r\n ")
    }

    /// RFC 5322 date-time in UTC, e.g. `Tue, 01 Jul 2025 09:05:00 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int?) -> String { let n = n ?? 0; return n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[(c.weekday ?? 1) - 1]), \(two(c.day)) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }

    /// The URL as it may stand between angle brackets in a header: printable ASCII, no `<>` or spaces.
    static func headerSafeURL(_ url: String) -> String? {
        let ok = !url.isEmpty && url.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "<" && $0 != ">" }
        return ok ? url : nil
    }

    /// Quoted-printable (RFC 2045 §6.7) of the UTF-8 text, lines ending in CRLF, at most 76 characters
    /// per encoded line (soft breaks `=` CRLF). The result always ends with CRLF.
    static func quotedPrintable(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF")
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var lines = normalised.split(separator: "\n", omittingEmptySubsequences: false)
        // NB: a text ending with a newline yields one empty last line: "a\n" encodes as "a" CRLF, not two.
        if lines.count > 1, lines.last?.isEmpty == true { lines.removeLast() }
        var out = ""
        for line in lines {
            let bytes = Array(line.utf8)
            var width = 0
            for (i, b) in bytes.enumerated() {
                let last = i == bytes.count - 1
                // Printable ASCII but `=` stands for itself; so do space and tab, except at the end of a
                // line, where transports may strip them.
                let literal = (b >= 33 && b <= 126 && b != UInt8(ascii: "=")) || ((b == 0x20 || b == 0x09) && !last)
                let token = literal ? String(UnicodeScalar(b)) : "=" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 0xF)])
                if width + token.count > 75 {
                    out += "=\r\n"; width = 0
                }
                out += token; width += token.count
            }
            out += "\r\n"
        }
        return out
    }
}
