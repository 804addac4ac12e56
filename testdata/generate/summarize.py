#!/usr/bin/env python3
"""Prints the measured tables for testdata/README.md from the committed fixtures.

Reads every testdata/flink-<version>/<case>/case.json, the i32 at byte offset 4 of every
_metadata (the metadata version), and, where the oracle wrote it, expected.json next to the
_metadata (handle classes). Output is Markdown on stdout.

Usage: python3 testdata/generate/summarize.py > /tmp/tables.md
"""
import collections
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.dirname(HERE)


def vkey(v):
    return tuple(int(x) for x in v.split("."))


def versions():
    out = []
    for d in os.listdir(TESTDATA):
        if d.startswith("flink-") and os.path.isdir(os.path.join(TESTDATA, d)):
            out.append(d[len("flink-"):])
    return sorted(out, key=vkey)


def cases(v):
    base = os.path.join(TESTDATA, "flink-" + v)
    return sorted(c for c in os.listdir(base) if os.path.isfile(os.path.join(base, c, "case.json")))


def meta_version(path):
    with open(path, "rb") as f:
        head = f.read(8)
    return struct.unpack(">i", head[4:8])[0]


def handle_classes(expected):
    """(slot, class) pairs, nested delegates rendered as outer>inner."""
    found = collections.Counter()

    def walk(h):
        names = [h["handle"]]
        for k in ("delegate", "meta"):
            if isinstance(h.get(k), dict):
                names.append(k + ":" + walk_name(h[k]))
        return names

    def walk_name(h):
        return h["handle"]

    for op in expected["operators"]:
        if op.get("coordinator_state"):
            found[("coordinator", op["coordinator_state"]["handle"])] += 1
        for st in op["subtasks"]:
            for slot in ("managed_keyed", "raw_keyed", "managed_operator", "raw_operator",
                         "input_channel", "result_subpartition"):
                for h in st[slot]:
                    found[(slot, h["handle"])] += 1
                    for k in ("delegate", "meta"):
                        if isinstance(h.get(k), dict):
                            found[(slot + "." + k, h[k]["handle"])] += 1
                    for k in ("shared", "private"):
                        for e in h.get(k) or []:
                            found[(slot + "." + k, e["handle"]["handle"])] += 1
                    for k in ("materialized", "non_materialized"):
                        for e in h.get(k) or []:
                            found[(slot + "." + k, e["handle"])] += 1
    return found


