#!/usr/bin/env bash
# Writes testdata/serializers/flink-<v>/{snapshots.bin,expected.json}: serializer snapshots of the
# type shapes the fixture job does not use, written and read back by Flink's own classes
# (src/SerializerZoo.java). One JVM per version.
#
#   testdata/generate/oracle/run-serializer-zoo.sh [<flink-version>...]   # default: every testdata/flink-<v>
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gen="$(dirname "$here")"
repo="$(cd "$gen/../.." && pwd)"
cache="$gen/cache"
# shellcheck source=../java-env.sh
. "$gen/java-env.sh"
vers=("$@")
if [ ${#vers[@]} -eq 0 ]; then
  for d in "$repo"/testdata/flink-*/; do vers+=("$(basename "$d" | sed 's/^flink-//')"); done
fi
for ver in "${vers[@]}"; do
  lib="$("$gen/flink-jars.sh" "$ver")"
  out="$cache/serializer-zoo-$ver"
  rm -rf "$out"; mkdir -p "$out"
  "$JAVAC" -nowarn -encoding UTF-8 -cp "$lib/*" -d "$out" \
    "$here/src/SerializerZoo.java" "$here/src/FlinkStateMetaOracle.java" "$here/src/FlinkMetadataOracle.java" >&2
  "$JAVA" --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
    -Xmx512m -Dorg.apache.logging.log4j.level=WARN -Dlog4j2.level=WARN \
    -cp "$out:$lib/*" SerializerZoo "$repo/testdata/serializers/flink-$ver"
done
