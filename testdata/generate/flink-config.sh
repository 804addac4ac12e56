#!/usr/bin/env bash
# Usage: testdata/generate/flink-config.sh [VERSION…]   (default: every release below)
#
# Regenerates testdata/config/flink-<ver>/ from each Flink distribution's own jars (PyPI's
# apache-flink-libraries, extracted by flink-jars.sh):
#   - the default configuration file the distribution ships: flink-dist's build copies
#     flink-dist/src/main/resources/{flink-conf.yaml,config.yaml} into both the jar and conf/,
#     so the copy inside flink-dist-<ver>.jar is the conf/ file a new user starts with
#     (flink-conf.yaml up to 1.18, config.yaml from 1.19);
#   - option-keys.tsv: every ConfigOption key of the release, with its deprecated and fallback
#     keys and default value, read by reflection (testdata/config/OptionKeys.java).
# Needs Java 11+ and pip. Deterministic: the same jars give the same files.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(1.13.6 1.14.6 1.15.4 1.16.3 1.18.1 1.20.3 2.0.1 2.1.1 2.3.0)
for v in "${versions[@]}"; do
  lib="$(bash "$here/flink-jars.sh" "$v")"
  out="$root/testdata/config/flink-$v"
  mkdir -p "$out"
  dist="$(ls "$lib"/flink-dist*.jar | head -n1)"
  name="$(unzip -Z1 "$dist" | grep -xE 'flink-conf\.yaml|config\.yaml' | head -n1)"
  [ -n "$name" ] || { echo "flink-config.sh: no default configuration in $dist" >&2; exit 1; }
  rm -f "$out/flink-conf.yaml" "$out/config.yaml"
  unzip -p "$dist" "$name" > "$out/$name"
  (cd "$lib" && java -cp "$lib/*" "$root/testdata/config/OptionKeys.java" "$lib"/*.jar) > "$out/option-keys.tsv.tmp"
  mv "$out/option-keys.tsv.tmp" "$out/option-keys.tsv"
  echo "flink-config.sh: $v: $name, $(wc -l < "$out/option-keys.tsv") option keys" >&2
done
