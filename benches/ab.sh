#!/usr/bin/env bash
# Two flinspect binaries side by side: whole-process timings of the same commands on the same
# files, interleaved (A, B, A, B, …) in one run so that both see the same machine load and
# page cache. For a refactoring's "no slower than before" check.
#
#   benches/ab.sh OLD_BINARY NEW_BINARY [FILE…]        # default: bench-data/big-*/_metadata
#   RUNS=31 benches/ab.sh …                              # runs per command and binary (default 21)
#
# Commands per file: `inspect FILE` and `inspect FILE --json`, stdout to /dev/null (one untimed
# run of each first: page cache warm, both outputs compared byte for byte). Output: a Markdown
# table on stdout (median and minimum wall time of each, new/old ratio of the medians, and the
# median CPU time, user + system of the process and its threads, which a busy machine disturbs
# less than wall time); the raw samples on stderr.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
[ $# -ge 2 ] || { echo "usage: benches/ab.sh OLD_BINARY NEW_BINARY [FILE…]" >&2; exit 2; }
old="$1"; new="$2"; shift 2
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  for f in "$repo"/bench-data/big-*/_metadata; do [ -f "$f" ] && files+=("$f"); done
fi
[ ${#files[@]} -gt 0 ] || { echo "ab.sh: no files (testdata/generate/bigfile/generate.sh)" >&2; exit 2; }
exec python3 - "$old" "$new" "${RUNS:-21}" "${files[@]}" <<'PY'
import os, statistics, subprocess, sys, time
old, new, runs, files = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
def run(binary, args):
    t = time.perf_counter()
    p = subprocess.Popen([binary, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    return wall, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)
print(f"| file | size | command | old median | new median | new / old | old min | new min | CPU old | CPU new | CPU new / old |")
print(f"|---|---|---|---|---|---|---|---|---|---|---|")
for f in files:
    size = os.path.getsize(f)
    name = os.path.basename(os.path.dirname(f))
    for args in (["inspect", f], ["inspect", f, "--json"]):
        outs = [subprocess.run([b, *args], capture_output=True).stdout for b in (old, new)]
        if outs[0] != outs[1]:
            sys.exit(f"ab.sh: {' '.join(args)}: the two binaries' outputs differ")
        samples = {old: [], new: []}
        cpu = {old: [], new: []}
        for i in range(runs):
            for b in ((old, new) if i % 2 == 0 else (new, old)):
                dt, ct, rc = run(b, args)
                if rc != 0:
                    sys.exit(f"ab.sh: {b} {' '.join(args)}: exit {rc}")
                samples[b].append(dt * 1000)
                cpu[b].append(ct * 1000)
        mo, mn = statistics.median(samples[old]), statistics.median(samples[new])
        co, cn = statistics.median(cpu[old]), statistics.median(cpu[new])
        cmd = " ".join(a if a != f else "FILE" for a in args)
        print(f"| {name} | {size / 1e6:.1f} MB | `{cmd}` | {mo:.1f} ms | {mn:.1f} ms | {mn / mo:.3f} | {min(samples[old]):.1f} ms | {min(samples[new]):.1f} ms | {co:.1f} ms | {cn:.1f} ms | {cn / co:.3f} |", flush=True)
        print(f"{name} {cmd}: old {[round(x, 1) for x in samples[old]]}", file=sys.stderr)
        print(f"{name} {cmd}: new {[round(x, 1) for x in samples[new]]}", file=sys.stderr)
PY
