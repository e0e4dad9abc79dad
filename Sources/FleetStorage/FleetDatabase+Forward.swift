public import FleetStore
import Foundation
import GRDB

/// A sealed chunk as `fleet forward` reads it from a site's file: its row id, the forward
/// cursor's position, and the row itself.
public struct NumberedChunk: Sendable, Equatable {
    public var chunkID: Int64
    public var chunk: ChunkRecord
}

/// An event row with its id, the forward cursor's position in the event table.
public struct NumberedEvent: Sendable, Equatable {
    public var eventID: Int64
    public var event: EventRecord
}

extension FleetDatabase {
    /// Sealed chunks with an id above `after`, in id order (the order they were committed),
    /// at most `limit`. Frames not sealed yet (live segments) are not among them: they come
    /// once their chunk seals.
    public func chunks(after: Int64, limit: Int) throws -> [NumberedChunk] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT chunk_id, robot_id, boot_epoch, first_seq, last_seq, start_ns, end_ns, frame_count,
                           encoding, frames
                    FROM frame_chunk WHERE chunk_id > ? ORDER BY chunk_id LIMIT ?
                    """,
                arguments: [after, limit]
            ).map { row in
                let raw: Int64 = row[8]
                guard let encoding = UInt8(exactly: raw).flatMap(ChunkEncoding.init(rawValue:)) else {
                    throw StorageError(.corruptRow, "frame_chunk \(row[0] as Int64): unknown encoding \(raw)")
                }
                return NumberedChunk(
                    chunkID: row[0],
                    chunk: ChunkRecord(
                        robotID: UInt32(row[1] as Int64),
                        bootEpoch: UInt32(row[2] as Int64),
                        firstSequence: UInt32(row[3] as Int64),
                        lastSequence: UInt32(row[4] as Int64),
                        startNanos: UInt64(bitPattern: row[5]),
                        endNanos: UInt64(bitPattern: row[6]),
                        frameCount: row[7],
                        frames: [UInt8](row[9] as Data),
                        encoding: encoding
                    )
                )
            }
        }
    }

    /// Event rows with an id above `after`, in id order, at most `limit`.
    public func events(after: Int64, limit: Int) throws -> [NumberedEvent] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT event_id, robot_id, sender_id, boot_epoch, seq, run_id, ts_ns, message_type, frame
                    FROM event WHERE event_id > ? ORDER BY event_id LIMIT ?
                    """,
                arguments: [after, limit]
            ).map { row in
                NumberedEvent(
                    eventID: row[0],
                    event: EventRecord(
                        robotID: UInt32(row[1] as Int64),
                        senderID: UInt32(row[2] as Int64),
                        bootEpoch: UInt32(row[3] as Int64),
                        sequence: UInt32(row[4] as Int64),
                        runID: (row[5] as Int64?).map { UInt32($0) },
                        timestampNanos: UInt64(bitPattern: row[6]),
                        messageType: UInt8(row[7] as Int64),
                        frame: [UInt8](row[8] as Data)
                    )
                )
            }
        }
    }

    /// How far the site's tables go: the newest chunk and event ids, and how many chunks and
    /// frames lie above `chunk` (what a forwarder has still to send).
    public func forwardBacklog(
        afterChunk chunk: Int64,
        afterEvent event: Int64
    ) throws -> (chunks: Int, frames: Int, events: Int, oldestPendingNanos: UInt64?) {
        try read { db in
            let chunks = try Row.fetchOne(
                db,
                sql:
                    "SELECT count(*), coalesce(sum(frame_count), 0), min(start_ns) FROM frame_chunk WHERE chunk_id > ?",
                arguments: [chunk]
            )
            let events = try Int.fetchOne(db, sql: "SELECT count(*) FROM event WHERE event_id > ?", arguments: [event])
            return (
                chunks?[0] ?? 0, chunks?[1] ?? 0, events ?? 0,
                (chunks?[2] as Int64?).map { UInt64(bitPattern: $0) }
            )
        }
    }
}
