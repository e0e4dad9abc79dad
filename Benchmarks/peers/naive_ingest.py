#!/usr/bin/python3
"""A naive telemetry ingester: the peer `fleet bench --sustained` measures ours against.

What a first version written in an afternoon would do: bind a SUB socket like the
ingester's pub mode, decode every frame with the reference codec (Protocols/python),
insert one JSON row per frame into SQLite in batched transactions, with one
(robot, time) index. Stops after --frames frames (or when nothing arrives for
--idle seconds) and prints one JSON line: frames stored, seconds from the first frame
received to the last commit, frames/s and numeric samples/s.

Runs with Debian's /usr/bin/python3 (python3-zmq); without zmq it prints
{"error": ...} and exits 0, so the benchmark's row says so instead of failing.

    /usr/bin/python3 Benchmarks/peers/naive_ingest.py --db /tmp/naive.db \\
        --frames 100000 --endpoint-file /tmp/naive.endpoint --protocols Protocols/python
"""

import argparse
import json
import os
import sqlite3
import sys
import time


def numeric_samples(body):
    """Numbers a frame carries: every value field, an array counting per element."""
    return sum(len(v) if isinstance(v, list) else 1 for v in body.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--frames", type=int, required=True, help="stop after this many frames")
    parser.add_argument("--endpoint-file", required=True, help="where to write the bound endpoint")
    parser.add_argument("--protocols", default="Protocols/python", help="folder holding the fleet_protocol package")
    parser.add_argument("--batch", type=int, default=5000, help="rows per transaction")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds without a frame that end the run")
    args = parser.parse_args()

    try:
        import zmq
    except ImportError:
        print(json.dumps({"error": "python3-zmq is not installed (apt-get install python3-zmq)"}))
        return 0
    sys.path.insert(0, args.protocols)
    try:
        import fleet_protocol as fp
    except ImportError:
        print(json.dumps({"error": "no fleet_protocol package in %s" % args.protocols}))
        return 0

    db = sqlite3.connect(args.db)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE IF NOT EXISTS frames (robot INTEGER, time INTEGER, type TEXT, body TEXT)")
    db.execute("CREATE INDEX IF NOT EXISTS frames_robot_time ON frames (robot, time)")
    db.commit()

    context = zmq.Context()
    socket = context.socket(zmq.SUB)
    socket.setsockopt(zmq.RCVHWM, 0)  # a naive ingester queues rather than drops
    socket.setsockopt(zmq.SUBSCRIBE, b"")
    port = socket.bind_to_random_port("tcp://127.0.0.1")
    temporary = args.endpoint_file + ".tmp"
    with open(temporary, "w") as fh:
        fh.write("tcp://127.0.0.1:%d\n" % port)
    os.rename(temporary, args.endpoint_file)

    insert = "INSERT INTO frames (robot, time, type, body) VALUES (?, ?, ?, ?)"
    rows = []
    stored = rejected = samples = 0
    first = None
    socket.setsockopt(zmq.RCVTIMEO, 60000)  # the sender may take a while to start
    while stored + len(rows) + rejected < args.frames:
        try:
            message = socket.recv()
        except zmq.Again:
            break
        if first is None:
            first = time.monotonic()
            socket.setsockopt(zmq.RCVTIMEO, int(args.idle * 1000))
        try:
            frame = fp.decode(message)
        except fp.ProtocolError:
            rejected += 1
            continue
        samples += numeric_samples(frame.body)
        rows.append((frame.header["robot_id"], frame.header["timestamp_ns"], frame.message,
                     json.dumps(fp.body_to_json(frame.body))))
        if len(rows) >= args.batch:
            db.executemany(insert, rows)
            db.commit()
            stored += len(rows)
            rows = []
    if rows:
        db.executemany(insert, rows)
        db.commit()
        stored += len(rows)
    socket.close(linger=0)
    context.term()
    if first is None:
        print(json.dumps({"error": "no frame arrived"}))
        return 0
    seconds = time.monotonic() - first
    print(json.dumps({
        "frames": stored, "rejected": rejected, "seconds": seconds,
        "frames_per_s": stored / seconds, "samples_per_s": samples / seconds,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
