import FleetIngest
import FleetProtocol
import FleetRunner
import FleetSimulation
import FleetTestSupport
import Foundation
import Logging
import ServiceLifecycle

/// A folder in the temporary directory, removed by `remove()`.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-runner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Runs a fleet and hands back its report and the recording's bytes.
struct FleetRun {
    let report: FleetRunner.Report
    let recording: [UInt8]
    let frames: [RecordedFrame]

    var truth: RunnerTruth { report.truth }

    static func run(
        _ configuration: FleetRunner.Configuration,
        in folder: TemporaryFolder,
        name: String = "run"
    )
        async throws -> FleetRun
    {
        var configuration = configuration
        configuration.recordPath = folder.path("\(name).ftrec")
        let report = try await FleetRunner(configuration: configuration).run()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder.path("\(name).ftrec"))))
        return FleetRun(report: report, recording: bytes, frames: try RecordedFrame.parse(bytes))
    }

    /// Records of one sender and boot epoch, in send order.
    func frames(of robotID: UInt32, epoch: UInt32) -> [RecordedFrame] {
        frames.filter { $0.header.robotID == robotID && $0.header.bootEpoch == epoch }
    }
}

/// One record of a recording: when it was sent, its header as it stands, its bytes, and
/// whether it passes validation.
struct RecordedFrame {
    let offsetNanos: UInt64
    let header: FrameHeader
    let bytes: [UInt8]
    let frame: Frame?

    var isValid: Bool { frame != nil }

    static func parse(_ bytes: [UInt8]) throws -> [RecordedFrame] {
        let parsed = try bytes.withUnsafeBytes { try Recording.parse($0) }
        return parsed.records.map { record in
            let frameBytes = Array(bytes[record.frame])
            let header = frameBytes.withUnsafeBytes { FrameHeader.unverified($0) }!
            return RecordedFrame(
                offsetNanos: record.offsetNanos,
                header: header,
                bytes: frameBytes,
                frame: try? FrameDecoder.decode(frameBytes)
            )
        }
    }
}

/// A short, varied fleet: three teams of sanitation robots and two humanoids.
func smallFleet(
    duration: Double = 20,
    teams: Int = 3,
    robotsPerTeam: Int = 3,
    humanoids: Int = 2,
    seed: UInt64 = 7
)
    throws -> SimulationConfiguration
{
    try FleetRoster(
        division: .park,
        teams: teams,
        robotsPerTeam: robotsPerTeam,
        humanoids: humanoids,
        duration: duration,
        seed: seed
    ).configuration()
}

/// Files of the repository (the Python reference tools), found from this source file.
enum Repository {
    static let root: URL = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory
            }
            directory = directory.deletingLastPathComponent()
        }
        fatalError("no Package.swift above \(#filePath)")
    }()
}
