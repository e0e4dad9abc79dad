import FleetCompetition
import FleetProtocol
import FleetRunner
import FleetScoring
import FleetSimulation
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import GRDB
import Testing

extension ProcessSuites {
    /// The competition end to end with real processes: teams from a heat file, three runs of a
    /// simulated heat (4 teams × 3 robots, faults) through `fleet sim` into `fleet ingest` with
    /// live scoring, the live result against two recomputes and the simulator's truth, standings,
    /// finalize, verify, and a row edited with the sqlite3 tool.
    @Suite(.serialized)
    struct CompetitionProcessTests {
        static func fleet(_ arguments: [String], in folder: TemporaryFolder) async throws -> String {
            let result = try await FleetProcess.run(arguments, in: folder.url, timeout: .seconds(90))
            guard result.status == 0 else {
                throw CLITestError(
                    "fleet \(arguments.joined(separator: " ")) exited \(result.status): \(result.errors)"
                )
            }
            return result.output
        }

        static func report(_ json: String) throws -> ScoreReport {
            do {
                return try CanonicalJSON.decode(ScoreReport.self, from: Array(json.utf8))
            } catch {
                throw CLITestError("not a score report (\(error)): \(json.prefix(300))")
            }
        }

        @Test(.timeLimit(.minutes(3)))
        func aSimulatedHeatIsScoredLiveEqualsRecomputeAgreesWithTruthAndVerifies() async throws {
            let folder = try TemporaryFolder()
            let db = folder.path("fleet.db")
            let endpoint = "tcp://127.0.0.1:\(try freePort())"
            let heat = """
                {"teams": [\((1...4).map { team in
                    "{\"name\": \"\(FleetRoster.teamName(team))\", \"robots\": ["
                        + ["sweeper", "litterPicker", "washer"].enumerated().map { i, kind in
                            "{\"id\": \(team * 100 + i + 1), \"kind\": \"\(kind)\"}"
                        }.joined(separator: ", ") + "]}"
                }.joined(separator: ", "))]}
                """
            try heat.write(toFile: folder.path("heat.json"), atomically: true, encoding: .utf8)
            _ = try await Self.fleet(["team", "add", "--heat", "heat.json", "--db", db], in: folder)

            // While the ingester runs it is the database's one writer: runs are controlled
            // through its API.
            let http = try freePort()
            let ingest = try FleetProcess(
                [
                    "ingest", "--db", db, "--listen", endpoint, "--status-every", "0", "--watermark-slack", "5",
                    "--http", "127.0.0.1:\(http)", "--admin-token", "referee-token",
                ],
                in: folder.url
            )
            defer { if ingest.process.isRunning { ingest.signal(SIGKILL) } }
            func control(_ path: String, _ body: String? = nil) async throws -> [String: Any] {
                let response = try await offPool {
                    try HTTPRequest.send(
                        "POST",
                        port: http,
                        path,
                        headers: ["Authorization": "Bearer referee-token"],
                        body: body
                    )
                }
                #expect(response.status < 300, "\(path): \(response.body)")
                return response.json
            }
            try await waitUntil(timeout: .seconds(30)) {
                (try? HTTPRequest.send("GET", port: http, "/api/runs").status) == 200
            }
            let faults = [
                "drop=0.01,dup=0.005,reorder=0.01,reboot=1", "dup=0.01,reorder=0.01,disconnect=1",
                "drop=0.005,corrupt=0.002,reorder=0.01",
            ]
            var accepted = 0
            var runs: [UInt32] = []
            for (k, fault) in faults.enumerated() {
                let seed = 20 + k
                let created = try await control(
                    "/api/runs",
                    #"{"division":"P","seed":\#(seed),"name":"heat-\#(k + 1)","window":"referee"}"#
                )
                let id = try #require((created["id"] as? Int).map { UInt32($0) })
                runs.append(id)
                _ = try await control("/api/runs/\(id)/start")
                let store = SQLiteCompetitionStore(database: try FleetDatabase(path: db, readOnly: true))
                // The ingester's live scorer has the run once it writes its board rows.
                try await waitUntil(timeout: .seconds(15)) { (try? store.provisionalCount(runID: id)) ?? 0 > 0 }
                _ = try await Self.fleet(
                    [
                        "sim", "--connect", endpoint, "--teams", "4", "--robots-per-team", "3", "--duration", "60",
                        "--time-scale", "20", "--seed", "\(seed)", "--run-id", "\(id)", "--faults", fault,
                        // Each run an hour after the last: new boot epochs, later event times.
                        "--start", "\(FleetRunner.defaultStartUnixNanos + UInt64(k) * 3_600_000_000_000)", "--truth",
                        folder.path("truth-\(id).json"),
                    ],
                    in: folder
                )
                let truth = try JSONDecoder().decode(
                    RunnerTruth.self,
                    from: Data(contentsOf: URL(fileURLWithPath: folder.path("truth-\(id).json")))
                )
                // Everything sent is stored (at most what the truth says could arrive), then quiet.
                accepted += truth.senders.flatMap(\.bootEpochs).map { $0.expectedStored.count - $0.corrupted.count }
                    .reduce(0, +)
                var last: Int64 = -1
                var quiet = 0
                try await waitUntil(timeout: .seconds(30)) {
                    let now = (try? store.database.ingestStatistics()["frames.accepted"]) ?? 0
                    quiet = now == last ? quiet + 1 : 0
                    last = now
                    return now == Int64(accepted) || quiet >= 20
                }
                #expect(last <= Int64(accepted) && Double(last) > 0.97 * Double(accepted))
                _ = try await control("/api/runs/\(id)/stop")
                try await waitUntil(timeout: .seconds(15)) {
                    (try? store.storedResult(runID: id, source: .live)) != nil
                }

                // Live, recompute, recompute: the same to the last digit.
                let live = try Self.report(
                    try await Self.fleet(["score", "\(id)", "--db", db, "--format", "json"], in: folder)
                )
                let first = try Self.report(
                    try await Self.fleet(["score", "\(id)", "--recompute", "--db", db, "--format", "json"], in: folder)
                )
                let second = try Self.report(
                    try await Self.fleet(["score", "\(id)", "--recompute", "--db", db, "--format", "json"], in: folder)
                )
                #expect(live.source == .live && first.source == .recompute)
                let result = try #require(live.result)
                #expect(result == first.result, "run \(id): live differs from the recompute")
                #expect(first.result == second.result, "run \(id): two recomputes differ")
                #expect(try CanonicalJSON.string(result) == CanonicalJSON.string(second.result))
                #expect(result.events.count > 20 && result.teams.count == 4)
                #expect(live.completeness.count == 12 && live.completeness.allSatisfy { $0.completeness > 0.9 })

                // Against the simulator's truth: Q, A and S counts exactly, coverage within 0.02.
                for robot in try #require(truth.simulation.runs.first).robots {
                    let scored = try #require(result.robots.first { $0.robot == robot.robotID })
                    #expect(scored.quality.objects == robot.litter.objects, "robot \(robot.robotID)")
                    #expect(scored.quality.ratingSum == robot.litter.ratingSum, "robot \(robot.robotID)")
                    #expect(abs(scored.quality.dustKg - robot.litter.dustKg) < 1e-3, "float32 masses on the wire")
                    #expect(abs(scored.quality.gravelKg - robot.litter.gravelKg) < 1e-3)
                    #expect(scored.interventionsByKind.values.reduce(0, +) == robot.interventions.total)
                    #expect(scored.safety.staticContacts == robot.contacts.static)
                    #expect(scored.safety.seriousContacts == robot.contacts.total - robot.contacts.static)
                    #expect(scored.safety.nearMisses == robot.nearMisses)
                    #expect(scored.safety.geofenceExits == robot.geofenceExits)
                    let c = try #require(robot.telemetryCoverage).c
                    #expect(
                        abs(scored.coverage.c - c) <= 0.02,
                        "robot \(robot.robotID): c \(scored.coverage.c) vs \(c)"
                    )
                }
                #expect(
                    result.robots.contains { $0.coverage.counts.coveredCells > 0 },
                    "run \(id): nobody covered anything, a vacuous coverage check"
                )
                if fault.contains("disconnect") {
                    #expect(result.flags.contains { $0.kind == .telemetryGap }, "a 2 s outage is a gap over 2 s")
                    #expect(live.run.review)
                }
            }
            ingest.signal(SIGTERM)
            #expect(await ingest.wait(timeout: .seconds(15)))

            // Standings, tie-breaks applied.
            let table = try await Self.fleet(["standings", "--division", "P", "--db", db], in: folder)
            #expect(table.contains("tie-breaks: higher_S, fewer_interventions"))
            for team in 1...4 { #expect(table.contains(FleetRoster.teamName(team))) }
            let json = try await Self.fleet(
                ["standings", "--division", "P", "--db", db, "--format", "json"],
                in: folder
            )
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
            #expect(rows.count == 4)
            #expect(rows.compactMap { $0["rank"] as? Int } == rows.compactMap { $0["rank"] as? Int }.sorted())
            let scores = rows.compactMap { $0["score"] as? Double }
            #expect(scores == scores.sorted(by: >))

            // Finalize and verify; then edit one stored frame with sqlite3.
            let run = runs[0]
            let finalized = try await Self.fleet(["run", "finalize", "\(run)", "--db", db], in: folder)
            #expect(finalized.contains("FINAL, signed"))
            #expect(try await Self.fleet(["verify", "\(run)", "--db", db], in: folder).contains("run \(run) verifies"))
            let final = try Self.report(
                try await Self.fleet(["score", "\(run)", "--db", db, "--format", "json"], in: folder)
            )
            #expect(final.source == .final && final.result?.isFinal == true)
            let start = try #require(final.result?.runningStart)
            let database = try FleetDatabase(path: db, readOnly: true)
            let (chunk, encoding, blob) = try #require(
                try database.read { db in
                    try Row.fetchOne(
                        db,
                        sql: """
                            SELECT chunk_id, encoding, CAST(frames AS BLOB) FROM frame_chunk
                            WHERE robot_id = 102 AND end_ns >= ? ORDER BY start_ns LIMIT 1
                            """,
                        arguments: [Int64(bitPattern: start)]
                    ).map { ($0[0] as Int64, ChunkEncoding(rawValue: UInt8($0[1] as Int64))!, [UInt8]($0[2] as Data)) }
                }
            )
            var frames: [[UInt8]] = []
            try blob.withUnsafeBytes {
                try ChunkCodec.forEachFrame(in: $0, encoding: encoding) { frames.append(Array($0)) }
            }
            let target = try #require(
                frames.firstIndex { $0.withUnsafeBytes { FrameHeader.unverified($0)!.timestampNanoseconds >= start } }
            )
            let header = try #require(frames[target].withUnsafeBytes { FrameHeader.unverified($0) })
            func sqlite3(_ database: String, _ statement: String) throws {
                let sqlite = Process()
                sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
                sqlite.arguments = [database, statement]
                try sqlite.run()
                sqlite.waitUntilExit()
                #expect(sqlite.terminationStatus == 0)
            }
            // A byte flipped in the stored blob, on a copy: the damaged chunk is named.
            let damaged = folder.url.appendingPathComponent("damaged.db").path
            try FileManager.default.copyItem(atPath: db, toPath: damaged)
            let middle = blob.count / 2
            try sqlite3(
                damaged,
                "UPDATE frame_chunk SET frames = CAST(substr(CAST(frames AS BLOB), 1, \(middle)) || X'\(String(format: "%02X", blob[middle] ^ 0xFF))' || substr(CAST(frames AS BLOB), \(middle + 2)) AS BLOB) WHERE chunk_id = \(chunk)"
            )
            let broken = try await FleetProcess.run(["verify", "\(run)", "--db", damaged], in: folder.url)
            #expect(broken.status != 0)
            #expect((broken.output + broken.errors).contains("robot 102"), "\(broken.output)\(broken.errors)")
            // A forgery: one body byte of a frame changed, its checksum fixed, the chunk
            // re-encoded as stored. The frame is named.
            ChunkForgery.editBody(of: &frames, at: target)
            let hex = ChunkForgery.blob(frames, encoding: encoding).map { String(format: "%02X", $0) }.joined()
            try sqlite3(db, "UPDATE frame_chunk SET frames = X'\(hex)' WHERE chunk_id = \(chunk)")
            let tampered = try await FleetProcess.run(["verify", "\(run)", "--db", db], in: folder.url)
            #expect(tampered.status != 0)
            #expect(
                tampered.errors.contains("robot 102 sequence \(header.sequence) (boot \(header.bootEpoch))"),
                "\(tampered.output)\(tampered.errors)"
            )
            #expect(tampered.output.contains("FAIL hash chains"))
            // The other runs are untouched: finalizing and verifying run 2 still works.
            _ = try await Self.fleet(["run", "finalize", "\(runs[1])", "--db", db], in: folder)
            #expect(try await Self.fleet(["verify", "\(runs[1])", "--db", db], in: folder).contains("verifies"))
        }

        @Test func aBadRulebookIsRefusedNamingTheField() async throws {
            let folder = try TemporaryFolder()
            let db = folder.path("fleet.db")
            _ = try await Self.fleet(["team", "add", "team-1", "--robot", "101:sweeper", "--db", db], in: folder)
            let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
            let text = try String(
                contentsOf: repo.appendingPathComponent("Rulebooks/rulebook-v1.json"),
                encoding: .utf8
            )
            let bad = text.replacingOccurrences(of: "\"Q\": 0.40", with: "\"Q\": -0.40")
            #expect(bad != text)
            try bad.write(toFile: folder.path("bad.json"), atomically: true, encoding: .utf8)
            let created = try await FleetProcess.run(
                [
                    "run", "create", "--db", db, "--division", "P", "--seed", "1", "--name", "x", "--rulebook",
                    "bad.json",
                ],
                in: folder.url
            )
            #expect(created.status != 0)
            #expect(created.errors.contains("run_score.weights.Q"), "\(created.errors)")
            let shown = try await FleetProcess.run(["rules", "show", "--rulebook", "bad.json"], in: folder.url)
            #expect(shown.status != 0 && shown.errors.contains("run_score.weights.Q"))
            #expect(try await Self.fleet(["rules", "show"], in: folder).contains("Sanitation-robot competition"))
        }
    }
}
