import FleetPostgres
import FleetProtocol
import FleetStore
import FleetTestSupport
import Foundation
import Logging
import Testing

@testable import FleetIngest

/// A takeover that the previous holder did not see coming: its lease ran out while it was
/// stalled (no release, no ledger row written yet), another ingester claimed the robot, and
/// then the stalled one committed again. Driven batch by batch through two pipelines'
/// aggregators on one real PostgreSQL database, so the order is exact, not left to a loaded
/// machine's timing.
@Suite(.enabled(if: PostgresFixture.enabled))
struct RobotTakeoverTests {
    static let logger = Logger(label: "takeover-test")
    static let robot: UInt32 = 31
    static let ms: UInt64 = 1_000_000
    /// Short, so the database's lease (real time) runs out while the test waits for it.
    static let policy = RobotOwnershipPolicy(leaseNanos: 400 * ms)

    static func ingest(_ aggregator: inout Aggregator, _ sequences: Range<UInt32>, at receivedAt: UInt64) {
        for seq in sequences {
            RobotOwnershipTests.frame(robot: robot, seq: seq).withUnsafeBytes {
                aggregator.ingest(RingFrame(bytes: $0, source: 1, receivedAt: receivedAt))
            }
        }
    }

    /// Takes a batch at `now` (the aggregator's receive clock) and commits it as the writer does.
    @discardableResult
    static func commit(_ aggregator: inout Aggregator, to store: PostgresStore, now: UInt64) throws -> RobotClaimOutcome
    {
        let batch = aggregator.takeBatch(now: now)
        let outcome = try store.commit(batch.batch, claims: batch.claims, at: now)
        aggregator.applyClaims(outcome, startedAt: now)
        return outcome
    }

    @Test(.timeLimit(.minutes(1)))
    func aTakeoverCountsWhatTheStalledHolderStoredAndItsLateBatchIsLeftOut() async throws {
        let location = try PostgresFixture.database()
        let east = try PostgresStore.open(location: location, ingesterID: "east", logger: Self.logger)
        defer { east.close() }
        let west = try PostgresStore.open(location: location, ingesterID: "west", logger: Self.logger)
        defer { west.close() }
        var eastPipeline = Aggregator(verifiesFrames: false)
        eastPipeline.shareRobots(Self.policy)
        var westPipeline = Aggregator(verifiesFrames: false)
        westPipeline.shareRobots(Self.policy)

        // East claims the robot and commits frames 0..<10 in a segment; its ledger row is
        // not due yet (once a second), so none is written.
        let t0: UInt64 = 1_000 * Self.ms
        Self.ingest(&eastPipeline, 0..<10, at: t0)
        #expect(try Self.commit(&eastPipeline, to: east, now: t0).owned == [Self.robot])
        let stored = try Self.commit(&eastPipeline, to: east, now: t0 + 1 * Self.ms)
        #expect(stored.lost.isEmpty)
        #expect(try east.lossLedger(robotID: Self.robot).isEmpty, "east wrote no ledger row")

        // East stalls; its lease runs out in the database.
        try await waitUntil(timeout: .seconds(20)) { try east.robotOwners().first?.remainingNanos == 0 }

        // The robot moves to west and resends everything, and more: west takes it over,
        // counts east's ten as stored (duplicates now), stores only the new ten, and writes
        // the continued ledger at once.
        Self.ingest(&westPipeline, 0..<20, at: t0)
        let claimed = try Self.commit(&westPipeline, to: west, now: t0)
        #expect(claimed.owned == [Self.robot])
        #expect(claimed.takenOverFrames.map(\.sequence) == Array(0..<10))
        let written = westPipeline.takeBatch(now: t0 + 1 * Self.ms)
        #expect(written.batch.frameCount == 10, "only 10..<20 are new")
        #expect(written.batch.ledger.map(\.received) == [20])
        #expect(try west.commit(written.batch, claims: written.claims, at: t0 + 1 * Self.ms).lost.isEmpty)

        // East wakes up with two more frames and no claim to renew: its commit finds the
        // robot is west's and leaves them out, unacknowledged.
        Self.ingest(&eastPipeline, 10..<12, at: t0 + 2 * Self.ms)
        let late = eastPipeline.takeBatch(now: t0 + 2 * Self.ms)
        #expect(late.claims.isEmpty, "no renewal due: only the check can refuse it")
        #expect(late.batch.frameCount == 2)
        let refused = try east.commit(late.batch, claims: late.claims, at: t0 + 2 * Self.ms)
        #expect(refused.lost.map(\.ingester) == ["west"])
        #expect(refused.removedFrames == 2)
        // East un-counts them: were the robot to come back, its resends would be stored,
        // not acknowledged as duplicates of frames that never reached the database.
        eastPipeline.applyClaims(refused, startedAt: t0 + 2 * Self.ms)
        let eastLedger = try #require(eastPipeline.ledgers[StreamKey(robotID: Self.robot, bootEpoch: 1)])
        #expect(!eastLedger.hasStored(10) && !eastLedger.hasStored(11) && eastLedger.hasStored(9))
        #expect(eastLedger.record.received == 10)

        // Every frame once, the ledger whole: west's, continuing east's.
        west.close()
        east.close()
        let reader = try PostgresStore.open(location: location, ingesterID: "reader", logger: Self.logger)
        defer { reader.close() }
        let frames = try RobotOwnershipTests.storedFrames(reader)
        #expect(frames.count == 20)
        let ledgers = try reader.lossLedger(robotID: Self.robot)
        #expect(ledgers.count == 1)
        #expect(ledgers.first?.received == 20 && ledgers.first?.gaps == [] && ledgers.first?.highestSequence == 19)
        #expect(ledgers.first?.duplicates == 10, "east's ten, resent to west")
    }
}
