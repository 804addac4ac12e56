package flinspect.examples;

import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;

import java.lang.reflect.Method;
import java.time.Duration;

/** The APIs that changed in 2.0, reached by reflection so one source compiles for 1.15 .. 2.x. */
final class Compat {
    private Compat() {}

    /** 1.x: addSink(legacy DiscardingSink) ("Sink: NAME"); 2.x: sinkTo(v2 DiscardingSink) ("NAME: Writer"). */
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

    /** TumblingEventTimeWindows.of(Duration) from 1.19 on; of(Time) before. */
    static TumblingEventTimeWindows tumbling(long millis) throws Exception {
        try {
            Method m = TumblingEventTimeWindows.class.getMethod("of", Duration.class);
            return (TumblingEventTimeWindows) m.invoke(null, Duration.ofMillis(millis));
        } catch (NoSuchMethodException e) {
            Class<?> time = Class.forName("org.apache.flink.streaming.api.windowing.time.Time");
            Object t = time.getMethod("milliseconds", long.class).invoke(null, millis);
            return (TumblingEventTimeWindows) TumblingEventTimeWindows.class.getMethod("of", time).invoke(null, t);
        }
    }
}
