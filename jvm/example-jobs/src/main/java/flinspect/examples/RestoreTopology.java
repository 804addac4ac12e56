package flinspect.examples;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Job v1 of the restore ground truth and its variants (testdata/generate/restore/,
 * RestoreGroundTruth.build): src -> op-state -> keyBy -> keyed -> [new-map] -> stateless -> sink.
 *
 * <p>Arguments: --parallelism N (2), --max-parallelism N (env), --keyed-uid UID (keyed),
 * --no-op-state, --new-map, --pre-map (a stateless map, uid pre-map, between op-state and keyed),
 * --no-uid OP (repeatable: build OP without uid), --uid-hash OP=HASH (setUidHash),
 * --op-max-parallelism OP=N, --op-parallelism OP=N (repeatable).
 */
public final class RestoreTopology {
    private RestoreTopology() {}

    static Set<String> noUid;
    static Map<String, Integer> opMaxPar;
    static Map<String, Integer> opPar;
    static Map<String, String> uidHash;

    static <T> SingleOutputStreamOperator<T> apply(SingleOutputStreamOperator<T> op, String uid, String name) {
        if (!noUid.contains(uid)) {
            op.uid(uid);
        }
        if (uidHash.containsKey(uid)) {
            op.setUidHash(uidHash.get(uid));
        }
        op.name(name);
        if (opPar.containsKey(uid)) {
            op.setParallelism(opPar.get(uid));
        }
        if (opMaxPar.containsKey(uid)) {
            op.setMaxParallelism(opMaxPar.get(uid));
        }
        return op;
    }

    public static void main(String[] args) throws Exception {
        Opts o = Opts.parse(args, new HashSet<>(Arrays.asList("no-op-state", "new-map", "pre-map")));
        noUid = new HashSet<>(o.list("no-uid"));
        opMaxPar = o.perOperator("op-max-parallelism");
        opPar = o.perOperator("op-parallelism");
        uidHash = new java.util.HashMap<>();
        for (String p : o.list("uid-hash")) {
            int eq = p.indexOf('=');
            uidHash.put(p.substring(0, eq), p.substring(eq + 1));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(o.intValue("parallelism", 2));
        int maxPar = o.intValue("max-parallelism", -1);
        if (maxPar > 0) {
            env.setMaxParallelism(maxPar);
        }
        SingleOutputStreamOperator<Long> s = apply(env.fromSequence(0, 1_000_000_000L), "src", "seq");
        if (!o.flags.contains("no-op-state")) {
            s = apply(s.map(new Functions.OpState()), "op-state", "op-state");
        }
        if (o.flags.contains("pre-map")) {
            s = apply(s.map(new Functions.Identity()), "pre-map", "pre-map");
        }
        String keyedUid = o.values.getOrDefault("keyed-uid", "keyed");
        s = apply(s.keyBy(new Functions.Mod(8), Types.LONG).process(new Functions.PassThrough()), keyedUid, "keyed");
        if (o.flags.contains("new-map")) {
            s = apply(s.map(new Functions.Identity()), "new-map", "new-map");
        }
        s = apply(s.map(new Functions.Identity()), "stateless", "stateless");
        DataStreamSink<Long> sink = Compat.discardingSink(s);
        if (!noUid.contains("sink")) {
            sink.uid("sink");
        }
        sink.name("sink");
        if (opPar.containsKey("sink")) {
            sink.setParallelism(opPar.get("sink"));
        }
        env.execute("restore-topology");
    }
}
