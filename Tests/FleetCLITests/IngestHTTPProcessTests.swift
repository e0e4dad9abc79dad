import FleetTestSupport
import Foundation
import Testing

extension ProcessSuites {
    /// `fleet ingest --http` as an operator runs it: teams registered with `fleet team add`, the
    /// run controlled over the API with the admin token, robots replayed over ZeroMQ, the board
    /// provisional while it goes on, and the final result the one `fleet score --recompute`
    /// rebuilds from the database after the service stopped.
    @Suite
    struct IngestHTTPProcessTests {
        static let token = "t0ken-for-tests"
        static let t0: UInt64 = 1_800_000_000_000_000_000

        @Test(.timeLimit(.minutes(3)))
        func aRunControlledOverHTTPIsScoredLiveAndItsFinalResultIsTheRecompute() async throws {
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

            // While the ingester runs it is the database's only writer: a second one is refused.
            let refused = try await FleetProcess.run(
                ["run", "create", "--division", "P", "--seed", "1", "--name", "x", "--db", db],
                in: folder.url
            )
            #expect(refused.status != 0 && refused.errors.contains("fleet ingest"), "\(refused.errors)")
            #expect(refused.errors.contains("HTTP API"), "the refusal says what to do instead")
            let second = try await FleetProcess.run(
                ["ingest", "--db", db, "--listen", "tcp://127.0.0.1:\(try freePort())", "--status-every", "0"],
                in: folder.url,
                timeout: .seconds(20)
            )
            #expect(second.status != 0 && second.errors.contains("being written by fleet ingest"), "\(second.errors)")

            let unauthorized = try await offPool {
                try HTTPRequest.send("POST", port: port, "/api/runs", body: #"{"division":"P"}"#)
            }
            #expect(unauthorized.status == 401, "run control needs the token")
            let created = try await call(
                "POST",
                "/api/runs",
                #"{"division":"P","name":"heat 1","seed":3,"window":"wall"}"#
            )
            #expect(created.status == 201, "\(created.body)")
            #expect(created.json["teams"] as? [String] == ["alpha", "beta"], "every registered team is entered")
            let started = try await call("POST", "/api/runs/1/start", #"{"time":\#(Self.t0)}"#)
            #expect(started.json["state"] as? String == "RUNNING")
            // The live scorer picks the run up within a background tick.
            try await Task.sleep(for: .seconds(1))

            let replay = try await FleetProcess.run(
                ["replay", recording, "--connect", endpoint, "--wait-timeout", "90", "--rate", "max"],
                in: folder.url
            )
            #expect(replay.status == 0, "\(replay.errors)")
            var provisional: [String: Any] = [:]
            try await waitUntil(timeout: .seconds(30)) {
                provisional = try HTTPRequest.send("GET", port: port, "/api/runs/1/scoreboard").json
                let ranking = provisional["ranking"] as? [[String: Any]] ?? []
                return ranking.count == 2 && (provisional["eventCount"] as? Int ?? 0) > 0
            }
            #expect(provisional["provisional"] as? Bool == true)
            let penalty = try await call(
                "POST",
                "/api/runs/1/penalties",
                #"{"team":"beta","points":3,"reason":"cut the course"}"#
            )
            #expect(penalty.status == 200, "\(penalty.body)")

            let stopped = try await call("POST", "/api/runs/1/stop", #"{"time":\#(Self.t0 + 40_000_000_000)}"#)
            #expect(stopped.json["state"] as? String == "FINISHED")
            // The live result is stored once the scorer has seen the stop; then finalize.
            try await waitUntil(timeout: .seconds(30)) {
                let board = try HTTPRequest.send("GET", port: port, "/api/runs/1/scoreboard").json
                let ranking = board["ranking"] as? [[String: Any]] ?? []
                return ranking.first { $0["team"] as? String == "beta" }?["penalties"] as? Double == 3
            }
            let finalized = try await call("POST", "/api/runs/1/finalize")
            #expect(finalized.status == 200 && finalized.json["state"] as? String == "FINAL", "\(finalized.body)")
            let board = try await offPool { try HTTPRequest.send("GET", port: port, "/api/runs/1/scoreboard") }
            #expect(board.json["provisional"] as? Bool == false)
            let standings = try await offPool { try HTTPRequest.send("GET", port: port, "/api/standings/P") }
            #expect((standings.json["entries"] as? [Any])?.count == 2, "\(standings.body)")
            let metrics = try await offPool { try HTTPRequest.send("GET", port: port, "/metrics") }
            #expect(metrics.body.contains("fleet_frames_stored"), "Prometheus text")

            ingest.signal(SIGTERM)
            #expect(await ingest.wait(timeout: .seconds(15)), "ingest stops on SIGTERM")
            #expect(ingest.exitStatus == 0, "\(ingest.standardError)")

            // The database alone gives the same numbers, and the signature verifies.
            let stored = try await FleetProcess.run(["score", "1", "--db", db, "--format", "json"], in: folder.url)
            let recomputed = try await FleetProcess.run(
                ["score", "1", "--recompute", "--db", db, "--format", "json"],
                in: folder.url
            )
            func scores(_ text: String) -> [String: Double] {
                let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
                let teams = (object?["result"] as? [String: Any])?["teams"] as? [[String: Any]] ?? []
                return teams.reduce(into: [:]) { $0[$1["team"] as? String ?? "?"] = $1["runScore"] as? Double }
            }
            let boardScores = (board.json["ranking"] as? [[String: Any]] ?? []).reduce(into: [String: Double]()) {
                $0[$1["team"] as? String ?? "?"] = $1["score"] as? Double
            }
            #expect(scores(stored.output).count == 2)
            #expect(scores(stored.output) == scores(recomputed.output), "the stored final result is the recompute")
            for (team, score) in scores(recomputed.output) {
                #expect(
                    abs((boardScores[team] ?? -1) - score) < 1e-9,
                    "\(team): board \(boardScores[team] ?? -1), recompute \(score)"
                )
            }
            let verify = try await FleetProcess.run(["verify", "1", "--db", db], in: folder.url)
            #expect(verify.status == 0 && verify.output.contains("run 1 verifies"), "\(verify.output)")
        }
    }
}
