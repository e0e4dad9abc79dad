import FleetTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Testing

@testable import FleetIngest

/// Issue 10 item 13: the service's lifecycle is one state machine; no path leaves a caller of
/// `boundEndpoints()` waiting forever.
struct IngestServiceLifecycleTests {
    private func temporaryPath() throws -> (URL, String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lifecycle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return (folder, folder.appendingPathComponent("fleet.db").path)
    }

    @Test func everyTransitionSaysWhatToDoNext() {
        var machine = IngestService.StateMachine()
        let started = machine.start()
        let startedAgain = machine.start()
        #expect(started)
        #expect(!startedAgain, "a service runs once")
        guard case .wait = machine.endpoints() else {
            Issue.record("asked while starting: waits")
            return
        }
        let waiting = machine.bound(["tcp://127.0.0.1:1"])
        #expect(waiting.isEmpty)
        guard case .resume(let endpoints) = machine.endpoints() else {
            Issue.record("asked while running: answers")
            return
        }
        #expect(endpoints == ["tcp://127.0.0.1:1"])
        machine.finished()
        guard case .resume = machine.endpoints() else {
            Issue.record("asked after the run: still answers")
            return
        }
        // A failure after running (a receiver error) is final too.
        var failing = IngestService.StateMachine()
        _ = failing.start()
        _ = failing.bound(["x"])
        let failedWaiters = failing.failed(IngestError("receiver stopped"))
        #expect(failedWaiters.isEmpty)
        guard case .fail(let error) = failing.endpoints() else {
            Issue.record("asked after a failure: fails")
            return
        }
        #expect(error.message == "receiver stopped")
        failing.finished()
        guard case .fail = failing.endpoints() else {
            Issue.record("a failed service stays failed")
            return
        }
    }

    /// A bind failure fails the callers waiting for the endpoints, and every caller after.
    @Test(.timeLimit(.minutes(1)))
    func aFailedRunAnswersEveryCallerOfBoundEndpoints() async throws {
        let (folderA, pathA) = try temporaryPath()
        let (folderB, pathB) = try temporaryPath()
        defer {
            try? FileManager.default.removeItem(at: folderA)
            try? FileManager.default.removeItem(at: folderB)
        }
        let holder = try await RunningIngester.start(databasePath: pathA, pub: "tcp://127.0.0.1:*")
        var configuration = IngestService.Configuration(databasePath: pathB, listen: holder.endpoint)
        configuration.statusInterval = nil
        let service = try IngestService(configuration: configuration, logger: Logger(label: "test"))
        let early = Task { try await service.boundEndpoints() }
        await #expect(throws: (any Error).self) { try await service.run() }
        await #expect(throws: IngestError.self) { _ = try await early.value }
        await #expect(throws: IngestError.self) { _ = try await service.boundEndpoints() }
        try await holder.stop()
    }

    /// After a run that ended normally, a late caller gets the endpoints it had.
    @Test(.timeLimit(.minutes(1)))
    func aLateCallerAfterTheRunGetsTheEndpoints() async throws {
        let (folder, path) = try temporaryPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        let ingester = try await RunningIngester.start(databasePath: path, pub: "tcp://127.0.0.1:*")
        try await ingester.stop()
        #expect(try await ingester.service.boundEndpoints() == [ingester.endpoint])
    }
}
