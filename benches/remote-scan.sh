#!/usr/bin/env bash
# BENCHMARKS.md, "Remote scan (S3)": 10,000 snapshots on a loopback S3 server (s3s-fs), side by
# side in one run:
#   1. flinspect scan --json s3://bench/tree                (list, GET every _metadata, decode, check)
#   2. aws s3 cp --recursive … --include '*/_metadata'      (the AWS CLI: list + GET each _metadata)
#   3. a plain sequential client (botocore: list, then GET each _metadata in turn)
#   4. the server's own ceiling: examples/parallel_get (list + GET every _metadata, 64 in flight,
#      no decoding)
# Each is timed with /usr/bin/time (wall, peak RSS), RUNS times interleaved (median wall, largest
# RSS). Requests are counted by the server: it runs with s3s's request log on
# (RUST_LOG=s3s::service=debug, one line per request), and each client's share of the log is
# counted by kind (LIST, GET of an object, HEAD).
#
#   benches/remote-scan.sh [SNAPSHOTS]     (default 10000; RUNS=1, CONCURRENCY=32, S3S_FS=binary)
#
# The snapshots are copies (hard links in the server's data directory) of one real Flink
# 1.20.3 canonical savepoint (testdata/flink-1.20.3/hashmap/savepoint-0df2b7-07093483156b:
# _metadata and its 4 state files, referenced by relative path; flinspect's own test files
# left out).
#
# The server is s3s-fs as a release build (target/bench-servers/, built here once): the tests'
# debug build (testdata/remote/servers.sh) would make the server the bottleneck of every client.
# Note that s3s-fs answers every ListObjectsV2 page by walking its whole data directory, so a
# page costs time in proportion to the whole tree (BENCHMARKS.md).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
n="${1:-10000}"
runs="${RUNS:-1}"
concurrency="${CONCURRENCY:-32}"
"$repo/testdata/remote/servers.sh" awscli
servers="${FLINSPECT_SERVERS:-$repo/target/remote-servers}"
bench_servers="$repo/target/bench-servers"
s3s="${S3S_FS:-$bench_servers/bin/s3s-fs}"   # S3S_FS=another s3s-fs binary
if [ ! -x "$s3s" ]; then
  version="$(sed -n 's/^S3S_FS_VERSION=//p' "$repo/testdata/remote/servers.sh")"
  echo "== s3s-fs $version, release build (crates.io)" >&2
  CARGO_TARGET_DIR="$bench_servers/build" cargo install --quiet --locked --root "$bench_servers" \
    --version "$version" --features binary s3s-fs
fi
(cd "$repo" && cargo build --release --quiet --bin flinspect --example parallel_get)
flinspect="$repo/target/release/flinspect"
pget="$repo/target/release/examples/parallel_get"
aws="$servers/awscli/bin/aws"

work="$(mktemp -d)"
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
src="$repo/testdata/flink-1.20.3/hashmap/savepoint-0df2b7-07093483156b"
python3 - "$src" "$work/data/bench/tree" "$n" <<'PY'
import os, sys
src, dest, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
test_files = {"expected.json", "expected-states.json", "case.json", "graph.json"}
files = sorted(f for f in os.listdir(src) if f not in test_files)
for i in range(1, n + 1):
    d = os.path.join(dest, f"savepoint-0df2b7-{i:012d}")
    os.makedirs(d)
    for f in files:
        os.link(os.path.join(src, f), os.path.join(d, f))
PY
objects=$(find "$work/data/bench" -type f | wc -l)
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
RUST_LOG=s3s::service=debug "$s3s" --host 127.0.0.1 --port "$port" --access-key bench --secret-key benchsecret "$work/data" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=benchsecret AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ALLOW_HTTP=true
echo "$n snapshots, $objects objects on s3s-fs (release) at $AWS_ENDPOINT_URL; $(nproc) cores;" \
  "load $(cut -d' ' -f1-3 /proc/loadavg); flinspect $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- src || echo +changes); $(date -u +%FT%TZ)"

# The clients, by name: NAME|COMMAND (run through bash -c; stdout is kept for the checks).
clients=()
for c in $concurrency; do
  clients+=("flinspect scan --concurrency $c|'$flinspect' scan --json --concurrency $c s3://bench/tree")
