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

        /// Starts and completes, one after the other, a run for every published consultation that is due.
        /// Returns the runs as they ended (succeeded or failed); a consultation already running is skipped.
        @discardableResult
        public static func runDue(
            store: any Store & SynthesisActivityStore, clock: any Clock, every: TimeInterval, options: Options = .init()
        ) async throws -> [SynthesisRun] {
            var done: [SynthesisRun] = []
            for c in try await store.consultations() {
                guard try await decision(for: c, store: store, now: clock.now(), every: every, staleAfter: options.staleAfter).isDue,
                      let run = try await Synthesis.start(store: store, consultationID: c.id, clock: clock, options: options)
                else { continue }
                done.append(await Synthesis.execute(run, store: store, clock: clock, options: options))
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
