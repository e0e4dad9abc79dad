public import FleetIngest
public import FleetStore
import Logging
public import ServiceLifecycle

/// An `IngestService` running in its own `ServiceGroup` on 127.0.0.1, stopped gracefully by
/// `stop()`.
public struct RunningIngester: Sendable {
    public let service: IngestService
    public let group: ServiceGroup
    public let task: Task<Void, any Error>
    /// The first bound endpoint (pub mode's if both are given).
    public let endpoint: String

    /// Starts an ingester on `pub` (SUB) and/or `reliable` (ROUTER) and waits until it is
    /// bound.
    ///
    /// `ringCapacity` defaults to 32768 slots: tests that compare what was stored with what
    /// was sent in pub mode must not see ring-full drops when the machine is busy with other
    /// tests (a whole test stream fits; drops themselves are tested on purpose elsewhere).
    public static func start(
        databasePath: String,
        pub: String? = nil,
        reliable: String? = nil,
        ringCapacity: Int = 1 << 15,
        authentication: IngestService.Authentication? = nil,
        store: (any IngestStore)? = nil,
        robotLease: Duration? = nil
    ) async throws -> RunningIngester {
        var configuration = IngestService.Configuration(databasePath: databasePath, listen: pub, reliable: reliable)
        configuration.store = store
        configuration.authentication = authentication
        configuration.statusInterval = nil
        configuration.batchInterval = .milliseconds(20)
        configuration.ringCapacity = ringCapacity
        if let robotLease { configuration.robotLease = robotLease }
        let logger = Logger(label: "test")
        let service = try IngestService(configuration: configuration, logger: logger)
        let group = ServiceGroup(services: [service], logger: logger)
        let task = Task { try await group.run() }
        let endpoint = try await service.boundEndpoints()[0]
        return RunningIngester(service: service, group: group, task: task, endpoint: endpoint)
    }

    /// Graceful shutdown: the service drains, commits and returns.
    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// Waits until the service has stored `count` frames or `timeout` passed.
    public func waitUntilStored(_ count: Int, timeout: Duration = .seconds(30)) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if service.metrics.snapshot.stored >= count { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return service.metrics.snapshot.stored >= count
    }
}
