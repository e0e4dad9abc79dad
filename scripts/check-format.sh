#!/usr/bin/env bash
# Checks that every Swift file is formatted as .swift-format says; lints too.
# Usage: scripts/check-format.sh [--fix]
set -euo pipefail
cd "$(dirname "$0")/.."

files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(git ls-files -z --cached --others --exclude-standard '*.swift')

if [[ "${1:-}" == "--fix" ]]; then
    swift format format --parallel --in-place "${files[@]}"
    echo "formatted ${#files[@]} files"
    exit 0
fi

status=0
for f in "${files[@]}"; do
    if ! diff -q <(swift format format "$f") "$f" >/dev/null; then
        echo "not formatted: $f (run scripts/check-format.sh --fix)"
        status=1
    fi
done
swift format lint --strict --parallel "${files[@]}" || status=1
if [[ $status -eq 0 ]]; then echo "format: ${#files[@]} files ok"; fi
exit $status
