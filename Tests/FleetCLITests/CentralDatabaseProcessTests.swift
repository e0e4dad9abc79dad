import FleetCompetition
import FleetPostgres
import FleetProtocol
import FleetRunner
import FleetScoring
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import Logging
import Testing

extension ProcessSuites {
    /// Issue 12's acceptance, with real processes and a real PostgreSQL: a heat split over two
    /// arenas, each with its own `fleet ingest --store` and `fleet sim` fleet, scored live by
    /// the ingester its robots send to, and a third site that ingests into its own SQLite file
    /// and forwards it (the forwarder SIGKILLed mid-way and restarted after the heat). At the
    /// end the central database holds every frame exactly once, byte for byte as the fleets
    /// recorded them; its standings are the sites' own; every FINAL run verifies on it.
    @Suite(.serialized)
    struct CentralDatabaseProcessTests {
        static let kinds = ["sweeper", "litterPicker", "washer"]

        /// One arena or site: its fleet's first team, run id, seed, and where it stores.
        struct Arena {
            var name: String
            var firstTeam: Int
            var run: UInt32
            var seed: UInt64
            var database: [String]
            var endpoint: String
            var recording: String

            var teams: ClosedRange<Int> { firstTeam...(firstTeam + 3) }
            var teamNames: [String] { teams.map { FleetRoster.teamName($0, position: $0 - firstTeam + 1) } }
        }

