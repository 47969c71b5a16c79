import ContribuezCore
import Foundation

/// Labels and placeholders the moderation pages and the public lists share.
extension Screen {
    func reasonLabel(_ reason: ModerationReason) -> String { text("moderation_reason_\(reason.rawValue)") }

    /// A stored reason string: a charter reason, or "" for hiding by reports.
    func reasonLabel(raw: String) -> String {
        if let r = ModerationReason(rawValue: raw) { return reasonLabel(r) }
        return raw.isEmpty ? text("moderation_reason_none") : raw
    }

    func auditActionLabel(_ action: AuditAction) -> String { text("audit_action_\(action.rawValue)") }

    /// « Masqué par la modération le … : motif » — the public trace of a hidden item, never who hid it.
    func hiddenPlaceholder(_ c: Contribution) -> String {
        if c.erasedAt != nil { return text("erased_contribution") }
        guard let note = c.hidden else { return text("hidden_contribution") }
        let params = ["date": deps.catalogue.date(note.at, lang), "reason": reasonLabel(note.reason)]
        return text(note.byReports ? "hidden_placeholder_reports" : "hidden_placeholder", params)
    }

    /// Where a participant's own unpublished item stands: held, rejected (reason), hidden (reason).
    func moderationState(_ c: Contribution) -> String {
        switch c.status {
        case .pending: return text("moderation_state_pending")
        case .rejected:
            return text("moderation_state_rejected", ["reason": c.hidden.map { reasonLabel($0.reason) } ?? text("moderation_reason_none")])
        case .published:
            return c.isHidden ? hiddenPlaceholder(c) : text("moderation_state_published")
        }
    }

    /// Date and time in Paris, for journals and queues.
    func dateTime(_ d: Date) -> String {
        d.formatted(Date.FormatStyle(date: .abbreviated, time: .shortened, locale: Locale(identifier: lang == .fr ? "fr_FR" : "en_GB"), timeZone: Catalogue.paris))
    }

    /// The select options of charter reasons, one selected.
    func reasonOptions(_ reasons: [ModerationReason], selected: ModerationReason?) -> [[String: Any]] {
        reasons.map { ["value": $0.rawValue, "label": reasonLabel($0), "selected": $0 == selected] }
    }
}
