/*
 * flinspect oracle: reads a Flink checkpoint/savepoint `_metadata` file with Flink's OWN reader
 * (Checkpoints.loadCheckpointMetadata) and writes `expected.json` next to it, in the shape fixed by
 * testdata/generate/CONTRACT.md ("expected.json" and "<handle>").
 *
 * One source for every Flink version from 1.13 to 2.3: only classes and methods that exist
 * unchanged in all of them are referenced statically; everything version-specific (handle
 * classes, checkpoint properties, operator name/uid, finished markers, ...) goes through
 * reflection, so `javac -cp flink-dist-<ver>.jar` works for each version.
 *
 * Usage (normally through run-oracle.sh):
 *   java FlinkMetadataOracle [--map LOCAL_PREFIX=POINTER_PREFIX]... [--stdout]
 *        <_metadata> [<external-pointer-dir>]
 *   java FlinkMetadataOracle [--map ...]... --all <dir>
 *
 * The external pointer is the directory Flink resolves RelativeFileStateHandles against. It
 * defaults to the directory holding `_metadata`, rewritten by the last matching --map prefix.
 * Flink's resolution (AbstractFsCheckpointStorageAccess.resolveCheckpointPointer) requires the
 * pointer to exist; if it does not, the oracle temporarily places a symlink there that points to
 * the real directory, and removes it (and any parent directories it created) afterwards.
 */

import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.MasterState;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.util.EnvironmentInformation;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

public final class FlinkMetadataOracle {

    // ------------------------------------------------------------------ main