        @Test(.enabled(if: PostgresFixture.enabled), .timeLimit(.minutes(8)))
        func twoArenasAndAForwardingSiteMeetInOneCentralDatabaseExactlyOnce() async throws {
            let folder = try TemporaryFolder()
            let central = try PostgresFixture.database()
            let centralStore = ["--store", "\(central)"]
            let site = ["--db", folder.path("site.db")]
            let arenas = [
                Arena(
                    name: "arena-a",
                    firstTeam: 1,
                    run: 1,
                    seed: 7,
                    database: centralStore,
                    endpoint: "tcp://127.0.0.1:\(try freePort())",
                    recording: folder.path("a.ftrec")
                ),
                Arena(
                    name: "arena-b",
                    firstTeam: 5,
                    run: 2,
                    seed: 8,
                    database: centralStore,
                    endpoint: "tcp://127.0.0.1:\(try freePort())",
                    recording: folder.path("b.ftrec")
                ),
                Arena(
                    name: "site-c",
                    firstTeam: 9,
                    run: 3,
                    seed: 9,
                    database: site,
                    endpoint: "tcp://127.0.0.1:\(try freePort())",
                    recording: folder.path("c.ftrec")
                ),
            ]
            let key = folder.path("service.key")

            // Teams and runs, each where its arena stores, numbered apart.
            for arena in arenas {
                try await HTTPIngestProcess.registerTeams(
                    arena.teams,
                    kinds: Self.kinds,
                    into: arena.database,
                    in: folder
                )
                try await Self.fleet(
                    ["run", "create", "--division", "P", "--seed", "\(arena.seed)", "--name", arena.name]
                        + ["--id", "\(arena.run)"] + arena.teamNames.flatMap { ["--team", $0] } + arena.database,
                    in: folder
                )
                try await Self.fleet(["run", "start", "\(arena.run)"] + arena.database, in: folder)
            }

            let ingesters = try arenas.map { arena in
                try FleetProcess(
                    ["ingest", "--reliable", arena.endpoint, "--status-every", "0"] + arena.database
                        + (arena.database == centralStore ? ["--ingester-id", arena.name] : []),
                    in: folder.url
                )
            }
            defer { for ingest in ingesters where ingest.process.isRunning { ingest.signal(SIGKILL) } }
            for ingest in ingesters {
                try await waitUntil(timeout: .seconds(60)) { ingest.standardError.contains("ingesting") }
            }
            var forwarder = try FleetProcess(
                ["forward", "--to", "\(central)", "--site", "site-c", "--status-every", "0"] + site,
                in: folder.url
            )
            defer { if forwarder.process.isRunning { forwarder.signal(SIGKILL) } }

            // The heat: three fleets at once, each recording what it sends.
            let sims = try arenas.map { arena in
                try FleetProcess(
                    [
                        "sim", "--connect", arena.endpoint, "--mode", "reliable", "--run-id", "\(arena.run)",
                        "--seed", "\(arena.seed)", "--first-team", "\(arena.firstTeam)", "--teams", "4",
                        "--robots-per-team", "3", "--duration", "20", "--time-scale", "0", "--record", arena.recording,
                    ],
                    in: folder.url
                )
            }
            for sim in sims {
                #expect(await sim.wait(timeout: .seconds(180)))
                #expect(sim.exitStatus == 0, "\(sim.standardError)")
            }
            // The site's uplink goes: the forwarder dies wherever it is.
            forwarder.signal(SIGKILL)
            #expect(await forwarder.wait(timeout: .seconds(30)))
            let reader = try PostgresStore.open(location: central, readOnly: true, logger: Logger(label: "test"))
            defer { reader.close() }
            // What it had copied when it died (the site still holds unsealed chunks: some wait).
            let copiedBeforeKill = try reader.forwardCursor(site: "site-c").frames

            // The arenas' runs stop; each ingester stores the live result of its own run.
            let competition = PostgresCompetitionStore(reader)
            for arena in arenas where arena.database == centralStore {
                try await Self.fleet(["run", "stop", "\(arena.run)"] + centralStore, in: folder)
            }
            try await waitUntil(timeout: .seconds(60)) {
                try arenas.filter { $0.database == centralStore }.allSatisfy {
                    try competition.storedResult(runID: $0.run, source: .live) != nil
                }
            }
            for ingest in ingesters {
                ingest.signal(SIGTERM)
                #expect(await ingest.wait(timeout: .seconds(60)))
                #expect(ingest.exitStatus == 0, "\(ingest.standardError)")
            }
            for arena in arenas {
                if arena.database == site {
                    try await Self.fleet(["run", "stop", "\(arena.run)"] + site, in: folder)
                }
                try await Self.fleet(["run", "finalize", "\(arena.run)", "--key", key] + arena.database, in: folder)
            }
            // Each arena's live result came from the ingester its robots sent to and equals the
            // recompute (the other ingester sees the run in the same database and wrote nothing
            // for it: an empty board of its own would have replaced the live result).
            for arena in arenas where arena.database == centralStore {
                let record = try #require(try competition.finalRecord(runID: arena.run))
                let document = try CanonicalJSON.decode(FinalDocument.self, from: record.document)
                #expect(document.liveAgrees == true, "run \(arena.run)")
                #expect(Set(document.result.teams.map(\.team)) == Set(arena.teamNames))
                #expect(try competition.provisionalCount(runID: arena.run) > 0)
            }

            // The site's forwarder comes back and catches up by itself.
            forwarder = try FleetProcess(
                ["forward", "--to", "\(central)", "--site", "site-c", "--once", "--status-every", "0"] + site,
                in: folder.url
            )
            #expect(await forwarder.wait(timeout: .seconds(120)))
            #expect(forwarder.exitStatus == 0, "\(forwarder.standardError)")
            let copiedAfterRestart = try reader.forwardCursor(site: "site-c").frames
            #expect(copiedAfterRestart > copiedBeforeKill, "the restarted forwarder caught up from its cursor")

            // Every frame once, byte for byte as recorded.
            var recorded: [FrameKey: [UInt8]] = [:]
            for arena in arenas {
                let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: arena.recording)))
                let parsed = try bytes.withUnsafeBytes { try Recording.parse($0) }
                for record in parsed.records {
                    let frame = Array(bytes[record.frame])
                    let header = try #require(frame.withUnsafeBytes { FrameHeader.unverified($0) })
                    recorded[Self.key(header)] = frame
                }
            }
            var stored: [FrameKey: [UInt8]] = [:]
            var twice = 0
            try reader.forEachStoredFrame(from: 0, to: UInt64(Int64.max), robotID: nil) { header, bytes in
                if stored.updateValue(Array(bytes), forKey: Self.key(header)) != nil { twice += 1 }
            }
            #expect(twice == 0)
            #expect(stored.count == recorded.count)
            #expect(stored == recorded, "\(Set(recorded.keys).subtracting(stored.keys).count) recorded frames missing")
            #expect(try reader.ingestStatistics()["frames.refused.owned_elsewhere"] == nil)

            // Every FINAL run verifies on the central database.
            for arena in arenas {
                let verify = try await FleetProcess.run(
                    ["verify", "\(arena.run)", "--public-key", "\(key).pub"] + centralStore,
                    in: folder.url
                )
                #expect(verify.status == 0, "run \(arena.run): \(verify.output) \(verify.errors)")
                #expect(verify.output.contains("run \(arena.run) verifies"), "\(verify.output)")
            }
            // The site's run on the central database is the site's, byte for byte.
            let siteStore = SQLiteCompetitionStore(database: try FleetDatabase.forReading(path: folder.path("site.db")))
            #expect(try competition.finalRecord(runID: 3) == siteStore.finalRecord(runID: 3))
            #expect(try competition.actions(runID: 3) == siteStore.actions(runID: 3))

            // The read commands print the site's run alike from its file and from the central one.
            for command in [
                ["score", "3", "--format", "json", "--public-key", "\(key).pub"],
                ["score", "3", "--recompute", "--format", "json"],
                ["export", "3", "--format", "jsonl"],
                ["export", "3", "--format", "csv", "--type", "sanitation_state"],
                ["run", "list", "--division", "P", "--format", "csv"],
            ] {
                let fromSite = try await Self.fleet(command + site, in: folder)
                let fromCentral = try await Self.fleet(command + centralStore, in: folder)
                if command[0] == "run" {
                    #expect(fromCentral.contains(fromSite.split(separator: "\n").last.map(String.init) ?? "-"))
                } else {
                    let differ = zip(fromSite.split(separator: "\n"), fromCentral.split(separator: "\n")).first {
                        $0 != $1
                    }
                    #expect(
                        fromSite.count > 100 && fromSite == fromCentral,
                        "fleet \(command.joined(separator: " ")): \(differ.map { "\($0.0)\n\($0.1)" } ?? "lengths differ")"
                    )
                }
            }

            // The HTTP API over the site's file and over the central database: the site's run alike.
            let times = recorded.keys.filter { $0.stream.robotID == 901 }.compactMap { key in
                recorded[key].flatMap { frame in frame.withUnsafeBytes { FrameHeader.unverified($0) } }?
                    .timestampNanoseconds
            }
            let span = "from=\(try #require(times.min()))&to=\(try #require(times.max()))"
            try await ServeProcess.expectAnsweredAlike(
                [site, centralStore],
                paths: [
                    "/api/runs/3", "/api/runs/3/scoreboard", "/api/runs/3/events?after=0&limit=1000",
                    "/api/robots/901/telemetry?\(span)&limit=1000", "/api/loss?robot=901",
                    "/api/events?\(span)&robot=901",
                ],
                // Event ids are each database's own (the central one numbers what it receives).
                normalizing: { $0.replacing(/"id":[0-9]+,/, with: "") },
                in: folder
            )

            // The central standings are the sites' own: each team's row as the database that
            // scored its run computes it (teams never meet across arenas, so a row depends on
            // its own runs only; the rank is the central database's).
            let centralRows = try await Self.standings(centralStore + ["--public-key", "\(key).pub"], in: folder)
            let siteRows = try await Self.standings(site + ["--public-key", "\(key).pub"], in: folder)
            #expect(centralRows.count == 12)
            for arena in arenas {
                for team in arena.teamNames {
                    let row = try #require(centralRows[team], "\(team) missing from the central standings")
                    if arena.database == site {
                        #expect(row == siteRows[team], "\(team)")
                    } else {
                        let result = try #require(try competition.runResult(runID: arena.run, source: .final))
                        let score = try #require(result.teams.first { $0.team == team }).runScore
                        #expect(row["runs"] == "\(arena.run):\(Self.decimal(score))", "\(team): \(row)")
                    }
                }
            }
        }

        static func key(_ header: FrameHeader) -> FrameKey {
            FrameKey(stream: StreamKey(robotID: header.robotID, bootEpoch: header.bootEpoch), sequence: header.sequence)
        }

        /// `fleet ARGS` run to the end, exit status 0.
        @discardableResult
        static func fleet(_ arguments: [String], in folder: TemporaryFolder) async throws -> String {
            let result = try await FleetProcess.run(arguments, in: folder.url, timeout: .seconds(120))
            guard result.status == 0 else {
                throw CLITestError("fleet \(arguments.joined(separator: " ")): \(result.errors)")
            }
            return result.output
        }

        /// Division P's standings as `fleet standings --format csv` prints them: team → its
        /// columns without the rank.
        static func standings(
            _ database: [String],
            in folder: TemporaryFolder
        ) async throws -> [String: [String: String]] {
            let csv = try await fleet(["standings", "--division", "P", "--format", "csv"] + database, in: folder)
            let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            guard let header = lines.first?.map(String.init) else { return [:] }
            var rows: [String: [String: String]] = [:]
            for line in lines.dropFirst() {
                var row = Dictionary(uniqueKeysWithValues: zip(header, line.map(String.init)))
                row["rank"] = nil
                if let team = row["team"] { rows[team] = row }
            }
            return rows
        }

        /// A score as the standings print it: up to three decimals, no trailing zeros.
        static func decimal(_ value: Double) -> String {
            var text = String(format: "%.3f", value)
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
            return text
        }
    }
}