done
clients+=("parallel GET ceiling (64 in flight)|'$pget' s3://bench/tree 64")
clients+=("aws s3 cp --recursive (AWS CLI $("$aws" --version 2>&1 | cut -d' ' -f1 | cut -d/ -f2))|rm -rf '$work/cli' && '$aws' s3 cp --recursive --quiet --endpoint-url $AWS_ENDPOINT_URL s3://bench/tree '$work/cli' --exclude '*' --include '*/_metadata'")
clients+=("sequential client (botocore, one GET at a time)|'$servers/awscli/bin/python' '$here/remote-sequential.py' bench tree")

declare -A walls rss reqs
for r in $(seq "$runs"); do
  # Interleaved, the order rotating per run.
  k=${#clients[@]}
  for j in $(seq 0 $((k - 1))); do
    entry="${clients[$(((j + r) % k))]}"
    name="${entry%%|*}"; cmd="${entry#*|}"
    from=$(wc -l <"$work/server.log")
    /usr/bin/time -f "%e %M" -o "$work/time" bash -c "$cmd" >"$work/out" 2>"$work/err" || {
      echo "FAILED: $name: $(tail -n3 "$work/err")" >&2; exit 1; }
    read -r wall peak <"$work/time"
    walls[$name]+="$wall "
    [ "${rss[$name]:-0}" -lt "$peak" ] && rss[$name]=$peak
    sleep 1  # the server's last log lines
    reqs[$name]="$(tail -n +"$((from + 1))" "$work/server.log" | python3 -c '
import re, sys
n = {"list": 0, "get": 0, "head": 0, "other": 0}
for line in sys.stdin:
    m = re.search(r"req: Request \{ method: (\w+), uri: /([^/?, ]+)(/[^?, ]*)?(\?[^, ]*)?,", line)
    if not m:
        continue
    method, key = m.group(1), m.group(3)
    if method == "GET" and key in (None, "/"):  # the bucket itself: ListObjects(V2)
        n["list"] += 1
    elif method == "GET":
        n["get"] += 1
    elif method == "HEAD":
        n["head"] += 1
    else:
        n["other"] += 1
print(", ".join(f"{v} {k}" for k, v in n.items() if v or k != "other"))
')"
    echo "run $r: $name: $wall s, $((peak / 1024)) MiB; requests (server log): ${reqs[$name]}" >&2
    [ "$name" = "parallel GET ceiling (64 in flight)" ] && sed 's/^/    /' "$work/out" >&2
    case "$name" in
      flinspect*) python3 -c 'import json,sys; s=json.loads(sys.stdin.read().splitlines()[-1]); assert s["snapshots"] == int(sys.argv[1]) and s["restorable"] == s["snapshots"], s' "$n" <"$work/out" ;;
      aws*) got=$(find "$work/cli" -type f | wc -l); [ "$got" -eq "$n" ] || { echo "aws copied $got files" >&2; exit 1; } ;;
    esac
  done
done

awsname="$(printf '%s\n' "${clients[@]}" | grep '^aws' | cut -d'|' -f1)"
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ceiling="$(echo "${walls["parallel GET ceiling (64 in flight)"]}" | median)"
aws_wall="$(echo "${walls[$awsname]}" | median)"
echo
echo "| client | requests | wall (median of $runs) | runs | peak RSS | vs AWS CLI copy | vs parallel-GET ceiling |"
echo "|---|---|---|---|---|---|---|"
for entry in "${clients[@]}"; do
  name="${entry%%|*}"
  m="$(echo "${walls[$name]}" | median)"
  printf '| %s | %s | %.2f s | %s| %d MiB | %s | %s |\n' "$name" "${reqs[$name]}" "$m" "${walls[$name]}" \
    "$((rss[$name] / 1024))" \
    "$(python3 -c "print(f'{$aws_wall/$m:.1f}× faster' if $m < $aws_wall else f'{$m/$aws_wall:.2f}× the time')")" \
    "$(python3 -c "print(f'{$m/$ceiling:.2f}×')")"
done
