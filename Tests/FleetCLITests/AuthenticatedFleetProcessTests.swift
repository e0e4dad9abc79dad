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

        /// "…; 1234 frames numbered, 1234 sent" → 1234.
        static func framesSent(_ errors: String) -> Int? {
            guard let range = errors.range(of: #"(\d+) sent"#, options: .regularExpression) else { return nil }
            return Int(errors[range].split(separator: " ")[0])
        }
    }
}
