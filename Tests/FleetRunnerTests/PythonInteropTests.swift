import FleetRunner
import Foundation
import Testing

/// The Python reference subscriber (Protocols/python/subscribe.py) decodes a simulated stream
/// with no errors: the runner's frames are the protocol as written, not just as Swift reads it.
struct PythonInteropTests {
    @Test(.timeLimit(.minutes(1)))
    func thePythonReferenceSubscriberDecodesASimulatedStreamWithNoErrors() async throws {
        guard let python = PythonInterpreter.withZeroMQ else {
            Issue.record("no python3 with pyzmq (apt-get install python3-zmq, or set FLEET_PYTHON)")
            return
        }
        let port = try FreePort.take()
        let endpoint = "tcp://127.0.0.1:\(port)"
        var configuration = FleetRunner.Configuration(simulation: try smallFleet(duration: 10, teams: 2, humanoids: 2))
        configuration.timeScale = 0
        let expected = try await FleetRunner(configuration: configuration).run().transmissions

        let subscriber = Process()
        subscriber.executableURL = URL(fileURLWithPath: python)
        subscriber.arguments = [
            Repository.root.appendingPathComponent("Protocols/python/subscribe.py").path, "--bind", endpoint,
            "--count", "\(expected)", "--timeout", "45", "--quiet", "--summary-json",
        ]
        let errors = Pipe()
        subscriber.standardError = errors
        subscriber.standardOutput = FileHandle.nullDevice
        try subscriber.run()

        configuration.endpoint = endpoint
        configuration.timeScale = 50
        configuration.connectTimeout = .seconds(20)
        let report = try await FleetRunner(configuration: configuration).run()
        #expect(report.transmissions == expected)
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        subscriber.waitUntilExit()
        #expect(subscriber.terminationStatus == 0, "all \(expected) frames arrived")
        let line = try #require(String(decoding: output, as: UTF8.self).split(separator: "\n").last)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(summary["received"] as? Int == expected)
        #expect(summary["valid"] as? Int == expected)
        #expect((summary["errors"] as? [String: Any])?.isEmpty == true, "\(summary["errors"] ?? "")")
        let senders = try #require(summary["senders"] as? [[String: Any]])
        #expect(senders.count == report.truth.senders.count)
        #expect(senders.allSatisfy { $0["gaps"] as? Int == 0 })
    }
}

/// Finds a Python interpreter that has pyzmq: FLEET_PYTHON, Debian's /usr/bin/python3, then
/// /usr/local/bin/python3.
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

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and released), for a
/// peer that must bind a fixed endpoint.
enum FreePort {
    static func take() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddr in
                bind(fd, sockaddr, length) == 0 && getsockname(fd, sockaddr, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
