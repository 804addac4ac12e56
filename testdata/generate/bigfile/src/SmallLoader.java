/*
 * Flink's own reader, once, as a whole process: the JVM-side baseline of benches/compare.sh.
 * Loads FILE with Checkpoints.loadCheckpointMetadata (the method every Flink restore goes
 * through) and prints what it read, so the work cannot be skipped and the totals can be checked
 * against flinspect's. Reads through a 64 KiB BufferedInputStream, which is kinder to Flink than
 * its own restore path (an unbuffered DataInputStream over the file stream).
 *
 * Usage: java SmallLoader FILE
 */

import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;

public final class SmallLoader {

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: SmallLoader FILE");
            System.exit(2);
        }
        CheckpointMetadata md = load(new File(args[0]));
        System.out.println(describe(md));
    }

    static CheckpointMetadata load(File f) throws IOException {
        try (DataInputStream in = new DataInputStream(
                new BufferedInputStream(new FileInputStream(f), 1 << 16))) {
            return Checkpoints.loadCheckpointMetadata(
                    in, SmallLoader.class.getClassLoader(), f.getAbsoluteFile().getParent());
        }
    }

    /** Checkpoint id, operator and subtask counts, and Flink's total state size. */
    static String describe(CheckpointMetadata md) {
        long subtasks = 0, size = 0;
        for (OperatorState op : md.getOperatorStates()) {
            subtasks += op.getSubtaskStates().size();
            size += op.getStateSize();
        }
        return "checkpoint " + md.getCheckpointId() + ": " + md.getOperatorStates().size()
                + " operators, " + subtasks + " subtask states, state size " + size;
    }
}
