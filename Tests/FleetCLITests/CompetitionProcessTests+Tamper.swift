import FleetProtocol
import FleetStorage
import Foundation
import GRDB
import Testing

extension ProcessSuites.CompetitionProcessTests {
    /// Edits the stored bytes of `robot`'s first frame inside [start, end] the way a careless
    /// forger would (one body byte flipped, the checksum left as it was), in the v1 layout the
    /// fixtures hold (length-prefixed frames, u32 LE); returns that frame's header.
    static func flipABodyByte(
        ofRobot robot: UInt32,
        within start: UInt64,
        _ end: UInt64,
        in database: FleetDatabase
    ) throws -> FrameHeader {
        let (chunk, blob) = try #require(
            try database.read { db in
                try Row.fetchOne(
                    db,
                    sql: """
                        SELECT chunk_id, CAST(frames AS BLOB) FROM frame_chunk
                        WHERE robot_id = ? AND start_ns <= ? AND end_ns >= ? ORDER BY start_ns LIMIT 1
                        """,
                    arguments: [Int64(robot), Int64(bitPattern: end), Int64(bitPattern: start)]
                ).map { ($0[0] as Int64, [UInt8]($0[1] as Data)) }
            }
        )
        var offset = 0
        var found: (offset: Int, header: FrameHeader)?
        while found == nil && offset + 4 <= blob.count {
            let length =
                Int(blob[offset]) | Int(blob[offset + 1]) << 8 | Int(blob[offset + 2]) << 16
                | Int(blob[offset + 3]) << 24
            if let header = Array(blob[(offset + 4)..<(offset + 4 + length)]).withUnsafeBytes({
                FrameHeader.unverified($0)
            }), (start...end).contains(header.timestampNanoseconds) {
                found = (offset + 4, header)
            }
            offset += 4 + length
        }
        let (frame, header) = try #require(found)
        var edited = blob
        edited[frame + Int(header.headerLength) + 3] ^= 0xFF
        try database.write { db in
            try db.execute(
                sql: "UPDATE frame_chunk SET frames = ? WHERE chunk_id = ?",
                arguments: [Data(edited), chunk]
            )
        }
        return header
    }
}
