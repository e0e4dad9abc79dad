import FleetCompetition
import FleetScoring
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import GRDB
import Testing

extension ProcessSuites {
    /// Issue 11, item 1: the README's order (stop, then a penalty and an award, then finalize)
    /// through the HTTP API of a real `fleet ingest`. The live result takes the referee's
    /// actions after the stop, and finalize compares it with a recompute of the same actions:
    /// live agrees, no review flag without a cause.
    @Suite
    struct RefereeAfterStopProcessTests {
        static let token = "t0ken-for-tests"
        static let t0: UInt64 = 1_800_000_000_000_000_000

        @Test(.timeLimit(.minutes(3)))
        func refereeActionsAfterStopReachTheLiveResultAndLiveAgreesAtFinalize() async throws {
            let folder = try TemporaryFolder()
            let db = folder.path("fleet.db")
            for (team, robot) in [("alpha", 1), ("beta", 2)] {
                let added = try await FleetProcess.run(
                    ["team", "add", team, "--robot", "\(robot):sweeper", "--db", db],
                    in: folder.url
                )
                #expect(added.status == 0, "\(added.errors)")
            }
            let recording = folder.path("fleet.ftrec")
            _ = try writeRecording(to: recording, robots: 2, framesPerRobot: 300)
            let server = try await HTTPIngestProcess.start(db: db, in: folder)
            defer { server.kill() }
            let (ingest, endpoint, port) = (server.process, server.endpoint, server.port)
            func call(_ method: String, _ path: String, _ body: String? = nil) async throws -> HTTPRequest.Response {
                try await server.call(method, path, body)
            }
            func board() throws -> [String: Any] {
                try HTTPRequest.send("GET", port: port, "/api/runs/1/scoreboard").json
            }
            func ranking(_ board: [String: Any]) -> [String: [String: Any]] {
                (board["ranking"] as? [[String: Any]] ?? []).reduce(into: [:]) { $0[$1["team"] as? String ?? "?"] = $1 }
            }
            let created = try await call(
                "POST",
                "/api/runs",
                #"{"division":"P","name":"heat 1","seed":3,"window":"wall"}"#
            )
            #expect(created.status == 201, "\(created.body)")
            _ = try await call("POST", "/api/runs/1/start", #"{"time":\#(Self.t0)}"#)
            // The live scorer has the run once the board ranks its teams (no fixed sleep).
            try await waitUntil(timeout: .seconds(30)) { ranking(try board()).count == 2 }

            let replay = try await FleetProcess.run(
                ["replay", recording, "--connect", endpoint, "--wait-timeout", "90", "--rate", "max"],
                in: folder.url
            )
            #expect(replay.status == 0, "\(replay.errors)")
            // Every frame stored (so the live scorer has seen them all) before the stop: on a
            // loaded machine the pipeline may still be working through the burst.
            try await waitUntil(timeout: .seconds(60)) {
                try FleetDatabase(path: db, readOnly: true).ingestStatistics()["frames.accepted"] == 600
            }
            try await waitUntil(timeout: .seconds(30)) { (try board()["eventCount"] as? Int ?? 0) > 0 }
            // The last frames are at t0 + 29.9 s: the window ends with them (no telemetry gap).
            let stopped = try await call("POST", "/api/runs/1/stop", #"{"time":\#(Self.t0 + 29_900_000_000)}"#)
            #expect(stopped.json["state"] as? String == "FINISHED")

            // After the stop, as the README orders it: a penalty and an award.
            let penalty = try await call(
                "POST",
                "/api/runs/1/penalties",
                #"{"team":"beta","points":3,"reason":"cut the course"}"#
            )
            #expect(penalty.status == 200, "\(penalty.body)")
            let award = try await call("POST", "/api/runs/1/award", #"{"team":"alpha","fraction":0.05}"#)
            #expect(award.status == 200, "\(award.body)")
            // The live result (not only a recompute) shows the penalty before finalize.
            try await waitUntil(timeout: .seconds(30)) {
                ranking(try board())["beta"]?["penalties"] as? Double == 3
            }
            // Finalize once the live scorer has finished the stopped run and stored its result
            // with the penalty (it finishes a second after the run's frames stop): a result
            // stored before it saw the stop may still count a frame past the stop time, which
            // the recompute leaves out.
            try await waitUntil(timeout: .seconds(30)) {
                let stored = SQLiteCompetitionStore(database: try FleetDatabase(path: db, readOnly: true))
                let live = try stored.runResult(runID: 1, source: .live)
                return live?.teams.first { $0.team == "beta" }?.penalties.referee == 3
            }

            let finalized = try await call("POST", "/api/runs/1/finalize")
            #expect(finalized.status == 200 && finalized.json["state"] as? String == "FINAL", "\(finalized.body)")
            ingest.signal(SIGTERM)
            #expect(await ingest.wait(timeout: .seconds(15)), "ingest stops on SIGTERM")

            let store = SQLiteCompetitionStore(database: try FleetDatabase(path: db))
            let live = try #require(try store.runResult(runID: 1, source: .live))
            #expect(live.teams.first { $0.team == "beta" }?.penalties.referee == 3)
            let record = try #require(try store.finalRecord(runID: 1))
            let document = try CanonicalJSON.decode(FinalDocument.self, from: record.document)
            #expect(document.liveAgrees == true, "live and recompute agree on the telemetry and the same actions")
            #expect(document.result.flags.isEmpty, "\(document.result.flags)")
            #expect(try store.run(1).review == false, "no review flag without a cause")

            // FINAL == recompute == a second recompute, byte for byte.
            let final = try await FleetProcess.run(["score", "1", "--db", db, "--format", "json"], in: folder.url)
            let again = try await FleetProcess.run(
                ["score", "1", "--recompute", "--db", db, "--format", "json"],
                in: folder.url
            )
            let third = try await FleetProcess.run(
                ["score", "1", "--recompute", "--db", db, "--format", "json"],
                in: folder.url
            )
            func result(_ text: String) throws -> String {
                try CanonicalJSON.string(
                    try #require(try CanonicalJSON.decode(ScoreReport.self, from: Array(text.utf8)).result)
                )
            }
            #expect(try result(final.output) == result(again.output))
            #expect(again.output == third.output)
        }
    }
}
