/*
 * Flink's own reader inside a warmed-up JVM: loads FILE RUNS times in one process with
 * Checkpoints.loadCheckpointMetadata (as SmallLoader does) and reports the median wall time of
 * the last LAST runs, after the JIT has compiled the reader. The result of each load is kept
 * until the next one starts (and its totals are checked), so no load is optimized away.
 *
 * Usage: java WarmLoader FILE [RUNS [LAST]]     (defaults: 15 runs, median of the last 5)
 * Output (stdout): one line per run "run i: t ms", then "median_last_ms <t>".
 */

import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;

import java.io.File;
import java.util.Arrays;

public final class WarmLoader {

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: WarmLoader FILE [RUNS [LAST]]");
            System.exit(2);
        }
        File f = new File(args[0]);
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        int last = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        last = Math.max(1, Math.min(last, runs));
        double[] ms = new double[runs];
        String first = null;
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            CheckpointMetadata md = SmallLoader.load(f);
            ms[i] = (System.nanoTime() - t0) / 1e6;
            String d = SmallLoader.describe(md);
            if (first == null) {
                first = d;
                System.err.println(d);
            } else if (!first.equals(d)) {
                throw new IllegalStateException("run " + i + " read something else: " + d);
            }
            System.out.printf("run %d: %.3f ms%n", i, ms[i]);
        }
        double[] tail = Arrays.copyOfRange(ms, runs - last, runs);
        Arrays.sort(tail);
        double median = tail.length % 2 == 1 ? tail[tail.length / 2]
                : (tail[tail.length / 2 - 1] + tail[tail.length / 2]) / 2;
        System.out.printf("median_last_ms %.3f%n", median);
    }
}
