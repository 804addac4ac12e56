/*
 * flinspect serializer zoo: serializer snapshots of the type shapes the fixture job does not use
 * (POJOs with nested POJOs and Java collections, Kryo generic types with registrations and
 * default serializers (registered types, types with a serializer class; 2.x through
 * pipeline.serialization-config), tuples, rows, Either, enums, arrays, Value types, Nullable, TTL, Scala
 * Option), written by Flink's own classes exactly as a state header writes them
 * (TypeSerializerSnapshotSerializationUtil.writeSerializerSnapshot of snapshotConfiguration()),
 * and read back with Flink's own reader (readSerializerSnapshot) into the dump of
 * FlinkStateMetaOracle.snapshot.
 *
 * Writes <out>/snapshots.bin: int count, then per entry UTF name, int length, the snapshot bytes;
 * and <out>/expected.json: { "oracle_flink_version", "entries": [ { "name", "offset" (of the
 * snapshot bytes), "length", "snapshot": <dump>, "type_information": TypeInformation.toString() } ] }.
 *
 * One source for Flink 1.13 to 2.3: version-specific methods (createSerializer's config type, the
 * Kryo registration methods' owner, the snapshot util's signatures) go through reflection.
 *
 *   java SerializerZoo <out-dir>            (normally through run-serializer-zoo.sh)
 */

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.api.java.typeutils.runtime.NullableSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.types.LongValue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class SerializerZoo {

    /** A POJO with a nested POJO, a Java list and map, and a field Flink treats generically. */
    public static class Event {
        public long id;
        public String name;
        public Inner inner;
        public List<String> tags;
        public Map<String, Long> counts;
        public NotAPojo blob;

        public Event() {}
    }

    public static class Inner {
        public int x;
        public double y;

        public Inner() {}
    }

    /** A POJO subclass, registered as a POJO type. */
    public static class SpecialEvent extends Event {
        public boolean special;

        public SpecialEvent() {}
    }

    /** No default constructor: Flink's type extraction makes it a generic (Kryo) type. */
    public static class NotAPojo {
        private final long value;

        public NotAPojo(long value) {
            this.value = value;
        }
    }

    public static class Registered {
        private final String s;

        public Registered(String s) {
            this.s = s;
        }
    }

    public static class WithSerializer {
        private final int i;

        public WithSerializer(int i) {
            this.i = i;
        }
    }

    public static class Defaulted {
        private final int i;

        public Defaulted(int i) {
            this.i = i;
        }
    }

    public enum Color {
        RED,
        GREEN,
        BLUE
    }

    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args[0]);
        Files.createDirectories(out);
        ExecutionConfig ec = new ExecutionConfig();
        Object target = hasMethod(ec, "getSerializerConfig") ? call(ec, "getSerializerConfig") : ec;
        String javaSer = "org.apache.flink.api.java.typeutils.runtime.kryo.JavaSerializer";
        Class<?> kryoJava = Class.forName(javaSer);
        if (hasMethod(target, "registerKryoType", 1)) {
            // Flink 1.x: registrations through ExecutionConfig / SerializerConfig methods.
            invoke(target, "registerKryoType", new Class<?>[] {Class.class}, Registered.class);
            invoke(target, "registerTypeWithKryoSerializer", new Class<?>[] {Class.class, Class.class}, WithSerializer.class, kryoJava);
            invoke(target, "addDefaultKryoSerializer", new Class<?>[] {Class.class, Class.class}, Defaulted.class, kryoJava);
            invoke(target, "registerPojoType", new Class<?>[] {Class.class}, SpecialEvent.class);
        } else {
            // Flink 2.x: SerializerConfig is read-only; registrations come from
            // pipeline.serialization-config (1.19+), the same four kinds.
            org.apache.flink.configuration.Configuration conf = new org.apache.flink.configuration.Configuration();
            Object option = Class.forName("org.apache.flink.configuration.PipelineOptions")
                    .getField("SERIALIZATION_CONFIG").get(null);
            List<String> entries = new ArrayList<>();
            entries.add(Registered.class.getName() + ": {type: kryo}");
            entries.add(WithSerializer.class.getName() + ": {type: kryo, kryo-type: registered, class: " + javaSer + "}");
            entries.add(Defaulted.class.getName() + ": {type: kryo, kryo-type: default, class: " + javaSer + "}");
            entries.add(SpecialEvent.class.getName() + ": {type: pojo}");
            for (Method m : conf.getClass().getMethods()) {
                if (m.getName().equals("set") && m.getParameterCount() == 2) {
                    m.invoke(conf, option, entries);
                    break;
                }
            }
            for (Method m : target.getClass().getMethods()) {
                if (m.getName().equals("configure") && m.getParameterCount() == 2) {
                    m.invoke(target, conf, SerializerZoo.class.getClassLoader());
                    break;
                }
            }
        }

        Map<String, TypeSerializer<?>> zoo = new LinkedHashMap<>();
        Map<String, String> infos = new LinkedHashMap<>();
        add(zoo, infos, ec, "pojo", TypeInformation.of(Event.class));
        add(zoo, infos, ec, "kryo-generic", TypeInformation.of(NotAPojo.class));
        add(zoo, infos, ec, "kryo-registered", TypeInformation.of(Registered.class));
        add(zoo, infos, ec, "kryo-defaulted", TypeInformation.of(Defaulted.class));
        add(zoo, infos, ec, "tuple", Types.TUPLE(Types.LONG, Types.STRING, Types.INT));
        add(zoo, infos, ec, "row", Types.ROW_NAMED(new String[] {"a", "b"}, Types.LONG, Types.STRING));
        add(zoo, infos, ec, "either", new EitherTypeInfo<>(Types.LONG, Types.STRING));
        add(zoo, infos, ec, "enum", Types.ENUM(Color.class));
        add(zoo, infos, ec, "object-array", Types.OBJECT_ARRAY(Types.STRING));
        add(zoo, infos, ec, "primitive-array", Types.PRIMITIVE_ARRAY(Types.INT));
        add(zoo, infos, ec, "list", Types.LIST(Types.LONG));
        add(zoo, infos, ec, "map", Types.MAP(Types.STRING, TypeInformation.of(Event.class)));
        add(zoo, infos, ec, "value", Types.VALUE(LongValue.class));
        add(zoo, infos, ec, "pojo-list-of-tuples", Types.LIST(Types.TUPLE(Types.STRING, TypeInformation.of(Inner.class))));
        zoo.put("nullable", NullableSerializer.wrap(LongSerializer.INSTANCE, true));
        infos.put("nullable", "NullableSerializer.wrap(LongSerializer, padding)");
        TypeSerializer<?> ttl = ttlSerializer(StringSerializer.INSTANCE);
        if (ttl != null) {
            zoo.put("ttl", ttl);
            infos.put("ttl", "TtlStateFactory.TtlSerializer(LongSerializer, StringSerializer)");
        }
        try {
            Class<?> option = Class.forName("org.apache.flink.api.scala.typeutils.OptionSerializer");
            Constructor<?> c = option.getConstructor(TypeSerializer.class);
            zoo.put("scala-option", (TypeSerializer<?>) c.newInstance(LongSerializer.INSTANCE));
            infos.put("scala-option", "scala OptionSerializer(LongSerializer)");
        } catch (ClassNotFoundException e) {
            System.err.println("serializer zoo: no Scala API in this release");
        }

        DataOutputSerializer bin = new DataOutputSerializer(4096);
        bin.writeInt(zoo.size());
        List<Object> entries = new ArrayList<>();
        for (Map.Entry<String, TypeSerializer<?>> e : zoo.entrySet()) {
            TypeSerializer<?> ser = e.getValue();
            TypeSerializerSnapshot<?> snap = ser.snapshotConfiguration();
            DataOutputSerializer one = new DataOutputSerializer(256);
            writeSnapshot(one, snap, ser);
            byte[] bytes = one.getCopyOfBuffer();
            bin.writeUTF(e.getKey());
            bin.writeInt(bytes.length);
            int offset = bin.length();
            bin.write(bytes);
            DataInputDeserializer in = new DataInputDeserializer(bytes);
            Object readBack = readSnapshot(in);
            if (in.available() != 0) {
                throw new IllegalStateException(e.getKey() + ": Flink's reader left " + in.available() + " bytes");
            }
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("name", e.getKey());
            j.put("type_information", infos.get(e.getKey()));
            j.put("offset", offset);
            j.put("length", bytes.length);
            j.put("snapshot", FlinkStateMetaOracle.snapshot(readBack));
            entries.add(j);
        }
        Files.write(out.resolve("snapshots.bin"), bin.getCopyOfBuffer());
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("oracle_flink_version", EnvironmentInformation.getVersion());
        root.put("entries", entries);
        Files.write(out.resolve("expected.json"),
                (FlinkMetadataOracle.toJson(root, 0) + "\n").getBytes(StandardCharsets.UTF_8));
        System.err.println("serializer zoo: " + zoo.size() + " snapshots written to " + out);
    }

    private static void add(Map<String, TypeSerializer<?>> zoo, Map<String, String> infos, ExecutionConfig ec,
            String name, TypeInformation<?> info) throws Exception {
        zoo.put(name, createSerializer(info, ec));
        infos.put(name, info.toString());
    }

    private static TypeSerializer<?> createSerializer(TypeInformation<?> info, ExecutionConfig ec) throws Exception {
        for (Method m : TypeInformation.class.getMethods()) {
            if (m.getName().equals("createSerializer") && m.getParameterCount() == 1
                    && m.getParameterTypes()[0].getSimpleName().equals("SerializerConfig")) {
                return (TypeSerializer<?>) m.invoke(info, call(ec, "getSerializerConfig"));
            }
        }
        Method m = TypeInformation.class.getMethod("createSerializer", ExecutionConfig.class);
        return (TypeSerializer<?>) m.invoke(info, ec);
    }

    private static TypeSerializer<?> ttlSerializer(TypeSerializer<?> value) throws Exception {
        for (String cls : new String[] {"org.apache.flink.runtime.state.ttl.TtlStateFactory$TtlSerializer"}) {
            Class<?> c = Class.forName(cls);
            for (Constructor<?> k : c.getConstructors()) {
                Class<?>[] p = k.getParameterTypes();
                if (p.length == 2 && p[0] == TypeSerializer.class && p[1] == TypeSerializer.class) {
                    return (TypeSerializer<?>) k.newInstance(LongSerializer.INSTANCE, value);
                }
            }
        }
        return null;
    }

    private static void writeSnapshot(DataOutputSerializer out, TypeSerializerSnapshot<?> snap, TypeSerializer<?> ser)
            throws Exception {
        Class<?> util = Class.forName("org.apache.flink.api.common.typeutils.TypeSerializerSnapshotSerializationUtil");
        for (Method m : util.getMethods()) {
            if (!m.getName().equals("writeSerializerSnapshot")) {
                continue;
            }
            if (m.getParameterCount() == 2) {
                m.invoke(null, out, snap);
                return;
            }
            if (m.getParameterCount() == 3) {
                m.invoke(null, out, snap, ser);
                return;
            }
        }
        throw new NoSuchMethodException("writeSerializerSnapshot");
    }

    private static Object readSnapshot(DataInputDeserializer in) throws Exception {
        Class<?> util = Class.forName("org.apache.flink.api.common.typeutils.TypeSerializerSnapshotSerializationUtil");
        ClassLoader cl = SerializerZoo.class.getClassLoader();
        for (Method m : util.getMethods()) {
            if (!m.getName().equals("readSerializerSnapshot")) {
                continue;
            }
            if (m.getParameterCount() == 2) {
                return m.invoke(null, in, cl);
            }
            if (m.getParameterCount() == 3) {
                return m.invoke(null, in, cl, null);
            }
        }
        throw new NoSuchMethodException("readSerializerSnapshot");
    }

    private static boolean hasMethod(Object o, String name) {
        return hasMethod(o, name, 0);
    }

    private static boolean hasMethod(Object o, String name, int params) {
        for (Method m : o.getClass().getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == params) {
                return true;
            }
        }
        return false;
    }

    private static Object call(Object o, String name) throws Exception {
        return o.getClass().getMethod(name).invoke(o);
    }

    private static void invoke(Object o, String name, Class<?>[] types, Object... args) throws Exception {
        Method m = o.getClass().getMethod(name, types);
        m.invoke(o, args);
    }
}
