#!/usr/bin/env bash
# Writes expected.json (Flink's own reading, via the oracle) beside every restore snapshot's
# _metadata, resolving relative handles against the directory Flink originally wrote to.
# Usage: testdata/generate/restore/oracle-snapshots.sh [VERSION...]
set -euo pipefail
cd "$(dirname "$0")/../../.."
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=($(ls testdata/restore | sed -n 's/^flink-//p'))
for v in "${versions[@]}"; do
  for s in testdata/restore/flink-"$v"/snapshots/*/snapshot.json; do
    dir=$(dirname "$s")
    rel=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metadata_dir"])' "$s")
    ptr=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["original_path"])' "$s")
    testdata/generate/oracle/run-oracle.sh "$v" "$dir/$rel/_metadata" "$ptr"
  done
done
