import FleetProtocol
import Foundation
import Testing
import ZeroMQ

/// The Python reference publisher (Protocols/python/publish.py, written from the spec and
/// the schema alone) against the Swift decoder, over a real ZeroMQ socket.
struct PythonInteropTests {
    @Test(.timeLimit(.minutes(2)))
    func swiftDecodesTenThousandFramesFromThePythonPublisher() throws {
        guard let python = PythonInterpreter.withZeroMQ else {
            Issue.record("no python3 with pyzmq (apt-get install python3-zmq, or set FLEET_PYTHON)")
            return
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let dump = FileManager.default.temporaryDirectory.appendingPathComponent("interop-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: dump) }

        let context = try Context()
        defer { context.terminate() }
        let socket = try Socket(
            context,
            type: .subscriber,
            options: [.subscribe(Array("FT".utf8)), .receiveHighWaterMark(0), .receiveTimeout(.seconds(10))]
        )
        try socket.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(try socket.lastEndpoint)

        let total = 10_000
        let publisher = Process()
        publisher.executableURL = URL(fileURLWithPath: python)
        publisher.arguments = [
            root.appendingPathComponent("Protocols/python/publish.py").path, "--connect", endpoint,
            "--generate", String(total), "--seed", "2027", "--robots", "6", "--types", "all", "--dump", dump.path,
        ]
        try publisher.run()

        var received: [[UInt8]] = []
        let message = ZMQMessage()
        while received.count < total, try socket.receive(into: message) {
            received.append(message.copyBytes())
        }
        publisher.waitUntilExit()
        #expect(publisher.terminationStatus == 0)
        #expect(received.count == total)

        let lines = try String(contentsOf: dump, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == total)
        var errors = 0
        var mismatches: [String] = []
        var typesSeen = Set<MessageType>()
        for (bytes, line) in zip(received, lines) {
            let frame: Frame
            do {
                frame = try FrameDecoder.decode(bytes)
            } catch {
                errors += 1
                continue
            }
            typesSeen.insert(frame.message.type)
            let expected = try JSONDecoder().decode([String: JSONValue].self, from: Data(line.utf8))
            guard case .object(let body)? = expected["body"] else {
                Issue.record("no body in \(line)")
                continue
            }
            #expect(expected["sequence"]?.uint64 == UInt64(frame.header.sequence))
            #expect(expected["robot_id"]?.uint64 == UInt64(frame.header.robotID))
            let values = bytes.withUnsafeBytes { MessageType.fieldValues(of: frame.header, in: $0) }!
            #expect(values.count == body.count, "\(frame.message.type.schemaName): field count")
            for (name, value) in values where !Self.matches(value, body[name]) {
                mismatches.append(
                    "\(frame.message.type.schemaName).\(name): swift \(value.text), python \(String(describing: body[name]))"
                )
            }
        }
        #expect(errors == 0, "every frame decodes")
        let firstMismatches = mismatches.prefix(5)
        #expect(mismatches.count == 0, "\(firstMismatches)")
        #expect(typesSeen.count == MessageType.allCases.count, "the stream covers every message type")
    }

    static func matches(_ value: FieldValue, _ json: JSONValue?) -> Bool {
        switch (value, json) {
        case (.enumeration(let name), .string(let s)?): return s == name
        case (.bool(let b), .bool(let j)?): return b == j
        case (.array(let values), .array(let list)?):
            return list.count == values.count && zip(values, list).allSatisfy { number($0, $1) }
        case (.array, _), (.enumeration, _), (.bool, _): return false
        default: return number(value.number!, json)
        }
    }

    static func number(_ value: Double, _ json: JSONValue?) -> Bool {
        switch json {
        case .number(let n)?: return n == value
        case .unsigned(let n)?: return Double(n) == value
        case .signed(let n)?: return Double(n) == value
        case .string("NaN")?: return value.isNaN
        case .string("Infinity")?: return value == .infinity
        case .string("-Infinity")?: return value == -.infinity
        default: return false
        }
    }
}

/// Finds a Python interpreter that has pyzmq: FLEET_PYTHON, Debian's /usr/bin/python3
/// (where python3-zmq installs), then python3 on PATH.
enum PythonInterpreter {
    static let withZeroMQ: String? = {
        var candidates = ["/usr/bin/python3", "/usr/local/bin/python3"]
        if let chosen = ProcessInfo.processInfo.environment["FLEET_PYTHON"] { candidates.insert(chosen, at: 0) }
        for path in candidates where FileManager.default.isExecutableFile(atPath: path) {
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: path)
            probe.arguments = ["-c", "import zmq"]
            probe.standardError = FileHandle.nullDevice
            if (try? probe.run()) != nil {
                probe.waitUntilExit()
                if probe.terminationStatus == 0 { return path }
            }
        }
        return nil
    }()
}
