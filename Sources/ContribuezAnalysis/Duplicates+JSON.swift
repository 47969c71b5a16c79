import Foundation

extension DuplicateDetector {
    /// The output of `contribuez analyze duplicates --csv FILE --id-column C --text-column C
    /// [--threshold J]`: `{"clusters":[["id","id"],["id","id","id"]]}` followed by a newline.
    /// Only clusters of two or more; ids in file order inside a cluster; clusters ordered
    /// by their first member. Byte-for-byte stable for the same input.
    ///
    /// - Throws: `DuplicatesError.invalidThreshold` when `threshold` is not in (0, 1]
    ///   (checked before the file is read), `.missingColumn` naming the absent column,
    ///   `.malformedCSV` for an empty file, an unterminated quote or a record too short to
    ///   hold the two columns; the file system's error when the file cannot be read.
    public static func duplicatesJSON(csv: URL, idColumn: String, textColumn: String, threshold: Double = 0.7)
        throws -> Data
    {
        let detector = try DuplicateDetector(threshold: threshold)
        let text = String(decoding: try Data(contentsOf: csv), as: UTF8.self)
        return try detector.duplicatesJSON(csvText: text, idColumn: idColumn, textColumn: textColumn)
    }

    /// `duplicatesJSON(csv:…)` on CSV text already in memory, with this detector's settings.
    public func duplicatesJSON(csvText: String, idColumn: String, textColumn: String) throws -> Data {
        let table: CSVTable
        do {
            table = try CSVTable(text: csvText)
        } catch let error as CSV.ParseError {
            if case .missingColumn(let name) = error { throw DuplicatesError.missingColumn(name) }
            throw DuplicatesError.malformedCSV(error.description)
        }
        guard table.hasColumn(idColumn) else { throw DuplicatesError.missingColumn(idColumn) }
        guard table.hasColumn(textColumn) else { throw DuplicatesError.missingColumn(textColumn) }
        let idIndex = try table.column(idColumn)
        let textIndex = try table.column(textColumn)
        let needed = max(idIndex, textIndex) + 1
        var texts: [(id: String, text: String)] = []
        texts.reserveCapacity(table.rows.count)
        for (r, row) in table.rows.enumerated() {
            guard row.count >= needed else {
                throw DuplicatesError.malformedCSV(
                    "record \(r + 2) has \(row.count) field(s), \(needed) needed for columns \"\(idColumn)\" and \"\(textColumn)\"")
            }
            texts.append((row[idIndex], row[textIndex]))
        }
        return Self.clustersJSON(clusters(texts: texts))
    }

    /// Encodes clusters of ids as `{"clusters":[[…],…]}` plus a newline, escaping per RFC 8259.
    public static func clustersJSON(_ clusters: [[String]]) -> Data {
        var out = Array("{\"clusters\":[".utf8)
        for (c, cluster) in clusters.enumerated() {
            if c > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            for (i, id) in cluster.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendJSONString(id, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: Array("]}\n".utf8))
        return Data(out)
    }

    private static func appendJSONString(_ s: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
