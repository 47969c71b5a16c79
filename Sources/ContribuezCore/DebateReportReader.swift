import Foundation

/// Reads a filled report template (issue 15): the CSV or JSON files of the kit, format `contribuez-debate-report/1`.
///
/// CSV: UTF-8 (a leading BOM is allowed), comma, RFC 4180 quoting, header exactly `columns`; one row per fact:
/// `attendance` (count), `vote` (article_id, article_title for the reader only, agree/mixed/disagree: non-negative
/// integers, empty = not voted), `amendment` (article_id, text), `argument` (article_id, stance `for`|`against`, text),
/// `synthesis` (text), and optionally `profile` (the room's profile in aggregate: text `question:code` as in
/// `DebateProfileCount.key`, e.g. `age:25-34`, article_title its label for the reader only, count; empty = not given).
/// `consultation_id` is on every row.
///
/// JSON: `{"format":"contribuez-debate-report/1","consultation_id":N,"attendance":N,"votes":[{"article_id":N,
/// "article_title":"…","agree":N,"mixed":N,"disagree":N}],"amendments":[{"article_id":N,"text":"…"}],
/// "arguments":[{"article_id":N,"stance":"for","text":"…"}],"synthesis":"…",
/// "profile":[{"question":"age","code":"25-34","label":"…","count":N}]}` (profile optional, null counts not given).
///
/// The reader never stops at the first problem: each is placed (a CSV line, a JSON path) so the organiser can fix
/// the file in one go. Checks against the consultation (known articles, counts within the attendance) are
/// `FileDebateReport.check`'s.
public enum DebateReportReader {
    public static let format = "contribuez-debate-report/1"
    public static let columns = ["type", "consultation_id", "article_id", "article_title", "count", "agree", "mixed", "disagree", "stance", "text"]

    /// Reads a template, CSV or JSON: JSON when its first non-blank character is `{`.
    public static func read(_ bytes: [UInt8]) -> DebateReportInput {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard let text = String(validating: body, as: UTF8.self) else {
            return DebateReportInput(source: .csv, attendance: nil, problems: [DebateReportProblem(.encoding)])
        }
        if bytes.count > DebateReportLimits.templateBytes {
            return DebateReportInput(source: .csv, attendance: nil, problems: [DebateReportProblem(.tooLarge, limit: DebateReportLimits.templateBytes)])
        }
        let start = text.first { !$0.isWhitespace }
        if start == nil { return DebateReportInput(source: .csv, attendance: nil, problems: [DebateReportProblem(.emptyFile)]) }
        return start == "{" ? json(text) : csv(text)
    }

    // MARK: CSV

