import FleetPostgres
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import Logging
import Testing

extension ProcessSuites {
    /// The read side on a PostgreSQL streaming-replication standby, built for real: a primary,
    /// a standby made with `pg_basebackup -R` and started on another port, `fleet ingest`
    /// writing the primary while a replay runs, and `fleet query` on the standby.
    @Suite(.serialized)
    struct ReplicaReadProcessTests {
        static let logger = Logger(label: "replica-test")
        /// What the README states: a read on the standby answers what a read on the primary
        /// answered at most this long before (measured: tens of milliseconds on this machine;
        /// the bound leaves room for a loaded one).
        static let lagBound: Duration = .seconds(2)

        /// The recording's time span (`writeRecording`: 500 frames a robot, 100 ms apart), as
        /// the HTTP API takes it.
        static let span = "from=1800000000000000000&to=1800000060000000000"

        /// How far a standby read trails a primary read while an ingester commits.
        struct LagSamples: Sendable {
            var lags: [Duration] = []
            /// PostgreSQL's own `replay_lag` (pg_stat_replication), largest seen.
            var largestReplayLag: Duration = .zero

            var median: Duration { lags.isEmpty ? .zero : lags.sorted()[lags.count / 2] }
            var largest: Duration { lags.max() ?? .zero }
        }

        /// Until the primary holds `count` accepted frames: reads the primary's count, then
        /// reads the standby's until it answers as much, and records how long that took (only
        /// for counts the primary had not answered before: new commits).
        static func sampleLag(
            primary: PostgresLocation,
            standby: PostgresLocation,
            server: ThrowawayPostgres,
            until count: Int64,
            deadline: ContinuousClock.Instant
        ) throws -> LagSamples {
            let clock = ContinuousClock()
            let onPrimary = try PostgresStore.open(location: primary, readOnly: true, logger: logger)
            defer { onPrimary.close() }
            let onStandby = try PostgresStore.open(location: standby, readOnly: true, logger: logger)
            defer { onStandby.close() }
            var samples = LagSamples()
            var previous: Int64 = -1
            while previous < count {
                guard clock.now < deadline else {
                    throw CLITestError("the primary stored \(previous) of \(count) frames before the deadline")
                }
                let started = clock.now
                let committed = try onPrimary.ingestStatistics()["frames.accepted"] ?? 0
                if committed == previous {
                    // Nothing new: pace the primary reads, not the standby's (those measure).
                    usleep(5000)
                    continue
                }
                while try onStandby.ingestStatistics()["frames.accepted"] ?? 0 < committed {
                    guard clock.now < deadline else {
                        throw CLITestError("the standby never answered \(committed) frames (the primary did)")
                    }
                    usleep(1000)
                }
                samples.lags.append(clock.now - started)
                previous = committed
                for state in (try? server.replicationStates()) ?? [] {
                    samples.largestReplayLag = max(samples.largestReplayLag, state.replayLag ?? .zero)
                }
            }
            return samples
        }

        static func milliseconds(_ duration: Duration) -> String {
            let (seconds, attoseconds) = duration.components
            return String(format: "%.1f ms", Double(seconds) * 1e3 + Double(attoseconds) / 1e15)
        }

