import FleetPostgres
import FleetProtocol
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import Logging
import Testing

extension ProcessSuites {
    /// `fleet query --store postgres://…` as a user runs it: one recording replayed into an
    /// ingester on a SQLite file and into one on PostgreSQL; every query prints the same
    /// output from both.
    @Suite(.serialized)
    struct QueryStoreProcessTests {
        @Test(.enabled(if: PostgresFixture.enabled), .timeLimit(.minutes(3)))
        func everyQueryPrintsTheSameFromPostgreSQLAsFromTheSQLiteFile() async throws {
            let folder = try TemporaryFolder()
            let recording = folder.path("fleet.ftrec")
            let sent = try writeRecording(to: recording, robots: 3, framesPerRobot: 300).count
            let db = folder.path("fleet.db")
            let postgres = try PostgresFixture.database()
            let stores: [[String]] = [["--db", db], ["--store", "\(postgres)"]]
            for store in stores {
                let endpoint = "tcp://127.0.0.1:\(try freePort())"
                let ingest = try FleetProcess(
                    ["ingest", "--listen", endpoint, "--status-every", "0", "--no-live-scoring"] + store,
                    in: folder.url
                )
                defer { if ingest.process.isRunning { ingest.signal(SIGKILL) } }
                let replay = try await FleetProcess.run(
                    ["replay", recording, "--connect", endpoint, "--wait-timeout", "90", "--rate", "max"],
                    in: folder.url,
                    timeout: .seconds(60)
                )
                #expect(replay.status == 0, "\(replay.errors)")
                try await waitUntil(timeout: .seconds(60)) {
                    let stored: [String: Int64] =
                        store[0] == "--db"
                        ? try FleetDatabase(path: db, readOnly: true).ingestStatistics()
                        : try PostgresStore.open(location: postgres, readOnly: true, logger: Logger(label: "test"))
                            .ingestStatistics()
                    return stored["frames.accepted"] == Int64(sent)
                }
                ingest.signal(SIGINT)
                #expect(await ingest.wait(timeout: .seconds(30)))
                #expect(ingest.exitStatus == 0, "\(ingest.standardError)")
            }

            let queries: [[String]] = [
                ["robots", "--format", "json"],
                ["frames", "--robot", "2", "--format", "json"],
                ["frames", "--robot", "3", "--raw", "--format", "csv"],
                ["metric", "--robot", "1", "--name", "speed", "--step", "5", "--format", "csv"],
                // The recording holds no events: both print an empty list (the library test
                // QueryBackendTests compares events row for row).
                ["events", "--format", "json"],
                ["loss", "--format", "table"],
            ]
            for query in queries {
                var outputs: [String] = []
                for store in stores {
                    let result = try await FleetProcess.run(
                        ["query"] + query + store,
                        in: folder.url,
                        timeout: .seconds(60)
                    )
                    #expect(result.status == 0, "fleet query \(query.joined(separator: " ")): \(result.errors)")
                    outputs.append(result.output)
                }
                #expect(
                    query[0] == "events" || outputs[0].count > 20,
                    "fleet query \(query.joined(separator: " ")) printed rows: \(outputs[0])"
                )
                #expect(
                    outputs[0] == outputs[1],
                    "fleet query \(query.joined(separator: " ")):\nSQLite:\n\(outputs[0].prefix(2000))\nPostgreSQL:\n\(outputs[1].prefix(2000))"
                )
            }

            // A bad address and a database without fleet data: one line each, naming what is wrong.
            let badURL = try await FleetProcess.run(["query", "robots", "--store", "mysql://x"], in: folder.url)
            #expect(badURL.status != 0 && badURL.errors.contains("--store must be postgres://"), "\(badURL.errors)")
            let empty = try PostgresFixture.database()
            let noSchema = try await FleetProcess.run(["query", "robots", "--store", "\(empty)"], in: folder.url)
            #expect(noSchema.status != 0, "\(noSchema.output)")
            #expect(noSchema.errors.contains("holds no fleet data"), "\(noSchema.errors)")
            #expect(noSchema.errors.split(separator: "\n").count == 1, "one line: \(noSchema.errors)")
        }
    }
}
