import FleetCompetition
import FleetProtocol
import FleetRunner
import FleetScoring
import FleetSimulation
import FleetStorage
import FleetStore
import Foundation
import Logging
import Testing

@testable import FleetIngest

/// A database file in a fresh temporary folder, removed when the test ends.
final class TemporaryStore {
    let folder: URL
    let database: FleetDatabase
    let store: any CompetitionStore

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-competition-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        database = try FleetDatabase(path: folder.appendingPathComponent("fleet.db").path)
        store = SQLiteCompetitionStore(database: database)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }
}

enum Fixture {
    static let rulebookBytes: [UInt8] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Rulebooks/rulebook-v1.json")
        return [UInt8](try! Data(contentsOf: url))
    }()

    static let rulebook = try! Rulebook.load(bytes: rulebookBytes)

    /// The fleet `fleet sim --teams 4 --robots-per-team 3` enters, as registrations.
    static func entries(teams: Int = 4, robotsPerTeam: Int = 3) -> [RegisteredRobot] {
        (1...teams).flatMap { team in
            (1...robotsPerTeam).map { i in
                RegisteredRobot(
                    robotID: UInt32(team * 100 + i),
                    team: FleetRoster.teamName(team),
                    kind: FleetRoster.sanitationKinds[(i - 1) % 3].rawValue
                )
            }
        }
    }

    /// A simulated run's frames in send order (duplicates, reorders and corrupt copies
    /// included, as the faults made them) and its truth; no sockets.
    static func simulate(
        runID: UInt32,
        seed: UInt64,
        duration: Double,
        faults: String,
        division: SimDivision = .park,
        start: UInt64? = nil
    ) throws -> (
        truth: RunnerTruth, frames: [[UInt8]], offsets: [UInt64]
    ) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-sim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let roster = FleetRoster(
            division: division,
            teams: 4,
            robotsPerTeam: division == .humanoid ? 0 : 3,
            humanoids: division == .humanoid ? 8 : 0,
            duration: duration,
            seed: seed,
            runID: runID
        )
        var configuration = FleetRunner.Configuration(simulation: try roster.configuration())
        configuration.timeScale = 0
        if let start { configuration.startUnixNanos = start }
        configuration.faults = try FaultSpec(parsing: faults)
        configuration.faultSeed = seed &* 31 &+ 7
        configuration.recordPath = folder.appendingPathComponent("run.ftrec").path
        let report = try FleetRunner(configuration: configuration).runOnThisThread()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: configuration.recordPath!)))
        let parsed = try bytes.withUnsafeBytes { try Recording.parse($0) }
        return (
            report.truth, parsed.records.map { Array(bytes[$0.frame]) },
            parsed.records.map { parsed.startUnixNanos + $0.offsetNanos }
        )
    }

    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
}

/// Drives frames through an `Aggregator` (dedup, loss ledger, chunks) and a `LiveScoring`
/// observer the way the pipeline does, committing each batch, with a fake wall clock.
struct FakePipeline {
    var aggregator = Aggregator()
    let database: any IngestStore
    let observer: LiveScoring

    init(database: any IngestStore, tuning: LiveRun.Tuning = LiveRun.Tuning()) {
        self.database = database
        observer = LiveScoring(store: database.competition, tuning: tuning, logger: Fixture.logger)
        let observer = self.observer
        aggregator.onFrame = { frame, _ in observer.observe(frame) }
    }

    mutating func ingest(_ frames: [[UInt8]], at times: [UInt64], batch: Int = 200) throws {
        for (i, frame) in frames.enumerated() {
            frame.withUnsafeBytes { aggregator.ingest(RingFrame(bytes: $0, source: 0, receivedAt: times[i])) }
            if (i + 1) % batch == 0 { try close(now: times[i]) }
        }
        try close(now: times.last ?? 0, final: true)
    }

    /// Closes a batch as the pipeline does; `final` as at shutdown (every chunk sealed).
    mutating func close(now: UInt64, final: Bool = false) throws {
        var batch = aggregator.takeBatch(now: now, final: final).batch
        observer.closingBatch(&batch, ledgers: aggregator.ledgers, now: now)
        try database.commit(batch, at: now)
    }
}

/// The competition suites run one after another (each simulates and scores whole runs, CPU
/// bound), so they do not starve the timing-sensitive suites running beside them.
@Suite(.serialized) enum CompetitionSuites {}
