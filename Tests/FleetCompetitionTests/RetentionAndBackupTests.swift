import FleetCompetition
import FleetIngest
import FleetProtocol
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import GRDB
import Synchronization
import Testing
import ZeroMQ

extension CompetitionSuites {
    /// Retention and backup on a database holding a FINAL run (`VerifyTests`' finalized run):
    /// pruning never takes the frames that back the signature, and a backup taken while an
    /// ingester writes is a sound, consistent copy on which the run still verifies.
    @Suite(.serialized)
    struct RetentionAndBackupTests {
        static let day: UInt64 = 86_400_000_000_000

        /// The run's window, from its stored run_state events.
        static func window(_ store: any CompetitionStore, _ runID: UInt32) throws -> (from: UInt64, to: UInt64) {
            try #require(try Recompute.readWindow(store: store, run: try store.run(runID)))
        }

        @Test func pruningPastAFinalRunKeepsItsFramesAndItStillVerifies() throws {
            let (finalized, database) = try VerifyTests.copy()
            let store = SQLiteCompetitionStore(database: database)
            let window = try Self.window(store, finalized.runID)
            // A month of older telemetry from the run's robots and one other, then prune to a
            // day after the run: everything but the run's window is older than that.
            let history = try StoredHistory.write(
                to: database,
                robots: [101, 102, 7777],
                start: window.from - 30 * Self.day,
                chunksPerRobot: 48,
                chunkEvery: 3_600_000_000_000,
                framesPerChunk: 20,
                bootEpoch: 77
            )
            let limits = PruneLimits(rawBefore: window.to + Self.day, rollupsBefore: window.to + Self.day)
            let counts = try database.prune(limits, keep: { try RetainedWindows.windows(in: $0) })
            #expect(counts.chunks >= history.chunks.count, "the old month went: \(counts)")
            #expect(counts.keptChunks > 0, "the run's chunks were kept: \(counts)")
            let old = try database.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM frame_chunk WHERE boot_epoch = 77")
            }
            #expect(old == 0)
            let report = try Verifier.verify(store: store, runID: finalized.runID, keyPath: finalized.keyPath)
            #expect(report.ok, "\(report.checks.filter { !$0.ok })")

            // Without the run's window kept, the same prune breaks the signed run: the
            // protection is what keeps it verifiable.
            let (_, unprotected) = try VerifyTests.copy()
            let dropped = try unprotected.prune(limits, keep: { _ in [] })
            #expect(dropped.keptChunks == 0 && dropped.chunks > 0)
            let broken = try Verifier.verify(
                store: SQLiteCompetitionStore(database: unprotected),
                runID: finalized.runID,
                keyPath: finalized.keyPath
            )
            #expect(!broken.ok)
        }

        /// Sends frames of robot 9000 from a PUB socket until told to stop.
        final class Sender: Sendable {
            let stopping = Mutex(false)
            let sent = Mutex(0)

            func run(to endpoint: String) throws {
                let context = try Context()
                defer { context.terminate() }
                let socket = try Socket(
                    context,
                    type: .extendedPublisher,
                    options: [.sendHighWaterMark(0), .linger(.seconds(5)), .receiveTimeout(.seconds(5))]
                )
                try socket.connect(endpoint)
                guard try socket.receive() != nil else { throw IngestError("no subscription from \(endpoint)") }
                var sequence: UInt32 = 0
                while !stopping.withLock({ $0 }) {
                    for _ in 0..<100 {
                        let frame = FrameEncoder.encode(
                            .sanitationState(DrivingRobot.state(step: Int(sequence))),
                            robotID: 9000,
                            bootEpoch: 5,
                            sequence: sequence,
                            timestampNanoseconds: DrivingRobot.time(Int(sequence)) + 40 * RetentionAndBackupTests.day
                        )
                        _ = try socket.send(frame)
                        sequence += 1
                    }
                    sent.withLock { $0 = Int(sequence) }
                    // About 20,000 frames a second: the ingester keeps up, nothing is dropped.
                    usleep(5000)
                }
                socket.close()
            }
        }

        @Test(.timeLimit(.minutes(2)))
        func aBackupTakenWhileTheIngesterWritesIsSoundConsistentAndTheFinalRunVerifiesOnIt() async throws {
            let (finalized, database) = try VerifyTests.copy()
            let path = database.path
            try database.checkpoint()
            let ingester = try await RunningIngester.start(databasePath: path, pub: "tcp://127.0.0.1:*")
            let sender = Sender()
            let sending = Thread { try? sender.run(to: ingester.endpoint) }
            sending.start()
            defer { sender.stopping.withLock { $0 = true } }
            // Take the copy once frames are flowing, and keep them flowing while it is made.
            try await waitUntil(timeout: .seconds(30)) { ingester.service.metrics.snapshot.stored >= 3000 }
            let target = finalized.folder.appendingPathComponent("backup-\(UUID()).db").path
            let source = try FleetDatabase(path: path, readOnly: true)
            let report = try await offPool { try source.backup(to: target, force: false) }
            let storedAfterBackup = ingester.service.metrics.snapshot.stored
            try await waitUntil(timeout: .seconds(30)) {
                ingester.service.metrics.snapshot.stored >= storedAfterBackup + 3000
            }
            sender.stopping.withLock { $0 = true }
            try await ingester.stop()
            #expect(report.pages > 0 && report.bytes > 0)

            // A second backup to the same target is refused; with force it replaces it.
            #expect(throws: StorageError.self) { try source.backup(to: target, force: false) }

            // The copy: one self-contained file, sound, holding a prefix of what was written.
            #expect(!FileManager.default.fileExists(atPath: target + "-wal"))
            let copy = try FleetDatabase(path: target, readOnly: true)
            #expect(try copy.integrityCheck() == "ok")
            func frames(_ database: FleetDatabase) throws -> Int {
                var count = 0
                try SQLiteCompetitionStore(database: database).forEachFrame(
                    from: 0,
                    to: UInt64(Int64.max),
                    senders: { $0 == 9000 },
                    { _, _, _ in count += 1 }
                )
                return count
            }
            let inCopy = try frames(copy)
            let inOriginal = try frames(try FleetDatabase(path: path, readOnly: true))
            #expect(inCopy > 0 && inCopy < inOriginal, "a prefix: \(inCopy) of \(inOriginal)")
            // The FINAL run verifies on the copy.
            let verified = try Verifier.verify(
                store: SQLiteCompetitionStore(database: copy),
                runID: finalized.runID,
                keyPath: finalized.keyPath
            )
            #expect(verified.ok, "\(verified.checks.filter { !$0.ok })")
            // Its ledger agrees with its frames once an ingester restores from it (it replays
            // the segments the ledger rows were not written through yet).
            let restarted = try await RunningIngester.start(databasePath: target, pub: "tcp://127.0.0.1:*")
            try await restarted.stop()
            let ledger = try FleetDatabase(path: target, readOnly: true).lossLedger(robotID: 9000)
            #expect(ledger.map(\.received).reduce(0, +) == inCopy, "ledger \(ledger) against \(inCopy) frames")
        }
    }
}
