package flinspect.examples;

import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The functions of the example jobs. OperatorIDs do not depend on what a function does, only on
 * the topology, the uids and the chaining, so these stay trivial: the jobs are never run.
 */
final class Functions {
    private Functions() {}

    static final MapStateDescriptor<String, Long> RULES =
            new MapStateDescriptor<>("rules", Types.STRING, Types.LONG);

    static final class Ts implements SerializableTimestampAssigner<Long> {
        @Override
        public long extractTimestamp(Long element, long recordTimestamp) {
            return element;
        }
    }

    static final class Identity implements MapFunction<Long, Long> {
        @Override
        public Long map(Long v) {
            return v;
        }
    }

    /**
     * The restore harness's op-state map: operator ListState through CheckpointedFunction (the
     * graph's statefulness depends on it, the OperatorID does not).
     */
    static final class OpState implements MapFunction<Long, Long>, CheckpointedFunction {
        private transient ListState<Long> state;

        @Override
        public Long map(Long v) {
            return v;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) {}

        @Override
        public void initializeState(FunctionInitializationContext context) throws Exception {
            state = context.getOperatorStateStore().getListState(new ListStateDescriptor<>("op-count", Types.LONG));
        }
    }

    static final class EveryNth implements FilterFunction<Long> {
        private final long n;

        EveryNth(long n) {
            this.n = n;
        }

        @Override
        public boolean filter(Long v) {
            return v % n == 0;
        }
    }

    static final class Mod implements KeySelector<Long, Long> {
        private final long n;

        Mod(long n) {
            this.n = n;
        }

        @Override
        public Long getKey(Long v) {
            return v % n;
        }
    }

    static final class RulesFn extends BroadcastProcessFunction<Long, Long, Long> {
        @Override
        public void processElement(Long v, ReadOnlyContext ctx, Collector<Long> out) {
            out.collect(v);
        }

        @Override
        public void processBroadcastElement(Long v, Context ctx, Collector<Long> out) throws Exception {
            ctx.getBroadcastState(RULES).put("r" + (v % 5), v);
        }
    }

    static final class PassThrough extends KeyedProcessFunction<Long, Long, Long> {
        @Override
        public void processElement(Long v, Context ctx, Collector<Long> out) {
            out.collect(v);
        }
    }

    static final class SumAgg implements AggregateFunction<Long, Long, Long> {
        @Override
        public Long createAccumulator() {
            return 0L;
        }

        @Override
        public Long add(Long v, Long acc) {
            return acc + v;
        }

        @Override
        public Long getResult(Long acc) {
            return acc;
        }

        @Override
        public Long merge(Long a, Long b) {
            return a + b;
        }
    }
}
