#!/usr/bin/env bash
# Savepoints written by the real State Processor API, for flinspect's restore ground truth.
# Starting from testdata/restore/flink-<ver>/snapshots/hashmap-canonical/ (job v1's canonical HashMap
# savepoint, copied back to /tmp/flinspect-restore/flink-<ver>/snapshots/ where it was written), the
# Java program src/SpaSavepoints.java writes snapshots/spa-uid-repair, spa-bootstrap and spa-removed
# with org.apache.flink.state.api.SavepointWriter, copies them to testdata/restore/flink-<ver>/snapshots/,
# runs the oracle on each _metadata and prints its metadata version and last bytes.
#
# Usage: testdata/generate/spa/run-spa.sh [VERSION...]            (default: 2.3.0 1.20.3)
# Then:  STEP=cases CASES='spa-.*' testdata/generate/restore/run-restore.sh VERSION...
# A version without restore snapshots first needs its hashmap-canonical savepoint:
#         STEP=spa-source testdata/generate/restore/run-restore.sh VERSION
#         testdata/generate/restore/oracle-snapshots.sh VERSION
# A full run-restore.sh VERSION (STEP=all) deletes testdata/restore/flink-VERSION/, spa-* included:
# run this script and the spa-* cases again after it.
#
# Needs: Java 17 (javac), Maven (`mvn dependency:copy` of org.apache.flink:flink-state-processor-api,
# which is not part of the PyPI apache-flink-libraries distribution) and what flink-jars.sh needs.
# The state processor API jar of the same version is used; where Maven Central has no artifact for
# that patch release, the newest published one of the same minor release (table below), run against
# the Flink runtime of the version itself.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gen="$(cd "$here/.." && pwd)"
repo="$(cd "$gen/../.." && pwd)"
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(2.3.0 1.20.3)

# Maven Central has no flink-state-processor-api 1.20.1-1.20.3, 2.0.1, 2.1.1 (HTTP 404).
spa_version() {
  case "$1" in
    1.20.3) echo 1.20.0 ;;
    2.0.1) echo 2.0.0 ;;
    2.1.1) echo 2.1.0 ;;
    *) echo "$1" ;;
  esac
}

# shellcheck source=../java-env.sh
. "$gen/java-env.sh"

opens=()
for p in java.base/java.util java.base/java.lang java.base/java.lang.reflect java.base/java.net \
         java.base/java.io java.base/java.nio java.base/sun.nio.ch java.base/java.util.concurrent \
         java.base/java.util.concurrent.atomic java.base/java.text java.base/java.time java.base/java.math \
         java.base/jdk.internal.misc java.management/sun.management java.base/java.security; do
  opens+=("--add-opens=$p=ALL-UNNAMED")
done

for ver in "${versions[@]}"; do
  out="$repo/testdata/restore/flink-$ver"
  if [ ! -f "$out/snapshots/hashmap-canonical/snapshot.json" ]; then
    echo "run-spa.sh: $out/snapshots/hashmap-canonical missing (run testdata/generate/restore/run-restore.sh $ver first)" >&2
    exit 1
  fi
  lib="$("$gen/flink-jars.sh" "$ver")"
  sv="$(spa_version "$ver")"
  mdir="$gen/cache/maven/$sv"
  jar="$mdir/flink-state-processor-api-$sv.jar"
  if [ ! -f "$jar" ]; then
    mvn -q -B dependency:copy -Dartifact="org.apache.flink:flink-state-processor-api:$sv:jar" \
      -DoutputDirectory="$mdir" >&2
  fi
  cp="$(ls "$lib"/*.jar | grep -v -E 'table-planner|table-api-java-uber|flink-python' | tr '\n' ':')$jar"
  build="$gen/cache/spa-build/flink-$ver"
  rm -rf "$build/classes"
  mkdir -p "$build/classes"
  "$JAVAC" -nowarn -encoding UTF-8 -d "$build/classes" -cp "$cp" \
    "$gen/restore/src/RestoreGroundTruth.java" "$here/src/SpaSavepoints.java"
  echo "run-spa.sh: Flink $ver, state processor API $sv -> $out/snapshots (log: $build/flink.log)" >&2
  "$JAVA" -Xmx1g "${opens[@]}" \
    -Dlog4j.configurationFile="$gen/restore/log4j2.properties" -Drestore.log.file="$build/flink.log" \
    -cp "$build/classes:$cp" SpaSavepoints "$out"
  for name in spa-uid-repair spa-bootstrap spa-removed; do
    s="$out/snapshots/$name/snapshot.json"
    rel=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metadata_dir"])' "$s")
    ptr=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["original_path"])' "$s")
    md="$out/snapshots/$name/$rel/_metadata"
    "$gen/oracle/run-oracle.sh" "$ver" "$md" "$ptr"
    python3 - "$md" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
v = struct.unpack(">i", b[4:8])[0]
tail = b[-5:]
print(f"{sys.argv[1]}: {len(b)} bytes, metadata version {v}, last 5 bytes {tail.hex(' ')}"
      + (" (Java serialization stream header + TC_NULL)" if tail == b"\xac\xed\x00\x05\x70" else ""))
PY
  done
done
