import FleetCompetition
import FleetPostgres
import FleetScoring
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import Testing

/// One competition, two stores: the same heat scored live, stopped, penalized, finalized and
/// verified on a SQLite file and on a real PostgreSQL gives the same results to the last
/// bit, and every rule a store enforces answers alike on both.
extension CompetitionSuites {
    @Suite(.enabled(if: PostgresFixture.enabled))
    struct CompetitionBackendTests {
        /// What a finished heat left in one store.
        struct Outcome: Equatable, Sendable {
            var liveAgrees: Bool?
            var verified: Bool
            var verifyChecks: String
            /// What each refused write said (`refusals`).
            var refusals: [String]
            var nextRun: UInt32
            var runs: [RunRecord]
            var live: String
            var final: String
            var recompute: String
            var actions: [RefereeAction]
            var chains: [ChainRecord]
            var document: [UInt8]
            var standings: String
            var provisionalSnapshots: Int
        }

        /// The store of a backend and what keeps it alive.
        struct Place {
            let ingest: any IngestStore
            let folder: URL
        }

        static func place(postgres: Bool) throws -> Place {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-backend-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            if postgres {
                let store = try PostgresStore.open(location: try PostgresFixture.database(), logger: Fixture.logger)
                return Place(ingest: store, folder: folder)
            }
            return Place(
                ingest: try FleetDatabase(path: folder.appendingPathComponent("fleet.db").path),
                folder: folder
            )
        }

        /// A 40 s park heat with faults, the README's order: teams, run, start, fleet, a
        /// penalty while RUNNING, stop, a removal and an award, finalize with `key`.
        static func heat(postgres: Bool, keyPath: String) throws -> Outcome {
            let place = try place(postgres: postgres)
            defer { try? FileManager.default.removeItem(at: place.folder) }
            let store = place.ingest.competition
            for entry in Dictionary(grouping: Fixture.entries(), by: \.team).sorted(by: { $0.key < $1.key }) {
                try store.addTeam(entry.key, robots: entry.value, at: 1)
            }
            let run = try store.createRun(
                id: 7,
                name: "heat-1",
                division: "P",
                seed: 11,
                window: .referee,
                rulebook: (Fixture.rulebook.hash, Fixture.rulebook.id, Fixture.rulebookBytes),
                entries: try store.registeredRobots(),
                at: 1
            )
            let simulated = try Fixture.simulate(
                runID: run,
                seed: 11,
                duration: 40,
                faults: "drop=0.01,dup=0.005,reorder=0.01,corrupt=0.001",
                start: 1_800_000_000_000_000_000
            )
            var pipeline = FakePipeline(database: place.ingest)
            let start = simulated.offsets.first!
            try store.transition(run, to: .running, at: start)
            pipeline.observer.backgroundTick(now: start)
            try pipeline.close(now: start)
            let penalty = try store.addAction(LifecycleTests.penalty(run, "team-2-solid", 2))
            try store.addAction(LifecycleTests.penalty(run, "team-3-novice", 1))
            pipeline.observer.backgroundTick(now: start)
            try pipeline.ingest(simulated.frames, at: simulated.offsets, batch: 64)
            let end = simulated.offsets.last!
            try store.transition(run, to: .finished, at: end)
            pipeline.observer.backgroundTick(now: end)
            for step in 1...4 { try pipeline.close(now: end + UInt64(step) * 600_000_000) }
            try store.addAction(
                RefereeAction(
                    runID: run,
                    kind: .penaltyRemove,
                    team: nil,
                    value: nil,
                    target: penalty,
                    by: "jury",
                    reason: "r",
                    atNanos: 3
                )
            )
            try store.addAction(
                RefereeAction(
                    runID: run,
                    kind: .award,
                    team: "team-1-expert",
                    value: 0.05,
                    by: "jury",
                    reason: "r",
                    atNanos: 4
                )
            )
            pipeline.observer.backgroundTick(now: end + 3_000_000_000)
            try pipeline.close(now: end + 3_000_000_000)
            let key = try ServiceKey(path: keyPath, create: true)
            let outcome = try Finalizer.finalize(store: store, runID: run, key: key, now: end + 5_000_000_000)
            let report = try Verifier.verify(store: store, runID: run, keyPath: keyPath)
            let (refusals, next) = try Self.refusals(store, run: run, penalty: penalty, key: key)

            guard let final = try store.runResult(runID: run, source: .final),
                let live = try store.runResult(runID: run, source: .live),
                let record = try store.finalRecord(runID: run)
            else { throw StorageError(.notFound, "run \(run) has no live or final result") }
            let standings = DivisionStandings(rulebook: Fixture.rulebook, division: "P", runs: [final])
            return Outcome(
                liveAgrees: outcome.document.liveAgrees,
                verified: report.ok,
                verifyChecks: "\(report.checks)",
                refusals: refusals,
                nextRun: next,
                runs: try store.runs(),
                live: try CanonicalJSON.string(live),
                final: try CanonicalJSON.string(final),
                recompute: try CanonicalJSON.string(Recompute.result(store: store, runID: run)),
                actions: try store.actions(runID: run),
                chains: try store.chains(runID: run),
                document: record.document,
                standings: try CanonicalJSON.string(standings),
                provisionalSnapshots: try store.provisionalCount(runID: run)
            )
        }

