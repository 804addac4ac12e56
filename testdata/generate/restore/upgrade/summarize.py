#!/usr/bin/env python3
"""Prints the measured upgrade matrix of testdata/upgrade/ (markdown) and, with --readme, puts it
between the MEASURED markers of testdata/upgrade/README.md."""
import json
import pathlib
import re
import sys


def cell(o):
    if o["restored"] and o["reads_correctly"]:
        return "restored, reads correctly"
    v = o["value_check"]
    if o["restored"]:
        return "restored, but reads wrongly (%d/%d consistent, %d empty)" % (v["consistent"], v["expected"], v["empty"])
    msg = (o.get("message") or "").replace("|", "\\|").replace("\n", " ")
    if len(msg) > 140:
        msg = msg[:137] + "..."
    return "FAILED (%s) %s: %s" % (o["phase"], o.get("exception_class") or "", msg)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    root = pathlib.Path(args[0] if args else "testdata/upgrade")
    versions = sorted((p.name[6:] for p in root.glob("flink-*") if p.is_dir()),
                      key=lambda v: [int(x) for x in v.split(".")])
    cases = {}
    for v in versions:
        for c in sorted((root / ("flink-" + v)).iterdir()):
            f = c / "outcome.json"
            if f.exists():
                cases.setdefault(c.name, {})[v] = json.loads(f.read_text())
    lines = ["| case (shape-backend) | " + " | ".join(versions) + " |",
             "|---|" + "---|" * len(versions)]
    for name in sorted(cases):
        lines.append("| `%s` | " % name + " | ".join(
            cell(cases[name][v]) if v in cases[name] else "n/a" for v in versions) + " |")
    table = "\n".join(lines) + "\n"
    if "--readme" in sys.argv:
        readme = root / "README.md"
        text = readme.read_text()
        text = re.sub(r"(<!-- BEGIN MEASURED -->\n).*?(<!-- END MEASURED -->)",
                      lambda m: m.group(1) + "\n" + table + "\n" + m.group(2), text, flags=re.S)
        readme.write_text(text)
    else:
        sys.stdout.write(table)


if __name__ == "__main__":
    main()
