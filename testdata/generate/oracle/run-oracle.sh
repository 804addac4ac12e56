#!/usr/bin/env bash
# Writes expected.json next to a _metadata file, using Flink's own reader of the given version
# (org.apache.flink.runtime.checkpoint.Checkpoints.loadCheckpointMetadata). Shape: CONTRACT.md.
#
#   testdata/generate/oracle/run-oracle.sh <flink-version> <path/to/_metadata> [<external-pointer-dir>]
#   testdata/generate/oracle/run-oracle.sh <flink-version> --all <dir>      # every _metadata below dir, one JVM
#   testdata/generate/oracle/run-oracle.sh <flink-version> --stdout <path/to/_metadata> [<pointer>]
#   testdata/generate/oracle/run-oracle.sh --testdata [<flink-version>...]
#       every testdata/flink-<v>/ with its own version (all present versions if none given)
#
# The external pointer (the directory RelativeFileStateHandles resolve against) defaults to the
# directory of _metadata; for files under testdata/flink-<v>/ it defaults to the matching
# /tmp/flinspect-fixtures/flink-<v>/ directory (where the snapshot was written, CONTRACT.md).
# Extra oracle options can be put before the file: --map LOCAL_PREFIX=POINTER_PREFIX.
#
# Compiles the oracle once per version into testdata/generate/cache/oracle-<ver>/ (git-ignored).
# Environment: JAVA_HOME (default: the system Java 17), ORACLE_JVM_OPTS (extra JVM options).
set -euo pipefail

if [ "${1:-}" = "--testdata" ]; then
  shift
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  repo="$(cd "$here/../../.." && pwd)"
  vers=("$@")
  if [ ${#vers[@]} -eq 0 ]; then
    for d in "$repo"/testdata/flink-*/; do [ -d "$d" ] && vers+=("$(basename "$d" | sed 's/^flink-//')"); done
  fi
  rc=0
  for v in "${vers[@]}"; do
    echo "== $v" >&2
    "$here/run-oracle.sh" "$v" --all "$repo/testdata/flink-$v" || rc=1
  done
  exit $rc
fi

ver="${1:?usage: run-oracle.sh <flink-version> [--all <dir> | <_metadata> [<pointer-dir>]]}"
shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gen="$(dirname "$here")"
repo="$(cd "$gen/../.." && pwd)"
cache="$gen/cache"

# shellcheck source=../java-env.sh
. "$gen/java-env.sh"
cp="$(flink_classpath "$ver")"

out="$cache/oracle-$ver"
src="$here/src/FlinkMetadataOracle.java"
mkdir -p "$cache"
(
  flock 8
  if [ ! -f "$out/FlinkMetadataOracle.class" ] || [ "$src" -nt "$out/FlinkMetadataOracle.class" ]; then
    rm -rf "$out.tmp"; mkdir -p "$out.tmp"
    "$JAVAC" -nowarn -encoding UTF-8 -cp "$cp" -d "$out.tmp" "$src" >&2
    rm -rf "$out"; mv "$out.tmp" "$out"
  fi
) 8>"$cache/.oracle-$ver.lock"

maps=()
for d in "$repo"/testdata/flink-*/; do
  [ -d "$d" ] || continue
  d="${d%/}"
  maps+=(--map "$d=/tmp/flinspect-fixtures/$(basename "$d")")
done

exec "$JAVA" \
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED \
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  -Dorg.apache.logging.log4j.level=WARN -Dlog4j2.level=WARN \
  ${ORACLE_JVM_OPTS:-} \
  -cp "$out:$cp" FlinkMetadataOracle "${maps[@]}" "$@"
