#!/usr/bin/env python3
"""Debugging subscriber: receive Fleet Telemetry frames, decode, print (needs pyzmq).

Prints one JSON line per valid frame on stdout (same representation as
publish.py --dump), one JSON line per invalid frame on stderr, and a summary
on stderr at the end: frames received, valid, errors by code, per-sender
received counts and sequence gaps.

Examples:
  /usr/bin/python3 subscribe.py --bind tcp://127.0.0.1:5556 --count 1000 --timeout 30
  /usr/bin/python3 subscribe.py --connect tcp://robot7:5556 --topic 46540101     # sanitation_state only

Exit status: 0; 1 if --count frames did not arrive before --timeout.
"""

import argparse
import json
import os
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet_protocol as fp  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--connect", metavar="ENDPOINT", action="append", default=[], help="connect (repeatable)")
    ap.add_argument("--bind", metavar="ENDPOINT", action="append", default=[], help="bind (repeatable)")
    ap.add_argument("--topic", default="4654", metavar="HEX",
                    help="subscription prefix in hex (default 4654 = 'FT', every version; "
                         "465401 = v1 only; 46540101 = sanitation_state only)")
    ap.add_argument("--count", type=int, default=0, metavar="N", help="stop after N messages (valid or not)")
    ap.add_argument("--timeout", type=float, default=0.0, metavar="S", help="stop after S seconds in total")
    ap.add_argument("--quiet", action="store_true", help="no per-frame output, summary only")
    ap.add_argument("--summary-json", action="store_true", help="summary as one JSON object on stderr")
    args = ap.parse_args(argv)
    if not args.connect and not args.bind:
        ap.error("give --connect and/or --bind")

    import zmq

    codec = fp.Codec()
    ctx = zmq.Context()
    sock = ctx.socket(zmq.SUB)
    sock.setsockopt(zmq.RCVHWM, 0)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.SUBSCRIBE, bytes.fromhex(args.topic))
    for e in args.bind:
        sock.bind(e)
    for e in args.connect:
        sock.connect(e)

    received = valid = 0
    errors = Counter()
    by_type = Counter()
    senders = {}  # (robot_id, boot_epoch) -> [received, next expected, gaps, missing]
    deadline = time.monotonic() + args.timeout if args.timeout > 0 else None
    out = sys.stdout
    try:
        while not args.count or received < args.count:
            timeout_ms = -1
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                timeout_ms = max(1, int(left * 1000))
            if not sock.poll(timeout_ms, zmq.POLLIN):
                continue
            parts = sock.recv_multipart()
            received += 1
            if len(parts) != 1:
                errors["multipart"] += 1
                if not args.quiet:
                    print(json.dumps({"error": {"code": "multipart", "parts": len(parts)}}), file=sys.stderr)
                continue
            frame = parts[0]
            try:
                decoded = codec.decode(frame)
            except fp.ProtocolError as e:
                errors[e.code] += 1
                if not args.quiet:
                    print(json.dumps({"error": e.to_dict(), "length": len(frame), "head_hex": frame[:32].hex()}),
                          file=sys.stderr)
                continue
            valid += 1
            h = decoded.header
            by_type[decoded.message] += 1
            st = senders.setdefault((h["robot_id"], h["boot_epoch"]), [0, 0, 0, 0])
            st[0] += 1
            if h["sequence"] > st[1]:
                st[2] += 1
                st[3] += h["sequence"] - st[1]
            st[1] = max(st[1], h["sequence"] + 1)
            if not args.quiet:
                out.write(json.dumps(fp.frame_to_json(decoded), allow_nan=False) + "\n")
                out.flush()
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
        ctx.term()

    summary = {
        "received": received, "valid": valid, "errors": dict(errors), "by_type": dict(by_type),
        "senders": [{"robot_id": r, "boot_epoch": b, "received": s[0], "gaps": s[2], "missing": s[3]}
                    for (r, b), s in sorted(senders.items())],
    }
    if args.summary_json:
        print(json.dumps(summary), file=sys.stderr)
    else:
        print("subscribe.py: %d received, %d valid, errors %s" % (received, valid, dict(errors) or "none"),
              file=sys.stderr)
        for s in summary["senders"]:
            print("  robot %(robot_id)d epoch %(boot_epoch)d: %(received)d frames, %(gaps)d gaps, "
                  "%(missing)d missing" % s, file=sys.stderr)
    return 1 if args.count and received < args.count else 0


if __name__ == "__main__":
    sys.exit(main())