        @Test(.enabled(if: PostgresFixture.enabled), .timeLimit(.minutes(4)))
        func queriesOnAStandbyPrintWhatThePrimaryCommittedWithinTheStatedLag() async throws {
            let folder = try TemporaryFolder()
            // The servers' programs block: on a thread of their own, off the cooperative pool.
            let (primary, standby, onPrimary) = try await offPool {
                let primary = try ThrowawayPostgres.start()
                do {
                    let standby = try primary.startStandby()
                    // Made after the base backup: the standby replays its creation too.
                    return (primary, standby, try primary.createDatabase())
                } catch {
                    primary.stop()
                    throw error
                }
            }
            defer {
                standby.stop()
                primary.stop()
            }
            let roles = try await offPool { (try primary.isInRecovery(), try standby.isInRecovery()) }
            #expect(!roles.0, "the primary is not in recovery")
            #expect(roles.1, "the standby is in recovery (read-only, replaying)")
            let onStandby = PostgresLocation(port: standby.port, user: onPrimary.user, database: onPrimary.database)
            let primaryURL = primary.url(database: onPrimary.database)
            let standbyURL = standby.url(database: onPrimary.database)

            let recording = folder.path("fleet.ftrec")
            let sent = try writeRecording(to: recording, robots: 8, framesPerRobot: 500).count
            let endpoint = "tcp://127.0.0.1:\(try freePort())"
            let ingest = try FleetProcess(
                ["ingest", "--store", primaryURL, "--listen", endpoint, "--status-every", "0", "--no-live-scoring"],
                in: folder.url
            )
            defer { if ingest.process.isRunning { ingest.signal(SIGKILL) } }
            // The ingester has made the schema (and the standby replayed it) before frames flow.
            try await offPool {
                let deadline = ContinuousClock.now + .seconds(60)
                let schema = "SELECT to_regclass('fleet_migration') IS NOT NULL"
                while try primary.query(schema, database: onPrimary.database) != ["t"] {
                    guard ContinuousClock.now < deadline, ingest.process.isRunning else {
                        throw CLITestError("fleet ingest made no schema on the primary: \(ingest.standardError)")
                    }
                    usleep(20_000)
                }
                try primary.waitUntilReplayed(by: standby, timeout: .seconds(30))
            }

            // A paced replay: about four seconds of commits, each followed onto the standby.
            let replay = try FleetProcess(
                ["replay", recording, "--connect", endpoint, "--wait-timeout", "90", "--pace", "1000"],
                in: folder.url
            )
            defer { if replay.process.isRunning { replay.signal(SIGKILL) } }
            let deadline = ContinuousClock.now + .seconds(120)
            let samples = try await offPool {
                try Self.sampleLag(
                    primary: onPrimary,
                    standby: onStandby,
                    server: primary,
                    until: Int64(sent),
                    deadline: deadline
                )
            }
            #expect(await replay.wait(timeout: .seconds(60)))
            #expect(replay.exitStatus == 0, "\(replay.standardError)")
            ingest.signal(SIGINT)
            #expect(await ingest.wait(timeout: .seconds(30)))
            #expect(ingest.exitStatus == 0, "\(ingest.standardError.suffix(2000))")
            // The ingester sealed its chunks on the way out: the standby replays those too.
            let catchUp = try await offPool { try primary.waitUntilReplayed(by: standby, timeout: .seconds(30)) }

            print(
                "replica lag, primary read to the same answer on the standby: \(samples.lags.count) commits,"
                    + " median \(Self.milliseconds(samples.median)), largest \(Self.milliseconds(samples.largest))"
                    + " (bound \(Self.lagBound)); PostgreSQL replay_lag largest"
                    + " \(Self.milliseconds(samples.largestReplayLag)); catch-up after the ingester's last commit"
                    + " \(Self.milliseconds(catchUp))"
            )
            #expect(samples.lags.count >= 3, "commits followed while the replay ran: \(samples.lags.count)")
            #expect(samples.largest <= Self.lagBound, "largest lag \(samples.largest)")
            #expect(catchUp <= Self.lagBound, "catch-up \(catchUp)")

            let queries: [[String]] = [
                ["robots", "--format", "json"],
                ["frames", "--robot", "2", "--format", "json"],
                ["frames", "--robot", "7", "--raw", "--format", "csv"],
                ["metric", "--robot", "1", "--name", "speed", "--step", "5", "--format", "csv"],
                ["events", "--format", "json"],
                ["loss", "--format", "table"],
            ]
            for query in queries {
                var outputs: [String] = []
                for url in [primaryURL, standbyURL] {
                    let result = try await FleetProcess.run(
                        ["query"] + query + ["--store", url],
                        in: folder.url,
                        timeout: .seconds(60)
                    )
                    #expect(result.status == 0, "fleet query \(query.joined(separator: " ")): \(result.errors)")
                    outputs.append(result.output)
                }
                #expect(
                    query[0] == "events" || outputs[0].count > 20,
                    "fleet query \(query.joined(separator: " ")) printed rows: \(outputs[0].prefix(500))"
                )
                #expect(
                    outputs[0] == outputs[1],
                    "fleet query \(query.joined(separator: " ")):\nprimary:\n\(outputs[0].prefix(2000))\nstandby:\n\(outputs[1].prefix(2000))"
                )
            }

            // The HTTP API of the standby (fleet serve) answers what the primary's does.
            try await ServeProcess.expectAnsweredAlike(
                [["--store", primaryURL], ["--store", standbyURL]],
                paths: [
                    "/api/robots/2", "/api/robots/7/telemetry?\(Self.span)&limit=1000",
                    "/api/robots/1/telemetry?metric=speed&\(Self.span)&step=5", "/api/loss",
                    "/api/events?\(Self.span)", "/api/runs",
                ],
                in: folder
            )

            // Writers pointed at the standby: refused in one line that says it is a standby.
            let refusedIngest = try await FleetProcess.run(
                [
                    "ingest", "--store", standbyURL, "--listen", "tcp://127.0.0.1:\(try freePort())",
                    "--status-every", "0", "--no-live-scoring",
                ],
                in: folder.url
            )
            _ = try FleetDatabase(path: folder.path("site.db"))
            let forward = [
                "forward", "--db", folder.path("site.db"), "--to", standbyURL, "--site", "arena-1",
                "--status-every", "0",
            ]
            let refusedOnce = try await FleetProcess.run(forward + ["--once"], in: folder.url)
            let refusedTeam = try await FleetProcess.run(
                ["team", "add", "team-1", "--robot", "101", "--store", standbyURL],
                in: folder.url
            )
            let refusedServe = try await FleetProcess.run(
                ["serve", "--store", standbyURL, "--http", "127.0.0.1:\(try freePort())", "--admin-token", "t"],
                in: folder.url
            )
            let refusedForwarder = try await FleetProcess.run(forward, in: folder.url)
            for (name, result) in [
                ("fleet ingest", refusedIngest), ("fleet forward --once", refusedOnce),
                ("fleet forward", refusedForwarder), ("fleet team add", refusedTeam),
                ("fleet serve --admin-token", refusedServe),
            ] {
                #expect(result.status != 0, "\(name) on the standby: \(result.output)")
                #expect(result.errors.contains("is a read-only standby"), "\(name): \(result.errors)")
                #expect(result.errors.split(separator: "\n").count == 1, "\(name), one line: \(result.errors)")
            }
        }
    }
}
