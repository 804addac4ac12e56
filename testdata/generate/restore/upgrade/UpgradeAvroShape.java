import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.avro.typeutils.GenericRecordAvroTypeInfo;

import java.util.Arrays;

/** The Avro shape of {@link UpgradeShapes}: loaded only with flink-avro and Avro on the class path. */
public final class UpgradeAvroShape {

    private UpgradeAvroShape() {
    }

    static final Schema AVRO_SCHEMA = new Schema.Parser().parse(
            "{\"type\":\"record\",\"name\":\"Event\",\"namespace\":\"flinspect.upgrade\",\"fields\":["
                    + "{\"name\":\"key\",\"type\":\"long\"},{\"name\":\"count\",\"type\":\"long\"},"
                    + "{\"name\":\"label\",\"type\":\"string\"},"
                    + "{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}}]}");

    public static UpgradeShapes.Shape create() {
        return new UpgradeShapes.Shape("avro-generic", "events", UpgradeShapes.Kind.VALUE,
                "ValueState<GenericRecord> with GenericRecordAvroTypeInfo: AvroSerializer (flink-avro)") {
            TypeInformation<Object> typeInfo() {
                return UpgradeShapes.ti(new GenericRecordAvroTypeInfo(AVRO_SCHEMA));
            }

            Object make(long k, long c) {
                GenericRecord r = new GenericData.Record(AVRO_SCHEMA);
                r.put("key", k);
                r.put("count", c);
                r.put("label", "k" + k + "c" + c);
                r.put("tags", new GenericData.Array<>(AVRO_SCHEMA.getField("tags").schema(),
                        Arrays.asList("k" + k, "c" + c)));
                return r;
            }

            long keyOf(Object v) {
                return (Long) ((GenericRecord) v).get("key");
            }

            long countOf(Object v) {
                return (Long) ((GenericRecord) v).get("count");
            }

            boolean consistent(Object v) {
                // Avro reads strings as Utf8: compare field by field as text
                GenericRecord r = (GenericRecord) v;
                GenericRecord m = (GenericRecord) make(keyOf(v), countOf(v));
                return String.valueOf(r.get("label")).equals(String.valueOf(m.get("label")))
                        && String.valueOf(r.get("tags")).equals(String.valueOf(m.get("tags")));
            }
        };
    }
}
