#!/usr/bin/env bash
# flinspect vs Flink's own reader on the generated big files, in one run on the same files.
#
#   testdata/generate/bigfile/generate.sh      # once: bench-data/big-{10mb,100mb,1gb}/_metadata
#   cargo build --release
#   benches/compare.sh                         # every generated file
#   benches/compare.sh 10mb 100mb              # some of them
#   RUNS=9 benches/compare.sh                  # more runs of each whole-process command
#
# For each file it times, with the page cache warm (one untimed read first):
#   cat        `cat FILE > /dev/null`: reading the file once, the floor for any reader
#   flinspect  `target/release/flinspect inspect FILE --json > /dev/null`, whole process
#              (and `inspect FILE` without --json: the same decode and summary, no per-subtask JSON)
#   flink      `java … SmallLoader FILE`: Flink 1.20.3 Checkpoints.loadCheckpointMetadata, whole
#              process (JVM start, class loading, one load)
#   flink-warm `java … WarmLoader FILE R L`: R loads in one JVM, the median of the last L (the
#              JIT has compiled the reader by then); the row's peak RSS is that JVM's
# Each whole-process command runs RUNS times (default 5; 3 for files over 500 MB) and reports
# the median wall time and the largest peak RSS ("Maximum resident set size" of
# `/usr/bin/time`, which wraps every timed command; apt-get install time if it
# is missing). The JVMs run with their default heap settings.
# Output: a Markdown table on stdout (ratios are Flink's time over flinspect's; flinspect's
# over cat's), the raw samples and machine details on stderr.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
bin="$repo/target/release/flinspect"
[ -x "$bin" ] || { echo "compare.sh: build first: cargo build --release" >&2; exit 2; }

sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(10mb 100mb 1gb)
files=()
for s in "${sizes[@]}"; do
  f="$repo/bench-data/big-$s/_metadata"
  if [ -f "$f" ]; then files+=("$f"); else echo "compare.sh: skipping $s: no $f (testdata/generate/bigfile/generate.sh $s)" >&2; fi