    public static void main(String[] args) throws Exception {
        List<String[]> maps = new ArrayList<>();
        List<String> positional = new ArrayList<>();
        boolean all = false;
        boolean toStdout = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--map":
                    String m = args[++i];
                    int eq = m.indexOf('=');
                    if (eq < 0) {
                        usage("--map needs LOCAL_PREFIX=POINTER_PREFIX");
                    }
                    maps.add(new String[] {m.substring(0, eq), m.substring(eq + 1)});
                    break;
                case "--all":
                    all = true;
                    break;
                case "--stdout":
                    toStdout = true;
                    break;
                default:
                    positional.add(args[i]);
            }
        }
        int failures = 0;
        if (all) {
            if (positional.size() != 1) {
                usage("--all takes exactly one directory");
            }
            List<Path> files;
            try (Stream<Path> s = Files.walk(Paths.get(positional.get(0)))) {
                files =
                        s.filter(p -> p.getFileName().toString().equals("_metadata"))
                                .filter(Files::isRegularFile)
                                .sorted()
                                .collect(Collectors.toList());
            }
            for (Path f : files) {
                if (!runOne(f, null, maps, toStdout)) {
                    failures++;
                }
            }
            System.err.println(
                    "oracle: " + (files.size() - failures) + " of " + files.size() + " _metadata files read");
        } else {
            if (positional.isEmpty() || positional.size() > 2) {
                usage("expected <_metadata> [<external-pointer-dir>]");
            }
            if (!runOne(
                    Paths.get(positional.get(0)),
                    positional.size() > 1 ? positional.get(1) : null,
                    maps,
                    toStdout)) {
                failures++;
            }
        }
        System.exit(failures == 0 ? 0 : 1);
    }

    private static void usage(String msg) {
        System.err.println("oracle: " + msg);
        System.err.println(
                "usage: FlinkMetadataOracle [--map LOCAL=POINTER]... [--stdout] <_metadata> [<pointer-dir>]\n"
                        + "       FlinkMetadataOracle [--map LOCAL=POINTER]... --all <dir>");
        System.exit(2);
    }

    private static boolean runOne(Path metadata, String pointer, List<String[]> maps, boolean toStdout) {
        Path abs = metadata.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        if (pointer == null) {
            pointer = dir.toString();
            // later --map options take precedence (run-oracle.sh puts its defaults first)
            for (int i = maps.size() - 1; i >= 0; i--) {
                String[] m = maps.get(i);
                String from = Paths.get(m[0]).toAbsolutePath().normalize().toString();
                if (pointer.equals(from) || pointer.startsWith(from + "/")) {
                    pointer = m[1] + pointer.substring(from.length());
                    break;
                }
            }
        }
        List<Path> cleanup = new ArrayList<>();
        try {
            preparePointer(pointer, dir, cleanup);
            String json = toJson(read(abs, pointer), 0);
            if (toStdout) {
                System.out.println(json);
            } else {
                Path out = dir.resolve("expected.json");
                Files.write(out, (json + "\n").getBytes(StandardCharsets.UTF_8));
                System.err.println("oracle: wrote " + out + "  (pointer " + pointer + ")");
            }
            return true;
        } catch (Throwable t) {
            System.err.println("oracle: FAILED " + abs + ": " + t);
            Throwable c = t.getCause();
            while (c != null) {
                System.err.println("    caused by: " + c);
                c = c.getCause();
            }
            return false;
        } finally {
            for (Path p : cleanup) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    System.err.println("oracle: could not remove " + p + ": " + e);
                }
            }
        }
    }

    /** Makes a local pointer directory exist (symlink to the real dir) for Flink's resolution. */
    private static void preparePointer(String pointer, Path realDir, List<Path> cleanup) throws IOException {
        String local = pointer;
        if (local.startsWith("file://")) {
            local = local.substring("file://".length());
        } else if (local.startsWith("file:")) {
            local = local.substring("file:".length());
        }
        if (!local.startsWith("/")) {
            return; // not a local absolute path; leave it to Flink
        }
        Path p = Paths.get(local);
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> created = new ArrayList<>();
        Path parent = p.getParent();
        List<Path> missing = new ArrayList<>();
        while (parent != null && !Files.exists(parent)) {
            missing.add(0, parent);
            parent = parent.getParent();
        }
        for (Path m : missing) {
            Files.createDirectory(m);
            created.add(0, m);
        }
        Files.createSymbolicLink(p, realDir);
        cleanup.add(p);
        cleanup.addAll(created); // innermost first
    }

    // ------------------------------------------------------------------ reading

    private static Map<String, Object> read(Path metadata, String pointer) throws Exception {
        int version;
        try (RandomAccessFile raf = new RandomAccessFile(metadata.toFile(), "r")) {
            raf.seek(4);
            version = raf.readInt();
        }
        CheckpointMetadata md;
        ClassLoader cl = FlinkMetadataOracle.class.getClassLoader();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(metadata));
                DataInputStream dis = new DataInputStream(in)) {
            md = Checkpoints.loadCheckpointMetadata(dis, cl, pointer);
        }

        Map<String, Object> root = new LinkedHashMap<>();
        root.put("oracle_flink_version", EnvironmentInformation.getVersion());
        root.put("metadata_version", version);
        root.put("checkpoint_id", md.getCheckpointId());
        root.put("properties", properties(md));

        List<Object> masters = new ArrayList<>();
        for (MasterState ms : md.getMasterStates()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", ms.name());
            m.put("version", ms.version());
            m.put("bytes", ms.bytes() == null ? 0 : ms.bytes().length);
            masters.add(m);
        }
        root.put("master_states", masters);

        List<OperatorState> ops = new ArrayList<>(md.getOperatorStates());
        ops.sort(Comparator.comparing(o -> o.getOperatorID().toHexString()));
        List<Object> operators = new ArrayList<>();
        for (OperatorState op : ops) {
            operators.add(operator(op));
        }
        root.put("operators", operators);
        return root;
    }

    private static Object properties(CheckpointMetadata md) throws Exception {
        if (!hasMethod(md, "getCheckpointProperties")) {
            return null; // before 1.16 (metadata V3 has no properties)
        }
        Object props = call(md, "getCheckpointProperties");
        if (props == null) {
            return null;
        }
        Object type = call(props, "getCheckpointType");
        String typeClass = type.getClass().getSimpleName();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("kind", (Boolean) call(type, "isSavepoint") ? "savepoint" : "checkpoint");
        p.put("format", typeClass.equals("SavepointType") ? enumName(call(type, "getFormatType")) : null);
        p.put("type_name", call(type, "getName"));
        p.put(
                "sharing_files_strategy",
                typeClass.equals("CheckpointType") ? enumName(call(type, "getSharingFilesStrategy")) : null);
        p.put(
                "post_checkpoint_action",
                typeClass.equals("SavepointType") ? enumName(call(type, "getPostCheckpointAction")) : null);
        p.put("forced", field(props, "forced"));
        p.put("unclaimed", field(props, "unclaimed"));
        p.put("discard_subsumed", field(props, "discardSubsumed"));
        p.put("discard_finished", field(props, "discardFinished"));
        p.put("discard_cancelled", field(props, "discardCancelled"));
        p.put("discard_failed", field(props, "discardFailed"));
        p.put("discard_suspended", field(props, "discardSuspended"));
        return p;
    }

    private static Map<String, Object> operator(OperatorState op) throws Exception {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", op.getOperatorID().toHexString());
        o.put("name", optionalString(op, "getOperatorName"));
        o.put("uid", optionalString(op, "getOperatorUid"));
        o.put("parallelism", op.getParallelism());
        o.put("max_parallelism", op.getMaxParallelism());
        o.put("state_size", op.getStateSize());
        o.put("fully_finished", hasClassInHierarchy(op, "FullyFinishedOperatorState"));
        o.put("coordinator_state", handle(op.getCoordinatorState()));
        List<Object> subtasks = new ArrayList<>();
        for (Map.Entry<Integer, OperatorSubtaskState> e : new TreeMap<>(op.getSubtaskStates()).entrySet()) {
            subtasks.add(subtask(e.getKey(), e.getValue()));
        }
        o.put("subtasks", subtasks);
        return o;
    }

    private static Map<String, Object> subtask(int index, OperatorSubtaskState st) throws Exception {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("index", index);
        s.put("finished", hasMethod(st, "isFinished") ? (Boolean) call(st, "isFinished") : false);
        s.put("state_size", st.getStateSize());
        s.put("managed_keyed", handles(st.getManagedKeyedState()));
        s.put("raw_keyed", handles(st.getRawKeyedState()));
        s.put("managed_operator", handles(st.getManagedOperatorState()));
        s.put("raw_operator", handles(st.getRawOperatorState()));
        s.put("input_channel", handles(st.getInputChannelState()));
        s.put("result_subpartition", handles(st.getResultSubpartitionState()));
        return s;
    }

    private static List<Object> handles(Collection<?> c) throws Exception {
        List<Object> out = new ArrayList<>();
        if (c != null) {
            for (Object h : c) {
                if (h != null) {
                    out.add(handle(h));
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ handles

    private static Object handle(Object h) throws Exception {
        if (h == null) {
            return null;
        }
        String cls = h.getClass().getSimpleName();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("handle", cls);
        j.put("state_size", call(h, "getStateSize"));
        switch (cls) {
            case "ByteStreamStateHandle":
                j.put("name", call(h, "getHandleName"));
                j.put("inline_bytes", ((byte[]) call(h, "getData")).length);
                break;
            case "FileStateHandle":
                j.put("path", str(call(h, "getFilePath")));
                break;
            case "RelativeFileStateHandle":
                j.put("path", str(call(h, "getFilePath")));
                j.put("relative_path", call(h, "getRelativePath"));
                break;
            case "KeyGroupsStateHandle":
            case "KeyGroupsSavepointStateHandle":
                {
                    Object range = call(h, "getKeyGroupRange");
                    j.put("key_groups", keyGroups(range));
                    Object offsets = call(h, "getGroupRangeOffsets");
                    List<Object> offs = new ArrayList<>();
                    int start = (Integer) call(range, "getStartKeyGroup");
                    int end = (Integer) call(range, "getEndKeyGroup");
                    Method m = offsets.getClass().getMethod("getKeyGroupOffset", int.class);
                    m.setAccessible(true);
                    for (int kg = start; kg <= end; kg++) {
                        offs.add(m.invoke(offsets, kg));
                    }
                    j.put("offsets", offs);
                    j.put("delegate", handle(call(h, "getDelegateStateHandle")));
                }
                break;
            case "IncrementalRemoteKeyedStateHandle":
                j.put("key_groups", keyGroups(call(h, "getKeyGroupRange")));
                j.put("checkpoint_id", call(h, "getCheckpointId"));
                j.put("backend_id", str(call(h, "getBackendIdentifier")));
                j.put("checkpointed_size", hasMethod(h, "getCheckpointedSize") ? call(h, "getCheckpointedSize") : null);
                j.put(
                        "meta",
                        handle(
                                hasMethod(h, "getMetaDataStateHandle")
                                        ? call(h, "getMetaDataStateHandle")
                                        : call(h, "getMetaStateHandle")));
                j.put("shared", localPathHandles(call(h, "getSharedState")));
                j.put("private", localPathHandles(call(h, "getPrivateState")));
                break;
            case "OperatorStreamStateHandle":
            case "FileMergingOperatorStreamStateHandle":
            case "EmptyFileMergingOperatorStreamStateHandle":
                {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> states = (Map<String, Object>) call(h, "getStateNameToPartitionOffsets");
                    List<Object> st = new ArrayList<>();
                    for (Map.Entry<String, Object> e : new TreeMap<>(states).entrySet()) {
                        Map<String, Object> s = new LinkedHashMap<>();
                        s.put("name", e.getKey());
                        s.put("mode", enumName(call(e.getValue(), "getDistributionMode")));
                        s.put("offsets", longs(call(e.getValue(), "getOffsets")));
                        st.add(s);
                    }
                    j.put("states", st);
                    j.put("delegate", handle(call(h, "getDelegateStateHandle")));
                    if (!cls.equals("OperatorStreamStateHandle")) {
                        j.put("task_owned_dir", dirString(call(h, "getTaskOwnedDirHandle")));
                        j.put("shared_dir", dirString(call(h, "getSharedDirHandle")));
                    }
                }
                break;
            case "SegmentFileStateHandle":
                j.put("path", str(call(h, "getFilePath")));
                j.put("start_pos", call(h, "getStartPos"));
                j.put("scope", enumName(call(h, "getScope")));
                {
                    Object id = call(h, "getLogicalFileId");
                    j.put("logical_file_id", id == null ? null : (hasMethod(id, "getKeyString") ? call(id, "getKeyString") : id.toString()));
                }
                break;
            case "EmptySegmentFileStateHandle":
                break;
            case "ChangelogStateBackendHandleImpl":
                j.put("key_groups", keyGroups(call(h, "getKeyGroupRange")));
                j.put("materialization_id", call(h, "getMaterializationID"));
                j.put("checkpoint_id", hasMethod(h, "getCheckpointId") ? call(h, "getCheckpointId") : null);
                j.put("checkpointed_size", hasMethod(h, "getCheckpointedSize") ? call(h, "getCheckpointedSize") : null);
                j.put("materialized", handles((Collection<?>) call(h, "getMaterializedStateHandles")));
                j.put("non_materialized", handles((Collection<?>) call(h, "getNonMaterializedStateHandles")));
                break;
            case "InMemoryChangelogStateHandle":
                j.put("key_groups", keyGroups(call(h, "getKeyGroupRange")));
                j.put("from", sequenceNumber(call(h, "getFrom")));
                j.put("to", sequenceNumber(call(h, "getTo")));
                j.put("changes", ((Collection<?>) call(h, "getChanges")).size());
                break;
            case "ChangelogStateHandleStreamImpl":
                {
                    j.put("key_groups", keyGroups(call(h, "getKeyGroupRange")));
                    j.put("checkpointed_size", hasMethod(h, "getCheckpointedSize") ? call(h, "getCheckpointedSize") : null);
                    j.put("storage_identifier", hasMethod(h, "getStorageIdentifier") ? call(h, "getStorageIdentifier") : null);
                    List<Object> hs = new ArrayList<>();
                    for (Object t : (Collection<?>) call(h, "getHandlesAndOffsets")) {
                        // Tuple2<StreamStateHandle, Long>
                        Map<String, Object> e = new LinkedHashMap<>();
                        e.put("offset", field(t, "f1"));
                        e.put("handle", handle(field(t, "f0")));
                        hs.add(e);
                    }
                    j.put("handles", hs);
                }
                break;
            case "InputChannelStateHandle":
            case "ResultSubpartitionStateHandle":
                {
                    j.put("subtask_index", call(h, "getSubtaskIndex"));
                    Object info = call(h, "getInfo");
                    List<Object> ab = new ArrayList<>();
                    if (cls.equals("InputChannelStateHandle")) {
                        ab.add(call(info, "getGateIdx"));
                        ab.add(call(info, "getInputChannelIdx"));
                    } else {
                        ab.add(call(info, "getPartitionIdx"));
                        ab.add(call(info, "getSubPartitionIdx"));
                    }
                    j.put("info", ab);
                    j.put("offsets", longs(call(h, "getOffsets")));
                    j.put("delegate", handle(call(h, "getDelegate")));
                }
                break;
            case "MergedInputChannelStateHandle":
            case "MergedResultSubpartitionStateHandle":
                j.put("subtask_index", call(h, "getSubtaskIndex"));
                j.put("delegate", handle(call(h, "getDelegate")));
                if (hasMethod(h, "getInfos")) {
                    j.put("channels", ((Collection<?>) call(h, "getInfos")).size());
                }
                break;
            default:
                j.put("unknown", true);
        }
        return j;
    }

    /** Shared/private state of an incremental handle: Map<StateHandleID, StreamStateHandle> (<= 1.17)
     *  or List<HandleAndLocalPath> (1.18+), as [{local_path, handle}] sorted by local_path. */
    private static List<Object> localPathHandles(Object c) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        if (c instanceof Map) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) c).entrySet()) {
                Object k = e.getKey();
                String lp = hasMethod(k, "getKeyString") ? (String) call(k, "getKeyString") : k.toString();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("local_path", lp);
                m.put("handle", handle(e.getValue()));
                out.add(m);
            }
        } else if (c instanceof Collection) {
            for (Object hl : (Collection<?>) c) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("local_path", call(hl, "getLocalPath"));
                m.put("handle", handle(call(hl, "getHandle")));
                out.add(m);
            }
        } else if (c != null) {
            throw new IllegalStateException("unexpected shared/private state type " + c.getClass());
        }
        out.sort(Comparator.comparing(m -> (String) m.get("local_path")));
        return new ArrayList<>(out);
    }

    private static List<Object> keyGroups(Object range) throws Exception {
        List<Object> kg = new ArrayList<>();
        kg.add(call(range, "getStartKeyGroup"));
        kg.add(call(range, "getEndKeyGroup"));
        return kg;
    }

    private static Object sequenceNumber(Object sn) throws Exception {
        if (sn == null || sn instanceof Number) {
            return sn;
        }
        for (String m : new String[] {"getSequenceNumber", "number"}) {
            if (hasMethod(sn, m)) {
                return call(sn, m);
            }
        }
        return sn.toString();
    }

    private static Object dirString(Object dirHandle) throws Exception {
        if (dirHandle == null) {
            return null;
        }
        return str(call(dirHandle, "getDirectory"));
    }

    private static List<Object> longs(Object o) {
        List<Object> out = new ArrayList<>();
        if (o instanceof long[]) {
            for (long l : (long[]) o) {
                out.add(l);
            }
        } else if (o instanceof Collection) {
            out.addAll((Collection<?>) o);
        } else if (o != null) {
            throw new IllegalStateException("unexpected offsets type " + o.getClass());
        }
        return out;
    }

    // ------------------------------------------------------------------ reflection helpers

    private static boolean hasMethod(Object o, String name) {
        return findMethod(o.getClass(), name) != null;
    }

    private static Method findMethod(Class<?> c, String name) {
        try {
            return c.getMethod(name);
        } catch (NoSuchMethodException e) {
            for (Class<?> k = c; k != null; k = k.getSuperclass()) {
                try {
                    return k.getDeclaredMethod(name);
                } catch (NoSuchMethodException ignored) {
                    // go on
                }
            }
            return null;
        }
    }

    private static Object call(Object o, String name) throws Exception {
        Method m = findMethod(o.getClass(), name);
        if (m == null) {
            throw new NoSuchMethodException(o.getClass().getName() + "." + name + "()");
        }
        m.setAccessible(true);
        try {
            return m.invoke(o);
        } catch (InvocationTargetException e) {
            Throwable t = e.getCause();
            if (t instanceof Exception) {
                throw (Exception) t;
            }
            throw e;
        }
    }

    private static Object field(Object o, String name) throws Exception {
        for (Class<?> k = o.getClass(); k != null; k = k.getSuperclass()) {
            try {
                Field f = k.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(o);
            } catch (NoSuchFieldException ignored) {
                // go on
            }
        }
        throw new NoSuchFieldException(o.getClass().getName() + "." + name);
    }

    private static boolean hasClassInHierarchy(Object o, String simpleName) {
        for (Class<?> k = o.getClass(); k != null; k = k.getSuperclass()) {
            if (k.getSimpleName().equals(simpleName)) {
                return true;
            }
        }
        return false;
    }

    private static String optionalString(Object o, String method) throws Exception {
        if (!hasMethod(o, method)) {
            return null;
        }
        Object v = call(o, method);
        if (v instanceof Optional) {
            v = ((Optional<?>) v).orElse(null);
        }
        if (v == null) {
            return null;
        }
        String s = v.toString();
        return s.isEmpty() ? null : s;
    }

    private static String enumName(Object e) {
        if (e == null) {
            return null;
        }
        return e instanceof Enum ? ((Enum<?>) e).name() : e.toString();
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }

    // ------------------------------------------------------------------ JSON

    /** Pretty JSON; arrays holding only numbers stay on one line. */
    static String toJson(Object v, int indent) {
        StringBuilder sb = new StringBuilder();
        write(sb, v, indent);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int ind) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String) {
            quote(sb, (String) v);
        } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long || v instanceof Short
                || v instanceof Byte) {
            sb.append(v);
        } else if (v instanceof Number) {
            throw new IllegalArgumentException("non-integer number in JSON: " + v);
        } else if (v instanceof Map) {
            Map<?, ?> m = (Map<?, ?>) v;
            if (m.isEmpty()) {
                sb.append("{}");
                return;
            }
            sb.append("{\n");
            int i = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                pad(sb, ind + 1);
                quote(sb, (String) e.getKey());
                sb.append(": ");
                write(sb, e.getValue(), ind + 1);
                sb.append(++i < m.size() ? ",\n" : "\n");
            }
            pad(sb, ind);
            sb.append('}');
        } else if (v instanceof List) {
            List<?> l = (List<?>) v;
            if (l.isEmpty()) {
                sb.append("[]");
                return;
            }
            boolean flat = l.stream().allMatch(x -> x instanceof Number);
            if (flat) {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        sb.append(", ");
                    }
                    write(sb, l.get(i), ind);
                }
                sb.append(']');
                return;
            }
            sb.append("[\n");
            for (int i = 0; i < l.size(); i++) {
                pad(sb, ind + 1);
                write(sb, l.get(i), ind + 1);
                sb.append(i + 1 < l.size() ? ",\n" : "\n");
            }
            pad(sb, ind);
            sb.append(']');
        } else {
            throw new IllegalArgumentException("cannot write " + v.getClass() + " as JSON");
        }
    }

    private static void pad(StringBuilder sb, int ind) {
        for (int i = 0; i < ind; i++) {
            sb.append("  ");
        }
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                case '\b':
                    sb.append("\\b");
                    break;
                case '\f':
                    sb.append("\\f");
                    break;
                default:
                    if (c < 0x20 || c == 0x2028 || c == 0x2029 || Character.isSurrogate(c)) {
                        // surrogates are escaped individually so that lone surrogates (possible in
                        // Java strings read with readUTF) still give valid JSON text
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }
}
