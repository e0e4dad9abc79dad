import FleetProtocol
public import FleetStore
import Foundation
import Logging
import NIOCore
import PostgresNIO

extension PostgresStore {
    /// Several ingesters write one database: each robot is written by the one that holds it.
    public var sharesRobotsBetweenIngesters: Bool { true }

    /// Decides `claims` and writes `batch` in one transaction: releases first, then claims
    /// and renewals (one `INSERT … ON CONFLICT DO UPDATE … WHERE` statement, granted where
    /// the lease has run out or is this ingester's own), then the batch, less the rows of
    /// robots this ingester no longer holds: every robot the batch writes is checked
    /// (`FOR SHARE` on its `robot_owner` row), so a batch that waited past its lease (a
    /// stalled writer) cannot write over a robot another ingester took over, and a claimer
    /// waits until this transaction ends.
    public func commit(_ batch: WriteBatch, claims: RobotClaims, at nowNanos: UInt64) throws -> RobotClaimOutcome {
        let written = try batch.ownedRobotIDs()
        if claims.isEmpty && written.isEmpty {
            try commit(batch, at: nowNanos)
            return RobotClaimOutcome()
        }
        if !batch.isEmpty { try ensurePartitions(days: Self.days(of: batch)) }
        do {
            return try blockingAwait { [self] in
                try await client.withTransaction(logger: logger) { connection in
                    var outcome = try await self.decide(claims, on: connection)
                    var lost = Set(outcome.lost.map(\.robotID))
                    let unchecked = written.subtracting(lost).subtracting(outcome.owned)
                    if !unchecked.isEmpty {
                        let held = try await ids(
                            connection.query(
                                """
                                SELECT robot_id FROM robot_owner
                                WHERE robot_id = ANY(\(Self.sorted(Array(unchecked)))::int8[]) AND ingester = \(ingesterID)
                                ORDER BY robot_id FOR SHARE
                                """,
                                logger: logger
                            )
                        )
                        let gone = unchecked.subtracting(held)
                        if !gone.isEmpty {
                            let holders = try await owners(of: Array(gone), on: connection)
                            let named = Set(holders.map(\.robotID))
                            outcome.lost += holders
                            outcome.lost += gone.subtracting(named).sorted().map {
                                RobotOwner(robotID: $0, ingester: "", remainingNanos: 0)
                            }
                            lost.formUnion(gone)
                        }
                    }
                    var kept = batch
                    if !lost.isEmpty {
                        (kept, outcome.removedFrameKeys) = try batch.removingRobots(lost)
                        outcome.removedFrames = outcome.removedFrameKeys.count
                    }
                    if !kept.isEmpty {
                        try await self.write(kept, on: connection, nowNanos: nowNanos)
                    }
                    return outcome
                }
            }
        } catch {
            throw Self.describe(error, doing: "committing a batch of \(batch.frameCount) frames to \(location)")
        }
    }

    /// The ownership statements of one commit.
    private func decide(_ claims: RobotClaims, on connection: PostgresConnection) async throws -> RobotClaimOutcome {
        var outcome = RobotClaimOutcome()
        var lost: [UInt32] = []
        if !claims.release.isEmpty {
            // The lease ends now: another ingester may claim the robot from this commit on.
            let released = try await ids(
                connection.query(
                    """
                    UPDATE robot_owner SET lease_until = now()
                    WHERE ingester = \(ingesterID) AND robot_id = ANY(\(Self.sorted(claims.release))::int8[])
                    RETURNING robot_id
                    """,
                    logger: logger
                )
            )
            lost += claims.release.filter { !released.contains($0) }
        }
        // Who holds the robots to claim before this claim (locked until the commit): a
        // robot granted from another ingester is a takeover.
        let previous = claims.claim.isEmpty ? [:] : try await holders(of: claims.claim, on: connection)
        let wanted = claims.claim + claims.renew
        var granted = Set<UInt32>()
        if !wanted.isEmpty {
            granted = try await claimLeases(of: wanted, leaseNanos: claims.leaseNanos, on: connection)
            outcome.owned = wanted.filter { granted.contains($0) }
            lost += claims.renew.filter { !granted.contains($0) }
        }
        let refused = claims.claim.filter { !granted.contains($0) }
        if !refused.isEmpty || !lost.isEmpty {
            let owners = try await owners(of: refused + lost, on: connection)
            let lostSet = Set(lost)
            for owner in owners {
                if lostSet.contains(owner.robotID) {
                    outcome.lost.append(owner)
                } else {
                    outcome.elsewhere.append(owner)
                }
            }
        }
        let claimed = claims.claim.filter { granted.contains($0) }
        if !claimed.isEmpty {
            try await continueLedgers(of: claimed, previous: previous, into: &outcome, on: connection)
        }
        return outcome
    }

