import ArgumentParser
import FleetStorage
import Foundation

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database as it is at one instant, also while the ingester writes it.",
        discussion: """
            Uses SQLite's online backup API from a read-only connection: the copy is one
            consistent snapshot, the ingester goes on writing. The copy is written to a
            temporary file next to the target and renamed over it once complete. Restore by
            stopping the ingester and putting the copy in place of the database (README).

            Examples:
              fleet backup --db fleet.db --to /backups/fleet-$(date +%F).db
              fleet backup --db fleet.db --to backup.db --force
            """
    )

    @Option(help: "SQLite database file to copy.")
    var db = "fleet.db"

    @Option(help: "The copy to write (refused if it exists, unless --force).")
    var to: String

    @Flag(help: "Replace the target if it exists.")
    var force = false

    func run() throws {
        guard FileManager.default.fileExists(atPath: db) else {
            throw ValidationError("no database at \(db): pass --db FILE")
        }
        if FileManager.default.fileExists(atPath: to) && !force {
            throw ValidationError("\(to) exists; pass --force to replace it")
        }
        let clock = ContinuousClock()
        let started = clock.now
        let report = try FleetDatabase(path: db, readOnly: true).backup(to: to, force: force)
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            "backed up \(db) to \(report.target): \(report.pages) pages, \(report.bytes) bytes in \(String(format: "%.2f", seconds)) s"
        )
    }
}
