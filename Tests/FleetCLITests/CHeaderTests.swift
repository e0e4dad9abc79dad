import FleetTestSupport
import Foundation
import Testing

/// The single-header C99 encoder (Protocols/c/fleet_protocol.h), generated from schema.json:
/// current with the schema, and byte for byte with every golden vector when compiled by a real
/// C compiler with every warning an error.
@Suite(.serialized)
struct CHeaderTests {
    static let folder = ExternalTool.packageRoot.appendingPathComponent("Protocols/c")

    @Test(.timeLimit(.minutes(2)))
    func theCommittedHeaderIsWhatTheGeneratorWritesFromTheSchema() async throws {
        guard let python = ExternalTool.ciPython ?? ExternalTool.program("python3") else {
            Issue.record("no python3 to run Protocols/c/generate.py")
            return
        }
        let check = try await offPool {
            try ToolRun.run(python, [Self.folder.appendingPathComponent("generate.py").path, "--check"])
        }
        #expect(check.succeeded, "generate.py --check: \(check.output)")
    }

    @Test(.timeLimit(.minutes(2)))
    func aC99ProgramReproducesEveryGoldenVectorByteForByte() async throws {
        guard let cc = ExternalTool.program("cc") ?? ExternalTool.program("gcc") else {
            if ExternalTool.requiredByCI { Issue.record("no C compiler (cc): .ci/run installs gcc") }
            return
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-c-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let compiled = try await offPool {
            try ToolRun.run(
                cc,
                [
                    "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-o", output.path,
                    Self.folder.appendingPathComponent("test_vectors.c").path,
                ],
                in: Self.folder
            )
        }
        #expect(compiled.succeeded, "cc: \(compiled.output)")
        guard compiled.succeeded else { return }
        let run = try await offPool { try ToolRun.run(output.path, []) }
        #expect(run.succeeded, "test_vectors: \(run.output)")
        let vectors = try JSONSerialization.jsonObject(
            with: Data(contentsOf: ExternalTool.packageRoot.appendingPathComponent("Protocols/vectors/valid.json"))
        )
        let encodable = (vectors as? [[String: Any]] ?? []).filter { ($0["decode_only"] as? Bool) == false }.count
        // Every encodable vector, plus the CRC-32 check value.
        #expect(run.output.contains("\(encodable + 1) passed, 0 failed"), "test_vectors: \(run.output)")
        #expect(encodable >= 30)
    }
}
