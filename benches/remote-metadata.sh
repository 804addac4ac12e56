#!/usr/bin/env bash
# BENCHMARKS.md, "a 50 MB remote _metadata": peak memory of `flinspect inspect` reading a ~50 MB
# `_metadata` from a loopback S3 server (s3s-fs, release build) against its size, and the same
# file inspected on local disk, side by side in one run (RUNS times interleaved; median wall,
# largest peak RSS). A small real fixture read the same two ways gives the process's baseline
# (runtime, TLS and HTTP client, allocator) that is not the file.
#
#   benches/remote-metadata.sh          (RUNS=5)
#
# The file is written by Flink 1.20.3's own Checkpoints.storeCheckpointMetadata through the
# bigfile generator (testdata/generate/bigfile/, as big-10mb/100mb/1gb): 100 operators x 128
# subtasks, inline payloads, channel state; into the git-ignored bench-data/big-50mb/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
runs="${RUNS:-5}"
file="$repo/bench-data/big-50mb/_metadata"
if [ ! -f "$file" ]; then
  mkdir -p "$(dirname "$file")"
  BIGFILE_JVM_OPTS="${BIGFILE_JVM_OPTS:--Xmx2g}" "$repo/testdata/generate/bigfile/java.sh" \
    BigfileGenerator --operators 100 --parallelism 128 50M "$file"
fi
bench_servers="$repo/target/bench-servers"
s3s="${S3S_FS:-$bench_servers/bin/s3s-fs}"   # S3S_FS=another s3s-fs binary
if [ ! -x "$s3s" ]; then
  version="$(sed -n 's/^S3S_FS_VERSION=//p' "$repo/testdata/remote/servers.sh")"
  CARGO_TARGET_DIR="$bench_servers/build" cargo install --quiet --locked --root "$bench_servers" \
    --version "$version" --features binary s3s-fs
fi
(cd "$repo" && cargo build --release --quiet --bin flinspect)
flinspect="$repo/target/release/flinspect"
small="$repo/testdata/flink-1.20.3/hashmap/savepoint-0df2b7-07093483156b/_metadata"

work="$(mktemp -d)"
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/data/bench/big-50mb" "$work/data/bench/small"
ln "$file" "$work/data/bench/big-50mb/_metadata" 2>/dev/null || cp "$file" "$work/data/bench/big-50mb/_metadata"
cp "$small" "$work/data/bench/small/_metadata"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$s3s" --host 127.0.0.1 --port "$port" --access-key bench --secret-key benchsecret "$work/data" >/dev/null 2>&1 &
server=$!
for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=benchsecret AWS_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ALLOW_HTTP=true
size=$(stat -c %s "$file")
echo "file $size bytes ($((size / 1048576)) MiB); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg);" \
  "flinspect $(git -C "$repo" rev-parse --short HEAD); $(date -u +%FT%TZ)"

# The two reads must say the same (the remote location replaces the local path).
"$flinspect" inspect "$file" >"$work/local.txt"
"$flinspect" inspect s3://bench/big-50mb >"$work/remote.txt"
sed "s|$(dirname "$file")|s3://bench/big-50mb|g" "$work/local.txt" | diff -q - "$work/remote.txt" >/dev/null ||
  { echo "local and remote inspect differ" >&2; diff <(sed "s|$(dirname "$file")|s3://bench/big-50mb|g" "$work/local.txt") "$work/remote.txt" | head >&2; exit 1; }

cases=(
  "inspect, local file|$file"
  "inspect, remote (s3://)|s3://bench/big-50mb"
  "inspect --json, local file|--json $file"
  "inspect --json, remote (s3://)|--json s3://bench/big-50mb"
  "inspect, small fixture, local (baseline)|$small"
  "inspect, small fixture, remote (baseline)|s3://bench/small"
)
declare -A walls rss
for r in $(seq "$runs"); do
  for c in "${cases[@]}"; do
    name="${c%%|*}"; args="${c#*|}"
    # shellcheck disable=SC2086
    /usr/bin/time -f "%e %M" -o "$work/time" "$flinspect" inspect $args >/dev/null
    read -r wall peak <"$work/time"
    walls[$name]+="$wall "
    [ "${rss[$name]:-0}" -lt "$peak" ] && rss[$name]=$peak
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo
echo "| command | wall (median of $runs) | peak RSS | peak RSS / file size |"
echo "|---|---|---|---|"
for c in "${cases[@]}"; do
  name="${c%%|*}"
  printf '| %s | %.3f s | %.1f MiB | %s |\n' "$name" "$(echo "${walls[$name]}" | median)" \
    "$(echo "${rss[$name]}/1024" | bc -l)" "$(python3 -c "print(f'{${rss[$name]}*1024/$size:.2f}')")"
done
