import FleetCompetition
import FleetScoring
import FleetStorage
import FleetStore
import Foundation
import GRDB
import Testing

extension CompetitionSuites {
    /// Run lifecycle, referee actions, finalize and verify on a real database file.
    @Suite(.serialized)
    struct LifecycleTests {
        static func penalty(_ run: UInt32, _ team: String, _ points: Double) -> RefereeAction {
            RefereeAction(
                runID: run,
                kind: .penaltyAdd,
                team: team,
                value: points,
                by: "ref",
                reason: "test",
                atNanos: 1
            )
        }

        @Test func refereeActionsLiveAndRecomputeAgreeAndFinalResultsSignAndVerify() throws {
            let temporary = try TemporaryStore()
            let store = temporary.store
            for entry in Dictionary(grouping: Fixture.entries(), by: \.team).sorted(by: { $0.key < $1.key }) {
                try store.addTeam(entry.key, robots: entry.value, at: 1)
            }
            let run = try store.createRun(
                name: "run",
                division: "P",
                seed: 4,
                window: .referee,
                rulebook: (Fixture.rulebook.hash, Fixture.rulebook.id, Fixture.rulebookBytes),
                entries: try store.registeredRobots(),
                at: 1
            )
            #expect(throws: StorageError.self) { try store.transition(run, to: .finished, at: 2) }
            let simulated = try Fixture.simulate(runID: run, seed: 4, duration: 40, faults: "drop=0.01,reorder=0.01")
            var pipeline = FakePipeline(database: temporary.database)
            let start = simulated.offsets.first!
            try store.transition(run, to: .running, at: start)
            pipeline.observer.backgroundTick(now: start)
            try pipeline.close(now: start)
            let half = simulated.frames.count / 2
            try pipeline.ingest(Array(simulated.frames[..<half]), at: Array(simulated.offsets[..<half]), batch: 40)
            // Penalties while RUNNING: one stands, one is taken back.
            let kept = try store.addAction(Self.penalty(run, "team-2-solid", 3))
            let removed = try store.addAction(Self.penalty(run, "team-1-expert", 5))
            try store.addAction(
                RefereeAction(
                    runID: run,
                    kind: .penaltyRemove,
                    team: nil,
                    value: nil,
                    target: removed,
                    by: "head",
                    reason: "video",
                    atNanos: 2
                )
            )
            #expect(throws: StorageError.self) {
                try store.addAction(
                    RefereeAction(
                        runID: run,
                        kind: .award,
                        team: "team-1-expert",
                        value: 0.05,
                        by: "j",
                        reason: "r",
                        atNanos: 3
                    )
                )
            }
            pipeline.observer.backgroundTick(now: simulated.offsets[half])
            try pipeline.ingest(Array(simulated.frames[half...]), at: Array(simulated.offsets[half...]), batch: 40)
            let end = simulated.offsets.last!
            try store.transition(run, to: .finished, at: end)
            pipeline.observer.backgroundTick(now: end)
            for step in 1...4 { try pipeline.close(now: end + UInt64(step) * 600_000_000) }

            let live = try CanonicalJSON.string(try #require(try store.runResult(runID: run, source: .live)))
            #expect(live == (try CanonicalJSON.string(Recompute.result(store: store, runID: run))))
            let result = try CanonicalJSON.decode(RunResult.self, from: Array(live.utf8))
            let team2 = try #require(result.teams.first { $0.team == "team-2-solid" })
            #expect(team2.penalties.referee == 3)
            #expect(result.teams.first { $0.team == "team-1-expert" }?.penalties.referee == 0)
            #expect(result.events.contains { $0.criterion == .refereePenalty && $0.evidence.eventID == kept })

            // Award on FINISHED, then FINAL: it counts, the result is signed and verifies.
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
            let key = try ServiceKey(path: temporary.folder.appendingPathComponent("service.key").path, create: true)
            let outcome = try Finalizer.finalize(store: store, runID: run, key: key, now: 5)
            #expect(outcome.document.liveAgrees == true)
            let team1 = try #require(outcome.document.result.teams.first { $0.team == "team-1-expert" })
            #expect(outcome.document.result.isFinal)
            #expect(team1.bonuses.refereeAwardPoints == 0.05 * team1.earned || team1.earned == 0)
            #expect(try store.run(run).state == .final)
            #expect(throws: StorageError.self) { try store.addAction(Self.penalty(run, "team-2-solid", 1)) }
            #expect(throws: CompetitionError.self) {
                try Finalizer.finalize(store: store, runID: run, key: key, now: 6)
            }
            let report = try Verifier.verify(store: store, runID: run, keyPath: key.path)
            #expect(report.ok, "\(report.checks)")

            // Another key on the machine: the result was not signed with it.
            let other = try ServiceKey(path: temporary.folder.appendingPathComponent("other.key").path, create: true)
            #expect(try !Verifier.verify(store: store, runID: run, keyPath: other.path).ok)
            // An edited signed document fails the signature.
            try temporary.database.write { db in
                try db.execute(
                    sql:
                        "UPDATE final_result SET document = CAST(replace(CAST(document AS TEXT), '\"isFinal\":true', '\"isFinal\":false') AS BLOB)"
                )
            }
            let edited = try Verifier.verify(store: store, runID: run, keyPath: key.path)
            #expect(!edited.ok && edited.checks.contains { $0.name == "signature" && !$0.ok })
        }

        @Test func keyFileIsCreatedOnceAndReused() throws {
            let temporary = try TemporaryStore()
            let path = temporary.folder.appendingPathComponent("k.key").path
            #expect(throws: CompetitionError.self) { try ServiceKey(path: path, create: false) }
            let first = try ServiceKey(path: path, create: true)
            let again = try ServiceKey(path: path, create: false)
            #expect(first.publicKey == again.publicKey)
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            let signature = try first.sign([1, 2, 3])
            #expect(ServiceKey.isValid(signature: signature, of: [1, 2, 3], publicKey: again.publicKey))
            #expect(!ServiceKey.isValid(signature: signature, of: [1, 2, 4], publicKey: again.publicKey))
        }

        @Test func aRobotBelongsToOneTeam() throws {
            let temporary = try TemporaryStore()
            try temporary.store.addTeam("a", robots: [RegisteredRobot(robotID: 1, team: "a", kind: "sweeper")], at: 1)
            #expect(throws: StorageError.self) {
                try temporary.store.addTeam(
                    "b",
                    robots: [RegisteredRobot(robotID: 1, team: "b", kind: "washer")],
                    at: 2
                )
            }
            #expect(try temporary.store.teamNames() == ["a"])
        }
    }
}
