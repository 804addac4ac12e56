import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.shaded.zookeeper3.org.apache.zookeeper.CreateMode;
import org.apache.flink.shaded.zookeeper3.org.apache.zookeeper.ZKUtil;
import org.apache.flink.shaded.zookeeper3.org.apache.zookeeper.ZooDefs;
import org.apache.flink.shaded.zookeeper3.org.apache.zookeeper.ZooKeeper;
import org.apache.flink.shaded.zookeeper3.org.apache.zookeeper.data.Stat;
import org.apache.flink.shaded.zookeeper3.org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.flink.shaded.zookeeper3.org.apache.zookeeper.server.ZooKeeperServer;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.OperatorIDPair;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
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
import org.apache.flink.streaming.api.graph.StreamingJobGraphGenerator;
import org.apache.flink.util.Collector;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Restore ground truth for flinspect: runs job v1 on a local MiniCluster, takes snapshots, then
 * submits job variants restoring from them and records what Flink did.
 *
 * <p>One source for Flink 1.13 .. 2.x: the few version-specific calls (sink, savepoint format)
 * go through reflection. Usage:
 *
 * <pre>
 *   java ... RestoreGroundTruth &lt;out dir: testdata/restore/flink-VER&gt; [snapshots|cases|all] [case-filter-regex]
 * </pre>
 *
 * Snapshots are written under /tmp/flinspect-restore/flink-VER/snapshots/NAME/ and copied to
 * OUT/snapshots/NAME/. Restores read the /tmp copy (retained checkpoints hold absolute paths),
 * which is refreshed from OUT before every case.
 */
public class RestoreGroundTruth {

    static String version;          // e.g. 2.3.0
    static String minor;            // e.g. 2.3
    static int major, minorNo;
    static Path tmpRoot;            // /tmp/flinspect-restore/flink-VER
    static Path outRoot;            // testdata/restore/flink-VER

    // ---------------------------------------------------------------- job definition

    /** What a job looks like; v1 is the default. */
    static final class JobSpec implements Cloneable {
        String backend = "hashmap";
        int parallelism = 2;
        Integer jobMaxPar = null;
        boolean withOpState = true;
        String keyedUid = "keyed";
        boolean newMap = false;
        Map<String, Integer> opMaxPar = new HashMap<>();
        Map<String, Integer> opPar = new HashMap<>();
        Set<String> noUid = new HashSet<>();   // operators built without .uid(): Flink generates the hash
        boolean preMap = false;        // a stateless map (uid pre-map) inserted between op-state and keyed
        Map<String, String> uidHash = new HashMap<>();   // setUidHash per operator (by its uid name)
        // the unaligned-checkpoint job (buildUnaligned): src -> op-state ==edge==> pre --keyBy--> keyed -> stateless -> sink
        boolean ua = false;
        boolean unaligned = false;     // unaligned checkpoints on (ua jobs: on unless a case switches them off)
        String uaEdge = "rebalance";   // partitioner of the src/op-state -> pre edge: rebalance | keyby | rescale
        boolean withPre = true;
        boolean withStateless = true;

        JobSpec copy() {
            JobSpec s = new JobSpec();
            s.backend = backend;
            s.parallelism = parallelism;
            s.jobMaxPar = jobMaxPar;
            s.withOpState = withOpState;
            s.keyedUid = keyedUid;
            s.newMap = newMap;
            s.opMaxPar = new HashMap<>(opMaxPar);
            s.opPar = new HashMap<>(opPar);
            s.noUid = new HashSet<>(noUid);
            s.preMap = preMap;
            s.uidHash = new HashMap<>(uidHash);
            s.ua = ua;
            s.unaligned = unaligned;
            s.uaEdge = uaEdge;
            s.withPre = withPre;
            s.withStateless = withStateless;
            return s;
        }
    }

    /** Operator ListState holding a running count; sleeps to pace the (chained) source. */
    public static final class OpStateMap implements MapFunction<Long, Long>, CheckpointedFunction {
        private transient ListState<Long> state;
        private long count;

        @Override
        public Long map(Long v) throws Exception {
            Thread.sleep(2);
            count++;
            return v;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext ctx) throws Exception {
            state.clear();
            state.add(count);
        }

