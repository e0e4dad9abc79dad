import FleetStorage
import FleetTestSupport
import Foundation
import GRDB
import ServiceLifecycle
import Testing

@testable import FleetIngest

/// Issue 10 item 12: stopping while the database refuses every commit (as on a full disk)
/// loses the frames queued, and `run()` must fail, naming the count, so that `fleet ingest`
/// exits non-zero and a supervisor sees it (before: it logged the loss and returned).
struct DiskFullShutdownTests {
    @Test(.timeLimit(.minutes(1)))
    func stoppingWithTheDatabaseFullFailsAndNamesTheFramesLost() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("diskfull-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("fleet.db").path
        let ingester = try await RunningIngester.start(databasePath: path, pub: "tcp://127.0.0.1:*")
        try await offPool { try publish((0..<20).map { TestFrames.state(robot: 1, seq: $0) }, to: ingester.endpoint) }
        #expect(try await ingester.waitUntilStored(20))

        // "Disk full": the writer's connection may not grow the file by a single page.
        try await ingester.service.sqliteDatabase(for: "the test").pool.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
        let frames = (20..<4020).map { TestFrames.state(robot: 1, seq: UInt32($0)) }
        try await offPool { try publish(frames, to: ingester.endpoint) }
        try await waitUntil(timeout: .seconds(30)) { ingester.service.currentMetrics().received >= 4020 }

        await ingester.group.triggerGracefulShutdown()
        let outcome = await ingester.task.result
        guard case .failure(let error) = outcome else {
            Issue.record("run() returned normally after losing frames")
            return
        }
        let lost = ingester.service.metrics.snapshot.lostInCommit
        #expect(lost > 0)
        #expect("\(error)".contains("\(lost) frames lost"), "\(error)")
    }
}
