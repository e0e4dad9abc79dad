public import FleetProtocol
public import FleetStore
import GRDB

extension FleetDatabase {
    /// Bytes on disk by table and index (SQLite's `dbstat`), largest first; checkpoint first
    /// to count what the WAL still holds.
    public func tableSizes() throws -> [(name: String, bytes: Int64)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").map {
                (($0[0] as String?) ?? "?", ($0[1] as Int64?) ?? 0)
            }
        }
    }

    /// Numeric samples in the stored state frames: frames of each state type (from the
    /// rollups' counts) times that type's numeric fields (every element of every non-reserved
    /// field). What "bytes per numeric sample" divides by.
    public func numericSamplesStored() throws -> Int {
        try read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT message_type, sum(count) FROM rollup GROUP BY message_type")
            return rows.reduce(0) { total, row in
                let raw: Int = row[0]
                let frames: Int = row[1]
                guard let type = MessageType(rawValue: UInt8(truncatingIfNeeded: raw)) else { return total }
                return total + frames * Self.numericFields(of: type)
            }
        }
    }

    /// Numeric values one frame of `type` carries.
    public static func numericFields(of type: MessageType) -> Int {
        type.layout.filter { !$0.isReserved }.reduce(0) { $0 + $1.count }
    }

    /// State frames counted in the stored rollups. A rollup is written when its second
    /// closes, so this trails the frames stored by up to a second or two while they arrive.
    public func rollupObservations() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT coalesce(sum(count), 0) FROM rollup") ?? 0 }
    }

    /// The newest run's id, if any.
    /// The run with the most robots entered (the newest of equals); nil without runs.
    public func largestRunID() throws -> Int64? {
        try read { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT run.run_id FROM run LEFT JOIN run_entry USING (run_id)
                    GROUP BY run.run_id ORDER BY count(run_entry.robot_id) DESC, run.run_id DESC LIMIT 1
                    """
            )
        }
    }
}
