import ContribuezCore
import Foundation

/// The pieces of debate pages: dates in Paris time, places, counts, messages per field, and the form's decoding.
enum DebateView {
    /// The `?fait=` values the debate page acknowledges.
    static let flashes: Set<String> = ["declare", "inscrit", "attente", "desinscrit", "annule", "compte_rendu"]

    static let paris = Catalogue.paris

    /// « samedi 14 mars 2026, 18:30 – 20:30 » (Paris time); the end's date is repeated when it is another day.
    static func when(_ d: Debate, _ s: Screen) -> String {
        let locale = Locale(identifier: s.lang == .fr ? "fr_FR" : "en_GB")
        let day = Date.FormatStyle(date: .complete, time: .omitted, locale: locale, timeZone: paris)
        let time = Date.FormatStyle(date: .omitted, time: .shortened, locale: locale, timeZone: paris)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = paris
        let end = cal.isDate(d.startsAt, inSameDayAs: d.endsAt) ? d.endsAt.formatted(time) : d.endsAt.formatted(day) + ", " + d.endsAt.formatted(time)
        return s.text("debate_when", ["day": d.startsAt.formatted(day), "start": d.startsAt.formatted(time), "end": end])
    }

    static func placeShort(_ d: Debate, _ s: Screen) -> String {
        guard let v = d.place.venue else { return s.text("debate_online") }
        return "\(v.commune) (\(v.departement))"
    }

    static func placesText(_ r: DebateRow, _ s: Screen) -> String {
        if r.placesLeft > 0 { return s.text("debate_places_left", ["n": "\(r.placesLeft)", "capacity": "\(r.debate.capacity)"]) }
        return s.text("debate_full", ["waiting": "\(r.waiting)"])
    }

