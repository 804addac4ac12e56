#!/usr/bin/env bash
# The Flink 1.x -> 2.x upgrade ground truth (testdata/upgrade/, see its README.md): job v1 holding one
# operator per state shape (UpgradeShapes.java) takes a canonical HashMap savepoint on Flink 1.20.3;
# each target release then restores every shape alone from it, on HashMap and on RocksDB, reads
# every key's old value back and records what happened.
#
# Usage: testdata/generate/restore/upgrade/run-upgrade.sh                 (snapshot on 1.20.3, then restores
#                                                                           on 1.20.3 2.0.1 2.1.1 2.3.0)
#        STEP=restore testdata/generate/restore/upgrade/run-upgrade.sh 2.3.0    (restores only, one target)
#        STEP=restore CASES='kryo-.*' testdata/generate/restore/upgrade/run-upgrade.sh 2.1.1
#        STEP: all (default) | snapshot | oracle | restore ; CASES: regex over case names (<shape>-<backend>)
# Every step runs twice: without flink-avro on the class path (snapshot hashmap-canonical, every
# shape but Avro) and with it (snapshot hashmap-canonical-with-flink-avro, cases *-with-flink-avro:
# Avro, one Kryo shape and the POJO control), because flink-avro changes the Kryo registrations
# every KryoSerializer snapshot records.
# Needs: Java 17 (javac), Maven (flink-avro and Avro from Maven Central), the Flink jars
# (testdata/generate/flink-jars.sh). One MiniCluster at a time; ~10 s per case, 30 cases per release.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gen="$(cd "$here/../.." && pwd)"
repo="$(cd "$gen/../.." && pwd)"
out="$repo/testdata/upgrade"
source_version=1.20.3
step="${STEP:-all}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(1.20.3 2.0.1 2.1.1 2.3.0)
build_root="${UPGRADE_BUILD:-$gen/cache/upgrade-build}"

# flink-avro of the release (Maven Central has no 2.0.1: the 2.0.0 jar, on the 2.0.1 runtime)
avro_flink_version() {
  case "$1" in
    2.0.1) echo 2.0.0 ;;
    *) echo "$1" ;;
  esac
}

# flink-avro + Avro 1.11.4 (what every flink-avro 1.20 - 2.3 pom names) and Avro's Jackson
extra_jars() {
  local ver="$1" dir="$build_root/jars-$1"
  if [ ! -f "$dir/.complete" ]; then
    mkdir -p "$dir"
    for a in "org.apache.flink:flink-avro:$(avro_flink_version "$ver")" org.apache.avro:avro:1.11.4 \
             com.fasterxml.jackson.core:jackson-core:2.14.3 com.fasterxml.jackson.core:jackson-databind:2.14.3 \
             com.fasterxml.jackson.core:jackson-annotations:2.14.3; do
      mvn -q dependency:copy -Dartifact="$a:jar" -DoutputDirectory="$dir" >&2
    done
    touch "$dir/.complete"
  fi
  ls "$dir"/*.jar | tr '\n' ':'
}

opens=()
for p in java.base/java.util java.base/java.lang java.base/java.lang.reflect java.base/java.net \
         java.base/java.io java.base/java.nio java.base/sun.nio.ch java.base/java.util.concurrent \
         java.base/java.util.concurrent.atomic java.base/java.text java.base/java.time java.base/java.math \
         java.base/jdk.internal.misc java.management/sun.management java.base/java.security; do
  opens+=("--add-opens=$p=ALL-UNNAMED")
done

# run VERSION FLAVOUR ARGS...: FLAVOUR plain (no flink-avro) or avro (flink-avro and Avro on the class path)
run() {
  local ver="$1" flavour="$2"; shift 2
  local lib cp build extra
  lib="$("$gen/flink-jars.sh" "$ver")"
  extra="$(extra_jars "$ver")"
  cp="$(ls "$lib"/*.jar | grep -v -E 'table-planner|table-api-java-uber|flink-python' | tr '\n' ':')"
  build="$build_root/flink-$ver"
  rm -rf "$build/classes"
  mkdir -p "$build/classes"
  javac -nowarn -d "$build/classes" -cp "$cp$extra" "$here/UpgradeShapes.java" "$here/UpgradeAvroShape.java" "$here/UpgradeGroundTruth.java"
  [ "$flavour" = avro ] && cp="$cp$extra"
  echo "run-upgrade.sh: Flink $ver $flavour $* (log: $build/flink.log)" >&2
  java -Xmx1g "${opens[@]}" \
    -Dlog4j.configurationFile="$gen/restore/log4j2.properties" -Drestore.log.file="$build/flink.log" \
    -cp "$build/classes:$cp" UpgradeGroundTruth "$@"
}

mkdir -p "$out"
if [ "$step" = all ] || [ "$step" = snapshot ]; then
  run "$source_version" plain snapshot "$out"
  run "$source_version" avro snapshot "$out"
fi
# Flink's own reading of both savepoints: expected.json (the _metadata) and expected-states.json
# (every state header; the job's classes and flink-avro on the oracle's class path)
if [ "$step" = all ] || [ "$step" = snapshot ] || [ "$step" = oracle ]; then
  "$gen/flink-jars.sh" "$source_version" >/dev/null
  for snap in "$out"/snapshots/*/; do
    md="$(ls "$snap"/*/_metadata)"
    "$gen/oracle/run-oracle.sh" "$source_version" "$md"
    ORACLE_EXTRA_CP="$build_root/flink-$source_version/classes:$(extra_jars "$source_version")" \
      "$gen/oracle/run-states-oracle.sh" "$source_version" --stdout "$md" > "$(dirname "$md")/expected-states.json"
  done
fi
if [ "$step" = all ] || [ "$step" = restore ]; then
  for t in "${targets[@]}"; do
    run "$t" plain restore "$out" ${CASES:+"$CASES"}
    run "$t" avro restore "$out" ${CASES:+"$CASES"}
  done
fi
python3 "$here/summarize.py" --readme "$out"
