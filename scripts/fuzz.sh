#!/usr/bin/env bash
# Fuzzes the frame decoder and the recording reader with libFuzzer + AddressSanitizer.
# Usage: scripts/fuzz.sh [RUNS] [extra libFuzzer flags...]   (default 10000000 runs)
# The corpus is seeded from Protocols/vectors (every valid and invalid frame, the recording).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10000000}"
shift || true
nice -n 19 swift build --scratch-path .build-fuzz --product FleetFuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
corpus=.build-fuzz/corpus
mkdir -p "$corpus"
python3 - "$corpus" <<'PY'
import json, sys, os, zlib, struct
out = sys.argv[1]
def save(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
for kind in ("valid", "invalid"):
    for entry in json.load(open("Protocols/vectors/%s.json" % kind)):
        if "hex" in entry:
            save("%s-%s" % (kind, entry["name"]), bytes.fromhex(entry["hex"]))
        else:  # a "generate" rule (README section 9)
            rule = entry["generate"]
            data = bytes.fromhex(rule["prefix_hex"])
            data += bytes([rule["fill_byte"]]) * (rule["length"] - len(data) - (4 if rule["append_crc"] else 0))
            if rule["append_crc"]:
                data += struct.pack("<I", zlib.crc32(data) & 0xFFFFFFFF)
            save("%s-%s" % (kind, entry["name"]), data)
save("recording", bytes.fromhex(json.load(open("Protocols/vectors/recording.json"))["hex"]))
PY
exec nice -n 19 .build-fuzz/debug/FleetFuzz -runs="$runs" -max_len=70000 -print_final_stats=1 "$@" "$corpus"
