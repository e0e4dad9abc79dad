import FleetRunner
import ServiceLifecycle
import Synchronization

/// The simulated fleet's place in the demo's `ServiceGroup`: listed last, it is the first to
/// hear a graceful shutdown (Ctrl-C, SIGTERM), asks the running fleet to stop after its
/// current step, and returns only once the fleet has finished: the ingester (earlier in the
/// group) is still acknowledging while the robots flush, and stops after them.
final class FleetStopService: Service, Sendable {
    private struct State {
        var runner: FleetRunner?
        var finished = false
        var stopRequested = false
    }

    private let state = Mutex(State())
    private let finishedSignal = AsyncStream<Void>.makeStream()

    /// Registers the runner about to run; false if a stop came first (then do not run it).
    func attach(_ runner: FleetRunner) -> Bool {
        state.withLock { state in
            guard !state.stopRequested else { return false }
            state.runner = runner
            return true
        }
    }

    /// The fleet finished (or will never run). The service keeps running (a service that
    /// returns on its own would cancel the group) until a graceful shutdown, then returns at
    /// once.
    func finished() {
        let stopping = state.withLock {
            $0.finished = true
            $0.runner = nil
            return $0.stopRequested
        }
        if stopping { finishedSignal.continuation.finish() }
    }

    /// Whether a graceful shutdown asked the fleet to stop.
    var stopWasRequested: Bool { state.withLock { $0.stopRequested } }

    func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in finishedSignal.stream {}
        } onGracefulShutdown: { [self] in
            let (runner, idle) = state.withLock { state -> (FleetRunner?, Bool) in
                state.stopRequested = true
                return (state.runner, state.runner == nil)
            }
            runner?.requestStop()
            // Nothing running (not started yet, or done): nothing to wait for.
            if idle { finishedSignal.continuation.finish() }
        }
    }
}
