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

    @Test func chargesACorruptFrameToTheStreamItClaimsWithoutTrustingItsSequence() {
        var aggregator = Aggregator()
        ingest(&aggregator, TestFrames.state(robot: 1, seq: 0))
        ingest(&aggregator, TestFrames.corrupted(TestFrames.state(robot: 1, seq: 1)))
        ingest(&aggregator, TestFrames.state(robot: 1, seq: 2))
        let batch = aggregator.takeBatch(final: true).batch
        #expect(aggregator.totals.rejected[.badChecksum] == 1)
        #expect(batch.ledger.first?.rejected == 1)
        // Unverified: its sequence number stays missing, not "rejected".
        #expect(batch.ledger.first?.rejectedSequences == [])
        #expect(batch.ledger.first?.gaps == [SequenceRange(1, 1)])
        #expect(batch.counterDeltas.contains { $0.name == "frames.rejected.bad_checksum" && $0.delta == 1 })
    }

    /// Issue 10 item 3: frames 0..5, then a corrupt copy claiming sequence 1,000,000.
    @Test func aCorruptFrameClaimingAHugeSequenceMovesNoSequenceState() {
        var aggregator = Aggregator()
        for seq: UInt32 in 0...5 { ingest(&aggregator, TestFrames.state(robot: 4, seq: seq)) }
        let corrupt = TestFrames.corrupted(TestFrames.state(robot: 4, seq: 1_000_000))
        ingest(&aggregator, corrupt)
        let batch = aggregator.takeBatch(final: true)
        let ledger = aggregator.ledgers.values[0]
        ledger.checkInvariants()
        #expect(ledger.record.highestSequence == 5)
        #expect(ledger.record.gaps == [] && ledger.record.rejectedSequences == [])
        #expect(ledger.record.received == 6 && ledger.record.rejected == 1 && ledger.record.missing == 0)
        #expect(batch.acks == [Acknowledgement(stream: StreamKey(robotID: 4, bootEpoch: 0), through: 5)])
    }

    /// Issue 10 item 3: a robot that has only ever sent invalid frames still has a ledger.
    @Test func aRobotThatOnlySentInvalidFramesStillHasALedger() {
        var aggregator = Aggregator()
        ingest(&aggregator, TestFrames.corrupted(TestFrames.state(robot: 99, seq: 7)))
        ingest(&aggregator, TestFrames.invalidValue(robot: 98, seq: 3))
        let batch = aggregator.takeBatch(final: true).batch
        #expect(aggregator.totals.rejectedTotal == 2)
        let byRobot = Dictionary(uniqueKeysWithValues: batch.ledger.map { ($0.robotID, $0) })
        #expect(byRobot[99]?.rejected == 1 && byRobot[99]?.highestSequence == nil && byRobot[99]?.gaps == [])
        #expect(byRobot[98]?.rejected == 1 && byRobot[98]?.rejectedSequences == [SequenceRange(3, 3)])
        for ledger in aggregator.ledgers.values { ledger.checkInvariants() }
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

    @Test func acknowledgesTheLeadingRunAndTheRunEndingAtTheHighest() {
        var aggregator = Aggregator()
        let stream = StreamKey(robotID: 5, bootEpoch: 2)
        for seq: UInt32 in [0, 1, 3] { ingest(&aggregator, TestFrames.state(robot: 5, boot: 2, seq: seq)) }
        #expect(
            aggregator.takeBatch().acks == [
                Acknowledgement(stream: stream, from: 0, through: 1),
                Acknowledgement(stream: stream, from: 3, through: 3),
            ]
        )
        ingest(&aggregator, TestFrames.state(robot: 5, boot: 2, seq: 2))
        #expect(aggregator.takeBatch().acks == [Acknowledgement(stream: stream, through: 3)])
    }

    /// Issue 10 item 1: frame 2 of 0..9 fails a value check; it is settled as rejected and the
    /// acknowledgement covers all ten, so the robot stops resending.
    @Test func aFrameRejectedForGoodIsAcknowledged() {
        var aggregator = Aggregator()
        for seq: UInt32 in 0..<10 {
            let frame =
                seq == 2 ? TestFrames.invalidValue(robot: 6, seq: seq) : TestFrames.state(robot: 6, seq: seq)
            ingest(&aggregator, frame)
        }
        let batch = aggregator.takeBatch()
        #expect(batch.acks == [Acknowledgement(stream: StreamKey(robotID: 6, bootEpoch: 0), through: 9)])
        #expect(batch.batch.frameCount == 9)
        #expect(aggregator.totals.rejected[.invalidValue] == 1)
        #expect(aggregator.ledgers.values[0].record.rejectedSequences == [SequenceRange(2, 2)])
    }

    /// Issue 10 item 2: a robot that restarted its client mid-epoch sends 3..5 first.
    @Test func aStreamWhoseFirstFrameIsAboveZeroIsAcknowledged() {
        var aggregator = Aggregator()
        for seq: UInt32 in 3...5 { ingest(&aggregator, TestFrames.state(robot: 8, seq: seq)) }
        #expect(
            aggregator.takeBatch().acks == [
                Acknowledgement(stream: StreamKey(robotID: 8, bootEpoch: 0), from: 3, through: 5)
            ]
        )
    }

    /// Issue 10 item 4: a timestamp of 2^63 or more is rejected, never stored.
    @Test func rejectsTimestampsBeyondTheSignedRange() {
        var aggregator = Aggregator()
        ingest(&aggregator, TestFrames.state(robot: 2, seq: 0))
        let late = TestFrames.patched(TestFrames.state(robot: 2, seq: 1), at: 24, size: 8, value: 1 << 63)
        ingest(&aggregator, late)
        let batch = aggregator.takeBatch(final: true)
        #expect(batch.batch.frameCount == 1)
        #expect(aggregator.totals.rejected[.invalidTimestamp] == 1)
        #expect(batch.acks == [Acknowledgement(stream: StreamKey(robotID: 2, bootEpoch: 0), through: 1)])
        #expect(aggregator.ledgers.values[0].record.lastNanos < 1 << 63)
    }

    /// Issue 10 items 5 and 8: an unknown type is skipped (not stored), its sequence number
    /// counts, and it is counted once.
    @Test func skipsUnknownTypesWithoutStoringThem() {
        var aggregator = Aggregator()
        ingest(&aggregator, TestFrames.state(robot: 3, seq: 0))
        ingest(&aggregator, TestFrames.unknownType(robot: 3, seq: 1))
        ingest(&aggregator, TestFrames.state(robot: 3, seq: 2))
        let batch = aggregator.takeBatch(final: true)
        #expect(batch.batch.frameCount == 2)
        #expect(batch.batch.chunks.map(\.frameCount).reduce(0, +) == 2)
        let totals = aggregator.totals
        #expect(totals.accepted == 2 && totals.skippedUnknownType == 1 && totals.duplicates == 0)
        #expect(batch.acks == [Acknowledgement(stream: StreamKey(robotID: 3, bootEpoch: 0), through: 2)])
        #expect(aggregator.ledgers.values[0].record.gaps == [])
    }

    /// Issue 10 item 7: an ack sent to the ingester is skipped and counted.
    @Test func skipsAnAckSentToTheIngester() {
        var aggregator = Aggregator()
        let ack = FrameEncoder.encode(
            .ack(Ack(ackedBootEpoch: 0, ackedThrough: 1, credit: 1)),
            robotID: 0xFFFF_FFFF,
            bootEpoch: 0,
            sequence: 0,
            timestampNanoseconds: TestFrames.start
        )
        ingest(&aggregator, ack)
        let batch = aggregator.takeBatch(final: true).batch
        #expect(batch.frameCount == 0 && batch.events.isEmpty)
        #expect(aggregator.totals.skippedAck == 1 && aggregator.totals.accepted == 0)
        #expect(batch.counterDeltas.contains { $0.name == "frames.skipped.ack" && $0.delta == 1 })
    }

    @Test func receiverRejectionsAreCountedByReason() {
        var aggregator = Aggregator()
        ingest(&aggregator, [1, 2, 3], source: RingSource.rejected(.truncatedHeader))
        #expect(aggregator.totals.rejected == [.truncatedHeader: 1])
    }
}
