import Foundation

/// The PostgreSQL schema, as migrations applied in order when a store opens (append new
/// ones; never edit one that has shipped), and the day partitions of the time-series tables.
///
/// Every time-series table is partitioned by event time, one partition a day (created
/// ahead and on demand, see `PostgresStore+Partitions`), and every key starts with
/// `robot_id`, so the tables can be distributed by robot on Citus without a change:
/// README.md, "Several sites and a central database", has the statements.
enum PostgresSchema {
    /// (name, SQL) in the order they apply.
    static let migrations: [(name: String, sql: String)] = [
        (
            "v1-telemetry",
            """
            CREATE TABLE robot (
                robot_id bigint PRIMARY KEY,
                kind text,
                name text,
                team text,
                boot_epoch bigint NOT NULL,
                first_seen_ns bigint NOT NULL,
                last_seen_ns bigint NOT NULL
            );

            -- Raw frames, many of one robot and boot epoch per row, exactly as received
            -- (encoding: 0 length-prefixed, 1 columnar; see ChunkEncoding).
            CREATE TABLE frame_chunk (
                robot_id bigint NOT NULL,
                boot_epoch bigint NOT NULL,
                first_seq bigint NOT NULL,
                last_seq bigint NOT NULL,
                start_ns bigint NOT NULL,
                end_ns bigint NOT NULL,
                frame_count integer NOT NULL,
                encoding smallint NOT NULL,
                frames bytea NOT NULL,
                PRIMARY KEY (robot_id, boot_epoch, first_seq, start_ns)
            ) PARTITION BY RANGE (start_ns);
            CREATE INDEX frame_chunk_by_robot_time ON frame_chunk (robot_id, start_ns);
            CREATE INDEX frame_chunk_by_time ON frame_chunk (start_ns);

            -- Frames made durable before their chunk sealed, one row per batch of one
            -- ingester (ids are the ingester's own); gone once their chunks are stored.
            CREATE TABLE frame_segment (
                ingester text NOT NULL,
                segment_id bigint NOT NULL,
                start_ns bigint NOT NULL,
                end_ns bigint NOT NULL,
                frame_count integer NOT NULL,
                frames bytea NOT NULL,
                PRIMARY KEY (ingester, segment_id)
            );

            -- 1 s statistics of every numeric field of a state message; see RollupStats.
            CREATE TABLE rollup (
                robot_id bigint NOT NULL,
                message_type smallint NOT NULL,
                bucket_s bigint NOT NULL,
                count bigint NOT NULL,
                last_ns bigint NOT NULL,
                stats bytea NOT NULL,
                PRIMARY KEY (robot_id, message_type, bucket_s)
            ) PARTITION BY RANGE (bucket_s);

            CREATE SEQUENCE event_id_seq;
            CREATE TABLE event (
                robot_id bigint NOT NULL,
                sender_id bigint NOT NULL,
                boot_epoch bigint NOT NULL,
                seq bigint NOT NULL,
                ts_ns bigint NOT NULL,
                event_id bigint NOT NULL DEFAULT nextval('event_id_seq'),
                run_id bigint,
                message_type smallint NOT NULL,
                frame bytea NOT NULL,
                PRIMARY KEY (robot_id, sender_id, boot_epoch, seq, ts_ns)
            ) PARTITION BY RANGE (ts_ns);
            CREATE INDEX event_by_time ON event (ts_ns);
            CREATE INDEX event_by_robot_time ON event (robot_id, ts_ns);

            -- The loss ledger of one robot and boot epoch, written by the ingester the robot
            -- sends to; through_segment is that ingester's segment id.
            CREATE TABLE loss_ledger (
                robot_id bigint NOT NULL,
                boot_epoch bigint NOT NULL,
                received bigint NOT NULL,
                duplicates bigint NOT NULL,
                out_of_order bigint NOT NULL,
                rejected bigint NOT NULL,
                dropped bigint NOT NULL,
                highest_seq bigint,
                first_ns bigint NOT NULL,
                last_ns bigint NOT NULL,
                gaps bytea NOT NULL,
                rejected_seqs bytea NOT NULL,
                through_segment bigint NOT NULL,
                ingester text NOT NULL,
                PRIMARY KEY (robot_id, boot_epoch)
            );

            -- Service-wide counters, cumulative across restarts, per ingester (summed by
            -- readers), so two ingesters never wait on one row.
            CREATE TABLE ingest_stat (
                ingester text NOT NULL,
                name text NOT NULL,
                value bigint NOT NULL,
                updated_ns bigint NOT NULL,
                PRIMARY KEY (ingester, name)
            );
            """
        ),
        (
            "v2-forward",
            """
            -- Where each site's forwarder (fleet forward) is in its SQLite file's tables: the
            -- last chunk and event ids copied, updated in the transaction that copies them.
            CREATE TABLE forward_cursor (
                site text PRIMARY KEY,
                chunk_id bigint NOT NULL,
                event_id bigint NOT NULL,
                chunks bigint NOT NULL,
                frames bigint NOT NULL,
                events bigint NOT NULL,
                updated_ns bigint NOT NULL
            );
            """
        ),
        (
            "v2-robot-owner",
            """
            -- Which ingester writes each robot's frames, ledgers and rows, and until when: claimed
            -- in the transaction of a group commit, renewed as it writes, released when the robot
            -- goes quiet; a lease that has run out may be taken over by another ingester, which
            -- continues the robot's ledger. Keyed by robot_id alone, like every fleet table.
            CREATE TABLE robot_owner (
                robot_id bigint PRIMARY KEY,
                ingester text NOT NULL,
                lease_until timestamptz NOT NULL,
                claimed_at timestamptz NOT NULL,
                takeovers bigint NOT NULL DEFAULT 0
            );
            """
        ),
        (
            "v3-competition",
            """
            -- The competition's records, as a site's SQLite file holds them (CompetitionSchema,
            -- v4-compact-results there): teams, runs, referee actions, results and the signed
            -- final record. Small tables, keyed by run or robot: reference tables on Citus.
            CREATE TABLE team (
                team_id bigserial PRIMARY KEY,
                name text NOT NULL UNIQUE,
                created_ns bigint NOT NULL
            );

            CREATE TABLE team_robot (
                robot_id bigint PRIMARY KEY,
                team_id bigint NOT NULL REFERENCES team (team_id),
                name text,
                kind text NOT NULL,
                brush_width double precision
            );

            CREATE TABLE rulebook (
                hash text PRIMARY KEY,
                rulebook_id text NOT NULL,
                bytes bytea NOT NULL,
                added_ns bigint NOT NULL
            );

            -- run_id is the referee's (the frames' run_state carry it); site names the site a
            -- forwarded run came from (NULL: created on this database), site_version what the
            -- site held of it when it was last copied.
            CREATE TABLE run (
                run_id bigint PRIMARY KEY,
                name text NOT NULL,
                division text NOT NULL,
                seed bigint NOT NULL,
                state text NOT NULL CHECK (state IN ('PREPARE', 'RUNNING', 'FINISHED', 'FINAL')),
                window_source text NOT NULL CHECK (window_source IN ('referee', 'wall')),
                rulebook_hash text NOT NULL REFERENCES rulebook (hash),
                created_ns bigint NOT NULL,
                started_ns bigint,
                stopped_ns bigint,
                finalized_ns bigint,
                review boolean NOT NULL DEFAULT false,
                site text,
                site_version text
            );
            CREATE INDEX run_by_division ON run (division, run_id);

            CREATE TABLE run_entry (
                run_id bigint NOT NULL REFERENCES run (run_id),
                robot_id bigint NOT NULL,
                team text NOT NULL,
                name text,
                kind text NOT NULL,
                brush_width double precision,
                PRIMARY KEY (run_id, robot_id)
            );

            -- A forwarded run keeps its site's action ids (its signed result names them): an
            -- id is unique within its run.
            CREATE SEQUENCE referee_action_id_seq;
            CREATE TABLE referee_action (
                run_id bigint NOT NULL REFERENCES run (run_id),
                action_id bigint NOT NULL DEFAULT nextval('referee_action_id_seq'),
                kind text NOT NULL CHECK (kind IN ('penalty_add', 'penalty_remove', 'award')),
                team text,
                robot_id bigint,
                value double precision,
                target_action_id bigint,
                referee text NOT NULL,
                reason text NOT NULL,
                at_ns bigint NOT NULL,
                PRIMARY KEY (run_id, action_id)
            );

            CREATE TABLE provisional_score (
                run_id bigint PRIMARY KEY REFERENCES run (run_id),
                at_ns bigint NOT NULL,
                watermark_ns bigint,
                summary text NOT NULL,
                snapshots bigint NOT NULL
            );

            CREATE TABLE run_result (
                run_id bigint NOT NULL REFERENCES run (run_id),
                source text NOT NULL CHECK (source IN ('live', 'final')),
                summary text,
                shared bigint NOT NULL,
                own_first bigint NOT NULL,
                own_count bigint NOT NULL,
                stored_ns bigint NOT NULL,
                PRIMARY KEY (run_id, source)
            );

            CREATE TABLE score_event (
                run_id bigint NOT NULL REFERENCES run (run_id),
                first_ordinal bigint NOT NULL,
                count bigint NOT NULL,
                page bytea NOT NULL,
                PRIMARY KEY (run_id, first_ordinal)
            );

            CREATE TABLE final_result (
                run_id bigint PRIMARY KEY REFERENCES run (run_id),
                document bytea NOT NULL,
                signature bytea NOT NULL,
                public_key bytea NOT NULL,
                signed_ns bigint NOT NULL
            );

            CREATE TABLE chain_head (
                run_id bigint NOT NULL REFERENCES run (run_id),
                sender_id bigint NOT NULL,
                frames bigint NOT NULL,
                head bytea NOT NULL,
                frame_index bytea NOT NULL,
                PRIMARY KEY (run_id, sender_id)
            );
            """
        ),
        (
            // A run may be scored in an arena file stored with it (fleet run create --arena),
            // byte for byte under its SHA-256 like its rulebook; existing runs have none and
            // are scored in the arena generated from division and seed.
            "v4-arena",
            """
            CREATE TABLE arena (
                hash text PRIMARY KEY,
                bytes bytea NOT NULL,
                added_ns bigint NOT NULL
            );

            ALTER TABLE run ADD COLUMN arena_hash text REFERENCES arena (hash);
            """
        ),
    ]

    /// A migration's statements: its text split at each `;` that ends a line (the
    /// migrations above are written that way; no statement holds one inside).
    static func statements(_ sql: String) -> [String] {
        sql.components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .map { $0.hasSuffix(";") ? String($0.dropLast()) : $0 }
            .filter { !$0.isEmpty }
    }

    /// The time-series tables partitioned a day at a time, and the unit of their
    /// partition key.
    static let partitioned: [(table: String, unitsPerDay: Int64)] = [
        ("frame_chunk", nanosPerDay),
        ("event", nanosPerDay),
        ("rollup", 86_400),
    ]

    static let nanosPerDay: Int64 = 86_400_000_000_000

    /// `frame_chunk_p20261205`: the partition of `table` for day `day` (days since
    /// 1970-01-01, UTC).
    static func partitionName(_ table: String, day: Int64) -> String {
        let (y, m, d) = civilDate(daysSinceEpoch: day)
        let month = m < 10 ? "0\(m)" : "\(m)"
        let dayText = d < 10 ? "0\(d)" : "\(d)"
        return "\(table)_p\(y)\(month)\(dayText)"
    }

    /// Howard Hinnant's days-to-civil: the proleptic Gregorian date of a day number.
    static func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