    /// The holders other than this ingester of `robots`, robot → ingester, their rows locked.
    private func holders(of robots: [UInt32], on connection: PostgresConnection) async throws -> [UInt32: String] {
        let rows = try await connection.query(
            """
            SELECT robot_id, ingester FROM robot_owner
            WHERE robot_id = ANY(\(Self.sorted(robots))::int8[]) AND ingester <> \(ingesterID)
            ORDER BY robot_id FOR UPDATE
            """,
            logger: logger
        )
        var out: [UInt32: String] = [:]
        for try await (robot, ingester) in rows.decode((Int64, String).self) {
            out[UInt32(truncatingIfNeeded: robot)] = ingester
        }
        return out
    }

    /// What the new owner of `claimed` continues: the ledger rows other ingesters wrote, and
    /// the frames the previous holder committed after its row (in its live segments, which
    /// its unwritten ledger keeps), so nothing it stored is taken for new when resent.
    private func continueLedgers(
        of claimed: [UInt32],
        previous: [UInt32: String],
        into outcome: inout RobotClaimOutcome,
        on connection: PostgresConnection
    ) async throws {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.ledgerColumns), through_segment, ingester FROM loss_ledger
            WHERE robot_id = ANY(\(Self.sorted(claimed))::int8[]) AND ingester <> \(ingesterID)
            ORDER BY robot_id, boot_epoch
            """,
            logger: logger
        )
        var through: [String: [StreamKey: Int64]] = [:]
        for try await row in rows {
            let ledger = try Self.ledger(row)
            outcome.ledgers.append(ledger)
            let tail = try row.decode(
                (
                    Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64?, Int64, Int64, ByteBuffer, ByteBuffer,
                    Int64, String
                )
                .self
            )
            through[tail.13, default: [:]][StreamKey(robotID: ledger.robotID, bootEpoch: ledger.bootEpoch)] = tail.12
        }
        var takenFrom: [String: Set<UInt32>] = [:]
        for robot in claimed { if let holder = previous[robot] { takenFrom[holder, default: []].insert(robot) } }
        for (holder, robots) in takenFrom.sorted(by: { $0.key < $1.key }) {
            let rowsOf = through[holder] ?? [:]
            // Segments from the oldest row's mark; from the first when a robot has no row.
            let everyRobotHasARow = robots.allSatisfy { robot in rowsOf.keys.contains { $0.robotID == robot } }
            let from = everyRobotHasARow ? (rowsOf.filter { robots.contains($0.key.robotID) }.values.min() ?? 0) : 0
            let segments = try await connection.query(
                """
                SELECT segment_id, frames FROM frame_segment
                WHERE ingester = \(holder) AND segment_id >= \(from) ORDER BY segment_id
                """,
                logger: logger
            )
            for try await (id, frames) in segments.decode((Int64, ByteBuffer).self) {
                let decoded = try frames.readableBytesView.withUnsafeBytes { try SegmentBlob.decode($0) }
                try decoded.withUnsafeBytes { blob in
                    try FrameChunk.forEachFrame(in: blob) { frame in
                        guard let header = FrameHeader.unverified(frame), robots.contains(header.robotID) else {
                            return
                        }
                        let stream = StreamKey(robotID: header.robotID, bootEpoch: header.bootEpoch)
                        guard id >= rowsOf[stream] ?? 0 else { return }
                        outcome.takenOverFrames.append(
                            TakenOverFrame(
                                stream: stream,
                                sequence: header.sequence,
                                timestampNanos: header.timestampNanoseconds
                            )
                        )
                    }
                }
            }
        }
    }

    /// Claims or renews `robots` for `leaseNanos` from now (one statement, robot order, so two
    /// claimers of overlapping sets lock rows in one order): granted where nobody holds the
    /// robot, the lease has run out, or it is this store's own. Returns the robots granted.
    func claimLeases(
        of robots: [UInt32],
        leaseNanos: UInt64,
        on connection: PostgresConnection
    ) async throws -> Set<UInt32> {
        let lease = Double(leaseNanos) / 1e9
        return try await ids(
            connection.query(
                """
                INSERT INTO robot_owner (robot_id, ingester, lease_until, claimed_at)
                SELECT id, \(ingesterID), now() + make_interval(secs => \(lease)), now()
                FROM unnest(\(Self.sorted(robots))::int8[]) AS x(id) ORDER BY id
                ON CONFLICT (robot_id) DO UPDATE SET
                    ingester = excluded.ingester, lease_until = excluded.lease_until,
                    claimed_at = CASE WHEN robot_owner.ingester = excluded.ingester
                                      THEN robot_owner.claimed_at ELSE excluded.claimed_at END,
                    takeovers = robot_owner.takeovers
                        + CASE WHEN robot_owner.ingester = excluded.ingester THEN 0 ELSE 1 END
                WHERE robot_owner.ingester = excluded.ingester OR robot_owner.lease_until <= now()
                RETURNING robot_id
                """,
                logger: logger
            )
        )
    }

    /// The holders of `robots` and their leases left, in robot order.
    func owners(of robots: [UInt32], on connection: PostgresConnection) async throws -> [RobotOwner] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.ownerColumns)
            FROM robot_owner WHERE robot_id = ANY(\(Self.sorted(robots))::int8[]) ORDER BY robot_id
            """,
            logger: logger
        )
        return try await Self.owners(rows)
    }

    /// A `robot_owner` row as `owners(_:)` reads it: robot, holder, seconds of lease left.
    private static let ownerColumns =
        "robot_id, ingester, greatest(0, extract(epoch FROM lease_until - now()))::float8"

    private static func owners(_ rows: PostgresRowSequence) async throws -> [RobotOwner] {
        var out: [RobotOwner] = []
        for try await (robot, ingester, seconds) in rows.decode((Int64, String, Double).self) {
            out.append(
                RobotOwner(
                    robotID: UInt32(truncatingIfNeeded: robot),
                    ingester: ingester,
                    remainingNanos: UInt64(max(0, seconds) * 1e9)
                )
            )
        }
        return out
    }

    /// Who holds each robot and for how much longer, as of now (tests, operators).
    public func robotOwners() throws -> [RobotOwner] {
        try blockingAwait { [self] in
            let rows = try await client.query(
                "SELECT \(unescaped: Self.ownerColumns) FROM robot_owner ORDER BY robot_id",
                logger: logger
            )
            return try await Self.owners(rows)
        }
    }

    private func ids(_ rows: PostgresRowSequence) async throws -> Set<UInt32> {
        var out = Set<UInt32>()
        for try await id in rows.decode(Int64.self) { out.insert(UInt32(truncatingIfNeeded: id)) }
        return out
    }

    private static func sorted(_ robots: [UInt32]) -> [Int64] {
        Array(Set(robots)).sorted().map { Int64($0) }
    }
}
