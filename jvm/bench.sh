#!/usr/bin/env bash
# Usage: jvm/bench.sh (from the repository root, after jvm/test-matrix.sh 1.20.3 2.3.0 and cargo build)
# Times `java -version`, a plain env.getStreamGraph() of a 50-operator job in a JVM with Flink's lib/,
# and `flinspect graph` of the same job (median of 5 wall-clock runs).
# median of 5 wall-clock runs, in ms
med() { sort -n | sed -n 3p; }
t() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
opens=()
for p in java.base/java.util java.base/java.lang java.base/java.lang.reflect java.base/java.lang.invoke java.base/java.net java.base/java.io java.base/java.nio java.base/sun.nio.ch java.base/java.util.concurrent java.base/java.util.concurrent.atomic java.base/java.text java.base/java.time java.base/java.math java.base/java.security; do opens+=(--add-opens "$p=ALL-UNNAMED"); done
for v in 1.20.3 2.3.0; do
  home=testdata/generate/cache/flink-$v
  ex=jvm/example-jobs/target/flink-$v/flinspect-example-jobs.jar
  jv=$(for i in 1 2 3 4 5; do t java -version; done | med)
  plain=$(for i in 1 2 3 4 5; do t java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "${opens[@]}" -cp "$ex:$home/lib/*" flinspect.examples.FixtureTopology --extra-maps 42 --stream-graph-only; done | med)
  graph=$(for i in 1 2 3 4 5; do t target/debug/flinspect graph "$ex" --class flinspect.examples.FixtureTopology --flink-home "$home" -- --extra-maps 42; done | med)
  echo "$v: java -version ${jv} ms; plain getStreamGraph (50 operators) ${plain} ms; flinspect graph (50 operators) ${graph} ms"
done
