#!/usr/bin/env bash
# Usage: testdata/generate/sql/run-plan.sh RELEASE...
# For each Flink release: Flink's own COMPILE PLAN turns testdata/sql/job.sql's INSERT into a
# compiled plan (testdata/sql/plan/flink-RELEASE/plan.json), then a local MiniCluster loads that
# file (TableEnvironment.loadPlan) and runs it, and one canonical savepoint of it is stored beside
# the plan (replacing the previous ones), with Flink's own reading of it (expected.json,
# testdata/generate/oracle/). The plan is then restored from that savepoint (allowNonRestoredState
# off) and must come up and take another savepoint, else the script fails. Java:
# PlanGroundTruth.java (and SqlGroundTruth.java for the savepoint trigger). Needs java and javac
# 17; Flink's jars come from testdata/generate/flink-jars.sh.
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
  build="$root/testdata/generate/cache/plan-build/$v"
  rm -rf "$build"; mkdir -p "$build"
  cp="$lib/*"
  javac -d "$build" -cp "$cp" "$here/PlanGroundTruth.java" "$here/SqlGroundTruth.java"
  tmp="/tmp/flinspect-plan/flink-$v"
  rm -rf "$tmp"; mkdir -p "$tmp"
  out="$root/testdata/sql/plan/flink-$v"
  rm -rf "$out"; mkdir -p "$out"
  sp="$(java -Xmx1g "${opens[@]}" -Dlog4j2.configurationFile="$root/testdata/generate/job/log4j2.properties" \
        -cp "$build:$cp" PlanGroundTruth "$root/testdata/sql/job.sql" "$out/plan.json" "$tmp" | tail -n1)"
  cp -r "$sp" "$out/"
  # Flink's own reading of it, as for every _metadata in testdata/ (tests/oracle.rs)
  "$root/testdata/generate/oracle/run-oracle.sh" "$v" "$out/$(basename "$sp")/_metadata" "$sp"
  echo "$v: plan.json, $(basename "$sp") -> $out"
done
