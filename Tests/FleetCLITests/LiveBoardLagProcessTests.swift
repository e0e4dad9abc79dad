import FleetCompetition
import FleetRunner
import FleetScoring
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import Testing

extension ProcessSuites {
    /// Issue 11, item 3, through the HTTP API of a real `fleet ingest` as the README runs a
    /// heat: the run is started, `fleet sim --run-id` sends the fleet, and the board is polled
    /// every 100 ms (more often than it changes) while it is RUNNING. At 95% of the polls
    /// (and within 3 s at all of them):
    ///
    /// - the board was computed within the last second (`computedAt`, the ingester's wall
    ///   clock; the machine's clock is shared), and
    /// - a frame the ingester had when one poll was made is in the scores by a board computed
    ///   at most one second later (`scoredThrough` is the live scorer's watermark; the newest
    ///   ingested frame is the run's robots' newest `lastSeen` in `/api/robots`).
    ///
    /// At the demo's time scale (20×) and in real time (1×): before, the watermark trailed
    /// the robots by 2 s of event time, which is 2 s of wall time at 1×.
    @Suite
    struct LiveBoardLagProcessTests {
        struct Poll {
            var wall: UInt64
            var newestFrame: UInt64
            var scoredThrough: UInt64?
            var computedAt: UInt64?
        }

        static let second: UInt64 = 1_000_000_000

        static func seconds(_ ns: UInt64) -> String { String(format: "%.2f s", Double(ns) / 1e9) }

        @Test(.timeLimit(.minutes(4)), arguments: [(20.0, 400.0), (1.0, 12.0)])
        func theBoardFollowsTheRobotsWithinASecond(timeScale: Double, duration: Double) async throws {
            let folder = try TemporaryFolder()
            let db = folder.path("fleet.db")
            let teams = 4
            let kinds = ["sweeper", "litterPicker", "washer"]
            try await HTTPIngestProcess.registerTeams(teams, kinds: kinds, db: db, in: folder)
            let server = try await HTTPIngestProcess.start(db: db, in: folder)
            defer { server.kill() }
            let created = try await server.call(
                "POST",
                "/api/runs",
                #"{"division":"P","seed":7,"name":"heat","window":"referee"}"#
            )
            #expect(created.status == 201, "\(created.body)")
            _ = try await server.call("POST", "/api/runs/1/start")
            let sim = try FleetProcess(
                [
                    "sim", "--connect", server.endpoint, "--teams", "\(teams)", "--robots-per-team", "3",
                    "--duration", "\(Int(duration))", "--time-scale", "\(timeScale)", "--seed", "7", "--run-id", "1",
                ],
                in: folder.url
            )
            let robots = Set((1...teams).flatMap { team in (1...3).map { team * 100 + $0 } })
            let port = server.port
            var polls: [Poll] = []
            while sim.process.isRunning {
                let poll = try await offPool { () throws -> Poll? in
                    let board = try HTTPRequest.send("GET", port: port, "/api/runs/1/scoreboard").json
                    let listed = try HTTPRequest.send("GET", port: port, "/api/robots").json
                    let wall = UInt64(Date().timeIntervalSince1970 * 1e9)
                    guard (board["run"] as? [String: Any])?["state"] as? String == "RUNNING" else { return nil }
                    let newest = (listed["robots"] as? [[String: Any]] ?? [])
                        .filter { robots.contains($0["robot"] as? Int ?? 0) }
                        .compactMap { ($0["lastSeen"] as? NSNumber)?.uint64Value }.max()
                    guard let newest else { return nil }
                    return Poll(
                        wall: wall,
                        newestFrame: newest,
                        scoredThrough: (board["scoredThrough"] as? NSNumber)?.uint64Value,
                        computedAt: (board["computedAt"] as? NSNumber)?.uint64Value
                    )
                }
                if let poll { polls.append(poll) }
                try await Task.sleep(for: .milliseconds(100))  // the poll interval, not a wait for an event
            }
            #expect(sim.exitStatus == 0, "\(sim.standardError)")
            // From the first board that scored anything; while the robots still send (the last
            // second of the sim is its shutdown).
            let scored = polls.drop { $0.scoredThrough == nil }.dropLast(10)
            #expect(scored.count >= 20, "polled \(polls.count) times, \(scored.count) with scores")
            var ages: [UInt64] = []
            var lags: [UInt64] = []
            for (i, poll) in zip(scored.indices, scored) {
                let computed = try #require(poll.computedAt, "a live board has its time")
                ages.append(poll.wall &- min(poll.wall, computed))
                guard let covering = scored[i...].first(where: { ($0.scoredThrough ?? 0) >= poll.newestFrame }) else {
                    continue  // the last polls: nothing later covers them yet
                }
                lags.append((covering.computedAt ?? 0) &- min(covering.computedAt ?? 0, poll.wall))
            }
            #expect(lags.count * 4 >= scored.count * 3, "\(lags.count) of \(scored.count) polls' frames were scored")
            // The goal holds at the 95th percentile; a single sample may take a stall of the
            // whole machine (this suite runs beside builds and busy loops: at a load of 10 on
            // two cores one board was 1.02 s old), never a second rule trailing the robots
            // (before: 2–3 s at 1× at every poll, 1.3 s at 20× whenever a robot went quiet).
            for (what, values) in [("board age", ages), ("frame → scores", lags)] {
                let sorted = values.sorted()
                let p95 = sorted[min(sorted.count - 1, sorted.count * 95 / 100)]
                let summary =
                    "p50 \(Self.seconds(sorted[sorted.count / 2])), p95 \(Self.seconds(p95)), max \(Self.seconds(sorted.last!))"
                #expect(p95 <= Self.second && sorted.last! <= 3 * Self.second, "at \(timeScale)×, \(what): \(summary)")
            }
            // A board this close to the robots still scores every frame: nothing came late, so
            // the live result equals the recompute.
            _ = try await server.call("POST", "/api/runs/1/stop")
            let store = SQLiteCompetitionStore(database: try FleetDatabase(path: db, readOnly: true))
            try await waitUntil(timeout: .seconds(30)) { (try? store.storedResult(runID: 1, source: .live)) != nil }
            let live = try #require(try store.runResult(runID: 1, source: .live))
            let recomputed = try Recompute.result(store: store, runID: 1, isFinal: false)
            #expect(
                try CanonicalJSON.string(live.withoutEvents) == CanonicalJSON.string(recomputed.withoutEvents),
                "at \(timeScale)×: live \(live.teams.map(\.runScore)) recompute \(recomputed.teams.map(\.runScore)) frames \(live.robots.map(\.frames)) vs \(recomputed.robots.map(\.frames)) start \(live.runningStart ?? 0) vs \(recomputed.runningStart ?? 0) ignored \(live.ignored) vs \(recomputed.ignored) flags \(live.flags.count) vs \(recomputed.flags.count)"
            )
            #expect(try CanonicalJSON.string(live) == CanonicalJSON.string(recomputed), "at \(timeScale)×")
            #expect(try store.run(1).review == false, "no late frames, no review: \(live.flags.map { "\($0)" })")
            server.process.signal(SIGTERM)
            _ = await server.process.wait(timeout: .seconds(15))
            try? FileManager.default.removeItem(atPath: "/tmp/lag/testdb-\(Int(timeScale)).db")
            try? FileManager.default.copyItem(atPath: db, toPath: "/tmp/lag/testdb-\(Int(timeScale)).db")
            #expect(await server.process.wait(timeout: .seconds(15)))
        }
    }
}
