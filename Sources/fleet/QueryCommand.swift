import ArgumentParser
import FleetConsole
import FleetPostgres
import FleetProtocol
import FleetStorage
import FleetStore
import Foundation
import Logging

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Query stored telemetry: frames, metrics, events, the loss ledger, robots.",
        discussion: """
            Examples:
              fleet query robots
              fleet query frames --robot 3 --from 2027-01-15T08:00:00Z \\
                  --to 2027-01-15T08:00:10Z
              fleet query frames --robot 3 --raw --format csv
              fleet query metric --robot 3 --name battery_soc --step 10 --format json
              fleet query events --type contact
              fleet query loss --robot 3
            """,
        subcommands: [Robots.self, Frames.self, Metric.self, Events.self, Loss.self, Stats.self]
    )
}

/// Options every query takes.
struct QueryOptions: ParsableArguments {
    @Option(help: "SQLite database file.")
    var db = "fleet.db"

    @Option(
        help: "Read a central PostgreSQL instead of --db: postgres://USER@HOST:PORT/DB (a standby works too)."
    )
    var store: String?

    @Option(help: "Output: table, json or csv.")
    var format: OutputFormat = .table

    func validate() throws {
        if let store { _ = try StoreOption.location(store) }
    }

    /// The store to read: the SQLite file, or the PostgreSQL database --store names (opened
    /// read-only: nothing is created or migrated).
    func open() throws -> any TelemetryQueries {
        if let store {
            return try PostgresStore.open(
                location: try StoreOption.location(store),
                readOnly: true,
                logger: makeLogger(label: "fleet.query", level: .error)
            )
        }
        guard FileManager.default.fileExists(atPath: db) else {
            throw ValidationError("no database at \(db): run `fleet ingest` or `fleet demo` first, or pass --db")
        }
        return try FleetDatabase.forReading(path: db)
    }

    func print(_ table: DataTable) {
        Swift.print(table.render(format), terminator: "")
    }
}

/// A time range on the command line; defaults to everything.
struct RangeOptions: ParsableArguments {
    @Option(help: "Start of the range (inclusive).")
    var from: TimeArgument?

    @Option(help: "End of the range (inclusive).")
    var to: TimeArgument?

    var bounds: (UInt64, UInt64) { (from?.nanoseconds ?? 0, to?.nanoseconds ?? UInt64(Int64.max)) }

    func validate() throws {
        if let from, let to, from.nanoseconds > to.nanoseconds {
            throw ValidationError("--from is after --to")
        }
    }
}

