public import FleetStore
import GRDB

extension FleetDatabase {
    /// The schema, as a list of migrations applied in order when the database opens.
    /// Append new migrations; never edit one that has shipped.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-telemetry") { db in
            try db.execute(
                sql: """
                    CREATE TABLE robot (
                        robot_id INTEGER PRIMARY KEY,
                        kind TEXT,
                        name TEXT,
                        team TEXT,
                        boot_epoch INTEGER NOT NULL,
                        first_seen_ns INTEGER NOT NULL,
                        last_seen_ns INTEGER NOT NULL
                    );

                    -- Raw frames, many of one robot and boot epoch per row, exactly as received.
                    CREATE TABLE frame_chunk (
                        chunk_id INTEGER PRIMARY KEY,
                        robot_id INTEGER NOT NULL,
                        boot_epoch INTEGER NOT NULL,
                        first_seq INTEGER NOT NULL,
                        last_seq INTEGER NOT NULL,
                        start_ns INTEGER NOT NULL,
                        end_ns INTEGER NOT NULL,
                        frame_count INTEGER NOT NULL,
                        frames BLOB NOT NULL
                    );
                    CREATE INDEX frame_chunk_by_robot_time ON frame_chunk(robot_id, start_ns);

                    -- 1 s statistics of every numeric field of a state message; see RollupStats.
                    CREATE TABLE rollup (
                        robot_id INTEGER NOT NULL,
                        message_type INTEGER NOT NULL,
                        bucket_s INTEGER NOT NULL,
                        count INTEGER NOT NULL,
                        last_ns INTEGER NOT NULL,
                        stats BLOB NOT NULL,
                        PRIMARY KEY (robot_id, message_type, bucket_s)
                    ) WITHOUT ROWID;

                    CREATE TABLE event (
                        event_id INTEGER PRIMARY KEY,
                        robot_id INTEGER NOT NULL,
                        sender_id INTEGER NOT NULL,
                        boot_epoch INTEGER NOT NULL,
                        seq INTEGER NOT NULL,
                        run_id INTEGER,
                        ts_ns INTEGER NOT NULL,
                        message_type INTEGER NOT NULL,
                        frame BLOB NOT NULL
                    );
                    CREATE INDEX event_by_time ON event(ts_ns);
                    CREATE INDEX event_by_robot_time ON event(robot_id, ts_ns);

                    CREATE TABLE loss_ledger (
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
                        gaps TEXT NOT NULL,
                        rejected_seqs TEXT NOT NULL,
                        PRIMARY KEY (robot_id, boot_epoch)
                    ) WITHOUT ROWID;

                    -- Service-wide counters (frames received, rejected by reason, ...), cumulative
                    -- across restarts.
                    CREATE TABLE ingest_stat (
                        name TEXT PRIMARY KEY,
                        value INTEGER NOT NULL,
                        updated_ns INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("v2-competition") { db in
            try db.execute(sql: CompetitionSchema.v2)
        }
        migrator.registerMigration("v3-append-only") { db in
            try FleetDatabase.migrateToAppendOnly(db)
        }
        migrator.registerMigration("v4-compact-results", migrate: CompetitionSchema.migrateToV4)
        migrator.registerMigration("v5-arena") { db in
            try db.execute(sql: CompetitionSchema.v5)
        }
        return migrator
    }()
}
