import Foundation

/// RFC 4180 CSV: quoted fields, doubled quotes, CR/LF or LF line ends,
/// newlines inside quoted fields. Pure and allocation-light enough for
/// files of a few hundred megabytes.
public enum CSV {
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case unterminatedQuote(line: Int)
        case missingColumn(String)
        case emptyFile

        public var description: String {
            switch self {
            case .unterminatedQuote(let line): return "unterminated quoted field starting on line \(line)"
            case .missingColumn(let name): return "missing column \"\(name)\""
            case .emptyFile: return "the file is empty (a header line is expected)"
            }
        }
    }

    /// Parses the whole text into rows of fields. A trailing newline does not make an empty row.
    public static func parse(_ text: String, separator: UInt8 = UInt8(ascii: ",")) throws -> [[String]] {
        var rows: [[String]] = []
        try forEachRow(text, separator: separator) { rows.append($0) }
        return rows
    }

    /// Streams rows to `body`, so a large file needs no second copy of all its rows.
    public static func forEachRow(
        _ text: String, separator: UInt8 = UInt8(ascii: ","), _ body: ([String]) throws -> Void
    ) throws {
        var text = text
        try text.withUTF8 { bytes in
            let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
            var row: [String] = []
            var field: [UInt8] = []
            var i = 0
            let n = bytes.count
            var line = 1
            var rowHasContent = false
            // Skip a UTF-8 byte order mark.
            if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
            func endField() {
                row.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            }
            while i < n {
                let c = bytes[i]
                if c == quote && field.isEmpty {
                    // Quoted field.
                    let startLine = line
                    i += 1
                    var closed = false
                    while i < n {
                        let d = bytes[i]
                        if d == quote {
                            if i + 1 < n && bytes[i + 1] == quote {
                                field.append(quote); i += 2; continue
                            }
                            closed = true; i += 1; break
                        }
                        if d == lf { line += 1 }
                        field.append(d); i += 1
                    }
                    if !closed { throw ParseError.unterminatedQuote(line: startLine) }
                    rowHasContent = true
                    continue
                }
                if c == separator {
                    endField(); rowHasContent = true; i += 1; continue
                }
                if c == cr || c == lf {
                    if c == cr && i + 1 < n && bytes[i + 1] == lf { i += 1 }
                    i += 1; line += 1
                    if rowHasContent || !field.isEmpty {
                        endField()
                        try body(row)
                    }
                    row.removeAll(keepingCapacity: true)
                    rowHasContent = false
                    continue
                }
                field.append(c); i += 1
            }
            if rowHasContent || !field.isEmpty {
                endField()
                try body(row)
            }
        }
    }
}

/// A CSV file with a header: rows addressed by column name.
public struct CSVTable: Sendable {
    public let header: [String]
    public let rows: [[String]]
    private let index: [String: Int]

    public init(text: String) throws {
        var all = try CSV.parse(text)
        guard !all.isEmpty else { throw CSV.ParseError.emptyFile }
        header = all.removeFirst()
        rows = all
        var index: [String: Int] = [:]
        for (i, name) in header.enumerated() where index[name] == nil { index[name] = i }
        self.index = index
    }

    public init(contentsOf url: URL) throws {
        try self.init(text: String(decoding: try Data(contentsOf: url), as: UTF8.self))
    }

    /// The position of a column, or a `missingColumn` error naming it.
    public func column(_ name: String) throws -> Int {
        guard let i = index[name] else { throw CSV.ParseError.missingColumn(name) }
        return i
    }

    public func hasColumn(_ name: String) -> Bool { index[name] != nil }

    /// The value of `column` in `row`, empty when the row is short.
    @inline(__always)
    public static func value(_ row: [String], _ column: Int) -> String {
        column < row.count ? row[column] : ""
    }
}