extension QueryCommand {
    struct Robots: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Robots and their latest state.",
            discussion: """
                Examples:
                  fleet query robots
                  fleet query robots --db demo.db --format json
                """
        )
        @OptionGroup var options: QueryOptions

        func run() throws {
            let database = try options.open()
            var rows: [[DataTable.Cell]] = []
            for robot in try database.robots() {
                let state = try database.latestState(robotID: robot.robotID)
                let fields =
                    state.flatMap { frame in
                        frame.bytes.withUnsafeBytes { MessageType.fieldValues(of: frame.header, in: $0) }
                    } ?? []
                func field(_ name: String) -> DataTable.Cell {
                    guard let value = fields.first(where: { $0.name == name })?.value else { return .null }
                    return value.number.map { .number($0) } ?? .text(value.text)
                }
                rows.append([
                    .integer(Int64(robot.robotID)), robot.kind.map { .text($0) } ?? .null,
                    robot.team.map { .text($0) } ?? .null, .integer(Int64(robot.bootEpoch)),
                    .text(TimeArgument.format(robot.lastSeenNanos)), field("x"), field("y"), field("speed"),
                    field("battery_soc"), fields.isEmpty ? .null : field("mode"),
                ])
            }
            options.print(
                DataTable(
                    columns: ["robot", "kind", "team", "boot", "last_seen", "x", "y", "speed", "battery_soc", "mode"],
                    rows: rows
                )
            )
        }
    }

    struct Frames: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A robot's frames in a time range, decoded (or the raw bytes with --raw).",
            discussion: """
                Examples:
                  fleet query frames --robot 101 --from 2027-01-15T08:00:00Z \\
                      --to 2027-01-15T08:00:10Z
                  fleet query frames --robot 101 --from 1799971200s --to 1799971210s --raw \\
                      --format json
                """
        )
        @OptionGroup var options: QueryOptions
        @OptionGroup var range: RangeOptions

        @Option(help: "Robot id.")
        var robot: UInt32

        @Option(help: "Only this message type (schema name, e.g. sanitation_state); repeatable.")
        var type: [String] = []

        @Flag(help: "Print each frame's bytes as hex instead of decoded fields.")
        var raw = false

        @Option(help: "At most this many frames.")
        var limit = 10_000

        func run() throws {
            let types = try parseTypes(type)
            let (from, to) = range.bounds
            let frames = try options.open().frames(robotID: robot, from: from, to: to, types: types, limit: limit)
            let header = ["time", "boot", "seq", "type"]
            if raw {
                options.print(
                    DataTable(
                        columns: header + ["bytes"],
                        rows: frames.map {
                            commonCells($0) + [.text($0.bytes.map { String(format: "%02x", $0) }.joined())]
                        }
                    )
                )
                return
            }
            let rows = frames.map { frame -> [DataTable.Cell] in
                let fields = frame.bytes.withUnsafeBytes { MessageType.fieldValues(of: frame.header, in: $0) } ?? []
                let json =
                    "{"
                    + fields.map { "\(DataTable.Cell.quote($0.name)): \(jsonValue($0.value))" }.joined(separator: ", ")
                    + "}"
                let text = fields.map { "\($0.name)=\($0.value.text)" }.joined(separator: " ")
                return commonCells(frame) + [.json(json, text: text)]
            }
            options.print(DataTable(columns: header + ["fields"], rows: rows))
        }

        private func commonCells(_ frame: StoredFrame) -> [DataTable.Cell] {
            [
                .text(TimeArgument.format(frame.header.timestampNanoseconds)), .integer(Int64(frame.header.bootEpoch)),
                .integer(Int64(frame.header.sequence)),
                .text(frame.header.knownMessageType?.schemaName ?? "type \(frame.header.messageType)"),
            ]
        }
    }

    struct Metric: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A metric of a robot from the 1 s rollups, at a resolution of --step seconds.",
            discussion: """
                Examples:
                  fleet query metric --robot 101 --name battery_soc --step 10
                  fleet query metric --robot 101 --name speed --step 60 --format csv
                """
        )
        @OptionGroup var options: QueryOptions
        @OptionGroup var range: RangeOptions

        @Option(help: "Robot id.")
        var robot: UInt32

        @Option(help: "Metric: a numeric field of the robot's state message (battery_soc, speed, hopper_fill, ...).")
        var name: String

        @Option(help: "Seconds per point (1 or more).")
        var step: Int64 = 1

        func validate() throws {
            if step < 1 { throw ValidationError("--step must be at least 1 second") }
        }

        func run() throws {
            let (from, to) = range.bounds
            let points = try options.open().metric(robotID: robot, name: name, from: from, to: to, step: step)
            options.print(
                DataTable(
                    columns: ["time", "count", "min", "max", "mean", "last"],
                    rows: points.map {
                        [
                            .text(TimeArgument.format(UInt64($0.second) * 1_000_000_000)), .integer(Int64($0.count)),
                            .number($0.min), .number($0.max), .number($0.mean), .number($0.last),
                        ]
                    }
                )
            )
        }
    }

    struct Events: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Robot and referee events in a time range.",
            discussion: """
                Examples:
                  fleet query events --type contact
                  fleet query events --robot 101 --type fall --type collision --format json
                """
        )
        @OptionGroup var options: QueryOptions
        @OptionGroup var range: RangeOptions

        @Option(help: "Only events about this robot.")
        var robot: UInt32?

        @Option(help: "Only this message type (schema name, e.g. contact); repeatable.")
        var type: [String] = []

        @Option(help: "At most this many events.")
        var limit = 10_000

        func run() throws {
            let (from, to) = range.bounds
            let events = try options.open().events(
                robotID: robot,
                from: from,
                to: to,
                types: try parseTypes(type),
                limit: limit
            )
            options.print(
                DataTable(
                    columns: ["id", "time", "robot", "sender", "run", "type", "fields"],
                    rows: events.map { event in
                        let fields =
                            event.bytes.withUnsafeBytes { bytes in
                                FrameHeader.unverified(bytes).flatMap { MessageType.fieldValues(of: $0, in: bytes) }
                            } ?? []
                        let json =
                            "{"
                            + fields.map { "\(DataTable.Cell.quote($0.name)): \(jsonValue($0.value))" }.joined(
                                separator: ", "
                            ) + "}"
                        return [
                            .integer(event.eventID), .text(TimeArgument.format(event.timestampNanos)),
                            .integer(Int64(event.robotID)), .integer(Int64(event.senderID)),
                            event.runID.map { .integer(Int64($0)) } ?? .null,
                            .text(MessageType(rawValue: event.messageType)?.schemaName ?? "\(event.messageType)"),
                            .json(json, text: fields.map { "\($0.name)=\($0.value.text)" }.joined(separator: " ")),
                        ]
                    }
                )
            )
        }
    }

    struct Loss: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The loss ledger: per robot and boot epoch, frames received, duplicates, gaps, rejects.",
            discussion: """
                Examples:
                  fleet query loss
                  fleet query loss --robot 101 --format json
                """
        )
        @OptionGroup var options: QueryOptions

        @Option(help: "Only this robot.")
        var robot: UInt32?

        func run() throws {
            let database = try options.open()
            let ledger = try database.lossLedger(robotID: robot)
            // The ledger counts what arrived, over the whole history: pruning raw frames does
            // not make them lost. Say so where it matters, on stderr (the table stays data).
            if let before = try database.retentionStatistics().rawPrunedBeforeNanos {
                FileHandle.standardError.write(
                    Data(
                        "note: raw frames before \(TimeArgument.format(before)) were pruned; the ledger still counts them as received\n"
                            .utf8
                    )
                )
            }
            options.print(
                DataTable(
                    columns: [
                        "robot", "boot", "received", "expected", "completeness", "duplicates", "out_of_order",
                        "rejected",
                        "dropped", "gaps", "rejected_seqs",
                    ],
                    rows: ledger.map {
                        [
                            .integer(Int64($0.robotID)), .integer(Int64($0.bootEpoch)), .integer(Int64($0.received)),
                            .integer(Int64($0.expected)), .number(($0.completeness * 1e6).rounded() / 1e6),
                            .integer(Int64($0.duplicates)), .integer(Int64($0.outOfOrder)),
                            .integer(Int64($0.rejected)),
                            .integer(Int64($0.dropped)), .text(SequenceRange.text($0.gaps)),
                            .text(SequenceRange.text($0.rejectedSequences)),
                        ]
                    }
                )
            )
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ingest counters (accepted, duplicates, rejected by reason, dropped) and what retention pruned.",
            discussion: """
                Examples:
                  fleet query stats
                  fleet query stats --db demo.db --format csv
                """
        )
        @OptionGroup var options: QueryOptions

        func run() throws {
            let database = try options.open()
            let stats = try database.ingestStatistics()
            let retention = try database.retentionStatistics()
            var rows: [[DataTable.Cell]] = stats.keys.sorted().filter { !$0.hasPrefix("pruned.") }.map {
                [.text($0), .integer(stats[$0]!)]
            }
            // Retention: what was pruned and what the oldest data kept is.
            func time(_ nanos: UInt64?) -> DataTable.Cell { nanos.map { .text(TimeArgument.format($0)) } ?? .null }
            rows += [
                [.text("pruned.chunks"), .integer(retention.prunedChunks)],
                [.text("pruned.frames"), .integer(retention.prunedFrames)],
                [.text("pruned.rollups"), .integer(retention.prunedRollups)],
                [.text("pruned.raw_before"), time(retention.rawPrunedBeforeNanos)],
                [
                    .text("pruned.rollups_before"),
                    time(retention.rollupsPrunedBeforeSecond.map { UInt64(max(0, $0)) * 1_000_000_000 }),
                ],
                [.text("retained.oldest_raw"), time(retention.oldestRawNanos)],
                [
                    .text("retained.oldest_rollup"),
                    time(retention.oldestRollupSecond.map { UInt64(max(0, $0)) * 1_000_000_000 }),
                ],
                [.text("file.incremental_vacuum"), .text(retention.incrementalVacuum ? "on" : "off")],
                [.text("file.free_pages"), .integer(Int64(retention.freePages))],
            ]
            options.print(DataTable(columns: ["counter", "value"], rows: rows))
        }
    }
}

func parseTypes(_ names: [String]) throws -> Set<MessageType>? {
    guard !names.isEmpty else { return nil }
    return Set(
        try names.map { name in
            guard let type = MessageType.allCases.first(where: { $0.schemaName == name }) else {
                throw ValidationError(
                    "unknown message type '\(name)'; known: \(MessageType.allCases.map(\.schemaName).joined(separator: ", "))"
                )
            }
            return type
        }
    )
}

func jsonValue(_ value: FieldValue) -> String {
    switch value {
    case .enumeration(let name): DataTable.Cell.quote(name)
    case .bool(let b): b ? "true" : "false"
    case .array(let values): "[" + values.map { DataTable.Cell.number($0).jsonText }.joined(separator: ", ") + "]"
    default: DataTable.Cell.number(value.number ?? .nan).jsonText
    }
}