def tables():
    snaps = []  # (version, case, relpath, kind, format, backend, incremental, meta_version, expected)
    prov = []
    for v in versions():
        for c in cases(v):
            cdir = os.path.join(TESTDATA, "flink-" + v, c)
            cj = json.load(open(os.path.join(cdir, "case.json")))
            scen = []
            if cj.get("max_parallelism"):
                scen.append("max parallelism %d" % cj["max_parallelism"])
            for k, val in (cj.get("operator_max_parallelism") or {}).items():
                scen.append("%s max parallelism %d" % (k, val))
            if cj.get("parallelism") != 2:
                scen.append("parallelism %d" % cj["parallelism"])
            if cj.get("unaligned"):
                scen.append("unaligned checkpoints")
            if cj.get("file_merging"):
                scen.append("file merging")
            if cj.get("changelog"):
                scen.append("changelog")
            for s in cj["snapshots"]:
                m = os.path.join(cdir, s["path"], "_metadata")
                if not os.path.isfile(m):
                    continue
                e = os.path.join(cdir, s["path"], "expected.json")
                exp = json.load(open(e)) if os.path.isfile(e) else None
                mv = meta_version(m)
                snaps.append((v, c, s["path"], s["kind"], s["format"], cj["backend"], cj["incremental"], mv, exp))
                prov.append((v, c, s["path"], s["kind"], s["format"] or "-", cj["backend"],
                             "yes" if cj["incremental"] else "no", cj["parallelism"],
                             ", ".join(scen) or "-", mv, os.path.getsize(m)))

    out = []
    w = out.append
    w("### Provenance (one row per case; every case is one job run)\n")
    w("| case directory (under `testdata/`) | Flink | backend | incr. | p | scenario | snapshots (kind/format, metadata version) |")
    w("|---|---|---|---|---|---|---|")
    by_case = collections.OrderedDict()
    for (v, c, p, kind, fmt, be, inc, par, scen, mv, size) in prov:
        by_case.setdefault((v, c, be, inc, par, scen), []).append((p, kind, fmt, mv))
    for (v, c, be, inc, par, scen), lst in by_case.items():
        parts = []
        for (p, kind, fmt, mv) in lst:
            label = "chk-" + p.split("chk-")[1] if kind == "checkpoint" else (fmt.lower() + " savepoint")
            parts.append("%s (v%d)" % (label, mv))
        w("| `flink-%s/%s/` | %s | %s | %s | %d | %s | %s |" % (v, c, v, be, inc, par, scen, ", ".join(parts)))

    w("\n### Metadata version written, per Flink version (measured: i32 at byte offset 4 of every `_metadata`)\n")
    by_v = collections.defaultdict(set)
    for s in snaps:
        by_v[s[0]].add(s[7])
    w("| Flink | metadata version |")
    w("|---|---|")
    for v in versions():
        w("| %s | %s |" % (v, ", ".join(str(x) for x in sorted(by_v[v]))))

    w("\n### Handle classes per case and snapshot kind (measured from the oracle's `expected.json`)\n")
    w("Java simple class names as Flink's reader returned them. `keyed`/`operator`/`in-channel`/`out-channel`")
    w("are the subtask collections (managed and raw), `coordinator` the operator coordinator state; after `>`")
    w("what such a handle holds (`delegate`, `meta`, `shared`/`private` lists of an incremental handle,")
    w("`materialized`/`non_materialized` parts of a changelog handle). Rows with identical class sets")
    w("are merged across Flink versions. These are classes, not type codes: e.g. `KeyGroupsStateHandle`")
    w("is written as code 3 in 1.13.6 and as code 12 from 1.15.4 on (format notes, section 6).\n")
    w("| case | kind | format | Flink versions | handle classes |")
    w("|---|---|---|---|---|")
    missing = []
    sig = collections.OrderedDict()
    for (v, c, p, kind, fmt, be, inc, mv, exp) in snaps:
        if exp is None:
            missing.append("flink-%s/%s/%s" % (v, c, p))
            continue
        key = (v, c, kind, fmt or "-")
        sig.setdefault(key, set()).update(short(k) for k in handle_classes(exp))
    rows = collections.OrderedDict()
    order = ["hashmap", "rocksdb-full", "rocksdb-incremental", "forst", "changelog", "file-merging",
             "file-merging-rocksdb",
             "unaligned", "maxpar256", "op-maxpar", "p3"]
    for (v, c, kind, fmt), cls in sorted(sig.items(), key=lambda kv: (order.index(kv[0][1]) if kv[0][1] in order else 99, kv[0][1], kv[0][2], kv[0][3], vkey(kv[0][0]))):
        rk = (c, kind, fmt, tuple(sorted(cls)))
        rows.setdefault(rk, []).append(v)
    for (c, kind, fmt, cls), vs in rows.items():
        w("| %s | %s | %s | %s | %s |" % (c, kind, fmt, ", ".join(vs), "<br>".join(cls)))
    if missing:
        w("\nNo expected.json (oracle not run) for: " + ", ".join(missing))
    return "\n".join(out) + "\n"


SLOT = {"managed_keyed": "keyed", "raw_keyed": "raw keyed", "managed_operator": "operator",
        "raw_operator": "raw operator", "input_channel": "in-channel",
        "result_subpartition": "out-channel", "coordinator": "coordinator"}


def short(k):
    slot, cls = k
    if "." in slot:
        a, b = slot.split(".", 1)
        return "%s > %s: %s" % (SLOT.get(a, a), b, cls)
    return "%s: %s" % (SLOT.get(slot, slot), cls)


def main():
    text = tables()
    if len(sys.argv) > 1 and sys.argv[1] == "--readme":
        path = os.path.join(TESTDATA, "README.md")
        readme = open(path).read()
        b, e = "<!-- BEGIN MEASURED (generate/summarize.py --readme) -->", "<!-- END MEASURED -->"
        i, j = readme.index(b) + len(b), readme.index(e)
        open(path, "w").write(readme[:i] + "\n\n" + text + "\n" + readme[j:])
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    sys.exit(main())
