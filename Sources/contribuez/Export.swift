import ArgumentParser
import ContribuezCore
import ContribuezOpenData
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `contribuez export …`: data out of the platform.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a consultation's data.",
        subcommands: [ExportOpenData.self, ExportPolis.self])
}

/// `contribuez export open-data ID --out FILE.zip`: the consultation's open-data package, as served at
/// /consultations/{id}/donnees.zip, whether or not it is public yet (the command line acts with the
/// machine's authority).
struct ExportOpenData: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open-data",
        abstract: "Write a consultation's open-data package (Frictionless Data Package, ZIP) to a file.",
        discussion: """
            The package is streamed from the database with bounded memory and written to a temporary file next to
            FILE, renamed to FILE only once complete: an interrupted export leaves nothing half-written.
            Progress (tables and rows) goes to stderr. Check it with: contribuez verify FILE.zip
            """)
    @OptionGroup var db: DatabaseOptions
    @Argument(help: "The consultation's id.") var consultation: Int64
    @Option(name: .shortAndLong, help: "The ZIP file to write (replaced if it exists).") var out: String
    @Flag(help: "No progress on stderr.") var quiet = false

    func run() async throws {
        let target = URL(fileURLWithPath: out)
        let directory = target.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("cannot write \(out): the folder \(directory.path) does not exist")
        }
        if FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ValidationError("cannot write \(out): it is a folder")
        }
        let temporary = directory.appendingPathComponent(".\(target.lastPathComponent).\(getpid()).partial")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: temporary) else {
            throw ValidationError("cannot write \(out): permission denied in \(directory.path)")
        }
        var finished = false
        defer {
            try? handle.close()
            if !finished { try? FileManager.default.removeItem(at: temporary) }
        }
        // NB: an interrupted export (Ctrl-C, kill) must not leave its temporary file behind either.
        let cleanup = TemporaryFileCleanup(path: temporary.path)
        defer { cleanup.cancel() }

        let store = try await db.open()
        guard consultation > 0, let c = try await store.consultation(id: consultation) else {
            throw ValidationError("no consultation with id \(consultation) in \(db.displayName)")
        }
        let started = Date()
        let bar = ProgressBar(enabled: !quiet)
        let sink = try await OpenDataPackage.write(
            consultation: c, store: store, exportedAt: Date(), to: FileSink(handle: handle), progress: { bar.show($0) })
        try handle.synchronize()
        try handle.close()
        guard rename(temporary.path, target.path) == 0 else {
            throw ValidationError("cannot write \(out): \(String(cString: strerror(errno)))")
        }
        finished = true
        bar.done()
        let seconds = Date().timeIntervalSince(started)
        print("wrote \(out): \(sink.written) bytes, \(bar.totalRows) rows in \(String(format: "%.1f", seconds)) s (consultation \(c.id), \(c.slug))")
    }
}

/// Removes a temporary file when SIGINT or SIGTERM stops the process, then exits as the signal would.
final class TemporaryFileCleanup: @unchecked Sendable {
    let sources: [any DispatchSourceSignal]

    init(path: String) {
        sources = [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                unlink(path)
                _exit(128 + sig)
            }
            source.resume()
            return source
        }
    }

    func cancel() {
        for s in sources { s.cancel() }
        signal(SIGINT, SIG_DFL); signal(SIGTERM, SIG_DFL)
    }
}

/// A one-line progress bar on stderr (a line per table when stderr is not a terminal).
final class ProgressBar: @unchecked Sendable {
    let enabled: Bool
    let isTerminal = isatty(STDERR_FILENO) == 1
    var last = Date.distantPast
    private(set) var totalRows: Int64 = 0

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ p: OpenDataProgress) {
        totalRows = p.totalRows
        guard enabled else { return }
        let now = Date()
        if isTerminal {
            guard p.tableDone || now.timeIntervalSince(last) >= 0.1 else { return }
            last = now
            let width = 24
            let filled = width * (p.tableIndex - (p.tableDone ? 0 : 1)) / max(1, p.tableCount)
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            write("\r\u{1B}[2K[\(bar)] \(p.tableIndex)/\(p.tableCount) \(p.table): \(p.rows) rows (total \(p.totalRows))")
        } else if p.tableDone {
            write("[\(p.tableIndex)/\(p.tableCount)] \(p.table): \(p.rows) rows (total \(p.totalRows))\n")
        }
    }

    func done() { if enabled && isTerminal { write("\n") } }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}
