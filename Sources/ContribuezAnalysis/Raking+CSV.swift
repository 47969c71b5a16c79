import Foundation

/// Everything that can stop a raking, with a message a person can act on.
public enum RakingError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The CSV text itself is broken (unterminated quote, empty file).
    case malformedCSV(file: String, message: String)
    case missingColumn(file: String, column: String)
    /// A share that is not a number. `line` counts records, the header being 1.
    case invalidShare(dimension: String, category: String, value: String, line: Int?)
    case negativeShare(dimension: String, category: String, share: Double)
    case duplicateCategory(dimension: String, category: String)
    case duplicateDimension(String)
    case emptyMargin(String)
    case sharesDoNotSumToOne(dimension: String, sum: Double, tolerance: Double)
    /// Uploaded margins name a dimension the product does not declare.
    case unknownDimension(String, declared: [String])
    /// Uploaded margins name a category the declared dimension does not have.
    case unknownMarginCategory(dimension: String, category: String, declared: [String])
    /// A respondents column with no margin for it.
    case dimensionWithoutMargins(String)
    /// A margin dimension with no respondents column.
    case marginWithoutColumn(String)
    /// A respondent answered a category the margins do not have.
    case unknownCategory(dimension: String, category: String, respondent: String, line: Int)
    /// A category with a positive share but no respondent: no weight can produce it.
    case categoryWithoutRespondents(dimension: String, category: String, share: Double)
    case invalidBaseWeight(respondent: String, line: Int, value: String)
    case baseWeightCountMismatch(respondents: Int, baseWeights: Int)
    case duplicateRespondent(id: String, line: Int)
    case invalidTrim(low: Double, high: Double)
    /// `--trim` is not two numbers separated by a comma.
    case malformedTrim(String)
    /// A category's target cannot be reached with weights inside the trimming bounds.
    case infeasibleTrim(dimension: String, category: String, requiredMeanWeight: Double, low: Double, high: Double)
    case noRespondents(excluded: Int)
    case dimensionCountMismatch(codes: Int, margins: Int)
    case invalidCode(dimension: String, respondent: Int, code: Int)
    /// Every respondent of a category with a positive target got weight 0 from another margin.
    case cannotConverge(dimension: String, category: String)
    case notConverged(iterations: Int, maxRelativeError: Double, tolerance: Double)

    public var description: String {
        switch self {
        case .malformedCSV(let file, let message):
            return "\(file): \(message)"
        case .missingColumn(let file, let column):
            return "\(file): missing column \"\(column)\""
        case .invalidShare(let dimension, let category, let value, let line):
            let place = line.map { " (line \($0))" } ?? ""
            return "margins: share \"\(value)\" of \(dimension) = \(category) is not a number\(place)"
        case .negativeShare(let dimension, let category, let share):
            return "margins: share of \(dimension) = \(category) is negative (\(share))"
        case .duplicateCategory(let dimension, let category):
            return "margins: \(dimension) = \(category) appears twice"
        case .duplicateDimension(let dimension):
            return "margins: dimension \(dimension) appears twice"
        case .emptyMargin(let dimension):
            return "margins: dimension \(dimension) has no category (or more than 65,534)"
        case .sharesDoNotSumToOne(let dimension, let sum, let tolerance):
            return "margins: shares of \(dimension) sum to \(sum), not 1 (tolerance \(tolerance))"
        case .unknownDimension(let dimension, let declared):
            return "margins: unknown dimension \"\(dimension)\" (expected one of: \(declared.joined(separator: ", ")))"
        case .unknownMarginCategory(let dimension, let category, let declared):
            return "margins: unknown category \"\(category)\" for \(dimension) (expected one of: \(declared.joined(separator: ", ")))"
        case .dimensionWithoutMargins(let dimension):
            return "respondents: column \"\(dimension)\" has no margins"
        case .marginWithoutColumn(let dimension):
            return "respondents: no column for the margin dimension \"\(dimension)\""
        case .unknownCategory(let dimension, let category, let respondent, let line):
            return "respondents: \(dimension) = \"\(category)\" of respondent \(respondent) (line \(line)) is not a category of the margins"
        case .categoryWithoutRespondents(let dimension, let category, let share):
            return "cannot converge: \(dimension) = \(category) has share \(share) but no respondent"
        case .invalidBaseWeight(let respondent, let line, let value):
            return "respondents: base_weight \"\(value)\" of respondent \(respondent) (line \(line)) is not a positive number"
        case .baseWeightCountMismatch(let respondents, let baseWeights):
            return "\(baseWeights) base weights for \(respondents) respondents"
        case .duplicateRespondent(let id, let line):
            return "respondents: id \(id) appears twice (line \(line))"
        case .malformedTrim(let text):
            return "--trim \"\(text)\" is not LOW,HIGH (e.g. 0.2,5)"
        case .invalidTrim(let low, let high):
            return "trim bounds \(low),\(high) must satisfy 0 ≤ LOW ≤ 1 ≤ HIGH"
        case .infeasibleTrim(let dimension, let category, let mean, let low, let high):
            return "trim bounds \(low),\(high) are infeasible: \(dimension) = \(category) needs a mean weight of \(mean)"
        case .noRespondents(let excluded):
            return "no respondent answered every dimension (\(excluded) excluded)"
        case .dimensionCountMismatch(let codes, let margins):
            return "\(codes) code columns of unequal length or for \(margins) margins"
        case .invalidCode(let dimension, let respondent, let code):
            return "code \(code) of respondent \(respondent) is out of range for \(dimension)"
        case .cannotConverge(let dimension, let category):
            return "cannot converge: every respondent of \(dimension) = \(category) got weight 0 from another margin"
        case .notConverged(let iterations, let error, let tolerance):
            return "no convergence after \(iterations) iterations: max relative margin error \(error) > \(tolerance)"
        }
    }
}

