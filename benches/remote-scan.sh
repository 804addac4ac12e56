#!/usr/bin/env bash
# BENCHMARKS.md, "scan of a bucket prefix": 10,000 snapshots on a loopback S3 server (s3s-fs),
# side by side in one run:
#   1. flinspect scan --json s3://bench/tree                (list, GET every _metadata, decode, check)
#   2. aws s3 cp --recursive … --include '*/_metadata'      (the AWS CLI: list + GET each _metadata)
#   3. a plain sequential client (botocore: list, then GET each _metadata in turn)
#   4. the server's own ceiling: examples/parallel_get (list + GET every _metadata, 64 in flight)
# Each is timed with /usr/bin/time (wall, peak RSS); requests are counted by each client.
#
#   benches/remote-scan.sh [SNAPSHOTS]     (default 10000)
#
# The snapshots are copies (hard links in the server's data directory) of one real Flink
# 1.20.3 canonical savepoint (testdata/flink-1.20.3/hashmap/savepoint-0df2b7-07093483156b:
# _metadata and its 4 state files, referenced by relative path).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
n="${1:-10000}"
"$repo/testdata/remote/servers.sh" s3 awscli
servers="${FLINSPECT_SERVERS:-$repo/target/remote-servers}"
(cd "$repo" && cargo build --release --quiet --bin flinspect --example parallel_get)
flinspect="$repo/target/release/flinspect"
pget="$repo/target/release/examples/parallel_get"

work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
src="$repo/testdata/flink-1.20.3/hashmap/savepoint-0df2b7-07093483156b"
mkdir -p "$work/data/bench/tree"
for i in $(seq -f '%012g' 1 "$n"); do
  d="$work/data/bench/tree/savepoint-0df2b7-$i"
  mkdir "$d"
  for f in "$src"/*; do
    [ "$(basename "$f")" = expected.json ] || ln "$f" "$d/"
  done
done
objects=$(find "$work/data/bench" -type f | wc -l)
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$servers/bin/s3s-fs" --host 127.0.0.1 --port "$port" --access-key bench --secret-key benchsecret "$work/data" >/dev/null 2>&1 &
server=$!
for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=benchsecret AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ALLOW_HTTP=true
echo "$n snapshots, $objects objects on s3s-fs at $AWS_ENDPOINT_URL; $(nproc) cores; $(date -u +%FT%TZ)"

measure() {  # name, command...
  local name="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || true
  read -r wall rss <"$work/time"
  printf '%-44s wall %7.2f s   peak RSS %7.1f MiB   %s\n' "$name" "$wall" "$(echo "$rss/1024" | bc -l)" "$(tail -n1 "$work/err" | cut -c1-120)"
}

# flinspect prints how many snapshots it checked; its requests are one GET per snapshot plus the
# listing pages (counted by the ceiling run, which lists the same way).
for c in 32 64; do
  measure "flinspect scan --concurrency $c" "$flinspect" scan --json --concurrency "$c" s3://bench/tree
  tail -n1 "$work/out" | python3 -c 'import json,sys; s=json.load(sys.stdin); print("    snapshots", s["snapshots"], "restorable", s["restorable"], "files", s["files_walked"])'
done
measure "parallel GET ceiling (64 in flight)" "$pget" s3://bench/tree 64
cat "$work/out" | sed 's/^/    /'
measure "aws s3 cp --recursive (AWS CLI $("$servers/awscli/bin/aws" --version 2>&1 | cut -d' ' -f1 | cut -d/ -f2))" \
  "$servers/awscli/bin/aws" s3 cp --recursive --quiet --endpoint-url "$AWS_ENDPOINT_URL" \
  s3://bench/tree "$work/cli" --exclude '*' --include '*/_metadata'
echo "    files copied: $(find "$work/cli" -type f | wc -l)"
measure "sequential client (botocore, one GET at a time)" "$servers/awscli/bin/python" "$here/remote-sequential.py" bench tree
cat "$work/out" | sed 's/^/    /'