done
[ ${#files[@]} -gt 0 ] || { echo "compare.sh: no generated files; run testdata/generate/bigfile/generate.sh" >&2; exit 2; }

# Compiles the Java side once (and prints the java command line to reuse it without the script).
java_cmd="$("$repo/testdata/generate/bigfile/java.sh" --print-cmd)"

{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "nproc: $(nproc)"
  lscpu | head -n 20 | grep -E 'Model name|Architecture|CPU\(s\)|Thread|MHz|L2|L3' || true
  echo "memory: $(free -g | awk '/^Mem:/ {print $2 " GiB total, " $7 " GiB available"}')"
  echo "java: $(java -version 2>&1 | head -n1)"
  echo "flinspect: $("$bin" --version 2>/dev/null || echo '?') @ $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >&2

python3 - "$bin" "$java_cmd" "${RUNS:-}" "${files[@]}" <<'PY'
import json, os, shlex, statistics, subprocess, sys, tempfile, time

binary, java_cmd, runs_env, files = sys.argv[1], shlex.split(sys.argv[2]), sys.argv[3], sys.argv[4:]

rss_file = tempfile.NamedTemporaryFile(prefix="flinspect-compare-", suffix=".rss", delete=False).name

def run(cmd, stdout=subprocess.DEVNULL):
    """One process under /usr/bin/time: wall seconds, its peak RSS in KiB, stdout if asked.

    The RSS comes from /usr/bin/time (its "Maximum resident set size"), not from this Python
    process's wait4: Linux keeps a process's RSS high-water mark across execve, so a child
    forked from Python would report at least Python's own RSS."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file] + cmd,
                       stdout=stdout, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"compare.sh: {shlex.join(cmd)} failed ({p.returncode}): {p.stderr.decode(errors='replace')}")
    with open(rss_file) as fh:
        rss = int(fh.read().split()[-1])
    return dt, rss, p.stdout or b""

def runs(cmd, n):
    res = [run(cmd) for _ in range(n)]
    ts = [r[0] for r in res]
    print(f"  {shlex.join(cmd[-4:])}: " + " ".join(f"{t*1e3:.1f}" for t in ts)
          + f" ms; rss {max(r[1] for r in res)} KiB", file=sys.stderr)
    return statistics.median(ts), max(r[1] for r in res)

def cat_warm(f):
    with open(f, "rb") as fh:
        while fh.read(1 << 24):
            pass

rows = []
for f in files:
    size = os.path.getsize(f)
    big = size > 500 << 20
    n = int(runs_env) if runs_env else (3 if big else 5)
    name = os.path.basename(os.path.dirname(f))
    print(f"{name}: {size} bytes, {n} runs each", file=sys.stderr)
    cat_warm(f)
    # Both readers must agree before anything is timed: Flink's state size is flinspect's.
    _, _, flink_out = run(java_cmd + ["SmallLoader", f], stdout=subprocess.PIPE)
    _, _, fl_json = run([binary, "inspect", f, "--json"], stdout=subprocess.PIPE)
    doc = json.loads(fl_json)
    flink_line = flink_out.decode().strip()
    if not flink_line.endswith(f"state size {doc['state_size']}"):
        sys.exit(f"compare.sh: {f}: Flink read '{flink_line}', flinspect state size {doc['state_size']}")
    print(f"  agree: {flink_line}", file=sys.stderr)

    cat = runs(["cat", f], max(n, 5))
    fli = runs([binary, "inspect", f, "--json"], max(n, 5))
    text = runs([binary, "inspect", f], max(n, 5))
    flink = runs(java_cmd + ["SmallLoader", f], n)
    warm_runs, last = (8, 3) if big else (15, 5)
    t, rss, out = run(java_cmd + ["WarmLoader", f, str(warm_runs), str(last)], stdout=subprocess.PIPE)
    lines = out.decode().splitlines()
    warm = float(lines[-1].split()[1]) / 1e3
    print("  warm: " + " ".join(l.split(": ")[1] for l in lines[:-1]) + f"; rss {rss} KiB", file=sys.stderr)
    rows.append((name, size, cat, fli, flink, (warm, rss), text))

def ms(t):
    return f"{t*1e3:.1f} ms" if t < 10 else f"{t:.2f} s"

def mib(kib):
    return f"{kib/1024:.0f} MiB"


print("| file | size | cat | flinspect inspect | flinspect inspect --json | Flink whole process "
      "| Flink warm (in JVM) | Flink / inspect | Flink / inspect --json | Flink warm / inspect "
      "| Flink warm / inspect --json | inspect / cat |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for name, size, cat, fli, flink, warm, text in rows:
    print(f"| {name} | {size/1e6:.1f} MB | {ms(cat[0])} | {ms(text[0])} | {ms(fli[0])} | {ms(flink[0])} "
          f"| {ms(warm[0])} | {flink[0]/text[0]:.0f}× | {flink[0]/fli[0]:.0f}× | {warm[0]/text[0]:.1f}× "
          f"| {warm[0]/fli[0]:.1f}× | {text[0]/cat[0]:.2f}× |")
print()
print("| file | mapped size | peak RSS: cat | flinspect inspect | flinspect inspect --json | Flink whole process "
      "| Flink warm (JVM after all runs) |")
print("|---|---|---|---|---|---|---|")
for name, size, cat, fli, flink, warm, text in rows:
    print(f"| {name} | {size/(1 << 20):.0f} MiB | {mib(cat[1])} | {mib(text[1])} | {mib(fli[1])} | {mib(flink[1])} "
          f"| {mib(warm[1])} |")
pairs = [(rows[i], rows[i + 1]) for i in range(len(rows) - 1)]
if len(rows) > 2:
    pairs.append((rows[0], rows[-1]))
if pairs:
    print()
    print("| growth | file | cat time | flinspect --json time / RSS | flinspect inspect time / RSS "
          "| Flink whole process time / RSS | Flink warm time |")
    print("|---|---|---|---|---|---|---|")
for a, b in pairs:
    x = lambda i, k: f"×{b[i][k]/a[i][k]:.1f}"
    print(f"| {a[0]} → {b[0]} | ×{b[1]/a[1]:.1f} | {x(2, 0)} | {x(3, 0)} / {x(3, 1)} | {x(6, 0)} / {x(6, 1)} "
          f"| {x(4, 0)} / {x(4, 1)} | {x(5, 0)} |")
PY
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
