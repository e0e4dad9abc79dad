import FleetTestSupport
import Foundation
import GRDB
import Testing

extension ProcessSuites {
    /// Issue 10 items 15 and 16: `fleet ingest` refuses bad input in one line, before it creates
    /// or changes any file.
    @Suite(.serialized)
    struct InputValidationProcessTests {
        /// Item 15: `sqlite3 o.db 'create table robot(x)'; fleet ingest --db o.db` printed the
        /// whole schema and left the file migrated and in WAL mode.
        @Test(.timeLimit(.minutes(1)))
        func ingestRefusesAForeignSQLiteFileAndLeavesItAsItWas() async throws {
            let folder = try TemporaryFolder()
            let db = folder.path("o.db")
            do {
                let other = try DatabaseQueue(path: db)
                try await other.write { try $0.execute(sql: "CREATE TABLE robot(x)") }
                try other.close()
            }
            let before = try Data(contentsOf: URL(fileURLWithPath: db))
            let port = try freePort()
            let result = try await FleetProcess.run(
                ["ingest", "--db", db, "--listen", "tcp://127.0.0.1:\(port)", "--status-every", "0"],
                in: folder.url
            )
            #expect(result.status != 0)
            let lines = result.errors.split(separator: "\n").filter { $0.contains("not a fleet database") }
            #expect(lines.count == 1, "stderr: \(result.errors)")
            #expect(result.errors.split(separator: "\n").count <= 2, "a short error, not the schema: \(result.errors)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
            #expect(!FileManager.default.fileExists(atPath: db + "-wal"))
        }

        /// Item 16: a port out of range, an address in use (ZeroMQ or HTTP) stop the command in
        /// one line naming the address, and no database file is left behind.
        @Test(.timeLimit(.minutes(1)))
        func ingestChecksEveryAddressBeforeCreatingTheDatabase() async throws {
            let folder = try TemporaryFolder()
            let db = folder.path("fleet.db")

            let outOfRange = try await FleetProcess.run(
                ["ingest", "--db", db, "--listen", "tcp://127.0.0.1:99999"],
                in: folder.url
            )
            #expect(outOfRange.status != 0)
            #expect(outOfRange.errors.contains("99999"), "\(outOfRange.errors)")
            #expect(!FileManager.default.fileExists(atPath: db))

            // An HTTP port in use: held by a listening socket of this test.
            let (holder, busy) = try Self.listeningSocket()
            defer { close(holder) }
            let zmqPort = try freePort()
            let httpBusy = try await FleetProcess.run(
                [
                    "ingest", "--db", db, "--listen", "tcp://127.0.0.1:\(zmqPort)", "--http", "127.0.0.1:\(busy)",
                    "--status-every", "0",
                ],
                in: folder.url
            )
            #expect(httpBusy.status != 0)
            #expect(httpBusy.errors.contains("127.0.0.1:\(busy)"), "\(httpBusy.errors)")
            #expect(!FileManager.default.fileExists(atPath: db))

            // A ZeroMQ endpoint in use.
            let zmqBusy = try await FleetProcess.run(
                ["ingest", "--db", db, "--reliable", "tcp://127.0.0.1:\(busy)", "--status-every", "0"],
                in: folder.url
            )
            #expect(zmqBusy.status != 0)
            #expect(zmqBusy.errors.contains("tcp://127.0.0.1:\(busy)"), "\(zmqBusy.errors)")
            #expect(!FileManager.default.fileExists(atPath: db))
        }

        /// A TCP socket listening on 127.0.0.1 at a port below the ephemeral range.
        static func listeningSocket() throws -> (fd: Int32, port: Int) {
            for _ in 0..<100 {
                let port = try freePort()
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(port).bigEndian)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                let bound = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                if bound == 0 && listen(fd, 1) == 0 { return (fd, port) }
                close(fd)
            }
            throw CLITestError("no port to listen on")
        }
    }
}
