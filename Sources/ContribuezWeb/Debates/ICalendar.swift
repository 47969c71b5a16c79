import ContribuezCore
import Foundation

/// An iCalendar (RFC 5545) writer for debates: CRLF line ends, content lines folded at 75 octets without cutting
/// a UTF-8 sequence, TEXT values escaped (`\\`, `\;`, `\,`, `\n`), instants in UTC.
enum ICalendar {
    struct Event {
        var uid: String
        var stamp: Date
        var start: Date
        var end: Date
        var summary: String
        var description: String
        var location: String
        var url: String
        var cancelled: Bool
    }

    static func document(name: String, events: [Event]) -> String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Contribuez//Debats locaux//FR", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
                     "X-WR-CALNAME:" + text(name)]
        for e in events {
            lines += [
                "BEGIN:VEVENT", "UID:" + text(e.uid), "DTSTAMP:" + utc(e.stamp), "DTSTART:" + utc(e.start), "DTEND:" + utc(e.end),
                "SUMMARY:" + text(e.summary),
            ]
            if !e.description.isEmpty { lines.append("DESCRIPTION:" + text(e.description)) }
            if !e.location.isEmpty { lines.append("LOCATION:" + text(e.location)) }
            // NB: URL is of type URI: not TEXT-escaped (a comma in a link is a comma).
            lines.append("URL:" + e.url.filter { !$0.isNewline })
            lines.append("STATUS:" + (e.cancelled ? "CANCELLED" : "CONFIRMED"))
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    /// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma, and line breaks as `\n`.
    static func text(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var previousCR = false
        for ch in s.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\r": out += "\\n"; previousCR = true; continue
            case "\n": if !previousCR { out += "\\n" }
            default:
                // Other control characters have no place in a content line.
                if ch.value < 0x20 && ch != "\t" || ch.value == 0x7F { break }
                out.unicodeScalars.append(ch)
            }
            previousCR = false
        }
        return out
    }

    /// `20260314T173000Z`.
    static func utc(_ d: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: d)
        func two(_ n: Int?) -> String { let v = n ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        let y = c.year ?? 1970
        return "\(y)" + two(c.month) + two(c.day) + "T" + two(c.hour) + two(c.minute) + two(c.second) + "Z"
    }

    /// Folds a content line (RFC 5545 §3.1): at most 75 octets per line, continuation lines start with one space,
    /// and a multi-octet character is never split.
    static func fold(_ line: String) -> String {
        var out = ""
        var used = 0
        var limit = 75
        for ch in line.unicodeScalars {
            let size = String(ch).utf8.count
            if used + size > limit {
                out += "\r\n "
                used = 0
                limit = 74  // the leading space counts
            }
            out.unicodeScalars.append(ch)
            used += size
        }
        return out
    }
}
