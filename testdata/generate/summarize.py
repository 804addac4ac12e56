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


def main():
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

    print("### Provenance (one row per `_metadata`)\n")
    print("| path (under `testdata/`) | Flink | backend | incremental | kind | format | p | scenario | metadata version | bytes |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (v, c, p, kind, fmt, be, inc, par, scen, mv, size) in prov:
        print("| `flink-%s/%s/%s/_metadata` | %s | %s | %s | %s | %s | %d | %s | %d | %d |"
              % (v, c, p, v, be, inc, kind, fmt, par, scen, mv, size))

    print("\n### Metadata version written, per Flink version (measured: i32 at byte offset 4)\n")
    by_v = collections.defaultdict(set)
    for s in snaps:
        by_v[s[0]].add(s[7])
    print("| Flink | metadata version(s) in its checkpoints and savepoints |")
    print("|---|---|")
    for v in versions():
        print("| %s | %s |" % (v, ", ".join(str(x) for x in sorted(by_v[v]))))

    print("\n### Handle classes per Flink version, backend and snapshot kind (measured from expected.json)\n")
    print("Slot names: `managed_keyed` etc. are the subtask collections; `.delegate`/`.meta` the handle a")
    print("keyed/operator/channel handle wraps; `.shared`/`.private` the file lists of an incremental handle;")
    print("`.materialized`/`.non_materialized` the parts of a changelog handle. Counts are summed over the")
    print("snapshots of that row.\n")
    print("| Flink | case | kind | format | handle classes (slot: class ×count) |")
    print("|---|---|---|---|---|")
    missing = []
    for (v, c, p, kind, fmt, be, inc, mv, exp) in snaps:
        pass
    groups = collections.OrderedDict()
    for (v, c, p, kind, fmt, be, inc, mv, exp) in snaps:
        key = (v, c, kind, fmt or "-")
        if exp is None:
            missing.append("flink-%s/%s/%s" % (v, c, p))
            continue
        groups.setdefault(key, collections.Counter()).update(handle_classes(exp))
    for (v, c, kind, fmt), cnt in groups.items():
        parts = ["%s: %s ×%d" % (slot, cls, n) for (slot, cls), n in sorted(cnt.items())]
        print("| %s | %s | %s | %s | %s |" % (v, c, kind, fmt, "<br>".join(parts)))
    if missing:
        print("\nNo expected.json (oracle not run) for: " + ", ".join(missing))


if __name__ == "__main__":
    sys.exit(main())
