import Foundation
import Testing

/// The Python reference (stdlib only) regenerates the golden vectors and finds the
/// committed ones up to date, so the vectors the Swift codec is tested against are
/// exactly what the reference encoder writes today.
struct PythonReferenceTests {
    /// FLEET_PYTHON if set, else /usr/bin/python3, else `python3` from PATH.
    static func interpreter() -> (executable: URL, arguments: [String]) {
        if let configured = ProcessInfo.processInfo.environment["FLEET_PYTHON"], !configured.isEmpty {
            return (URL(fileURLWithPath: configured), [])
        }
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") {
            return (URL(fileURLWithPath: "/usr/bin/python3"), [])
        }
        return (URL(fileURLWithPath: "/usr/bin/env"), ["python3"])
    }

    @Test func makeVectorsCheckFindsTheVectorsUpToDate() throws {
        let (executable, prefix) = Self.interpreter()
        let process = Process()
        process.executableURL = executable
        process.arguments = prefix + [Repository.url("Protocols/python/make_vectors.py").path, "--check"]
        process.currentDirectoryURL = Repository.root
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "make_vectors.py --check: \(text)")
    }
}
