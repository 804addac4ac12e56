/*
 * flinspect bigfile generator: writes a real-format checkpoint `_metadata` file of a chosen size
 * with Flink's own classes and Flink's own writer (Checkpoints.storeCheckpointMetadata), for the
 * large-file benchmarks (benches/bigfile.rs, benches/compare.sh). Flink 1.20.3 only: it calls
 * the 1.20 constructors directly (metadata version 4, the version 1.20 writes).
 *
 * The job it describes: OPERATORS operators of PARALLELISM subtasks each, max parallelism
 * MAX_PARALLELISM, an unaligned checkpoint (CheckpointProperties.forCheckpoint) with small state
 * inlined in the file, as Flink does for state under state.storage.fs.memory-threshold. The
 * operators cycle through four shapes:
 *
 *   0 source         coordinator state; managed operator state (OperatorStreamStateHandle with a
 *                    SPLIT_DISTRIBUTE and a UNION state); output channel state
 *                    (ResultSubpartitionStateHandle x2)
 *   1 heap keyed     managed keyed KeyGroupsStateHandle; managed operator state (1 name);
 *                    input channel state (InputChannelStateHandle x2), output channel state x2
 *   2 rocksdb incr.  managed keyed IncrementalRemoteKeyedStateHandle (2 shared + 2 private files
 *                    and the meta stream, all inline); input channel state x2
 *   3 savepoint kg   managed keyed KeyGroupsSavepointStateHandle; raw operator state (1 name);
 *                    input channel state x1, output channel state x1
 *
 * Every payload is a ByteStreamStateHandle whose name looks like the file it would otherwise have
 * been. All payloads have the same length, chosen so that the file comes out at TARGET bytes:
 * the generator serializes the model twice into a counting stream (two payload lengths; the file
 * size is linear in it) and solves for the length before writing. Payload arrays are shared
 * between handles (Flink writes each occurrence in full), so the generator needs little heap even
 * for a 1 GB file. Everything is derived from a fixed seed: the same arguments give the same file.
 *
 * Usage: java BigfileGenerator [--operators N] [--parallelism P] [--max-parallelism M]
 *                              [--seed S] TARGET_BYTES OUT_FILE
 */

import org.apache.flink.runtime.checkpoint.CheckpointProperties;
import org.apache.flink.runtime.checkpoint.CheckpointRetentionPolicy;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.MasterState;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.StateObjectCollection;
import org.apache.flink.runtime.checkpoint.channel.InputChannelInfo;
import org.apache.flink.runtime.checkpoint.channel.ResultSubpartitionInfo;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.state.IncrementalKeyedStateHandle.HandleAndLocalPath;
import org.apache.flink.runtime.state.IncrementalRemoteKeyedStateHandle;
import org.apache.flink.runtime.state.InputChannelStateHandle;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.KeyGroupRangeOffsets;
import org.apache.flink.runtime.state.KeyGroupsSavepointStateHandle;
import org.apache.flink.runtime.state.KeyGroupsStateHandle;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.runtime.state.OperatorStreamStateHandle;
import org.apache.flink.runtime.state.ResultSubpartitionStateHandle;
import org.apache.flink.runtime.state.StreamStateHandle;
import org.apache.flink.runtime.state.memory.ByteStreamStateHandle;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

public final class BigfileGenerator {

    static final long CHECKPOINT_ID = 4242;
    static final int VARIANTS = 8;

    int operators = 200;
    int parallelism = 128;
    int maxParallelism = 1024;
    long seed = 6;

