import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import Testing

extension ProcessSuites {
    /// `fleet keys`, then `fleet sim` into `fleet ingest` with CURVE, as real processes: the
    /// keyed fleet is stored whole; a fleet without keys, or with robots the keyring lacks, is
    /// refused with an error that says why.
    @Suite(.serialized)
    struct AuthenticatedFleetProcessTests {
        @Test(.timeLimit(.minutes(3)))
        func aKeyedFleetIsStoredAndAnUnkeyedOneIsRefused() async throws {
            let folder = try TemporaryFolder()
            func fleet(_ arguments: [String]) async throws -> (status: Int32, output: String, errors: String) {
                try await FleetProcess.run(arguments, in: folder.url, timeout: .seconds(90))
            }

            // Keys: the ingester's pair, and one per robot of a 2×2 fleet plus its referee.
            let server = try await fleet(["keys", "server", "ingester.key"])
            #expect(server.status == 0, "\(server.errors)")
            let publicKey = server.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(publicKey.utf8.count == 40)
            #expect(try String(contentsOfFile: folder.path("ingester.key.pub"), encoding: .utf8).contains(publicKey))
            let mode = try FileManager.default.attributesOfItem(atPath: folder.path("ingester.key"))[.posixPermissions]
            #expect(mode as? Int == 0o600, "the secret key is readable by its owner only")
            let again = try await fleet(["keys", "server", "ingester.key"])
            #expect(again.status != 0 && again.errors.contains("ingester.key exists; give --force"), "\(again.errors)")
            let robots = try await fleet([
                "keys", "robots", "--teams", "2", "--robots-per-team", "2",
                "--allowlist", "robots.allow", "--secrets", "robots.secret",
            ])
            #expect(robots.status == 0, "\(robots.errors)")
            let allowlist = try String(contentsOfFile: folder.path("robots.allow"), encoding: .utf8)
            let ids = allowlist.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: " ")[0] }
            #expect(ids == ["101", "102", "201", "202", "4026531841"])

