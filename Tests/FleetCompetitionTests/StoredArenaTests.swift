import FleetArena
import FleetCompetition
import FleetPostgres
import FleetScoring
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import GRDB
import Testing

/// A run scored in an arena file stored with it: the simulator's arena written as a file
/// scores exactly as the run without one; an edited arena is what live scoring, finalize,
/// recompute and verify use; the signed document names the file's hash (`fleet-final-v5`),
/// and a changed file no longer verifies. On a SQLite file and, where a server is at hand,
/// on PostgreSQL.
extension CompetitionSuites {
    @Suite
    struct StoredArenaTests {
        /// What a finished heat left in one store.
        struct Outcome: Sendable {
            var final: RunResult
            var recompute: RunResult
            var document: FinalDocument
            var report: Verifier.Report
            var arena: FleetArena
        }

        static let seed: UInt64 = 11
        static let runID: UInt32 = 7

        /// The frames of one 20 s park heat, simulated once for every store.
        static let heatFrames: (frames: [[UInt8]], offsets: [UInt64]) = {
            let simulated = try! Fixture.simulate(
                runID: runID,
                seed: seed,
                duration: 20,
                faults: "drop=0.01",
                start: 1_800_000_000_000_000_000
            )
            return (simulated.frames, simulated.offsets)
        }()

        /// The simulator's arena for the heat, and the same with a kerb across the zone and an
        /// extra obstacle (a surveyed arena that differs from the generated one).
        static func arenas() throws -> (generated: FleetArena, edited: FleetArena) {
            let generated = try RunContext.generatedArena(division: "P", seed: seed)
            var edited = generated
            let zone = edited.zone[0]
            let y = (zone.minY + zone.maxY) / 2
            edited.kerbs.append(Segment(Vec2(zone.minX, y), Vec2(zone.maxX, y)))
            edited.obstacles.append(
                ArenaObstacle(id: 9_999, kind: "planter", shape: .circle(center: Vec2(zone.minX + 2, y), radius: 0.5))
            )
            return (generated, edited)
        }

        /// Scores the heat in a new store, the run created with `arena` (nil: none stored),
        /// live, then finalized, recomputed and verified.
        static func heat(postgres: Bool, arena: FleetArena?, keyPath: String) throws -> Outcome {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-arena-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let ingest: any IngestStore =
                postgres
                ? try PostgresStore.open(location: try PostgresFixture.database(), logger: Fixture.logger)
                : try FleetDatabase(path: folder.appendingPathComponent("fleet.db").path)
            let store = ingest.competition
            for entry in Dictionary(grouping: Fixture.entries(), by: \.team).sorted(by: { $0.key < $1.key }) {
                try store.addTeam(entry.key, robots: entry.value, at: 1)
            }
            let run = try store.createRun(
                id: runID,
                name: "heat-1",
                division: "P",
                seed: seed,
                window: .referee,
                rulebook: (Fixture.rulebook.hash, Fixture.rulebook.id, Fixture.rulebookBytes),
                arena: arena?.stored,
                entries: try store.registeredRobots(),
                at: 1
            )
            let (frames, offsets) = heatFrames
            var pipeline = FakePipeline(database: ingest)
            try store.transition(run, to: .running, at: offsets.first!)
            pipeline.observer.backgroundTick(now: offsets.first!)
            try pipeline.ingest(frames, at: offsets, batch: 64)
            try store.transition(run, to: .finished, at: offsets.last!)
            pipeline.observer.backgroundTick(now: offsets.last!)
            for step in 1...4 { try pipeline.close(now: offsets.last! + UInt64(step) * 600_000_000) }
            let key = try ServiceKey(path: keyPath, create: true)
            let outcome = try Finalizer.finalize(store: store, runID: run, key: key, now: offsets.last! + 5_000_000_000)
            guard let final = try store.runResult(runID: run, source: .final) else {
                throw StorageError(.notFound, "run \(run) has no final result")
            }
            #expect(outcome.document.liveAgrees == true, "the live scorer scored in the same arena")
            return Outcome(
                final: final,
                recompute: try Recompute.result(store: store, runID: run),
                document: outcome.document,
                report: try Verifier.verify(store: store, runID: run, keyPath: keyPath),
                arena: try RunContext(store: store, runID: run).fleetArena
            )
        }

        static func keyPath() throws -> (String, URL) {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-arena-key-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            return (folder.appendingPathComponent("service.key").path, folder)
        }

        @Test(.timeLimit(.minutes(5)))
        func theSimulatorsArenaAsAFileScoresExactlyAsTheRunWithoutOne() async throws {
            let (keyPath, folder) = try Self.keyPath()
            defer { try? FileManager.default.removeItem(at: folder) }
            let (generated, _) = try Self.arenas()
            let plain = try await offPool { try Self.heat(postgres: false, arena: nil, keyPath: keyPath) }
            let filed = try await offPool { try Self.heat(postgres: false, arena: generated, keyPath: keyPath) }
            #expect(plain.final == filed.final)
            #expect(filed.final == filed.recompute)
            #expect(plain.report.ok, "\(plain.report.checks)")
            #expect(filed.report.ok, "\(filed.report.checks)")
            #expect(plain.document.format == FinalDocument.formatV4 && plain.document.run.arenaHash == nil)
            #expect(!plain.report.checks.contains { $0.0 == "arena" })
            #expect(filed.document.format == FinalDocument.formatV5)
            #expect(filed.document.run.arenaHash == generated.stored.hash)
            #expect(filed.report.checks.contains { $0.0 == "arena" && $0.1 })
            #expect(filed.arena == generated && plain.arena == generated)
        }

