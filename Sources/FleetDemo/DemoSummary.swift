import FleetConsole
import FleetProtocol
import FleetRunner
import FleetStorage
import FleetStore
import Foundation

/// What the demo prints at the end.
struct DemoSummary {
    let database: FleetDatabase
    let report: FleetRunner.Report

    func print(db: String) throws {
        let ledger = try database.lossLedger()
        let stats = try database.ingestStatistics()
        var rows: [[DataTable.Cell]] = []
        for robot in try database.robots() where robot.robotID < 0xF000_0000 {
            guard let stored = try database.latestState(robotID: robot.robotID), let frame = stored.frame else {
                continue
            }
            let completeness = ledger.filter { $0.robotID == robot.robotID }.reduce(into: (0, 0)) {
                $0.0 += $1.received
                $0.1 += $1.expected
            }
            let team = report.truth.senders.first { $0.robotID == robot.robotID }?.team ?? "?"
            switch frame.message {
            case .sanitationState(let state):
                rows.append([
                    .integer(Int64(robot.robotID)), .text(team), .text("sanitation"),
                    .number((state.areaCleaned * 10).rounded() / 10),
                    .number((state.energyUsed * 10).rounded() / 10), .number(Double(state.batterySOC).rounded()),
                    .number(
                        completeness.1 == 0
                            ? 1 : (Double(completeness.0) / Double(completeness.1) * 1000).rounded() / 1000
                    ),
                ])
            case .humanoidState(let state):
                rows.append([
                    .integer(Int64(robot.robotID)), .text(team), .text("humanoid (placed \(state.itemsPlaced))"), .null,
                    .number((state.energyUsed * 10).rounded() / 10), .number(Double(state.batterySOC).rounded()),
                    .number(
                        completeness.1 == 0
                            ? 1 : (Double(completeness.0) / Double(completeness.1) * 1000).rounded() / 1000
                    ),
                ])
            default:
                break
            }
        }
        Swift.print("\nrobots at the end of the run")
        Swift.print(
            DataTable(
                columns: ["robot", "team", "kind", "area_m2", "energy_wh", "battery_%", "completeness"],
                rows: rows
            ).render(.table)
        )
        let rejected = stats.filter { $0.key.hasPrefix("frames.rejected.") }.values.reduce(0, +)
        Swift.print(
            "frames stored \(stats["frames.accepted"] ?? 0), duplicates \(stats["frames.duplicate"] ?? 0), rejected \(rejected); simulated \(Int(report.simulatedSeconds)) s in \(String(format: "%.1f", report.wallSeconds)) s"
        )
    }
}
