#!/usr/bin/env bash
# Regenerates the checkpoint/savepoint fixtures under testdata/flink-<version>/<case>/ by running
# real Flink (a local MiniCluster inside one JVM) with the job in testdata/generate/job/.
#
# Usage:  testdata/generate/generate.sh [VERSION...]
#         CASES="hashmap rocksdb-full" testdata/generate/generate.sh 1.20.3     (subset of cases)
#
# Needs: Java 17 (java + javac), Python 3 with pip (for `pip download apache-flink-libraries`).
# Caches jars and classes in testdata/generate/cache/ (git-ignored). Idempotent: every selected
# case is deleted and produced again. One MiniCluster at a time.
#
# Snapshots are written under the fixed prefix /tmp/flinspect-fixtures/flink-<version>/<case>/
# (absolute paths inside _metadata start with file:/tmp/flinspect-fixtures/) and copied to
# testdata/flink-<version>/<case>/. Then, for every _metadata, the oracle
# (testdata/generate/oracle/run-oracle.sh) writes expected.json next to it, if present.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
testdata="$(dirname "$here")"
cache="$here/cache"
prefix=/tmp/flinspect-fixtures
ALL_VERSIONS=(1.13.6 1.15.4 1.16.3 1.18.1 1.20.3 2.0.1 2.1.1 2.3.0)
mkdir -p "$cache/logs"

versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=("${ALL_VERSIONS[@]}")

# ver_ge A B: A >= B
ver_ge() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$2" ]; }

# The parallelism variants (maxpar256, op-maxpar, p3) are hashmap runs whose format is the same
# as the neighbouring versions'; to stay within the size budget they are skipped for 1.16.3 and
# 1.18.1 (1.20.3 covers metadata V4). Force them with CASES=... .
VARIANT_SKIP=" 1.16.3 1.18.1 "

cases_for() {
  local v="$1"
  local c=(hashmap rocksdb-full rocksdb-incremental)
  [[ "$VARIANT_SKIP" == *" $v "* ]] || c+=(maxpar256 op-maxpar p3)
  c+=(unaligned)
  ver_ge "$v" 1.15 && c+=(changelog)
  ver_ge "$v" 1.20 && c+=(file-merging file-merging-rocksdb)
  ver_ge "$v" 2.0 && c+=(forst)
  echo "${c[@]}"
}

case_args() {
  case "$1" in
    hashmap)             echo "--backend hashmap" ;;
    rocksdb-full)        echo "--backend rocksdb --incremental false --retained 1" ;;
    rocksdb-incremental) echo "--backend rocksdb --incremental true" ;;
    maxpar256)           echo "--backend hashmap --max-parallelism 256" ;;
    op-maxpar)           echo "--backend hashmap --op-max-parallelism 512" ;;
    p3)                  echo "--backend hashmap --parallelism 3" ;;
    unaligned)           echo "--backend hashmap --unaligned true" ;;
    changelog)           echo "--backend hashmap --changelog true --map-sleep-ms 10" ;;
    file-merging)        echo "--backend hashmap --file-merging true" ;;
    file-merging-rocksdb) echo "--backend rocksdb --incremental true --file-merging true --canonical-savepoint false --native-savepoint false" ;;  # checkpoints only: savepoints never merge files
    forst)               echo "--backend forst --incremental true --canonical-savepoint false" ;;  # ForSt: NATIVE only
    *) echo "unknown case $1" >&2; return 1 ;;
  esac
}

JAVA_OPENS=()
for p in java.base/java.util java.base/java.lang java.base/java.lang.reflect java.base/java.lang.invoke \
         java.base/java.net java.base/java.io java.base/java.nio java.base/sun.nio.ch \
         java.base/java.util.concurrent java.base/java.util.concurrent.atomic java.base/java.text \
         java.base/java.time java.base/java.math java.base/java.security java.base/jdk.internal.misc \
         java.base/sun.nio.cs java.base/sun.security.action java.management/sun.management \
         java.rmi/sun.rmi.transport java.sql/java.sql; do
  JAVA_OPENS+=(--add-opens "$p=ALL-UNNAMED")
