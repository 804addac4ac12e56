import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.OperatorTransformation;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.state.api.StateBootstrapTransformation;
import org.apache.flink.state.api.functions.KeyedStateBootstrapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Savepoints written by the real State Processor API (flink-state-processor-api), starting from the
 * restore harness's canonical HashMap savepoint of job v1 (snapshots/hashmap-canonical).
 *
 * <pre>
 *   java ... SpaSavepoints &lt;out dir: testdata/restore/flink-VER&gt;
 * </pre>
 *
 * Compiled together with ../restore/src/RestoreGroundTruth.java (job v1, graph.json, JSON, file helpers).
 * The source savepoint is copied back to its original place,
 * /tmp/flinspect-restore/flink-VER/snapshots/hashmap-canonical/, and every new savepoint is written by
 * {@code SavepointWriter.write} to /tmp/flinspect-restore/flink-VER/snapshots/NAME/savepoint-spa/, then
 * copied to OUT/snapshots/NAME/ with snapshot.json and graph.json (the graph of the job the savepoint
 * is meant for):
 *
 * <ul>
 *   <li>spa-uid-repair: {@code changeOperatorIdentifier(forUid("keyed"), forUid("keyed-v2"))}, for the
 *       job whose keyed operator's uid is keyed-v2 (the harness's uid-renamed job);
 *   <li>spa-bootstrap: {@code removeOperator(forUid("keyed"))} + {@code withOperator(forUid("keyed"),
 *       bootstrapWith(fromSequence(0, 799)).keyBy(v % 8).transform(ValueState "count"))}, for job v1;
 *   <li>spa-removed: {@code removeOperator(forUid("op-state"))}, for job v1 without op-state.
 * </ul>
 */
public class SpaSavepoints {

    /** Writes ValueState "count" (Long, as job v1's KeyedCounter) = number of bootstrap records per key. */
    public static final class CountBootstrap extends KeyedStateBootstrapFunction<Long, Long> {
        @Override
        public void processElement(Long v, Context ctx) throws Exception {
            ValueState<Long> st = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
            Long c = st.value();
            st.update(c == null ? 1L : c + 1);
        }
    }

    static String version;
    static Path tmpRoot, outRoot;

    static void log(String s) {
        System.out.println("[spa " + version + " " + java.time.LocalTime.now().withNano(0) + "] " + s);
        System.out.flush();
    }

    static StreamExecutionEnvironment batchEnv() {
        Configuration c = new Configuration();
        c.setString("execution.runtime-mode", "BATCH");
        c.setString("parallelism.default", "2");
        RestoreGroundTruth.set(c, "none", "restart-strategy", "restart-strategy.type");
        c.setString("taskmanager.memory.managed.size", "128 mb");
        RestoreGroundTruth.set(c, "64 mb", "taskmanager.memory.network.min", "taskmanager.memory.network.max");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(c);
        env.setParallelism(2);
        return env;
    }

    interface Edit {
        SavepointWriter apply(StreamExecutionEnvironment env, SavepointWriter w) throws Exception;
    }

    static void write(String name, String sourcePath, String description, String calls,
                      RestoreGroundTruth.JobSpec target, String targetDescription, Edit edit) throws Exception {
        Path snapDir = tmpRoot.resolve("snapshots").resolve(name);
        RestoreGroundTruth.deleteTree(snapDir);
        Files.createDirectories(snapDir);
        Path spDir = snapDir.resolve("savepoint-spa");
        StreamExecutionEnvironment env = batchEnv();
        SavepointWriter w = SavepointWriter.fromExistingSavepoint(env, "file://" + sourcePath, new HashMapStateBackend());
        w = edit.apply(env, w);
        w.write("file://" + spDir);
        long t0 = System.currentTimeMillis();
        env.execute("spa-" + name);
        log(name + ": wrote " + spDir + " in " + (System.currentTimeMillis() - t0) / 1000.0 + " s");
        if (!Files.isRegularFile(spDir.resolve("_metadata"))) {
            throw new IllegalStateException("no _metadata in " + spDir);
        }

        Map<String, Object> j = new LinkedHashMap<>();
        j.put("flink_version", version);
        j.put("name", name);
        j.put("kind", "savepoint");
        j.put("format", "CANONICAL");
        j.put("backend", "hashmap");
        j.put("incremental", false);
        j.put("parallelism", 2);
        j.put("max_parallelism", null);
        j.put("metadata_dir", "savepoint-spa");
        j.put("original_path", spDir.toString());
        j.put("writer", "state-processor-api");
        j.put("state_processor_api_version", spaVersion());
        j.put("derived_from", "snapshots/hashmap-canonical");
        j.put("calls", calls);
        j.put("description", description);
        j.put("graph", targetDescription);
        Files.write(snapDir.resolve("snapshot.json"),
                (RestoreGroundTruth.Json.obj(j) + "\n").getBytes(StandardCharsets.UTF_8));
        Path scratch = tmpRoot.resolve("scratch").resolve("spa-graph");
        Configuration gc = RestoreGroundTruth.baseConf(target, scratch, false);
        Files.write(snapDir.resolve("graph.json"), RestoreGroundTruth.graphJson(RestoreGroundTruth.graphOf(gc, target))
                .getBytes(StandardCharsets.UTF_8));

        Path to = outRoot.resolve("snapshots").resolve(name);
        RestoreGroundTruth.deleteTree(to);
        RestoreGroundTruth.copyTree(snapDir, to);
    }

