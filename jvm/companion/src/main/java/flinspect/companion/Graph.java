package flinspect.companion;

import org.apache.flink.api.dag.Pipeline;
import org.apache.flink.client.FlinkPipelineTranslationUtil;
import org.apache.flink.client.program.PackagedProgram;
import org.apache.flink.client.program.PackagedProgramUtils;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.runtime.OperatorIDPair;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.streaming.api.graph.StreamEdge;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;

import java.io.File;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The graph companion of flinspect: loads a DataStream job jar with Flink's own client classes,
 * takes the StreamGraph its main() builds (Flink's plan environment captures it at the first
 * execute()/executeAsync() and aborts main() there), derives the JobGraph as Flink does at
 * submission, and writes one JSON document describing operators, OperatorIDs, chains, edges and
 * the job-level settings that decide a restore. It never starts a cluster and never runs the job.
 *
 * <pre>
 *   java -cp flinspect-companion.jar:$FLINK_HOME/lib/* flinspect.companion.Graph \
 *       --jar JOB.jar [--class MAIN] [--conf-dir DIR] [--config FILE] [--output FILE] [-- ARGS...]
 * </pre>
 *
 * Exit status: 0 with the document written; 2 when no document can be given (the job's main()
 * failed, called System.exit, never called execute(), is a DataSet or Python program, or the
 * arguments are wrong), with one explanation on stderr. The job's own output never reaches
 * stdout: stdout carries only the document (and only when no --output is given).
 */
public final class Graph {

    static final int SCHEMA_VERSION = 1;

    /** Set while the job's main() runs, so that a System.exit from it is reported as such. */
    static volatile boolean inUserMain;

    static PrintStream realErr;

    /** The job jar, for messages. */
    static volatile String jobJar = "the job";

    private Graph() {}

