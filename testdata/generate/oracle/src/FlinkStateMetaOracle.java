/*
 * flinspect state-meta oracle: reads the serialization proxies at the head of every managed
 * state stream a checkpoint/savepoint references with Flink's OWN classes
 * (KeyedBackendSerializationProxy, OperatorBackendSerializationProxy, which read every
 * StateMetaInfoSnapshot and TypeSerializerSnapshot with the snapshot classes' own readSnapshot),
 * and writes `expected-states.json` next to `_metadata`, in the shape fixed by
 * testdata/generate/CONTRACT.md ("expected-states.json").
 *
 * One source for Flink 1.13 to 2.3, like FlinkMetadataOracle: only classes and methods present in
 * all of them are referenced statically; version-specific accessors go through reflection.
 *
 * Which streams: per operator (sorted by id) and subtask (sorted by index), the managed keyed
 * handle's header stream (KeyGroupsStateHandle / KeyGroupsSavepointStateHandle: the delegate;
 * IncrementalRemoteKeyedStateHandle: the meta-data stream; a changelog handle: its materialized
 * handles) and the managed operator handle's delegate. Flink resolves the handles; the oracle
 * opens file handles at the recorded path rewritten by the --map prefixes (the snapshots were
 * written under /tmp/flinspect-fixtures/ and copied into testdata/), seeking to a segment's start.
 *
 * Usage (normally through run-states-oracle.sh):
 *   java FlinkStateMetaOracle [--map LOCAL_PREFIX=POINTER_PREFIX]... [--stdout] <_metadata>
 *   java FlinkStateMetaOracle [--map ...]... --all <dir>...
 */

import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.state.KeyedBackendSerializationProxy;
import org.apache.flink.runtime.state.OperatorBackendSerializationProxy;
import org.apache.flink.runtime.state.metainfo.StateMetaInfoSnapshot;
import org.apache.flink.runtime.util.EnvironmentInformation;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

public final class FlinkStateMetaOracle {

