#!/usr/bin/env bash
# Writes expected-states.json next to every _metadata of the committed fixtures: Flink's own
# reading (KeyedBackendSerializationProxy, OperatorBackendSerializationProxy and every snapshot
# class's readSnapshot) of the header of each managed state stream the snapshot references.
# Shape: ../CONTRACT.md ("expected-states.json").
#
#   testdata/generate/oracle/run-states-oracle.sh [<flink-version>...]     # default: every version present
#   testdata/generate/oracle/run-states-oracle.sh <flink-version> --stdout <path/to/_metadata>
#
# One JVM per version, over testdata/flink-<v>/, testdata/restore/flink-<v>/, testdata/sql/flink-<v>/
# and testdata/sql/plan/flink-<v>/ (where present). Recorded paths are mapped back from where
# the generators wrote them (/tmp/flinspect-fixtures/, /tmp/flinspect-restore/,
# /tmp/flinspect-sql/, /tmp/flinspect-plan/; testdata/remote/'s checkpoints Flink wrote to S3
# itself, at s3p://flink/fixtures/…, are read from their local copy). Compiles into testdata/generate/cache/oracle-states-<ver>/
# (git-ignored) against every jar of the release's lib/ (table runtime serializers need
# flink-table-runtime and the table API jars). ORACLE_EXTRA_CP: more class path entries for the
# reading (a job's own serializer snapshot classes, flink-avro: testdata/upgrade, see run-upgrade.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gen="$(dirname "$here")"
repo="$(cd "$gen/../.." && pwd)"
cache="$gen/cache"
# shellcheck source=../java-env.sh
. "$gen/java-env.sh"

run_version() {
  local ver="$1"; shift
  local lib out srcs
  lib="$("$gen/flink-jars.sh" "$ver")"
  out="$cache/oracle-states-$ver"
  srcs=("$here/src/FlinkStateMetaOracle.java" "$here/src/FlinkMetadataOracle.java")
  mkdir -p "$cache"
  (
    flock 8
    if [ ! -f "$out/FlinkStateMetaOracle.class" ] || [ "${srcs[0]}" -nt "$out/FlinkStateMetaOracle.class" ] \
       || [ "${srcs[1]}" -nt "$out/FlinkStateMetaOracle.class" ]; then
      rm -rf "$out.tmp"; mkdir -p "$out.tmp"
      "$JAVAC" -nowarn -encoding UTF-8 -cp "$lib/*" -d "$out.tmp" "${srcs[@]}" >&2
      rm -rf "$out"; mv "$out.tmp" "$out"
    fi
  ) 8>"$cache/.oracle-states-$ver.lock"
  local maps=(
    --map "$repo/testdata/flink-$ver=/tmp/flinspect-fixtures/flink-$ver"
    --map "$repo/testdata/restore/flink-$ver=/tmp/flinspect-restore/flink-$ver"
    --map "$repo/testdata/sql/flink-$ver=/tmp/flinspect-sql/flink-$ver"
    --map "$repo/testdata/sql/plan/flink-$ver=/tmp/flinspect-plan/flink-$ver"
    --map "$repo/testdata/remote/flink-$ver/s3-presto=s3p://flink/fixtures/flink-$ver/s3-presto"
  )
  "$JAVA" \
    --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
    --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
    --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED \
    --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
    -Xmx512m -Dorg.apache.logging.log4j.level=WARN -Dlog4j2.level=WARN \
    ${ORACLE_JVM_OPTS:-} \
    -cp "$out:$lib/*${ORACLE_EXTRA_CP:+:$ORACLE_EXTRA_CP}" FlinkStateMetaOracle "${maps[@]}" "$@"
}

if [ "${2:-}" = "--stdout" ]; then
  run_version "$1" --stdout "$3"
  exit
fi
vers=("$@")
if [ ${#vers[@]} -eq 0 ]; then
  for d in "$repo"/testdata/flink-*/ "$repo"/testdata/restore/flink-*/ "$repo"/testdata/sql/flink-*/ "$repo"/testdata/sql/plan/flink-*/; do
    [ -d "$d" ] && vers+=("$(basename "$d" | sed 's/^flink-//')")
  done
  mapfile -t vers < <(printf '%s\n' "${vers[@]}" | sort -uV)
fi
rc=0
for v in "${vers[@]}"; do
  echo "== $v" >&2
  dirs=()
  for d in "$repo/testdata/flink-$v" "$repo/testdata/restore/flink-$v" "$repo/testdata/sql/flink-$v" "$repo/testdata/sql/plan/flink-$v" "$repo/testdata/remote/flink-$v"; do
    [ -d "$d" ] && dirs+=("$d")
  done
  run_version "$v" --all "${dirs[@]}" || rc=1
done
exit $rc
