import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.Row;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The state shapes of the 1.x -> 2.x upgrade ground truth. One source for Flink 1.20 (Kryo 2) and
 * Flink 2.x (Kryo 5): the custom Kryo serializer overrides the raw read/write signatures, whose
 * erasure is the same in both Kryo versions.
 *
 * <p>Every value is a pure function of (key, count): {@code make(key, count)}. After a restore the
 * job reads each key's old value and checks {@code make(keyOf(v), countOf(v)).equals(v)} and
 * {@code keyOf(v) == key}: a value that deserializes into something else is caught.
 */
public final class UpgradeShapes {

    private UpgradeShapes() {
    }

    // ------------------------------------------------------------ user types

    /** Not a POJO (final fields, no default constructor): Flink serializes it with Kryo. */
    public static class Reading implements Serializable {
        final long key;
        final long count;
        final String sensor;
        final ArrayList<String> tags;

        public Reading(long key, long count) {
            this.key = key;
            this.count = count;
            this.sensor = "sensor-" + key;
            this.tags = new ArrayList<>(Arrays.asList("k" + key, "c" + count));
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Reading) || o.getClass() != getClass()) {
                return false;
            }
            Reading r = (Reading) o;
            return r.key == key && r.count == count && Objects.equals(r.sensor, sensor) && Objects.equals(r.tags, tags);
        }

        @Override
        public int hashCode() {
            return Objects.hash(key, count);
        }

        @Override
        public String toString() {
            return getClass().getSimpleName() + "{key=" + key + ", count=" + count + ", sensor=" + sensor + ", tags=" + tags + "}";
        }
    }

    /**
     * Not a POJO either, but with fields of primitive types and a String only (no collection, no
     * nested object): what Kryo's FieldSerializer writes the same way in Kryo 2 and Kryo 5, or not.
     */
    public static class SimpleReading implements Serializable {
        final long key;
        final long count;
        final int bucket;
        final double ratio;
        final boolean even;
        final String sensor;

        public SimpleReading(long key, long count) {
            this.key = key;
            this.count = count;
            this.bucket = (int) (count % 7);
            this.ratio = count / 4.0;
            this.even = count % 2 == 0;
            this.sensor = "sensor-" + key;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof SimpleReading)) {
                return false;
            }
            SimpleReading r = (SimpleReading) o;
            return r.key == key && r.count == count && r.bucket == bucket && r.ratio == ratio && r.even == even
                    && Objects.equals(r.sensor, sensor);
        }

        @Override
        public int hashCode() {
            return Objects.hash(key, count);
        }

        @Override
        public String toString() {
            return "SimpleReading{key=" + key + ", count=" + count + ", bucket=" + bucket + ", ratio=" + ratio
                    + ", even=" + even + ", sensor=" + sensor + "}";
        }
    }

    /** Same shape, registered with Kryo (registerKryoType). */
    public static class RegisteredReading extends Reading {
        public RegisteredReading(long key, long count) {
            super(key, count);
        }
    }

    /** Same shape, registered with its own Kryo serializer (registerTypeWithKryoSerializer). */
    public static class CustomReading extends Reading {
        public CustomReading(long key, long count) {
            super(key, count);
        }
    }

    /** A Kryo serializer for CustomReading; raw types so that it compiles against Kryo 2 and Kryo 5. */
    @SuppressWarnings({"rawtypes"})
    public static class CustomReadingKryoSerializer extends Serializer implements Serializable {
        @Override
        public void write(Kryo kryo, Output output, Object object) {
            CustomReading r = (CustomReading) object;
            output.writeLong(r.key);
            output.writeLong(r.count);
        }

        @Override
        public Object read(Kryo kryo, Input input, Class type) {
            long key = input.readLong();
            long count = input.readLong();
            return new CustomReading(key, count);
        }
    }

    /** A POJO whose one field is a Kryo-serialized generic type. */
    public static class ReadingHolder {
        public long count;
        public Reading reading;

        public ReadingHolder() {
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ReadingHolder && ((ReadingHolder) o).count == count
                    && Objects.equals(((ReadingHolder) o).reading, reading);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(count);
        }

        @Override
        public String toString() {
            return "ReadingHolder{count=" + count + ", reading=" + reading + "}";
        }
    }

    /** A POJO with a java.util.List field. */
    public static class SessionWithList {
        public long key;
        public long count;
        public List<String> items;

        public SessionWithList() {
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof SessionWithList)) {
                return false;
            }
            SessionWithList s = (SessionWithList) o;
            return s.key == key && s.count == count && Objects.equals(s.items, items);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(count);
        }

        @Override
        public String toString() {
            return "SessionWithList{key=" + key + ", count=" + count + ", items=" + items + "}";
        }
    }

    /** A POJO with a java.util.Map field. */
    public static class SessionWithMap {
        public long key;
        public long count;
        public Map<String, Long> attributes;

        public SessionWithMap() {
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof SessionWithMap)) {
                return false;
            }
            SessionWithMap s = (SessionWithMap) o;
            return s.key == key && s.count == count && Objects.equals(s.attributes, attributes);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(count);
        }

        @Override
        public String toString() {
            return "SessionWithMap{key=" + key + ", count=" + count + ", attributes=" + attributes + "}";
        }
    }

    /** A POJO with primitive and String fields only (the control). */
    public static class PlainPojo {
        public long key;
        public long count;
        public String label;

        public PlainPojo() {
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof PlainPojo)) {
                return false;
            }
            PlainPojo p = (PlainPojo) o;
            return p.key == key && p.count == count && Objects.equals(p.label, label);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(count);
        }

        @Override
        public String toString() {
            return "PlainPojo{key=" + key + ", count=" + count + ", label=" + label + "}";
        }
    }

    /** The value of the custom TypeSerializer shape. */
    public static final class Counter {
        public final long key;
        public final long count;

        public Counter(long key, long count) {
            this.key = key;
            this.count = count;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Counter && ((Counter) o).key == key && ((Counter) o).count == count;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(count);
        }

        @Override
        public String toString() {
            return "Counter{key=" + key + ", count=" + count + "}";
        }
    }

    /** A hand-written TypeSerializer with its own snapshot class. */
    public static final class CounterSerializer extends TypeSerializerSingleton<Counter> {
        public static final CounterSerializer INSTANCE = new CounterSerializer();

        @Override
        public boolean isImmutableType() {
            return true;
        }

        @Override
        public Counter createInstance() {
            return new Counter(0, 0);
        }

        @Override
        public Counter copy(Counter from) {
            return from;
        }

        @Override
        public Counter copy(Counter from, Counter reuse) {
            return from;
        }

        @Override
        public int getLength() {
            return 16;
        }

        @Override
        public void serialize(Counter record, DataOutputView target) throws IOException {
            target.writeLong(record.key);
            target.writeLong(record.count);
        }

        @Override
        public Counter deserialize(DataInputView source) throws IOException {
            long k = source.readLong();
            return new Counter(k, source.readLong());
        }

        @Override
        public Counter deserialize(Counter reuse, DataInputView source) throws IOException {
            return deserialize(source);
        }

        @Override
        public void copy(DataInputView source, DataOutputView target) throws IOException {
            target.write(source, 16);
        }

        @Override
        public TypeSerializerSnapshot<Counter> snapshotConfiguration() {
            return new CounterSerializerSnapshot();
        }
    }

    public static final class CounterSerializerSnapshot extends SimpleTypeSerializerSnapshot<Counter> {
        public CounterSerializerSnapshot() {
            super(() -> CounterSerializer.INSTANCE);
        }
    }

    // ------------------------------------------------------------ shapes

    /** Where the shape's state lives. */
    enum Kind { VALUE, LIST, MAP, OPERATOR_LIST }

    /** One state shape: its state, its type, and how its values are made and recognized. */
    public abstract static class Shape implements Serializable {
        final String name;       // the operator uid and the case name
        final String stateName;  // the state descriptor's name
        final Kind kind;
        final String description;

        Shape(String name, String stateName, Kind kind, String description) {
            this.name = name;
            this.stateName = stateName;
            this.kind = kind;
            this.description = description;
        }

        /** The value's type information (null when {@link #serializer()} is used). */
        abstract TypeInformation<Object> typeInfo();

        /** A TypeSerializer given directly to the descriptor, else null. */
        TypeSerializer<Object> serializer() {
            return null;
        }

        abstract Object make(long key, long count);

        abstract long keyOf(Object v);

        abstract long countOf(Object v);

        boolean consistent(Object v) {
            return v != null && make(keyOf(v), countOf(v)).equals(v);
        }
    }

    @SuppressWarnings("unchecked")
    static TypeInformation<Object> ti(TypeInformation<?> t) {
        return (TypeInformation<Object>) t;
    }

    abstract static class ReadingShape extends Shape {
        ReadingShape(String name, String stateName, Kind kind, String description) {
            super(name, stateName, kind, description);
        }

        @Override
        long keyOf(Object v) {
            return ((Reading) v).key;
        }

        @Override
        long countOf(Object v) {
            return ((Reading) v).count;
        }
    }

    /** Every shape; the Avro one only with flink-avro on the class path. */
    static List<Shape> all() {
        List<Shape> l = new ArrayList<>();
        l.addAll(every());
        return l;
    }

    static boolean avroOnClassPath() {
        try {
            Class.forName("org.apache.flink.formats.avro.typeutils.GenericRecordAvroTypeInfo");
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    static List<Shape> every() {
        List<Shape> l = new ArrayList<>();
        l.add(new ReadingShape("kryo-value", "readings", Kind.VALUE,
                "ValueState of a generic (non-POJO) class, not registered with Kryo: KryoSerializer") {
            TypeInformation<Object> typeInfo() {
                return ti(TypeInformation.of(Reading.class));
            }

            Object make(long k, long c) {
                return new Reading(k, c);
            }
        });
        l.add(new Shape("kryo-simple", "simple-readings", Kind.VALUE,
                "ValueState of a generic (non-POJO) class with primitive and String fields only, not registered: KryoSerializer") {
            TypeInformation<Object> typeInfo() {
                return ti(TypeInformation.of(SimpleReading.class));
            }

            Object make(long k, long c) {
                return new SimpleReading(k, c);
            }

            long keyOf(Object v) {
                return ((SimpleReading) v).key;
            }

            long countOf(Object v) {
                return ((SimpleReading) v).count;
            }
        });
        l.add(new Shape("kryo-simple-list-state", "simple-readings", Kind.LIST,
                "ListState of the generic class with primitive and String fields only: ListSerializer > KryoSerializer") {
            TypeInformation<Object> typeInfo() {
                return ti(TypeInformation.of(SimpleReading.class));
            }

            Object make(long k, long c) {
                return new SimpleReading(k, c);
            }

            long keyOf(Object v) {
                return ((SimpleReading) v).key;
            }

            long countOf(Object v) {
                return ((SimpleReading) v).count;
            }
        });
        l.add(new ReadingShape("kryo-registered", "readings", Kind.VALUE,
                "ValueState of a generic class registered with registerKryoType: KryoSerializer with a registration") {
            TypeInformation<Object> typeInfo() {
                return ti(TypeInformation.of(RegisteredReading.class));
            }

            Object make(long k, long c) {
                return new RegisteredReading(k, c);
            }
        });
        l.add(new ReadingShape("kryo-custom-serializer", "readings", Kind.VALUE,
                "ValueState of a generic class registered with its own Kryo serializer (registerTypeWithKryoSerializer)") {
            TypeInformation<Object> typeInfo() {
                return ti(TypeInformation.of(CustomReading.class));
            }

            Object make(long k, long c) {
                return new CustomReading(k, c);
            }
        });
        l.add(new Shape("pojo-kryo-field", "holders", Kind.VALUE,
                "ValueState of a POJO whose field 'reading' is a generic class: PojoSerializer > field reading > KryoSerializer") {
            TypeInformation<Object> typeInfo() {
                return ti(TypeInformation.of(ReadingHolder.class));
            }

            Object make(long k, long c) {
                ReadingHolder h = new ReadingHolder();
                h.count = c;
                h.reading = new Reading(k, c);
                return h;
            }

            long keyOf(Object v) {
                return ((ReadingHolder) v).reading.key;
            }

            long countOf(Object v) {
                return ((ReadingHolder) v).count;
            }
        });
        l.add(new Shape("kryo-in-collection", "reading-lists", Kind.VALUE,
                "ValueState<ArrayList<Reading>>: the collection itself is a generic type, KryoSerializer") {
            TypeInformation<Object> typeInfo() {
                return ti(TypeInformation.of(new TypeHint<ArrayList<Reading>>() { }));
            }

            Object make(long k, long c) {
                return new ArrayList<>(Arrays.asList(new Reading(k, c), new Reading(k, c + 1)));
            }

            @SuppressWarnings("unchecked")
            long keyOf(Object v) {
                return ((List<Reading>) v).get(0).key;
            }

            @SuppressWarnings("unchecked")
            long countOf(Object v) {
                return ((List<Reading>) v).get(0).count;
            }
        });
        l.add(new ReadingShape("kryo-list-state", "readings", Kind.LIST,
                "ListState of a generic class: ListSerializer > KryoSerializer") {
            TypeInformation<Object> typeInfo() {
                return ti(TypeInformation.of(Reading.class));
            }

            Object make(long k, long c) {
                return new Reading(k, c);
            }
        });
        l.add(new ReadingShape("kryo-map-state", "readings", Kind.MAP,
                "MapState<String, Reading>: MapSerializer > KryoSerializer (values)") {
            TypeInformation<Object> typeInfo() {
                return ti(TypeInformation.of(Reading.class));
            }

            Object make(long k, long c) {
                return new Reading(k, c);
            }
        });
        l.add(new ReadingShape("kryo-operator-list", "readings", Kind.OPERATOR_LIST,
                "operator ListState (CheckpointedFunction) of a generic class: KryoSerializer") {
            TypeInformation<Object> typeInfo() {
                return ti(TypeInformation.of(Reading.class));
            }

            Object make(long k, long c) {
                return new Reading(k, c);
            }
        });
        l.add(new Shape("pojo-list-field", "sessions", Kind.VALUE,
                "ValueState of a POJO with a java.util.List<String> field 'items'") {
            TypeInformation<Object> typeInfo() {
                return ti(TypeInformation.of(SessionWithList.class));
            }

            Object make(long k, long c) {
                SessionWithList s = new SessionWithList();
                s.key = k;
                s.count = c;
                s.items = new ArrayList<>(Arrays.asList("item-" + k, "n" + c));
                return s;
            }

            long keyOf(Object v) {
                return ((SessionWithList) v).key;
            }

            long countOf(Object v) {
                return ((SessionWithList) v).count;
            }
        });
        l.add(new Shape("pojo-map-field", "sessions", Kind.VALUE,
                "ValueState of a POJO with a java.util.Map<String, Long> field 'attributes'") {
            TypeInformation<Object> typeInfo() {
                return ti(TypeInformation.of(SessionWithMap.class));
            }

            Object make(long k, long c) {
                SessionWithMap s = new SessionWithMap();
                s.key = k;
                s.count = c;
                s.attributes = new HashMap<>();
                s.attributes.put("key", k);
                s.attributes.put("count", c);
                return s;
            }

            long keyOf(Object v) {
                return ((SessionWithMap) v).key;
            }

            long countOf(Object v) {
                return ((SessionWithMap) v).count;
            }
        });
        l.add(new Shape("pojo-plain", "pojos", Kind.VALUE,
                "ValueState of a POJO with long and String fields only: PojoSerializer") {
            TypeInformation<Object> typeInfo() {
                return ti(TypeInformation.of(PlainPojo.class));
            }

            Object make(long k, long c) {
                PlainPojo p = new PlainPojo();
                p.key = k;
                p.count = c;
                p.label = "k" + k + "c" + c;
                return p;
            }

            long keyOf(Object v) {
                return ((PlainPojo) v).key;
            }

            long countOf(Object v) {
                return ((PlainPojo) v).count;
            }
        });
        if (avroOnClassPath()) {
            try {
                // a class of its own: loading it needs Avro on the class path
                l.add((Shape) Class.forName("UpgradeAvroShape").getMethod("create").invoke(null));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        l.add(new Shape("custom-typeserializer", "counters", Kind.VALUE,
                "ValueState with a hand-written TypeSerializer (TypeSerializerSingleton) and its SimpleTypeSerializerSnapshot") {
            TypeInformation<Object> typeInfo() {
                return null;
            }

            @SuppressWarnings("unchecked")
            TypeSerializer<Object> serializer() {
                return (TypeSerializer<Object>) (TypeSerializer<?>) CounterSerializer.INSTANCE;
            }

            Object make(long k, long c) {
                return new Counter(k, c);
            }

            long keyOf(Object v) {
                return ((Counter) v).key;
            }

            long countOf(Object v) {
                return ((Counter) v).count;
            }
        });
        l.add(new Shape("tuple", "tuples", Kind.VALUE, "ValueState<Tuple2<Long, String>>: TupleSerializer") {
            TypeInformation<Object> typeInfo() {
                return ti(Types.TUPLE(Types.LONG, Types.STRING));
            }

            Object make(long k, long c) {
                return Tuple2.of(c, "k=" + k);
            }

            @SuppressWarnings("unchecked")
            long keyOf(Object v) {
                return Long.parseLong(((Tuple2<Long, String>) v).f1.substring(2));
            }

            @SuppressWarnings("unchecked")
            long countOf(Object v) {
                return ((Tuple2<Long, String>) v).f0;
            }
        });
        l.add(new Shape("row", "rows", Kind.VALUE, "ValueState<Row> with a named RowTypeInfo (key, count, label): RowSerializer") {
            TypeInformation<Object> typeInfo() {
                return ti(Types.ROW_NAMED(new String[] {"key", "count", "label"}, Types.LONG, Types.LONG, Types.STRING));
            }

            Object make(long k, long c) {
                return Row.of(k, c, "k" + k + "c" + c);
            }

            long keyOf(Object v) {
                return (Long) ((Row) v).getField(0);
            }

            long countOf(Object v) {
                return (Long) ((Row) v).getField(1);
            }

            boolean consistent(Object v) {
                Row r = (Row) v;
                return r.getArity() == 3 && ("k" + keyOf(v) + "c" + countOf(v)).equals(r.getField(2));
            }
        });
        return l;
    }

    static Map<String, Shape> byName() {
        Map<String, Shape> m = new LinkedHashMap<>();
        for (Shape s : every()) {
            m.put(s.name, s);
        }
        return m;
    }
}
