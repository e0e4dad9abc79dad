import FleetPostgres
import FleetStorage
import FleetStore
import Foundation
import Logging

/// The competition part of store-and-forward: the site's teams and every run whose version
/// at the site differs from the copy in the central database, each copied whole in one
/// transaction (`PostgresCompetitionStore.storeForwarded`). Runs follow the telemetry: they
/// are looked at once the forwarder has caught up with the frames, so a run's result
/// arrives after the frames it was scored from.
struct RunForwarding {
    let site: String
    let logger: Logger
    /// Run id → version the central database holds (read at each connection).
    var copied: [UInt32: String] = [:]
    /// Runs refused (their id is taken centrally): reported once per version.
    var refused: [UInt32: String] = [:]
    /// The site's registered robots as last copied.
    var teams: [RegisteredRobot] = []

    init(site: String, logger: Logger) {
        self.site = site
        self.logger = logger
    }

    /// After a (re)connection: what the central database holds of this site's runs.
    mutating func connected(to central: PostgresCompetitionStore) throws {
        copied = try central.forwardedRunVersions(site: site)
        teams = []
    }

    /// Copies what changed; returns the runs copied and the runs refused this time. A failure
    /// of the central database is thrown (the caller retries); a run the central database
    /// refuses is logged and skipped, its version remembered so it is tried again only when
    /// it changes.
    mutating func forward(
        from siteStore: SQLiteCompetitionStore,
        to central: PostgresCompetitionStore,
        at nowNanos: UInt64
    ) throws -> (copied: Int, refused: Int) {
        let robots = try siteStore.registeredRobots()
        if robots != teams {
            let conflicts = try central.storeForwardedTeams(robots, at: nowNanos)
            for conflict in conflicts {
                logger.warning("\(conflict)")
            }
            teams = robots
        }
        var done = (copied: 0, refused: 0)
        for (id, version) in try siteStore.runVersions().sorted(by: { $0.key < $1.key }) {
            guard copied[id] != version, refused[id] != version else { continue }
            let copy = try siteStore.runCopy(id)
            do {
                try central.storeForwarded(copy, site: site, at: nowNanos)
            } catch let error as StorageError where error.code == .conflict {
                logger.error("\(error.message)")
                refused[id] = version
                done.refused += 1
                continue
            }
            copied[id] = copy.version
            done.copied += 1
        }
        return done
    }
}
