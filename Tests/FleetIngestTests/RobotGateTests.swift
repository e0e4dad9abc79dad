import FleetProtocol
import FleetStore
import Testing

@testable import FleetIngest

/// The pipeline's side of robot ownership, without a database: frames of a robot wait for
/// its claim, go in once it is granted, are refused and counted once another ingester holds
/// it, and a quiet robot is let go with its last rows.
struct RobotGateTests {
    static let second: UInt64 = 1_000_000_000
    static let lease = RobotOwnershipPolicy(leaseNanos: 10 * second)

    private func ingest(_ aggregator: inout Aggregator, _ frame: [UInt8], at receivedAt: UInt64) {
        frame.withUnsafeBytes { aggregator.ingest(RingFrame(bytes: $0, source: 0, receivedAt: receivedAt)) }
    }

    private func sharing() -> Aggregator {
        var aggregator = Aggregator(verifiesFrames: false)
        aggregator.shareRobots(Self.lease)
        return aggregator
    }

    @Test func framesWaitForTheClaimAndGoInOnceItIsGranted() {
        var aggregator = sharing()
        for seq in 0..<3 { ingest(&aggregator, TestFrames.state(robot: 7, seq: UInt32(seq)), at: 1 * Self.second) }
        let first = aggregator.takeBatch(now: 1 * Self.second)
        #expect(first.claims.claim == [7])
        #expect(first.batch.frameCount == 0 && first.batch.ledger.isEmpty && first.acks.isEmpty)
        #expect(aggregator.awaitingClaims)

        aggregator.applyClaims(RobotClaimOutcome(owned: [7]), startedAt: 1 * Self.second)
        ingest(&aggregator, TestFrames.state(robot: 7, seq: 3), at: 2 * Self.second)
        let second = aggregator.takeBatch(now: 2 * Self.second)
        #expect(!aggregator.awaitingClaims)
        #expect(second.claims.isEmpty)
        #expect(second.batch.frameCount == 4)
        #expect(second.acks == [Acknowledgement(stream: StreamKey(robotID: 7, bootEpoch: 0), from: 0, through: 3)])
    }

    @Test func aRobotAnotherIngesterHoldsIsRefusedAndCountedUntilItsLeaseEnds() {
        var aggregator = sharing()
        ingest(&aggregator, TestFrames.state(robot: 7, seq: 0), at: 1 * Self.second)
        _ = aggregator.takeBatch(now: 1 * Self.second)
        var outcome = RobotClaimOutcome()
        outcome.elsewhere = [RobotOwner(robotID: 7, ingester: "west", remainingNanos: 5 * Self.second)]
        aggregator.applyClaims(outcome, startedAt: 1 * Self.second)
        for seq in 1..<1001 { ingest(&aggregator, TestFrames.state(robot: 7, seq: UInt32(seq)), at: 2 * Self.second) }
        let refused = aggregator.takeBatch(now: 2 * Self.second)
        #expect(refused.batch.frameCount == 0 && refused.batch.ledger.isEmpty && refused.acks.isEmpty)
        #expect(refused.claims.isEmpty)
        #expect(aggregator.totals.refusedOwnedElsewhere == 1001)
        #expect(
            refused.batch.counterDeltas.contains { $0.name == "frames.refused.owned_elsewhere" && $0.delta == 1001 }
        )
        #expect(aggregator.takeRefusalNotices().map(\.refused) == [1, 1000], "the first, then every 1000th")
        #expect(aggregator.ledgers[StreamKey(robotID: 7, bootEpoch: 0)] == nil, "no ledger charged")

        // West's lease has ended: the next frame asks again.
        ingest(&aggregator, TestFrames.state(robot: 7, seq: 1001), at: 7 * Self.second)
        #expect(aggregator.takeBatch(now: 7 * Self.second).claims.claim == [7])
    }

    @Test func aQuietRobotIsReleasedWithItsLastLedgerRow() {
        var aggregator = sharing()
        ingest(&aggregator, TestFrames.state(robot: 7, seq: 0), at: 1 * Self.second)
        _ = aggregator.takeBatch(now: 1 * Self.second)
        aggregator.applyClaims(RobotClaimOutcome(owned: [7]), startedAt: 1 * Self.second)
        _ = aggregator.takeBatch(now: 1 * Self.second)
        // Accepted until a quarter of the lease before its end (1 s + 7.5 s); renewed from
        // halfway.
        ingest(&aggregator, TestFrames.state(robot: 7, seq: 1), at: 5 * Self.second)
        let renewing = aggregator.takeBatch(now: 5 * Self.second)
        #expect(renewing.claims.renew == [7])
        #expect(renewing.batch.ledger.map(\.received) == [2])
        ingest(&aggregator, TestFrames.state(robot: 7, seq: 2), at: 8 * Self.second + 200_000_000)
        // Its ledger row would wait until 9.2 s: the release writes it now.
        let quiet = aggregator.takeBatch(now: 9 * Self.second)
        #expect(quiet.claims.release == [7])
        #expect(quiet.batch.ledger.map(\.received) == [3])
        #expect(quiet.batch.chunks.map(\.frameCount) == [3])
    }

    @Test func aTakeoverContinuesTheStoredLedger() {
        var aggregator = sharing()
        ingest(&aggregator, TestFrames.state(robot: 7, seq: 5), at: 1 * Self.second)
        _ = aggregator.takeBatch(now: 1 * Self.second)
        var outcome = RobotClaimOutcome(owned: [7])
        // East stored sequences 0...5 before it stopped.
        outcome.ledgers = [
            LedgerRecord(robotID: 7, bootEpoch: 0, received: 6, highestSequence: 5, firstNanos: 1, lastNanos: 6)
        ]
        aggregator.applyClaims(outcome, startedAt: 1 * Self.second)
        ingest(&aggregator, TestFrames.state(robot: 7, seq: 6), at: 2 * Self.second)
        let batch = aggregator.takeBatch(now: 2 * Self.second, final: true)
        #expect(batch.batch.frameCount == 1, "sequence 5 was east's")
        let ledger = aggregator.ledgers[StreamKey(robotID: 7, bootEpoch: 0)]?.record
        #expect(ledger?.received == 7 && ledger?.duplicates == 1 && ledger?.gaps == [])
    }
}
