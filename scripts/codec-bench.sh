#!/usr/bin/env bash
# Prints the chunk codec's sizes (all variants) and encode/decode throughput on the
# simulator's frames, release build, one core. Not a test: numbers depend on the machine.
# Usage: scripts/codec-bench.sh [seconds per measurement, default 2] [--throughput]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --target FleetRunner >/dev/null
swift build -c release --target FleetStore >/dev/null
release=$(swift build -c release --show-bin-path)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# CODEC_BENCH_KEEP=path keeps the binary there (for perf).
cat >"$work/main.swift" <<'SWIFT'
import FleetStore
import Glibc

/// CPU time of this thread: the machine is shared, so wall-clock time would measure the load.
func threadSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}
let seconds = Double(CommandLine.arguments.dropFirst().first ?? "2") ?? 2
let fleet = try SimulatedChunks.standard()
let throughputOnly = CommandLine.arguments.contains("--throughput")
for (name, chunks) in [("sanitation", fleet.sanitation), ("humanoid", fleet.humanoid)] {
    if !throughputOnly {
        for variant in ChunkCodec.measureVariants(lengthPrefixed: chunks) { print(name, variant) }
        let worst = chunks.map { ChunkCodec.measure(lengthPrefixed: [$0]) }.max { $0.bytesPerSample < $1.bytesPerSample }!
        print(name, "worst chunk:", worst)
    }
    for level: Int32 in [1, 3] {
        let cpu = ChunkCodec.measureThroughput(
            lengthPrefixed: chunks, minimumSeconds: seconds, zstdLevel: level, seconds: threadSeconds)
        let wall = ChunkCodec.measureThroughput(lengthPrefixed: chunks, minimumSeconds: seconds, zstdLevel: level)
        print(name, "zstd-\(level) CPU time:", cpu)
        print(name, "zstd-\(level) wall clock:", wall)
    }
}
SWIFT
objects=()
for module in FleetProtocol FleetStore FleetSimulation FleetRunner FleetRobotClient ZeroMQ; do
    objects+=("$release/$module.build/"*.o)
done
swiftc -O -wmo -module-name CodecBench -I "$release/Modules" -I Sources/CZstd -I Sources/CZeroMQ \
    "$work/main.swift" Tests/FleetStoreTests/SimulatedChunks.swift "${objects[@]}" -lzstd -lzmq -o "$work/codec-bench"
if [[ -n "${CODEC_BENCH_KEEP:-}" ]]; then cp "$work/codec-bench" "$CODEC_BENCH_KEEP"; fi
"$work/codec-bench" "$@"
