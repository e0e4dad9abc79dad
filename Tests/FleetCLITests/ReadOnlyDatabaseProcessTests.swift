import FleetStore
import FleetTestSupport
import Foundation
import GRDB
import Testing

@testable import FleetStorage

extension ProcessSuites {
    /// The reading commands on a database this user cannot write: the file 444 in a folder
    /// 555, read by `nobody` (root ignores permissions). A cleanly closed copy answers as the
    /// original does; a copy of a running ingester's database answers with its `-shm` and is
    /// refused in one line without it; writing commands are refused in one line naming the file.
    @Suite(.serialized)
    struct ReadOnlyDatabaseProcessTests {
        /// A folder of files made read-only (444) in a folder made read-only (555); made
        /// writable again when dropped, so its `TemporaryFolder` can remove it.
        final class ReadOnlyFolder {
            let url: URL
            let parent: TemporaryFolder

            init(_ name: String, in parent: TemporaryFolder, files: [String: Data]) throws {
                self.parent = parent
                url = parent.url.appendingPathComponent(name)
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
                for (file, contents) in files {
                    try contents.write(to: url.appendingPathComponent(file))
                    try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path(file))
                }
                try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: url.path)
            }

            /// A copy of `files` as they are in `source` now.
            convenience init(
                _ name: String,
                in parent: TemporaryFolder,
                copying files: [String],
                from source: URL
            ) throws {
                var contents: [String: Data] = [:]
                for file in files { contents[file] = try Data(contentsOf: source.appendingPathComponent(file)) }
                try self.init(name, in: parent, files: contents)
            }

            func path(_ name: String) -> String { url.appendingPathComponent(name).path }

            /// Every file and its bytes: what a reader must leave exactly as it was.
            func contents() throws -> [String: Data] {
                var all: [String: Data] = [:]
                for file in try FileManager.default.contentsOfDirectory(atPath: url.path) {
                    all[file] = try Data(contentsOf: url.appendingPathComponent(file))
                }
                return all
            }

