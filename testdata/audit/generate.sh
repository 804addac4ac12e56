#!/usr/bin/env bash
# Regenerates the graph documents under testdata/audit/graphs/: `flinspect graph` (the JVM
# companion, Flink 2.3.0's own client classes) on the restore ground truth's job
# (jvm/example-jobs RestoreTopology) in the variants the audit tests use. Needs Java, the
# companion and example jobs built for 2.3.0 (mvn -f jvm/pom.xml -Dflink.version=2.3.0 package)
# and Flink 2.3.0's jars (testdata/generate/flink-jars.sh 2.3.0).
set -euo pipefail
cd "$(dirname "$0")/../.."
home="$(dirname "$(testdata/generate/flink-jars.sh 2.3.0)")"
jar=jvm/example-jobs/target/flink-2.3.0/flinspect-example-jobs.jar
out=testdata/audit/graphs
mkdir -p "$out"
graph() {
  local name="$1"; shift
  cargo run -q -- graph "$jar" --class flinspect.examples.RestoreTopology --flink-home "$home" -o "$out/$name.json" "$@"
  echo "generate.sh: $out/$name.json" >&2
}
# As the restore ground truth ran it: every operator has a uid, no max parallelism.
graph default
# The same job under the hardened configuration (job-level settings come from it).
graph hardened --config testdata/audit/hardened/config.yaml
# The keyed operator and the source without uid.
graph no-uid -- --no-uid keyed --no-uid src
# Parallelism 3 of an explicit max parallelism 4 (75 %: little headroom).
graph tight -- --parallelism 3 --max-parallelism 4
# Max parallelism 32768 for parallelism 2.
graph excessive -- --max-parallelism 32768
