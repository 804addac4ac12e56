package flinspect.companion;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.File;

/**
 * A compiled plan ({@code COMPILE PLAN ... FOR INSERT ...} JSON, Flink 1.15+) as a Flink program:
 * {@code TableEnvironment.loadPlan(PlanReference.fromFile(...))} on a StreamTableEnvironment of the
 * program's environment, then {@code CompiledPlan.execute()}: the planner restores the plan's
 * ExecNodes (with the uids it derives from them, {@code table.exec.uid.format}), translates them
 * and submits the StreamGraph, which the plan environment of the companion captures (as for a
 * job jar's execute()).
 *
 * <p>The Table API is reached by reflection, so that the companion needs only the distribution's
 * lib/ (flink-table-api-java-uber, flink-table-planner-loader) at run time.
 */
public final class SqlPlan {
    private SqlPlan() {}

    public static void main(String[] args) throws Exception {
        run(StreamExecutionEnvironment.getExecutionEnvironment(), args[0]);
    }

    /** Loads the plan file on env and executes it; returns the TableResult. */
    public static Object run(StreamExecutionEnvironment env, String planFile) throws Exception {
        Class<?> steClass = Class.forName("org.apache.flink.table.api.bridge.java.StreamTableEnvironment");
        Class<?> teClass = Class.forName("org.apache.flink.table.api.TableEnvironment");
        Class<?> refClass = Class.forName("org.apache.flink.table.api.PlanReference");
        Object tEnv = steClass.getMethod("create", StreamExecutionEnvironment.class).invoke(null, env);
        Object ref = refClass.getMethod("fromFile", File.class).invoke(null, new File(planFile).getAbsoluteFile());
        Object plan = teClass.getMethod("loadPlan", refClass).invoke(tEnv, ref);
        return Class.forName("org.apache.flink.table.api.CompiledPlan").getMethod("execute").invoke(plan);
    }
}
