#!/usr/bin/env bash
# The remote fixture: real Flink (2.3.0, a local MiniCluster) writes its checkpoints and a
# savepoint to an S3 server through Flink's own S3 plugin (flink-s3-fs-presto from Maven
# Central, scheme s3p://), with the keys a Flink deployment would set (s3.endpoint,
# s3.path.style.access, s3.access-key, s3.secret-key). The server is s3s-fs (crates.io, as in
# the tests), which stores every object as a file, so what Flink wrote is copied from its data
# directory into testdata/remote/flink-<v>/<case>/ (objects exactly as stored), and the oracle
# writes expected.json beside each _metadata with the s3p:// pointer Flink resolved against.
#
#   testdata/generate/remote/run-s3.sh [VERSION]        (default 2.3.0)
#
# Needs what generate.sh needs, plus Maven (the plugin) and cargo (s3s-fs, via
# testdata/remote/servers.sh s3). The objects' keys are fixed:
# s3p://flink/fixtures/flink-<v>/<case>/…, which the tests upload them to again.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gen="$(dirname "$here")"
repo="$(cd "$gen/../.." && pwd)"
v="${1:-2.3.0}"
case_name=s3-presto
bucket=flink
key="fixtures/flink-$v/$case_name"
ak=flinspect-fixture-key
sk=flinspect-fixture-secret

. "$gen/java-env.sh"
lib="$("$gen/flink-jars.sh" "$v")"
"$repo/testdata/remote/servers.sh" s3
s3s="${FLINSPECT_SERVERS:-$repo/target/remote-servers}/bin/s3s-fs"

mvn -B -q dependency:get -Dtransitive=false "-Dartifact=org.apache.flink:flink-s3-fs-presto:$v"
plugin="$HOME/.m2/repository/org/apache/flink/flink-s3-fs-presto/$v/flink-s3-fs-presto-$v.jar"
[ -f "$plugin" ] || { echo "no $plugin" >&2; exit 1; }

work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/data/$bucket" "$work/out"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$s3s" --host 127.0.0.1 --port "$port" --access-key "$ak" --secret-key "$sk" "$work/data" >"$work/s3s.log" 2>&1 &
server=$!
for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

major="${v%%.*}"
build="$work/build"
mkdir -p "$build"
# shellcheck disable=SC2046
"$JAVAC" -nowarn -encoding UTF-8 -cp "$lib/*" -d "$build" \
  $(find "$gen/job/src/common" "$gen/job/src/v$major" -name '*.java')

opens=()
for p in java.base/java.util java.base/java.lang java.base/java.lang.reflect java.base/java.lang.invoke \
         java.base/java.net java.base/java.io java.base/java.nio java.base/sun.nio.ch \
         java.base/java.util.concurrent java.base/java.util.concurrent.atomic java.base/java.text \
         java.base/java.time java.base/java.math java.base/java.security java.base/jdk.internal.misc \
         java.base/sun.nio.cs java.base/sun.security.action java.management/sun.management \
         java.rmi/sun.rmi.transport java.sql/java.sql; do
  opens+=(--add-opens "$p=ALL-UNNAMED")
done

echo "--- Flink $v writes to s3p://$bucket/$key through flink-s3-fs-presto (server http://127.0.0.1:$port)"
timeout 400 "$JAVA" -Xmx1g "${opens[@]}" \
  -Dlog4j.configurationFile="$gen/job/log4j2.properties" \
  -cp "$build:$lib/*:$plugin" flinspect.fixture.FixtureJob \
  --flink-version "$v" --case "$case_name" --out "$work/out" \
  --base "s3p://$bucket/$key" \
  --backend rocksdb --incremental true --native-savepoint false \
  --conf.execution.checkpointing.timeout 300s --timeout-ms 330000 --interval 3000ms \
  --conf.s3.endpoint "http://127.0.0.1:$port" --conf.s3.path.style.access true \
  --conf.s3.access-key "$ak" --conf.s3.secret-key "$sk" >"$work/run.log" 2>&1 \
  || { tail -50 "$work/run.log" >&2; exit 1; }
[ -f "$work/out/case.json" ] || { tail -50 "$work/run.log" >&2; exit 1; }

dest="$repo/testdata/remote/flink-$v/$case_name"
rm -rf "$dest"
mkdir -p "$dest"
# The objects as s3s-fs stores them (its own bookkeeping files, if any, start with a dot).
(cd "$work/data/$bucket/$key" && find . -type f ! -name '.*' -exec cp --parents -p {} "$dest" \;)
# Checkpoints that never completed (no _metadata) are dropped, as generate.sh does.
find "$dest" -maxdepth 2 -type d -name 'chk-*' | while read -r d; do
  [ -f "$d/_metadata" ] || rm -rf "$d"
done
find "$dest" -type d -empty -delete
cp "$work/out/case.json" "$work/out/graph.json" "$dest/"
# The oracle resolves relative handles against the local copy: Flink's resolution needs the
# pointer's file system, and the oracle's classpath has no S3 plugin (expected.json compares
# relative names, not the resolved paths).
find "$dest" -name _metadata | sort | while read -r m; do
  "$gen/oracle/run-oracle.sh" "$v" "$m"
done
echo "ok: $(du -sh "$dest" | cut -f1), $(find "$dest" -name _metadata | wc -l) _metadata in $dest"