            let badAllowlist = try await fleet([
                "ingest", "--db", folder.path("other.db"), "--listen", "tcp://127.0.0.1:1",
                "--curve-secret", "ingester.key", "--allowlist", "ingester.key.pub",
            ])
            #expect(badAllowlist.status != 0)
            #expect(
                badAllowlist.errors.contains("--allowlist: ingester.key.pub line 2: expected 'ID KEY'"),
                "\(badAllowlist.errors)"
            )

            let endpoint = "tcp://127.0.0.1:\(try freePort())"
            let db = folder.path("fleet.db")
            let ingest = try FleetProcess(
                [
                    "ingest", "--db", db, "--listen", endpoint, "--status-every", "0", "--no-live-scoring",
                    "--curve-secret", "ingester.key", "--allowlist", "robots.allow",
                ],
                in: folder.url
            )
            let sim = try await fleet([
                "sim", "--connect", endpoint, "--teams", "2", "--robots-per-team", "2", "--duration", "20",
                "--time-scale", "40", "--server-key", "ingester.key.pub", "--robot-secrets", "robots.secret",
                "--record", "run.ftrec",
            ])
            #expect(sim.status == 0, "\(sim.errors)")
            let sent = try #require(Self.framesSent(sim.errors), "\(sim.errors)")
            try await waitUntil(timeout: .seconds(30)) {
                (try FleetDatabase(path: db, readOnly: true).ingestStatistics()["frames.accepted"] ?? 0) >= sent
            }
            // The same frames again through `fleet replay`, a CURVE socket per robot: every one
            // is admitted and recognized as a duplicate.
            let replay = try await fleet([
                "replay", "run.ftrec", "--connect", endpoint, "--rate", "max",
                "--server-key", "ingester.key.pub", "--robot-secrets", "robots.secret",
            ])
            #expect(replay.status == 0, "\(replay.errors)")
            try await waitUntil(timeout: .seconds(30)) {
                (try FleetDatabase(path: db, readOnly: true).ingestStatistics()["frames.duplicate"] ?? 0) >= sent
            }

            // No keys: the ingester never subscribes to this fleet's sockets.
            let unkeyed = try await fleet([
                "sim", "--connect", endpoint, "--teams", "2", "--robots-per-team", "2", "--duration", "5",
                "--time-scale", "40", "--wait-timeout", "2", "--seed", "9",
            ])
            #expect(unkeyed.status != 0)
            #expect(unkeyed.errors.contains("no ingester subscribed"), "\(unkeyed.errors)")
            // A bigger fleet than the keyring: refused before anything connects, naming who lacks a key.
            let bigger = try await fleet([
                "sim", "--connect", endpoint, "--teams", "3", "--robots-per-team", "2", "--duration", "5",
                "--server-key", publicKey, "--robot-secrets", "robots.secret",
            ])
            #expect(bigger.status != 0)
            #expect(bigger.errors.contains("the CURVE keyring has no key for senders 301, 302"), "\(bigger.errors)")

            try await waitUntil(timeout: .seconds(30)) {
                (try FleetDatabase(path: db, readOnly: true).ingestStatistics()["frames.accepted"] ?? 0) >= sent
            }
            ingest.signal(SIGINT)
            #expect(await ingest.wait(timeout: .seconds(20)))
            let database = try FleetDatabase(path: db, readOnly: true)
            #expect(try database.ingestStatistics()["frames.accepted"] == Int64(sent), "every frame of the keyed fleet")
            #expect(try database.ingestStatistics()["frames.duplicate"] == Int64(sent), "and each once more, replayed")
            #expect(try database.robots().map(\.robotID).sorted() == [101, 102, 201, 202, 0xF000_0001])
            // The operator sees why the unkeyed fleet got nowhere.
            #expect(ingest.standardError.contains("its CURVE handshake failed"), "\(ingest.standardError)")
        }

        /// A competition day adds a team: the organizers add its keys to the allowlist file and
        /// send the running ingester SIGHUP; the team's robots are admitted without a restart.
        /// A file with a mistake changes nothing and says which line.
        @Test(.timeLimit(.minutes(3)))
        func sighupReloadsTheAllowlistAndABrokenFileChangesNothing() async throws {
            let folder = try TemporaryFolder()
            func fleet(_ arguments: [String]) async throws -> (status: Int32, output: String, errors: String) {
                try await FleetProcess.run(arguments, in: folder.url, timeout: .seconds(90))
            }
            #expect(try await fleet(["keys", "server", "ingester.key"]).status == 0)
            let keys = try await fleet([
                "keys", "robots", "--teams", "2", "--robots-per-team", "2",
                "--allowlist", "all.allow", "--secrets", "robots.secret",
            ])
            #expect(keys.status == 0, "\(keys.errors)")
            // The day starts with team 1 and the referee; team 2 (201, 202) is not listed yet.
            let all = try String(contentsOfFile: folder.path("all.allow"), encoding: .utf8)
            let morning = all.split(separator: "\n").filter { !$0.hasPrefix("20") }.joined(separator: "\n")
            try morning.write(toFile: folder.path("robots.allow"), atomically: true, encoding: .utf8)

            let endpoint = "tcp://127.0.0.1:\(try freePort())"
            let db = folder.path("fleet.db")
            let ingest = try FleetProcess(
                [
                    "ingest", "--db", db, "--listen", endpoint, "--status-every", "0", "--no-live-scoring",
                    "--curve-secret", "ingester.key", "--allowlist", "robots.allow",
                ],
                in: folder.url
            )
            let sim = [
                "sim", "--connect", endpoint, "--teams", "2", "--robots-per-team", "2", "--duration", "10",
                "--time-scale", "40", "--server-key", "ingester.key.pub", "--robot-secrets", "robots.secret",
                "--wait-timeout", "3",
            ]
            let refused = try await fleet(sim)
            #expect(refused.status != 0, "team 2 is not on the allowlist yet")
            #expect(refused.errors.contains("no ingester subscribed"), "\(refused.errors)")

            // A broken file: one line says what is wrong, and the keys in force stay.
            let brokenLine = all.split(separator: "\n", omittingEmptySubsequences: false).count
            try (all + "201 not-a-key\n").write(toFile: folder.path("robots.allow"), atomically: true, encoding: .utf8)
            ingest.signal(SIGHUP)
            try await waitUntil(timeout: .seconds(20)) { ingest.standardError.contains("allowlist not reloaded") }
            #expect(
                ingest.standardError.contains(
                    "robots.allow line \(brokenLine): 'not-a-key' is not a 40-character Z85 CURVE key"
                ),
                "\(ingest.standardError)"
            )
            #expect(ingest.process.isRunning, "a failed reload does not stop the ingester")

            // The whole day's file: team 2 joins without a restart.
            try all.write(toFile: folder.path("robots.allow"), atomically: true, encoding: .utf8)
            ingest.signal(SIGHUP)
            try await waitUntil(timeout: .seconds(20)) { ingest.standardError.contains("allowlist reloaded") }
            #expect(
                ingest.standardError.contains("allowlist reloaded from robots.allow: 5 keys; added 201, 202"),
                "\(ingest.standardError)"
            )
            let admitted = try await fleet(sim + ["--seed", "2"])
            #expect(admitted.status == 0, "\(admitted.errors)")
            let sent = try #require(Self.framesSent(admitted.errors), "\(admitted.errors)")
            try await waitUntil(timeout: .seconds(30)) {
                (try FleetDatabase(path: db, readOnly: true).ingestStatistics()["frames.accepted"] ?? 0) >= sent
            }
            ingest.signal(SIGINT)
            #expect(await ingest.wait(timeout: .seconds(20)))
            #expect(ingest.exitStatus == 0, "\(ingest.standardError)")
            let robots = try FleetDatabase(path: db, readOnly: true).robots().map(\.robotID).sorted()
            #expect(robots.contains(201) && robots.contains(202), "\(robots)")
        }

        /// "…; 1234 frames numbered, 1234 sent" → 1234.
        static func framesSent(_ errors: String) -> Int? {
            guard let range = errors.range(of: #"(\d+) sent"#, options: .regularExpression) else { return nil }
            return Int(errors[range].split(separator: " ")[0])
        }
    }
}