extension Raking {
    /// Parses margins in the documented CSV format, header `dimension,category,share`, one
    /// row per category, shares of one dimension summing to 1 (tolerance 1e-6).
    ///
    /// Fields are trimmed of surrounding spaces. With `declared` (dimension → allowed
    /// categories, e.g. the profile questionnaire's), a dimension or category outside it is
    /// an error: that is how an organiser's upload is checked. Dimensions keep the file's order.
    public static func parseMargins(
        csv text: String, declared: [String: [String]]? = nil
    ) throws(RakingError) -> [Margin] {
        let table: CSVTable
        do { table = try CSVTable(text: text) } catch { throw .malformedCSV(file: "margins", message: "\(error)") }
        let header = table.header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        func column(_ name: String) throws(RakingError) -> Int {
            guard let i = header.firstIndex(of: name) else { throw .missingColumn(file: "margins", column: name) }
            return i
        }
        let dc = try column("dimension"), cc = try column("category"), sc = try column("share")
        var margins: [Margin] = []
        var position: [String: Int] = [:]
        for (r, row) in table.rows.enumerated() {
            let line = r + 2
            let dimension = CSVTable.value(row, dc).trimmingCharacters(in: .whitespaces)
            let category = CSVTable.value(row, cc).trimmingCharacters(in: .whitespaces)
            let raw = CSVTable.value(row, sc).trimmingCharacters(in: .whitespaces)
            if dimension.isEmpty && category.isEmpty && raw.isEmpty { continue }
            guard let share = Double(raw), share.isFinite else {
                throw .invalidShare(dimension: dimension, category: category, value: raw, line: line)
            }
            if let declared {
                guard let allowed = declared[dimension] else {
                    throw .unknownDimension(dimension, declared: declared.keys.sorted())
                }
                guard allowed.contains(category) else {
                    throw .unknownMarginCategory(dimension: dimension, category: category, declared: allowed)
                }
            }
            guard share >= 0 else { throw .negativeShare(dimension: dimension, category: category, share: share) }
            if let p = position[dimension] {
                margins[p].categories.append(category)
                margins[p].shares.append(share)
            } else {
                position[dimension] = margins.count
                margins.append(Margin(dimension: dimension, categories: [category], shares: [share]))
            }
        }
        _ = try validatedShares(margins)
        return margins
    }

    /// Respondents read from `R.csv`, encoded against margins.
    public struct EncodedRespondents: Sendable {
        public var ids: [String]
        /// Margins in the order of `codes`.
        public var margins: [Margin]
        public var codes: [[UInt16]]
        public var baseWeights: [Double]?
    }

