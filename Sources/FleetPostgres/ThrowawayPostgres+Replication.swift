public import Foundation

/// Reading a primary's and a standby's WAL positions, so a test waits for a replica to have
/// replayed what the primary committed, with a deadline: never a guessed pause.
extension ThrowawayPostgres {
    /// A position in the write-ahead log (`pg_lsn`, printed `16/B374D848`): every commit the
    /// primary made before its current position is visible on a standby once the standby has
    /// replayed up to it.
    public struct WALPosition: Sendable, Comparable, Hashable, CustomStringConvertible {
        public let value: UInt64

        public init(value: UInt64) { self.value = value }

        /// Parses PostgreSQL's `HIGH/LOW` hexadecimal text; nil for anything else (a NULL).
        public init?(_ text: some StringProtocol) {
            let halves = text.split(separator: "/")
            guard halves.count == 2, let high = UInt64(halves[0], radix: 16), let low = UInt64(halves[1], radix: 16),
                high <= UInt64(UInt32.max), low <= UInt64(UInt32.max)
            else { return nil }
            value = high << 32 | low
        }

        public var description: String {
            String(value >> 32, radix: 16, uppercase: true) + "/"
                + String(value & 0xFFFF_FFFF, radix: 16, uppercase: true)
        }

        public static func < (lhs: WALPosition, rhs: WALPosition) -> Bool { lhs.value < rhs.value }
    }

    /// One standby as the primary sees it (a row of `pg_stat_replication`).
    public struct ReplicationState: Sendable, CustomStringConvertible {
        /// The standby's `cluster_name` (`standby-PORT` for `startStandby()`'s).
        public let applicationName: String
        /// `startup`, `catchup`, `streaming`, …
        public let state: String
        public let sent: WALPosition?
        public let replayed: WALPosition?
        /// PostgreSQL's own measure: from the primary flushing WAL to the standby reporting it
        /// replayed; nil while nothing is pending (the server clears it when idle).
        public let replayLag: Duration?

        public var description: String {
            "\(applicationName) \(state) sent \(sent.map(\.description) ?? "-")"
                + " replayed \(replayed.map(\.description) ?? "-") lag \(replayLag.map(\.description) ?? "-")"
        }
    }

    /// Runs SQL statements in one `psql` session as the superuser and returns the rows they
    /// print, fields separated by `|` (unaligned, no headers; notices included).
    public func query(_ statements: String..., database: String = "postgres") throws -> [String] {
        let output = try runAsServerUser(
            "psql",
            ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", user]
                + ["-d", database] + statements.flatMap { ["-c", $0] }
        )
        return output.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// Whether the server is a standby replaying WAL (`pg_is_in_recovery()`): read-only.
    public func isInRecovery() throws -> Bool {
        try query("SELECT pg_is_in_recovery()") == ["t"]
    }

    /// The primary's current write position (`pg_current_wal_lsn()`); throws on a standby.
    public func currentWALPosition() throws -> WALPosition {
        let rows = try query("SELECT pg_current_wal_lsn()")
        guard let text = rows.first, let position = WALPosition(text) else {
            throw Failure(description: "pg_current_wal_lsn() on port \(port) answered \(rows)")
        }
        return position
    }

    /// How far a standby has replayed (`pg_last_wal_replay_lsn()`); nil on a primary, or on a
    /// standby that has replayed nothing yet.
    public func replayedWALPosition() throws -> WALPosition? {
        try query("SELECT pg_last_wal_replay_lsn()").first.flatMap { WALPosition($0) }
    }

    /// The primary's standbys (`pg_stat_replication`), one row each.
    public func replicationStates() throws -> [ReplicationState] {
        try query(
            """
            SELECT application_name, state, sent_lsn, replay_lsn,
                   coalesce((extract(epoch FROM replay_lag) * 1000000)::bigint::text, '')
            FROM pg_stat_replication ORDER BY application_name
            """
        )
        .map { row in
            let fields = row.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            func field(_ index: Int) -> String { index < fields.count ? fields[index] : "" }
            return ReplicationState(
                applicationName: field(0),
                state: field(1),
                sent: WALPosition(field(2)),
                replayed: WALPosition(field(3)),
                replayLag: Int64(field(4)).map { .microseconds($0) }
            )
        }
    }

    /// On a standby: returns once it has replayed up to `position` (so everything the primary
    /// committed before it is visible here), with how long that took, measured on the server
    /// (`clock_timestamp()`). Waits inside one `psql` session polling `pg_last_wal_replay_lsn()`
    /// every 2 ms, ended by `statement_timeout`: a failure says how far replay got.
    @discardableResult
    public func waitForReplay(of position: WALPosition, timeout: Duration) throws -> Duration {
        let (seconds, attoseconds) = timeout.components
        let milliseconds = max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        do {
            let rows = try query(
                "SET statement_timeout = \(milliseconds)",
                """
                DO $$
                DECLARE started timestamptz := clock_timestamp();
                BEGIN
                    WHILE coalesce(pg_last_wal_replay_lsn() < '\(position)'::pg_lsn, true) LOOP
                        PERFORM pg_sleep(0.002);
                    END LOOP;
                    RAISE NOTICE 'replayed-after-us %',
                        (extract(epoch FROM clock_timestamp() - started) * 1000000)::bigint;
                END $$;
                """
            )
            // psql prints the notice as `NOTICE:  replayed-after-us N` on its error output.
            let micros = rows.lazy.compactMap { row -> Int64? in
                guard let range = row.range(of: "replayed-after-us ") else { return nil }
                return Int64(row[range.upperBound...].prefix { $0.isNumber })
            }.first
            return .microseconds(micros ?? 0)
        } catch {
            let replayed = (try? replayedWALPosition()).flatMap { $0?.description } ?? "nothing"
            throw Failure(
                description:
                    "standby on port \(port) did not replay up to \(position) within \(timeout): at \(replayed) (\(error))"
            )
        }
    }

    /// Waits until `standby` has replayed everything this primary has written so far; returns
    /// how long the standby took from now (the wait, measured on the standby).
    @discardableResult
    public func waitUntilReplayed(by standby: ThrowawayPostgres, timeout: Duration) throws -> Duration {
        try standby.waitForReplay(of: currentWALPosition(), timeout: timeout)
    }
}
