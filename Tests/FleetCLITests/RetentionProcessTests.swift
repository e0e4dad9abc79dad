import FleetProtocol
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import GRDB
import Testing

extension ProcessSuites {
    /// Retention and backup with real processes: `fleet ingest --retain-raw` pruning a month
    /// of old telemetry while a replay's frames arrive, `fleet prune` refused while the
    /// ingester writes, and `fleet backup` copying the file under load.
    @Suite(.serialized)
    struct RetentionProcessTests {
        static let day: UInt64 = 86_400_000_000_000

        static func stats(_ db: String) throws -> [String: Int64] {
            try FleetDatabase(path: db, readOnly: true).ingestStatistics()
        }

        /// Every stored frame of robots `robots`, byte for byte, sorted.
        static func storedFrames(_ db: String, robots: ClosedRange<UInt32>) throws -> [[UInt8]] {
            var frames: [[UInt8]] = []
            let store = SQLiteCompetitionStore(database: try FleetDatabase(path: db, readOnly: true))
            let wanted: (UInt32) -> Bool = { robots.contains($0) }
            try store.forEachFrame(from: 0, to: UInt64(Int64.max), senders: wanted) { _, _, bytes in
                frames.append(Array(bytes))
            }
            return frames.sorted { $0.lexicographicallyPrecedes($1) }
        }

        @Test(.timeLimit(.minutes(3)))
        func anIngesterWithRetainRawPrunesOldChunksWhileFramesArriveAndLosesNoneOfThem() async throws {
            let folder = try TemporaryFolder()
            let db = folder.path("fleet.db")
            // Twenty days of three robots' telemetry, 40 to 60 days old.
            let now = UInt64(Date().timeIntervalSince1970 * 1e9)
            let history = try StoredHistory.write(
                to: try FleetDatabase(path: db),
                robots: [500, 501, 502],
                start: now - 60 * Self.day,
                chunksPerRobot: 480,
                chunkEvery: Self.day / 24,
                framesPerChunk: 50
            )
            let sizeBefore = fileSize(db)
            let recording = folder.path("new.ftrec")
            let sent = try writeRecording(to: recording, robots: 5, framesPerRobot: 2000)
            let endpoint = "tcp://127.0.0.1:\(try freePort())"
            let ingest = try FleetProcess(
                [
                    "ingest", "--db", db, "--listen", endpoint, "--status-every", "0", "--retain-raw", "30d",
                    "--retain-rollups", "30d",
                ],
                in: folder.url
            )
            defer { if ingest.process.isRunning { ingest.signal(SIGKILL) } }
            let replay = try FleetProcess(
                ["replay", recording, "--connect", endpoint, "--wait-timeout", "90", "--pace", "4000"],
                in: folder.url
            )
            // While the ingester holds the file, an offline prune is refused, saying why.
            try await waitUntil(timeout: .seconds(30)) { (try? Self.stats(db)["frames.accepted"]) ?? 0 > 0 }
            let refused = try await FleetProcess.run(["prune", "--db", db, "--older-than", "30d"], in: folder.url)
            #expect(refused.status != 0)
            #expect(refused.errors.contains("is being written by fleet ingest"), "\(refused.errors)")

            #expect(await replay.wait(timeout: .seconds(60)))
            try await waitUntil(timeout: .seconds(60)) {
                let stats = (try? Self.stats(db)) ?? [:]
                return stats["frames.accepted"] == Int64(sent.count)
                    && stats["pruned.chunks"] == Int64(history.chunks.count)
                    && stats["pruned.rollups"] == Int64(history.rollups.count)
            }
            let query = try await FleetProcess.run(["query", "stats", "--db", db, "--format", "csv"], in: folder.url)
            #expect(query.output.contains("pruned.chunks,\(history.chunks.count)\n"), "\(query.output)")
            #expect(query.output.contains("pruned.frames,\(history.frames.count)\n"))
            #expect(query.output.contains("retained.oldest_raw,2027-01-15T08:00:00.000Z\n"), "\(query.output)")
            ingest.signal(SIGTERM)
            #expect(await ingest.wait(timeout: .seconds(20)) && ingest.exitStatus == 0)

            // Every new frame is there byte for byte; none of the old ones is.
            #expect(try Self.storedFrames(db, robots: 1...5) == sent.sorted { $0.lexicographicallyPrecedes($1) })
            #expect(try Self.storedFrames(db, robots: 500...502).isEmpty)
            let database = try FleetDatabase(path: db, readOnly: true)
            #expect(try database.integrityCheck() == "ok")
            let ledger = try database.lossLedger()
            #expect(ledger.map(\.received).reduce(0, +) == sent.count, "the ledger counts what arrived")
            #expect(
                fileSize(db) < sizeBefore,
                "the old month was handed back, the new frames fit in less: \(sizeBefore) → \(fileSize(db))"
            )
            let loss = try await FleetProcess.run(["query", "loss", "--db", db], in: folder.url)
            #expect(loss.status == 0 && loss.errors.contains("were pruned; the ledger still counts them as received"))

