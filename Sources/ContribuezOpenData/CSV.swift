import ContribuezAnalysis
import Foundation

/// One cell of an open-data CSV row. Text cells are neutralised for spreadsheets; numbers never are.
public enum CSVCell: Sendable, Equatable {
    /// Free text (what people wrote, names, labels): neutralised, quoted when needed.
    case text(String)
    /// An integer, written as is.
    case int(Int64)
    /// A decimal number, written with up to 17 significant digits and a '.' separator.
    case number(Double)
    /// No value (an empty cell).
    case empty

    public static func text(_ s: String?) -> CSVCell { s.map { .text($0) } ?? .empty }
    public static func int(_ v: Int64?) -> CSVCell { v.map { .int($0) } ?? .empty }
    public static func int(_ v: Int) -> CSVCell { .int(Int64(v)) }
    public static func int(_ v: Int?) -> CSVCell { v.map { .int(Int64($0)) } ?? .empty }
}

/// Writes RFC 4180 CSV: comma separator, CRLF line ends, fields quoted when they hold a comma, a
/// quote, CR or LF (quotes doubled), text cells neutralised (see `Neutralisation`).
public enum CSVWriter {
    /// Appends one row (with its CRLF) to `out`.
    public static func append(_ row: [CSVCell], to out: inout [UInt8]) {
        for (i, cell) in row.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            switch cell {
            case .empty: break
            case .int(let v): out.append(contentsOf: String(v).utf8)
            case .number(let v): out.append(contentsOf: format(v).utf8)
            case .text(let s): appendText(s, to: &out)
            }
        }
        out.append(0x0D); out.append(0x0A)
    }

    /// A header row: names as plain text cells (they are never neutralised: they are ours).
    public static func header(_ names: [String], to out: inout [UInt8]) {
        for (i, n) in names.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: n.utf8)
        }
        out.append(0x0D); out.append(0x0A)
    }

    static func appendText(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { u in
            let neutral = Neutralisation.applies(u, reading: false)
            var quote = false
            for b in u where b == 0x2C || b == 0x22 || b == 0x0A || b == 0x0D { quote = true; break }
            if quote { out.append(0x22) }
            if neutral { out.append(Neutralisation.apostrophe) }
            if quote {
                for b in u {
                    out.append(b)
                    if b == 0x22 { out.append(0x22) }
                }
                out.append(0x22)
            } else {
                out.append(contentsOf: u)
            }
        }
    }

    /// Shortest text that reads back as the same Double; integers without ".0".
    public static func format(_ v: Double) -> String {
        if v.isNaN || v.isInfinite { return "" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}

/// Reads RFC 4180 CSV from a stream of chunks (quoted fields may hold commas, quotes and line ends;
/// lines may end with CRLF or LF). Fields come back raw: apply `Neutralisation.restore` to text
/// columns (`OpenDataFormat.Table.restore` does it from the table's schema).
public struct CSVReader {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unterminatedQuote(line: Int)
        case invalidUTF8(line: Int)
        case strayQuote(line: Int)

        public var description: String {
            switch self {
            case .unterminatedQuote(let l): return "line \(l): a quoted field is not closed"
            case .invalidUTF8(let l): return "line \(l): not UTF-8"
            case .strayQuote(let l): return "line \(l): a quote inside an unquoted field"
            }
        }
    }

    let nextChunk: () throws -> [UInt8]?
    var buffer: [UInt8] = []
    var index = 0
    var exhausted = false
    /// The line the next record starts on (1-based; a quoted line end counts).
    public private(set) var line = 1

    /// Reads from successive chunks (for instance `ZipReader.EntryStream.next`).
    public init(chunks: @escaping () throws -> [UInt8]?) { self.nextChunk = chunks }

    /// Reads from bytes in memory.
    public init(bytes: [UInt8]) {
        var given = false
        self.nextChunk = { if given { return nil }; given = true; return bytes }
    }

    /// Reads a ZIP entry.
    public init(zip: ZipReader, entry: String) throws {
        var stream = try zip.open(entry)
        self.nextChunk = { try stream.next() }
    }

    mutating func byte() throws -> UInt8? {
        while index >= buffer.count {
            if exhausted { return nil }
            guard let chunk = try nextChunk() else { exhausted = true; return nil }
            buffer = chunk; index = 0
        }
        defer { index += 1 }
        return buffer[index]
    }

    mutating func peek() throws -> UInt8? {
        guard let b = try byte() else { return nil }
        index -= 1
        return b
    }

    /// The next record's fields, or nil at the end. A UTF-8 byte order mark at the start is skipped.
    public mutating func next() throws -> [String]? {
        guard try peek() != nil else { return nil }
        if line == 1, index == 0, buffer.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var inQuotes = false
        let startLine = line
        func finish() throws {
            guard let s = String(bytes: field, encoding: .utf8) else { throw Failure.invalidUTF8(line: startLine) }
            fields.append(s); field.removeAll(keepingCapacity: true); quoted = false
        }
        while true {
            guard let b = try byte() else {
                if inQuotes { throw Failure.unterminatedQuote(line: startLine) }
                try finish()
                return fields
            }
            if inQuotes {
                if b == 0x22 {
                    if try peek() == 0x22 { _ = try byte(); field.append(0x22) } else { inQuotes = false }
                } else {
                    if b == 0x0A { line += 1 }
                    field.append(b)
                }
                continue
            }
            switch b {
            case 0x2C: try finish()
            case 0x22:
                guard field.isEmpty, !quoted else { throw Failure.strayQuote(line: line) }
                inQuotes = true; quoted = true
            case 0x0D where try peek() == 0x0A:
                _ = try byte(); line += 1; try finish(); return fields
            case 0x0A:
                line += 1; try finish(); return fields
            default:
                if quoted { throw Failure.strayQuote(line: line) }
                field.append(b)
            }
        }
    }
}
