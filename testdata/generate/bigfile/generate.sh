#!/usr/bin/env bash
# Writes the large `_metadata` files the big-file benchmarks read, with Flink 1.20.3's own writer
# (src/BigfileGenerator.java), into bench-data/ at the repo root (git-ignored, never committed):
#
#   bench-data/big-10mb/_metadata    ~10 MB:   50 operators x  64 subtasks
#   bench-data/big-100mb/_metadata   ~100 MB: 200 operators x 128 subtasks
#   bench-data/big-1gb/_metadata     ~1 GB:   200 operators x 128 subtasks
#   bench-data/big-1000op/_metadata  ~200 MB: 1000 operators x 128 subtasks (only when named:
#                                    the HTML report's scale test, BENCHMARKS.md)
#
#   testdata/generate/bigfile/generate.sh              # all three (skips files already there)
#   testdata/generate/bigfile/generate.sh 10mb 100mb   # some of them
#   FORCE=1 testdata/generate/bigfile/generate.sh      # rewrite
#
# Deterministic: the same script writes the same bytes. Needs Java 17 and the Flink 1.20.3 jars
# (../flink-jars.sh fetches them once). Writing all three takes about a minute.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
dest="$repo/bench-data"
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(10mb 100mb 1gb)
for s in "${sizes[@]}"; do
  case "$s" in
    10mb)  args=(--operators 50 --parallelism 64 10M) ;;
    100mb) args=(--operators 200 --parallelism 128 100M) ;;
    1gb)   args=(--operators 200 --parallelism 128 1G) ;;
    1000op) args=(--operators 1000 --parallelism 128 200M) ;;
    *) echo "generate.sh: unknown size $s (10mb, 100mb, 1gb, 1000op)" >&2; exit 2 ;;
  esac
  f="$dest/big-$s/_metadata"
  if [ -f "$f" ] && [ -z "${FORCE:-}" ]; then
    echo "generate.sh: $f exists (FORCE=1 rewrites it)" >&2
    continue
  fi
  BIGFILE_JVM_OPTS="${BIGFILE_JVM_OPTS:--Xmx2g}" "$here/java.sh" BigfileGenerator "${args[@]}" "$f"
done