    /// Plain text as paragraphs (each escaped by the template).
    static func paragraphs(_ text: String) -> [String] {
        text.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    /// The message for a field error, in the debate's own words where the generic one would mislead.
    static func message(_ e: FieldError, _ s: Screen) -> String {
        switch (e.field, e.rule) {
        case ("startsAt", .notAllowed): return s.text("debate_err_start_past")
        case ("startsAt", .invalid), ("endsAt", .invalid): return s.text("debate_err_date_format", ["field": s.text("field_\(e.field)")])
        case ("endsAt", .beforeOpening): return s.text("debate_err_end_before_start")
        case ("endsAt", .tooLong): return s.text("debate_err_too_long_duration", ["hours": "\(e.limit ?? 24)"])
        case ("postcode", .invalid): return s.text("debate_err_postcode")
        case ("videoURL", .invalid): return s.text("debate_err_video_https")
        case ("capacity", .tooShort), ("capacity", .tooLong), ("capacity", .invalid):
            return s.text("debate_err_capacity", ["min": "\(DebateLimits.capacity.lowerBound)", "max": "\(DebateLimits.capacity.upperBound)"])
        case ("messages", _): return s.text("debate_err_too_many_messages", ["n": "\(e.limit ?? DebateLimits.messagesPerDay)"])
        default: return s.deps.catalogue.message(for: e, s.lang)
        }
    }

    /// The form's fields as the command takes them, and as typed (to show the form again).
    static func input(_ form: Form) -> (DebateInput, [String: String]) {
        let names = ["title", "description", "startsAt", "endsAt", "mode", "venueName", "address", "postcode", "commune", "videoURL",
                     "stepFree", "accessibilityNotes", "capacity", "organiserKind", "organisationName"]
        var draft: [String: String] = [:]
        for n in names { draft[n] = form.string(n) }
        var parseErrors: [FieldError] = []
        func date(_ field: String) -> Date? {
            let raw = form.string(field).trimmingCharacters(in: .whitespaces)
            if raw.isEmpty { return nil }
            guard let d = parseLocal(raw) else { parseErrors.append(FieldError(field: field, rule: .invalid)); return nil }
            return d
        }
        let input = DebateInput(
            title: form.string("title"), description: form.string("description"), startsAt: date("startsAt"), endsAt: date("endsAt"),
            mode: DebateInput.Mode(rawValue: form.string("mode")), venueName: form.string("venueName"), address: form.string("address"),
            postcode: form.string("postcode"), commune: form.string("commune"), videoURL: form.string("videoURL"),
            stepFree: StepFreeAccess(rawValue: form["stepFree"] ?? "unknown"), accessibilityNotes: form.string("accessibilityNotes"),
            capacity: form.string("capacity"), organiserKind: DebateOrganiserKind(rawValue: form["organiserKind"] ?? "person"),
            organisationName: form.string("organisationName"), parseErrors: parseErrors)
        return (input, draft)
    }

    /// A `datetime-local` value (« 2026-03-14T18:30 », seconds optional), in Paris time. Nil for anything else,
    /// an impossible day (30 February) included.
    static func parseLocal(_ s: String) -> Date? {
        let parts = s.split(separator: "T", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let day = parts[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        let time = parts[1].split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard day.count == 3, (2...3).contains(time.count), !day.contains(nil), !time.contains(nil),
              parts[0].count == 10, let y = day[0], let m = day[1], let d = day[2], let h = time[0], let mi = time[1],
              (2000...2999).contains(y), (1...12).contains(m), (1...31).contains(d), (0...23).contains(h), (0...59).contains(mi)
        else { return nil }
        let sec = time.count == 3 ? (time[2] ?? -1) : 0
        guard (0...59).contains(sec) else { return nil }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = paris
        let comps = DateComponents(year: y, month: m, day: d, hour: h, minute: mi, second: sec)
        guard let date = cal.date(from: comps) else { return nil }
        let back = cal.dateComponents([.year, .month, .day], from: date)
        guard back.year == y, back.month == m, back.day == d else { return nil }
        return date
    }

    /// The `datetime-local` value of an instant, in Paris time.
    static func local(_ date: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = paris
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func two(_ n: Int?) -> String { let v = n ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(c.year ?? 2000)-\(two(c.month))-\(two(c.day))T\(two(c.hour)):\(two(c.minute))"
    }
}

/// The mails of local debates, written with the catalogue in the recipient's language (plain text).
enum DebateMail {
    static func base(_ deps: WebDependencies) -> String {
        let b = deps.publicURL ?? "http://localhost:8080"
        return b.hasSuffix("/") ? String(b.dropLast()) : b
    }

    static func composer(_ deps: WebDependencies) -> DebateMailComposer {
        let catalogue = deps.catalogue
        let base = base(deps)
        return { event, r in
            let lang = Lang(rawValue: r.lang) ?? .fr
            func t(_ key: String, _ p: [String: String] = [:]) -> String { catalogue.text(key, lang, p) }
            let subject: String, body: String, kind: String
            switch event {
            case .promoted(let d):
                subject = t("debate_mail_promoted_subject", ["title": d.title])
                body = t("debate_mail_promoted_body", ["title": d.title, "url": base + DebateRoute.debate(d.id).path])
                kind = "debate_promoted"
            case .cancelled(let d):
                subject = t("debate_mail_cancelled_subject", ["title": d.title])
                body = t("debate_mail_cancelled_body", ["title": d.title, "reason": d.cancelReason, "url": base + DebateRoute.debate(d.id).path])
                kind = "debate_cancelled"
            case .message(let d, let s, let text):
                subject = t("debate_mail_message_subject", ["title": d.title, "subject": s])
                body = t("debate_mail_message_body", [
                    "organiser": d.organiserName, "title": d.title, "text": text, "url": base + DebateRoute.debate(d.id).path,
                ])
                kind = "debate_message"
            }
            let greeting = t("mail_greeting", ["name": r.name])
            // NB: one line, bounded: the subject becomes a mail header.
            let oneLine = subject.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
            return NewMail(to: r.email, subject: String(oneLine.prefix(200)), text: greeting + "\n\n" + body, kind: kind)
        }
    }
}
