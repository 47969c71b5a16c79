import ArgumentParser
import ContribuezAnalysis
import ContribuezCore
import ContribuezSynthesis
import Foundation

/// Writes one line to standard error (the stable JSON goes to standard output only).
private func synthesisStderr(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

private func writeStdout(_ data: Data) {
    FileHandle.standardOutput.write(data)
    if data.last != UInt8(ascii: "\n") { FileHandle.standardOutput.write(Data("\n".utf8)) }
}

struct AnalyzeGroups: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups", abstract: "Opinion groups of a Polis openData conversation, as JSON.")

    @Option(name: .long, help: "Polis openData conversation folder (participants-votes.csv, comments.csv).")
    var polis: String
    @Option(name: .long, help: "Seed of the random restarts (the same seed gives the same output).")
    var seed: UInt64 = 0

    func run() async throws {
        do {
            writeStdout(try PolisOpenData.polisGroupsJSON(directory: URL(fileURLWithPath: polis), seed: seed))
        } catch let error as PolisOpenData.ReadError {
            synthesisStderr("error: \(error.description)")
            throw ExitCode(2)
        } catch {
            synthesisStderr("error: cannot analyse \(polis): \(error)")
            throw ExitCode(1)
        }
    }
}

struct AnalyzeDuplicates: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "duplicates", abstract: "Clusters of identical and near-identical texts in a CSV file, as JSON.")

    @Option(name: .long, help: "CSV file with a header row.") var csv: String
    @Option(name: .customLong("id-column"), help: "Column holding the ids.") var idColumn: String
    @Option(name: .customLong("text-column"), help: "Column holding the texts.") var textColumn: String
    @Option(name: .long, help: "Jaccard similarity of character 5-grams, in (0, 1].") var threshold: Double = 0.7

    func validate() throws {
        guard threshold > 0, threshold <= 1 else { throw ValidationError("--threshold must be in (0, 1], got \(threshold)") }
    }

    func run() async throws {
        let url = URL(fileURLWithPath: csv)
        guard FileManager.default.fileExists(atPath: url.path) else {
            synthesisStderr("error: \(csv): file not found")
            throw ExitCode(2)
        }
        do {
            writeStdout(try DuplicateDetector.duplicatesJSON(csv: url, idColumn: idColumn, textColumn: textColumn, threshold: threshold))
        } catch let error as DuplicatesError {
            synthesisStderr("error: \(csv): \(error.description)")
            throw ExitCode(2)
        } catch {
            synthesisStderr("error: cannot read \(csv): \(error.localizedDescription)")
            throw ExitCode(1)
        }
    }
}

struct AnalyzeConsultation: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consultation", abstract: "Run the synthesis of a consultation and store its results.",
        discussion: "Prints each step with its time and memory (resident and peak), and the rows read within the reading step.")
    @OptionGroup var db: DatabaseOptions
    @Argument(help: "Id of the consultation.") var id: Int64
    @Option(name: .long, help: "Jaccard threshold of near-identical texts, in (0, 1].") var threshold: Double = 0.7
    @Flag(name: .long, help: "Start from the previous run's state when it can be replayed (vote changes since it), else from scratch.")
    var incremental = false

    func validate() throws {
        guard threshold > 0, threshold <= 1 else { throw ValidationError("--threshold must be in (0, 1], got \(threshold)") }
    }

    func run() async throws {
        let store = try await db.open()
        guard try await store.consultation(id: id) != nil else { throw ValidationError("no consultation with the id \(id)") }
        var options = Synthesis.Options()
        options.duplicateThreshold = threshold
        options.incremental = incremental
        let clock = SystemClock()
        guard let run = try await Synthesis.start(store: store, consultationID: id, clock: clock, options: options) else {
            synthesisStderr("error: a synthesis of consultation \(id) is already running")
            throw ExitCode(3)
        }
        let terminal = isatty(STDOUT_FILENO) == 1
        let steps = StepClock()
        let done = await Synthesis.execute(run, store: store, clock: clock, options: options, detail: { p in
            let line: String
            if p.total > 0 {
                line = "  \(p.stage.rawValue): \(p.unit) \(grouped(p.done)) / \(grouped(p.total))  (\(Int(p.fraction * 100))%)"
            } else {
                if let finished = steps.next(p.stage.rawValue) { print(finished) }
                line = "\(p.stage.rawValue) (\(Int(p.fraction * 100))%)" + (p.note.map { " — \($0)" } ?? "")
            }
            if terminal && p.total > 0 {
                FileHandle.standardOutput.write(Data(("\r" + line.padding(toLength: 70, withPad: " ", startingAt: 0)).utf8))
            } else {
                if terminal { FileHandle.standardOutput.write(Data("\n".utf8)) }
                print(line)
            }
        })
        switch done.status {
        case .succeeded:
            if let stored = try await store.latestSynthesisResult(consultationID: id),
               let report = try? SynthesisReport.decoder.decode(SynthesisReport.self, from: stored.json) {
                print("synthesis run \(done.id) of consultation \(id) stored: \(report.tallies.count) targets ranked, \(report.groups.groups.count) opinion groups over \(report.groups.clustered) of \(report.groups.voters) voters, \(report.clusters.count) clusters of near-identical contributions")
            }
        default:
            synthesisStderr("error: synthesis run \(done.id) failed: \(done.failure ?? "unknown")")
            throw ExitCode(1)
        }
    }
}

/// 10000000 → "10,000,000".
private func grouped(_ n: Int) -> String {
    let digits = Array(String(n))
    var out = ""
    for (i, d) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(d)
    }
    return out
}

/// Times the steps of a run and reads the process's memory at each boundary (VmRSS, VmHWM).
private final class StepClock: @unchecked Sendable {
    private var current: (name: String, start: Date)?
    private let lock = NSLock()

    /// Starts step `name`; returns the line describing the step that just ended.
    func next(_ name: String) -> String? {
        lock.withLock {
            defer { current = (name, Date()) }
            guard let c = current else { return nil }
            let seconds = Date().timeIntervalSince(c.start)
            let memory = ProcessMemory.current().map { " rss \($0.resident >> 20) MB, peak \($0.peak >> 20) MB" } ?? ""
            return "  step \(c.name): \(String(format: "%.1f", seconds)) s,\(memory)"
        }
    }
}
