import ArgumentParser
import FleetProtocol
import FleetStorage
import FleetStore
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a run's telemetry: every frame of its robots and referee, decoded, in time order.",
        discussion: """
            The run's time span is what its referee's run_state events cover (PREPARE to
            FINISHED), or its start and stop times. JSON lines hold every message type; CSV
            holds one message type at a time (its schema fields as columns).

            Examples:
              fleet export 1 --format jsonl > run1.jsonl
              fleet export 1 --format csv --type sanitation_state --output run1-state.csv
              fleet export 1 --format csv --type contact
            """
    )

    enum Format: String, ExpressibleByArgument {
        case jsonl
        case csv
    }

    @Argument(help: "Run id.") var id: UInt32
    @OptionGroup var options: CompetitionOptions
    @Option(help: "jsonl (every type) or csv (one type).") var format: Format = .jsonl
    @Option(help: "With csv: the message type (schema name).") var type = "sanitation_state"
    @Option(help: "Write here instead of standard output.") var output: String?

    func run() throws {
        let store = try options.store()
        let record = try store.run(id)
        let states = try store.runStateEvents(runID: id).map(\.timestampNanos)
        let from = states.min() ?? record.startedNanos ?? record.createdNanos
        let to = states.max() ?? record.stoppedNanos ?? UInt64(Int64.max)
        let members = Set(try store.entries(runID: id).map(\.robotID))
        guard let csvType = MessageType.allCases.first(where: { $0.schemaName == type }) else {
            throw ValidationError(
                "unknown --type \(type); known: \(MessageType.allCases.map(\.schemaName).joined(separator: ", "))"
            )
        }

        var frames: [(header: FrameHeader, bytes: [UInt8])] = []
        let inRun: (UInt32) -> Bool = { members.contains($0) || $0 >= 0xF000_0000 }
        try store.forEachFrame(from: from, to: to, senders: inRun) {
            _,
            header,
            bytes in
            guard let header, header.timestampNanoseconds >= from, header.timestampNanoseconds <= to else { return }
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
            case .jsonl:
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
            FileHandle.standardError.write(Data("export: \(frames.count) frames of run \(id) to \(output)\n".utf8))
        } else {
            print(out, terminator: "")
        }
    }
}
