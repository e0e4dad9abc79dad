#!/usr/bin/env python3
"""Reference publisher: send Fleet Telemetry frames over ZeroMQ (needs pyzmq).

Input, one of:
  FILE | -              JSON lines, one frame each:
                          {"message": "fault", "robot_id": 7, "boot_epoch": 1, "sequence": 0,
                           "timestamp_ns": 1767225600000000000, "flags": 0,
                           "body": {"code": 1, "severity": "error", "active": true}}
                        ("flags" is optional; other header keys, as written by --dump, are ignored).
                        A line {"hex": "..."} is sent as raw bytes without any check
                        (to exercise a receiver's error handling).
  --generate N          a seeded, deterministic mixed stream of N valid frames covering every
                        message type (state, robot and referee events; add --types all for ack)
                        from --robots R robots (ids 1..R) plus a referee (0xF0000001);
                        sequence numbers per sender from 0.

Output: frames are sent on an XPUB socket that --connect's to (or --bind's) an endpoint,
after a subscriber has subscribed. --dump FILE writes what was sent as JSON lines in
decode()'s representation (see README "JSON value conventions").

Examples:
  /usr/bin/python3 publish.py --connect tcp://127.0.0.1:5556 --generate 1000 --seed 7 --robots 4 --dump sent.jsonl
  /usr/bin/python3 publish.py --bind tcp://127.0.0.1:5556 --rate 100 frames.jsonl
"""

import argparse
import json
import math
import os
import random
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet_protocol as fp  # noqa: E402

REFEREE_ID = 0xF0000001
START_NS = 1767225600000000000  # 2026-01-01T00:00:00Z


# ---------------------------------------------------------------- generation

def f32(v):
    """Round through f32 so the value round-trips exactly."""
    return struct.unpack("<f", struct.pack("<f", v))[0]


def random_value(f, rng):
    if f.enum_by_name is not None:
        return rng.choice(sorted(f.enum_by_name, key=f.enum_by_name.get))
    if f.is_bool:
        return rng.random() < 0.5
    if f.is_float:
        if f.nan_allowed and rng.random() < 0.05:
            return float("nan")
        if f.min is not None and f.max is not None:
            lo, hi = float(f.min), float(f.max)
        elif f.min is not None:
            lo, hi = float(f.min), f.min + 1000.0
        elif f.max is not None:
            lo, hi = f.max - 1000.0, float(f.max)
        else:
            lo, hi = -1000.0, 1000.0
        v = round(rng.uniform(lo, hi), 4)
        if f.type == "f32":
            v = f32(v)
        return min(max(v, lo), hi)  # lo/hi are representable (schema bounds are small integers)
    lo, hi = fp._INT_RANGE[f.type]
    if f.min is not None:
        lo = max(lo, f.min)
    if f.max is not None:
        hi = min(hi, f.max)
    if hi - lo > 1000000 and rng.random() < 0.7:
        hi = lo + 100000  # mostly plausible counters/ids, sometimes the full range
    return rng.randint(lo, hi)


def random_body(msg, rng):
    body = {}
    for f in msg.value_fields:
        if f.count:
            body[f.name] = [random_value(f, rng) for _ in range(f.count)]
        else:
            body[f.name] = random_value(f, rng)
    return body


def generate(codec, n, seed, robots, types, boot_epoch, start_ns, step_ns, flags):
    """Yield (message, header kwargs, body) for n frames."""
    rng = random.Random(seed)
    msgs = [codec.schema.by_name[t] for t in types]
    robot_ids = list(range(1, robots + 1))
    seq = {}
    order = list(msgs)
    rng.shuffle(order)  # the first len(types) frames cover every type once
    for i in range(n):
        msg = order[i] if i < len(order) else rng.choice(msgs)
        if msg.category == "referee_event":
            sender = REFEREE_ID
        elif msg.category == "control":
            sender = 0xFFFFFFFF
        else:
            sender = rng.choice(robot_ids)
        body = random_body(msg, rng)
        if msg.category == "referee_event" and "robot_id" in body:
            body["robot_id"] = rng.choice(robot_ids)
        s = seq.get(sender, 0)
        seq[sender] = s + 1
        if msg.name == "heartbeat":
            body["frames_sent"] = s
        yield msg.name, dict(robot_id=sender, boot_epoch=boot_epoch, sequence=s,
                             timestamp_ns=start_ns + i * step_ns, flags=flags), body


def read_lines(path):
    fh = sys.stdin if path == "-" else open(path, "r", encoding="utf-8")
    try:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                yield json.loads(line)
            except ValueError as exc:
                raise SystemExit("%s:%d: bad JSON: %s" % (path, lineno, exc))
    finally:
        if fh is not sys.stdin:
            fh.close()


def frames_from_lines(codec, path):
    """Yield (frame bytes, dump record)."""
    for rec in read_lines(path):
        if "hex" in rec:
            frame = bytes.fromhex(rec["hex"])
            yield frame, {"hex": rec["hex"]}
            continue
        frame = codec.encode(rec["message"], rec["body"], robot_id=rec["robot_id"], boot_epoch=rec["boot_epoch"],
                             sequence=rec["sequence"], timestamp_ns=rec["timestamp_ns"], flags=rec.get("flags", 0))
        yield frame, fp.frame_to_json(codec.decode(frame))


