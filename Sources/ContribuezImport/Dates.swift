import Foundation

/// Timestamps as other platforms write them.
enum ImportDates {
    /// "2015-10-18T22:24:20+0200", "2015-10-18T22:24:20+02:00" or "…Z".
    static func iso8601(_ s: String) -> Date? {
        let t = s.trimmingCharacters(in: .whitespaces)
        guard t.count >= 19 else { return nil }
        let chars = Array(t)
        func int(_ a: Int, _ b: Int) -> Int? { Int(String(chars[a..<b])) }
        guard let y = int(0, 4), let mo = int(5, 7), let d = int(8, 10),
              let h = int(11, 13), let mi = int(14, 16), let se = int(17, 19) else { return nil }
        var offset = 0
        var rest = chars[19...].drop(while: { $0 == "." || $0.isNumber })
        if let sign = rest.first, sign == "+" || sign == "-" {
            rest = rest.dropFirst()
            let digits = rest.filter { $0.isNumber }
            guard digits.count == 4, let hh = Int(String(digits.prefix(2))), let mm = Int(String(digits.suffix(2))) else { return nil }
            offset = (hh * 3600 + mm * 60) * (sign == "+" ? 1 : -1)
        }
        var comps = DateComponents()
        comps.year = y; comps.month = mo; comps.day = d; comps.hour = h; comps.minute = mi; comps.second = se
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(secondsFromGMT: 0)!
        guard let utc = cal.date(from: comps) else { return nil }
        return utc.addingTimeInterval(TimeInterval(-offset))
    }
}
