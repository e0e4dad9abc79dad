import ArgumentParser
import FleetCompetition
import FleetProtocol
import FleetStorage
import FleetStore
import Foundation

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Drop raw frames and rollups older than a time, and give the space back.",
        discussion: """
            Deletes whole sealed chunks whose frames are all older than the cutoff, and
            1-second rollups of earlier seconds, in small transactions; the frames inside
            the window of any run that has one (FINAL ones back signed results; RUNNING,
            FINISHED or under review ones will be finalized from them) are kept whatever
            their age. Events, the loss ledger, robots and competition results are kept.
            Free pages are then handed back to the file system (incremental vacuum;
            databases made before this version need one VACUUM first, see README).

            Refused while `fleet ingest` writes the file: give the ingester --retain-raw /
            --retain-rollups instead; it prunes on its own writer thread.

            Examples:
              fleet prune --db fleet.db --older-than 30d
              fleet prune --db fleet.db --before 2027-01-01T00:00:00Z --raw
              fleet prune --db fleet.db --older-than 400d --rollups
            """
    )

    @Option(help: "SQLite database file.")
    var db = "fleet.db"

    @Option(help: "Drop what is older than this time.")
    var before: TimeArgument?

    @Option(help: "Drop what is older than this long ago (30d, 12h, 90m).")
    var olderThan: DurationArgument?

    @Flag(help: "Only raw frames (sealed chunks).")
    var raw = false

    @Flag(help: "Only rollups.")
    var rollups = false

    func validate() throws {
        if (before == nil) == (olderThan == nil) {
            throw ValidationError("give --before TIME or --older-than DURATION (one of them)")
        }
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: db) else {
            throw ValidationError("no database at \(db): pass --db FILE")
        }
        try WriterLease.acquire(forDatabase: db, holder: "fleet prune").holdUntilExit()
        let cutoff = before?.nanoseconds ?? nowNanos() - min(nowNanos(), olderThan!.nanoseconds)
        let both = raw == rollups
        let limits = PruneLimits(rawBefore: raw || both ? cutoff : nil, rollupsBefore: rollups || both ? cutoff : nil)
        let database = try FleetDatabase(path: db)
        let sizeBefore = fileSize(db)
        let counts = try database.prune(limits, keep: { try RetainedWindows.windows(in: $0) })
        let statistics = try database.retentionStatistics()
        print("pruned before \(TimeArgument.format(cutoff)):")
        print("  \(counts.chunks) chunks (\(counts.frames) frames), \(counts.rollups) rollups")
        if counts.keptChunks > 0 {
            print("  kept \(counts.keptChunks) older chunks inside runs' windows")
        }
        print("  file \(sizeBefore) → \(fileSize(db)) bytes (\(counts.vacuumedPages) pages handed back)")
        if !statistics.incrementalVacuum {
            print(
                "  note: \(db) was made without incremental auto-vacuum: freed pages are reused but the file does not shrink; convert it once (ingester stopped): sqlite3 \(db) 'PRAGMA auto_vacuum = INCREMENTAL; VACUUM'"
            )
        }
    }
}

func fileSize(_ path: String) -> Int64 {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
}
