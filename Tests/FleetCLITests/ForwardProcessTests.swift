import FleetPostgres
import FleetProtocol
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import Logging
import Testing

extension ProcessSuites {
    /// `fleet forward` from a site's file to a central PostgreSQL of its own, as an operator
    /// meets it: killed mid-copy and restarted, cut off by an outage while the site keeps
    /// ingesting, and run again over what it already copied. At the end the central database
    /// holds every frame of the site exactly once, byte for byte, and every query answers
    /// from it what it answers from the site's file.
    @Suite(.serialized)
    struct ForwardProcessTests {
        static let logger = Logger(label: "forward-test")

        /// Replays `recording` into a `fleet ingest` on `db` and stops it once all `count`
        /// frames are stored (its chunks are sealed on the way out).
        static func ingest(_ recording: String, count: Int, into db: String, in folder: TemporaryFolder) async throws {
            let endpoint = "tcp://127.0.0.1:\(try freePort())"
            let ingest = try FleetProcess(
                ["ingest", "--db", db, "--listen", endpoint, "--status-every", "0", "--no-live-scoring"],
                in: folder.url
            )
            defer { if ingest.process.isRunning { ingest.signal(SIGKILL) } }
            let before = (try? FleetDatabase(path: db, readOnly: true).ingestStatistics()["frames.accepted"]) ?? 0
            let replay = try await FleetProcess.run(
                ["replay", recording, "--connect", endpoint, "--wait-timeout", "90", "--rate", "max"],
                in: folder.url,
                timeout: .seconds(60)
            )
            #expect(replay.status == 0, "\(replay.errors)")
            try await waitUntil(timeout: .seconds(60)) {
                try FleetDatabase(path: db, readOnly: true).ingestStatistics()["frames.accepted"] == before
                    + Int64(count)
            }
            ingest.signal(SIGINT)
            #expect(await ingest.wait(timeout: .seconds(30)))
        }

        /// Every stored frame's bytes, sorted.
        static func frames(_ reader: any TelemetryReader) throws -> [[UInt8]] {
            var out: [[UInt8]] = []
            try reader.forEachStoredFrame(from: 0, to: UInt64(Int64.max), robotID: nil) { _, bytes in
                out.append(Array(bytes))
            }
            return out.sorted { $0.lexicographicallyPrecedes($1) }
        }

        static func cursor(_ location: PostgresLocation) throws -> ForwardCursor {
            let store = try PostgresStore.open(location: location, readOnly: true, logger: logger)
            defer { store.close() }
            return try store.forwardCursor(site: "arena-3")
        }

