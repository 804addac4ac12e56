#!/usr/bin/env bash
# Restore ground truth for flinspect: runs job v1 on a local Flink MiniCluster, takes snapshots,
# restores job variants from them and records what Flink did under testdata/restore/flink-<ver>/.
#
# Usage: testdata/generate/restore/run-restore.sh [VERSION...]        (default: 2.3.0 1.20.3 1.13.6)
#        STEP=cases CASES='uid-renamed.*' testdata/generate/restore/run-restore.sh 2.3.0
#          STEP: all (default) | snapshots | cases | spa-source (only snapshots/hashmap-canonical, the
#          source of testdata/generate/spa/run-spa.sh) | unaligned (only snapshots/unaligned-checkpoint,
#          the back-pressured unaligned checkpoint the ua-* cases restore) | ha (snapshots/ha-checkpoint
#          under ZooKeeper HA, then the ha-* cases, restored from the HA store) | ha-snapshot | ha-cases |
#          forst (2.x: only the forst-native and forst-checkpoint snapshots, plus the hashmap-* and
#          rocksdb-* ones where the version has none yet) ;
#          nouid (snapshots/nouid-canonical: v1 without the keyed uid, then the nouid-* cases) ;
#          CASES: regex over case names (cases, ha and nouid steps)
#        STEP=unaligned testdata/generate/restore/run-restore.sh 1.20.3 && \
#          STEP=cases CASES='ua-.*' testdata/generate/restore/run-restore.sh 1.20.3
#        STEP=forst testdata/generate/restore/run-restore.sh 2.3.0 && \
#          STEP=cases CASES='(unchanged|backend)-.*forst.*(?<!-allow)' testdata/generate/restore/run-restore.sh 2.3.0
# Needs: Java 11+ (javac), python3 + pip only when the Flink jars are not cached yet.
# Runs one MiniCluster at a time; ~10 min per version.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gen="$(cd "$here/.." && pwd)"
repo="$(cd "$gen/../.." && pwd)"
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(2.3.0 1.20.3 1.13.6)
step="${STEP:-all}"

jars() {
  local ver="$1"
  if [ -x "$gen/flink-jars.sh" ]; then
    "$gen/flink-jars.sh" "$ver"
    return
  fi
  # fallback: extract apache-flink-libraries (PyPI) ourselves
  local dest="$gen/cache/flink-$ver" cache="$gen/cache/pypi/$ver"
  if ! compgen -G "$dest/lib/flink-dist*.jar" >/dev/null; then
    local a
    a="$(ls /work/cache/pypi/"$ver"/apache[-_]flink[-_]libraries-"$ver"* "$cache"/apache[-_]flink[-_]libraries-"$ver"* 2>/dev/null | head -n1 || true)"
    if [ -z "$a" ]; then
      mkdir -p "$cache"
      python3 -m pip download --no-deps -d "$cache" "apache-flink-libraries==$ver" >&2
      a="$(ls "$cache"/apache[-_]flink[-_]libraries-"$ver"* | head -n1)"
    fi
    mkdir -p "$dest/lib"
    case "$a" in
      *.whl) (cd "$dest/lib" && unzip -q -o -j "$a" 'pyflink/lib/*.jar') ;;
      *) tar -xzf "$a" -C "$dest/lib" --strip-components=3 --wildcards "*/deps/lib/*.jar" ;;
    esac
  fi
  echo "$dest/lib"
}

opens=()
for p in java.base/java.util java.base/java.lang java.base/java.lang.reflect java.base/java.net \
         java.base/java.io java.base/java.nio java.base/sun.nio.ch java.base/java.util.concurrent \
         java.base/java.util.concurrent.atomic java.base/java.text java.base/java.time java.base/java.math \
         java.base/jdk.internal.misc java.management/sun.management java.base/java.security; do
  opens+=("--add-opens=$p=ALL-UNNAMED")
done

for ver in "${versions[@]}"; do
  lib="$(jars "$ver")"
  cp="$(ls "$lib"/*.jar | grep -v -E 'table-planner|table-api-java-uber|flink-python' | tr '\n' ':')"
  build="${RESTORE_BUILD_DIR:-$gen/cache/restore-build}/flink-$ver"
  rm -rf "$build/classes"
  mkdir -p "$build/classes"
  javac -nowarn -d "$build/classes" -cp "$cp" "$here/src/RestoreGroundTruth.java"
  out="$repo/testdata/restore/flink-$ver"
  if [ "$step" = all ]; then
    rm -rf "$out" "/tmp/flinspect-restore/flink-$ver"
  fi
  mkdir -p "$out"
  echo "run-restore.sh: Flink $ver -> $out (log: $build/flink.log)" >&2
  java -Xmx1g "${opens[@]}" \
    -Dlog4j.configurationFile="$here/log4j2.properties" -Drestore.log.file="$build/flink.log" \
    -cp "$build/classes:$cp" RestoreGroundTruth "$out" "$step" ${CASES:+"$CASES"}
done

python3 "$here/summarize.py" "$repo/testdata/restore"
