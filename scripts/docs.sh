#!/usr/bin/env bash
# Builds the DocC documentation of the library targets that have a catalog and fails on any
# DocC warning (a symbol link that no longer resolves, a missing article).
# Usage: scripts/docs.sh            archives in .build/plugins/Swift-DocC/outputs/
set -euo pipefail
cd "$(dirname "$0")/.."
targets=$(find Sources Simulators -maxdepth 2 -name '*.docc' -type d | awk -F/ '{print $2}' | sort -u)
status=0
for target in $targets; do
    log=$(mktemp)
    swift package --disable-sandbox generate-documentation --target "$target" >"$log" 2>&1 || status=1
    if grep -q "warning: '" "$log"; then
        grep -A4 "warning: '" "$log"
        status=1
    fi
    echo "docs: $target $( [ $status -eq 0 ] && echo ok || echo FAILED )"
    rm -f "$log"
done
exit $status
