#!/usr/bin/env bash
# Usage: testdata/generate/flink-jars.sh <flink-version>
# Prints the directory that holds the Flink jars of that version (flink-dist and friends),
# extracting them once into testdata/generate/cache/flink-<ver>/{lib,opt}.
#
# Source of the jars: the PyPI distribution `apache-flink-libraries==<ver>` (an sdist for
# most versions, a wheel for some), looked up in /work/cache/pypi/<ver>/, then in
# testdata/generate/cache/pypi/, and otherwise downloaded there with `pip download --no-deps`.
# Safe to run concurrently (flock on the cache dir); idempotent.
set -euo pipefail

ver="${1:?usage: flink-jars.sh <flink-version>}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="$here/cache"
dest="$cache/flink-$ver"
mkdir -p "$cache"

have_dist() { compgen -G "$dest/lib/flink-dist*.jar" >/dev/null; }

if have_dist; then echo "$dest/lib"; exit 0; fi

exec 9>"$cache/.flink-$ver.lock"
flock 9
if have_dist; then echo "$dest/lib"; exit 0; fi

find_archive() {
  local d f
  for d in "/work/cache/pypi/$ver" "$cache/pypi/$ver" "$cache/pypi"; do
    [ -d "$d" ] || continue
    for f in "$d"/apache[-_]flink[-_]libraries-"$ver".tar.gz "$d"/apache[-_]flink[-_]libraries-"$ver"-*.whl; do
      [ -f "$f" ] && { echo "$f"; return 0; }
    done
  done
  return 1
}

archive="$(find_archive || true)"
if [ -z "$archive" ]; then
  mkdir -p "$cache/pypi/$ver"
  echo "flink-jars.sh: downloading apache-flink-libraries==$ver" >&2
  python3 -m pip download --no-deps --no-build-isolation -d "$cache/pypi/$ver" "apache-flink-libraries==$ver" >&2 \
    || pip download --no-deps -d "$cache/pypi/$ver" "apache-flink-libraries==$ver" >&2
  archive="$(find_archive)"
fi

tmp="$(mktemp -d "$cache/.extract-$ver.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "flink-jars.sh: extracting $archive" >&2
case "$archive" in
  *.tar.gz)
    tar -xzf "$archive" -C "$tmp" --wildcards '*/deps/lib/*' '*/deps/opt/*'
    src="$(dirname "$(find "$tmp" -type d -path '*/deps/lib' | head -n1)")"
    ;;
  *.whl)
    python3 - "$archive" "$tmp" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    if n.startswith(("pyflink/lib/", "pyflink/opt/")) and not n.endswith("/"):
        z.extract(n, sys.argv[2])
PY
    src="$tmp/pyflink"
    ;;
esac
[ -d "$src/lib" ] || { echo "flink-jars.sh: no lib/ in $archive" >&2; exit 1; }
rm -rf "$dest.partial"
mkdir -p "$dest.partial"
mv "$src/lib" "$dest.partial/lib"
[ -d "$src/opt" ] && mv "$src/opt" "$dest.partial/opt"
# keep anything else someone put in $dest (e.g. generator build output)
mkdir -p "$dest"
rm -rf "$dest/lib" "$dest/opt"
mv "$dest.partial/lib" "$dest/lib"
[ -d "$dest.partial/opt" ] && mv "$dest.partial/opt" "$dest/opt"
rmdir "$dest.partial" 2>/dev/null || true
have_dist || { echo "flink-jars.sh: flink-dist jar missing after extraction" >&2; exit 1; }
echo "$dest/lib"
