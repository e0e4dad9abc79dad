#!/usr/bin/python3
"""Feeds a recording (.ftrec) into InfluxDB 1.6: the peer `fleet bench --sustained`
measures ours against in numeric samples per second.

Starts Debian's influxd in a temporary folder with a generated config (free ports,
no reporting, meta/data/wal in that folder), creates a database, and writes every
frame as one line-protocol point (measurement = message type, tag robot, every
numeric field; arrays as name_0, name_1, ...; enums and bools as integers) over
HTTP in batches of --batch points. The lines are built before the clock starts:
what is timed is InfluxDB accepting them. Prints one JSON line: frames, seconds,
frames/s, samples/s; {"error": ...} where influxd cannot run.

    /usr/bin/python3 Benchmarks/peers/influx_feed.py --recording run.ftrec \\
        --workdir /tmp/influx-bench --protocols Protocols/python
"""

import argparse
import http.client
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def field_text(name, value, enum_value):
    if isinstance(value, bool):
        return "%s=%di" % (name, int(value))
    if isinstance(value, int):
        return "%s=%di" % (name, value)
    if isinstance(value, float):
        return "%s=%r" % (name, value) if math.isfinite(value) else None
    if isinstance(value, str):
        return "%s=%di" % (name, enum_value(value))
    return None


def lines_for(frames, codec):
    """Line protocol per frame, and the numeric samples written."""
    lines = []
    samples = 0
    for frame in frames:
        message = codec.schema.by_name[frame.message]
        enums = {f.name: f.enum_by_name for f in message.value_fields if f.enum_by_name}
        fields = []
        for name, value in frame.body.items():
            values = value if isinstance(value, list) else [value]
            for index, item in enumerate(values):
                key = "%s_%d" % (name, index) if isinstance(value, list) else name
                text = field_text(key, item, lambda v, n=name: enums[n][v])
                if text is not None:
                    fields.append(text)
        samples += len(fields)
        lines.append("%s,robot=%d %s %d" % (frame.message, frame.header["robot_id"], ",".join(fields),
                                            frame.header["timestamp_ns"]))
    return lines, samples


def wait_for_ping(port, process, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/ping")
            if connection.getresponse().status == 204:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recording", required=True)
    parser.add_argument("--workdir", required=True, help="temporary folder for influxd (removed after)")
    parser.add_argument("--protocols", default="Protocols/python", help="folder holding the fleet_protocol package")
    parser.add_argument("--batch", type=int, default=5000, help="points per HTTP write")
    parser.add_argument("--influxd", default="/usr/bin/influxd")
    args = parser.parse_args()

    if not os.access(args.influxd, os.X_OK):
        print(json.dumps({"error": "no %s (apt-get install influxdb)" % args.influxd}))
        return 0
    sys.path.insert(0, args.protocols)
    import fleet_protocol as fp

    codec = fp.default_codec()
    frames = [fp.decode(frame) for _, frame in fp.read_recording(args.recording).records]
    lines, samples = lines_for(frames, codec)
    batches = ["\n".join(lines[i:i + args.batch]).encode() for i in range(0, len(lines), args.batch)]

    os.makedirs(args.workdir, exist_ok=True)
    http_port, rpc_port = free_port(), free_port()
    config = os.path.join(args.workdir, "influxdb.conf")
    with open(config, "w") as fh:
        fh.write("""reporting-disabled = true
bind-address = "127.0.0.1:%(rpc)d"
[meta]
  dir = "%(dir)s/meta"
[data]
  dir = "%(dir)s/data"
  wal-dir = "%(dir)s/wal"
  query-log-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:%(http)d"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
""" % {"rpc": rpc_port, "http": http_port, "dir": args.workdir})
    log = open(os.path.join(args.workdir, "influxd.log"), "w")
    process = subprocess.Popen([args.influxd, "-config", config], stdout=log, stderr=log)
    try:
        if not wait_for_ping(http_port, process, 60):
            print(json.dumps({"error": "influxd did not answer /ping on port %d" % http_port}))
            return 0
        connection = http.client.HTTPConnection("127.0.0.1", http_port, timeout=120)
        connection.request("POST", "/query?" + urllib.parse.urlencode({"q": "CREATE DATABASE bench"}))
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            print(json.dumps({"error": "CREATE DATABASE answered %d" % response.status}))
            return 0
        started = time.monotonic()
        for body in batches:
            connection.request("POST", "/write?db=bench&precision=ns", body=body,
                               headers={"Content-Type": "text/plain"})
            response = connection.getresponse()
            text = response.read()
            if response.status != 204:
                print(json.dumps({"error": "write answered %d: %s" % (response.status, text[:200].decode(errors="replace"))}))
                return 0
        seconds = time.monotonic() - started
        print(json.dumps({
            "frames": len(lines), "samples": samples, "seconds": seconds,
            "frames_per_s": len(lines) / seconds, "samples_per_s": samples / seconds,
        }))
        return 0
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        shutil.rmtree(args.workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
