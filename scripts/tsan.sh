#!/usr/bin/env bash
# Runs FleetRaceCheck under ThreadSanitizer: the frame ring between a producer and a consumer
# thread, the pipeline-to-writer queue between many threads, and a whole ingest service fed
# by pub-mode and reliable-mode robots on 127.0.0.1, each checked for what arrived.
# Usage: scripts/tsan.sh [FleetRaceCheck options...]   (e.g. --frames 20000 --ring-frames 1000000)
#
# A release build: in a debug build the standard library's raw-pointer loads and stores (the
# ring's slots) stay calls into libswiftCore, which is not instrumented, and a race on them
# goes unseen (a relaxed `tail` store in FrameRing was reported in release, not in debug).
# --sanitize=thread also compiles the C target CTSanMutex with TSan, which tells TSan about
# Synchronization.Mutex's contended path (see Sources/CTSanMutex/TSanMutex.c).
# Exits non-zero on the first TSan report (halt_on_error) or on any failed check.
set -euo pipefail
cd "$(dirname "$0")/.."
nice -n 19 swift build -c release --scratch-path .build-tsan --product FleetRaceCheck --sanitize=thread
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
exec nice -n 19 .build-tsan/release/FleetRaceCheck "$@"