    public static void main(String[] argv) {
        PrintStream realOut = System.out;
        realErr = System.err;
        // Anything printed from here on (the job, logging set up later) goes to stderr; the
        // document is written to the saved stdout (or to --output).
        System.setOut(System.err);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (inUserMain) {
                realErr.println("flinspect-companion: " + jobJar + ": the job's main() called System.exit() before it called "
                        + "execute(): there is no job graph to show");
                realErr.flush();
                Runtime.getRuntime().halt(2);
            }
        }));
        int code;
        try {
            Args args = Args.parse(argv);
            String doc = Json.write(run(args));
            if (args.output != null) {
                Path tmp = Paths.get(args.output + ".partial");
                Files.write(tmp, doc.getBytes(StandardCharsets.UTF_8));
                Files.move(tmp, Paths.get(args.output), StandardCopyOption.REPLACE_EXISTING);
            } else {
                realOut.print(doc);
                realOut.flush();
            }
            code = 0;
        } catch (Failure f) {
            realErr.println("flinspect-companion: " + f.getMessage());
            code = 2;
        } catch (Throwable t) {
            realErr.println("flinspect-companion: internal error: " + t);
            t.printStackTrace(realErr);
            code = 2;
        }
        realErr.flush();
        // Threads the job may have started must not keep the JVM alive.
        Runtime.getRuntime().halt(code);
    }

    /** A failure to explain in one message (exit 2). */
    static final class Failure extends Exception {
        Failure(String message) {
            super(message);
        }
    }

    static final class Args {
        String jar;
        String sql;
        String plan;
        String entryClass;
        String confDir;
        String config;
        String output;
        List<String> programArgs = new ArrayList<>();

        static Args parse(String[] argv) throws Failure {
            Args a = new Args();
            for (int i = 0; i < argv.length; i++) {
                String s = argv[i];
                if (s.equals("--")) {
                    a.programArgs.addAll(Arrays.asList(argv).subList(i + 1, argv.length));
                    break;
                }
                if (i + 1 >= argv.length) {
                    throw new Failure("option " + s + " needs a value (usage: --jar JOB.jar [--class MAIN] "
                            + "[--conf-dir DIR] [--config FILE] [--output FILE] [-- ARGS...])");
                }
                String v = argv[++i];
                switch (s) {
                    case "--jar":
                        a.jar = v;
                        break;
                    case "--sql":
                        a.sql = v;
                        break;
                    case "--plan":
                        a.plan = v;
                        break;
                    case "--class":
                        a.entryClass = v;
                        break;
                    case "--conf-dir":
                        a.confDir = v;
                        break;
                    case "--config":
                        a.config = v;
                        break;
                    case "--output":
                        a.output = v;
                        break;
                    default:
                        throw new Failure("unknown option " + s);
                }
            }
            int jobs = (a.jar == null ? 0 : 1) + (a.sql == null ? 0 : 1) + (a.plan == null ? 0 : 1);
            if (jobs != 1) {
                throw new Failure("give one job: --jar JOB.jar, --sql SCRIPT.sql or --plan PLAN.json");
            }
            return a;
        }
    }

    // ------------------------------------------------------------------------------ run

    static Map<String, Object> run(Args args) throws Exception {
        if (args.sql != null) {
            return runSql(args, args.sql, SqlScript.class, "a SQL script");
        }
        if (args.plan != null) {
            return runSql(args, args.plan, SqlPlan.class, "a compiled plan");
        }
        File jar = new File(args.jar);
        jobJar = args.jar;
        if (args.jar.endsWith(".py")) {
            throw new Failure(args.jar + ": Python jobs are not supported (only DataStream job jars)");
        }
        if (!jar.isFile()) {
            throw new Failure(args.jar + ": no such file (expected a job jar)");
        }
        Configuration conf = loadConfiguration(args);
        int parallelism = conf.get(CoreOptions.DEFAULT_PARALLELISM);

        PackagedProgram.Builder b = PackagedProgram.newBuilder()
                .setJarFile(jar)
                .setConfiguration(conf)
                .setArguments(args.programArgs.toArray(new String[0]));
        if (args.entryClass != null) {
            b.setEntryPointClassName(args.entryClass);
        }
        PackagedProgram program;
        try {
            program = b.build();
        } catch (Exception e) {
            throw new Failure(args.jar + ": cannot load the job: " + messageChain(e));
        }
        String mainClass = program.getMainClassName();
        if (mainClass.equals("org.apache.flink.client.python.PythonDriver")) {
            throw new Failure(args.jar + ": Python jobs are not supported (only DataStream job jars)");
        }

        return capture(program, args.jar, conf, parallelism);
    }

    /** Runs main() up to its first execute(), and describes the graph it submitted. */
    static Map<String, Object> capture(PackagedProgram program, String what, Configuration conf, int parallelism)
            throws Exception {
        String mainClass = program.getMainClassName();
        Pipeline pipeline;
        inUserMain = true;
        try {
            // suppressOutput = true: Flink buffers the program's stdout/stderr while main() runs.
            pipeline = PackagedProgramUtils.getPipelineFromProgram(program, conf, parallelism, true);
        } catch (Throwable t) {
            String who = mainClass.equals(SqlScript.class.getName()) ? "the SQL script"
                    : mainClass.equals(SqlPlan.class.getName()) ? "the compiled plan"
                    : "the job's main() (" + mainClass + ")";
            throw new Failure(what + ": " + who + " failed: " + userFailure(t));
        } finally {
            inUserMain = false;
        }
        if (!(pipeline instanceof StreamGraph)) {
            throw new Failure(what + ": " + mainClass + " built a " + pipeline.getClass().getName()
                    + " (a DataSet program): only DataStream jobs are supported");
        }
        StreamGraph sg = (StreamGraph) pipeline;

        // The OperatorIDs, computed as StreamingJobGraphGenerator computes them, on the graph
        // before translation (which works on this same graph).
        Map<Integer, byte[]> generated = hashes("org.apache.flink.streaming.api.graph.StreamGraphHasherV2", sg);

        JobGraph jg;
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        try {
            jg = FlinkPipelineTranslationUtil.getJobGraphUnderUserClassLoader(
                    program.getUserCodeClassLoader(), sg, conf, parallelism);
        } catch (Throwable t) {
            throw new Failure(what + ": Flink could not turn the job's StreamGraph into a JobGraph: "
                    + messageChain(t));
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
        return document(program, mainClass, conf, parallelism, sg, generated, jg);
    }

    /**
     * A SQL script or a compiled plan: run as a program whose main() is {@link SqlScript} or
     * {@link SqlPlan} (on the companion's own class path, with the distribution's Table API and
     * planner), so that the planner's StreamGraph is captured exactly where a job jar's would be.
     */
    static Map<String, Object> runSql(Args args, String file, Class<?> main, String expected) throws Exception {
        jobJar = file;
        if (!Files.isRegularFile(Paths.get(file))) {
            throw new Failure(file + ": no such file (expected " + expected + ")");
        }
        Configuration conf = loadConfiguration(args);
        int parallelism = conf.get(CoreOptions.DEFAULT_PARALLELISM);
        PackagedProgram program;
        try {
            program = PackagedProgram.newBuilder()
                    .setEntryPointClassName(main.getName())
                    .setConfiguration(conf)
                    .setArguments(file)
                    .build();
        } catch (Exception e) {
            throw new Failure(file + ": cannot set up the SQL program: " + messageChain(e));
        }
        return capture(program, file, conf, parallelism);
    }

    static Map<Integer, byte[]> hashes(String hasherClass, StreamGraph sg) throws Exception {
        Object hasher = Class.forName(hasherClass).getDeclaredConstructor().newInstance();
        Method m = hasher.getClass().getMethod("traverseStreamGraphAndGenerateHashes", StreamGraph.class);
        @SuppressWarnings("unchecked")
        Map<Integer, byte[]> h = (Map<Integer, byte[]>) m.invoke(hasher, sg);
        return h;
    }

    // ------------------------------------------------------------------------------ configuration

    /**
     * The configuration the Flink CLI would use: the distribution's conf directory (both
     * flink-conf.yaml and config.yaml, as GlobalConfiguration reads them), then --config on top.
     */
    static Configuration loadConfiguration(Args args) throws Exception {
        Configuration conf = new Configuration();
        if (args.confDir != null) {
            File d = new File(args.confDir);
            if (!d.isDirectory()) {
                throw new Failure(args.confDir + ": not a directory (expected Flink's conf/ directory)");
            }
            try {
                conf = GlobalConfiguration.loadConfiguration(args.confDir);
            } catch (Exception e) {
                throw new Failure(args.confDir + ": cannot read Flink's configuration: " + messageChain(e));
            }
        }
        if (args.config != null) {
            Path file = Paths.get(args.config);
            if (!Files.isRegularFile(file)) {
                throw new Failure(args.config + ": no such file (expected a Flink configuration file)");
            }
            Path dir = Files.createTempDirectory("flinspect-conf");
            try {
                Path copy = dir.resolve(configFileName(file.getFileName().toString()));
                Files.copy(file, copy);
                Configuration extra;
                try {
                    extra = GlobalConfiguration.loadConfiguration(dir.toString());
                } catch (Exception e) {
                    throw new Failure(args.config + ": cannot read it as a Flink configuration file: "
                            + messageChain(e));
                }
                conf.addAll(extra);
            } finally {
                try (java.util.stream.Stream<Path> s = Files.list(dir)) {
                    for (Path p : (Iterable<Path>) s::iterator) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(dir);
            }
        }
        return conf;
    }

    /**
     * The file name under which this Flink release reads a configuration file: its own name
     * when it is one the release knows (1.19 and 1.20 read both), else the release's default
     * (config.yaml from 1.19 on, flink-conf.yaml before).
     */
    static String configFileName(String given) {
        String current = staticString(GlobalConfiguration.class, "FLINK_CONF_FILENAME", "flink-conf.yaml");
        String legacy = staticString(GlobalConfiguration.class, "LEGACY_FLINK_CONF_FILENAME", null);
        if (given.equals(current) || given.equals(legacy)) {
            return given;
        }
        return current;
    }

    static String staticString(Class<?> c, String field, String fallback) {
        try {
            Field f = c.getField(field);
            return (String) f.get(null);
        } catch (ReflectiveOperationException e) {
            return fallback;
        }
    }

    static String confString(Configuration conf, String... keys) {
        if (conf == null) {
            return null;
        }
        Map<String, String> m = conf.toMap();
        for (String k : keys) {
            String v = m.get(k);
            if (v != null) {
                return v.trim();
            }
        }
        return null;
    }

    static Boolean confBool(Configuration conf, String... keys) {
        String v = confString(conf, keys);
        return v == null ? null : Boolean.valueOf(v.equalsIgnoreCase("true"));
    }

    // ------------------------------------------------------------------------------ document

    static Map<String, Object> document(PackagedProgram program, String mainClass, Configuration conf,
                                        int parallelism, StreamGraph sg, Map<Integer, byte[]> generated,
                                        JobGraph jg) throws Exception {
        // Vertex and position of every generated OperatorID, and the pair Flink restores with.
        Map<String, OperatorIDPair> pairs = new HashMap<>();
        Map<String, JobVertex> vertexOf = new HashMap<>();
        Map<String, Integer> positionOf = new HashMap<>();
        List<Object> vertices = new ArrayList<>();
        for (JobVertex v : jg.getVerticesSortedTopologicallyFromSources()) {
            // getOperatorIDs() lists the chain depth-first post-order (head last); reversed, the
            // head comes first and every operator follows its chained predecessor.
            List<OperatorIDPair> ids = new ArrayList<>(v.getOperatorIDs());
            Collections.reverse(ids);
            List<Object> opIds = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                OperatorIDPair p = ids.get(i);
                String g = p.getGeneratedOperatorID().toHexString();
                pairs.put(g, p);
                vertexOf.put(g, v);
                positionOf.put(g, i);
                opIds.add(effectiveId(p));
            }
            Map<String, Object> vm = new LinkedHashMap<>();
            vm.put("id", v.getID().toHexString());
            vm.put("name", v.getName());
            vm.put("parallelism", v.getParallelism());
            vm.put("max_parallelism", v.getMaxParallelism() > 0 ? v.getMaxParallelism() : null);
            vm.put("operators", opIds);
            vertices.add(vm);
        }

        int jobMaxPar = sg.getExecutionConfig().getMaxParallelism();
        List<StreamNode> nodes = new ArrayList<>(sg.getStreamNodes());
        nodes.sort(Comparator.comparingInt(StreamNode::getId));
        Map<Integer, String> idOfNode = new HashMap<>();
        for (StreamNode n : nodes) {
            byte[] h = generated.get(n.getId());
            if (h == null) {
                throw new IllegalStateException("no hash for stream node " + n.getId() + " " + n.getOperatorName());
            }
            String g = hex(h);
            OperatorIDPair p = pairs.get(g);
            if (p == null) {
                throw new IllegalStateException("operator " + n.getOperatorName() + ": OperatorID " + g
                        + " (StreamGraphHasherV2) is not in the JobGraph");
            }
            idOfNode.put(n.getId(), effectiveId(p));
        }

        List<Object> operators = new ArrayList<>();
        for (StreamNode n : nodes) {
            String g = hex(generated.get(n.getId()));
            OperatorIDPair p = pairs.get(g);
            JobVertex v = vertexOf.get(g);
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("operator_id", idOfNode.get(n.getId()));
            o.put("generated_operator_id", g);
            o.put("user_operator_id", p.getUserDefinedOperatorID().isPresent()
                    ? p.getUserDefinedOperatorID().get().toHexString() : null);
            o.put("uid", n.getTransformationUID());
            o.put("name", n.getOperatorName());
            o.put("parallelism", n.getParallelism() > 0 ? n.getParallelism() : v.getParallelism());
            int nodeMax = nodeMaxParallelism(n);
            Integer maxPar;
            String source;
            if (nodeMax > 0 && (jobMaxPar <= 0 || nodeMax != jobMaxPar)) {
                maxPar = nodeMax;
                source = "operator";
            } else if (nodeMax > 0 || jobMaxPar > 0) {
                maxPar = nodeMax > 0 ? nodeMax : jobMaxPar;
                source = "job";
            } else {
                maxPar = null;
                source = null;
            }
            o.put("max_parallelism", maxPar);
            o.put("max_parallelism_source", source);
            o.put("vertex_id", v.getID().toHexString());
            o.put("chain_position", positionOf.get(g));
            List<Object> inputs = new ArrayList<>();
            for (StreamEdge e : n.getInEdges()) {
                Map<String, Object> in = new LinkedHashMap<>();
                in.put("operator_id", idOfNode.get(e.getSourceId()));
                String pc = e.getPartitioner().getClass().getName();
                in.put("partitioner", partitionerKind(pc));
                in.put("partitioner_class", pc);
                in.put("side_output", e.getOutputTag() == null ? null : e.getOutputTag().getId());
                inputs.add(in);
            }
            o.put("inputs", inputs);
            o.put("stateless", statelessReason(n));
            operators.add(o);
        }

        Map<String, Object> d = new LinkedHashMap<>();
        d.put("schema_version", SCHEMA_VERSION);
        d.put("flink_version", EnvironmentInformation.getVersion());
        d.put("entry_class", mainClass);
        d.put("job_name", sg.getJobName());
        d.put("captured", "first_execute");
        d.put("default_parallelism", parallelism);
        int jobPar = sg.getExecutionConfig().getParallelism();
        d.put("parallelism", jobPar > 0 ? jobPar : parallelism);
        d.put("max_parallelism", jobMaxPar > 0 ? jobMaxPar : null);
        Configuration jobConf = jobConfiguration(sg);
        d.put("state_backend", stateBackend(sg, jobConf, conf));
        d.put("changelog", changelog(sg, jobConf, conf));
        d.put("checkpointing", checkpointing(sg, jobConf, conf));
        d.put("restart_strategy", restartStrategy(sg, jobConf, conf));
        d.put("vertices", vertices);
        d.put("operators", operators);
        return d;
    }

    static String effectiveId(OperatorIDPair p) {
        return p.getUserDefinedOperatorID().isPresent()
                ? p.getUserDefinedOperatorID().get().toHexString()
                : p.getGeneratedOperatorID().toHexString();
    }

    static String partitionerKind(String className) {
        String s = className.substring(className.lastIndexOf('.') + 1);
        switch (s) {
            case "ForwardPartitioner":
            case "ForwardForUnspecifiedPartitioner":
                return "forward";
            case "RebalancePartitioner":
                return "rebalance";
            case "KeyGroupStreamPartitioner":
            case "ForwardForConsecutiveHashPartitioner":
                return "hash";
            case "BroadcastPartitioner":
                return "broadcast";
            case "RescalePartitioner":
                return "rescale";
            case "ShufflePartitioner":
                return "shuffle";
            case "GlobalPartitioner":
                return "global";
            case "CustomPartitionerWrapper":
                return "custom";
            default:
                return "other";
        }
    }

    /** StreamNode.getMaxParallelism() is package-private before 2.0. */
    /** Operators whose user function Flink gives no way to state: they compute, never keep. */
    static final List<String> PLAIN_OPERATORS = Arrays.asList(
            "org.apache.flink.streaming.api.operators.StreamMap",
            "org.apache.flink.streaming.api.operators.StreamFilter",
            "org.apache.flink.streaming.api.operators.StreamFlatMap",
            "org.apache.flink.streaming.api.operators.StreamSink");

    /** Interfaces through which a function or sink keeps state. */
    static final List<String> STATE_INTERFACES = Arrays.asList(
            "org.apache.flink.streaming.api.checkpoint.CheckpointedFunction",
            "org.apache.flink.streaming.api.checkpoint.ListCheckpointed",
            "org.apache.flink.api.connector.sink2.StatefulSink",
            "org.apache.flink.api.connector.sink2.SupportsWriterState",
            "org.apache.flink.api.connector.sink2.TwoPhaseCommittingSink",
            "org.apache.flink.api.connector.sink2.SupportsCommitter",
            "org.apache.flink.streaming.api.connector.sink2.WithPreCommitTopology",
            "org.apache.flink.streaming.api.connector.sink2.WithPostCommitTopology");

    static boolean implementsAny(Class<?> c, List<String> names) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            if (names.contains(k.getName())) {
                return true;
            }
            for (Class<?> i : k.getInterfaces()) {
                if (implementsAny(i, names)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Why Flink cannot keep state for this operator, or null when it may (or flinspect cannot
     * tell). Stateless: a map, filter, flatMap or legacy sink whose function implements no state
     * interface (CheckpointedFunction, ListCheckpointed) and, on a keyed stream, is no
     * RichFunction (which could use keyed state); a Sink V2 writer whose sink implements no
     * writer-state or committer interface. Everything else (sources, process functions, windows,
     * operators of other factories) may hold state.
     */
    static String statelessReason(StreamNode n) {
        Object factory = call(n, "getOperatorFactory");
        if (factory == null) {
            return null;
        }
        String factoryClass = factory.getClass().getName();
        if (factoryClass.endsWith(".SinkWriterOperatorFactory")) {
            Object sink = call(factory, "getSink");
            if (sink == null || implementsAny(sink.getClass(), STATE_INTERFACES)) {
                return null;
            }
            return "a Sink V2 writer of " + sink.getClass().getName()
                    + ", which implements no writer-state or committer interface";
        }
        Object op = call(factory, "getOperator");
        if (op == null || !PLAIN_OPERATORS.contains(op.getClass().getName())) {
            return null;
        }
        Object fn = call(op, "getUserFunction");
        if (fn == null || implementsAny(fn.getClass(), STATE_INTERFACES)) {
            return null;
        }
        boolean keyed = call(n, "getStateKeySerializer") != null;
        boolean rich = implementsAny(fn.getClass(),
                Collections.singletonList("org.apache.flink.api.common.functions.RichFunction"));
        if (keyed && rich) {
            return null;
        }
        String what = op.getClass().getSimpleName() + " of " + fn.getClass().getName();
        return what + ": implements no CheckpointedFunction" + (keyed ? " and is no RichFunction (no keyed state)"
                : (rich ? ", and its input is not keyed (no keyed state)" : " and is no RichFunction"));
    }

    static int nodeMaxParallelism(StreamNode n) throws Exception {
        Method m = StreamNode.class.getDeclaredMethod("getMaxParallelism");
        m.setAccessible(true);
        return (Integer) m.invoke(n);
    }

    /** StreamGraph.getJobConfiguration() exists from 1.19 on (what the job's code configured). */
    static Configuration jobConfiguration(StreamGraph sg) {
        Object c = call(sg, "getJobConfiguration");
        return c instanceof Configuration ? (Configuration) c : null;
    }

    static Map<String, Object> stateBackend(StreamGraph sg, Configuration jobConf, Configuration conf) {
        Object backend = call(sg, "getStateBackend");
        String job = backend == null ? null : backendKind(backend.getClass().getSimpleName());
        if (job == null) {
            job = normalizeBackend(confString(jobConf, "state.backend.type", "state.backend"));
        }
        String fromConf = normalizeBackend(confString(conf, "state.backend.type", "state.backend"));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", job);
        m.put("job_class", backend == null ? null : backend.getClass().getName());
        m.put("configuration", fromConf);
        m.put("effective", job != null ? job : fromConf != null ? fromConf : "hashmap");
        return m;
    }

    static String backendKind(String simpleName) {
        switch (simpleName) {
            case "HashMapStateBackend":
            case "FsStateBackend":
            case "MemoryStateBackend":
                return "hashmap";
            case "EmbeddedRocksDBStateBackend":
            case "RocksDBStateBackend":
                return "rocksdb";
            case "ForStStateBackend":
                return "forst";
            default:
                return simpleName;
        }
    }

    /** Flink's short names; the old aliases (jobmanager, filesystem) are the heap backend. */
    static String normalizeBackend(String v) {
        if (v == null) {
            return null;
        }
        String s = v.toLowerCase();
        switch (s) {
            case "hashmap":
            case "jobmanager":
            case "filesystem":
                return "hashmap";
            case "rocksdb":
                return "rocksdb";
            case "forst":
                return "forst";
            default:
                return v;
        }
    }

    static Map<String, Object> changelog(StreamGraph sg, Configuration jobConf, Configuration conf) {
        Boolean job = null;
        Object t = call(sg, "isChangelogStateBackendEnabled");
        if (t != null) {
            String s = t.toString();
            job = s.equals("TRUE") ? Boolean.TRUE : s.equals("FALSE") ? Boolean.FALSE : null;
        }
        if (job == null) {
            job = confBool(jobConf, "state.changelog.enabled", "state.backend.changelog.enabled");
        }
        Boolean fromConf = confBool(conf, "state.changelog.enabled", "state.backend.changelog.enabled");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", job);
        m.put("configuration", fromConf);
        m.put("effective", job != null ? job : fromConf != null ? fromConf : Boolean.FALSE);
        return m;
    }

    static Map<String, Object> checkpointing(StreamGraph sg, Configuration jobConf, Configuration conf) {
        Object cc = sg.getCheckpointConfig();
        Map<String, Object> m = new LinkedHashMap<>();
        Object enabled = call(cc, "isCheckpointingEnabled");
        boolean on = Boolean.TRUE.equals(enabled);
        m.put("enabled", on);
        Object interval = call(cc, "getCheckpointInterval");
        m.put("interval_ms", on && interval instanceof Long ? interval : null);
        Object mode = call(cc, "getCheckpointingConsistencyMode");
        if (mode == null) {
            mode = call(cc, "getCheckpointingMode");
        }
        m.put("mode", mode == null ? null : mode.toString().toLowerCase());
        m.put("unaligned", Boolean.TRUE.equals(call(cc, "isUnalignedCheckpointsEnabled")));
        Boolean incJob = null;
        Object backend = call(sg, "getStateBackend");
        if (backend != null) {
            Object inc = call(backend, "isIncrementalCheckpointsEnabled");
            if (inc instanceof Boolean) {
                incJob = (Boolean) inc;
            }
        }
        if (incJob == null) {
            incJob = confBool(jobConf, "execution.checkpointing.incremental", "state.backend.incremental");
        }
        Boolean incConf = confBool(conf, "execution.checkpointing.incremental", "state.backend.incremental");
        Map<String, Object> inc = new LinkedHashMap<>();
        inc.put("job", incJob);
        inc.put("configuration", incConf);
        inc.put("effective", incJob != null ? incJob : incConf != null ? incConf : Boolean.FALSE);
        m.put("incremental", inc);
        return m;
    }

    static Map<String, Object> restartStrategy(StreamGraph sg, Configuration jobConf, Configuration conf) {
        String job = null;
        Object rs = call(sg.getExecutionConfig(), "getRestartStrategy");
        if (rs != null && !rs.getClass().getSimpleName().startsWith("Fallback")) {
            Object desc = call(rs, "getDescription");
            job = desc != null ? desc.toString() : rs.toString();
        }
        if (job == null) {
            job = confString(jobConf, "restart-strategy.type", "restart-strategy");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", job);
        m.put("configuration", confString(conf, "restart-strategy.type", "restart-strategy"));
        return m;
    }

    /** Calls a public no-argument method if this release has it; null when it does not. */
    static Object call(Object target, String method) {
        if (target == null) {
            return null;
        }
        try {
            Method m = target.getClass().getMethod(method);
            return m.invoke(target);
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null;
        } catch (InvocationTargetException e) {
            return null;
        }
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x & 0xff));
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------------------ errors

    /** The messages of an exception and its causes, on one line, each said once. */
    static String messageChain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        Throwable c = t;
        int depth = 0;
        while (c != null && depth++ < 8) {
            String m = c.getMessage();
            m = (m == null ? c.getClass().getName() : m).replaceAll("\\s*\n\\s*", " ").trim();
            if (!sb.toString().contains(m)) {
                if (sb.length() > 0) {
                    sb.append(": ");
                }
                sb.append(m);
            }
            if (c.getCause() == c) {
                break;
            }
            c = c.getCause();
        }
        return sb.toString();
    }

    /**
     * The user's exception, unwrapped from Flink's ProgramInvocationException (whose message also
     * carries the program's buffered output), as "class: message", followed by that output.
     */
    static String userFailure(Throwable t) {
        Throwable c = t;
        Throwable user = null;
        while (c != null) {
            String name = c.getClass().getName();
            boolean flinkWrapper = name.equals("org.apache.flink.client.program.ProgramInvocationException")
                    || c instanceof InvocationTargetException;
            if (!flinkWrapper) {
                user = c;
                break;
            }
            if (c.getCause() == null || c.getCause() == c) {
                break;
            }
            c = c.getCause();
        }
        if (user == null) {
            String m = messageChain(t);
            if (m.contains("could not be fetched")) {
                m = "it returned without calling execute() or executeAsync() on a StreamExecutionEnvironment";
                String top = t.getMessage();
                if (top != null && top.contains("System.out:")) {
                    m += "\n" + top.substring(top.indexOf("System.out:")).trim();
                }
            }
            return m;
        }
        if (user.getClass().getName().endsWith("ProgramAbortException")) {
            return "it did not call execute() or executeAsync() on a StreamExecutionEnvironment";
        }
        String msg = user.getClass().getName() + (user.getMessage() == null ? "" : ": " + user.getMessage());
        String top = t.getMessage();
        if (t != user && top != null && top.contains("System.out:")) {
            msg += "\n" + top.substring(top.indexOf("System.out:"));
        }
        return msg;
    }
}
