import FleetStore
import Foundation
import GRDB

extension FleetDatabase {
    /// Schema v3, storage engine v2: every row is written once.
    ///
    /// - `frame_chunk.encoding`: how the blob is encoded (`ChunkEncoding`); rows written
    ///   before are length-prefixed (0).
    /// - `frame_segment`: frames made durable before their chunk sealed, one row per
    ///   batch, deleted once every frame in it is in a sealed chunk.
    /// - `loss_ledger.gaps` and `rejected_seqs` become blobs of (first, last) u32 LE pairs
    ///   (`SequenceRange.blob`): a ledger row is written without rendering text. The table is
    ///   rebuilt and its rows converted.
    static func migrateToAppendOnly(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE frame_chunk ADD COLUMN encoding INTEGER NOT NULL DEFAULT 0;

                CREATE TABLE frame_segment (
                    segment_id INTEGER PRIMARY KEY,
                    start_ns INTEGER NOT NULL,
                    end_ns INTEGER NOT NULL,
                    frame_count INTEGER NOT NULL,
                    frames BLOB NOT NULL
                );

                CREATE TABLE loss_ledger_v3 (
                    robot_id INTEGER NOT NULL,
                    boot_epoch INTEGER NOT NULL,
                    received INTEGER NOT NULL,
                    duplicates INTEGER NOT NULL,
                    out_of_order INTEGER NOT NULL,
                    rejected INTEGER NOT NULL,
                    dropped INTEGER NOT NULL,
                    highest_seq INTEGER,
                    first_ns INTEGER NOT NULL,
                    last_ns INTEGER NOT NULL,
                    gaps BLOB NOT NULL,
                    rejected_seqs BLOB NOT NULL,
                    -- Frames of segments from this id on are not counted in the row yet: a
                    -- restart replays them (WriteBatch.ledgerThroughSegment).
                    through_segment INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (robot_id, boot_epoch)
                ) WITHOUT ROWID;
                """
        )
        let insert = try db.makeStatement(
            sql: """
                INSERT INTO loss_ledger_v3
                    (robot_id, boot_epoch, received, duplicates, out_of_order, rejected, dropped,
                     highest_seq, first_ns, last_ns, gaps, rejected_seqs)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        )
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT robot_id, boot_epoch, received, duplicates, out_of_order, rejected, dropped,
                       highest_seq, first_ns, last_ns, gaps, rejected_seqs
                FROM loss_ledger
                """
        )
        while let row = try rows.next() {
            var values: [(any DatabaseValueConvertible)?] = row.databaseValues.map { $0 }
            for (column, index) in [("gaps", 10), ("rejected_seqs", 11)] {
                let text: String = row[index]
                do {
                    values[index] = Data(SequenceRange.blob(try SequenceRange.parse(text)))
                } catch let error as StorageError {
                    throw StorageError(
                        .corruptRow,
                        "loss_ledger robot \(row[0] as Int64) boot \(row[1] as Int64) \(column): \(error.message)",
                        cause: error
                    )
                }
            }
            try insert.execute(arguments: StatementArguments(values))
        }
        try db.execute(
            sql: """
                DROP TABLE loss_ledger;
                ALTER TABLE loss_ledger_v3 RENAME TO loss_ledger;
                """
        )
    }
}
