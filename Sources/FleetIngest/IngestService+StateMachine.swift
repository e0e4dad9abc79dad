/// The lifecycle of an `IngestService`, one value behind one `Mutex`: every transition is a
/// method that says what the caller does next, so a failure on any path (a lease held, an
/// address in use, a receiver error) leaves no waiter behind and no flag unset.
///
/// idle ─start→ starting ─bound→ running ─finished→ finished
///   starting ─failed→ failed;  running ─failed→ failed
extension IngestService {
    struct StateMachine {
        enum State {
            case idle(waiters: [CheckedContinuation<[String], any Error>])
            case starting(waiters: [CheckedContinuation<[String], any Error>])
            case running(endpoints: [String])
            case finished(endpoints: [String])
            case failed(IngestError)
        }

        private(set) var state: State = .idle(waiters: [])

        /// What `boundEndpoints()` does: return now, fail now, or wait.
        enum EndpointsAction {
            case resume([String])
            case fail(IngestError)
            case wait
        }

        /// `run()` begins; false if it ran before (a service runs once).
        mutating func start() -> Bool {
            guard case .idle(let waiters) = state else { return false }
            state = .starting(waiters: waiters)
            return true
        }

        /// The sockets are bound: the waiters to resume with `endpoints`.
        mutating func bound(_ endpoints: [String]) -> [CheckedContinuation<[String], any Error>] {
            guard case .starting(let waiters) = state else { return [] }
            state = .running(endpoints: endpoints)
            return waiters
        }

        /// `run()` failed: the waiters to fail with `error`.
        mutating func failed(_ error: IngestError) -> [CheckedContinuation<[String], any Error>] {
            switch state {
            case .idle(let waiters), .starting(let waiters):
                state = .failed(error)
                return waiters
            case .running, .finished:
                state = .failed(error)
                return []
            case .failed:
                return []
            }
        }

        /// `run()` returned normally.
        mutating func finished() {
            if case .running(let endpoints) = state { state = .finished(endpoints: endpoints) }
        }

        /// A caller asks for the bound endpoints.
        mutating func endpoints(waiter: CheckedContinuation<[String], any Error>? = nil) -> EndpointsAction {
            switch state {
            case .idle(var waiters):
                guard let waiter else { return .wait }
                waiters.append(waiter)
                state = .idle(waiters: waiters)
                return .wait
            case .starting(var waiters):
                guard let waiter else { return .wait }
                waiters.append(waiter)
                state = .starting(waiters: waiters)
                return .wait
            case .running(let endpoints), .finished(let endpoints):
                return .resume(endpoints)
            case .failed(let error):
                return .fail(error)
            }
        }
    }
}
