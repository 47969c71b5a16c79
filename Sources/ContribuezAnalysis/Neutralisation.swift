import Foundation

/// Spreadsheet neutralisation ("CSV injection"): a text cell that starts with `=`, `+`, `-`, `@`, a tab
/// or a carriage return would be run as a formula by spreadsheets, so it is written with one more
/// leading apostrophe (`=SUM(A1)` → `'=SUM(A1)`). So that the rule can be undone exactly, a text that
/// already starts with apostrophes followed by one of those characters gets one more as well
/// (`'=x` → `''=x`). Readers remove one leading apostrophe from a text cell when, after its leading
/// apostrophes, comes one of those characters. Numeric columns are never touched (-1 stays -1).
/// NB: here, in the target every CSV writer of the project can reach (open data, personal exports, synthesis
/// downloads, the Polis export, raking weights), so that there is one rule.
public enum Neutralisation {
    public static let triggers: Set<UInt8> = [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D]
    public static let apostrophe = UInt8(ascii: "'")

    /// True when the text needs (when writing) or carries (when reading) the extra apostrophe.
    public static func applies(_ utf8: some Collection<UInt8>, reading: Bool) -> Bool {
        var i = utf8.startIndex
        var quotes = 0
        while i != utf8.endIndex, utf8[i] == apostrophe { quotes += 1; i = utf8.index(after: i) }
        guard i != utf8.endIndex, triggers.contains(utf8[i]) else { return false }
        return reading ? quotes >= 1 : true
    }

    /// The text as written in the CSV.
    public static func neutralise(_ text: String) -> String {
        applies(text.utf8, reading: false) ? "'" + text : text
    }

    /// The text as it was before `neutralise`.
    public static func restore(_ cell: String) -> String {
        applies(cell.utf8, reading: true) ? String(cell.dropFirst()) : cell
    }
}

