import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamGraphHasherV2;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.util.Collector;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The Flink 1.x -> 2.x upgrade ground truth: a job holding one operator per state shape
 * ({@link UpgradeShapes}) runs on Flink 1.20 and takes a canonical savepoint; then, on each target
 * release, a job holding only one shape's operator restores from it (allowNonRestoredState, the
 * other shapes' state is dropped) and reads every key's old value back.
 *
 * <pre>
 *   java ... UpgradeGroundTruth snapshot OUT_ROOT             (on 1.20: OUT_ROOT/snapshots/hashmap-canonical)
 *   java ... UpgradeGroundTruth restore  OUT_ROOT [REGEX]     (on a target: OUT_ROOT/flink-VER/CASE/)
 * </pre>
 */
public class UpgradeGroundTruth {

    static final long KEYS = 4;
    /** With flink-avro on the class path: its own savepoint, and case names end in SUFFIX. */
    static final boolean AVRO = UpgradeShapes.avroOnClassPath();
    static final String SUFFIX = AVRO ? "-with-flink-avro" : "";
    static final String SNAP = "hashmap-canonical" + SUFFIX;
    /** The shapes restored in the with-flink-avro runs (the others only without flink-avro). */
    static final Set<String> AVRO_RUN_SHAPES = new HashSet<>(Arrays.asList("avro-generic", "kryo-value", "pojo-plain"));
    static final Path TMP = Paths.get("/tmp/flinspect-upgrade");
    static String version;

    // ------------------------------------------------------------ functions

    public static final class KeyFn implements KeySelector<Long, Long> {
        @Override
        public Long getKey(Long v) {
            return v % KEYS;
        }
    }

    /** Paces the source (chained to it): 2 ms per record. */
    public static final class Throttle implements MapFunction<Long, Long> {
        @Override
        public Long map(Long v) throws Exception {
            Thread.sleep(2);
            return v;
        }
    }

