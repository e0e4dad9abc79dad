import Foundation
public import ServiceLifecycle
public import Synchronization

/// The runner as a service, so SIGINT/SIGTERM stop it cleanly (held frames sent, recording
/// closed, truth written for what was sent).
public final class SimService: Service, Sendable {
    public let runner: FleetRunner
    /// The run's report once the runner has returned; nil before, or if it failed.
    public let report = Mutex<FleetRunner.Report?>(nil)

    public init(runner: FleetRunner) {
        self.runner = runner
    }

    public func run() async throws {
        let runner = self.runner
        let result = try await withGracefulShutdownHandler {
            try await runner.run()
        } onGracefulShutdown: {
            runner.requestStop()
        }
        report.withLock { $0 = result }
    }
}

/// CPU time (user + system) of the whole process so far.
public func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(0, &usage)  // RUSAGE_SELF
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
        + Double(usage.ru_stime.tv_usec) / 1e6
}