        /// What each refused write says, in the words a user reads (in `expectedRefusals`' order),
        /// and the id the next run created gets.
        static func refusals(
            _ store: any CompetitionStore,
            run: UInt32,
            penalty: Int64,
            key: ServiceKey
        ) throws -> ([String], UInt32) {
            func message(_ body: () throws -> Void) -> String {
                do {
                    try body()
                    return "accepted"
                } catch { return "\(error)" }
            }
            let rulebook = (Fixture.rulebook.hash, Fixture.rulebook.id, Fixture.rulebookBytes)
            var said = [
                message {
                    try store.addTeam(
                        "other",
                        robots: [RegisteredRobot(robotID: 101, team: "other", kind: "sweeper")],
                        at: 2
                    )
                },
                message { try store.transition(run, to: .running, at: 9) },
                message { try store.transition(99, to: .running, at: 9) },
                message { try store.addAction(LifecycleTests.penalty(run, "team-2-solid", 1)) },
                message {
                    _ = try store.createRun(
                        id: run,
                        name: "again",
                        division: "P",
                        seed: 1,
                        window: .referee,
                        rulebook: rulebook,
                        entries: [],
                        at: 2
                    )
                },
                message { _ = try Finalizer.finalize(store: store, runID: run, key: key, now: 9) },
                message { _ = try store.rulebookBytes(hash: "nope") },
            ]
            let next = try store.createRun(
                name: "next",
                division: "P",
                seed: 2,
                window: .wall,
                rulebook: rulebook,
                entries: [],
                at: 3
            )
            said.append(
                message {
                    try store.addAction(
                        RefereeAction(
                            runID: next,
                            kind: .penaltyRemove,
                            team: nil,
                            value: nil,
                            target: penalty,
                            by: "j",
                            reason: "r",
                            atNanos: 1
                        )
                    )
                }
            )
            return (said, next)
        }

        static func expectedRefusals(penalty: Int64) -> [String] {
            [
                "robot 101 is already registered to team team-1-expert", "run 7 is FINAL", "there is no run 99",
                "is FINAL", "run 7 exists already", "FINAL", "rulebook nope is not stored",
                "run 8 has no penalty \(penalty)",
            ]
        }

        @Test(.timeLimit(.minutes(5)))
        func aHeatScoresFinalizesAndVerifiesAlikeOnSQLiteAndPostgreSQL() async throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-backend-key-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let keyPath = folder.appendingPathComponent("service.key").path
            // Off the cooperative pool: a heat is seconds of simulation, scoring and blocking
            // database calls, and the async tests beside it need both of the pool's threads.
            let sqlite = try await offPool { try Self.heat(postgres: false, keyPath: keyPath) }
            let postgres = try await offPool { try Self.heat(postgres: true, keyPath: keyPath) }
            for (name, outcome) in [("SQLite", sqlite), ("PostgreSQL", postgres)] {
                #expect(outcome.liveAgrees == true, "\(name)")
                #expect(outcome.verified, "\(name): \(outcome.verifyChecks)")
                #expect(outcome.nextRun == 8, "\(name)")
                for (said, expected) in zip(outcome.refusals, Self.expectedRefusals(penalty: 1)) {
                    #expect(said.contains(expected), "\(name): \(said)")
                }
                #expect(outcome.refusals.count == Self.expectedRefusals(penalty: 1).count)
            }
            #expect(postgres.refusals == sqlite.refusals)
            #expect(sqlite.final == sqlite.recompute)
            #expect(postgres.final == postgres.recompute)
            #expect(postgres.runs.map(\.state) == sqlite.runs.map(\.state))
            #expect(postgres.runs.map(\.review) == sqlite.runs.map(\.review))
            #expect(postgres.live == sqlite.live)
            #expect(postgres.final == sqlite.final)
            #expect(postgres.chains == sqlite.chains)
            #expect(postgres.standings == sqlite.standings)
            #expect(postgres.provisionalSnapshots > 0 && sqlite.provisionalSnapshots > 0)
            // Same writes in the same order, same key, same signing time: the same ids and the
            // same signed bytes.
            #expect(postgres.actions == sqlite.actions)
            #expect(postgres.document == sqlite.document)
        }
    }
}
