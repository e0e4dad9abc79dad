#!/usr/bin/env bash
# Prints the chunk codec's sizes (all variants) and encode/decode throughput on the
# simulator's frames, release build, one core. Not a test: numbers depend on the machine.
# Usage: scripts/codec-bench.sh [seconds per measurement, default 2]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --target FleetRunner >/dev/null
swift build -c release --target FleetStore >/dev/null
release=$(swift build -c release --show-bin-path)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/main.swift" <<'SWIFT'
import FleetStore
let seconds = Double(CommandLine.arguments.dropFirst().first ?? "2") ?? 2
let fleet = try SimulatedChunks.standard()
for (name, chunks) in [("sanitation", fleet.sanitation), ("humanoid", fleet.humanoid)] {
    for variant in ChunkCodec.measureVariants(lengthPrefixed: chunks) { print(name, variant) }
    print(name, ChunkCodec.measureThroughput(lengthPrefixed: chunks, minimumSeconds: seconds))
}
SWIFT
objects=()
for module in FleetProtocol FleetStore FleetSimulation FleetRunner FleetRobotClient ZeroMQ; do
    objects+=("$release/$module.build/"*.o)
done
swiftc -O -wmo -module-name CodecBench -I "$release/Modules" -I Sources/CZstd -I Sources/CZeroMQ \
    "$work/main.swift" Tests/FleetStoreTests/SimulatedChunks.swift "${objects[@]}" -lzstd -lzmq -o "$work/codec-bench"
"$work/codec-bench" "${1:-2}"
