public import FleetProtocol
public import FleetStore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// What a run is scored from on the central PostgreSQL: its `run_state` events, the event rows
/// `fleet verify` checks and the stored frames.
extension PostgresCompetitionStore {
    // MARK: Inputs

    static let eventColumns = "event_id, robot_id, sender_id, run_id, ts_ns, message_type, frame, boot_epoch, seq"

    static func eventRow(_ row: PostgresRow) throws -> (event: StoredEvent, bootEpoch: UInt32, sequence: UInt32) {
        let c = try row.decode((Int64, Int64, Int64, Int64?, Int64, Int16, ByteBuffer, Int64, Int64).self)
        let event = StoredEvent(
            eventID: c.0,
            robotID: UInt32(truncatingIfNeeded: c.1),
            senderID: UInt32(truncatingIfNeeded: c.2),
            runID: c.3.map { UInt32(truncatingIfNeeded: $0) },
            timestampNanos: UInt64(bitPattern: c.4),
            messageType: UInt8(truncatingIfNeeded: c.5),
            bytes: Array(c.6.readableBytesView)
        )
        return (event, UInt32(truncatingIfNeeded: c.7), UInt32(truncatingIfNeeded: c.8))
    }

    public func runStateEvents(runID: UInt32) throws -> [StoredEvent] {
        try read("reading the referee events of run \(runID)") { [logger] client in
            var out: [StoredEvent] = []
            let rows = try await client.query(
                """
                SELECT \(unescaped: Self.eventColumns) FROM event
                WHERE run_id = \(Int64(runID)) AND message_type = \(Int16(MessageType.runState.rawValue))
                ORDER BY ts_ns, event_id
                """,
                logger: logger
            )
            for try await row in rows { out.append(try Self.eventRow(row).event) }
            return out
        }
    }

    public func eventRows(
        from: UInt64,
        to: UInt64,
        senders includes: (UInt32) -> Bool
    ) throws -> [(event: StoredEvent, bootEpoch: UInt32, sequence: UInt32)] {
        let (low, high) = (Int64(bitPattern: from), Int64(bitPattern: min(to, UInt64(Int64.max))))
        let rows = try read("reading events") { [logger] client in
            var out: [(event: StoredEvent, bootEpoch: UInt32, sequence: UInt32)] = []
            let rows = try await client.query(
                "SELECT \(unescaped: Self.eventColumns) FROM event WHERE ts_ns BETWEEN \(low) AND \(high) ORDER BY event_id",
                logger: logger
            )
            for try await row in rows { out.append(try Self.eventRow(row)) }
            return out
        }
        return rows.filter { includes($0.event.senderID) }
    }

    public func forEachFrame(
        from: UInt64,
        to: UInt64,
        senders includes: (UInt32) -> Bool,
        _ body: (UInt32, FrameHeader?, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try postgres.forEachFrame(from: from, to: min(to, UInt64(Int64.max)), robotID: nil) { header, frame in
            guard includes(header.robotID) else { return }
            try body(header.robotID, header, frame)
        }
    }
}
