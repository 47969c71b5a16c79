import ContribuezCore
import Foundation

extension Synthesis {
    /// Scheduled synthesis runs: each published consultation is analysed again once its latest run is
    /// older than a period and something changed since (votes, contributions, moderation). Runs go one
    /// at a time, so a node never analyses two large consultations at once.
    public enum Scheduler {
        /// Why a consultation is (or is not) due.
        public enum Decision: String, Sendable, Equatable {
            /// Never analysed, and it has votes or contributions.
            case firstRun
            /// The latest run is older than the period and there was activity since it started.
            case newActivity
            /// The latest run failed and is older than the period: try again.
            case retryFailed
            case notPublished, nothingToAnalyse, recent, running, noActivity
            public var isDue: Bool { self == .firstRun || self == .newActivity || self == .retryFailed }
        }

        /// Whether one consultation is due for a run at `now`.
        public static func decision(
            for c: Consultation, store: any Store & SynthesisActivityStore, now: Date, every: TimeInterval,
            staleAfter: TimeInterval = Options().staleAfter
        ) async throws -> Decision {
            guard c.isPublished else { return .notPublished }
            guard let latest = try await store.latestSynthesisRun(consultationID: c.id) else {
                return try await store.synthesisHasActivity(consultationID: c.id, after: nil) ? .firstRun : .nothingToAnalyse
            }
            // A running run that stopped reporting is taken over by `start` (staleAfter); a live one is left alone.
            if latest.status == .running { return now.timeIntervalSince(latest.updatedAt) >= staleAfter ? .retryFailed : .running }
            guard now.timeIntervalSince(latest.startedAt) >= every else { return .recent }
            if latest.status == .failed { return .retryFailed }
            // NB: compared with the start of the run, not its end: what changed while it ran is not in it.
            return try await store.synthesisHasActivity(consultationID: c.id, after: latest.startedAt) ? .newActivity : .noActivity
        }

        /// The lease of the scheduled job in `job_leases` (issue 11).
        public static let leaseName = "synthesis-scheduler"
        /// This process, as the holder of leases.
        public static let nodeID = "node-" + UUID().uuidString.lowercased()

        /// Starts and completes, one after the other, a run for every published consultation that is due.
        /// Returns the runs as they ended (succeeded or failed); a consultation already running is skipped.
        ///
        /// NB: several nodes, one scheduler: each decision and the start it leads to are made under the
        /// job's lease, taken (or renewed) for `staleAfter` before each consultation and given back at the
        /// end. A node that finds the lease held by another stops its round: the other one does the job.
        /// (Without it, a node that judged a consultation due just before another node's run ended would
        /// run it a second time.)
        @discardableResult
        public static func runDue(
            store: any Store & SynthesisActivityStore, clock: any Clock, every: TimeInterval, options: Options = .init(),
            holder: String = nodeID
        ) async throws -> [SynthesisRun] {
            var done: [SynthesisRun] = []
            var held = false
            defer {
                if held { Task { [store] in try? await store.releaseLease(name: leaseName, holder: holder) } }
            }
            for c in try await store.consultations() {
                let now = clock.now()
                guard try await store.acquireLease(name: leaseName, holder: holder, at: now, until: now.addingTimeInterval(max(60, options.staleAfter)))
                else { break }
                held = true
                guard try await decision(for: c, store: store, now: now, every: every, staleAfter: options.staleAfter).isDue,
                      let run = try await Synthesis.start(store: store, consultationID: c.id, clock: clock, options: options)
                else { continue }
                done.append(await Synthesis.execute(run, store: store, clock: clock, options: options))
            }
            if held {
                held = false
                try await store.releaseLease(name: leaseName, holder: holder)
            }
            return done
        }

        /// Runs `runDue` every `checkEvery` until the task is cancelled (the server's shutdown). Errors are
        /// reported to `log` and the loop goes on: a busy database must not stop future syntheses.
        public static func run(
            store: any Store & SynthesisActivityStore, clock: any Clock, every: TimeInterval,
            checkEvery: Duration = .seconds(60), options: Options = .init(), log: @Sendable (String) -> Void = { _ in }
        ) async {
            while !Task.isCancelled {
                do {
                    for run in try await runDue(store: store, clock: clock, every: every, options: options) {
                        log("synthesis run \(run.id) of consultation \(run.consultationID): \(run.status.rawValue)")
                    }
                } catch {
                    log("scheduled synthesis failed: \(error)")
                }
                do { try await Task.sleep(for: checkEvery) } catch { return }
            }
        }
    }
}
