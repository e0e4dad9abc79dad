import FleetProtocol
import FleetStorage
import FleetStore
import Testing

@testable import FleetIngest

struct AggregatorTests {
    private func ingest(_ aggregator: inout Aggregator, _ frame: [UInt8], source: UInt32 = 0) {
        frame.withUnsafeBytes { aggregator.ingest(RingFrame(bytes: $0, source: source, receivedAt: 0)) }
    }

    @Test func groupsFramesIntoOneChunkPerStreamAndKeepsTheBytes() throws {
        var aggregator = Aggregator()
        let frames = (0..<5).map { TestFrames.state(robot: 7, seq: UInt32($0)) }
        for frame in frames { ingest(&aggregator, frame) }
        ingest(&aggregator, TestFrames.state(robot: 8, seq: 0))
        let batch = aggregator.takeBatch(final: true).batch
        #expect(batch.frameCount == 6)
        #expect(batch.chunks.map(\.robotID) == [7, 8])
        var back: [[UInt8]] = []
        try batch.chunks[0].frames.withUnsafeBytes {
            try ChunkCodec.forEachFrame(in: $0, encoding: batch.chunks[0].encoding) { back.append(Array($0)) }
        }
        #expect(back == frames)
        #expect(batch.chunks[0].firstSequence == 0 && batch.chunks[0].lastSequence == 4)
    }

    @Test func rollsUpEveryNumericFieldPerSecond() {
        var aggregator = Aggregator()
        // 15 frames at 100 ms: 10 in the first second, 5 in the next.
        for seq in 0..<15 {
            ingest(&aggregator, TestFrames.state(robot: 1, seq: UInt32(seq), battery: Float(100 - seq)))
        }
        let rollups = aggregator.takeBatch(final: true).batch.rollups
        #expect(rollups.map(\.count) == [10, 5])
        let metrics = RollupCatalog.shared.metrics(of: .sanitationState)
        let soc = metrics.firstIndex { $0.name == "battery_soc" }!
        #expect(rollups[0].stats.min(soc) == 91 && rollups[0].stats.max(soc) == 100)
        #expect(rollups[0].stats.sum(soc) == (91...100).reduce(0.0) { $0 + Double($1) })
        #expect(rollups[1].stats.last(soc) == 86)
        #expect(!metrics.contains { $0.name == "mode" || $0.name == "brush_down" }, "enums and bools are not metrics")
    }

    @Test func storesDuplicatesOnceAndCountsThem() {
        var aggregator = Aggregator()
        let frame = TestFrames.state(robot: 1, seq: 0)
        ingest(&aggregator, frame)
        ingest(&aggregator, frame)
        let batch = aggregator.takeBatch(final: true).batch
        #expect(batch.frameCount == 1)
        #expect(batch.ledger.first?.duplicates == 1)
        #expect(aggregator.totals.duplicates == 1)
    }

    @Test func chargesACorruptFrameToTheStreamItClaims() {
        var aggregator = Aggregator()
        ingest(&aggregator, TestFrames.state(robot: 1, seq: 0))
        ingest(&aggregator, TestFrames.corrupted(TestFrames.state(robot: 1, seq: 1)))
        ingest(&aggregator, TestFrames.state(robot: 1, seq: 2))
        let batch = aggregator.takeBatch(final: true).batch
        #expect(aggregator.totals.rejected[.badChecksum] == 1)
        #expect(batch.ledger.first?.rejectedSequences == [SequenceRange(1, 1)])
        #expect(batch.ledger.first?.gaps == [])
        #expect(batch.counterDeltas.contains { $0.name == "frames.rejected.bad_checksum" && $0.delta == 1 })
    }

    @Test func aCorruptFrameFromAnUnknownRobotInventsNoRobot() {
        var aggregator = Aggregator()
        ingest(&aggregator, TestFrames.corrupted(TestFrames.state(robot: 99, seq: 0)))
        #expect(aggregator.ledgers.isEmpty)
        #expect(aggregator.totals.rejectedTotal == 1)
    }

    @Test func extractsEventsAndKeepsLiveState() throws {
        var aggregator = Aggregator()
        ingest(&aggregator, TestFrames.state(robot: 3, seq: 0, battery: 70))
        ingest(&aggregator, TestFrames.collision(robot: 3, seq: 1))
        ingest(&aggregator, TestFrames.state(robot: 3, seq: 2, battery: 69))
        let batch = aggregator.takeBatch().batch
        #expect(batch.events.count == 1)
        #expect(batch.events.first?.messageType == MessageType.collision.rawValue)
        #expect(batch.events.first?.robotID == 3)
        let live = try #require(aggregator.robots.first { $0.robotID == 3 })
        #expect(live.kind == .sanitation)
        guard case .sanitationState(let state) = live.state else {
            Issue.record("no live state")
            return
        }
        #expect(state.batterySOC == 69)
    }

    @Test func acknowledgesOnlyWhatIsContiguous() {
        var aggregator = Aggregator()
        for seq: UInt32 in [0, 1, 3] { ingest(&aggregator, TestFrames.state(robot: 5, boot: 2, seq: seq)) }
        #expect(
            aggregator.takeBatch().acks == [Acknowledgement(stream: StreamKey(robotID: 5, bootEpoch: 2), through: 1)]
        )
        ingest(&aggregator, TestFrames.state(robot: 5, boot: 2, seq: 2))
        #expect(
            aggregator.takeBatch().acks == [Acknowledgement(stream: StreamKey(robotID: 5, bootEpoch: 2), through: 3)]
        )
    }

    @Test func receiverRejectionsAreCountedByReason() {
        var aggregator = Aggregator()
        ingest(&aggregator, [1, 2, 3], source: RingSource.rejected(.truncatedHeader))
        #expect(aggregator.totals.rejected == [.truncatedHeader: 1])
    }
}
