import FleetPostgres
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import Logging
import Testing

extension ProcessSuites {
    /// `fleet forward` sharing the central database with live ingesters: it claims the robots
    /// it copies as they do, holds back a robot another ingester holds (naming both in its
    /// status line, its log and `/metrics`) and copies it once the lease is released or runs
    /// out, so no robot's chain gets a site's chunks woven in while someone else writes it.
    @Suite(.serialized)
    struct ForwardOwnershipProcessTests {
        static let logger = Logger(label: "forward-ownership-test")

        /// A site's file holding `robots` robots (ids 1...) of `frames` frames each.
        static func site(robots: Int, frames: Int, in folder: TemporaryFolder) async throws -> (db: String, count: Int)
        {
            let db = folder.path("site.db")
            let count = try writeRecording(to: folder.path("site.ftrec"), robots: robots, framesPerRobot: frames).count
            try await ForwardProcessTests.ingest(folder.path("site.ftrec"), count: count, into: db, in: folder)
            return (db, count)
        }

        /// A live ingester's claims on the central database, made the way its commits make them.
        static func claim(_ robots: [UInt32], by store: PostgresStore, leaseSeconds: Double) throws {
            var claims = RobotClaims(leaseNanos: UInt64(leaseSeconds * 1e9))
            claims.claim = robots
            let outcome = try store.commit(WriteBatch(), claims: claims, at: 1)
            #expect(Set(outcome.owned) == Set(robots), "the ingester holds \(robots) before the forwarder starts")
        }

        static func storedFrames(of robot: UInt32?, in store: PostgresStore) throws -> Int {
            var count = 0
            try store.forEachStoredFrame(from: 0, to: UInt64(Int64.max), robotID: robot) { _, _ in count += 1 }
            return count
        }

        /// Scrapes `/metrics` and lints it with promtool (required under CI).
        static func scrape(port: Int) throws -> [PrometheusProcessTests.Sample] {
            let response = try HTTPRequest.send("GET", port: port, "/metrics", timeoutSeconds: 10)
            #expect(response.status == 200)
            #expect(response.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            if let promtool = ExternalTool.program("promtool") {
                let check = try PrometheusProcessTests.promtool(promtool, checking: response.body)
                #expect(check.status == 0, "promtool check metrics: \(check.output)")
            } else if ExternalTool.requiredByCI {
                Issue.record("promtool is not installed (.ci/run installs prometheus)")
            }
            return PrometheusProcessTests.samples(response.body)
        }

        static func value(_ samples: [PrometheusProcessTests.Sample], _ name: String) -> String? {
            samples.first { $0.name == name }?.value
        }

