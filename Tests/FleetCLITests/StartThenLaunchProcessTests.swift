import FleetCompetition
import FleetRunner
import FleetScoring
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import Testing

extension ProcessSuites {
    /// Issue 11, items 2 and 13 through the HTTP API of a real `fleet ingest`: the run is
    /// created and started and the fleet launched at once (the README's order, no wait for the
    /// live scorer), twice into the same database with `fleet sim`'s default start. Each live
    /// result counts every frame of RUNNING (it equals the recompute) and the second run is
    /// scored, not dropped as duplicates of the first.
    @Suite
    struct StartThenLaunchProcessTests {
        static let token = "t0ken-for-tests"

        @Test(.timeLimit(.minutes(4)))
        func aRunStartedAndLaunchedAtOnceIsScoredLiveFromEveryFrameTwice() async throws {
            let folder = try TemporaryFolder()
            let db = folder.path("fleet.db")
            try await HTTPIngestProcess.registerTeams(2, kinds: ["sweeper", "litterPicker"], db: db, in: folder)
            let server = try await HTTPIngestProcess.start(db: db, in: folder)
            defer { server.kill() }
            let (ingest, endpoint) = (server.process, server.endpoint)
            func call(_ method: String, _ path: String, _ body: String? = nil) async throws -> HTTPRequest.Response {
                try await server.call(method, path, body)
            }
            let store = SQLiteCompetitionStore(database: try FleetDatabase(path: db, readOnly: true))
            var starts: [UInt32] = []
            for id: UInt32 in 1...2 {
                let created = try await call(
                    "POST",
                    "/api/runs",
                    #"{"division":"P","seed":5,"name":"run-\#(id)","window":"referee"}"#
                )
                #expect(created.status == 201, "\(created.body)")
                _ = try await call("POST", "/api/runs/\(id)/start")
                // At once: no wait for the live scorer to have the run.
                let sim = try await FleetProcess.run(
                    [
                        "sim", "--connect", endpoint, "--teams", "2", "--robots-per-team", "2", "--duration", "4",
                        // Real time: the next run's event times (its start is now) follow this one's.
                        "--time-scale", "1", "--seed", "5", "--run-id", "\(id)", "--truth",
                        folder.path("truth-\(id).json"),
                    ],
                    in: folder.url,
                    timeout: .seconds(90)
                )
                #expect(sim.status == 0, "\(sim.errors)")
                let truth = try JSONDecoder().decode(
                    RunnerTruth.self,
                    from: Data(contentsOf: URL(fileURLWithPath: folder.path("truth-\(id).json")))
                )
                starts.append(truth.senders.first!.bootEpochs.first!.bootEpoch)
                _ = try await call("POST", "/api/runs/\(id)/stop")
                try await waitUntil(timeout: .seconds(30)) {
                    (try? store.storedResult(runID: id, source: .live)) != nil
                }
                let live = try #require(try store.runResult(runID: id, source: .live))
                let recomputed = try Recompute.result(store: store, runID: id, isFinal: false)
                #expect(
                    live.robots.allSatisfy { $0.frames > 0 },
                    "run \(id): every robot scored frames live: \(live.robots.map(\.frames)) recompute \(recomputed.robots.map(\.frames)) \(live.runningStart ?? 0) \(recomputed.runningStart ?? 0) \(live.ignored) \(recomputed.ignored)"
                )
                #expect(
                    try CanonicalJSON.string(live) == CanonicalJSON.string(recomputed),
                    "run \(id): the live result counts every frame of RUNNING"
                )
                #expect(!live.flags.contains { $0.kind == .noFrames }, "\(live.flags)")
            }
            #expect(starts[0] != starts[1], "fleet sim's default start is now: new boot epochs per run")
            ingest.signal(SIGTERM)
            #expect(await ingest.wait(timeout: .seconds(15)))
        }
    }
}