    /// RFC 4180 records with the line each starts on; nil and the line of the fault when a quote is left open or
    /// stray text follows a closing quote.
    static func records(_ text: String) -> (records: [(line: Int, fields: [String])], fault: Int?) {
        var out: [(Int, [String])] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false, afterQuote = false
        var line = 1, recordLine = 1
        var chars = Array(text.unicodeScalars)[...]
        func endRecord() {
            fields.append(field); field = ""
            if !(fields.count == 1 && fields[0].isEmpty) { out.append((recordLine, fields)) }
            fields = []
        }
        while let c = chars.popFirst() {
            if inQuotes {
                if c == "\"" {
                    if chars.first == "\"" { chars.removeFirst(); field.unicodeScalars.append("\"") } else { inQuotes = false; afterQuote = true }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case ",":
                fields.append(field); field = ""; afterQuote = false
            case "\r":
                if chars.first == "\n" { chars.removeFirst() }
                endRecord(); line += 1; recordLine = line; afterQuote = false
            case "\n":
                endRecord(); line += 1; recordLine = line; afterQuote = false
            case "\"":
                if field.isEmpty && !afterQuote { inQuotes = true } else { return (out, line) }
            default:
                if afterQuote { return (out, line) }
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { return (out, recordLine) }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return (out, nil)
    }

    public static func csv(_ text: String) -> DebateReportInput {
        var input = DebateReportInput(source: .csv, attendance: nil)
        let (records, fault) = records(text)
        if let fault { input.problems.append(DebateReportProblem(.quoting, at: .line(fault))) }
        guard let header = records.first else {
            if fault == nil { input.problems.append(DebateReportProblem(.emptyFile)) }
            return input
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        guard names == columns else {
            input.problems.append(DebateReportProblem(.header, at: .line(header.line), value: names.joined(separator: ",")))
            return input
        }
        var sawSynthesis = false, sawAttendance = false
        for r in records.dropFirst() {
            let place = DebateReportProblem.Place.line(r.line)
            guard r.fields.count == columns.count else {
                input.problems.append(DebateReportProblem(.columns, at: place, value: "\(r.fields.count)", limit: columns.count)); continue
            }
            func cell(_ name: String) -> String { r.fields[columns.firstIndex(of: name)!].trimmingCharacters(in: .whitespaces) }
            let consultation = cell("consultation_id")
            if consultation.isEmpty { input.problems.append(DebateReportProblem(.missingConsultation, at: place)) }
            else if let id = ID(consultation) {
                input.consultationID = input.consultationID ?? id
                if id != input.consultationID { input.problems.append(DebateReportProblem(.otherConsultation, at: place, value: consultation)) }
            } else { input.problems.append(DebateReportProblem(.notANumber, at: place, value: consultation)) }
            /// A count cell: nil when empty; a problem when not a non-negative integer.
            func count(_ name: String) -> (ok: Bool, value: Int?) {
                let raw = cell(name)
                if raw.isEmpty { return (true, nil) }
                guard let n = Int(raw) else { input.problems.append(DebateReportProblem(.notANumber, at: place, value: raw)); return (false, nil) }
                if n < 0 { input.problems.append(DebateReportProblem(.negative, at: place, value: raw)); return (false, nil) }
                return (true, n)
            }
            func article() -> ID? {
                let raw = cell("article_id")
                if raw.isEmpty { input.problems.append(DebateReportProblem(.missingArticle, at: place)); return nil }
                guard let id = ID(raw) else { input.problems.append(DebateReportProblem(.notANumber, at: place, value: raw)); return nil }
                return id
            }
            switch cell("type") {
            case "attendance":
                if sawAttendance { input.problems.append(DebateReportProblem(.attendanceTwice, at: place)); continue }
                sawAttendance = true
                let (ok, n) = count("count")
                if ok, n == nil { input.problems.append(DebateReportProblem(.attendanceMissing, at: place)) }
                input.attendance = n
            case "vote":
                let id = article()
                let a = count("agree"), m = count("mixed"), d = count("disagree")
                if let id, a.ok, m.ok, d.ok {
                    input.votes.append(DebateArticleCount(articleID: id, agree: a.value, mixed: m.value, disagree: d.value))
                    input.voteOrigins.append(place)
                }
            case "amendment":
                input.items.append(DebateReportItem(articleID: article(), kind: .amendment, text: r.fields[9], origin: place))
            case "argument":
                let id = article()
                let stance = Stance(rawValue: cell("stance"))
                if stance == nil { input.problems.append(DebateReportProblem(.unknownStance, at: place, value: cell("stance"))) }
                input.items.append(DebateReportItem(articleID: id, kind: .argument, stance: stance ?? .for, text: r.fields[9], origin: place))
            case "profile":
                let key = cell("text")
                let (ok, n) = count("count")
                guard ok, let n else { continue }
                if let p = DebateProfileCount.parse(key: key, count: n) {
                    input.profile.append(p); input.profileOrigins.append(place)
                } else {
                    input.problems.append(DebateReportProblem(.unknownProfile, at: place, value: key))
                }
            case "synthesis":
                if sawSynthesis { input.problems.append(DebateReportProblem(.synthesisTwice, at: place)); continue }
                sawSynthesis = true
                input.synthesis = r.fields[9]
            default:
                input.problems.append(DebateReportProblem(.unknownType, at: place, value: cell("type")))
            }
        }
        if !sawAttendance { input.problems.append(DebateReportProblem(.attendanceMissing)) }
        return input
    }

    // MARK: JSON

    public static func json(_ document: String) -> DebateReportInput {
        var input = DebateReportInput(source: .json, attendance: nil)
        guard let any = try? JSONSerialization.jsonObject(with: Data(document.utf8), options: [.fragmentsAllowed]),
              let root = any as? [String: Any] else {
            input.problems.append(DebateReportProblem(.badJSON)); return input
        }
        let known: Set<String> = ["format", "consultation_id", "attendance", "votes", "amendments", "arguments", "synthesis", "profile"]
        for key in root.keys.sorted() where !known.contains(key) { input.problems.append(DebateReportProblem(.unknownKey, at: .path(key))) }
        if (root["format"] as? String) != format {
            input.problems.append(DebateReportProblem(.format, at: .path("format"), value: (root["format"]).map { "\($0)" } ?? ""))
        }
        /// A non-negative integer at `path`: nil when absent or null; a problem when anything else.
        func integer(_ value: Any?, _ path: String) -> (ok: Bool, value: Int?) {
            guard let value, !(value is NSNull) else { return (true, nil) }
            // NB: a JSON boolean may come as a number on some platforms: it is no count.
            if type(of: value) != Bool.self, let n = value as? NSNumber, String(cString: n.objCType) != "c", let i = Int(exactly: n.doubleValue) {
                if i < 0 { input.problems.append(DebateReportProblem(.negative, at: .path(path), value: "\(i)")); return (false, nil) }
                return (true, i)
            }
            input.problems.append(DebateReportProblem(.notANumber, at: .path(path), value: "\(value)"))
            return (false, nil)
        }
        switch integer(root["consultation_id"], "consultation_id") {
        case (true, let id?): input.consultationID = ID(id)
        case (true, nil): input.problems.append(DebateReportProblem(.missingConsultation, at: .path("consultation_id")))
        default: break
        }
        switch integer(root["attendance"], "attendance") {
        case (true, let n?): input.attendance = n
        case (true, nil): input.problems.append(DebateReportProblem(.attendanceMissing, at: .path("attendance")))
        default: break
        }
        func list(_ key: String) -> [[String: Any]] {
            guard let raw = root[key], !(raw is NSNull) else { return [] }
            guard let items = raw as? [Any] else { input.problems.append(DebateReportProblem(.format, at: .path(key))); return [] }
            return items.enumerated().compactMap { (i, x) -> [String: Any]? in
                if let o = x as? [String: Any] { return o }
                input.problems.append(DebateReportProblem(.format, at: .path("\(key)[\(i)]"))); return nil
            }
        }
        func article(_ o: [String: Any], _ path: String) -> ID? {
            switch integer(o["article_id"], path + ".article_id") {
            case (true, let id?): return ID(id)
            case (true, nil): input.problems.append(DebateReportProblem(.missingArticle, at: .path(path))); return nil
            default: return nil
            }
        }
        func text(_ o: [String: Any], _ path: String) -> String {
            guard let raw = o["text"], !(raw is NSNull) else { return "" }
            if let s = raw as? String { return s }
            input.problems.append(DebateReportProblem(.format, at: .path(path + ".text"))); return ""
        }
        for (i, o) in list("votes").enumerated() {
            let path = "votes[\(i)]"
            let id = article(o, path)
            let a = integer(o["agree"], path + ".agree"), m = integer(o["mixed"], path + ".mixed"), d = integer(o["disagree"], path + ".disagree")
            if let id, a.ok, m.ok, d.ok {
                input.votes.append(DebateArticleCount(articleID: id, agree: a.value, mixed: m.value, disagree: d.value))
                input.voteOrigins.append(.path(path))
            }
        }
        for (i, o) in list("amendments").enumerated() {
            let path = "amendments[\(i)]"
            input.items.append(DebateReportItem(articleID: article(o, path), kind: .amendment, text: text(o, path), origin: .path(path)))
        }
        for (i, o) in list("arguments").enumerated() {
            let path = "arguments[\(i)]"
            let raw = o["stance"] as? String
            let stance = raw.flatMap(Stance.init(rawValue:))
            if stance == nil { input.problems.append(DebateReportProblem(.unknownStance, at: .path(path + ".stance"), value: raw ?? "")) }
            input.items.append(DebateReportItem(articleID: article(o, path), kind: .argument, stance: stance ?? .for, text: text(o, path), origin: .path(path)))
        }
        for (i, o) in list("profile").enumerated() {
            let path = "profile[\(i)]"
            let key = "\(o["question"].map { "\($0)" } ?? ""):\(o["code"].map { "\($0)" } ?? "")"
            guard case (true, let n?) = integer(o["count"], path + ".count") else { continue }
            if let p = DebateProfileCount.parse(key: key, count: n) {
                input.profile.append(p); input.profileOrigins.append(.path(path))
            } else {
                input.problems.append(DebateReportProblem(.unknownProfile, at: .path(path), value: key))
            }
        }
        if let raw = root["synthesis"], !(raw is NSNull) {
            if let s = raw as? String { input.synthesis = s } else { input.problems.append(DebateReportProblem(.format, at: .path("synthesis"))) }
        }
        return input
    }
}