    /// Reads `R.csv` (header `id,<dimension>…`, optional `base_weight`; empty = unanswered)
    /// and encodes its answers against `margins`. Every column other than `id` and
    /// `base_weight` must be a margin dimension and vice versa, so that a misspelt header
    /// fails instead of being silently ignored.
    public static func encodeRespondents(csv text: String, margins: [Margin]) throws(RakingError) -> EncodedRespondents {
        var header: [String]? = nil
        var idColumn = -1, baseColumn: Int? = nil
        var dimensionColumns: [Int] = []
        var orderedMargins: [Margin] = []
        var lookups: [[String: UInt16]] = []
        var ids: [String] = []
        var seenIds = Set<String>()
        var codes: [[UInt16]] = []
        var baseWeights: [Double] = []
        var line = 0
        // NB: growing a 1M-entry Set and arrays by doubling cost more than the parse itself;
        // the number of line feeds bounds the number of rows.
        let lineFeeds = text.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        } ?? 0
        seenIds.reserveCapacity(lineFeeds + 1)
        ids.reserveCapacity(lineFeeds + 1)
        do {
            try CSV.forEachRow(text) { row in
                line += 1
                guard header != nil else {
                    let names = row.map { $0.trimmingCharacters(in: .whitespaces) }
                    header = names
                    guard let i = names.firstIndex(of: "id") else {
                        throw RakingError.missingColumn(file: "respondents", column: "id")
                    }
                    idColumn = i
                    baseColumn = names.firstIndex(of: "base_weight")
                    let byName = Dictionary(margins.map { ($0.dimension, $0) }, uniquingKeysWith: { a, _ in a })
                    for (j, name) in names.enumerated() where j != idColumn && j != baseColumn {
                        guard let margin = byName[name] else { throw RakingError.dimensionWithoutMargins(name) }
                        dimensionColumns.append(j)
                        orderedMargins.append(margin)
                        var lookup: [String: UInt16] = [:]
                        for (c, category) in margin.categories.enumerated() { lookup[category] = UInt16(c) }
                        lookups.append(lookup)
                    }
                    for margin in margins where !names.contains(margin.dimension) {
                        throw RakingError.marginWithoutColumn(margin.dimension)
                    }
                    codes = Array(repeating: [], count: dimensionColumns.count)
                    for d in codes.indices { codes[d].reserveCapacity(lineFeeds + 1) }
                    return
                }
                let id = CSVTable.value(row, idColumn)
                guard seenIds.insert(id).inserted else { throw RakingError.duplicateRespondent(id: id, line: line) }
                ids.append(id)
                for (d, j) in dimensionColumns.enumerated() {
                    var label = CSVTable.value(row, j)
                    if let code = lookups[d][label] {
                        codes[d].append(code)
                        continue
                    }
                    label = label.trimmingCharacters(in: .whitespaces)
                    if label.isEmpty {
                        codes[d].append(unanswered)
                    } else if let code = lookups[d][label] {
                        codes[d].append(code)
                    } else {
                        throw RakingError.unknownCategory(
                            dimension: orderedMargins[d].dimension, category: label, respondent: id, line: line)
                    }
                }
                if let baseColumn {
                    let raw = CSVTable.value(row, baseColumn).trimmingCharacters(in: .whitespaces)
                    guard let b = Double(raw), b.isFinite, b > 0 else {
                        throw RakingError.invalidBaseWeight(respondent: id, line: line, value: raw)
                    }
                    baseWeights.append(b)
                }
            }
        } catch let error as RakingError {
            throw error
        } catch {
            throw .malformedCSV(file: "respondents", message: "\(error)")
        }
        guard header != nil else { throw .malformedCSV(file: "respondents", message: CSV.ParseError.emptyFile.description) }
        return EncodedRespondents(
            ids: ids, margins: orderedMargins, codes: codes, baseWeights: baseColumn == nil ? nil : baseWeights)
    }

    /// The exact output of `contribuez analyze reweight --respondents R.csv --margins M.csv [--trim LOW,HIGH]`.
    ///
    /// - Returns: `csv`, the stdout: header `id,weight`, then one line per *weighted*
    ///   respondent in input order. Respondents with an unanswered dimension are left out of
    ///   the file (they have no weight; the report counts them), so the weights listed have
    ///   mean 1 and sum to the number of lines. Weights are printed in Swift's shortest
    ///   round-trip form (e.g. `0.8731203771180463`), identical on every platform.
    ///   `report`, the JSON convergence report (`Raking.Report`, sorted keys, pretty-printed).
    public static func reweightCSV(
        respondents: String, margins: String, trim: (Double, Double)? = nil
    ) throws(RakingError) -> (csv: String, report: Data) {
        let parsed = try parseMargins(csv: margins)
        let encoded = try encodeRespondents(csv: respondents, margins: parsed)
        let options = Options(trim: trim.map { Trim(low: $0.0, high: $0.1) })
        let result = try rake(
            codes: encoded.codes, margins: encoded.margins, baseWeights: encoded.baseWeights, options: options)
        var out: [UInt8] = []
        out.reserveCapacity(32 * encoded.ids.count + 10)
        out.append(contentsOf: "id,weight\n".utf8)
        for (i, id) in encoded.ids.enumerated() where result.isWeighted[i] {
            out.append(contentsOf: csvField(id).utf8)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: String(result.weights[i]).utf8)
            out.append(UInt8(ascii: "\n"))
        }
        return (String(decoding: out, as: UTF8.self), reportJSON(result.report))
    }

    /// The report as stable JSON (sorted keys, pretty-printed).
    public static func reportJSON(_ report: Report) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // NB: every number in a report is finite, so encoding cannot fail.
        return (try? encoder.encode(report)) ?? Data()
    }

    /// Parses the `--trim LOW,HIGH` argument, e.g. "0.2,5".
    public static func parseTrim(_ text: String) throws(RakingError) -> Trim {
        let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let low = parts[0], let high = parts[1] else {
            throw .malformedTrim(text)
        }
        guard low >= 0, low <= 1, high >= 1, high.isFinite else { throw .invalidTrim(low: low, high: high) }
        return Trim(low: low, high: high)
    }

    /// A respondent id as a CSV field: quoted when needed, and neutralised for spreadsheets unless it is a number.
    static func csvField(_ raw: String) -> String {
        let s = Double(raw) != nil ? raw : Neutralisation.neutralise(raw)
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }
}
