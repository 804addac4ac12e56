//! `upgrade_pojo_collection_field`: a POJO's `List`/`Map` field that Flink 1.x serialized with
//! Kryo, restored on Flink 2.x (which gives such fields their own serializer).

use super::{Rule, RuleInfo};
use crate::check::upgrade::{
    self, field_name, is_pojo_collection_field, nodes, short_class, state_head,
};
use crate::check::{Context, Severity, Sink, StateBackend};

pub(in crate::check) const RULE: Rule = Rule {
    info: RuleInfo {
        id: "upgrade_pojo_collection_field",
        severity: Severity::Error,
        summary: "a POJO field of type List or Map, Kryo-serialized by Flink 1.x, restored on Flink 2.x (which gives it its own serializer)",
        explanation: "\
Flink 1.x serializes a POJO field declared as java.util.List or java.util.Map as a generic type,
with Kryo. Flink 2.0 analyses such fields itself (ListTypeInfo, MapTypeInfo) and gives them
ListSerializer and MapSerializer, so the new job's POJO serializer no longer matches the one in
the snapshot. Recorded with real Flink (testdata/upgrade: a 1.20.3 savepoint of ValueState of a
POJO with a List<String> field, and of one with a Map<String, Long> field, restored on 2.0.1,
2.1.1 and 2.3.0), the restore fails while the tasks restore, with a restart strategy the job
loops in RESTARTING:

* HashMap: java.lang.IllegalArgumentException: Can not set long field
  UpgradeShapes$SessionWithList.key to null value (the POJO's next primitive field after the
  collection is named);
* RocksDB: org.apache.flink.util.StateMigrationException: The new state serializer
  (org.apache.flink.api.java.typeutils.runtime.PojoSerializer@…) must not be incompatible with the
  old state serializer (org.apache.flink.api.java.typeutils.runtime.PojoSerializer@…).

A POJO with fields of basic types only restores and reads correctly (recorded: pojo-plain).",
        flink_error: Some(
            "HashMap: java.lang.IllegalArgumentException: Can not set %s field %s.%s to null value; RocksDB: org.apache.flink.util.StateMigrationException: The new state serializer (%s) must not be incompatible with the old state serializer (%s).",
        ),
        other_flink_errors: &[],
        help: "migrate the state while still on Flink 1.x: with the State Processor API, read it with the current POJO (Kryo field) and write it back with a type both releases serialize the same way (e.g. the field as a Tuple/Row or an array, or the POJO with an explicit @TypeInfo(ListTypeInfo/MapTypeInfo factory) on the field), restore the 1.x job on that savepoint and upgrade from a savepoint it takes; or start the 2.x job without this state and rebuild it",
    },
    check,
};

/// The Java primitive a basic serializer writes (`LongSerializer` → `long`).
fn primitive(serializer: &str) -> Option<&'static str> {
    Some(match serializer {
        "LongSerializer" => "long",
        "IntSerializer" => "int",
        "ShortSerializer" => "short",
        "ByteSerializer" => "byte",
        "DoubleSerializer" => "double",
        "FloatSerializer" => "float",
        "BooleanSerializer" => "boolean",
        "CharSerializer" => "char",
        _ => return None,
    })
}

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    let Some(up) = upgrade::upgrade(cx) else {
        return;
    };
    for (ops, op) in upgrade::restored_states(cx) {
        for entry in &ops.states {
            let head = state_head(&op, entry);
            let all = nodes(&head, entry);
            let fields: Vec<_> = all.iter().filter(|n| is_pojo_collection_field(n)).collect();
            let Some(first) = fields.first() else {
                continue;
            };
            let pojo = first
                .parent
                .and_then(|p| p.type_class.as_deref())
                .unwrap_or("?");
            let field = field_name(first.edge).unwrap_or("?");
            let declared = first.node.type_class.as_deref().unwrap_or("?");
            let what = format!(
                "POJO {} field {field} ({}) was serialized with Kryo by Flink {}; Flink {} serializes it with its own {} and the restore fails",
                short_class(pojo),
                short_class(declared),
                up.source,
                up.target,
                if declared.ends_with("Map") { "MapSerializer" } else { "ListSerializer" }
            );
            let mut f = upgrade::state_finding(cx, &RULE.info, &op, entry, &first.path, what);
            // Recorded: Flink 2.x reads the old bytes with the old field serializers, Kryo 5
            // consumes the collection's Kryo 2 bytes wrongly, and the next field reads as null:
            // the JDK names that field (when it is a primitive).
            let next = first.parent.and_then(|p| {
                let e = first.edge?;
                let i = p.children.iter().position(|c| std::ptr::eq(c, e))?;
                let c = p.children.get(i + 1)?;
                Some((
                    field_name(Some(c))?.to_string(),
                    primitive(c.snapshot.as_ref()?.serializer_name()),
                ))
            });
            let heap = match &next {
                Some((name, Some(ty))) => format!(
                    "java.lang.IllegalArgumentException: Can not set {ty} field {pojo}.{name} to null value"
                ),
                _ => format!(
                    "java.lang.IllegalArgumentException: Can not set <type> field {pojo}.<field> to null value (the field after {field}, when it is primitive; otherwise wrong values)"
                ),
            };
            let rocks = "org.apache.flink.util.StateMigrationException: The new state serializer (org.apache.flink.api.java.typeutils.runtime.PojoSerializer@…) must not be incompatible with the old state serializer (org.apache.flink.api.java.typeutils.runtime.PojoSerializer@…).".to_string();
            f.flink_error = Some(match cx.job.state_backend {
                Some(StateBackend::Hashmap) => heap,
                Some(StateBackend::Rocksdb) | Some(StateBackend::Forst) => rocks,
                None => format!("HashMap: {heap}; RocksDB: {rocks}"),
            });
            f.notes.push("recorded (2.0.1, 2.1.1, 2.3.0) for a POJO with fields count, items (List<String>), key: HashMap: Can not set long field UpgradeShapes$SessionWithList.key to null value; RocksDB: The new state serializer (…PojoSerializer@…) must not be incompatible with the old state serializer (…PojoSerializer@…)".into());
            f.notes
                .push("with a restart strategy the job loops in RESTARTING".into());
            for n in fields.iter().skip(1) {
                f.notes.push(format!("also: {}", n.path));
            }
            out.push(f);
        }
    }
}