    /** Implementation-Version of the flink-state-processor-api jar on the class path. */
    static String spaVersion() {
        Package p = SavepointWriter.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        if (v != null) {
            return v;
        }
        String loc = SavepointWriter.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("flink-state-processor-api-([^/]+)\\.jar$").matcher(loc);
        return m.find() ? m.group(1) : null;
    }

    public static void main(String[] args) throws Exception {
        version = EnvironmentInformation.getVersion();
        RestoreGroundTruth.version = version;
        outRoot = Paths.get(args[0]).toAbsolutePath();
        tmpRoot = Paths.get("/tmp/flinspect-restore/flink-" + version);
        RestoreGroundTruth.tmpRoot = tmpRoot;
        RestoreGroundTruth.outRoot = outRoot;
        log("flink " + version + ", state processor API " + spaVersion() + ", out " + outRoot);

        // the source: job v1's canonical HashMap savepoint, back at the path it was written to
        String srcJson = new String(Files.readAllBytes(outRoot.resolve("snapshots/hashmap-canonical/snapshot.json")),
                StandardCharsets.UTF_8);
        String source = RestoreGroundTruth.Json.field(srcJson, "original_path");
        Path tmpSrc = tmpRoot.resolve("snapshots").resolve("hashmap-canonical");
        RestoreGroundTruth.deleteTree(tmpSrc);
        RestoreGroundTruth.copyTree(outRoot.resolve("snapshots").resolve("hashmap-canonical"), tmpSrc);
        log("source " + source);

        RestoreGroundTruth.JobSpec v1 = new RestoreGroundTruth.JobSpec();

        RestoreGroundTruth.JobSpec renamed = v1.copy();
        renamed.keyedUid = "keyed-v2";
        write("spa-uid-repair", source,
                "hashmap-canonical re-written by the State Processor API: the keyed operator's state moved from uid keyed to uid keyed-v2",
                "SavepointWriter.fromExistingSavepoint(env, src, new HashMapStateBackend())"
                        + ".changeOperatorIdentifier(OperatorIdentifier.forUid(\"keyed\"), OperatorIdentifier.forUid(\"keyed-v2\"))"
                        + ".write(dst)",
                renamed, "job v1 with the keyed operator's uid keyed-v2 (the uid-renamed job)",
                (env, w) -> w.changeOperatorIdentifier(OperatorIdentifier.forUid("keyed"), OperatorIdentifier.forUid("keyed-v2")));

        write("spa-bootstrap", source,
                "hashmap-canonical re-written by the State Processor API: the keyed operator (uid keyed) removed and "
                        + "bootstrapped again with ValueState count = 100 for each key 0..7 (no timers)",
                "SavepointWriter.fromExistingSavepoint(env, src, new HashMapStateBackend())"
                        + ".removeOperator(OperatorIdentifier.forUid(\"keyed\"))"
                        + ".withOperator(OperatorIdentifier.forUid(\"keyed\"), OperatorTransformation"
                        + ".bootstrapWith(env.fromSequence(0, 799)).keyBy(v -> v % 8, Types.LONG).transform(CountBootstrap))"
                        + ".write(dst)",
                v1, "job v1",
                (env, w) -> {
                    StateBootstrapTransformation<Long> t = OperatorTransformation
                            .bootstrapWith(env.fromSequence(0, 799))
                            .keyBy(new RestoreGroundTruth.KeyFn(), Types.LONG)
                            .transform(new CountBootstrap());
                    return w.removeOperator(OperatorIdentifier.forUid("keyed"))
                            .withOperator(OperatorIdentifier.forUid("keyed"), t);
                });

        RestoreGroundTruth.JobSpec noOpState = v1.copy();
        noOpState.withOpState = false;
        write("spa-removed", source,
                "hashmap-canonical re-written by the State Processor API: operator op-state (operator ListState op-count) removed",
                "SavepointWriter.fromExistingSavepoint(env, src, new HashMapStateBackend())"
                        + ".removeOperator(OperatorIdentifier.forUid(\"op-state\")).write(dst)",
                noOpState, "job v1 without the op-state operator (the stateful-removed job)",
                (env, w) -> w.removeOperator(OperatorIdentifier.forUid("op-state")));

        RestoreGroundTruth.deleteTree(tmpRoot.resolve("scratch").resolve("spa-graph"));
        log("done");
        System.exit(0);
    }
}
