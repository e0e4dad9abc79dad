import FleetScoring
import FleetServer
import FleetStorage
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// Issue 10 item 13: `boundPort()` answers every caller, on a failed run too (before: a
/// caller waited forever when the address was in use, or after the server had stopped).
struct APIServerLifecycleTests {
    @Test(.timeLimit(.minutes(1)))
    func boundPortFailsForEveryCallerWhenTheAddressIsInUse() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("api-life-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try FleetDatabase(path: folder.appendingPathComponent("fleet.db").path)
        let rulebook = try Rulebook.load(try Data(contentsOf: ServerFixture.rulebookURL))
        let logger = Logger(label: "test")
        let first = APIServer(
            configuration: .init(host: "127.0.0.1", port: 0),
            database: database,
            scoreboard: MemoryScoreboardSource(rulebook: rulebook),
            logger: logger
        )
        let group = ServiceGroup(services: [first], logger: logger)
        let running = Task { try await group.run() }
        let port = try await first.boundPort()

        let second = APIServer(
            configuration: .init(host: "127.0.0.1", port: port),
            database: database,
            scoreboard: MemoryScoreboardSource(rulebook: rulebook),
            logger: logger
        )
        let early = Task { try await second.boundPort() }
        await #expect(throws: APIServerError.self) { try await second.run() }
        await #expect(throws: APIServerError.self) { _ = try await early.value }
        do {
            _ = try await second.boundPort()
            Issue.record("a late caller got a port")
        } catch {
            #expect("\(error)".contains("127.0.0.1:\(port)"), "\(error)")
        }
        await group.triggerGracefulShutdown()
        try await running.value
    }
}