        @Override
        public void initializeState(FunctionInitializationContext ctx) throws Exception {
            state = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<>("op-count", Types.LONG));
            for (Long c : state.get()) {
                count += c;
            }
        }
    }

    public static final class KeyFn implements KeySelector<Long, Long> {
        @Override
        public Long getKey(Long v) {
            return v % 8;
        }
    }

    /** ValueState counter per key plus one processing-time timer per key (far in the future). */
    public static final class KeyedCounter extends KeyedProcessFunction<Long, Long, Long> {
        @Override
        public void processElement(Long v, Context ctx, Collector<Long> out) throws Exception {
            ValueState<Long> st = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
            Long c = st.value();
            if (c == null) {
                c = 0L;
                ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 3_600_000L);
            }
            st.update(c + 1);
            out.collect(v);
        }

        @Override
        public void onTimer(long ts, OnTimerContext ctx, Collector<Long> out) {
        }
    }

    /** As OpStateMap without the sleep: the unaligned job's source runs as fast as it can. */
    public static final class CountingMap implements MapFunction<Long, Long>, CheckpointedFunction {
        private transient ListState<Long> state;
        private long count;

        @Override
        public Long map(Long v) {
            count++;
            return v;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext ctx) throws Exception {
            state.clear();
            state.add(count);
        }

        @Override
        public void initializeState(FunctionInitializationContext ctx) throws Exception {
            state = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<>("op-count", Types.LONG));
            for (Long c : state.get()) {
                count += c;
            }
        }
    }

    /** KeyedCounter that sleeps 1 ms per record: the bottleneck that back-pressures both exchanges. */
    public static final class SlowKeyedCounter extends KeyedProcessFunction<Long, Long, Long> {
        @Override
        public void processElement(Long v, Context ctx, Collector<Long> out) throws Exception {
            Thread.sleep(1);
            ValueState<Long> st = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
            Long c = st.value();
            st.update(c == null ? 1L : c + 1);
            out.collect(v);
        }
    }

    public static final class Identity implements MapFunction<Long, Long> {
        @Override
        public Long map(Long v) {
            return v;
        }
    }

    static <T> SingleOutputStreamOperator<T> apply(SingleOutputStreamOperator<T> op, String uid, String name, JobSpec spec) {
        if (!spec.noUid.contains(uid)) {
            op.uid(uid);
        }
        if (spec.uidHash.containsKey(uid)) {
            op.setUidHash(spec.uidHash.get(uid));
        }
        op.name(name);
        if (spec.opPar.containsKey(uid)) {
            op.setParallelism(spec.opPar.get(uid));
        }
        if (spec.opMaxPar.containsKey(uid)) {
            op.setMaxParallelism(spec.opMaxPar.get(uid));
        }
        return op;
    }

    static void build(StreamExecutionEnvironment env, JobSpec spec) throws Exception {
        if (spec.ua) {
            buildUnaligned(env, spec);
            return;
        }
        env.setParallelism(spec.parallelism);
        if (spec.jobMaxPar != null) {
            env.setMaxParallelism(spec.jobMaxPar);
        }
        SingleOutputStreamOperator<Long> s = apply(env.fromSequence(0, 1_000_000_000L), "src", "seq", spec);
        if (spec.withOpState) {
            s = apply(s.map(new OpStateMap()), "op-state", "op-state", spec);
        }
        if (spec.preMap) {
            s = apply(s.map(new Identity()), "pre-map", "pre-map", spec);
        }
        s = apply(s.keyBy(new KeyFn(), Types.LONG).process(new KeyedCounter()), spec.keyedUid, "keyed", spec);
        if (spec.newMap) {
            s = apply(s.map(new Identity()), "new-map", "new-map", spec);
        }
        if (spec.withStateless) {
            s = apply(s.map(new Identity()), "stateless", "stateless", spec);
        }
        DataStreamSink<Long> sink = discardingSink(s);
        if (!spec.noUid.contains("sink")) {
            sink.uid("sink");
        }
        sink.name("sink");
        if (spec.opPar.containsKey("sink")) {
            sink.setParallelism(spec.opPar.get("sink"));
        }
    }

    /**
     * The unaligned-checkpoint job: seq (uid src) -> op-state (operator ListState, chained) ==edge==>
     * pre (stateless map) --keyBy--> keyed (ValueState, 1 ms per record) -> stateless -> sink (chained).
     * The unthrottled source against the slow keyed operator back-pressures both exchanges, so an
     * unaligned checkpoint holds in-flight records on the edge into pre (rebalance by default) and
     * on the keyBy edge into keyed.
     */
    static void buildUnaligned(StreamExecutionEnvironment env, JobSpec spec) throws Exception {
        env.setParallelism(spec.parallelism);
        SingleOutputStreamOperator<Long> s = apply(env.fromSequence(0, Long.MAX_VALUE - 1), "src", "seq", spec);
        if (spec.withOpState) {
            s = apply(s.map(new CountingMap()), "op-state", "op-state", spec);
        }
        if (spec.withPre) {
            DataStream<Long> e;
            switch (spec.uaEdge) {
                case "rebalance": e = s.rebalance(); break;
                case "keyby": e = s.keyBy(new KeyFn(), Types.LONG); break;
                case "rescale": e = s.rescale(); break;
                default: throw new IllegalArgumentException(spec.uaEdge);
            }
            s = apply(e.map(new Identity()), "pre", "pre", spec);
            if (spec.newMap) {
                s = apply(s.map(new Identity()), "new-map", "new-map", spec);
            }
        }
        s = apply(s.keyBy(new KeyFn(), Types.LONG).process(new SlowKeyedCounter()), "keyed", "keyed", spec);
        if (spec.withStateless) {
            s = apply(s.map(new Identity()), "stateless", "stateless", spec);
        }
        DataStreamSink<Long> sink = discardingSink(s);
        sink.uid("sink");
        sink.name("sink");
        if (spec.opPar.containsKey("sink")) {
            sink.setParallelism(spec.opPar.get("sink"));
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

    // ---------------------------------------------------------------- configuration

    static void set(Configuration c, String value, String... keys) {
        for (String k : keys) {
            c.setString(k, value);
        }
    }

    static Configuration baseConf(JobSpec spec, Path checkpointDir, boolean incremental) {
        Configuration c = new Configuration();
        set(c, spec.backend, "state.backend", "state.backend.type");
        set(c, Boolean.toString(incremental), "state.backend.incremental", "execution.checkpointing.incremental");
        set(c, "file://" + checkpointDir, "state.checkpoints.dir", "execution.checkpointing.dir");
        set(c, "1 s", "execution.checkpointing.interval");
        set(c, "none", "restart-strategy", "restart-strategy.type");
        set(c, Integer.toString(spec.parallelism), "parallelism.default");
        set(c, "128 mb", "taskmanager.memory.managed.size");
        set(c, "64 mb", "taskmanager.memory.network.min", "taskmanager.memory.network.max");
        if (spec.ua) {
            set(c, Boolean.toString(spec.unaligned), "execution.checkpointing.unaligned",
                    "execution.checkpointing.unaligned.enabled");
        }
        if (spec.ua && spec.unaligned) {
            // every checkpoint unaligned at once
            set(c, "0 ms", "execution.checkpointing.aligned-checkpoint-timeout");
        }
        if (spec.ua) {
            // few, small network buffers so that the back-pressured channels hold little data
            // (and an aligned checkpoint's barrier gets through them within seconds)
            set(c, "4 kb", "taskmanager.memory.segment-size");
            set(c, "2", "taskmanager.network.memory.buffers-per-channel");
            set(c, "2", "taskmanager.network.memory.floating-buffers-per-gate");
            set(c, "2", "taskmanager.network.memory.max-buffers-per-channel");
        }
        return c;
    }

    // ---------------------------------------------------------------- graph

    static final class Graph {
        final List<Map<String, Object>> operators = new ArrayList<>();
        final Set<String> ids = new HashSet<>();
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x & 0xff));
        }
        return sb.toString();
    }

    static Graph graphOf(Configuration conf, JobSpec spec) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        build(env, spec);
        StreamGraph sg = env.getStreamGraph();
        Map<Integer, byte[]> hashes = new StreamGraphHasherV2().traverseStreamGraphAndGenerateHashes(sg);
        JobGraph jg = StreamingJobGraphGenerator.createJobGraph(sg);
        Map<String, String> head = new HashMap<>();
        for (JobVertex v : jg.getVertices()) {
            String h = v.getID().toHexString();
            for (OperatorIDPair p : v.getOperatorIDs()) {
                head.put(p.getGeneratedOperatorID().toHexString(), h);
            }
        }
        Graph g = new Graph();
        List<StreamNode> nodes = new ArrayList<>(sg.getStreamNodes());
        nodes.sort(Comparator.comparingInt(StreamNode::getId));
        for (StreamNode n : nodes) {
            String generated = hex(hashes.get(n.getId()));
            // setUidHash: the OperatorID Flink restores state with is the user's hash
            String id = n.getUserHash() != null ? n.getUserHash().toLowerCase() : generated;
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("uid", n.getTransformationUID());
            o.put("name", n.getOperatorName());
            o.put("operator_id", id);
            o.put("parallelism", n.getParallelism());
            o.put("max_parallelism", nodeMaxPar(n));
            o.put("chained_into", head.get(generated));
            g.operators.add(o);
            g.ids.add(id);
        }
        return g;
    }

    /** StreamNode.getMaxParallelism() is package-private before 2.x. */
    static int nodeMaxPar(StreamNode n) throws Exception {
        Method m = StreamNode.class.getDeclaredMethod("getMaxParallelism");
        m.setAccessible(true);
        return (Integer) m.invoke(n);
    }

    static String graphJson(Graph g) {
        StringBuilder sb = new StringBuilder("{ \"operators\": [\n");
        for (int i = 0; i < g.operators.size(); i++) {
            sb.append("  ").append(Json.obj(g.operators.get(i))).append(i + 1 < g.operators.size() ? ",\n" : "\n");
        }
        return sb.append("] }\n").toString();
    }

    static String jobYaml(JobSpec spec, boolean allow, Graph g) {
        StringBuilder y = new StringBuilder();
        y.append("flink-version: \"").append(minor).append("\"\n");
        y.append("state-backend: ").append(spec.backend).append('\n');
        y.append("parallelism: ").append(spec.parallelism).append('\n');
        if (spec.jobMaxPar != null) {
            y.append("max-parallelism: ").append(spec.jobMaxPar).append('\n');
        }
        y.append("allow-non-restored-state: ").append(allow).append('\n');
        if (spec.ua) {
            // not expressible in a job file: unaligned checkpoints on/off, partitioners, chaining
            // (graph.json has the chaining; the case description the rest)
            y.append("# unaligned checkpoints: ").append(spec.unaligned ? "on" : "off")
                    .append("; edge into pre: ").append(spec.withPre ? spec.uaEdge : "(no pre)").append('\n');
        }
        y.append("operators:\n");
        for (Map<String, Object> o : g.operators) {
            String uid = (String) o.get("uid");
            if (uid != null) {
                y.append("  - uid: ").append(uid).append('\n');
            } else {
                y.append("  - uid-hash: ").append(o.get("operator_id")).append('\n');
            }
            y.append("    name: ").append(Json.str((String) o.get("name"))).append('\n');
            y.append("    parallelism: ").append(o.get("parallelism")).append('\n');
            if (uid != null && spec.opMaxPar.containsKey(uid)) {
                y.append("    max-parallelism: ").append(spec.opMaxPar.get(uid)).append('\n');
            }
        }
        return y.toString();
    }

    // ---------------------------------------------------------------- running

    static List<Path> completedCheckpoints(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return new ArrayList<>();
        }
        try (Stream<Path> s = Files.walk(dir, 3)) {
            return s.filter(p -> p.getFileName().toString().equals("_metadata")
                            && p.getParent().getFileName().toString().startsWith("chk-"))
                    .map(Path::getParent)
                    .sorted(Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString().substring(4))))
                    .collect(Collectors.toList());
        }
    }

    static void log(String s) {
        System.out.println("[restore " + version + " " + java.time.LocalTime.now().withNano(0) + "] " + s);
        System.out.flush();
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

    static void waitTerminal(JobClient c) {
        try {
            c.getJobExecutionResult().get(60, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // cancelled / failed: fine
        }
    }

    static String triggerSavepoint(JobClient c, String dir, String format) throws Exception {
        Class<?> fmt;
        try {
            fmt = Class.forName("org.apache.flink.core.execution.SavepointFormatType");
        } catch (ClassNotFoundException e) {
            fmt = null;
        }
        Object fut;
        if (fmt == null) {
            if (!"CANONICAL".equals(format)) {
                throw new UnsupportedOperationException("no " + format + " savepoints before 1.15");
            }
            fut = JobClient.class.getMethod("triggerSavepoint", String.class).invoke(c, dir);
        } else {
            @SuppressWarnings({"unchecked", "rawtypes"})
            Object f = Enum.valueOf((Class) fmt, format);
            fut = JobClient.class.getMethod("triggerSavepoint", String.class, fmt).invoke(c, dir, f);
        }
        return (String) ((java.util.concurrent.CompletableFuture<?>) fut).get(120, TimeUnit.SECONDS);
    }

    static boolean nativeSupported() {
        try {
            Class.forName("org.apache.flink.core.execution.SavepointFormatType");
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    static void waitForCheckpoints(JobClient c, Path dir, int n, long timeoutMs) throws Exception {
        long end = System.currentTimeMillis() + timeoutMs;
        while (countMetadata(dir) < n) {
            if (System.currentTimeMillis() > end) {
                throw new IllegalStateException("no " + n + " checkpoints in " + dir + " within " + timeoutMs + " ms");
            }
            JobStatus st = c.getJobStatus().get();
            if (st.isTerminalState()) {
                c.getJobExecutionResult().get();
                throw new IllegalStateException("v1 job ended: " + st);
            }
            Thread.sleep(300);
        }
    }

    /** Number of checkpoints seen so far (ids only grow; subsumed ones are deleted). */
    static long countMetadata(Path dir) throws IOException {
        List<Path> l = completedCheckpoints(dir);
        if (l.isEmpty()) {
            return 0;
        }
        return Long.parseLong(l.get(l.size() - 1).getFileName().toString().substring(4));
    }

    // ---------------------------------------------------------------- snapshots

    static final class Snap {
        String name, kind, format, backend;
        boolean incremental;
        Integer maxPar;
        String metadataDir; // absolute, under tmpRoot
    }

    static final Map<String, Snap> snaps = new LinkedHashMap<>();

    static void takeSnapshots() throws Exception {
        Path snapRoot = tmpRoot.resolve("snapshots");
        List<String> backends = new ArrayList<>(Arrays.asList("hashmap", "rocksdb"));
        if (major >= 2) {
            backends.add("forst");
        }
        for (String backend : backends) {
            takeBackendSnapshots(backend);
        }
        // maxpar256: v1 with explicit job-wide max parallelism 256, hashmap, canonical savepoint
        {
            JobSpec spec = new JobSpec();
            spec.jobMaxPar = 256;
            Path scratch = tmpRoot.resolve("scratch").resolve("v1-maxpar256");
            Configuration conf = baseConf(spec, scratch, false);
            Graph g = graphOf(conf, spec);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            build(env, spec);
            log("v1 maxpar256: starting");
            JobClient c = env.executeAsync("v1-maxpar256");
            try {
                waitForCheckpoints(c, scratch, 1, 120_000);
                String sp = triggerSavepoint(c, "file://" + snapRoot.resolve("maxpar256"), "CANONICAL");
                log("v1 maxpar256: canonical savepoint " + sp);
                addSnap("maxpar256", "savepoint", "CANONICAL", "hashmap", false, 256, sp, g);
            } finally {
                c.cancel().get(60, TimeUnit.SECONDS);
                waitTerminal(c);
            }
            deleteTree(scratch);
        }
        // copy everything to the output tree, with a description per snapshot
        for (Snap s : snaps.values()) {
            Path from = snapRoot.resolve(s.name);
            Path to = outRoot.resolve("snapshots").resolve(s.name);
            deleteTree(to);
            copyTree(from, to);
        }
    }

    /** Incremental checkpoints for the RocksDB and ForSt backends, full ones for HashMap. */
    static boolean incrementalFor(String backend) {
        return !backend.equals("hashmap");
    }

    /**
     * v1 on one backend: BACKEND-canonical (not for ForSt, which refuses CANONICAL savepoints: the
     * refusal is recorded in forst-native/snapshot.json), BACKEND-native (1.15+) and
     * BACKEND-checkpoint (the last retained checkpoint).
     */
    static void takeBackendSnapshots(String backend) throws Exception {
        Path snapRoot = tmpRoot.resolve("snapshots");
        JobSpec spec = new JobSpec();
        spec.backend = backend;
        boolean incremental = incrementalFor(backend);
        boolean forst = backend.equals("forst");
        Path ckDir = snapRoot.resolve(backend + "-checkpoint");
        Configuration conf = baseConf(spec, ckDir, incremental);
        set(conf, "RETAIN_ON_CANCELLATION", "execution.checkpointing.externalized-checkpoint-retention");
        Graph g = graphOf(conf, spec);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        build(env, spec);
        log("v1 " + backend + ": starting");
        JobClient c = env.executeAsync("v1-" + backend);
        Map<String, Object> refusal = null;
        try {
            waitForCheckpoints(c, ckDir, 2, 120_000);
            if (!forst) {
                String can = triggerSavepoint(c, "file://" + snapRoot.resolve(backend + "-canonical"), "CANONICAL");
                log("v1 " + backend + ": canonical savepoint " + can);
                addSnap(backend + "-canonical", "savepoint", "CANONICAL", backend, incremental, null, can, g);
            }
            if (nativeSupported()) {
                String nat = triggerSavepoint(c, "file://" + snapRoot.resolve(backend + "-native"), "NATIVE");
                log("v1 " + backend + ": native savepoint " + nat);
                addSnap(backend + "-native", "savepoint", "NATIVE", backend, incremental, null, nat, g);
            }
            long last = countMetadata(ckDir);
            waitForCheckpoints(c, ckDir, (int) last + 1, 60_000);
            if (forst) {
                // ask for a CANONICAL savepoint anyway, last, and keep what Flink answers
                Path canDir = tmpRoot.resolve("scratch").resolve("forst-canonical");
                refusal = new LinkedHashMap<>();
                try {
                    String can = triggerSavepoint(c, "file://" + canDir, "CANONICAL");
                    refusal.put("refused", false);
                    refusal.put("path", can);
                } catch (Exception e) {
                    Throwable root = e;
                    List<String> chain = new ArrayList<>();
                    for (Throwable t = e; t != null; t = t.getCause()) {
                        chain.add(t.getClass().getName() + ": " + t.getMessage());
                        root = t;
                    }
                    refusal.put("refused", true);
                    refusal.put("exception_class", root.getClass().getName());
                    refusal.put("message", root.getMessage());
                    refusal.put("cause_chain", chain);
                    // the tasks refuse the savepoint and fail, so the job fails (restart strategy none):
                    // the job's own failure says why
                    try {
                        c.getJobExecutionResult().get(60, TimeUnit.SECONDS);
                    } catch (Exception jf) {
                        Throwable jr = jf;
                        List<String> jchain = new ArrayList<>();
                        for (Throwable t = jf; t != null; t = t.getCause()) {
                            jchain.add(t.getClass().getName() + ": " + t.getMessage());
                            jr = t;
                        }
                        refusal.put("job_failure_exception_class", jr.getClass().getName());
                        refusal.put("job_failure_message", jr.getMessage());
                        refusal.put("job_failure_cause_chain", jchain);
                    }
                }
                log("v1 forst: canonical savepoint request: " + refusal);
                deleteTree(canDir);
            }
        } finally {
            try {
                c.cancel().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                log("v1 " + backend + ": cancel: " + e);
            }
            waitTerminal(c);
        }
        List<Path> done = completedCheckpoints(ckDir);
        Path chk = done.get(done.size() - 1);
        // drop any incomplete chk-* directory left behind by the cancel
        try (Stream<Path> s = Files.list(chk.getParent())) {
            for (Path p : s.collect(Collectors.toList())) {
                if (p.getFileName().toString().startsWith("chk-") && !p.equals(chk)) {
                    deleteTree(p);
                }
            }
        }
        log("v1 " + backend + ": retained checkpoint " + chk);
        addSnap(backend + "-checkpoint", "checkpoint", null, backend, incremental, null, chk.toString(), g);
        if (refusal != null && snaps.containsKey("forst-native")) {
            Path sj = snapRoot.resolve("forst-native").resolve("snapshot.json");
            String j = new String(Files.readAllBytes(sj), StandardCharsets.UTF_8).trim();
            j = j.substring(0, j.length() - 1).trim() + ", \"canonical_savepoint_request\": " + Json.val(refusal) + " }\n";
            Files.write(sj, j.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * The ForSt snapshots (forst-native, forst-checkpoint) and, where this version has none yet,
     * the HashMap and RocksDB ones the backend-*-forst cases restore; leaves every other snapshot
     * alone.
     */
    static void takeForst() throws Exception {
        Path snapRoot = tmpRoot.resolve("snapshots");
        List<String> backends = new ArrayList<>();
        for (String b : new String[] {"hashmap", "rocksdb"}) {
            if (!Files.exists(outRoot.resolve("snapshots").resolve(b + "-checkpoint"))) {
                backends.add(b);
            }
        }
        backends.add("forst");
        for (String b : backends) {
            // a snapshot this version already has (e.g. hashmap-canonical, the State Processor API
            // source) is kept as it is; the ForSt ones are always taken anew
            Set<String> keep = new HashSet<>();
            for (String kind : new String[] {"canonical", "native", "checkpoint"}) {
                String n = b + "-" + kind;
                deleteTree(snapRoot.resolve(n));
                if (!b.equals("forst") && Files.exists(outRoot.resolve("snapshots").resolve(n))) {
                    keep.add(n);
                } else {
                    deleteTree(outRoot.resolve("snapshots").resolve(n));
                }
            }
            takeBackendSnapshots(b);
            for (String kind : new String[] {"canonical", "native", "checkpoint"}) {
                String n = b + "-" + kind;
                if (keep.contains(n)) {
                    log("kept the existing snapshot " + n);
                    deleteTree(snapRoot.resolve(n));
                    copyTree(outRoot.resolve("snapshots").resolve(n), snapRoot.resolve(n));
                } else if (snaps.containsKey(n)) {
                    copyTree(snapRoot.resolve(n), outRoot.resolve("snapshots").resolve(n));
                }
            }
        }
    }

    /**
     * Only v1's canonical HashMap savepoint (snapshots/hashmap-canonical), as in takeSnapshots: the
     * source of the State Processor API savepoints (testdata/generate/spa/) for versions whose other
     * snapshots and cases are not recorded.
     */
    static void takeSpaSource() throws Exception {
        Path snapRoot = tmpRoot.resolve("snapshots");
        deleteTree(snapRoot.resolve("hashmap-canonical"));
        deleteTree(outRoot.resolve("snapshots").resolve("hashmap-canonical"));
        JobSpec spec = new JobSpec();
        Path scratch = tmpRoot.resolve("scratch").resolve("v1-spa-source");
        deleteTree(scratch);
        Configuration conf = baseConf(spec, scratch, false);
        Graph g = graphOf(conf, spec);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        build(env, spec);
        log("v1 hashmap: starting");
        JobClient c = env.executeAsync("v1-hashmap");
        try {
            waitForCheckpoints(c, scratch, 2, 120_000);
            String can = triggerSavepoint(c, "file://" + snapRoot.resolve("hashmap-canonical"), "CANONICAL");
            log("v1 hashmap: canonical savepoint " + can);
            addSnap("hashmap-canonical", "savepoint", "CANONICAL", "hashmap", false, null, can, g);
        } finally {
            c.cancel().get(60, TimeUnit.SECONDS);
            waitTerminal(c);
        }
        deleteTree(scratch);
        copyTree(snapRoot.resolve("hashmap-canonical"), outRoot.resolve("snapshots").resolve("hashmap-canonical"));
    }

    /**
     * snapshots/nouid-canonical: job v1 with the keyed operator built without a uid (its OperatorID
     * is the one StreamGraphHasherV2 derives from the topology), HashMap, canonical savepoint. The
     * nouid-* cases restore it. Leaves every other snapshot alone.
     */
    static void takeNoUid() throws Exception {
        Path snapRoot = tmpRoot.resolve("snapshots");
        String name = "nouid-canonical";
        deleteTree(snapRoot.resolve(name));
        deleteTree(outRoot.resolve("snapshots").resolve(name));
        JobSpec spec = noUidV1();
        Path scratch = tmpRoot.resolve("scratch").resolve("v1-nouid");
        deleteTree(scratch);
        Configuration conf = baseConf(spec, scratch, false);
        Graph g = graphOf(conf, spec);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        build(env, spec);
        log("v1 without keyed uid: starting");
        JobClient c = env.executeAsync("v1-nouid");
        try {
            waitForCheckpoints(c, scratch, 2, 120_000);
            String can = triggerSavepoint(c, "file://" + snapRoot.resolve(name), "CANONICAL");
            log("v1 without keyed uid: canonical savepoint " + can);
            addSnap(name, "savepoint", "CANONICAL", "hashmap", false, null, can, g);
        } finally {
            c.cancel().get(60, TimeUnit.SECONDS);
            waitTerminal(c);
        }
        deleteTree(scratch);
        copyTree(snapRoot.resolve(name), outRoot.resolve("snapshots").resolve(name));
    }

    /** Job v1 with the keyed operator built without a uid: the job of snapshots/nouid-canonical. */
    static JobSpec noUidV1() {
        JobSpec s = new JobSpec();
        s.noUid.add("keyed");
        return s;
    }

    /** The OperatorID Flink generates for an operator (by uid name) of a job. */
    static String generatedId(JobSpec spec, String uid) throws Exception {
        Graph g = graphOf(baseConf(spec, tmpRoot.resolve("scratch").resolve("ids"), false), spec);
        for (Map<String, Object> o : g.operators) {
            if (uid.equals(o.get("name"))) {
                return (String) o.get("operator_id");
            }
        }
        throw new IllegalStateException("no operator named " + uid);
    }

    /**
     * snapshots/unaligned-checkpoint: a retained unaligned checkpoint of the unaligned job
     * (buildUnaligned) taken under back-pressure, so that it holds input-channel and
     * result-subpartition state. Leaves every other snapshot alone.
     */
    static void takeUnaligned() throws Exception {
        Path snapRoot = tmpRoot.resolve("snapshots");
        String name = "unaligned-checkpoint";
        deleteTree(snapRoot.resolve(name));
        deleteTree(outRoot.resolve("snapshots").resolve(name));
        JobSpec spec = new JobSpec();
        spec.ua = true;
        spec.unaligned = true;
        Path ckDir = snapRoot.resolve(name);
        Configuration conf = baseConf(spec, ckDir, false);
        set(conf, "RETAIN_ON_CANCELLATION", "execution.checkpointing.externalized-checkpoint-retention");
        Graph g = graphOf(conf, spec);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        build(env, spec);
        log("unaligned job: starting");
        JobClient c = env.executeAsync("v1-unaligned");
        try {
            // let back-pressure build up, then keep a later checkpoint
            waitForCheckpoints(c, ckDir, 4, 120_000);
        } finally {
            c.cancel().get(60, TimeUnit.SECONDS);
            waitTerminal(c);
        }
        List<Path> done = completedCheckpoints(ckDir);
        Path chk = done.get(done.size() - 1);
        try (Stream<Path> s = Files.list(chk.getParent())) {
            for (Path p : s.collect(Collectors.toList())) {
                if (p.getFileName().toString().startsWith("chk-") && !p.equals(chk)) {
                    deleteTree(p);
                }
            }
        }
        log("unaligned job: retained checkpoint " + chk);
        addSnap(name, "checkpoint", null, "hashmap", false, null, chk.toString(), g);
        copyTree(snapRoot.resolve(name), outRoot.resolve("snapshots").resolve(name));
    }

    static void addSnap(String name, String kind, String format, String backend, boolean incremental, Integer maxPar,
                        String pointer, Graph g) throws IOException {
        Snap s = new Snap();
        s.name = name;
        s.kind = kind;
        s.format = format;
        s.backend = backend;
        s.incremental = incremental;
        s.maxPar = maxPar;
        String p = pointer.startsWith("file:") ? pointer.substring(5) : pointer;
        while (p.startsWith("//")) {
            p = p.substring(1);
        }
        s.metadataDir = Paths.get(p).toString();
        snaps.put(name, s);
        Path snapRoot = tmpRoot.resolve("snapshots");
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("flink_version", version);
        j.put("name", name);
        j.put("kind", kind);
        j.put("format", format);
        j.put("backend", backend);
        j.put("incremental", incremental);
        j.put("parallelism", 2);
        j.put("max_parallelism", maxPar);
        j.put("metadata_dir", snapRoot.resolve(name).relativize(Paths.get(s.metadataDir)).toString());
        j.put("original_path", s.metadataDir);
        Path outDir = outRoot.resolve("snapshots");
        Files.createDirectories(outDir);
        // written next to the snapshot dir copy after copyTree (see writeSnapInfo)
        Files.write(snapRoot.resolve(name).resolve("snapshot.json"), (Json.obj(j) + "\n").getBytes(StandardCharsets.UTF_8));
        Files.write(snapRoot.resolve(name).resolve("graph.json"), graphJson(g).getBytes(StandardCharsets.UTF_8));
    }

    static void loadSnapshots() throws IOException {
        Path dir = outRoot.resolve("snapshots");
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().collect(Collectors.toList())) {
                String j = new String(Files.readAllBytes(p.resolve("snapshot.json")), StandardCharsets.UTF_8);
                Snap sn = new Snap();
                sn.name = p.getFileName().toString();
                sn.kind = Json.field(j, "kind");
                sn.format = Json.field(j, "format");
                sn.backend = Json.field(j, "backend");
                sn.incremental = "true".equals(Json.field(j, "incremental"));
                String mp = Json.field(j, "max_parallelism");
                sn.maxPar = mp == null ? null : Integer.valueOf(mp);
                sn.metadataDir = Json.field(j, "original_path");
                snaps.put(sn.name, sn);
            }
        }
    }

    // ---------------------------------------------------------------- cases

    static final class Case {
        final String name, snapshot;
        final JobSpec spec;
        final String note;

        Case(String name, String snapshot, JobSpec spec, String note) {
            this.name = name;
            this.snapshot = snapshot;
            this.spec = spec;
            this.note = note;
        }
    }

    static List<Case> cases() throws Exception {
        List<Case> l = new ArrayList<>();
        JobSpec v1 = new JobSpec();
        // unchanged job, from every snapshot, same backend
        l.add(new Case("unchanged", "hashmap-canonical", v1.copy(), "job v1 unchanged"));
        for (String sn : new String[] {"hashmap-native", "hashmap-checkpoint", "rocksdb-canonical", "rocksdb-native",
                "rocksdb-checkpoint"}) {
            JobSpec s = v1.copy();
            s.backend = sn.startsWith("rocksdb") ? "rocksdb" : "hashmap";
            l.add(new Case("unchanged-" + sn, sn, s, "job v1 unchanged, same backend as the snapshot"));
        }
        JobSpec s;
        s = v1.copy();
        s.keyedUid = "keyed-v2";
        l.add(new Case("uid-renamed", "hashmap-canonical", s, "uid of the keyed operator: keyed -> keyed-v2"));
        s = v1.copy();
        s.withOpState = false;
        l.add(new Case("stateful-removed", "hashmap-canonical", s, "operator op-state (operator ListState) removed"));
        s = v1.copy();
        s.newMap = true;
        l.add(new Case("stateless-added", "hashmap-canonical", s, "new stateless map uid new-map after keyed"));
        s = v1.copy();
        s.noUid.add("stateless");
        l.add(new Case("stateless-uid-removed", "hashmap-canonical", s,
                "the stateless map loses its uid (Flink-generated OperatorID; its snapshot entry has no state)"));
        s = v1.copy();
        s.noUid.add("keyed");
        l.add(new Case("keyed-uid-removed", "hashmap-canonical", s,
                "the keyed operator loses its uid (Flink-generated OperatorID)"));
        s = v1.copy();
        s.parallelism = 3;
        l.add(new Case("rescaled-up", "hashmap-canonical", s, "whole job parallelism 2 -> 3"));
        s = v1.copy();
        s.parallelism = 1;
        l.add(new Case("rescaled-down", "hashmap-canonical", s, "whole job parallelism 2 -> 1"));
        s = v1.copy();
        s.jobMaxPar = 256;
        l.add(new Case("maxpar-explicit-changed", "hashmap-canonical", s,
                "snapshot max parallelism 128 (derived); new job sets job-wide max parallelism 256"));
        s = v1.copy();
        s.opMaxPar.put("keyed", 256);
        l.add(new Case("maxpar-explicit-changed-keyed", "hashmap-canonical", s,
                "only the keyed operator (chain head) gets max parallelism 256"));
        s = v1.copy();
        s.opMaxPar.put("stateless", 256);
        l.add(new Case("maxpar-explicit-changed-stateless", "hashmap-canonical", s,
                "only the stateless map (chained behind keyed) gets max parallelism 256"));
        s = v1.copy();
        s.jobMaxPar = 128;
        l.add(new Case("maxpar-explicit-same", "hashmap-canonical", s,
                "snapshot max parallelism 128 (derived); new job sets job-wide max parallelism 128 explicitly"));
        s = v1.copy();
        l.add(new Case("maxpar-derived", "maxpar256", s,
                "snapshot taken with explicit max parallelism 256; new job leaves it unset"));
        s = v1.copy();
        s.parallelism = 130;
        l.add(new Case("parallelism-above-maxpar", "hashmap-canonical", s,
                "whole job parallelism 130, snapshot max parallelism 128"));
        s = v1.copy();
        s.opPar.put("keyed", 130);
        l.add(new Case("parallelism-above-maxpar-keyed", "hashmap-canonical", s,
                "keyed operator parallelism 130, snapshot max parallelism 128"));
        // ForSt (2.x; skipped where the snapshot does not exist; ForSt takes no canonical savepoint)
        for (String sn : new String[] {"forst-native", "forst-checkpoint"}) {
            s = v1.copy();
            s.backend = "forst";
            l.add(new Case("unchanged-" + sn, sn, s, "job v1 unchanged, same backend as the snapshot"));
        }
        for (String[] sw : new String[][] {{"hashmap", "rocksdb"}, {"rocksdb", "hashmap"}, {"forst", "hashmap"},
                {"forst", "rocksdb"}, {"hashmap", "forst"}, {"rocksdb", "forst"}}) {
            for (String kind : new String[] {"canonical", "native", "checkpoint"}) {
                s = v1.copy();
                s.backend = sw[1];
                l.add(new Case("backend-" + sw[0] + "-to-" + sw[1] + "-" + kind, sw[0] + "-" + kind, s,
                        "restore the " + sw[0] + " " + kind + " snapshot with the " + sw[1] + " backend"));
            }
        }
        // savepoints re-written by the State Processor API (testdata/generate/spa/run-spa.sh; skipped
        // where the snapshot does not exist)
        s = v1.copy();
        s.keyedUid = "keyed-v2";
        l.add(new Case("spa-uid-repair-restore", "spa-uid-repair", s,
                "uid-renamed job (keyed uid keyed-v2) from the State Processor API savepoint that moved keyed's state to keyed-v2"));
        l.add(new Case("spa-uid-repair-unchanged", "spa-uid-repair", v1.copy(),
                "job v1 unchanged (keyed uid keyed) from the State Processor API savepoint that moved keyed's state to keyed-v2"));
        l.add(new Case("spa-bootstrap-unchanged", "spa-bootstrap", v1.copy(),
                "job v1 unchanged from the State Processor API savepoint whose keyed operator was removed and bootstrapped again"));
        s = v1.copy();
        s.backend = "rocksdb";
        l.add(new Case("spa-bootstrap-backend-rocksdb", "spa-bootstrap", s,
                "job v1 on RocksDB (incremental on) from the State Processor API savepoint written with the HashMap backend "
                        + "(keyed operator bootstrapped)"));
        l.add(new Case("spa-removed-unchanged", "spa-removed", v1.copy(),
                "job v1 unchanged from the State Processor API savepoint without op-state (op-state has no state in the savepoint)"));
        s = v1.copy();
        s.withOpState = false;
        l.add(new Case("spa-removed-stateful-removed", "spa-removed", s,
                "job v1 without op-state from the State Processor API savepoint without op-state"));
        noUidCases(l);
        unalignedCases(l);
        return l;
    }

    /**
     * Restores of snapshots/nouid-canonical (job v1 whose keyed operator has no uid): the graph-diff
     * cases of an auto-generated OperatorID that an upstream edit shifts, and its repair with
     * setUidHash. Skipped where the snapshot does not exist.
     */
    static void noUidCases(List<Case> l) throws Exception {
        String snap = "nouid-canonical";
        JobSpec v = noUidV1();
        l.add(new Case("nouid-unchanged", snap, v.copy(), "job v1 without keyed uid, unchanged"));
        JobSpec s = v.copy();
        s.preMap = true;
        l.add(new Case("nouid-shifted", snap, s,
                "stateless map pre-map (with uid) inserted before the keyed operator, which has no uid: its generated OperatorID shifts"));
        s = v.copy();
        s.preMap = true;
        s.uidHash.put("keyed", generatedId(v, "keyed"));
        l.add(new Case("nouid-pinned", snap, s,
                "as nouid-shifted, with setUidHash(<keyed's OperatorID in the snapshot>) on the keyed operator"));
    }

    /** Restores of snapshots/unaligned-checkpoint (in-flight data on the edge into pre and on the keyBy edge). */
    static void unalignedCases(List<Case> l) {
        JobSpec u = new JobSpec();
        u.ua = true;
        u.unaligned = true;
        String snap = "unaligned-checkpoint";
        JobSpec s;
        l.add(new Case("ua-unchanged", snap, u.copy(), "unaligned job unchanged"));
        // each side of each exchange: src+op-state | rebalance | pre | keyBy | keyed+stateless+sink
        String[][] sides = {
            {"ua-src", "src,op-state", "upstream side of the rebalance edge (src, op-state)"},
            {"ua-pre", "pre", "pre: downstream side of the rebalance edge and upstream side of the keyBy edge"},
            {"ua-keyed", "keyed,stateless,sink", "downstream side of the keyBy edge (keyed, stateless, sink)"},
        };
        for (String[] side : sides) {
            for (int p : new int[] {3, 1}) {
                s = u.copy();
                for (String op : side[1].split(",")) {
                    s.opPar.put(op, p);
                }
                l.add(new Case(side[0] + (p > 2 ? "-up" : "-down"), snap, s, "parallelism 2 -> " + p + " on the " + side[2]));
            }
        }
        s = u.copy();
        s.withOpState = false;
        l.add(new Case("ua-stateful-removed", snap, s,
                "op-state (operator ListState; tail of the source task, holds result-subpartition state) removed"));
        s = u.copy();
        s.withPre = false;
        l.add(new Case("ua-pre-removed", snap, s,
                "pre (stateless; holds input-channel and result-subpartition state) removed: op-state --keyBy--> keyed"));
        s = u.copy();
        s.withStateless = false;
        l.add(new Case("ua-stateless-removed", snap, s,
                "stateless (chained between keyed and sink; no state, no channel state) removed"));
        s = u.copy();
        s.newMap = true;
        l.add(new Case("ua-inserted-after-pre", snap, s,
                "new stateless map new-map chained behind pre: pre, which held result-subpartition state, is no longer its task's tail"));
        s = u.copy();
        s.uaEdge = "keyby";
        l.add(new Case("ua-rebalance-to-keyby", snap, s, "edge into pre: rebalance -> keyBy, parallelism unchanged"));
        s = u.copy();
        s.uaEdge = "keyby";
        s.opPar.put("pre", 3);
        l.add(new Case("ua-rebalance-to-keyby-pre-up", snap, s, "edge into pre: rebalance -> keyBy, and pre 2 -> 3"));
        s = u.copy();
        s.uaEdge = "rescale";
        l.add(new Case("ua-rebalance-to-rescale", snap, s, "edge into pre: rebalance -> rescale, parallelism unchanged"));
        s = u.copy();
        s.uaEdge = "rescale";
        s.opPar.put("pre", 3);
        l.add(new Case("ua-rebalance-to-rescale-pre-up", snap, s, "edge into pre: rebalance -> rescale, and pre 2 -> 3"));
        s = u.copy();
        s.unaligned = false;
        l.add(new Case("ua-unaligned-off", snap, s, "unaligned job unchanged, unaligned checkpoints switched off"));
        s = u.copy();
        s.unaligned = false;
        s.opPar.put("keyed", 3);
        s.opPar.put("stateless", 3);
        s.opPar.put("sink", 3);
        l.add(new Case("ua-unaligned-off-keyed-up", snap, s,
                "unaligned checkpoints switched off, and parallelism 2 -> 3 on the downstream side of the keyBy edge"));
    }

    static final Pattern HEX32 = Pattern.compile("(?<![0-9a-fA-F])[0-9a-f]{32}(?![0-9a-fA-F])");

    static void runCase(Case cs, boolean allow, Set<String> knownIds) throws Exception {
        String caseName = cs.name + (allow ? "-allow" : "");
        Snap snap = snaps.get(cs.snapshot);
        Path caseDir = outRoot.resolve("cases").resolve(caseName);
        if (snap == null) {
            log(caseName + ": snapshot " + cs.snapshot + " not available in this version, skipped");
            return;
        }
        deleteTree(caseDir);
        Files.createDirectories(caseDir);
        // refresh the /tmp copy of the snapshot from the committed copy (a restore may touch it)
        Path tmpSnap = tmpRoot.resolve("snapshots").resolve(snap.name);
        deleteTree(tmpSnap);
        copyTree(outRoot.resolve("snapshots").resolve(snap.name), tmpSnap);

        Path scratch = tmpRoot.resolve("scratch").resolve(caseName);
        deleteTree(scratch);
        boolean incremental = incrementalFor(cs.spec.backend);
        Configuration conf = baseConf(cs.spec, scratch, incremental);
        set(conf, "file://" + snap.metadataDir, "execution.savepoint.path", "execution.state-recovery.path");
        set(conf, Boolean.toString(allow), "execution.savepoint.ignore-unclaimed-state",
                "execution.state-recovery.ignore-unclaimed-state");

        Graph g = graphOf(conf, cs.spec);
        Files.write(caseDir.resolve("graph.json"), graphJson(g).getBytes(StandardCharsets.UTF_8));
        Files.write(caseDir.resolve("job.yaml"), jobYaml(cs.spec, allow, g).getBytes(StandardCharsets.UTF_8));
        Set<String> ids = new HashSet<>(knownIds);
        ids.addAll(g.ids);

        Map<String, Object> outcome = new LinkedHashMap<>();
        outcome.put("flink_version", version);
        outcome.put("snapshot", "snapshots/" + snap.name);
        outcome.put("allow_non_restored_state", allow);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("case", caseName);
        details.put("description", cs.note);
        details.put("snapshot_metadata_dir", "snapshots/" + snap.name + "/"
                + tmpRoot.resolve("snapshots").resolve(snap.name).relativize(Paths.get(snap.metadataDir)));
        details.put("restore_path", "file://" + snap.metadataDir);
        details.put("backend", cs.spec.backend);
        details.put("incremental", incremental);
        details.put("restart_strategy", "none");

        long t0 = System.currentTimeMillis();
        Throwable failure = null;
        boolean submitted = false;
        boolean restored = false;
        String finalStatus = null;
        JobClient c = null;
        try {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            build(env, cs.spec);
            c = env.executeAsync(caseName);
            submitted = true;
            long end = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < end) {
                if (c.getJobExecutionResult().isDone()) {
                    break;
                }
                JobStatus st;
                try {
                    st = c.getJobStatus().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // the per-job MiniCluster shuts down as soon as the job is terminal
                    break;
                }
                if (st.isTerminalState()) {
                    break;
                }
                if (st == JobStatus.RUNNING && !completedCheckpoints(scratch).isEmpty()) {
                    if (cs.spec.ua && failsWithin(c, 8_000)) {
                        // restored in-flight records are processed after the restore, and an
                        // unaligned checkpoint can complete before they are: the job failed later
                        details.put("failed_after_first_checkpoint", true);
                        break;
                    }
                    if (cs.spec.ua) {
                        details.put("still_running_seconds_after_first_checkpoint", 8);
                    }
                    restored = true;
                    details.put("first_checkpoint_after_restore",
                            scratch.relativize(completedCheckpoints(scratch).get(0)).toString().replaceAll("^[0-9a-f]{32}/", ""));
                    break;
                }
                Thread.sleep(250);
            }
            if (!restored) {
                try {
                    c.getJobExecutionResult().get(20, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    failure = e.getCause();
                } catch (java.util.concurrent.TimeoutException e) {
                    finalStatus = c.getJobStatus().get().toString();
                }
            }
            if (finalStatus == null) {
                try {
                    finalStatus = c.getJobStatus().get(10, TimeUnit.SECONDS).toString();
                } catch (Exception e) {
                    finalStatus = failure != null ? "FAILED" : null;
                }
            }
        } catch (Throwable t) {
            failure = t instanceof ExecutionException && t.getCause() != null ? t.getCause() : t;
        } finally {
            if (c != null) {
                try {
                    if (!c.getJobStatus().get(10, TimeUnit.SECONDS).isTerminalState()) {
                        c.cancel().get(60, TimeUnit.SECONDS);
                    }
                } catch (Exception ignored) {
                    // already gone
                }
                waitTerminal(c);
            }
        }
        details.put("seconds", (System.currentTimeMillis() - t0) / 1000.0);
        details.put("job_status", finalStatus);

        outcome.put("restored", restored);
        if (restored) {
            outcome.put("phase", "restored");
            outcome.put("exception_class", null);
            outcome.put("message", null);
            outcome.put("operator_id", null);
        } else if (failure == null) {
            // RUNNING but no checkpoint within the time limit
            outcome.put("phase", "restored");
            outcome.put("exception_class", null);
            outcome.put("message", "job " + finalStatus + " but no checkpoint completed within 30 s after submission");
            outcome.put("operator_id", null);
        } else {
            recordFailure(failure, submitted, ids, outcome, details, caseDir);
        }
        Files.write(caseDir.resolve("outcome.json"), (Json.obj(outcome) + "\n").getBytes(StandardCharsets.UTF_8));
        Files.write(caseDir.resolve("details.json"), (Json.obj(details) + "\n").getBytes(StandardCharsets.UTF_8));
        log(caseName + ": " + (restored ? "restored" : outcome.get("phase") + " " + outcome.get("exception_class")
                + ": " + outcome.get("message")));
        deleteTree(scratch);
    }

    /** outcome/details fields (phase, root cause, message, operator id, cause chain) and stacktrace.txt of a failure. */
    static void recordFailure(Throwable failure, boolean submitted, Set<String> ids, Map<String, Object> outcome,
                              Map<String, Object> details, Path caseDir) throws IOException {
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
        String opId = null;
        if (message != null) {
            opId = firstKnownId(message, ids);
        }
        for (int i = chain.size() - 1; i >= 0 && opId == null; i--) {
            opId = firstKnownId(String.valueOf(chain.get(i).getMessage()), ids);
        }
        outcome.put("phase", submission ? "submission" : "task-restore");
        outcome.put("exception_class", root.getClass().getName());
        outcome.put("message", message);
        outcome.put("operator_id", opId);
        List<Object> cc = new ArrayList<>();
        for (Throwable t : chain) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("class", t.getClass().getName());
            m.put("message", t.getMessage());
            cc.add(m);
        }
        details.put("cause_chain", cc);
        Files.write(caseDir.resolve("stacktrace.txt"), compactTrace(chain).getBytes(StandardCharsets.UTF_8));
    }

    /** Watches a RUNNING job for ms milliseconds; true when it ends (fails) meanwhile. */
    static boolean failsWithin(JobClient c, long ms) throws InterruptedException {
        long end = System.currentTimeMillis() + ms;
        while (System.currentTimeMillis() < end) {
            if (c.getJobExecutionResult().isDone()) {
                return true;
            }
            try {
                if (c.getJobStatus().get(10, TimeUnit.SECONDS) != JobStatus.RUNNING) {
                    return true;
                }
            } catch (Exception e) {
                return true;
            }
            Thread.sleep(250);
        }
        return false;
    }

    static String firstKnownId(String s, Set<String> ids) {
        Matcher m = HEX32.matcher(s);
        while (m.find()) {
            if (ids.contains(m.group())) {
                return m.group();
            }
        }
        return null;
    }

    /** Each throwable of the chain with its first frames, so that the root cause is always included. */
    static String compactTrace(List<Throwable> chain) {
        int per = Math.max(4, 56 / Math.max(1, chain.size()) - 1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < chain.size(); i++) {
            Throwable t = chain.get(i);
            sb.append(i == 0 ? "" : "Caused by: ").append(t.getClass().getName());
            if (t.getMessage() != null) {
                sb.append(": ").append(t.getMessage());
            }
            sb.append('\n');
            StackTraceElement[] st = t.getStackTrace();
            for (int k = 0; k < Math.min(per, st.length); k++) {
                sb.append("\tat ").append(st[k]).append('\n');
            }
            if (st.length > per) {
                sb.append("\t... ").append(st.length - per).append(" more\n");
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- restores from the HA store

    /*
     * snapshots/ha-checkpoint and the ha-* cases: restores that take Flink's HA path
     * (CheckpointCoordinator.restoreInitialCheckpointIfPresent) instead of the savepoint path
     * (execution.state-recovery.path). An in-process ZooKeeper server (the one bundled, shaded, in
     * flink-dist) serves ZooKeeper HA for MiniClusters. Job v1 runs with a fixed JobID until two
     * checkpoints completed; the MiniCluster is then closed without cleaning the HA data (as a lost
     * JobManager leaves it: job SUSPENDED, completed checkpoints kept in ZooKeeper + storageDir).
     * For each case the HA data is put back as v1 left it, minus the job graph (what a last-state
     * upgrade of the Kubernetes operator does: HA data kept, job graph deleted), and the changed job
     * is submitted under the same JobID to a new MiniCluster on the same ZooKeeper and storageDir.
     */

    static final String HA_SNAP = "ha-checkpoint";
    static final String HA_CLUSTER_ID = "flinspect-ha";
    static final String HA_ZK_ROOT = "/flink";
    static final JobID HA_JOB_ID = JobID.fromHexString("0000000000000000000000000000f1a5");
    static ServerCnxnFactory zkFactory;

    static void startZooKeeper() throws Exception {
        if (zkFactory != null) {
            return;
        }
        Path d = tmpRoot.resolve("zookeeper");
        deleteTree(d);
        Files.createDirectories(d);
        System.setProperty("zookeeper.preAllocSize", "64");
        System.setProperty("zookeeper.admin.enableServer", "false");
        ZooKeeperServer zks = new ZooKeeperServer(d.toFile(), d.toFile(), 500);
        zkFactory = ServerCnxnFactory.createFactory(new java.net.InetSocketAddress("127.0.0.1", 0), 100);
        zkFactory.startup(zks);
        log("zookeeper on 127.0.0.1:" + zkFactory.getLocalPort());
    }

    static ZooKeeper zkClient() throws Exception {
        ZooKeeper zk = new ZooKeeper("127.0.0.1:" + zkFactory.getLocalPort(), 30_000, e -> { });
        long end = System.currentTimeMillis() + 30_000;
        while (!zk.getState().isConnected()) {
            if (System.currentTimeMillis() > end) {
                throw new IllegalStateException("no ZooKeeper connection");
            }
            Thread.sleep(50);
        }
        return zk;
    }

    static Path haDir() {
        return tmpRoot.resolve("snapshots").resolve(HA_SNAP);
    }

    static Configuration haConf(JobSpec spec) {
        Configuration c = baseConf(spec, haDir().resolve("checkpoints"), false);
        set(c, "zookeeper", "high-availability.type");
        set(c, "127.0.0.1:" + zkFactory.getLocalPort(), "high-availability.zookeeper.quorum");
        set(c, HA_ZK_ROOT, "high-availability.zookeeper.path.root");
        set(c, HA_CLUSTER_ID, "high-availability.cluster-id");
        set(c, "file://" + haDir().resolve("ha-storage"), "high-availability.storageDir");
        set(c, "0", "rest.port");
        return c;
    }

    static MiniCluster startCluster(Configuration conf, JobSpec spec) throws Exception {
        int slots = spec.parallelism;
        for (int p : spec.opPar.values()) {
            slots = Math.max(slots, p);
        }
        MiniCluster mc = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(conf)
                .setNumTaskManagers(1).setNumSlotsPerTaskManager(slots).build());
        mc.start();
        return mc;
    }

    static JobGraph haJobGraph(Configuration conf, JobSpec spec, String name) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        build(env, spec);
        StreamGraph sg = env.getStreamGraph();
        sg.setJobName(name);
        JobGraph jg = StreamingJobGraphGenerator.createJobGraph(sg);
        jg.setJobID(HA_JOB_ID);
        return jg;
    }

    /** Persistent znodes under the cluster's root, parents first, with their data (ephemeral ones left out). */
    static void dumpZk(ZooKeeper zk, String path, List<String[]> out) throws Exception {
        Stat st = new Stat();
        byte[] data = zk.getData(path, false, st);
        if (st.getEphemeralOwner() != 0) {
            return;
        }
        out.add(new String[] {path, data == null ? null : java.util.Base64.getEncoder().encodeToString(data)});
        List<String> children = new ArrayList<>(zk.getChildren(path, false));
        java.util.Collections.sort(children);
        for (String ch : children) {
            dumpZk(zk, path + "/" + ch, out);
        }
    }

    static void takeHa() throws Exception {
        startZooKeeper();
        Path dir = haDir();
        deleteTree(dir);
        deleteTree(outRoot.resolve("snapshots").resolve(HA_SNAP));
        Files.createDirectories(dir);
        JobSpec spec = new JobSpec();
        Configuration conf = haConf(spec);
        // task failures while the cluster shuts down must not fail the job (a FAILED job's HA data is
        // cleaned up): with restarts left, the JobManager's shutdown suspends it instead
        set(conf, "fixed-delay", "restart-strategy", "restart-strategy.type");
        set(conf, "1000", "restart-strategy.fixed-delay.attempts");
        set(conf, "10 s", "restart-strategy.fixed-delay.delay");
        Graph g = graphOf(conf, spec);
        try (ZooKeeper zk = zkClient()) {
            if (zk.exists(HA_ZK_ROOT + "/" + HA_CLUSTER_ID, false) != null) {
                ZKUtil.deleteRecursive(zk, HA_ZK_ROOT + "/" + HA_CLUSTER_ID);
            }
        }
        MiniCluster mc = startCluster(conf, spec);
        Path ckDir = dir.resolve("checkpoints").resolve(HA_JOB_ID.toString());
        try {
            mc.submitJob(haJobGraph(conf, spec, "v1-ha")).get(60, TimeUnit.SECONDS);
            log("v1 ha: submitted as " + HA_JOB_ID);
            long end = System.currentTimeMillis() + 120_000;
            while (countMetadata(ckDir) < 2) {
                JobStatus st = mc.getJobStatus(HA_JOB_ID).get(10, TimeUnit.SECONDS);
                if (st.isTerminalState() || System.currentTimeMillis() > end) {
                    throw new IllegalStateException("v1 ha: " + st + ", checkpoints " + completedCheckpoints(ckDir));
                }
                Thread.sleep(300);
            }
        } finally {
            // the JobManager goes away; the job is not cancelled, its HA data stays
            mc.closeAsyncWithoutCleaningHighAvailabilityData().get(120, TimeUnit.SECONDS);
        }
        List<String[]> nodes = new ArrayList<>();
        try (ZooKeeper zk = zkClient()) {
            dumpZk(zk, HA_ZK_ROOT + "/" + HA_CLUSTER_ID, nodes);
        }
        List<Path> done = completedCheckpoints(ckDir);
        Path chk = done.get(done.size() - 1);
        try (Stream<Path> s = Files.list(ckDir)) {
            for (Path p : s.collect(Collectors.toList())) {
                if (p.getFileName().toString().startsWith("chk-") && !p.equals(chk)) {
                    deleteTree(p);
                }
            }
        }
        // keep the completed checkpoints' pointers; the job graph, blobs and job results are not needed
        List<String> storage = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir.resolve("ha-storage"))) {
            for (Path p : s.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                String rel = dir.resolve("ha-storage").relativize(p).toString();
                if (Files.isDirectory(p)) {
                    try (Stream<Path> in = Files.list(p)) {
                        if (!in.findAny().isPresent() && !rel.isEmpty()) {
                            Files.delete(p);
                        }
                    }
                } else if (p.getFileName().toString().startsWith("completedCheckpoint")) {
                    storage.add(rel);
                } else {
                    Files.delete(p);
                }
            }
        }
        java.util.Collections.sort(storage);
        StringBuilder zj = new StringBuilder();
        List<String> paths = new ArrayList<>();
        for (String[] n : nodes) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", n[0]);
            m.put("data_base64", n[1]);
            zj.append(Json.obj(m)).append('\n');
            paths.add(n[0]);
        }
        Files.write(dir.resolve("zookeeper.jsonl"), zj.toString().getBytes(StandardCharsets.UTF_8));
        log("v1 ha: latest completed checkpoint " + chk + "; znodes " + paths);
        addSnap(HA_SNAP, "checkpoint", null, "hashmap", false, null, chk.toString(), g);
        // snapshot.json: add what the HA store held
        Path sj = dir.resolve("snapshot.json");
        String j = new String(Files.readAllBytes(sj), StandardCharsets.UTF_8).trim();
        Map<String, Object> ha = new LinkedHashMap<>();
        ha.put("type", "zookeeper");
        ha.put("cluster_id", HA_CLUSTER_ID);
        ha.put("zookeeper_root", HA_ZK_ROOT);
        ha.put("job_id", HA_JOB_ID.toString());
        ha.put("storage_dir", "ha-storage");
        ha.put("storage_files", new ArrayList<Object>(storage));
        ha.put("znodes", "zookeeper.jsonl");
        ha.put("note", "job v1 stopped by closing its MiniCluster without cleaning HA data (job SUSPENDED, not cancelled)");
        j = j.substring(0, j.length() - 1).trim() + ", \"ha\": " + Json.val(ha) + " }\n";
        Files.write(sj, j.getBytes(StandardCharsets.UTF_8));
        copyTree(dir, outRoot.resolve("snapshots").resolve(HA_SNAP));
    }

    /** Puts the HA data back as v1 left it (files from the committed copy, znodes from zookeeper.jsonl) minus the job graph. */
    static List<String> restoreHaStore() throws Exception {
        startZooKeeper();
        deleteTree(haDir());
        copyTree(outRoot.resolve("snapshots").resolve(HA_SNAP), haDir());
        List<String> skipped = new ArrayList<>();
        try (ZooKeeper zk = zkClient()) {
            String root = HA_ZK_ROOT + "/" + HA_CLUSTER_ID;
            if (zk.exists(root, false) != null) {
                ZKUtil.deleteRecursive(zk, root);
            }
            if (zk.exists(HA_ZK_ROOT, false) == null) {
                zk.create(HA_ZK_ROOT, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            }
            for (String line : Files.readAllLines(haDir().resolve("zookeeper.jsonl"), StandardCharsets.UTF_8)) {
                if (line.trim().isEmpty()) {
                    continue;
                }
                String path = Json.field(line, "path");
                String b64 = Json.field(line, "data_base64");
                if (path.matches(".*/(jobgraphs|execution-plans|applications)/.+")) {
                    skipped.add(path);
                    continue;
                }
                byte[] data = b64 == null ? null : java.util.Base64.getDecoder().decode(b64);
                zk.create(path, data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            }
        }
        return skipped;
    }

    static String haCheckpointDir() throws IOException {
        String j = new String(Files.readAllBytes(outRoot.resolve("snapshots").resolve(HA_SNAP).resolve("snapshot.json")),
                StandardCharsets.UTF_8);
        return Json.field(j, "original_path");
    }

    static List<Case> haCases() {
        List<Case> l = new ArrayList<>();
        JobSpec v1 = new JobSpec();
        JobSpec s;
        l.add(new Case("ha-unchanged", HA_SNAP, v1.copy(), "job v1 unchanged, restored from the HA store"));
        s = v1.copy();
        s.keyedUid = "keyed-v2";
        l.add(new Case("ha-uid-renamed", HA_SNAP, s, "uid of the keyed operator: keyed -> keyed-v2 (its keyed state unmapped)"));
        s = v1.copy();
        s.withOpState = false;
        l.add(new Case("ha-stateful-removed", HA_SNAP, s, "operator op-state (operator ListState) removed"));
        s = v1.copy();
        s.withStateless = false;
        l.add(new Case("ha-stateless-removed", HA_SNAP, s,
                "the stateless map (chained behind keyed; its checkpoint entry has no state) removed"));
        s = v1.copy();
        s.parallelism = 3;
        l.add(new Case("ha-rescaled-up", HA_SNAP, s, "whole job parallelism 2 -> 3"));
        s = v1.copy();
        s.jobMaxPar = 256;
        l.add(new Case("ha-maxpar-explicit-changed", HA_SNAP, s,
                "checkpoint max parallelism 128 (derived); new job sets job-wide max parallelism 256"));
        s = v1.copy();
        s.parallelism = 130;
        l.add(new Case("ha-parallelism-above-maxpar", HA_SNAP, s,
                "whole job parallelism 130, checkpoint max parallelism 128"));
        return l;
    }

    /**
     * One HA-path restore. allow: the job also sets execution.state-recovery.path (the same
     * checkpoint) with ignore-unclaimed-state true, the only way a job carries allowNonRestoredState
     * (SavepointRestoreSettings has it only together with a path).
     */
    static void runHaCase(Case cs, boolean allow, Set<String> knownIds) throws Exception {
        String caseName = cs.name + (allow ? "-allow" : "");
        Path caseDir = outRoot.resolve("cases").resolve(caseName);
        deleteTree(caseDir);
        Files.createDirectories(caseDir);
        List<String> skipped = restoreHaStore();
        String chk = haCheckpointDir();
        long chkId = Long.parseLong(Paths.get(chk).getFileName().toString().substring(4));
        Configuration conf = haConf(cs.spec);
        if (allow) {
            set(conf, "file://" + chk, "execution.savepoint.path", "execution.state-recovery.path");
            set(conf, "true", "execution.savepoint.ignore-unclaimed-state", "execution.state-recovery.ignore-unclaimed-state");
        }
        Graph g = graphOf(conf, cs.spec);
        Files.write(caseDir.resolve("graph.json"), graphJson(g).getBytes(StandardCharsets.UTF_8));
        // not expressible in a job file yet: the restore path
        String yaml = jobYaml(cs.spec, allow, g).replaceFirst("\noperators:\n",
                "\n# restored from the HA store (JobManager failover / last-state upgrade), not from a savepoint path"
                        + (allow ? "; execution.state-recovery.path names the same checkpoint" : "") + "\noperators:\n");
        Files.write(caseDir.resolve("job.yaml"), yaml.getBytes(StandardCharsets.UTF_8));
        Set<String> ids = new HashSet<>(knownIds);
        ids.addAll(g.ids);

        Map<String, Object> outcome = new LinkedHashMap<>();
        outcome.put("flink_version", version);
        outcome.put("snapshot", "snapshots/" + HA_SNAP);
        outcome.put("allow_non_restored_state", allow);
        outcome.put("restore_path", "ha");
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("case", caseName);
        details.put("description", cs.note);
        details.put("snapshot_metadata_dir", "snapshots/" + HA_SNAP + "/" + haDir().relativize(Paths.get(chk)));
        details.put("restore_path", "ha");
        details.put("high_availability", "zookeeper (in-process server), cluster-id " + HA_CLUSTER_ID + ", job id " + HA_JOB_ID
                + ", storageDir snapshots/" + HA_SNAP + "/ha-storage");
        details.put("ha_znodes_not_restored", new ArrayList<Object>(skipped));
        details.put("savepoint_restore_settings", allow
                ? "execution.state-recovery.path file://" + chk + ", ignore-unclaimed-state true" : "none");
        details.put("backend", cs.spec.backend);
        details.put("incremental", false);
        details.put("restart_strategy", "none");

        Path log = Paths.get(System.getProperty("restore.log.file"));
        long logFrom = Files.exists(log) ? Files.size(log) : 0;
        Path ckDir = haDir().resolve("checkpoints").resolve(HA_JOB_ID.toString());
        long t0 = System.currentTimeMillis();
        Throwable failure = null;
        boolean submitted = false;
        boolean restored = false;
        String finalStatus = null;
        MiniCluster mc = null;
        try {
            mc = startCluster(conf, cs.spec);
            mc.submitJob(haJobGraph(conf, cs.spec, caseName)).get(60, TimeUnit.SECONDS);
            submitted = true;
            long end = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < end) {
                JobStatus st = mc.getJobStatus(HA_JOB_ID).get(10, TimeUnit.SECONDS);
                if (st.isGloballyTerminalState()) {
                    break;
                }
                if (st == JobStatus.RUNNING && countMetadata(ckDir) > chkId) {
                    restored = true;
                    List<Path> cks = completedCheckpoints(ckDir);
                    details.put("first_checkpoint_after_restore", cks.get(cks.size() - 1).getFileName().toString());
                    break;
                }
                Thread.sleep(250);
            }
            if (!restored) {
                try {
                    org.apache.flink.runtime.jobmaster.JobResult r = mc.requestJobResult(HA_JOB_ID).get(20, TimeUnit.SECONDS);
                    r.toJobExecutionResult(RestoreGroundTruth.class.getClassLoader());
                } catch (java.util.concurrent.TimeoutException e) {
                    finalStatus = mc.getJobStatus(HA_JOB_ID).get(10, TimeUnit.SECONDS).toString();
                } catch (Exception e) {
                    failure = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                }
            }
            if (finalStatus == null) {
                try {
                    finalStatus = mc.getJobStatus(HA_JOB_ID).get(10, TimeUnit.SECONDS).toString();
                } catch (Exception e) {
                    finalStatus = failure != null ? "FAILED" : null;
                }
            }
            if (!mc.getJobStatus(HA_JOB_ID).get(10, TimeUnit.SECONDS).isGloballyTerminalState()) {
                mc.cancelJob(HA_JOB_ID).get(60, TimeUnit.SECONDS);
                try {
                    mc.requestJobResult(HA_JOB_ID).get(60, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // cancelled
                }
            }
        } catch (Throwable t) {
            if (failure == null) {
                failure = t instanceof ExecutionException && t.getCause() != null ? t.getCause() : t;
            }
        } finally {
            if (mc != null) {
                mc.closeAsync().get(120, TimeUnit.SECONDS);
            }
        }
        details.put("seconds", (System.currentTimeMillis() - t0) / 1000.0);
        details.put("job_status", finalStatus);
        // what the CheckpointCoordinator said it restored from ("Restoring job ... from Checkpoint N ...")
        String restoredFrom = null;
        if (Files.exists(log)) {
            byte[] all = Files.readAllBytes(log);
            String tail = new String(all, (int) Math.min(logFrom, all.length), (int) (all.length - Math.min(logFrom, all.length)),
                    StandardCharsets.UTF_8);
            for (String line : tail.split("\n")) {
                if (line.contains("Restoring job " + HA_JOB_ID)) {
                    restoredFrom = line.replaceAll("^\\S+ +\\S+ +\\S+ - ", "");
                    break;
                }
            }
        }
        details.put("coordinator_log", restoredFrom);

        outcome.put("restored", restored);
        if (restored) {
            outcome.put("phase", "restored");
            outcome.put("exception_class", null);
            outcome.put("message", null);
            outcome.put("operator_id", null);
        } else if (failure == null) {
            outcome.put("phase", "restored");
            outcome.put("exception_class", null);
            outcome.put("message", "job " + finalStatus + " but no checkpoint completed within 30 s after submission");
            outcome.put("operator_id", null);
        } else {
            recordFailure(failure, submitted, ids, outcome, details, caseDir);
        }
        Files.write(caseDir.resolve("outcome.json"), (Json.obj(outcome) + "\n").getBytes(StandardCharsets.UTF_8));
        Files.write(caseDir.resolve("details.json"), (Json.obj(details) + "\n").getBytes(StandardCharsets.UTF_8));
        log(caseName + ": " + (restored ? "restored" : outcome.get("phase") + " " + outcome.get("exception_class")
                + ": " + outcome.get("message")) + " | " + restoredFrom);
    }


    // ---------------------------------------------------------------- main

    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } catch (Throwable t) {
            // the in-process ZooKeeper server's threads would keep the JVM alive
            t.printStackTrace();
            System.exit(1);
        }
    }

    static void run(String[] args) throws Exception {
        version = EnvironmentInformation.getVersion();
        String[] vp = version.split("\\.");
        major = Integer.parseInt(vp[0]);
        minorNo = Integer.parseInt(vp[1]);
        minor = vp[0] + "." + vp[1];
        outRoot = Paths.get(args[0]).toAbsolutePath();
        String what = args.length > 1 ? args[1] : "all";
        Pattern filter = args.length > 2 ? Pattern.compile(args[2]) : null;
        tmpRoot = Paths.get("/tmp/flinspect-restore/flink-" + version);
        Files.createDirectories(outRoot);
        log("flink " + version + ", out " + outRoot);

        if (what.equals("all") || what.equals("snapshots")) {
            deleteTree(tmpRoot);
            deleteTree(outRoot.resolve("snapshots"));
            takeSnapshots();
            takeUnaligned();
        }
        if (what.equals("spa-source")) {
            takeSpaSource();
        }
        if (what.equals("unaligned")) {
            takeUnaligned();
        }
        if (what.equals("all") || what.equals("snapshots") || what.equals("nouid")) {
            takeNoUid();
        }
        if (what.equals("all") || what.equals("ha") || what.equals("ha-snapshot")) {
            takeHa();
        }
        if (what.equals("forst")) {
            takeForst();
        }
        if (what.equals("all") || what.equals("cases") || what.equals("nouid")) {
            if (what.equals("nouid")) {
                filter = Pattern.compile(filter == null ? "nouid-.*" : "(?=nouid-)" + filter.pattern());
            }
            snaps.clear();
            loadSnapshots();
            Set<String> known = new HashSet<>();
            for (String sn : snaps.keySet()) {
                String gj = new String(Files.readAllBytes(outRoot.resolve("snapshots").resolve(sn).resolve("graph.json")),
                        StandardCharsets.UTF_8);
                Matcher m = HEX32.matcher(gj);
                while (m.find()) {
                    known.add(m.group());
                }
            }
            for (Case cs : cases()) {
                for (boolean allow : new boolean[] {false, true}) {
                    String n = cs.name + (allow ? "-allow" : "");
                    if (filter != null && !filter.matcher(n).matches()) {
                        continue;
                    }
                    runCase(cs, allow, known);
                }
            }
        }
        if (what.equals("all") || what.equals("ha") || what.equals("ha-cases")) {
            Set<String> known = new HashSet<>();
            Matcher m = HEX32.matcher(new String(Files.readAllBytes(outRoot.resolve("snapshots").resolve(HA_SNAP)
                    .resolve("graph.json")), StandardCharsets.UTF_8));
            while (m.find()) {
                known.add(m.group());
            }
            for (Case cs : haCases()) {
                for (boolean allow : new boolean[] {false, true}) {
                    String n = cs.name + (allow ? "-allow" : "");
                    if (filter != null && !filter.matcher(n).matches()) {
                        continue;
                    }
                    runHaCase(cs, allow, known);
                }
            }
        }
        if (zkFactory != null) {
            zkFactory.shutdown();
        }
        log("done");
        System.exit(0);
    }

    // ---------------------------------------------------------------- tiny JSON writer

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

        /** Value of a top-level scalar field in our own one-line JSON (null for JSON null). */
        static String field(String json, String key) {
            Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\": (\"((?:[^\"\\\\]|\\\\.)*)\"|[^,}\\s]+)")
                    .matcher(json);
            if (!m.find()) {
                return null;
            }
            if (m.group(2) != null) {
                return m.group(2);
            }
            String v = m.group(1);
            return v.equals("null") ? null : v;
        }
    }
}