        @Test(.enabled(if: PostgresFixture.enabled), .timeLimit(.minutes(4)))
        func aSiteIsCopiedWholeThroughAKillAndAnOutageAndCopyingAgainChangesNothing() async throws {
            let folder = try TemporaryFolder()
            let db = folder.path("site.db")
            // 400 robots: a chunk each, copied one a transaction, so the kill below comes mid-copy
            // however late the loaded machine lets the test see the cursor (40 robots two a
            // transaction were all copied before the kill landed once).
            let first = try writeRecording(to: folder.path("first.ftrec"), robots: 400, framesPerRobot: 10).count
            try await Self.ingest(folder.path("first.ftrec"), count: first, into: db, in: folder)

            // A central server of the test's own, so it can go down.
            let server = try ThrowawayPostgres.start()
            defer { server.stop() }
            let central = try server.createDatabase()
            let url = server.url(database: central.database)
            let forward = ["forward", "--db", db, "--to", url, "--site", "arena-3", "--chunks-per-batch", "1"]

            // Killed while copying, a chunk a transaction.
            let killed = try FleetProcess(forward + ["--status-every", "0"], in: folder.url)
            try await waitUntil(timeout: .seconds(60)) {
                (try? Self.cursor(central).chunks) ?? 0 >= 6
            }
            killed.signal(SIGKILL)
            #expect(await killed.wait(timeout: .seconds(10)))
            let atKill = try Self.cursor(central)
            #expect(atKill.frames < Int64(first), "killed mid-copy: \(atKill.frames) of \(first) frames copied")

            // The central database goes down; the site goes on ingesting; the forwarder waits.
            try server.pause()
            let follower = try FleetProcess(forward + ["--status-every", "0.2"], in: folder.url)
            defer { if follower.process.isRunning { follower.signal(SIGKILL) } }
            try await waitUntil(timeout: .seconds(60)) {
                follower.standardError.contains("central database unreachable")
            }
            let second = try writeRecording(
                to: folder.path("second.ftrec"),
                robots: 5,
                framesPerRobot: 200,
                firstRobot: 1001
            )
            .count
            try await Self.ingest(folder.path("second.ftrec"), count: second, into: db, in: folder)
            #expect(follower.process.isRunning, "an outage does not stop the forwarder")

            // Back up: it catches up by itself, and says so.
            try server.resume()
            try await waitUntil(timeout: .seconds(90)) {
                (try? Self.cursor(central).frames) ?? 0 == Int64(first + second)
            }
            try await waitUntil(timeout: .seconds(30)) { follower.standardError.contains("pending 0 chunks 0 frames") }
            follower.signal(SIGTERM)
            #expect(await follower.wait(timeout: .seconds(30)))
            #expect(follower.exitStatus == 0, "\(follower.standardError.suffix(2000))")

            let site = try FleetDatabase(path: db, readOnly: true)
            let copied = try PostgresStore.open(location: central, readOnly: true, logger: Self.logger)
            defer { copied.close() }
            let siteFrames = try Self.frames(site)
            #expect(siteFrames.count == first + second)
            #expect(try Self.frames(copied) == siteFrames, "every frame once, byte for byte")

            // Every query answers the same from the central database as from the site's file.
            func queries() async throws -> [String] {
                var outputs: [String] = []
                for query in [
                    ["robots", "--format", "json"], ["loss", "--format", "csv"],
                    ["metric", "--robot", "7", "--name", "speed", "--format", "csv"],
                    ["frames", "--robot", "1003", "--raw", "--format", "csv"],
                ] {
                    let fromSite = try await FleetProcess.run(["query"] + query + ["--db", db], in: folder.url)
                    let fromCentral = try await FleetProcess.run(["query"] + query + ["--store", url], in: folder.url)
                    #expect(fromSite.status == 0 && fromCentral.status == 0, "\(fromSite.errors) \(fromCentral.errors)")
                    #expect(fromCentral.output == fromSite.output, "fleet query \(query.joined(separator: " "))")
                    outputs.append(fromCentral.output)
                }
                return outputs
            }
            let answers = try await queries()

            // Copying again from the start (the cursor lost) changes nothing.
            try server.runAsServerUser(
                "psql",
                [
                    "-h", "127.0.0.1", "-p", "\(server.port)", "-U", server.user, "-d", central.database, "-c",
                    "UPDATE forward_cursor SET chunk_id = 0, event_id = 0",
                ]
            )
            let again = try await FleetProcess.run(forward + ["--once"], in: folder.url, timeout: .seconds(120))
            #expect(again.status == 0, "\(again.errors)")
            #expect(try Self.frames(copied) == siteFrames, "a re-sent batch adds no frame")
            #expect(try await queries() == answers, "nor changes a rollup, a ledger or a robot")

            // A forwarder that cannot reach the central database with --once says so in one line.
            try server.pause()
            let down = try await FleetProcess.run(forward + ["--once"], in: folder.url, timeout: .seconds(60))
            #expect(down.status != 0)
            #expect(
                down.errors.contains(url.replacingOccurrences(of: "postgres://", with: ""))
                    || down.errors.contains("127.0.0.1"),
                "\(down.errors)"
            )
        }
    }
}
