package flinspect.examples;

import org.apache.flink.api.common.functions.Partitioner;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * What a job's main() may do besides building one pipeline. The first argument picks it:
 * <ul>
 *   <li>print: writes to System.out and System.err, then builds a job</li>
 *   <li>fail: throws before execute()</li>
 *   <li>exit: calls System.exit(3) before execute()</li>
 *   <li>no-execute: builds a pipeline and returns without execute()</li>
 *   <li>twice: two jobs, two execute() calls ("first-job", then "second-job")</li>
 *   <li>execute-async: executeAsync() instead of execute()</li>
 *   <li>partitioners: one edge of every kind, setUidHash, and forceNonParallel</li>
 *   <li>dataset: a DataSet program (1.x only)</li>
 *   <li>hang: waits forever before execute() (as a job waiting for a service would)</li>
 * </ul>
 */
public final class Hazards {
    private Hazards() {}

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "";
        switch (mode) {
            case "print":
                System.out.println("hello from the job's main() on stdout {\"not\": \"json\"}");
                System.err.println("hello from the job's main() on stderr");
                simple("print").execute("print");
                break;
            case "fail":
                throw new IllegalStateException("the job refuses to build: missing --input");
            case "exit":
                System.exit(3);
                break;
            case "no-execute":
                simple("no-execute");
                break;
            case "twice":
                simple("first").execute("first-job");
                simple("second").execute("second-job");
                break;
            case "execute-async":
                simple("async").executeAsync("async-job");
                break;
            case "partitioners":
                partitioners().execute("partitioners");
                break;
            case "dataset":
                dataset();
                break;
            case "hang":
                Thread.sleep(Long.MAX_VALUE);
                break;
            default:
                throw new IllegalArgumentException("unknown mode '" + mode + "'");
        }
    }

    static StreamExecutionEnvironment simple(String prefix) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        DataStream<Long> s = env.fromSequence(0, 100).uid(prefix + "-src").name(prefix + "-src")
                .map(new Functions.Identity()).uid(prefix + "-map").name(prefix + "-map");
        Compat.discardingSink(s).uid(prefix + "-sink").name(prefix + "-sink");
        return env;
    }

    static final class ModPartitioner implements Partitioner<Long> {
        @Override
        public int partition(Long key, int n) {
            return (int) (key % n);
        }
    }

    static StreamExecutionEnvironment partitioners() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(4);
        DataStream<Long> src = env.fromSequence(0, 100).uid("p-src").name("p-src");
        DataStream<Long> fwd = src.forward().map(new Functions.Identity()).uid("p-forward").name("p-forward");
        DataStream<Long> reb = fwd.rebalance().map(new Functions.Identity()).uid("p-rebalance").name("p-rebalance");
        DataStream<Long> res = reb.rescale().map(new Functions.Identity()).uid("p-rescale").name("p-rescale");
        DataStream<Long> shu = res.shuffle().map(new Functions.Identity()).uid("p-shuffle").name("p-shuffle");
        DataStream<Long> bro = shu.broadcast().map(new Functions.Identity()).uid("p-broadcast").name("p-broadcast");
        DataStream<Long> cus = bro.partitionCustom(new ModPartitioner(), new Functions.Mod(10))
                .map(new Functions.Identity()).uid("p-custom").name("p-custom");
        DataStream<Long> hash = cus.keyBy(new Functions.Mod(10)).process(new Functions.PassThrough())
                .uid("p-hash").name("p-hash").setMaxParallelism(64);
        DataStream<Long> glo = hash.global().map(new Functions.Identity())
                .setUidHash("0123456789abcdef0123456789abcdef").name("p-global")
                .setParallelism(1);
        DataStream<Long> single = glo.map(new Functions.Identity()).uid("p-single").name("p-single")
                .forceNonParallel();
        Compat.discardingSink(single).uid("p-sink").name("p-sink").setParallelism(1);
        return env;
    }

    /** ExecutionEnvironment.fromElements(1, 2, 3).output(new DiscardingOutputFormat()); execute(). */
    static void dataset() throws Exception {
        Class<?> envClass = Class.forName("org.apache.flink.api.java.ExecutionEnvironment");
        Object env = envClass.getMethod("getExecutionEnvironment").invoke(null);
        Object ds = envClass.getMethod("fromElements", Object[].class).invoke(env, (Object) new Object[] {1L, 2L, 3L});
        Class<?> fmt = Class.forName("org.apache.flink.api.java.io.DiscardingOutputFormat");
        ds.getClass().getMethod("output", Class.forName("org.apache.flink.api.common.io.OutputFormat"))
                .invoke(ds, fmt.getDeclaredConstructor().newInstance());
        envClass.getMethod("execute").invoke(env);
    }
}