            deinit { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path) }
        }

        /// The competition fixture (a FINAL, a FINISHED and a RUNNING run), migrated to this
        /// version's schema and closed, in `folder/original`.
        static func migratedFixture(in folder: TemporaryFolder) throws -> URL {
            let original = folder.url.appendingPathComponent("original")
            try FileManager.default.createDirectory(at: original, withIntermediateDirectories: false)
            for file in ["fleet.db", "fleet-service.key"] {
                try FileManager.default.copyItem(
                    at: CompetitionProcessTests.legacyFixture.appendingPathComponent(file),
                    to: original.appendingPathComponent(file)
                )
            }
            try FleetDatabase(path: original.appendingPathComponent("fleet.db").path).pool.close()
            return original
        }

        /// Standard error is one line (and there is one).
        static func oneLine(_ errors: String) -> Bool {
            errors.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }.count == 1
        }

        @Test(.timeLimit(.minutes(5)))
        func readingCommandsAnswerFromACleanlyClosedReadOnlyCopyAsFromTheOriginal() async throws {
            let folder = try TemporaryFolder()
            let original = try Self.migratedFixture(in: folder)
            #expect(!FileManager.default.fileExists(atPath: original.appendingPathComponent("fleet.db-wal").path))
            let copy = try ReadOnlyFolder(
                "copy",
                in: folder,
                copying: ["fleet.db", "fleet-service.key"],
                from: original
            )
            let before = try copy.contents()

            let reads: [[String]] = [
                ["query", "robots"], ["query", "stats"], ["query", "loss"], ["query", "events"],
                ["query", "frames", "--robot", "101", "--format", "csv"],
                ["query", "metric", "--robot", "101", "--name", "battery_soc", "--step", "10"],
                ["score", "1"], ["score", "2", "--recompute", "--format", "json"], ["score", "3", "--events"],
                ["verify", "1"], ["standings", "--division", "P"], ["run", "list"], ["team", "list"],
                ["rules", "show", "--run", "1"], ["export", "1"], ["export", "2", "--format", "csv"],
            ]
            for read in reads {
                let command = "fleet \(read.joined(separator: " "))"
                let expected = try await FleetProcess.run(read + ["--db", "fleet.db"], in: original)
                #expect(expected.status == 0, "\(command) on the original: \(expected.errors)")
                let got = try await FleetProcess.run(read + ["--db", "fleet.db"], in: copy.url, unprivileged: true)
                #expect(got.status == 0 && got.errors.isEmpty, "\(command) on the read-only copy: \(got.errors)")
                #expect(
                    got.output.replacingOccurrences(of: copy.url.path, with: original.path) == expected.output,
                    "\(command) answers from the read-only copy as from the original"
                )
            }

            // `fleet backup` reads it too, into a folder this user can write.
            let out = folder.url.appendingPathComponent("out")
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: false)
            try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: out.path)
            let backup = try await FleetProcess.run(
                ["backup", "--db", copy.path("fleet.db"), "--to", out.appendingPathComponent("backup.db").path],
                in: out,
                unprivileged: true
            )
            #expect(backup.status == 0, "\(backup.errors)")
            let backedUp = try await FleetProcess.run(["run", "list", "--db", "backup.db"], in: out)
            let listed = try await FleetProcess.run(["run", "list", "--db", "fleet.db"], in: original)
            #expect(backedUp.output == listed.output && !listed.output.isEmpty)

            #expect(try copy.contents() == before, "reading created or changed nothing in the read-only folder")
        }

        @Test(.timeLimit(.minutes(3)))
        func writingCommandsAndForeignFilesAreRefusedInOneLineNamingTheFile() async throws {
            let folder = try TemporaryFolder()
            let original = try Self.migratedFixture(in: folder)
            let copy = try ReadOnlyFolder("copy", in: folder, copying: ["fleet.db"], from: original)
            let before = try copy.contents()
            let db = copy.path("fleet.db")
            let writes: [[String]] = [
                ["run", "create", "--division", "P", "--seed", "1", "--name", "x"], ["run", "start", "3"],
                ["run", "finalize", "2"], ["team", "add", "t", "--robot", "901:sweeper"],
                ["prune", "--older-than", "1d"], ["ingest", "--listen", "tcp://127.0.0.1:\(try freePort())"],
            ]
            for write in writes {
                let result = try await FleetProcess.run(write + ["--db", db], in: copy.url, unprivileged: true)
                #expect(result.status != 0)
                #expect(
                    Self.oneLine(result.errors) && result.errors.contains("\(db) is read-only for this user (")
                        && result.errors.contains("cannot write it"),
                    "fleet \(write.joined(separator: " ")): \(result.errors)"
                )
            }
            #expect(try copy.contents() == before)

            // A foreign SQLite file in WAL mode, closed: still refused, read-only, in one line.
            let source = folder.url.appendingPathComponent("foreign")
            try FileManager.default.createDirectory(at: source, withIntermediateDirectories: false)
            let pool = try DatabasePool(path: source.appendingPathComponent("o.db").path)
            try await pool.write { try $0.execute(sql: "CREATE TABLE robot (x)") }
            try pool.close()
            let foreign = try ReadOnlyFolder("foreign-copy", in: folder, copying: ["o.db"], from: source)
            for read in [["query", "robots"], ["score", "1"]] {
                let result = try await FleetProcess.run(read + ["--db", "o.db"], in: foreign.url, unprivileged: true)
                #expect(result.status != 0)
                #expect(
                    Self.oneLine(result.errors) && result.errors.contains("o.db is not a fleet database"),
                    "\(result.errors)"
                )
            }
        }

        /// An open writer's WAL: committed but not checkpointed, the copy is refused (SQLite
        /// could read it only through a `-shm` this user cannot create); once a checkpoint has
        /// copied it into the file, the copy is read without it.
        @Test(.timeLimit(.minutes(3)))
        func aWALTheFileLacksIsRefusedInOneLineAndOneItAlreadyHoldsIsRead() async throws {
            let folder = try TemporaryFolder()
            let original = try Self.migratedFixture(in: folder)
            let database = try FleetDatabase(path: original.appendingPathComponent("fleet.db").path)
            try SQLiteCompetitionStore(database: database).addTeam(
                "team-read-only",
                robots: [RegisteredRobot(robotID: 901, team: "team-read-only", kind: "sweeper")],
                at: 1
            )
            let pending = try ReadOnlyFolder(
                "pending",
                in: folder,
                copying: ["fleet.db", "fleet.db-wal"],
                from: original
            )
            let (log, copied) = try await database.pool.writeWithoutTransaction { db -> (Int, Int) in
                guard let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)") else { return (0, -1) }
                return (row[1], row[2])
            }
            #expect(log > 0 && copied == log, "the checkpoint copied the whole WAL")
            let checkpointed = try ReadOnlyFolder(
                "checkpointed",
                in: folder,
                copying: ["fleet.db", "fleet.db-wal"],
                from: original
            )
            try database.pool.close()

            let refused = try await FleetProcess.run(
                ["team", "list", "--db", pending.path("fleet.db")],
                in: pending.url,
                unprivileged: true
            )
            #expect(refused.status != 0)
            #expect(
                Self.oneLine(refused.errors)
                    && refused.errors.contains("\(pending.path("fleet.db")) has a write-ahead log")
                    && refused.errors.contains("copy fleet.db and fleet.db-wal together into a folder you can write"),
                "\(refused.errors)"
            )
            let read = try await FleetProcess.run(
                ["team", "list", "--db", "fleet.db"],
                in: checkpointed.url,
                unprivileged: true
            )
            #expect(read.status == 0 && read.output.contains("team-read-only"), "\(read.output)\(read.errors)")

            // The refusal's advice: the same two files in a folder this user can write.
            let writable = folder.url.appendingPathComponent("writable")
            try FileManager.default.createDirectory(at: writable, withIntermediateDirectories: false)
            try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: writable.path)
            for file in ["fleet.db", "fleet.db-wal"] {
                try FileManager.default.copyItem(
                    atPath: pending.path(file),
                    toPath: writable.appendingPathComponent(file).path
                )
            }
            let advised = try await FleetProcess.run(
                ["team", "list", "--db", "fleet.db"],
                in: writable,
                unprivileged: true
            )
            #expect(advised.status == 0 && advised.output.contains("team-read-only"), "\(advised.errors)")
        }

        /// A copy taken while `fleet ingest` runs, its frames committed to the WAL and not yet
        /// checkpointed: with the `-shm` it answers with every frame; without, one line says
        /// what to do.
        @Test(.timeLimit(.minutes(3)))
        func aCopyOfARunningIngestersDatabaseAnswersWithItsIndexAndIsRefusedWithout() async throws {
            let folder = try TemporaryFolder()
            let live = folder.url.appendingPathComponent("live")
            try FileManager.default.createDirectory(at: live, withIntermediateDirectories: false)
            let recording = folder.path("fleet.ftrec")
            _ = try writeRecording(to: recording, robots: 3, framesPerRobot: 200)
            let ingest = try FleetProcess(
                [
                    "ingest", "--db", "fleet.db", "--reliable", "tcp://127.0.0.1:*", "--status-every", "0.1",
                    "--status-format", "json",
                ],
                in: live
            )
            func statuses() -> [[String: Any]] {
                ingest.standardOutput.split(separator: "\n").compactMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }
            }
            try await waitUntil(timeout: .seconds(30)) { !statuses().isEmpty }
            let endpoint = try #require((statuses().first?["endpoints"] as? [String])?.first)
            let replay = try await FleetProcess.run(
                [
                    "replay", recording, "--connect", endpoint, "--wait-timeout", "90", "--reliable", "--rate", "max",
                    "--restamp",
                ],
                in: folder.url
            )
            #expect(replay.status == 0, "\(replay.errors)")
            try await waitUntil(timeout: .seconds(30)) { (statuses().last?["stored"] as? Int) == 600 }

            // The files as they are while the ingester runs, read until two reads agree (no
            // commit or checkpoint between them).
            let names = ["fleet.db", "fleet.db-wal", "fleet.db-shm"]
            var snapshot: [String: Data] = [:]
            try await waitUntil(timeout: .seconds(30)) {
                var now: [String: Data] = [:]
                for name in names { now[name] = try Data(contentsOf: live.appendingPathComponent(name)) }
                defer { snapshot = now }
                return now == snapshot
            }
            ingest.signal(SIGTERM)
            #expect(await ingest.wait(timeout: .seconds(10)))

            let walOnly = try ReadOnlyFolder(
                "wal-only",
                in: folder,
                files: snapshot.filter { $0.key != "fleet.db-shm" }
            )
            let withIndex = try ReadOnlyFolder("with-index", in: folder, files: snapshot)
            let wal = try WriteAheadLog.read(path: walOnly.path("fleet.db-wal"))
            try #require(
                try wal.changes(databaseAt: walOnly.path("fleet.db"), log: walOnly.path("fleet.db-wal")),
                "the copy's WAL holds committed frames its file lacks (\(wal.commits) commits)"
            )

            let refused = try await FleetProcess.run(
                ["query", "stats", "--db", walOnly.path("fleet.db")],
                in: walOnly.url,
                unprivileged: true
            )
            #expect(refused.status != 0)
            #expect(
                Self.oneLine(refused.errors)
                    && refused.errors.contains("\(walOnly.path("fleet.db")) has a write-ahead log")
                    && refused.errors.contains("fleet.db-shm"),
                "\(refused.errors)"
            )

            let stats = try await FleetProcess.run(
                ["query", "stats", "--db", "fleet.db"],
                in: withIndex.url,
                unprivileged: true
            )
            #expect(stats.status == 0, "\(stats.errors)")
            let accepted = stats.output.split(separator: "\n").first { $0.hasPrefix("frames.accepted ") }
            #expect(accepted?.split(separator: " ").last == "600", "\(stats.output)")
            for robot in 1...3 {
                let query = ["query", "frames", "--robot", "\(robot)", "--raw", "--format", "csv", "--db", "fleet.db"]
                let copied = try await FleetProcess.run(query, in: withIndex.url, unprivileged: true)
                let stored = try await FleetProcess.run(query, in: live)
                #expect(copied.status == 0, "\(copied.errors)")
                #expect(copied.output.split(separator: "\n").count == 201, "robot \(robot): every frame and a header")
                #expect(copied.output == stored.output, "robot \(robot): as the ingester stored them")
            }
        }
    }
}
