import FleetProtocol
import FleetScoring
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import Testing

extension ProcessSuites {
    /// Issue 13 item 1: `fleet export --format mcap` read back by the official `mcap` reader
    /// from PyPI (Tests/requirements-ci.txt), through the file's summary and indexes.
    @Suite
    struct MCAPExportProcessTests {
        /// Reads an MCAP file with the `mcap` package and prints what it found as JSON: counts
        /// per topic (messages iterated through the index, and the summary's statistics), the
        /// schemas (each a valid JSON Schema its channel's first message fits, checked with
        /// `jsonschema`), and the messages at the log time and sequence asked for, decoded.
        static let reader = #"""
            import json, sys
            from mcap.reader import make_reader, NonSeekingReader

            path, wanted_time, wanted_seq = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
            try:
                import jsonschema
            except ImportError:
                jsonschema = None
            out = {"counts": {}, "decoded": {}, "schemas": {}, "ordered": True, "invalid": {}, "validated": 0}
            with open(path, "rb") as f:
                reader = make_reader(f, validate_crcs=True)
                summary = reader.get_summary()
                out["statistics"] = {
                    summary.channels[c].topic: n for c, n in summary.statistics.channel_message_counts.items()
                }
                out["message_count"] = summary.statistics.message_count
                out["chunk_count"] = summary.statistics.chunk_count
                out["chunk_indexes"] = len(summary.chunk_indexes)
                out["message_index_channels"] = sum(len(i.message_index_offsets) for i in summary.chunk_indexes)
                last = 0
                for schema, channel, message in reader.iter_messages():
                    topic = channel.topic
                    out["counts"][topic] = out["counts"].get(topic, 0) + 1
                    if jsonschema and topic not in out["schemas"]:
                        # The channel's JSON Schema is one, and its first message fits it.
                        rules = json.loads(schema.data)
                        jsonschema.Draft7Validator.check_schema(rules)
                        errors = jsonschema.Draft7Validator(rules).iter_errors(json.loads(message.data))
                        problems = [e.message for e in errors][:3]
                        if problems:
                            out["invalid"][topic] = problems
                        out["validated"] += 1
                    out["schemas"][topic] = [schema.name, schema.encoding, channel.message_encoding]
                    out["ordered"] = out["ordered"] and message.log_time >= last
                    last = message.log_time
                    if message.log_time == wanted_time and message.sequence == wanted_seq or topic == "/arena":
                        out["decoded"][topic] = json.loads(message.data)
            with open(path, "rb") as f:
                out["streamed"] = sum(1 for _ in NonSeekingReader(f, validate_crcs=True).iter_messages())
            print(json.dumps(out))
            """#

        /// What the `mcap` reader found in the file at `path` (the messages at `header`'s time and
        /// sequence decoded).
        static func read(_ path: String, python: String, at header: FrameHeader?) throws -> [String: Any] {
            let read = Process()
            read.executableURL = URL(fileURLWithPath: python)
            read.arguments = [
                "-c", reader, path, String(header?.timestampNanoseconds ?? 0), String(header?.sequence ?? 0),
            ]
            let output = Pipe()
            let errors = Pipe()
            read.standardOutput = output
            read.standardError = errors
            try read.run()
            let printed = output.fileHandleForReading.readDataToEndOfFile()
            let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            read.waitUntilExit()
            try #require(read.terminationStatus == 0, "the mcap reader failed on \(path): \(errorText)")
            return try #require(try JSONSerialization.jsonObject(with: printed) as? [String: Any])
        }

        @Test(.timeLimit(.minutes(3)))
        func anMCAPExportReadsBackThroughItsIndexWithTheDatabasesCountsAndPoses() async throws {
            guard let python = ExternalTool.ciPython, ExternalTool.ciPythonHas(module: "mcap") else {
                if ExternalTool.requiredByCI {
                    Issue.record("the mcap Python package is missing from .venv-ci (Tests/requirements-ci.txt)")
                }
                return
            }
            let folder = try TemporaryFolder()
            let demo = try await FleetProcess.run(
                [
                    "demo", "--db", "demo.db", "--duration", "30", "--time-scale", "30", "--teams", "1",
                    "--humanoids", "1", "--http", "off",
                ],
                in: folder.url,
                timeout: .seconds(120)
            )
            try #require(demo.status == 0, "\(demo.errors)")
            let export = try await FleetProcess.run(
                ["export", "1", "--db", "demo.db", "--format", "mcap", "--output", "run1.mcap"],
                in: folder.url
            )
            try #require(export.status == 0, "\(export.errors)")

            // What the database holds for run 1: frames per robot and type in its span.
            let store = SQLiteCompetitionStore(
                database: try FleetDatabase(path: folder.path("demo.db"), readOnly: true)
            )
            let run = try store.run(1)
            let states = try store.runStateEvents(runID: 1).map(\.timestampNanos)
            let from = states.min() ?? run.startedNanos ?? run.createdNanos
            let to = states.max() ?? run.stoppedNanos ?? UInt64(Int64.max)
            let members = Set(try store.entries(runID: 1).map(\.robotID))
            var expected: [String: Int] = [:]
            var sample: (header: FrameHeader, fields: [(name: String, value: FieldValue)])?
            let inRun: (UInt32) -> Bool = { members.contains($0) || $0 >= 0xF000_0000 }
            // The referee's frames of run 1 only: the demo's one referee also runs run 2.
            var otherRuns = 0
            try store.forEachFrame(from: from, to: to, senders: inRun) { sender, header, bytes in
                guard let header, let type = header.knownMessageType else { return }
                if !members.contains(sender) {
                    let frame = try FrameDecoder.decode(bytes)
                    guard RunScorer.runNamed(by: frame.message) == 1 else {
                        otherRuns += 1
                        return
                    }
                }
                expected["/robot/\(header.robotID)/\(type.schemaName)", default: 0] += 1
                if type == .sanitationState {
                    expected["/robot/\(header.robotID)/pose", default: 0] += 1
                    expected["/robot/\(header.robotID)/tf", default: 0] += 1
                    if sample == nil || header.sequence == 100 {
                        sample = (header, MessageType.fieldValues(of: header, in: bytes) ?? [])
                    }
                }
            }
            expected["/arena"] = 1
            #expect(otherRuns > 0, "the demo's referee also sent frames of run 2 in run 1's span")
            let frame = try #require(sample, "run 1 has sanitation_state frames")
            #expect(expected.values.reduce(0, +) > 1_000)

            let result = try Self.read(folder.path("run1.mcap"), python: python, at: frame.header)
            let counts = result["counts"] as? [String: Int] ?? [:]
            #expect(counts == expected, "messages per channel read through the index = the database's frames")
            #expect(result["statistics"] as? [String: Int] == expected, "the summary's statistics")
            #expect(result["streamed"] as? Int == expected.values.reduce(0, +), "read front to back, CRCs checked")
            #expect(result["message_count"] as? Int == expected.values.reduce(0, +))
            #expect(result["ordered"] as? Bool == true, "messages come back in log time order")
            let chunks = result["chunk_indexes"] as? Int ?? 0
            #expect(chunks >= 1 && result["chunk_count"] as? Int == chunks)
            #expect((result["message_index_channels"] as? Int ?? 0) >= expected.count - 1)

            if ExternalTool.ciPythonHas(module: "jsonschema") || ExternalTool.requiredByCI {
                #expect(result["validated"] as? Int == expected.count, "every channel's schema checked")
                #expect((result["invalid"] as? [String: Any])?.isEmpty == true, "\(result["invalid"] ?? "")")
            }
            let robot = frame.header.robotID
            let schemas = result["schemas"] as? [String: [String]] ?? [:]
            #expect(schemas["/robot/\(robot)/sanitation_state"] == ["fleet.sanitation_state", "jsonschema", "json"])
            #expect(schemas["/robot/\(robot)/pose"] == ["foxglove.PoseInFrame", "jsonschema", "json"])
            #expect(schemas["/robot/\(robot)/tf"] == ["foxglove.FrameTransform", "jsonschema", "json"])
            #expect(schemas["/arena"] == ["foxglove.SceneUpdate", "jsonschema", "json"])

            // The stored frame's fields, decoded from the MCAP message, are the database's.
            let decoded = result["decoded"] as? [String: Any] ?? [:]
            let state = try #require(decoded["/robot/\(robot)/sanitation_state"] as? [String: Any])
            #expect(state.count == frame.fields.count)
            for (name, value) in frame.fields {
                let got = state[name]
                switch value {
                case .enumeration(let text): #expect(got as? String == text, "\(name)")
                case .bool(let flag): #expect(got as? Bool == flag, "\(name)")
                case .array(let values): #expect((got as? [Double]) == values, "\(name)")
                default:
                    let number = value.number ?? .nan
                    if number.isNaN {
                        #expect(got is NSNull, "\(name): NaN as null")
                    } else {
                        #expect((got as? NSNumber)?.doubleValue == number, "\(name): \(String(describing: got))")
                    }
                }
            }
            let pose = try #require(decoded["/robot/\(robot)/pose"] as? [String: Any])
            #expect(pose["frame_id"] as? String == "arena")
            let stamp = pose["timestamp"] as? [String: UInt64]
            #expect(stamp?["sec"] == frame.header.timestampNanoseconds / 1_000_000_000)
            #expect(stamp?["nsec"] == frame.header.timestampNanoseconds % 1_000_000_000)
            let position = (pose["pose"] as? [String: Any])?["position"] as? [String: Double]
            let orientation = (pose["pose"] as? [String: Any])?["orientation"] as? [String: Double]
            func field(_ name: String) -> Double? { frame.fields.first { $0.name == name }?.value.number }
            #expect(position?["x"] == field("x") && position?["y"] == field("y"))
            let heading = try #require(field("heading"))
            #expect(abs((orientation?["z"] ?? 9) - sin(heading / 2)) < 1e-12)
            #expect(abs((orientation?["w"] ?? 9) - cos(heading / 2)) < 1e-12)
            let arena = try #require(decoded["/arena"] as? [String: Any])
            let ids = (arena["entities"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
            #expect(Set(ids).isSuperset(of: ["zone", "obstacles", "transfer_point", "geofence"]))

            // Without a run: a time span, every sender in it (and no arena).
            let span = try await FleetProcess.run(
                [
                    "export", "--db", "demo.db", "--from", "0", "--to", "9999999999s", "--format", "mcap", "--output",
                    "all.mcap",
                ],
                in: folder.url
            )
            try #require(span.status == 0, "\(span.errors)")
            var everything: [String: Int] = [:]
            let anyone: (UInt32) -> Bool = { _ in true }
            try store.forEachFrame(from: 0, to: UInt64(Int64.max), senders: anyone) { _, header, _ in
                guard let header, let type = header.knownMessageType else { return }
                everything["/robot/\(header.robotID)/\(type.schemaName)", default: 0] += 1
                if type == .sanitationState || type == .humanoidState {
                    everything["/robot/\(header.robotID)/pose", default: 0] += 1
                    everything["/robot/\(header.robotID)/tf", default: 0] += 1
                }
            }
            let all = try Self.read(folder.path("all.mcap"), python: python, at: nil)
            #expect(all["counts"] as? [String: Int] == everything, "every frame of every robot in the span")
            #expect(everything.keys.contains { $0.hasSuffix("/humanoid_state") }, "the humanoid's run too")
        }

        @Test(.timeLimit(.minutes(2)))
        func anExportWithoutARunNeedsATimeSpanAndMCAPNeedsAnOutputFile() async throws {
            let folder = try TemporaryFolder()
            let noSpan = try await FleetProcess.run(
                ["export", "--format", "mcap", "--output", "x.mcap"],
                in: folder.url
            )
            #expect(noSpan.status != 0 && noSpan.errors.contains("--from and --to"), "\(noSpan.errors)")
            let noOutput = try await FleetProcess.run(["export", "1", "--format", "mcap"], in: folder.url)
            #expect(noOutput.status != 0 && noOutput.errors.contains("needs --output"), "\(noOutput.errors)")
        }
    }
}
