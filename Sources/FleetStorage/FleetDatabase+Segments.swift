public import FleetProtocol
import FleetStore
import Foundation
import GRDB

/// Which frame a stored copy is: the same frame can be in a sealed chunk and in a segment
/// not released yet, and readers return it once.
extension FrameKey {
    init(_ header: FrameHeader) {
        self.init(stream: StreamKey(robotID: header.robotID, bootEpoch: header.bootEpoch), sequence: header.sequence)
    }
}

extension FleetDatabase {
    /// The live segments (frames not in a sealed chunk yet), oldest first.
    static func liveSegments(_ db: Database) throws -> [SegmentRecord] {
        try Row.fetchAll(
            db,
            sql: "SELECT segment_id, start_ns, end_ns, frame_count, frames FROM frame_segment ORDER BY segment_id"
        ).map { row in
            try SegmentRecord(
                segmentID: row[0],
                startNanos: UInt64(bitPattern: row[1]),
                endNanos: UInt64(bitPattern: row[2]),
                frameCount: row[3],
                frames: try (row[4] as Data).withUnsafeBytes { try SegmentBlob.decode($0) }
            )
        }
    }

    /// Whether a live segment holds frames with event time in [from, to]; readers
    /// deduplicate against chunks only then.
    static func hasSegments(_ db: Database, from: UInt64, to: UInt64) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: "SELECT EXISTS (SELECT 1 FROM frame_segment WHERE start_ns <= ? AND end_ns >= ?)",
            arguments: [Int64(bitPattern: to), Int64(bitPattern: from)]
        ) ?? false
    }

    /// Calls `body` with every frame of the live segments that overlap [from, to] (frames
    /// outside the range included: callers filter), oldest segment first, each in arrival
    /// order. `newestFirst` walks the segments the other way. A segment only holds frames
    /// that passed validation, so one without a header means the row is damaged.
    static func forEachSegmentFrame(
        _ db: Database,
        from: UInt64,
        to: UInt64,
        newestFirst: Bool = false,
        _ body: (FrameHeader, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT segment_id, frames FROM frame_segment WHERE start_ns <= ? AND end_ns >= ?
                ORDER BY segment_id \(newestFirst ? "DESC" : "ASC")
                """,
            arguments: [Int64(bitPattern: to), Int64(bitPattern: from)]
        )
        while let row = try rows.next() {
            let segmentID: Int64 = row[0]
            do {
                let frames = try row.withUnsafeData(atIndex: 1) { data in
                    try (data ?? Data()).withUnsafeBytes { try SegmentBlob.decode($0) }
                }
                try frames.withUnsafeBytes { blob in
                    try FrameChunk.forEachFrame(in: blob) { frame in
                        guard let header = FrameHeader.unverified(frame) else {
                            throw StorageError(.corruptRow, "a frame has no valid header")
                        }
                        try body(header, frame)
                    }
                }
            } catch let error as StorageError where error.code == .corruptRow {
                throw StorageError(.corruptRow, "frame_segment \(segmentID): \(error.message)", cause: error)
            }
        }
    }

    /// Calls `body` with every frame of a `frame_chunk` row's blob (column `blobIndex`),
    /// decoded as its `encoding` column (`encodingIndex`) says.
    static func forEachChunkFrame(
        _ row: Row,
        blobIndex: Int,
        encodingIndex: Int,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let raw: Int64 = row[encodingIndex]
        guard let encoding = UInt8(exactly: raw).flatMap(ChunkEncoding.init(rawValue:)) else {
            throw StorageError(.corruptRow, "unknown chunk encoding \(raw)")
        }
        try row.withUnsafeData(atIndex: blobIndex) { data in
            try (data ?? Data()).withUnsafeBytes { blob in
                try ChunkCodec.forEachFrame(in: blob, encoding: encoding, body)
            }
        }
    }
}
