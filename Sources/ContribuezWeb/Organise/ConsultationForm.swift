import ContribuezCore
import Foundation

/// The consultation settings form (create and edit): reads it into a `ConsultationDraft`, and prints
/// a draft back into the fields. Dates are `datetime-local` values, read in Europe/Paris.
struct ConsultationForm {
    /// What the person typed, echoed back as is when the form is shown again.
    var fields: [String: String]
    var kinds: Set<ParticipantKind>
    var moderation: String

    init(fields: [String: String], kinds: Set<ParticipantKind>, moderation: String) {
        self.fields = fields; self.kinds = kinds; self.moderation = moderation
    }

    init(_ d: ConsultationDraft) {
        fields = [
            "title": d.title, "summary": d.summary, "institution": d.institution,
            "opensAt": d.opensAt.map(Self.local) ?? "", "closesAt": d.closesAt.map(Self.local) ?? "",
            "answerThreshold": "\(d.settings.answerThreshold)", "answerDeadlineDays": "\(d.settings.answerDeadlineDays)",
            "reportThreshold": "\(d.settings.reportThreshold)",
        ]
        kinds = d.allowedKinds
        moderation = d.settings.moderation.rawValue
    }

    init(_ form: Form) {
        var f: [String: String] = [:]
        for key in ["title", "summary", "institution", "opensAt", "closesAt", "answerThreshold", "answerDeadlineDays", "reportThreshold"] {
            f[key] = form.string(key)
        }
        fields = f
        kinds = Set(ParticipantKind.allCases.filter { form["kind_\($0.rawValue)"] != nil })
        moderation = form.string("moderation")
    }

    /// The draft, or the fields the command could not even read (a malformed date or number, an unknown mode).
    /// NB: empty dates are not read errors: the command reports them as required, with everything else.
    enum Read {
        case draft(ConsultationDraft)
        case unreadable([FieldError])
    }

    func draft() -> Read {
        var errors: [FieldError] = []
        func date(_ key: String) -> Date? {
            let raw = fields[key, default: ""].trimmingCharacters(in: .whitespaces)
            if raw.isEmpty { return nil }
            guard let d = Self.parseLocal(raw) else { errors.append(FieldError(field: key, rule: .invalid)); return nil }
            return d
        }
        func number(_ key: String) -> Int {
            let raw = fields[key, default: ""].trimmingCharacters(in: .whitespaces)
            guard let n = Int(raw) else { errors.append(FieldError(field: key, rule: raw.isEmpty ? .required : .invalid)); return 0 }
            return n
        }
        let opens = date("opensAt"), closes = date("closesAt")
        let settings = ConsultationSettings(
            moderation: ModerationMode(rawValue: moderation) ?? .aPosteriori, answerThreshold: number("answerThreshold"),
            answerDeadlineDays: number("answerDeadlineDays"), reportThreshold: number("reportThreshold"))
        if ModerationMode(rawValue: moderation) == nil {
            errors.append(FieldError(field: "moderation", rule: .unknownValue, value: ModerationMode.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        guard errors.isEmpty else { return .unreadable(errors) }
        return .draft(ConsultationDraft(
            title: fields["title", default: ""], summary: fields["summary", default: ""], institution: fields["institution", default: ""],
            opensAt: opens, closesAt: closes, allowedKinds: kinds, settings: settings))
    }

    /// Template data: the fields, the kinds as checkboxes, the modes as radios.
    func data(_ s: Screen) -> [String: Any] {
        [
            "f": fields,
            "kinds": ParticipantKind.allCases.map { k in
                ["value": k.rawValue, "label": s.text("kind_\(k.rawValue)"), "checked": kinds.contains(k)] as [String: Any]
            },
            "modes": ModerationMode.allCases.map { m in
                ["value": m.rawValue, "label": s.text("moderation_mode_\(m.rawValue)"), "hint": s.text("moderation_mode_\(m.rawValue)_hint"),
                 "checked": m.rawValue == moderation] as [String: Any]
            },
            "titleHint": s.hint(Limits.title), "summaryHint": s.hint(Limits.summary),
        ]
    }

    // MARK: datetime-local in Paris

    static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = Catalogue.paris
        return c
    }()

    /// `2025-10-01T09:30` (seconds optional), Paris time.
    static func parseLocal(_ raw: String) -> Date? {
        let parts = raw.split(separator: "T", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let ymd = parts[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        let hms = parts[1].split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard ymd.count == 3, (2...3).contains(hms.count), ymd.allSatisfy({ $0 != nil }), hms.allSatisfy({ $0 != nil }),
              let y = ymd[0], let mo = ymd[1], let d = ymd[2], let h = hms[0], let mi = hms[1],
              (1970...9999).contains(y), (1...12).contains(mo), (1...31).contains(d), (0...23).contains(h), (0...59).contains(mi)
        else { return nil }
        let sec = hms.count == 3 ? hms[2]! : 0
        guard (0...59).contains(sec) else { return nil }
        let comps = DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: sec)
        // NB: refuses 31 February rather than rolling it over to March.
        guard let date = calendar.date(from: comps), calendar.component(.day, from: date) == d else { return nil }
        return date
    }

    /// The `datetime-local` value of a date, to the minute, Paris time.
    static func local(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func two(_ n: Int?) -> String { let n = n ?? 0; return n < 10 ? "0\(n)" : "\(n)" }
        return "\(c.year ?? 1970)-\(two(c.month))-\(two(c.day))T\(two(c.hour)):\(two(c.minute))"
    }

    /// The empty form: opening now (to the minute), closing 30 days later, the default rules.
    static func fresh(now: Date) -> ConsultationForm {
        // Paris is a whole number of minutes from UTC: flooring in UTC floors in Paris.
        let opens = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 60).rounded(.down) * 60)
        return ConsultationForm(ConsultationDraft(
            title: "", summary: "", institution: "", opensAt: opens, closesAt: opens.addingTimeInterval(30 * 86_400)))
    }
}