    /** Appends one JSON line to the verify file (one file per writer). */
    static void record(String dir, String line) {
        if (dir == null) {
            return;
        }
        try {
            Path p = Paths.get(dir);
            Files.createDirectories(p);
            Files.write(p.resolve(UUID.randomUUID() + ".jsonl"), (line + "\n").getBytes(StandardCharsets.UTF_8),
                    StandardOpenOption.CREATE_NEW);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    static String err(Throwable t) {
        return t.getClass().getName() + ": " + t.getMessage();
    }

    /** The keyed state of one shape; with verifyDir set, checks each key's old value once. */
    public static final class ShapeFunction extends KeyedProcessFunction<Long, Long, Long> {
        private final String shapeName;
        private final String verifyDir;
        private transient UpgradeShapes.Shape shape;
        private transient Set<Long> checked;

        public ShapeFunction(String shapeName, String verifyDir) {
            this.shapeName = shapeName;
            this.verifyDir = verifyDir;
        }

        @Override
        public void processElement(Long v, Context ctx, Collector<Long> out) throws Exception {
            if (shape == null) {
                shape = UpgradeShapes.byName().get(shapeName);
                checked = new HashSet<>();
            }
            long key = ctx.getCurrentKey();
            boolean verify = verifyDir != null && checked.add(key);
            switch (shape.kind) {
                case VALUE: {
                    ValueStateDescriptor<Object> d = shape.serializer() != null
                            ? new ValueStateDescriptor<>(shape.stateName, shape.serializer())
                            : new ValueStateDescriptor<>(shape.stateName, shape.typeInfo());
                    ValueState<Object> st = getRuntimeContext().getState(d);
                    Object old;
                    try {
                        old = st.value();
                    } catch (Throwable t) {
                        if (verify) {
                            record(verifyDir, "{\"key\": " + key + ", \"error\": " + q(err(t)) + "}");
                        }
                        throw t;
                    }
                    if (verify) {
                        verifyValues(key, old == null ? new ArrayList<>() : Arrays.asList(old));
                    }
                    long c = safeCount(old);
                    st.update(shape.make(key, c + 1));
                    break;
                }
                case LIST: {
                    ListState<Object> st = getRuntimeContext().getListState(
                            new ListStateDescriptor<>(shape.stateName, shape.typeInfo()));
                    List<Object> old = new ArrayList<>();
                    try {
                        Iterable<Object> it = st.get();
                        if (it != null) {
                            for (Object o : it) {
                                old.add(o);
                            }
                        }
                    } catch (Throwable t) {
                        if (verify) {
                            record(verifyDir, "{\"key\": " + key + ", \"error\": " + q(err(t)) + "}");
                        }
                        throw t;
                    }
                    if (verify) {
                        verifyValues(key, old);
                    }
                    long c = old.isEmpty() ? 0 : safeCount(old.get(0));
                    st.update(Arrays.asList(shape.make(key, c + 1), shape.make(key, c + 2)));
                    break;
                }
                case MAP: {
                    MapState<String, Object> st = getRuntimeContext().getMapState(
                            new MapStateDescriptor<>(shape.stateName, Types.STRING, shape.typeInfo()));
                    List<Object> old = new ArrayList<>();
                    Object latest;
                    try {
                        for (Map.Entry<String, Object> e : st.entries()) {
                            old.add(e.getValue());
                        }
                        latest = st.get("latest");
                    } catch (Throwable t) {
                        if (verify) {
                            record(verifyDir, "{\"key\": " + key + ", \"error\": " + q(err(t)) + "}");
                        }
                        throw t;
                    }
                    if (verify) {
                        verifyValues(key, old);
                    }
                    long c = safeCount(latest);
                    st.put("latest", shape.make(key, c + 1));
                    st.put("first", shape.make(key, 1));
                    break;
                }
                default:
                    throw new IllegalStateException(shape.kind.toString());
            }
            out.collect(v);
        }

        private long safeCount(Object v) {
            try {
                return v == null ? 0 : Math.max(0, shape.countOf(v));
            } catch (RuntimeException e) {
                return 0;
            }
        }

        private void verifyValues(long key, List<Object> old) {
            verifyLine(verifyDir, shape, key, old);
        }
    }

    static void verifyLine(String verifyDir, UpgradeShapes.Shape shape, long key, List<Object> old) {
        boolean consistent = !old.isEmpty();
        String sample = null;
        String why = null;
        for (Object o : old) {
            if (sample == null) {
                sample = String.valueOf(o);
            }
            try {
                if (!shape.consistent(o) || (key >= 0 && shape.keyOf(o) != key)) {
                    consistent = false;
                    why = "value does not match make(keyOf, countOf) or another key's value: " + o;
                }
            } catch (RuntimeException e) {
                consistent = false;
                why = err(e) + " on " + o;
            }
        }
        record(verifyDir, "{\"key\": " + key + ", \"values\": " + old.size() + ", \"consistent\": " + consistent
                + ", \"sample\": " + q(sample) + (why == null ? "" : ", \"why\": " + q(why)) + "}");
    }

    /** Operator ListState of one shape (round-robin redistributed): every element is checked on restore. */
    public static final class OperatorShapeFunction implements MapFunction<Long, Long>, CheckpointedFunction {
        private final String shapeName;
        private final String verifyDir;
        private transient UpgradeShapes.Shape shape;
        private transient ListState<Object> state;
        private long count;

        public OperatorShapeFunction(String shapeName, String verifyDir) {
            this.shapeName = shapeName;
            this.verifyDir = verifyDir;
        }

        @Override
        public Long map(Long v) {
            count++;
            return v;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext ctx) throws Exception {
            state.clear();
            state.add(shape.make(7, count));
            state.add(shape.make(7, count + 1));
        }

        @Override
        public void initializeState(FunctionInitializationContext ctx) throws Exception {
            shape = UpgradeShapes.byName().get(shapeName);
            state = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<>(shape.stateName, shape.typeInfo()));
            if (ctx.isRestored() && verifyDir != null) {
                List<Object> old = new ArrayList<>();
                try {
                    for (Object o : state.get()) {
                        old.add(o);
                    }
                } catch (Throwable t) {
                    record(verifyDir, "{\"key\": -1, \"error\": " + q(err(t)) + "}");
                    throw t;
                }
                verifyLine(verifyDir, shape, 7, old);
            }
        }
    }

    // ------------------------------------------------------------ job

    static void registerTypes(StreamExecutionEnvironment env) {
        SerializerConfigImpl sc = (SerializerConfigImpl) env.getConfig().getSerializerConfig();
        sc.registerKryoType(UpgradeShapes.RegisteredReading.class);
        sc.registerTypeWithKryoSerializer(UpgradeShapes.CustomReading.class, UpgradeShapes.CustomReadingKryoSerializer.class);
    }

    /** v1 (shapes = all) or a restore job (one shape, with verifyDir). */
    static void build(StreamExecutionEnvironment env, List<UpgradeShapes.Shape> shapes, String verifyDir) throws Exception {
        registerTypes(env);
        SingleOutputStreamOperator<Long> src = env.fromSequence(0, 1_000_000_000L).uid("src").name("seq");
        SingleOutputStreamOperator<Long> paced = src.map(new Throttle()).uid("throttle").name("throttle");
        for (UpgradeShapes.Shape s : shapes) {
            SingleOutputStreamOperator<Long> op;
            if (s.kind == UpgradeShapes.Kind.OPERATOR_LIST) {
                op = paced.map(new OperatorShapeFunction(s.name, verifyDir));
            } else {
                op = paced.keyBy(new KeyFn(), Types.LONG).process(new ShapeFunction(s.name, verifyDir));
            }
            op.uid(s.name).name(s.name);
            DataStreamSink<Long> sink = discardingSink(op);
            sink.uid("sink-" + s.name).name("sink-" + s.name);
        }
    }

    /** 1.x: addSink(legacy DiscardingSink); 2.x: sinkTo(sink.v2.DiscardingSink). */
    @SuppressWarnings("unchecked")
    static DataStreamSink<Long> discardingSink(DataStream<Long> s) throws Exception {
        Class<?> legacy;
        try {
            legacy = Class.forName("org.apache.flink.streaming.api.functions.sink.DiscardingSink");
        } catch (ClassNotFoundException e) {
            legacy = null;
        }
        if (legacy != null) {
            Method m = DataStream.class.getMethod("addSink",
                    Class.forName("org.apache.flink.streaming.api.functions.sink.SinkFunction"));
            return (DataStreamSink<Long>) m.invoke(s, legacy.getDeclaredConstructor().newInstance());
        }
        Class<?> v2 = Class.forName("org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink");
        Method m = DataStream.class.getMethod("sinkTo", Class.forName("org.apache.flink.api.connector.sink2.Sink"));
        return (DataStreamSink<Long>) m.invoke(s, v2.getDeclaredConstructor().newInstance());
    }

    static void set(Configuration c, String value, String... keys) {
        for (String k : keys) {
            c.setString(k, value);
        }
    }

    static Configuration conf(String backend, Path checkpointDir) {
        Configuration c = new Configuration();
        set(c, backend, "state.backend", "state.backend.type");
        set(c, "false", "state.backend.incremental", "execution.checkpointing.incremental");
        set(c, "file://" + checkpointDir, "state.checkpoints.dir", "execution.checkpointing.dir");
        set(c, "1 s", "execution.checkpointing.interval");
        set(c, "none", "restart-strategy", "restart-strategy.type");
        set(c, "2", "parallelism.default");
        set(c, "128 mb", "taskmanager.memory.managed.size");
        set(c, "64 mb", "taskmanager.memory.network.min", "taskmanager.memory.network.max");
        return c;
    }

    /** uid -> OperatorID (hex) of the job, from Flink's own StreamGraphHasherV2. */
    static Map<String, String> operatorIds(Configuration conf, List<UpgradeShapes.Shape> shapes) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        build(env, shapes, null);
        StreamGraph sg = env.getStreamGraph();
        Map<Integer, byte[]> hashes = new StreamGraphHasherV2().traverseStreamGraphAndGenerateHashes(sg);
        Map<String, String> ids = new LinkedHashMap<>();
        List<StreamNode> nodes = new ArrayList<>(sg.getStreamNodes());
        nodes.sort(Comparator.comparingInt(StreamNode::getId));
        for (StreamNode n : nodes) {
            StringBuilder sb = new StringBuilder();
            for (byte x : hashes.get(n.getId())) {
                sb.append(String.format("%02x", x & 0xff));
            }
            ids.put(n.getTransformationUID(), sb.toString());
        }
        return ids;
    }

