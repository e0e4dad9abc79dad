import FleetCompetition
import FleetIngest
import FleetScoring
import FleetServer
import FleetStorage
import FleetStore
import Foundation
import Logging

extension Demo {
    /// The API server over the ingester's database and live scorer, showing the park run.
    func makeServer(ingest: IngestService, featured: UInt32) throws -> APIServer? {
        let http = configuration.http
        guard http != "off", let (host, requested) = APIServer.Configuration.address(http) else { return nil }
        var port = requested
        if port != 0 && !Self.portIsFree(host: host, port: port) {
            print("note: \(host):\(port) is taken; serving on a free port instead")
            port = 0
        }
        let (rulebook, bytes, _) = try RulebookFile.load(nil)
        let scoreboard = try CompetitionScoreboardSource(
            serving: ingest,
            rulebook: rulebook,
            rulebookBytes: bytes,
            logger: logger
        )
        scoreboard.feature(runID: featured)
        return APIServer(
            configuration: APIServer.Configuration(host: host, port: port),
            database: try ingest.sqliteDatabase(for: "the demo's board"),
            scoreboard: scoreboard,
            live: ingest,
            logger: logger
        )
    }

    /// Whether a TCP port can be bound on `host` right now.
    static func portIsFree(host: String, port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr) == 1 else { return true }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
