import ArgumentParser
import FleetCompetition
import FleetConsole
import FleetMCAP
import FleetProtocol
import FleetScoring
import FleetStorage
import FleetStore
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a run's telemetry: every frame of its robots and referee, decoded, in time order.",
        discussion: """
            The run's time span is what its referee's run_state events cover
            (PREPARE to FINISHED), or its start and stop times. Without a run,
            --from and --to pick a time span and every sender in it. JSON lines
            hold every message type; CSV holds one message type at a time (its
            schema fields as columns); MCAP (for Foxglove) holds every message
            type, one channel per robot and type, robot poses on
            foxglove.PoseInFrame and FrameTransform and the run's arena as a
            foxglove.SceneUpdate, zstd-compressed and indexed.

            Examples:
              fleet export 1 --format jsonl > run1.jsonl
              fleet export 1 --format csv --type sanitation_state --output run1-state.csv
              fleet export 1 --format csv --type contact
              fleet export 1 --format mcap --output run1.mcap
              fleet export --from 2027-01-15T08:00:00Z --to 2027-01-15T09:00:00Z \\
                --format mcap --output hour.mcap
            """
    )

    enum Format: String, ExpressibleByArgument {
        case jsonl
        case csv
        case mcap
    }

    @Argument(help: "Run id (or --from and --to).") var id: UInt32?
    @Option(help: "Without a run id: the start of the time span (every sender in it).") var from: TimeArgument?
    @Option(help: "Without a run id: the end of the time span.") var to: TimeArgument?
    @OptionGroup var options: CompetitionOptions
    @Option(help: "jsonl (every type), csv (one type) or mcap (every type, needs --output).") var format: Format =
        .jsonl
    @Option(help: "With csv: the message type (schema name).") var type = "sanitation_state"
    @Option(help: "Write here instead of standard output.") var output: String?

    func validate() throws {
        if id != nil, from != nil || to != nil {
            throw ValidationError("give a run id or --from and --to, not both")
        }
        if id == nil, from == nil || to == nil {
            throw ValidationError("give a run id, or --from and --to for a time span")
        }
        if let from, let to, from.nanoseconds > to.nanoseconds {
            throw ValidationError("--from \(from.nanoseconds) is after --to \(to.nanoseconds)")
        }
        if format == .mcap, output == nil {
            throw ValidationError("--format mcap needs --output FILE (MCAP is binary)")
        }
    }

    /// What to export: a time span, which senders may have frames in it, and which of their
    /// frames belong (a run's: its robots' frames and the infrastructure's that name the run,
    /// since several arenas' referees may share a database); or everything in --from…--to.
    struct Selection {
        var from: UInt64
        var to: UInt64
        var senders: (UInt32) -> Bool
        var keeps: (UInt32, UnsafeRawBufferPointer) -> Bool
        var name: String
    }

    private func selection(_ store: any CompetitionStore) throws -> Selection {
        guard let id else {
            let last = UInt64(Int64.max)
            return Selection(
                from: min(from?.nanoseconds ?? 0, last),
                to: min(to?.nanoseconds ?? last, last),
                senders: { _ in true },
                keeps: { _, _ in true },
                name: "the span"
            )
        }
        let record = try store.run(id)
        let states = try store.runStateEvents(runID: id).map(\.timestampNanos)
        let members = Set(try store.entries(runID: id).map(\.robotID))
        return Selection(
            from: states.min() ?? record.startedNanos ?? record.createdNanos,
            to: states.max() ?? record.stoppedNanos ?? UInt64(Int64.max),
            senders: { members.contains($0) || RunContext.infrastructure.contains($0) },
            keeps: { sender, bytes in
                if members.contains(sender) { return true }
                guard let frame = try? FrameDecoder.decode(bytes) else { return true }
                return RunScorer.runNamed(by: frame.message) == id
            },
            name: "run \(id)"
        )
    }

    func run() throws {
        let store = try options.store()
        let selected = try selection(store)
        let (from, to) = (selected.from, selected.to)
        if format == .mcap, let output {
            return try exportMCAP(store, selected, into: output)
        }
        guard let csvType = MessageType.allCases.first(where: { $0.schemaName == type }) else {
            throw ValidationError(
                "unknown --type \(type); known: \(MessageType.allCases.map(\.schemaName).joined(separator: ", "))"
            )
        }

        var frames: [(header: FrameHeader, bytes: [UInt8])] = []
        try store.forEachFrame(from: from, to: to, senders: selected.senders) { sender, header, bytes in
            guard let header, header.timestampNanoseconds >= from, header.timestampNanoseconds <= to,
                selected.keeps(sender, bytes)
            else { return }
            if format == .csv && header.messageType != csvType.rawValue { return }
            frames.append((header, Array(bytes)))
        }
        frames.sort {
            ($0.header.timestampNanoseconds, $0.header.robotID, $0.header.bootEpoch, $0.header.sequence)
                < ($1.header.timestampNanoseconds, $1.header.robotID, $1.header.bootEpoch, $1.header.sequence)
        }

        var out = ""
        if format == .csv {
            let names = csvType.layout.filter { !$0.isReserved }.map(\.name)
            out += (["time_ns", "robot", "boot", "seq"] + names).joined(separator: ",") + "\n"
        }
        for frame in frames {
            let fields = frame.bytes.withUnsafeBytes { MessageType.fieldValues(of: frame.header, in: $0) } ?? []
            let h = frame.header
            switch format {
            case .csv:
                out +=
                    (["\(h.timestampNanoseconds)", "\(h.robotID)", "\(h.bootEpoch)", "\(h.sequence)"]
                    + fields.map(\.value.text)).joined(separator: ",") + "\n"
            case .jsonl, .mcap:
                let body = fields.map { "\(DataTable.Cell.quote($0.name)): \(jsonValue($0.value))" }.joined(
                    separator: ", "
                )
                let name = h.knownMessageType?.schemaName ?? "type_\(h.messageType)"
                out +=
                    "{\"time_ns\": \(h.timestampNanoseconds), \"robot\": \(h.robotID), \"boot\": \(h.bootEpoch), \"seq\": \(h.sequence), \"type\": \"\(name)\", \"body\": {\(body)}}\n"
            }
        }
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(out.utf8)) else {
                throw ValidationError("--output: cannot write \(output)")
            }
            FileHandle.standardError.write(
                Data("export: \(frames.count) frames of \(selected.name) to \(output)\n".utf8)
            )
        } else {
            print(out, terminator: "")
        }
    }

    /// Streams the frames into an MCAP file chunk by chunk (memory: one chunk, not the run).
    private func exportMCAP(_ store: any CompetitionStore, _ selected: Selection, into path: String) throws {
        let (from, to, name) = (selected.from, selected.to, selected.name)
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw ValidationError("--output: cannot write \(path)")
        }
        defer { try? handle.close() }
        var exporter = try TelemetryMCAPExporter(sink: FileSink(handle: handle), library: "fleet export")
        if let id, let record = try? store.run(id), let arena = try? RunContext.arena(of: record, store: store) {
            try exporter.addArena(ArenaScene(arena: arena), at: from)
        }
        try store.forEachFrame(from: from, to: to, senders: selected.senders) { sender, header, bytes in
            guard selected.keeps(sender, bytes) else { return }
            try exporter.add(header: header, frame: bytes)
        }
        let statistics = try exporter.finish()
        try handle.synchronize()
        FileHandle.standardError.write(
            Data(
                """
                export: \(statistics.messageCount) messages of \(name) on \(statistics.channelCount) channels \
                (\(statistics.chunkCount) chunks, \(statistics.fileSize) bytes) to \(path)

                """.utf8
            )
        )
    }

    /// The export's bytes straight to the file.
    private struct FileSink: MCAPByteSink {
        let handle: FileHandle
        mutating func write(_ bytes: [UInt8]) throws { try handle.write(contentsOf: bytes) }
    }
}
