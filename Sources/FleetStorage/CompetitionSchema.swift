public import FleetStore

/// The competition's tables (migration `v2-competition`): teams and their robots, the
/// rulebooks runs used, runs and their entries, referee actions, provisional and final
/// results, score events and the per-sender hash chains a signed result covers.
/// `v4-compact-results` (`CompetitionSchema+V4.swift`) replaced `provisional_score`,
/// `run_result` and `score_event` so that each is stored once.
enum CompetitionSchema {
    static let v2 = """
        CREATE TABLE team (
            team_id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_ns INTEGER NOT NULL
        );

        -- A robot belongs to one team; kind is a registration kind (sweeper, litterPicker,
        -- washer, humanoid); brush_width NULL takes the rulebook's width for the kind.
        CREATE TABLE team_robot (
            robot_id INTEGER PRIMARY KEY,
            team_id INTEGER NOT NULL REFERENCES team(team_id),
            name TEXT,
            kind TEXT NOT NULL,
            brush_width REAL
        );

        -- Every rulebook a run used, byte for byte; hash = SHA-256 of bytes.
        CREATE TABLE rulebook (
            hash TEXT PRIMARY KEY,
            rulebook_id TEXT NOT NULL,
            bytes BLOB NOT NULL,
            added_ns INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE run (
            run_id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            division TEXT NOT NULL,
            seed INTEGER NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('PREPARE', 'RUNNING', 'FINISHED', 'FINAL')),
            -- Where the RUNNING window (event time) comes from: the arena referee's run_state
            -- frames ('referee') or the start/stop commands' wall clock ('wall').
            window TEXT NOT NULL CHECK (window IN ('referee', 'wall')),
            rulebook_hash TEXT NOT NULL REFERENCES rulebook(hash),
            created_ns INTEGER NOT NULL,
            started_ns INTEGER,
            stopped_ns INTEGER,
            finalized_ns INTEGER,
            review INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX run_by_division ON run(division, run_id);

        -- The robots of a run as registered when it was created.
        CREATE TABLE run_entry (
            run_id INTEGER NOT NULL REFERENCES run(run_id),
            robot_id INTEGER NOT NULL,
            team TEXT NOT NULL,
            name TEXT,
            kind TEXT NOT NULL,
            brush_width REAL,
            PRIMARY KEY (run_id, robot_id)
        ) WITHOUT ROWID;

        CREATE TABLE referee_action (
            action_id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES run(run_id),
            kind TEXT NOT NULL CHECK (kind IN ('penalty_add', 'penalty_remove', 'award')),
            team TEXT,
            robot_id INTEGER,
            -- Penalty points, or the award as a fraction of points earned.
            value REAL,
            -- penalty_remove: the penalty_add it takes back.
            target_action_id INTEGER REFERENCES referee_action(action_id),
            by TEXT NOT NULL,
            reason TEXT NOT NULL,
            at_ns INTEGER NOT NULL
        );
        CREATE INDEX referee_action_by_run ON referee_action(run_id, action_id);

        -- The board while RUNNING: a summary (JSON) at least once a second.
        CREATE TABLE provisional_score (
            run_id INTEGER NOT NULL REFERENCES run(run_id),
            at_ns INTEGER NOT NULL,
            watermark_ns INTEGER,
            summary TEXT NOT NULL,
            PRIMARY KEY (run_id, at_ns)
        ) WITHOUT ROWID;

        -- Whole results (RunResult JSON): 'live' when the live scorer finished the run,
        -- 'final' when it was finalized (the signed document holds the same).
        CREATE TABLE run_result (
            run_id INTEGER NOT NULL REFERENCES run(run_id),
            source TEXT NOT NULL CHECK (source IN ('live', 'final')),
            result TEXT NOT NULL,
            stored_ns INTEGER NOT NULL,
            PRIMARY KEY (run_id, source)
        ) WITHOUT ROWID;

        CREATE TABLE score_event (
            run_id INTEGER NOT NULL,
            source TEXT NOT NULL,
            ordinal INTEGER NOT NULL,
            time_ns INTEGER NOT NULL,
            robot_id INTEGER NOT NULL,
            team TEXT NOT NULL,
            criterion TEXT NOT NULL,
            delta REAL NOT NULL,
            total REAL NOT NULL,
            score REAL NOT NULL,
            sender_id INTEGER NOT NULL,
            boot_epoch INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            event_id INTEGER,
            PRIMARY KEY (run_id, source, ordinal)
        ) WITHOUT ROWID;

        -- The signed final result: the document's exact bytes, the Ed25519 signature over
        -- them and the public key that made it.
        CREATE TABLE final_result (
            run_id INTEGER PRIMARY KEY REFERENCES run(run_id),
            document BLOB NOT NULL,
            signature BLOB NOT NULL,
            public_key BLOB NOT NULL,
            signed_ns INTEGER NOT NULL
        );

        -- Per sender of a run: the hash chain head over its frames in (time, boot, seq)
        -- order, and the frame index (boot, seq, digest prefix per frame) that names the
        -- first frame that no longer matches.
        CREATE TABLE chain_head (
            run_id INTEGER NOT NULL REFERENCES run(run_id),
            sender_id INTEGER NOT NULL,
            frames INTEGER NOT NULL,
            head BLOB NOT NULL,
            frame_index BLOB NOT NULL,
            PRIMARY KEY (run_id, sender_id)
        ) WITHOUT ROWID;
        """
}