done

failures=()
oracle="$here/oracle/run-oracle.sh"

for v in "${versions[@]}"; do
  echo "=== Flink $v"
  lib="$("$here/flink-jars.sh" "$v")" || { failures+=("$v: could not get jars"); continue; }
  major="${v%%.*}"
  build="$cache/build/$v"
  rm -rf "$build"; mkdir -p "$build"
  # shellcheck disable=SC2046
  if ! javac -nowarn -encoding UTF-8 -cp "$lib/*" -d "$build" \
        $(find "$here/job/src/common" "$here/job/src/v$major" -name '*.java') 2>"$cache/logs/javac-$v.log"; then
    cat "$cache/logs/javac-$v.log" >&2
    failures+=("$v: javac failed (see cache/logs/javac-$v.log)")
    continue
  fi
  if [ -n "${CASES:-}" ]; then sel=($CASES); else sel=($(cases_for "$v")); fi
  for c in "${sel[@]}"; do
    args="$(case_args "$c")" || { failures+=("$v/$c: unknown case"); continue; }
    if ver_ge "$v" 1.15; then sp="--native-savepoint true"; else sp="--legacy-savepoint-api true"; fi
    # 1.15-1.18: "Configured state backend (...ChangelogStateBackend...) does not support NATIVE savepoints"
    if [ "$c" = changelog ] && ! ver_ge "$v" 1.19; then sp="--native-savepoint false"; fi
    out="$prefix/flink-$v/$c"
    dest="$testdata/flink-$v/$c"
    logf="$cache/logs/run-$v-$c.log"
    rm -rf "$out" "$dest"
    echo "--- $v/$c ($args)"
    ok=0
    for attempt in 1 2; do
      # shellcheck disable=SC2086
      if timeout 300 java -Xmx1g "${JAVA_OPENS[@]}" \
          -Dlog4j.configurationFile="$here/job/log4j2.properties" \
          -cp "$build:$lib/*" flinspect.fixture.FixtureJob \
          --flink-version "$v" --case "$c" --out "$out" $sp $args >"$logf" 2>&1 \
          && [ -f "$out/case.json" ]; then
        ok=1; break
      fi
      echo "    attempt $attempt failed, see $logf" >&2
      rm -rf "$out"
    done
    if [ $ok -ne 1 ]; then
      err="$( (grep -E '^Caused by' "$logf" | sort -u | head -n 3; grep -E 'Exception' "$logf" | grep -v '^\s*at ' | tail -n 1) | tr '\n' ' ')"
      failures+=("$v/$c: $err")
      cp "$logf" "$cache/logs/FAILED-$v-$c.log"
      continue
    fi
    # drop checkpoint directories that never completed (no _metadata)
    find "$out" -maxdepth 2 -type d -name 'chk-*' | while read -r d; do
      [ -f "$d/_metadata" ] || rm -rf "$d"
    done
    mkdir -p "$dest"
    cp -a "$out/." "$dest/"
    find "$dest" -type d -empty -delete
    if [ -x "$oracle" ]; then
      find "$dest" -name _metadata | sort | while read -r m; do
        rel="${m#"$dest/"}"
        orig="$out/$(dirname "$rel")"
        "$oracle" "$v" "$m" "$orig" >>"$cache/logs/oracle-$v-$c.log" 2>&1 \
          || echo "    oracle failed for $m (see cache/logs/oracle-$v-$c.log)" >&2
      done
    else
      echo "    (no oracle at $oracle yet; expected.json not written)" >&2
    fi
    echo "    ok: $(du -sh "$dest" | cut -f1), $(find "$dest" -name _metadata | wc -l) _metadata"
  done
done

echo
if [ ${#failures[@]} -gt 0 ]; then
  echo "NOT PRODUCED:"
  printf '  %s\n' "${failures[@]}"
  exit 1
fi
echo "all selected cases produced"
