import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.PlanReference;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A compiled plan from Flink itself, run on a local MiniCluster. Usage:
 * PlanGroundTruth SCRIPT.sql PLAN.json SAVEPOINT_DIR.
 *
 * <ol>
 *   <li>compile: a fresh TableEnvironment (streaming mode) runs the script's CREATE statements,
 *       then {@code COMPILE PLAN 'PLAN.json' FOR <the script's INSERT>};
 *   <li>run: another environment (parallelism 2, HashMap backend) loads that file with
 *       {@code TableEnvironment.loadPlan(PlanReference.fromFile(...))} and executes it; a canonical
 *       savepoint is taken once the job runs, and the job is cancelled;
 *   <li>restore: the plan runs again from that savepoint (allowNonRestoredState off) and takes
 *       another savepoint (not kept): the plan's savepoint restores into the plan.
 * </ol>
 * Prints the savepoint path (last line).
 */
public class PlanGroundTruth {
    public static void main(String[] args) throws Exception {
        String script = new String(Files.readAllBytes(Paths.get(args[0])), StandardCharsets.UTF_8);
        File plan = new File(args[1]).getAbsoluteFile();

        TableEnvironment compiler = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        String insert = null;
        for (String stmt : statements(script)) {
            if (stmt.toUpperCase(Locale.ROOT).startsWith("INSERT ")) {
                if (insert != null) {
                    throw new IllegalArgumentException("one INSERT expected");
                }
                insert = stmt;
            } else {
                compiler.executeSql(stmt);
            }
        }
        Files.deleteIfExists(plan.toPath());
        compiler.executeSql("COMPILE PLAN '" + plan + "' FOR " + insert);
        System.err.println("compiled: " + plan);

        Configuration conf = new Configuration();
        conf.setString("parallelism.default", "2");
        conf.setString("state.backend", "hashmap");
        conf.setString("state.backend.type", "hashmap");
        conf.setString("execution.checkpointing.interval", "1 s");
        conf.setString("restart-strategy", "none");
        conf.setString("restart-strategy.type", "none");
        conf.setString("taskmanager.memory.managed.size", "128 mb");
        conf.setString("taskmanager.memory.network.min", "64 mb");
        conf.setString("taskmanager.memory.network.max", "64 mb");
        String path = runAndSavepoint(conf, plan, args[2]);
        System.err.println("savepoint: " + path);

        // The plan restores from its own savepoint (allowNonRestoredState off): the job comes up
        // and takes another savepoint, else this program fails.
        Configuration restore = conf.clone();
        restore.setString("execution.savepoint.path", path);
        restore.setString("execution.state-recovery.path", path);
        restore.setString("execution.savepoint.ignore-unclaimed-state", "false");
        String again = runAndSavepoint(restore, plan, args[2] + "-restored");
        System.err.println("restored from " + path + ", then savepoint " + again);
        System.out.println(path);
        System.exit(0);
    }

    /** Runs the plan on a MiniCluster with conf until a canonical savepoint is taken; cancels it. */
    static String runAndSavepoint(Configuration conf, File plan, String dir) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        TableResult result = tEnv.loadPlan(PlanReference.fromFile(plan)).execute();
        JobClient c = result.getJobClient().get();
        try {
            long end = System.currentTimeMillis() + 120_000;
            String path = null;
            while (path == null) {
                if (System.currentTimeMillis() > end) {
                    throw new IllegalStateException("no savepoint within 120 s");
                }
                JobStatus st = c.getJobStatus().get();
                if (st.isTerminalState()) {
                    c.getJobExecutionResult().get();
                    throw new IllegalStateException("job ended: " + st);
                }
                Thread.sleep(1000);
                try {
                    path = SqlGroundTruth.trigger(c, "file://" + Paths.get(dir).toAbsolutePath());
                } catch (Exception e) {
                    System.err.println("savepoint not yet: " + e);
                }
            }
            return path.startsWith("file:") ? path.substring("file:".length()) : path;
        } finally {
            c.cancel().get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** The script's statements: '--' comment lines dropped, split at ';' (job.sql has no ';' in strings). */
    static List<String> statements(String script) {
        StringBuilder b = new StringBuilder();
        for (String line : script.split("\n")) {
            if (!line.trim().startsWith("--")) {
                b.append(line).append('\n');
            }
        }
        List<String> out = new ArrayList<>();
        for (String s : b.toString().split(";")) {
            if (!s.trim().isEmpty()) {
                out.add(s.trim());
            }
        }
        return out;
    }
}
