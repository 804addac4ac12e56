package flinspect.examples;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.lib.NumberSequenceSource;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;

/**
 * The topology of the fixture job that wrote testdata/flink-VERSION/CASE (testdata/generate/job/,
 * FixtureJob.build): same operators, uids, names, chaining and partitioners, and the uid-less
 * "no-uid-map" whose OperatorID Flink derives from the topology.
 *
 * <p>Arguments: --parallelism N (default 2), --max-parallelism N (env.setMaxParallelism),
 * --op-max-parallelism N (on my-keyed, as the op-maxpar case), --insert-map (a new stateless
 * map "inserted-map" without uid before no-uid-map: the variant that moves no-uid-map's
 * generated OperatorID), --extra-maps N (N more maps with uids "extra-1".."extra-N" between
 * no-uid-map and the sink, for timing larger graphs), --stream-graph-only (build the graph with
 * env.getStreamGraph() and print its operator count instead of calling execute(): the baseline
 * for timing the companion).
 */
public final class FixtureTopology {
    private FixtureTopology() {}

    public static void main(String[] args) throws Exception {
        Opts o = Opts.parse(args, new HashSet<>(Arrays.asList("insert-map", "stream-graph-only")));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(o.intValue("parallelism", 2));
        int maxPar = o.intValue("max-parallelism", -1);
        if (maxPar > 0) {
            env.setMaxParallelism(maxPar);
        }
        WatermarkStrategy<Long> wm = WatermarkStrategy.<Long>forBoundedOutOfOrderness(Duration.ofMillis(100))
                .withTimestampAssigner(new Functions.Ts());
        DataStream<Long> source = env.fromSource(new NumberSequenceSource(0, 10_000_000L), wm, "seq")
                .uid("my-source");
        SingleOutputStreamOperator<Long> mapped = source.map(new Functions.Identity())
                .uid("my-map").name("counting-map");
        BroadcastStream<Long> rules = mapped.filter(new Functions.EveryNth(50)).uid("my-rules").name("rules")
                .broadcast(Functions.RULES);
        SingleOutputStreamOperator<Long> bc = mapped.connect(rules).process(new Functions.RulesFn())
                .uid("my-broadcast").name("broadcast");
        SingleOutputStreamOperator<Long> keyed = bc.keyBy(new Functions.Mod(20)).process(new Functions.PassThrough())
                .uid("my-keyed").name("keyed");
        int opMaxPar = o.intValue("op-max-parallelism", -1);
        if (opMaxPar > 0) {
            keyed.setMaxParallelism(opMaxPar);
        }
        SingleOutputStreamOperator<Long> window = keyed.keyBy(new Functions.Mod(20))
                .window(Compat.tumbling(1000))
                .aggregate(new Functions.SumAgg())
                .uid("my-window").name("window");
        DataStream<Long> beforeNoUid = window;
        if (o.flags.contains("insert-map")) {
            beforeNoUid = window.map(new Functions.Identity()).name("inserted-map");
        }
        DataStream<Long> noUid = beforeNoUid.map(new Functions.Identity()).name("no-uid-map");
        for (int i = 1; i <= o.intValue("extra-maps", 0); i++) {
            noUid = noUid.map(new Functions.Identity()).uid("extra-" + i).name("extra-" + i);
        }
        Compat.discardingSink(noUid).uid("my-sink").name("sink");
        if (o.flags.contains("stream-graph-only")) {
            System.out.println(env.getStreamGraph().getStreamNodes().size() + " operators");
            return;
        }
        env.execute("fixture-topology");
    }
}
