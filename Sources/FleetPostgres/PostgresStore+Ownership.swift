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
    /// robots another ingester took over while it waited. Row locks on `robot_owner` keep
    /// a concurrent claimer waiting until this transaction ends.
    public func commit(_ batch: WriteBatch, claims: RobotClaims, at nowNanos: UInt64) throws -> RobotClaimOutcome {
        if claims.isEmpty {
            try commit(batch, at: nowNanos)
            return RobotClaimOutcome()
        }
        if !batch.isEmpty { try ensurePartitions(days: Self.days(of: batch)) }
        do {
            return try blockingAwait { [self] in
                try await client.withTransaction(logger: logger) { connection in
                    var outcome = try await self.decide(claims, on: connection)
                    let lost = Set(outcome.lost.map(\.robotID))
                    var written = batch
                    if !lost.isEmpty {
                        (written, outcome.removedFrames) = try batch.removingRobots(lost)
                    }
                    if !written.isEmpty {
                        try await self.write(written, on: connection, nowNanos: nowNanos)
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
            // Ledgers another ingester wrote (a takeover): the new owner continues them.
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.ledgerColumns) FROM loss_ledger
                WHERE robot_id = ANY(\(Self.sorted(claimed))::int8[]) AND ingester <> \(ingesterID)
                ORDER BY robot_id, boot_epoch
                """,
                logger: logger
            )
            for try await row in rows { outcome.ledgers.append(try Self.ledger(row)) }
        }
        return outcome
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
