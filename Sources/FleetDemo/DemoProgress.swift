import FleetConsole
import FleetIngest
import FleetProtocol
import FleetRunner
import FleetSimulation
import FleetStore
import Foundation

/// The live view while the demo runs: a progress bar and the leading robots.
struct DemoProgress: Sendable {
    let ingest: IngestService
    let store: any CompetitionStore
    let runID: UInt32
    let duration: Double
    let timeScale: Double

    func watch() async {
        let interactive = isatty(STDOUT_FILENO) != 0
        let clock = ContinuousClock()
        let started = clock.now
        var lastPlain = clock.now - .seconds(10)
        var drawnLines = 0
        while !Task.isCancelled {
            let elapsed = (clock.now - started).seconds * timeScale
            let fraction = min(1, elapsed / (duration + 1))
            let snapshot = ingest.liveSnapshot
            let metrics = ingest.currentMetrics()
            let leaders = Self.leaders(snapshot)
            let bar =
                String(repeating: "█", count: Int(fraction * 30))
                + String(repeating: "░", count: 30 - Int(fraction * 30))
            let status = String(
                format: "%@ %3.0f%%  sim %4.0f/%0.f s  frames %d  robots %d  ring %.0f%%",
                bar,
                fraction * 100,
                min(elapsed, duration),
                duration,
                metrics.stored,
                snapshot.robots.count,
                metrics.ringOccupancy * 100
            )
            if interactive {
                let lines = [status, ""] + leaders
                if drawnLines > 0 { Swift.print("\u{1B}[\(drawnLines)A", terminator: "") }
                for line in lines { Swift.print("\u{1B}[2K" + line) }
                drawnLines = lines.count
            } else if clock.now - lastPlain >= .seconds(5) {
                Swift.print(status)
                flushOutput()
                lastPlain = clock.now
            }
            try? await Task.sleep(for: .milliseconds(interactive ? 250 : 1000))
        }
    }

    /// The `limit` sanitation robots that cleaned most, as table lines under a header; the
    /// team column is as wide as the longest name shown, so long names keep the columns aligned.
    static func leaders(_ snapshot: LiveSnapshot, limit: Int = 6) -> [String] {
        var rows: [(area: Double, robot: UInt32, team: String, state: SanitationState)] = []
        for robot in snapshot.robots {
            guard case .sanitationState(let state) = robot.state else { continue }
            let team = FleetRoster.teamName(max(1, Int(robot.robotID / 100)))
            rows.append((state.areaCleaned, robot.robotID, team, state))
        }
        let shown = rows.sorted { $0.area > $1.area }.prefix(limit)
        let width = max(4, shown.map(\.team.count).max() ?? 0)
        func pad(_ text: String) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        return ["  robot  \(pad("team"))  status     area m²  battery  hopper"]
            + shown.map { row in
                String(format: "  %5d  ", row.robot) + pad(row.team)
                    + String(
                        format: "  %-9@  %7.0f  %6.0f%%  %5.0f%%",
                        row.state.status.schemaName as NSString,
                        row.area,
                        row.state.batterySOC,
                        row.state.hopperFill
                    )
            }
    }
}