            // Offline, with the ingester stopped: nothing newer than the limit goes.
            let offline = try await FleetProcess.run(["prune", "--db", db, "--older-than", "30d"], in: folder.url)
            #expect(offline.status == 0 && offline.output.contains("0 chunks (0 frames), 0 rollups"), "\(offline)")
            let bad = try await FleetProcess.run(["prune", "--db", db, "--older-than", "5x"], in: folder.url)
            #expect(bad.status != 0 && bad.errors.contains("--older-than"), "\(bad.errors)")
        }

        @Test(.timeLimit(.minutes(3)))
        func fleetBackupCopiesWhileTheIngesterWritesAndRefusesAnExistingTargetWithoutForce() async throws {
            let folder = try TemporaryFolder()
            let db = folder.path("fleet.db")
            let recording = folder.path("load.ftrec")
            _ = try writeRecording(to: recording, robots: 50, framesPerRobot: 400)
            let endpoint = "tcp://127.0.0.1:\(try freePort())"
            let ingest = try FleetProcess(
                ["ingest", "--db", db, "--listen", endpoint, "--status-every", "0"],
                in: folder.url
            )
            defer { if ingest.process.isRunning { ingest.signal(SIGKILL) } }
            let replay = try FleetProcess(
                [
                    "replay", recording, "--connect", endpoint, "--wait-timeout", "90", "--pace", "10000", "--repeat",
                    "3",
                ],
                in: folder.url
            )
            defer { if replay.process.isRunning { replay.signal(SIGKILL) } }
            try await waitUntil(timeout: .seconds(30)) { (try? Self.stats(db)["frames.accepted"]) ?? 0 > 5000 }
            let backup = folder.path("backup.db")
            let first = try await FleetProcess.run(["backup", "--db", db, "--to", backup], in: folder.url)
            #expect(first.status == 0 && first.output.contains("backed up"), "\(first.errors)")
            let again = try await FleetProcess.run(["backup", "--db", db, "--to", backup], in: folder.url)
            #expect(again.status != 0 && again.errors.contains("exists; pass --force"), "\(again.errors)")
            let forced = try await FleetProcess.run(["backup", "--db", db, "--to", backup, "--force"], in: folder.url)
            #expect(forced.status == 0, "\(forced.errors)")
            #expect(replay.process.isRunning, "the copies were taken while frames arrived")
            await replay.wait(timeout: .seconds(60))
            ingest.signal(SIGTERM)
            #expect(await ingest.wait(timeout: .seconds(20)))

            // The copy is one sound file holding part of what the ingester wrote by the end.
            #expect(!FileManager.default.fileExists(atPath: backup + "-wal"))
            let copy = try DatabaseQueue(path: backup)
            let check = try await copy.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
            #expect(check == ["ok"])
            let inCopy = try Self.storedFrames(backup, robots: 1...50).count
            let inOriginal = try Self.storedFrames(db, robots: 1...50).count
            #expect(inCopy > 5000 && inCopy < inOriginal, "\(inCopy) of \(inOriginal) frames")
        }
    }
}

private func fileSize(_ path: String) -> Int64 {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
}
