public import FleetProtocol
public import FleetStore
import Foundation
import GRDB

extension FleetDatabase: TelemetryReader {
    public func forEachStoredFrame(
        from: UInt64,
        to: UInt64,
        robotID: UInt32?,
        _ body: (FrameHeader, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let wanted: (UInt32) -> Bool = { robotID == nil || $0 == robotID }
        try SQLiteCompetitionStore(database: self).forEachFrame(from: from, to: to, senders: wanted) {
            _,
            header,
            frame in
            guard let header else { throw StorageError(.corruptRow, "a stored frame has no valid header") }
            try body(header, frame)
        }
    }

    public func rollups(
        robotID: UInt32,
        messageType: UInt8,
        fromSecond: Int64,
        toSecond: Int64
    ) throws -> [RollupRecord] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT bucket_s, count, last_ns, stats FROM rollup
                    WHERE robot_id = ? AND message_type = ? AND bucket_s BETWEEN ? AND ? ORDER BY bucket_s
                    """,
                arguments: [Int64(robotID), Int64(messageType), fromSecond, toSecond]
            ).map { row in
                RollupRecord(
                    robotID: robotID,
                    messageType: messageType,
                    bucketSecond: row[0],
                    count: row[1],
                    lastNanos: UInt64(bitPattern: row[2]),
                    stats: try (row[3] as Data).withUnsafeBytes { try RollupStats(bytes: $0) }
                )
            }
        }
    }
}
extension FleetDatabase: TelemetryQueries {}
