#!/usr/bin/env bash
# Usage: jvm/ci.sh
# From a clean checkout: builds the graph companion and the example jobs for the Flink releases
# CI covers (Maven Central), fetches those releases' jars (PyPI apache-flink-libraries), and runs
# the graph tests against them. Needs java (17), mvn, python3 with pip, and cargo.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
start=$(date +%s)
for v in 1.20.3 2.3.0; do
  "$here/../testdata/generate/flink-jars.sh" "$v" >/dev/null
  mvn -B -q -T1 -f "$here/pom.xml" "-Dflink.version=$v" package
done
"$here/test-matrix.sh" 1.20.3 2.3.0
echo "jvm/ci.sh: done in $(( $(date +%s) - start ))s"