        @Test(.enabled(if: PostgresFixture.enabled), .timeLimit(.minutes(4)))
        func aRobotALiveIngesterHoldsIsHeldBackNamedAndCopiedOnceReleased() async throws {
            let folder = try TemporaryFolder()
            let (db, count) = try await Self.site(robots: 12, frames: 30, in: folder)
            let central = try PostgresFixture.database()
            let url = try PostgresFixture.shared().url(database: central.database)

            // A live ingester holds robot 7 on the central database before the site forwards.
            let arena = try PostgresStore.open(location: central, ingesterID: "arena-a", logger: Self.logger)
            defer { arena.close() }
            try Self.claim([7], by: arena, leaseSeconds: 600)

            let port = try freePort()
            let forward = try FleetProcess(
                [
                    "forward", "--db", db, "--to", url, "--site", "arena-3", "--chunks-per-batch", "2",
                    "--status-every", "0.2", "--http", "127.0.0.1:\(port)",
                ],
                in: folder.url
            )
            defer { if forward.process.isRunning { forward.signal(SIGKILL) } }
            try await waitUntil(timeout: .seconds(60)) {
                forward.standardError.contains("held back: robot 7 (ingester 'arena-a' holds it")
            }
            let errors = forward.standardError
            let logLines = errors.split(separator: "\n").filter { $0.contains("holding back robot 7") }
            #expect(logLines.count == 1, "one log line names the robot and its holder: \(errors.suffix(3000))")
            #expect(logLines.first?.contains("ingester 'arena-a' holds it") == true)

            let copied = try PostgresStore.open(location: central, readOnly: true, logger: Self.logger)
            defer { copied.close() }
            #expect(try Self.storedFrames(of: 7, in: copied) == 0, "nothing of robot 7 while arena-a holds it")
            let held = try ForwardProcessTests.cursor(central)
            #expect(held.frames < Int64(count), "the cursor waits before robot 7: \(held.frames) of \(count)")
            let owners = try copied.robotOwners()
            #expect(owners.first { $0.robotID == 7 }?.ingester == "arena-a")
            #expect(owners.contains { $0.ingester == "site:arena-3" }, "the robots copied are the site's: \(owners)")

            var samples = try Self.scrape(port: port)
            #expect(Self.value(samples, "fleet_forward_held_back_robots") == "1")
            #expect(Int(Self.value(samples, "fleet_forward_held_back_batches_total") ?? "") ?? 0 >= 1)
            #expect(Int(Self.value(samples, "fleet_forward_backlog_chunks") ?? "") ?? 0 > 0)
            #expect(Self.value(samples, "fleet_forward_connected") == "1")

            // The ingester lets robot 7 go: the forwarder copies it, and the rest, by itself.
            var release = RobotClaims(leaseNanos: 0)
            release.release = [7]
            _ = try arena.commit(WriteBatch(), claims: release, at: 1)
            try await waitUntil(timeout: .seconds(60)) {
                (try? ForwardProcessTests.cursor(central).frames) == Int64(count)
            }
            try await waitUntil(timeout: .seconds(30)) {
                samples = try Self.scrape(port: port)
                return Self.value(samples, "fleet_forward_caught_up") == "1"
            }
            #expect(Self.value(samples, "fleet_forward_held_back_robots") == "0")
            #expect(Self.value(samples, "fleet_forward_backlog_chunks") == "0")
            #expect(Self.value(samples, "fleet_forward_backlog_frames") == "0")
            #expect(Self.value(samples, "fleet_forward_lag_seconds") == "0")
            #expect(Self.value(samples, "fleet_forward_copied_frames_total") == "\(count)")
            #expect(Self.value(samples, "fleet_forward_site_frames") == "\(count)")
            #expect(Double(Self.value(samples, "fleet_forward_last_copy_timestamp_seconds") ?? "") ?? 0 > 0)
            #expect(samples.contains { $0.name == "fleet_forward_info" && $0.labels == ["site": "arena-3"] })
            #expect(forward.standardError.contains("robot 7 is no longer held by ingester 'arena-a'"))

            let site = try FleetDatabase(path: db, readOnly: true)
            #expect(try ForwardProcessTests.frames(copied) == ForwardProcessTests.frames(site), "every frame once")
            #expect(try copied.robotOwners().first { $0.robotID == 7 }?.ingester == "site:arena-3")

            // Stopped, it lets its robots go at once (an ingester need not wait out a lease).
            forward.signal(SIGTERM)
            #expect(await forward.wait(timeout: .seconds(30)))
            #expect(forward.exitStatus == 0, "\(forward.standardError.suffix(2000))")
            let left = try copied.robotOwners().filter { $0.ingester == "site:arena-3" }
            #expect(!left.isEmpty && left.allSatisfy { $0.remainingNanos == 0 }, "\(left)")
        }

        @Test(.enabled(if: PostgresFixture.enabled), .timeLimit(.minutes(4)))
        func aOneShotCopyStopsAtAHeldRobotInOneLineAndFinishesOnceTheLeaseRunsOut() async throws {
            let folder = try TemporaryFolder()
            let (db, count) = try await Self.site(robots: 4, frames: 20, in: folder)
            let central = try PostgresFixture.database()
            let url = try PostgresFixture.shared().url(database: central.database)
            let arena = try PostgresStore.open(location: central, ingesterID: "arena-b", logger: Self.logger)
            defer { arena.close() }
            try Self.claim([3], by: arena, leaseSeconds: 600)

            let once = ["forward", "--db", db, "--to", url, "--site", "arena-3", "--once", "--status-every", "0"]
            let refused = try await FleetProcess.run(once, in: folder.url, timeout: .seconds(120))
            #expect(refused.status != 0)
            let line = refused.errors.split(separator: "\n").last { $0.contains("held back at chunk") } ?? ""
            #expect(line.contains("robot 3 (ingester 'arena-b' holds it"), "\(refused.errors)")
            #expect(line.contains("run again once its lease has ended"))

            // The ingester goes quiet: its lease runs out (a renewal of a second ends it soon).
            try Self.claim([3], by: arena, leaseSeconds: 1)
            try await waitUntil(timeout: .seconds(30)) {
                try arena.robotOwners().first { $0.robotID == 3 }?.remainingNanos == 0
            }
            let again = try await FleetProcess.run(once, in: folder.url, timeout: .seconds(120))
            #expect(again.status == 0, "\(again.errors)")
            #expect(try ForwardProcessTests.cursor(central).frames == Int64(count))
            let copied = try PostgresStore.open(location: central, readOnly: true, logger: Self.logger)
            defer { copied.close() }
            let site = try FleetDatabase(path: db, readOnly: true)
            #expect(try ForwardProcessTests.frames(copied) == ForwardProcessTests.frames(site), "every frame once")
        }
    }
}
