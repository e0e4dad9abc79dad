import FleetProtocol
public import FleetStore
import Foundation
import GRDB
import Synchronization

extension FleetDatabase: IngestStore {
    public var competition: any CompetitionStore { SQLiteCompetitionStore(database: self) }

    /// Ledgers (with the segment each was written through), the live segments oldest first,
    /// which of their frames are in a sealed chunk already, and the next segment id: above
    /// every id a live segment or a ledger row refers to, so ids never repeat.
    public func restoreIngestState() throws -> IngestRestoreState {
        try read { db in
            let ledgers = try Self.lossLedger(db)
            var through: [StreamKey: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT robot_id, boot_epoch, through_segment FROM loss_ledger") {
                let key = StreamKey(
                    robotID: UInt32(truncatingIfNeeded: row[0] as Int64),
                    bootEpoch: UInt32(truncatingIfNeeded: row[1] as Int64)
                )
                through[key] = row[2]
            }
            let segments = try Self.liveSegments(db)
            let sealed = try Self.sealedFrames(db, among: segments)
            let highestThrough = through.values.max() ?? 1
            return IngestRestoreState(
                ledgers: ledgers,
                ledgerThroughSegment: through,
                segments: segments,
                sealedFrames: sealed,
                nextSegmentID: max((segments.last?.segmentID ?? 0) + 1, highestThrough)
            )
        }
    }

    /// The frames of `segments` that a sealed chunk holds too: their streams' chunks that
    /// overlap the segments' sequence numbers, decoded (restart only, so exactness wins).
    static func sealedFrames(_ db: Database, among segments: [SegmentRecord]) throws -> Set<FrameKey> {
        var wanted: [StreamKey: (first: UInt32, last: UInt32)] = [:]
        var keys = Set<FrameKey>()
        for segment in segments {
            try segment.frames.withUnsafeBytes { blob in
                try FrameChunk.forEachFrame(in: blob) { frame in
                    guard let header = FrameHeader.unverified(frame) else { return }
                    let key = FrameKey(header)
                    keys.insert(key)
                    let range = wanted[key.stream] ?? (header.sequence, header.sequence)
                    wanted[key.stream] = (min(range.first, header.sequence), max(range.last, header.sequence))
                }
            }
        }
        var sealed = Set<FrameKey>()
        for (stream, range) in wanted {
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT frames, encoding FROM frame_chunk
                    WHERE robot_id = ? AND boot_epoch = ? AND last_seq >= ? AND first_seq <= ?
                    """,
                arguments: [Int64(stream.robotID), Int64(stream.bootEpoch), Int64(range.first), Int64(range.last)]
            )
            while let row = try rows.next() {
                let blob: Data = row[0]
                let raw: Int64 = row[1]
                guard let encoding = ChunkEncoding(rawValue: UInt8(truncatingIfNeeded: raw)) else {
                    throw StorageError(.corruptRow, "frame_chunk of \(stream) has unknown encoding \(raw)")
                }
                try blob.withUnsafeBytes { bytes in
                    try ChunkCodec.forEachFrame(in: bytes, encoding: encoding) { frame in
                        guard let header = FrameHeader.unverified(frame) else { return }
                        let key = FrameKey(header)
                        if keys.contains(key) { sealed.insert(key) }
                    }
                }
            }
        }
        return sealed
    }

    /// Checkpoints the WAL (PASSIVE, on the writer connection, between commits) when the
    /// `CheckpointPolicy` says it is due, and runs one prune step when a `RetentionPolicy`
    /// is set and a pass is due or under way; cheap otherwise (two locks, a few comparisons).
    @discardableResult
    public func maintain(at nowNanos: UInt64) throws -> Bool {
        guard let checkpointer else {
            throw StorageError(.badQuery, "\(path) is open read-only: it has no WAL of its own to maintain")
        }
        if checkpointer.state.withLock({ $0.isDue(at: nowNanos, policy: checkpointer.policy) }) {
            _ = try pool.writeWithoutTransaction { db in try checkpointer.maintain(db, at: nowNanos) }
        }
        return try retentionStep(at: nowNanos)
    }

    /// Copies the WAL into the database file and truncates it, so the file alone holds
    /// everything once the ingester stops.
    public func finishIngest() throws {
        try checkpoint()
    }

    /// What the WAL checkpointer saw (all zero when opened read-only).
    public var walStatistics: WALStatistics {
        checkpointer?.state.withLock {
            WALStatistics(pages: $0.walPages, peakPages: $0.peakWALPages, checkpoints: $0.checkpoints)
        } ?? WALStatistics(pages: 0, peakPages: 0, checkpoints: 0)
    }
}