# ---------------------------------------------------------------- main

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ep = ap.add_mutually_exclusive_group(required=True)
    ep.add_argument("--connect", metavar="ENDPOINT", action="append", help="connect to ENDPOINT (repeatable)")
    ep.add_argument("--bind", metavar="ENDPOINT", action="append", help="bind ENDPOINT (repeatable)")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("input", nargs="?", help="JSON lines file, or - for stdin")
    src.add_argument("--generate", type=int, metavar="N", help="generate N frames")
    ap.add_argument("--seed", type=int, default=1, help="generator seed (default %(default)s)")
    ap.add_argument("--robots", type=int, default=3, help="generated robots, ids 1..R (default %(default)s)")
    ap.add_argument("--types", default="",
                    help="comma-separated message names to generate; 'all' = every type including the "
                         "control type ack (default: every type a robot or referee sends, i.e. all but ack)")
    ap.add_argument("--boot-epoch", type=int, default=1, help="generated boot epoch (default %(default)s)")
    ap.add_argument("--start-ns", type=int, default=START_NS, help="first generated timestamp (default 2026-01-01Z)")
    ap.add_argument("--step-ns", type=int, default=1000000, help="generated timestamp step (default 1 ms)")
    ap.add_argument("--flags", type=int, default=1, help="generated header flags (default 1: simulated time)")
    ap.add_argument("--rate", type=float, default=0.0, metavar="HZ", help="pace sending at HZ frames/s (default: as fast as possible)")
    ap.add_argument("--subscribers", type=int, default=1, help="wait for this many subscriptions before sending (default %(default)s)")
    ap.add_argument("--wait-timeout", type=float, default=10.0, metavar="S", help="give up if no subscriber within S seconds (default %(default)s)")
    ap.add_argument("--sndhwm", type=int, default=0, help="ZMQ_SNDHWM (default 0 = unlimited: never drop)")
    ap.add_argument("--linger-ms", type=int, default=5000, help="ZMQ_LINGER when closing (default %(default)s ms)")
    ap.add_argument("--dump", metavar="FILE", help="write what was sent as JSON lines")
    ap.add_argument("--record", metavar="FILE", help="also write a recording (.ftrec) of what was sent")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)

    import zmq  # only the transport needs pyzmq

    codec = fp.Codec()
    if args.generate is not None:
        if args.types == "all":
            types = [m.name for m in codec.schema.messages]
        elif args.types:
            types = [t.strip() for t in args.types.split(",") if t.strip()]
            unknown = [t for t in types if t not in codec.schema.by_name]
            if unknown:
                ap.error("unknown message type(s): %s" % ", ".join(unknown))
        else:
            types = [m.name for m in codec.schema.messages if m.category != "control"]

        def source():
            for name, hdr, body in generate(codec, args.generate, args.seed, args.robots, types,
                                            args.boot_epoch, args.start_ns, args.step_ns, args.flags):
                frame = codec.encode(name, body, **hdr)
                yield frame, fp.frame_to_json(codec.decode(frame))
        frames = source()
    else:
        frames = frames_from_lines(codec, args.input)

    ctx = zmq.Context()
    # XPUB rather than PUB: it hands us the subscribers' subscription messages, so we can wait for one.
    sock = ctx.socket(zmq.XPUB)
    sock.setsockopt(zmq.XPUB_VERBOSE, 1)  # pass every subscription through, not only the first per topic
    sock.setsockopt(zmq.SNDHWM, args.sndhwm)
    sock.setsockopt(zmq.LINGER, args.linger_ms)
    for e in args.connect or []:
        sock.connect(e)
    for e in args.bind or []:
        sock.bind(e)

    # ZeroMQ's "slow joiner": connect()/bind() return before the TCP connection and the ZMTP
    # handshake are done, and a PUB silently drops every message sent before a subscriber's
    # subscription has reached it. So we wait until the subscription itself arrives on the XPUB
    # socket: from then on the pipe to that subscriber exists and nothing is dropped (with
    # SNDHWM 0 there is also no high-water-mark drop).
    deadline = time.monotonic() + args.wait_timeout
    seen = 0
    while seen < args.subscribers:
        left = deadline - time.monotonic()
        if left <= 0 or not sock.poll(int(left * 1000), zmq.POLLIN):
            print("publish.py: no subscriber within %.1f s" % args.wait_timeout, file=sys.stderr)
            sock.close(0)
            ctx.term()
            return 2
        msg = sock.recv()
        if msg[:1] == b"\x01":
            seen += 1

    dump = open(args.dump, "w", encoding="utf-8") if args.dump else None
    rec_fh = open(args.record, "wb") if args.record else None
    recorder = fp.RecordingWriter(rec_fh, time.time_ns()) if rec_fh else None
    t0 = time.monotonic()
    t0_ns = time.monotonic_ns()
    period = 1.0 / args.rate if args.rate > 0 else 0.0
    sent = 0
    try:
        for frame, record in frames:
            if period:
                due = t0 + sent * period
                now = time.monotonic()
                if due > now:
                    time.sleep(due - now)
            sock.send(frame)
            if recorder:
                recorder.write(time.monotonic_ns() - t0_ns, frame)
            if dump:
                dump.write(json.dumps(record, allow_nan=False) + "\n")
            sent += 1
            # drain subscription traffic so it does not pile up
            while sock.poll(0, zmq.POLLIN):
                sock.recv()
    finally:
        if dump:
            dump.close()
        if rec_fh:
            rec_fh.close()
        sock.close(args.linger_ms)  # bounded: gives queued frames up to linger-ms to leave
        ctx.term()
    if not args.quiet:
        print("publish.py: sent %d frames in %.3f s" % (sent, time.monotonic() - t0), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