    public static void main(String[] args) throws Exception {
        BigfileGenerator g = new BigfileGenerator();
        List<String> pos = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--operators": g.operators = Integer.parseInt(args[++i]); break;
                case "--parallelism": g.parallelism = Integer.parseInt(args[++i]); break;
                case "--max-parallelism": g.maxParallelism = Integer.parseInt(args[++i]); break;
                case "--seed": g.seed = Long.parseLong(args[++i]); break;
                default: pos.add(args[i]);
            }
        }
        if (pos.size() != 2) {
            System.err.println("usage: BigfileGenerator [--operators N] [--parallelism P] "
                    + "[--max-parallelism M] [--seed S] TARGET_BYTES OUT_FILE");
            System.exit(2);
        }
        long target = parseSize(pos.get(0));
        File out = new File(pos.get(1));

        // File size is linear in the payload length: measure at two lengths, solve for target.
        int a = 16, b = 16 + 256;
        long sa = g.measure(a), sb = g.measure(b);
        double perByte = (double) (sb - sa) / (b - a);
        long len = Math.round(a + (target - sa) / perByte);
        if (len < 1) {
            throw new IllegalArgumentException("target " + target + " is below the structure alone ("
                    + sa + " bytes at payload 16); use fewer operators or subtasks");
        }
        if (len > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("payload length " + len + " too large");
        }
        CheckpointMetadata md = g.build((int) len);
        File tmp = new File(out.getPath() + ".tmp");
        if (out.getParentFile() != null) {
            out.getParentFile().mkdirs();
        }
        try (OutputStream os = new BufferedOutputStream(new FileOutputStream(tmp), 1 << 20)) {
            Checkpoints.storeCheckpointMetadata(md, os);
        }
        Files.move(tmp.toPath(), out.toPath(), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        System.err.printf("wrote %s: %d bytes (target %d), %d operators x %d subtasks, "
                + "max parallelism %d, payload %d bytes%n",
                out, out.length(), target, g.operators, g.parallelism, g.maxParallelism, len);
    }

    static long parseSize(String s) {
        String t = s.trim().toUpperCase();
        long mul = 1;
        if (t.endsWith("G")) { mul = 1L << 30; t = t.substring(0, t.length() - 1); }
        else if (t.endsWith("M")) { mul = 1L << 20; t = t.substring(0, t.length() - 1); }
        else if (t.endsWith("K")) { mul = 1L << 10; t = t.substring(0, t.length() - 1); }
        return Math.round(Double.parseDouble(t) * mul);
    }

    long measure(int payload) throws IOException {
        CountingStream c = new CountingStream();
        Checkpoints.storeCheckpointMetadata(build(payload), c);
        return c.count;
    }

    static final class CountingStream extends OutputStream {
        long count;
        @Override public void write(int b) { count++; }
        @Override public void write(byte[] b, int off, int len) { count += len; }
    }

    // ------------------------------------------------------------------ the model

    CheckpointMetadata build(int payloadLen) {
        Random rnd = new Random(seed);
        byte[][] payloads = new byte[VARIANTS][];
        for (int i = 0; i < VARIANTS; i++) {
            payloads[i] = new byte[payloadLen];
            rnd.nextBytes(payloads[i]);
        }
        String base = "file:/flink/checkpoints/" + new UUID(rnd.nextLong(), rnd.nextLong()).toString().replace("-", "");
        String chk = base + "/chk-" + CHECKPOINT_ID;
        String shared = base + "/shared";

        List<OperatorState> ops = new ArrayList<>(operators);
        for (int o = 0; o < operators; o++) {
            OperatorState op = new OperatorState(new OperatorID(rnd.nextLong(), rnd.nextLong()),
                    parallelism, maxParallelism);
            int shape = o % 4;
            if (shape == 0) {
                op.setCoordinatorState(new ByteStreamStateHandle(uuid(rnd), payloads[o % VARIANTS]));
            }
            for (int s = 0; s < parallelism; s++) {
                byte[] p = payloads[(o + s) % VARIANTS];
                KeyGroupRange range = KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(
                        maxParallelism, parallelism, s);
                OperatorSubtaskState.Builder sb = OperatorSubtaskState.builder();
                switch (shape) {
                    case 0:
                        sb.setManagedOperatorState(operatorState(rnd, chk, p, true));
                        sb.setResultSubpartitionState(outputs(rnd, chk, s, p, 2));
                        break;
                    case 1:
                        sb.setManagedKeyedState(new KeyGroupsStateHandle(
                                offsets(range, payloadLen), inline(rnd, chk, p)));
                        sb.setManagedOperatorState(operatorState(rnd, chk, p, false));
                        sb.setInputChannelState(inputs(rnd, chk, s, p, 2));
                        sb.setResultSubpartitionState(outputs(rnd, chk, s, p, 2));
                        break;
                    case 2:
                        List<HandleAndLocalPath> sharedFiles = new ArrayList<>();
                        for (int k = 0; k < 2; k++) {
                            sharedFiles.add(HandleAndLocalPath.of(
                                    inline(rnd, shared, p), String.format("%06d.sst", 10 + k + s)));
                        }
                        List<HandleAndLocalPath> privateFiles = Arrays.asList(
                                HandleAndLocalPath.of(inline(rnd, chk, p), "MANIFEST-000004"),
                                HandleAndLocalPath.of(inline(rnd, chk, p), "OPTIONS-000007"));
                        sb.setManagedKeyedState(new IncrementalRemoteKeyedStateHandle(
                                new UUID(rnd.nextLong(), rnd.nextLong()), range, CHECKPOINT_ID,
                                sharedFiles, privateFiles, inline(rnd, chk, p)));
                        sb.setInputChannelState(inputs(rnd, chk, s, p, 2));
                        break;
                    default:
                        sb.setManagedKeyedState(new KeyGroupsSavepointStateHandle(
                                offsets(range, payloadLen), inline(rnd, chk, p)));
                        sb.setRawOperatorState(operatorState(rnd, chk, p, false));
                        sb.setInputChannelState(inputs(rnd, chk, s, p, 1));
                        sb.setResultSubpartitionState(outputs(rnd, chk, s, p, 1));
                        break;
                }
                op.putState(s, sb.build());
            }
            ops.add(op);
        }
        return new CheckpointMetadata(CHECKPOINT_ID, ops, Collections.<MasterState>emptyList(),
                CheckpointProperties.forCheckpoint(CheckpointRetentionPolicy.RETAIN_ON_CANCELLATION));
    }

    static String uuid(Random rnd) {
        return new UUID(rnd.nextLong(), rnd.nextLong()).toString();
    }

    /** A payload inlined in the file, named like the file it would have been written to. */
    static StreamStateHandle inline(Random rnd, String dir, byte[] p) {
        return new ByteStreamStateHandle(dir + "/" + uuid(rnd), p);
    }

    /** Offsets of the key groups of `range` spread evenly over the payload. */
    static KeyGroupRangeOffsets offsets(KeyGroupRange range, int len) {
        int n = range.getNumberOfKeyGroups();
        long[] offs = new long[n];
        for (int i = 0; i < n; i++) {
            offs[i] = (long) len * i / Math.max(1, n);
        }
        return new KeyGroupRangeOffsets(range, offs);
    }

    static OperatorStateHandle operatorState(Random rnd, String dir, byte[] p, boolean source) {
        Map<String, OperatorStateHandle.StateMetaInfo> names = new LinkedHashMap<>();
        if (source) {
            names.put("SourceReaderState", new OperatorStateHandle.StateMetaInfo(
                    new long[] {0, p.length / 4}, OperatorStateHandle.Mode.SPLIT_DISTRIBUTE));
            names.put("union-offsets", new OperatorStateHandle.StateMetaInfo(
                    new long[] {p.length / 2}, OperatorStateHandle.Mode.UNION));
        } else {
            names.put("buffer-state", new OperatorStateHandle.StateMetaInfo(
                    new long[] {0, p.length / 3, 2L * p.length / 3},
                    OperatorStateHandle.Mode.SPLIT_DISTRIBUTE));
        }
        return new OperatorStreamStateHandle(names, inline(rnd, dir, p));
    }

    static StateObjectCollection<InputChannelStateHandle> inputs(
            Random rnd, String dir, int subtask, byte[] p, int n) {
        List<InputChannelStateHandle> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            l.add(new InputChannelStateHandle(subtask, new InputChannelInfo(0, i),
                    inline(rnd, dir, p), Arrays.asList(0L, (long) p.length / 2), p.length));
        }
        return new StateObjectCollection<>(l);
    }

    static StateObjectCollection<ResultSubpartitionStateHandle> outputs(
            Random rnd, String dir, int subtask, byte[] p, int n) {
        List<ResultSubpartitionStateHandle> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            l.add(new ResultSubpartitionStateHandle(subtask, new ResultSubpartitionInfo(0, i),
                    inline(rnd, dir, p), Arrays.asList(0L, (long) p.length / 2), p.length));
        }
        return new StateObjectCollection<>(l);
    }
}
