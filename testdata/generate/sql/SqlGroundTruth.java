import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a SQL script (through flinspect's SqlScript, the statement handling `flinspect graph
 * SCRIPT.sql` uses) on a local MiniCluster, takes a canonical savepoint once the job runs, and
 * cancels it. Usage: SqlGroundTruth SCRIPT.sql SAVEPOINT_DIR. Prints the savepoint path.
 */
public class SqlGroundTruth {
    public static void main(String[] args) throws Exception {
        String script = new String(Files.readAllBytes(Paths.get(args[0])), StandardCharsets.UTF_8);
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
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        Class<?> sqlScript = Class.forName("flinspect.companion.SqlScript");
        Object result = sqlScript.getMethod("run", StreamExecutionEnvironment.class, String.class).invoke(null, env, script);
        @SuppressWarnings("unchecked")
        Optional<JobClient> client = (Optional<JobClient>) result.getClass().getMethod("getJobClient").invoke(result);
        JobClient c = client.get();
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
                    path = trigger(c, "file://" + Paths.get(args[1]).toAbsolutePath());
                } catch (Exception e) {
                    System.err.println("savepoint not yet: " + e);
                }
            }
            System.out.println(path);
        } finally {
            c.cancel().get(60, TimeUnit.SECONDS);
        }
        System.exit(0);
    }

    /** triggerSavepoint(dir, CANONICAL) from 1.15 on. */
    static String trigger(JobClient c, String dir) throws Exception {
        Class<?> fmt = Class.forName("org.apache.flink.core.execution.SavepointFormatType");
        @SuppressWarnings({"unchecked", "rawtypes"})
        Object canonical = Enum.valueOf((Class) fmt, "CANONICAL");
        Method m = JobClient.class.getMethod("triggerSavepoint", String.class, fmt);
        return (String) ((CompletableFuture<?>) m.invoke(c, dir, canonical)).get(60, TimeUnit.SECONDS);
    }
}