    // ------------------------------------------------------------ snapshot (1.x)

    static void snapshot(Path outRoot) throws Exception {
        List<UpgradeShapes.Shape> shapes = UpgradeShapes.all();
        Path tmpSnap = TMP.resolve("flink-" + version).resolve("snapshots").resolve(SNAP);
        Path scratch = TMP.resolve("flink-" + version).resolve("scratch");
        deleteTree(tmpSnap);
        deleteTree(scratch);
        Configuration c = conf("hashmap", scratch);
        Map<String, String> ids = operatorIds(c, shapes);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(c);
        build(env, shapes, null);
        log("v1 with " + shapes.size() + " shapes: starting");
        JobClient client = env.executeAsync("upgrade-v1");
        String pointer;
        try {
            waitForCheckpoints(client, scratch, 2, 180_000);
            pointer = (String) ((java.util.concurrent.CompletableFuture<?>) JobClient.class
                    .getMethod("triggerSavepoint", String.class,
                            Class.forName("org.apache.flink.core.execution.SavepointFormatType"))
                    .invoke(client, "file://" + tmpSnap, enumValue("org.apache.flink.core.execution.SavepointFormatType", "CANONICAL")))
                    .get(120, TimeUnit.SECONDS);
            log("canonical savepoint " + pointer);
        } finally {
            client.cancel().get(60, TimeUnit.SECONDS);
            try {
                client.getJobExecutionResult().get(60, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // cancelled
            }
        }
        deleteTree(scratch);
        String p = pointer.replaceFirst("^file:", "");
        while (p.startsWith("//")) {
            p = p.substring(1);
        }
        Path out = outRoot.resolve("snapshots").resolve(SNAP);
        deleteTree(out);
        copyTree(tmpSnap, out);
        StringBuilder shapesJson = new StringBuilder("[\n");
        for (int i = 0; i < shapes.size(); i++) {
            UpgradeShapes.Shape s = shapes.get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("shape", s.name);
            m.put("uid", s.name);
            m.put("operator_id", ids.get(s.name));
            m.put("state", s.stateName);
            m.put("kind", s.kind.toString().toLowerCase().replace('_', '-'));
            m.put("description", s.description);
            shapesJson.append("  ").append(Json.obj(m)).append(i + 1 < shapes.size() ? ",\n" : "\n");
        }
        shapesJson.append("]\n");
        Files.write(out.resolve("shapes.json"), shapesJson.toString().getBytes(StandardCharsets.UTF_8));
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("flink_version", version);
        j.put("name", SNAP);
        j.put("kind", "savepoint");
        j.put("format", "CANONICAL");
        j.put("backend", "hashmap");
        j.put("parallelism", 2);
        j.put("keys", KEYS);
        j.put("metadata_dir", tmpSnap.relativize(Paths.get(p)).toString());
        j.put("original_path", p);
        j.put("source_ids", ids.get("src"));
        Files.write(out.resolve("snapshot.json"), (Json.obj(j) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static Object enumValue(String cls, String v) throws Exception {
        return Enum.valueOf((Class) Class.forName(cls), v);
    }

    // ------------------------------------------------------------ restore (target)

    static void restore(Path outRoot, Pattern filter) throws Exception {
        Path snapOut = outRoot.resolve("snapshots").resolve(SNAP);
        String sj = new String(Files.readAllBytes(snapOut.resolve("snapshot.json")), StandardCharsets.UTF_8);
        String original = Json.field(sj, "original_path");
        String from = Json.field(sj, "flink_version");
        Path tmpSnap = Paths.get(original);
        while (!tmpSnap.getFileName().toString().equals(SNAP)) {
            tmpSnap = tmpSnap.getParent();
        }
        for (UpgradeShapes.Shape s : UpgradeShapes.all()) {
            if (AVRO && !AVRO_RUN_SHAPES.contains(s.name)) {
                continue;
            }
            for (String backend : new String[] {"hashmap", "rocksdb"}) {
                String caseName = s.name + "-" + backend + SUFFIX;
                if (filter != null && !filter.matcher(caseName).matches()) {
                    continue;
                }
                deleteTree(tmpSnap);
                copyTree(snapOut, tmpSnap);
                runCase(outRoot, from, original, s, backend, caseName);
            }
        }
    }

    static void runCase(Path outRoot, String from, String savepoint, UpgradeShapes.Shape s, String backend, String caseName)
            throws Exception {
        Path caseDir = outRoot.resolve("flink-" + version).resolve(caseName);
        deleteTree(caseDir);
        Files.createDirectories(caseDir);
        Path ck = TMP.resolve("flink-" + version).resolve("ck").resolve(caseName);
        Path verify = TMP.resolve("flink-" + version).resolve("verify").resolve(caseName);
        deleteTree(ck);
        deleteTree(verify);
        Configuration c = conf(backend, ck);
        set(c, savepoint, "execution.savepoint.path", "execution.state-recovery.path");
        set(c, "true", "execution.savepoint.ignore-unclaimed-state", "execution.state-recovery.ignore-unclaimed-state");
        List<UpgradeShapes.Shape> one = Arrays.asList(s);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(c);
        build(env, one, verify.toString());
        int expected = s.kind == UpgradeShapes.Kind.OPERATOR_LIST ? 2 : (int) KEYS;
        long t0 = System.currentTimeMillis();
        Throwable failure = null;
        boolean submitted = false;
        boolean checkpointed = false;
        String status = null;
        JobClient client = null;
        try {
            client = env.executeAsync(caseName);
            submitted = true;
            long end = System.currentTimeMillis() + 40_000;
            while (System.currentTimeMillis() < end) {
                if (client.getJobExecutionResult().isDone()) {
                    break;
                }
                JobStatus st = client.getJobStatus().get(10, TimeUnit.SECONDS);
                if (st.isGloballyTerminalState()) {
                    break;
                }
                if (st == JobStatus.RUNNING && countCheckpoints(ck) >= 1) {
                    checkpointed = true;
                    // every key read once; errors end the job anyway
                    if (verifyLines(verify).size() >= expected) {
                        Thread.sleep(1500);
                        break;
                    }
                }
                Thread.sleep(250);
            }
            if (client.getJobExecutionResult().isDone()) {
                try {
                    client.getJobExecutionResult().get();
                } catch (Exception e) {
                    failure = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
                }
            }
            status = client.getJobStatus().get(10, TimeUnit.SECONDS).toString();
            if (!client.getJobExecutionResult().isDone()) {
                client.cancel().get(60, TimeUnit.SECONDS);
                try {
                    client.getJobExecutionResult().get(60, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // cancelled
                }
            }
        } catch (Throwable t) {
            // the job ended while we asked for its status: its own result says why
            // (a job that fails at once shuts its per-job MiniCluster down: getJobStatus throws
            // before the result future has completed, so wait for it)
            if (failure == null && client != null) {
                try {
                    client.getJobExecutionResult().get(60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    failure = e.getCause() != null ? e.getCause() : e;
                } catch (Exception ignored) {
                    // no result: keep what was thrown
                }
            }
            if (failure == null) {
                failure = t instanceof java.util.concurrent.ExecutionException && t.getCause() != null ? t.getCause() : t;
            }
        }
        List<String> lines = verifyLines(verify);
        int consistent = 0;
        int empty = 0;
        int errors = 0;
        String firstError = null;
        String firstBad = null;
        for (String l : lines) {
            if (l.contains("\"error\": ")) {
                errors++;
                if (firstError == null) {
                    firstError = Json.field(l, "error");
                }
            } else if (l.contains("\"values\": 0,")) {
                empty++;
            } else if (l.contains("\"consistent\": true")) {
                consistent++;
            } else if (firstBad == null) {
                firstBad = l;
            }
        }
        boolean restored = failure == null && checkpointed;
        boolean readsCorrectly = restored && errors == 0 && empty == 0 && consistent >= expected;

        Map<String, Object> outcome = new LinkedHashMap<>();
        outcome.put("source_flink_version", from);
        outcome.put("flink_version", version);
        outcome.put("snapshot", "snapshots/" + SNAP);
        outcome.put("shape", s.name);
        outcome.put("uid", s.name);
        outcome.put("state", s.stateName);
        outcome.put("state_backend", backend);
        outcome.put("flink_avro_on_class_path", AVRO);
        outcome.put("restored", restored);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("case", caseName);
        details.put("description", s.description);
        details.put("restore", "savepoint path, allowNonRestoredState (the other shapes' operators are not in the job)");
        details.put("verify_lines", new ArrayList<Object>(lines));
        if (failure != null) {
            List<Throwable> chain = new ArrayList<>();
            for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
                chain.add(t);
            }
            Throwable root = chain.get(chain.size() - 1);
            boolean submission = !submitted;
            for (Throwable t : chain) {
                String cn = t.getClass().getName();
                if (cn.endsWith("JobInitializationException") || cn.endsWith("JobSubmissionException")) {
                    submission = true;
                }
            }
            String message = null;
            for (int i = chain.size() - 1; i >= 0 && message == null; i--) {
                message = chain.get(i).getMessage();
            }
            outcome.put("phase", submission ? "submission" : errors > 0 ? "state-read" : "task-restore");
            outcome.put("exception_class", root.getClass().getName());
            outcome.put("message", message);
            List<Object> cc = new ArrayList<>();
            for (Throwable t : chain) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("class", t.getClass().getName());
                m.put("message", t.getMessage());
                cc.add(m);
            }
            details.put("cause_chain", cc);
            Files.write(caseDir.resolve("stacktrace.txt"), compactTrace(chain).getBytes(StandardCharsets.UTF_8));
        } else if (!checkpointed) {
            outcome.put("phase", "unclear");
            outcome.put("exception_class", null);
            outcome.put("message", "job " + status + " but no checkpoint completed within 40 s after submission");
        } else {
            outcome.put("phase", "restored");
            outcome.put("exception_class", null);
            outcome.put("message", null);
        }
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("expected", expected);
        value.put("consistent", consistent);
        value.put("empty", empty);
        value.put("read_errors", errors);
        value.put("first_read_error", firstError);
        value.put("first_inconsistent", firstBad);
        outcome.put("value_check", value);
        outcome.put("reads_correctly", readsCorrectly);
        details.put("seconds", (System.currentTimeMillis() - t0) / 1000.0);
        details.put("job_status", status);
        Files.write(caseDir.resolve("outcome.json"), (Json.obj(outcome) + "\n").getBytes(StandardCharsets.UTF_8));
        Files.write(caseDir.resolve("details.json"), (Json.obj(details) + "\n").getBytes(StandardCharsets.UTF_8));
        log(caseName + ": " + outcome.get("phase") + (failure == null ? "" : " " + outcome.get("exception_class") + ": "
                + outcome.get("message")) + " | values: " + value);
        deleteTree(ck);
    }

    static List<String> verifyLines(Path dir) throws IOException {
        List<String> l = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return l;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().collect(Collectors.toList())) {
                for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                    if (!line.trim().isEmpty()) {
                        l.add(line.trim());
                    }
                }
            }
        }
        l.sort(null);
        return l;
    }

    static String compactTrace(List<Throwable> chain) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < chain.size(); i++) {
            Throwable t = chain.get(i);
            sb.append(i == 0 ? "" : "Caused by: ").append(t.getClass().getName());
            if (t.getMessage() != null) {
                sb.append(": ").append(t.getMessage());
            }
            sb.append('\n');
            StackTraceElement[] st = t.getStackTrace();
            for (int k = 0; k < Math.min(st.length, 8); k++) {
                sb.append("\tat ").append(st[k]).append('\n');
            }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------ helpers

    static long countCheckpoints(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir, 3)) {
            return s.filter(p -> p.getFileName().toString().equals("_metadata")
                    && p.getParent().getFileName().toString().startsWith("chk-")).count();
        }
    }

    static void waitForCheckpoints(JobClient c, Path dir, int n, long timeoutMs) throws Exception {
        long end = System.currentTimeMillis() + timeoutMs;
        long seen = 0;
        while (seen < n) {
            if (System.currentTimeMillis() > end) {
                throw new IllegalStateException("no " + n + " checkpoints in " + dir + " within " + timeoutMs + " ms");
            }
            JobStatus st = c.getJobStatus().get();
            if (st.isTerminalState()) {
                c.getJobExecutionResult().get();
                throw new IllegalStateException("v1 job ended: " + st);
            }
            // checkpoint ids only grow; the last retained one names how many completed
            try (Stream<Path> s = Files.walk(dir, 3)) {
                seen = s.filter(p -> p.getFileName().toString().equals("_metadata"))
                        .map(p -> p.getParent().getFileName().toString())
                        .filter(x -> x.startsWith("chk-"))
                        .mapToLong(x -> Long.parseLong(x.substring(4))).max().orElse(0);
            } catch (IOException | java.io.UncheckedIOException e) {
                seen = 0;
            }
            Thread.sleep(300);
        }
    }

    static void log(String s) {
        System.out.println("[upgrade " + version + " " + java.time.LocalTime.now().withNano(0) + "] " + s);
        System.out.flush();
    }

    static String q(String s) {
        return Json.str(s);
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(x);
            }
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path x : s.collect(Collectors.toList())) {
                Path t = to.resolve(from.relativize(x).toString());
                if (Files.isDirectory(x)) {
                    Files.createDirectories(t);
                } else {
                    Files.createDirectories(t.getParent());
                    Files.copy(x, t, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    public static void main(String[] args) throws Exception {
        try {
            version = EnvironmentInformation.getVersion();
            Path outRoot = Paths.get(args[1]).toAbsolutePath();
            log("flink " + version + ", " + args[0] + ", out " + outRoot);
            if (args[0].equals("snapshot")) {
                snapshot(outRoot);
            } else if (args[0].equals("restore")) {
                restore(outRoot, args.length > 2 ? Pattern.compile(args[2]) : null);
            } else {
                throw new IllegalArgumentException("snapshot | restore");
            }
            log("done");
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    // ------------------------------------------------------------ tiny JSON writer

    static final class Json {
        static String str(String s) {
            if (s == null) {
                return "null";
            }
            StringBuilder sb = new StringBuilder("\"");
            for (char ch : s.toCharArray()) {
                switch (ch) {
                    case '"': sb.append("\\\""); break;
                    case '\\': sb.append("\\\\"); break;
                    case '\n': sb.append("\\n"); break;
                    case '\r': sb.append("\\r"); break;
                    case '\t': sb.append("\\t"); break;
                    default:
                        if (ch < 0x20) {
                            sb.append(String.format("\\u%04x", (int) ch));
                        } else {
                            sb.append(ch);
                        }
                }
            }
            return sb.append('"').toString();
        }

        static String val(Object o) {
            if (o == null) {
                return "null";
            }
            if (o instanceof String) {
                return str((String) o);
            }
            if (o instanceof Map) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) o;
                return obj(m);
            }
            if (o instanceof List) {
                return "[" + ((List<?>) o).stream().map(Json::val).collect(Collectors.joining(", ")) + "]";
            }
            return o.toString();
        }

        static String obj(Map<String, Object> m) {
            return "{ " + m.entrySet().stream().map(e -> str(e.getKey()) + ": " + val(e.getValue()))
                    .collect(Collectors.joining(", ")) + " }";
        }

        static String field(String json, String key) {
            java.util.regex.Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\": (\"((?:[^\"\\\\]|\\\\.)*)\"|[^,}\\s]+)")
                    .matcher(json);
            if (!m.find()) {
                return null;
            }
            if (m.group(2) != null) {
                return m.group(2).replace("\\\"", "\"").replace("\\\\", "\\");
            }
            String v = m.group(1);
            return v.equals("null") ? null : v;
        }
    }
}
