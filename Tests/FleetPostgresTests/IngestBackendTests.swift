import FleetIngest
import FleetPostgres
import FleetProtocol
import FleetRobotClient
import FleetStore
import FleetTestSupport
import Foundation
import Testing
import ZeroMQ

/// The whole ingester into each backend: reliable robots over ZeroMQ, acknowledged only
/// after the commit, every frame back byte for byte, the ledgers complete.
struct IngestBackendTests {
    static let start: UInt64 = 1_800_000_000_000_000_000

    static func frame(robot: UInt32, seq: UInt32) -> [UInt8] {
        FrameEncoder.encode(
            .sanitationState(DrivingRobot.state(step: Int(seq))),
            robotID: robot,
            bootEpoch: 1,
            sequence: seq,
            timestampNanoseconds: start + UInt64(seq) * 100_000_000,
            flags: FrameHeader.simulatedTimeFlag
        )
    }

    @Test(.timeLimit(.minutes(3)), arguments: Backend.available)
    func reliableRobotsAreStoredExactlyOnceAndAcknowledgedAfterTheCommit(backend: Backend) async throws {
        let place = try backend.makePlace()
        defer { place.remove() }
        let ingester = try await RunningIngester.start(
            databasePath: place.path,
            reliable: "tcp://127.0.0.1:*",
            store: try place.ingestStore()
        )
        let endpoint = ingester.endpoint
        let robots: [UInt32] = [11, 12, 13]
        let perRobot = 800
        let flushed = try await offPool { () -> Bool in
            let context = try Context()
            defer { context.terminate() }
            let clients = try robots.map { robot in
                try ReliableRobotClient(
                    context: context,
                    configuration: .init(endpoint: endpoint, robotID: robot, bootEpoch: 1)
                )
            }
            defer { for client in clients { client.close() } }
            for seq in 0..<perRobot {
                for (client, robot) in zip(clients, robots) {
                    _ = try client.publish(
                        .sanitationState(DrivingRobot.state(step: seq)),
                        at: Self.start + UInt64(seq) * 100_000_000,
                        flags: FrameHeader.simulatedTimeFlag,
                        waitingAtMost: .seconds(30)
                    )
                    _ = robot
                    try client.service()
                }
            }
            // Acknowledged means committed: flushing waits for every acknowledgement.
            return try clients.allSatisfy { try $0.flush(timeout: .seconds(60)) }
        }
        #expect(flushed, "every frame acknowledged")
        try await ingester.stop()

        let reader = try place.open()
        var stored: [FrameKey: [UInt8]] = [:]
        try reader.forEachStoredFrame(from: 0, to: UInt64(Int64.max), robotID: nil) { header, bytes in
            let key = FrameKey(stream: StreamKey(robotID: header.robotID, bootEpoch: 1), sequence: header.sequence)
            #expect(stored[key] == nil, "\(key) stored twice")
            stored[key] = Array(bytes)
        }
        #expect(stored.count == robots.count * perRobot)
        for robot in robots {
            for seq in 0..<UInt32(perRobot) {
                let key = FrameKey(stream: StreamKey(robotID: robot, bootEpoch: 1), sequence: seq)
                guard stored[key] == Self.frame(robot: robot, seq: seq) else {
                    Issue.record("robot \(robot) sequence \(seq) missing or different")
                    return
                }
            }
        }
        let ledgers = try reader.lossLedger(robotID: nil)
        #expect(ledgers.map(\.robotID) == robots)
        #expect(ledgers.allSatisfy { $0.received == perRobot && $0.gaps.isEmpty && $0.completeness == 1 })
        #expect(try reader.ingestStatistics()["frames.accepted"] == Int64(robots.count * perRobot))
    }
}
