public import FleetProtocol
public import FleetStore
import Foundation
import GRDB

/// What a run is scored from: its `run_state` events, the event rows `fleet verify` checks
/// and the stored frames, read for the scorer and the hash chains.
extension SQLiteCompetitionStore {
    // MARK: Inputs

    /// The stored `run_state` referee events of a run, oldest first.
    public func runStateEvents(runID: UInt32) throws -> [StoredEvent] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT event_id, robot_id, sender_id, run_id, ts_ns, message_type, frame FROM event
                    WHERE run_id = ? AND message_type = ? ORDER BY ts_ns, event_id
                    """,
                arguments: [Int64(runID), Int64(MessageType.runState.rawValue)]
            ).map { row in
                StoredEvent(
                    eventID: row[0],
                    robotID: UInt32(row[1] as Int64),
                    senderID: UInt32(row[2] as Int64),
                    runID: (row[3] as Int64?).map { UInt32($0) },
                    timestampNanos: UInt64(bitPattern: row[4]),
                    messageType: UInt8(row[5] as Int64),
                    bytes: [UInt8](row[6] as Data)
                )
            }
        }
    }

    /// The stored event rows (robot and referee events, a copy of their frames for queries)
    /// of `senders` with event time in [from, to], with the sender, boot epoch and sequence
    /// the row names: what `fleet verify` checks against the hash-chained frames.
    public func eventRows(
        from: UInt64,
        to: UInt64,
        senders includes: (UInt32) -> Bool
    ) throws -> [(event: StoredEvent, bootEpoch: UInt32, sequence: UInt32)] {
        try database.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT event_id, robot_id, sender_id, run_id, ts_ns, message_type, frame, boot_epoch, seq
                    FROM event WHERE ts_ns >= ? AND ts_ns <= ? ORDER BY event_id
                    """,
                arguments: [Int64(bitPattern: from), Int64(bitPattern: min(to, UInt64(Int64.max)))]
            )
            return rows.compactMap { row in
                let sender = UInt32(truncatingIfNeeded: row[2] as Int64)
                guard includes(sender) else { return nil }
                let event = StoredEvent(
                    eventID: row[0],
                    robotID: UInt32(truncatingIfNeeded: row[1] as Int64),
                    senderID: sender,
                    runID: (row[3] as Int64?).map { UInt32(truncatingIfNeeded: $0) },
                    timestampNanos: UInt64(bitPattern: row[4]),
                    messageType: UInt8(truncatingIfNeeded: row[5] as Int64),
                    bytes: [UInt8](row[6] as Data)
                )
                return (event, UInt32(truncatingIfNeeded: row[7] as Int64), UInt32(truncatingIfNeeded: row[8] as Int64))
            }
        }
    }

    /// Calls `body` with every stored frame whose sender passes `includes` and whose event
    /// time (as its header says) lies in [from, to], byte for byte, in no particular order
    /// (sealed chunks by robot, boot epoch and time, then live segments); a frame in both a
    /// chunk and a segment is passed once. Frames of a chunk whose header cannot be read at
    /// all are passed with a nil header, so integrity checks see them.
    public func forEachFrame(
        from: UInt64,
        to: UInt64,
        senders includes: (UInt32) -> Bool,
        _ body: (UInt32, FrameHeader?, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let earliestStart = from >= ChunkLimits.maximumSpanNanos ? from - ChunkLimits.maximumSpanNanos : 0
        try database.read { db in
            // Only frames of a live segment can be stored twice; without one, nothing to check.
            let dedupe = try FleetDatabase.hasSegments(db, from: from, to: to)
            var seen = Set<FrameKey>()
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT robot_id, frames, chunk_id, boot_epoch, first_seq, last_seq, encoding FROM frame_chunk
                    WHERE start_ns BETWEEN ? AND ? AND end_ns >= ?
                    ORDER BY robot_id, boot_epoch, start_ns
                    """,
                arguments: [Int64(bitPattern: earliestStart), Int64(bitPattern: to), Int64(bitPattern: from)]
            )
            while let row = try rows.next() {
                let sender = UInt32(truncatingIfNeeded: row[0] as Int64)
                guard includes(sender) else { continue }
                do {
                    try FleetDatabase.forEachChunkFrame(row, blobIndex: 1, encodingIndex: 6) { frame in
                        let header = FrameHeader.unverified(frame)
                        if let header {
                            let ts = header.timestampNanoseconds
                            guard ts >= from, ts <= to else { return }
                            if dedupe { seen.insert(FrameKey(header)) }
                        }
                        try body(sender, header, frame)
                    }
                } catch let error as StorageError where error.code == .corruptRow {
                    let chunk: Int64 = row[2]
                    let boot: Int64 = row[3]
                    let first: Int64 = row[4]
                    let last: Int64 = row[5]
                    throw StorageError(
                        .corruptRow,
                        "robot \(sender) boot \(boot) sequences \(first)-\(last) (frame_chunk \(chunk)): \(error.message)",
                        cause: error
                    )
                }
            }
            guard dedupe else { return }
            try FleetDatabase.forEachSegmentFrame(db, from: from, to: to) { header, frame in
                let ts = header.timestampNanoseconds
                guard ts >= from, ts <= to, includes(header.robotID), seen.insert(FrameKey(header)).inserted else {
                    return
                }
                try body(header.robotID, header, frame)
            }
        }
    }
}
