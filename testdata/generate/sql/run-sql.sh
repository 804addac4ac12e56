#!/usr/bin/env bash
# Usage: testdata/generate/sql/run-sql.sh RELEASE...
# Runs testdata/sql/job.sql on a local MiniCluster of each Flink release and stores one canonical
# savepoint in testdata/sql/flink-RELEASE/ (replacing the previous one), with Flink's own reading
# of it (expected.json, testdata/generate/oracle/). Needs the companion built
# for the release (mvn -f jvm/pom.xml -Dflink.version=RELEASE package), java and javac 17.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
opens=()
for p in java.base/java.util java.base/java.lang java.base/java.lang.reflect java.base/java.lang.invoke \
         java.base/java.net java.base/java.io java.base/java.nio java.base/sun.nio.ch \
         java.base/java.util.concurrent java.base/java.util.concurrent.atomic java.base/java.text \
         java.base/java.time java.base/java.math java.base/java.security java.base/jdk.internal.misc \
         java.base/sun.nio.cs java.base/sun.security.action java.management/sun.management \
         java.rmi/sun.rmi.transport java.sql/java.sql; do
  opens+=("--add-opens=$p=ALL-UNNAMED")
done
for v in "$@"; do
  lib="$("$root/testdata/generate/flink-jars.sh" "$v")"
  companion="$root/jvm/companion/target/flink-$v/flinspect-companion.jar"
  [ -f "$companion" ] || { echo "no $companion: mvn -f jvm/pom.xml -Dflink.version=$v package" >&2; exit 1; }
  build="$root/testdata/generate/cache/sql-build/$v"
  rm -rf "$build"; mkdir -p "$build"
  cp="$companion:$lib/*"
  javac -d "$build" -cp "$cp" "$here/SqlGroundTruth.java"
  tmp="/tmp/flinspect-sql/flink-$v"
  rm -rf "$tmp"; mkdir -p "$tmp"
  sp="$(java -Xmx1g "${opens[@]}" -Dlog4j2.configurationFile="$root/testdata/generate/job/log4j2.properties" \
        -cp "$build:$cp" SqlGroundTruth "$root/testdata/sql/job.sql" "$tmp" | tail -n1)"
  sp="${sp#file:}"
  out="$root/testdata/sql/flink-$v"
  rm -rf "$out"; mkdir -p "$out"
  cp -r "$sp" "$out/"
  # Flink's own reading of it, as for every _metadata in testdata/ (tests/oracle.rs)
  "$root/testdata/generate/oracle/run-oracle.sh" "$v" "$out/$(basename "$sp")/_metadata" "$sp"
  echo "$v: $(basename "$sp") -> $out"
done
