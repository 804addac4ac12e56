#!/usr/bin/env bash
# Runs one of the bigfile Java programs against Flink 1.20.3 (the only version they support),
# compiling them first when needed into testdata/generate/cache/bigfile-1.20.3/ (git-ignored).
#
#   testdata/generate/bigfile/java.sh BigfileGenerator [--operators N] [--parallelism P] TARGET OUT
#   testdata/generate/bigfile/java.sh SmallLoader FILE
#   testdata/generate/bigfile/java.sh WarmLoader FILE [RUNS [LAST]]
#   testdata/generate/bigfile/java.sh --print-cmd     # the java command line, for timing it directly
#
# Environment: JAVA_HOME (default: the system Java 17), BIGFILE_JVM_OPTS (extra JVM options).
set -euo pipefail
ver=1.20.3
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gen="$(dirname "$here")"
cache="$gen/cache"

# shellcheck source=../java-env.sh
. "$gen/java-env.sh"
cp="$(flink_classpath "$ver")"

out="$cache/bigfile-$ver"
mkdir -p "$cache"
(
  flock 8
  stale=0
  for s in "$here"/src/*.java; do
    c="$out/$(basename "$s" .java).class"
    if [ ! -f "$c" ] || [ "$s" -nt "$c" ]; then stale=1; fi
  done
  if [ $stale = 1 ]; then
    rm -rf "$out.tmp"; mkdir -p "$out.tmp"
    "$JAVAC" -nowarn -encoding UTF-8 -cp "$cp" -d "$out.tmp" "$here"/src/*.java >&2
    rm -rf "$out"; mv "$out.tmp" "$out"
  fi
) 8>"$cache/.bigfile-$ver.lock"

cmd=("$JAVA"
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  -Dlog4j2.level=WARN ${BIGFILE_JVM_OPTS:-}
  -cp "$out:$cp")

if [ "${1:-}" = "--print-cmd" ]; then
  printf '%q ' "${cmd[@]}"; echo
  exit 0
fi
exec "${cmd[@]}" "$@"