        @Test(.timeLimit(.minutes(5)))
        func anEditedArenaChangesCoverageAndIsWhatRecomputeAndVerifyUse() async throws {
            let (keyPath, folder) = try Self.keyPath()
            defer { try? FileManager.default.removeItem(at: folder) }
            let (generated, edited) = try Self.arenas()
            #expect(edited.mask().edgeCellCount > generated.mask().edgeCellCount)
            let plain = try await offPool { try Self.heat(postgres: false, arena: nil, keyPath: keyPath) }
            let surveyed = try await offPool { try Self.heat(postgres: false, arena: edited, keyPath: keyPath) }
            #expect(surveyed.arena == edited)
            #expect(surveyed.final != plain.final)
            #expect(surveyed.final == surveyed.recompute)
            #expect(surveyed.report.ok, "\(surveyed.report.checks)")
            #expect(surveyed.document.run.arenaHash == edited.stored.hash)
        }

        @Test(.timeLimit(.minutes(5)))
        func aChangedArenaFileNoLongerVerifies() async throws {
            let (keyPath, folder) = try Self.keyPath()
            defer { try? FileManager.default.removeItem(at: folder) }
            let (generated, edited) = try Self.arenas()
            let path = folder.appendingPathComponent("fleet.db").path
            let checks = try await offPool { () -> [String] in
                let database = try FleetDatabase(path: path)
                let store = SQLiteCompetitionStore(database: database)
                for entry in Dictionary(grouping: Fixture.entries(), by: \.team).sorted(by: { $0.key < $1.key }) {
                    try store.addTeam(entry.key, robots: entry.value, at: 1)
                }
                let run = try store.createRun(
                    id: Self.runID,
                    name: "heat-1",
                    division: "P",
                    seed: Self.seed,
                    window: .referee,
                    rulebook: (Fixture.rulebook.hash, Fixture.rulebook.id, Fixture.rulebookBytes),
                    arena: edited.stored,
                    entries: try store.registeredRobots(),
                    at: 1
                )
                let (frames, offsets) = Self.heatFrames
                var pipeline = FakePipeline(database: database)
                try store.transition(run, to: .running, at: offsets.first!)
                try pipeline.ingest(frames, at: offsets, batch: 64)
                try store.transition(run, to: .finished, at: offsets.last!)
                let key = try ServiceKey(path: keyPath, create: true)
                _ = try Finalizer.finalize(store: store, runID: run, key: key, now: offsets.last! + 5_000_000_000)
                // Someone swaps the surveyed arena for the generated one under the signed hash.
                try database.write { db in
                    try db.execute(
                        sql: "UPDATE arena SET bytes = ? WHERE hash = ?",
                        arguments: [Data(generated.fileBytes), edited.stored.hash]
                    )
                }
                let report = try Verifier.verify(store: store, runID: run, keyPath: keyPath)
                #expect(!report.ok)
                return report.checks.filter { !$0.1 }.map(\.0)
            }
            #expect(checks == ["arena"])
        }

        @Test(.enabled(if: PostgresFixture.enabled), .timeLimit(.minutes(5)))
        func aStoredArenaScoresAlikeOnSQLiteAndPostgreSQL() async throws {
            let (keyPath, folder) = try Self.keyPath()
            defer { try? FileManager.default.removeItem(at: folder) }
            let (_, edited) = try Self.arenas()
            let sqlite = try await offPool { try Self.heat(postgres: false, arena: edited, keyPath: keyPath) }
            let postgres = try await offPool { try Self.heat(postgres: true, arena: edited, keyPath: keyPath) }
            #expect(postgres.arena == edited)
            #expect(postgres.final == sqlite.final)
            #expect(postgres.report.ok, "\(postgres.report.checks)")
            #expect(postgres.document.run.arenaHash == sqlite.document.run.arenaHash)
        }

        @Test(.enabled(if: PostgresFixture.enabled), .timeLimit(.minutes(2)))
        func aForwardedRunCarriesItsArenaFile() async throws {
            let (_, folder) = try Self.keyPath()
            defer { try? FileManager.default.removeItem(at: folder) }
            let (_, edited) = try Self.arenas()
            let (hash, arena) = try await offPool { () -> (String?, FleetArena) in
                let site = SQLiteCompetitionStore(
                    database: try FleetDatabase(path: folder.appendingPathComponent("site.db").path)
                )
                for entry in Dictionary(grouping: Fixture.entries(), by: \.team).sorted(by: { $0.key < $1.key }) {
                    try site.addTeam(entry.key, robots: entry.value, at: 1)
                }
                let run = try site.createRun(
                    id: Self.runID,
                    name: "heat-1",
                    division: "P",
                    seed: Self.seed,
                    window: .referee,
                    rulebook: (Fixture.rulebook.hash, Fixture.rulebook.id, Fixture.rulebookBytes),
                    arena: edited.stored,
                    entries: try site.registeredRobots(),
                    at: 1
                )
                let postgres = try PostgresStore.open(location: try PostgresFixture.database(), logger: Fixture.logger)
                defer { postgres.close() }
                let central = PostgresCompetitionStore(postgres)
                try central.storeForwarded(try site.runCopy(run), site: "arena-3", at: 2)
                let record = try central.run(run)
                return (record.arenaHash, try RunContext.arena(of: record, store: central))
            }
            #expect(hash == edited.stored.hash)
            #expect(arena == edited)
        }
    }
}
