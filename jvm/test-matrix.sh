#!/usr/bin/env bash
# Usage: jvm/test-matrix.sh [RELEASE...]
# Builds the graph companion and the example jobs for each Flink release (Maven, -Dflink.version)
# and runs `cargo test --test graph` against that release's jars (PyPI apache-flink-libraries,
# via testdata/generate/flink-jars.sh): OperatorIDs, chains and max parallelism against the real
# graph.json files and snapshots in testdata/ (testdata/sql/plan/ for compiled plans). One release
# at a time (-T1, -j2); prints one result line per release and a summary, and exits non-zero when
# any release failed.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
releases=("$@")
[ ${#releases[@]} -gt 0 ] || releases=(1.15.4 1.16.3 1.18.1 1.20.3 2.0.1 2.1.1 2.3.0)
logdir="$root/target/graph-matrix"
mkdir -p "$logdir"
cd "$root"
cargo test -j2 --test graph --no-run >"$logdir/build.log" 2>&1 || { echo "cargo test build failed: $logdir/build.log"; exit 1; }
failed=0
summary=()
for v in "${releases[@]}"; do
  start=$(date +%s)
  if FLINSPECT_GRAPH_VERSIONS="$v" cargo test -j2 --test graph -- --nocapture >"$logdir/$v.log" 2>&1; then
    status=pass
  else
    status=FAIL
    failed=1
  fi
  secs=$(( $(date +%s) - start ))
  fixture=$(grep -o 'fixture cases checked: .*' "$logdir/$v.log" | sed 's/fixture cases checked: //' | wc -w)
  restore=$(grep -o 'restore cases checked: .*' "$logdir/$v.log" | sed 's/restore cases checked: //' | wc -w)
  plan=$(grep -q "compiled plans checked: $v " "$logdir/$v.log" && echo checked || echo none)
  line="$v: $status in ${secs}s (fixture cases: $fixture, restore cases: $restore, compiled plan: $plan; log $logdir/$v.log)"
  echo "$line"
  summary+=("$line")
done
echo "---"
printf '%s\n' "${summary[@]}"
exit $failed