    private static final ClassLoader CL = FlinkStateMetaOracle.class.getClassLoader();

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
                        throw new IllegalArgumentException("--map needs LOCAL_PREFIX=POINTER_PREFIX");
                    }
                    maps.add(new String[] {
                        Paths.get(m.substring(0, eq)).toAbsolutePath().normalize().toString(),
                        m.substring(eq + 1)
                    });
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
        List<Path> files = new ArrayList<>();
        if (all) {
            for (String root : positional) {
                try (Stream<Path> s = Files.walk(Paths.get(root))) {
                    files.addAll(s.filter(p -> p.getFileName().toString().equals("_metadata"))
                            .filter(Files::isRegularFile)
                            .sorted()
                            .collect(Collectors.toList()));
                }
            }
        } else {
            files.add(Paths.get(positional.get(0)));
        }
        int failures = 0;
        for (Path f : files) {
            if (!runOne(f, maps, toStdout)) {
                failures++;
            }
        }
        System.err.println("state-meta oracle: " + (files.size() - failures) + " of " + files.size() + " _metadata files read");
        System.exit(failures == 0 ? 0 : 1);
    }

    /**
     * local path → the pointer path Flink recorded (the last matching --map wins). A remote
     * pointer (s3p://… of the snapshots Flink wrote to S3) is not taken: resolving it would need
     * the file system plugin; the local directory serves as the pointer, and the absolute
     * remote paths recorded in the file are still read from their local copy ({@link #toLocal}).
     */
    private static String toPointer(String local, List<String[]> maps) {
        for (int i = maps.size() - 1; i >= 0; i--) {
            String[] m = maps.get(i);
            if (!m[1].startsWith("/")) {
                continue;
            }
            if (local.equals(m[0]) || local.startsWith(m[0] + "/")) {
                return m[1] + local.substring(m[0].length());
            }
        }
        return local;
    }

    /** recorded path → the local path (the last matching --map wins). */
    private static String toLocal(String recorded, List<String[]> maps) {
        for (int i = maps.size() - 1; i >= 0; i--) {
            String[] m = maps.get(i);
            if (recorded.equals(m[1]) || recorded.startsWith(m[1] + "/")) {
                return m[0] + recorded.substring(m[1].length());
            }
        }
        return recorded;
    }

    private static boolean runOne(Path metadata, List<String[]> maps, boolean toStdout) {
        Path abs = metadata.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        String pointer = toPointer(dir.toString(), maps);
        List<Path> cleanup = new ArrayList<>();
        try {
            preparePointer(pointer, dir, cleanup);
            String json = FlinkMetadataOracle.toJson(read(abs, pointer, maps), 0);
            if (toStdout) {
                System.out.println(json);
            } else {
                Path out = dir.resolve("expected-states.json");
                Files.write(out, (json + "\n").getBytes(StandardCharsets.UTF_8));
                System.err.println("state-meta oracle: wrote " + out);
            }
            return true;
        } catch (Throwable t) {
            System.err.println("state-meta oracle: FAILED " + abs + ": " + t);
            for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
                System.err.println("    caused by: " + c);
            }
            return false;
        } finally {
            for (Path p : cleanup) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    System.err.println("state-meta oracle: could not remove " + p + ": " + e);
                }
            }
        }
    }

    /** As FlinkMetadataOracle: a temporary symlink where Flink insists the pointer exists. */
    private static void preparePointer(String pointer, Path realDir, List<Path> cleanup) throws IOException {
        if (!pointer.startsWith("/")) {
            return;
        }
        Path p = Paths.get(pointer);
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> missing = new ArrayList<>();
        for (Path parent = p.getParent(); parent != null && !Files.exists(parent); parent = parent.getParent()) {
            missing.add(0, parent);
        }
        List<Path> created = new ArrayList<>();
        for (Path m : missing) {
            Files.createDirectory(m);
            created.add(0, m);
        }
        Files.createSymbolicLink(p, realDir);
        cleanup.add(p);
        cleanup.addAll(created);
    }

    // ------------------------------------------------------------------ reading

    private static Map<String, Object> read(Path metadata, String pointer, List<String[]> maps) throws Exception {
        CheckpointMetadata md;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(metadata));
                DataInputStream dis = new DataInputStream(in)) {
            md = Checkpoints.loadCheckpointMetadata(dis, CL, pointer);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("oracle_flink_version", EnvironmentInformation.getVersion());
        List<Object> headers = new ArrayList<>();
        List<OperatorState> ops = new ArrayList<>(md.getOperatorStates());
        ops.sort(Comparator.comparing(o -> o.getOperatorID().toHexString()));
        for (OperatorState op : ops) {
            String id = op.getOperatorID().toHexString();
            Map<Integer, OperatorSubtaskState> subtasks = new TreeMap<>(op.getSubtaskStates());
            for (Map.Entry<Integer, OperatorSubtaskState> e : subtasks.entrySet()) {
                OperatorSubtaskState st = e.getValue();
                for (Object h : (Collection<?>) call(st, "getManagedKeyedState")) {
                    keyedStreams(h, id, e.getKey(), maps, headers);
                }
                for (Object h : (Collection<?>) call(st, "getManagedOperatorState")) {
                    Object delegate = call(h, "getDelegateStateHandle");
                    if (delegate.getClass().getSimpleName().equals("EmptySegmentFileStateHandle")) {
                        continue;
                    }
                    headers.add(header(id, e.getKey(), "operator", delegate, maps));
                }
            }
        }
        root.put("headers", headers);
        return root;
    }

    private static void keyedStreams(Object h, String id, int subtask, List<String[]> maps, List<Object> out)
            throws Exception {
        String cls = h.getClass().getSimpleName();
        switch (cls) {
            case "KeyGroupsStateHandle":
            case "KeyGroupsSavepointStateHandle":
                out.add(header(id, subtask, "keyed", call(h, "getDelegateStateHandle"), maps));
                break;
            case "IncrementalRemoteKeyedStateHandle":
                Object meta = hasMethod(h, "getMetaDataStateHandle")
                        ? call(h, "getMetaDataStateHandle")
                        : call(h, "getMetaStateHandle");
                out.add(header(id, subtask, "keyed", meta, maps));
                break;
            case "ChangelogStateBackendHandleImpl":
                for (Object m : (Collection<?>) call(h, "getMaterializedStateHandles")) {
                    keyedStreams(m, id, subtask, maps, out);
                }
                break;
            default:
                // change-log deltas and unknown handles carry no serialization proxy
                break;
        }
    }

    private static InputStream open(Object stream, List<String[]> maps) throws Exception {
        String cls = stream.getClass().getSimpleName();
        if (hasMethod(stream, "getFilePath")) {
            String recorded = ((org.apache.flink.core.fs.Path) call(stream, "getFilePath")).toUri().getPath();
            InputStream in = Files.newInputStream(Paths.get(toLocal(recorded, maps)));
            if (cls.equals("SegmentFileStateHandle")) {
                long start = (Long) call(stream, "getStartPos");
                long skipped = 0;
                while (skipped < start) {
                    long n = in.skip(start - skipped);
                    if (n <= 0) {
                        throw new IOException("cannot seek to " + start);
                    }
                    skipped += n;
                }
            }
            return in;
        }
        return (InputStream) call(stream, "openInputStream");
    }

    private static Map<String, Object> header(String id, int subtask, String source, Object stream, List<String[]> maps) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("operator", id);
        j.put("subtask", subtask);
        j.put("source", source);
        j.put("handle", stream.getClass().getSimpleName());
        try (InputStream raw = open(stream, maps)) {
            DataInputViewStreamWrapper in = new DataInputViewStreamWrapper(new BufferedInputStream(raw));
            if (source.equals("keyed")) {
                KeyedBackendSerializationProxy<?> p = new KeyedBackendSerializationProxy<>(CL);
                p.read(in);
                j.put("version", p.getReadVersion());
                j.put("compression", p.isUsingKeyGroupCompression());
                j.put("key_serializer", snapshot(p.getKeySerializerSnapshot()));
                j.put("states", states(p.getStateMetaInfoSnapshots(), "keyed"));
            } else {
                OperatorBackendSerializationProxy p = new OperatorBackendSerializationProxy(CL);
                p.read(in);
                j.put("version", p.getReadVersion());
                j.put("compression", p.getReadVersion() >= 6 ? field(p, "usingStateCompression") : null);
                j.put("key_serializer", null);
                List<Object> states = states(p.getOperatorStateMetaInfoSnapshots(), "operator");
                states.addAll(states(p.getBroadcastStateMetaInfoSnapshots(), "broadcast"));
                j.put("states", states);
            }
            j.put("error", null);
        } catch (Throwable t) {
            j.put("error", t.toString());
        }
        return j;
    }

    private static List<Object> states(List<StateMetaInfoSnapshot> list, String scope) throws Exception {
        List<Object> out = new ArrayList<>();
        for (StateMetaInfoSnapshot s : list) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("scope", scope);
            j.put("name", s.getName());
            j.put("backend_state_type", s.getBackendStateType().name());
            j.put("backend_state_type_ordinal", s.getBackendStateType().ordinal());
            j.put("options", new TreeMap<>(s.getOptionsImmutable()));
            Map<String, Object> sers = new TreeMap<>();
            for (Map.Entry<String, TypeSerializerSnapshot<?>> e : s.getSerializerSnapshotsImmutable().entrySet()) {
                sers.put(e.getKey(), snapshot(e.getValue()));
            }
            j.put("serializers", sers);
            out.add(j);
        }
        return out;
    }

    /** One serializer snapshot as Flink restored it: class, version, nested snapshots. */
    static Object snapshot(Object s) throws Exception {
        if (s == null) {
            return null;
        }
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("class", s.getClass().getName());
        j.put("version", ((TypeSerializerSnapshot<?>) s).getCurrentVersion());
        Object outer = null;
        List<Object> nested = new ArrayList<>();
        List<String> fields = null;
        List<String> kryo = null;
        String typeClass = null;
        if (s instanceof CompositeTypeSerializerSnapshot) {
            outer = call(s, "getCurrentOuterSnapshotVersion");
            for (Object n : ((CompositeTypeSerializerSnapshot<?, ?>) s).getNestedSerializerSnapshots()) {
                nested.add(snapshot(n));
            }
        } else if (hasField(s, "nestedSerializersSnapshotDelegate") || hasField(s, "nestedSnapshot")) {
            Object d = hasField(s, "nestedSerializersSnapshotDelegate")
                    ? field(s, "nestedSerializersSnapshotDelegate")
                    : field(s, "nestedSnapshot");
            if (d != null) {
                for (Object n : (Object[]) call(d, "getNestedSerializerSnapshots")) {
                    nested.add(snapshot(n));
                }
            }
        } else if (hasMethod(s, "getOrinalTypeSerializerSnapshot")) {
            nested.add(snapshot(call(s, "getOrinalTypeSerializerSnapshot")));
        } else if (hasField(s, "restoredRowDataSerializerSnapshot")) {
            nested.add(snapshot(field(s, "restoredRowDataSerializerSnapshot")));
        }
        String simple = s.getClass().getSimpleName();
        if (simple.equals("PojoSerializerSnapshot")) {
            Object data = field(s, "snapshotData");
            typeClass = ((Class<?>) call(data, "getPojoClass")).getName();
            fields = new ArrayList<>();
            for (String name : optionalMapEntries(call(data, "getFieldSerializerSnapshots"), nested)) {
                fields.add(name);
            }
            for (String name : optionalMapEntries(call(data, "getRegisteredSubclassSerializerSnapshots"), nested)) {
                fields.add("subclass " + name);
            }
            for (String name : optionalMapEntries(call(data, "getNonRegisteredSubclassSerializerSnapshots"), nested)) {
                fields.add("unregistered subclass " + name);
            }
        } else if (simple.equals("KryoSerializerSnapshot")) {
            Object data = field(s, "snapshotData");
            typeClass = ((Class<?>) call(data, "getTypeClass")).getName();
            kryo = new ArrayList<>((java.util.Set<String>) call(call(data, "getKryoRegistrations"), "keyNames"));
        } else {
            for (String f : new String[] {"typeClass", "tupleClass", "componentClass", "enumClass", "runtimeType", "type"}) {
                if (hasField(s, f) && field(s, f) instanceof Class) {
                    typeClass = ((Class<?>) field(s, f)).getName();
                    break;
                }
            }
        }
        j.put("outer_version", outer);
        j.put("type_class", typeClass);
        j.put("nested", nested);
        j.put("pojo_fields", fields);
        j.put("kryo_registrations", kryo);
        return j;
    }

    /** A LinkedOptionalMap's key names in order; its values' snapshots are appended to `out`. */
    @SuppressWarnings("unchecked")
    private static List<String> optionalMapEntries(Object map, List<Object> out) throws Exception {
        List<String> names = new ArrayList<>((java.util.Set<String>) call(map, "keyNames"));
        Map<String, Object> underlying = (Map<String, Object>) field(map, "underlyingMap");
        for (Object kv : underlying.values()) {
            out.add(snapshot(call(kv, "getValue")));
        }
        return names;
    }

    // ------------------------------------------------------------------ reflection

    private static boolean hasMethod(Object o, String name) {
        return findMethod(o.getClass(), name) != null;
    }

    private static Method findMethod(Class<?> c, String name) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            for (Method m : k.getDeclaredMethods()) {
                if (m.getName().equals(name) && m.getParameterCount() == 0) {
                    return m;
                }
            }
        }
        return null;
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

    private static boolean hasField(Object o, String name) {
        for (Class<?> k = o.getClass(); k != null; k = k.getSuperclass()) {
            try {
                k.getDeclaredField(name);
                return true;
            } catch (NoSuchFieldException ignored) {
                // go on
            }
        }
        return false;
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
}
