//! `upgrade_kryo_state`: state a Flink 1.x snapshot serialized with Kryo, restored on Flink 2.x.

use super::{Rule, RuleInfo};
use crate::check::upgrade::{self, is_kryo, is_pojo_collection_field, nodes, state_head};
use crate::check::{Context, Severity, Sink};
use crate::model::state_meta::StateKind;

pub(in crate::check) const RULE: Rule = Rule {
    info: RuleInfo {
        id: "upgrade_kryo_state",
        severity: Severity::Error,
        summary: "Kryo-serialized state of a Flink 1.x snapshot, restored on Flink 2.x (Kryo 2 bytes read by Kryo 5)",
        explanation: "\
Flink 1.x serializes a type it cannot analyse (a class that is not a POJO, an interface, a
collection type given as a generic type) with Kryo 2 (KryoSerializer). Flink 2.0 moved to Kryo 5,
whose binary format differs, and keeps the snapshot class, so the restore's compatibility check
passes and the old bytes are read by Kryo 5. What happens then was recorded with real Flink
(testdata/upgrade: a 1.20.3 savepoint restored on 2.0.1, 2.1.1 and 2.3.0, on HashMap and on
RocksDB, every key's old value read back and checked):

* ValueState, MapState values, operator ListState, a POJO field of a generic class, an
  ArrayList of a generic class: the job restores and runs, and reads WRONG values without any
  error: doubles come back as other numbers (Kryo 2 wrote them big-endian, Kryo 5 reads them
  little-endian), collections inside the object lose elements, and a custom Kryo serializer that
  writes longs reads other numbers; longs, ints and Strings that Kryo writes variable-length read
  back right. Registering the class (registerKryoType) or giving it its own Kryo serializer
  (registerTypeWithKryoSerializer) changes nothing.
* ListState of a generic class: wrong values, or, for a class with a collection field, the
  restore fails: com.esotericsoftware.kryo.KryoException: Encountered unregistered class ID: 97
  (HashMap: while the task restores; RocksDB: at the first read of the state).

Which of these a given class meets depends on its fields, which the state files do not record
(the Kryo snapshot names only the class and the registrations), so every Kryo-serialized state is
reported. A POJO field of type List or Map that Flink 1.x serialized with Kryo is reported by
upgrade_pojo_collection_field instead (Flink 2.x gives it its own serializer and the restore
fails).",
        flink_error: Some("com.esotericsoftware.kryo.KryoException: Encountered unregistered class ID: %s"),
        other_flink_errors: &[],
        help: "move the state off Kryo while still on Flink 1.x: with the State Processor API, read it with the current (Kryo) type and write it back with a serializer both releases share (a POJO with fields of basic types, Tuple/Row, Avro, or your own TypeSerializer), restore the 1.x job on that savepoint, take a new savepoint and upgrade from it; or start the 2.x job without this state (--allowNonRestoredState after removing it, or a new uid) and rebuild it",
    },
    check,
};

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    let Some(up) = upgrade::upgrade(cx) else {
        return;
    };
    for (ops, op) in upgrade::restored_states(cx) {
        for entry in &ops.states {
            let head = state_head(&op, entry);
            let all = nodes(&head, entry);
            let kryo: Vec<_> = all
                .iter()
                .filter(|n| is_kryo(n.node) && !is_pojo_collection_field(n))
                .collect();
            let Some(first) = kryo.first() else {
                continue;
            };
            let list = entry.meta.kind() == StateKind::List;
            let what = if list {
                format!(
                    "Kryo-serialized (written by Flink {} with Kryo 2); Flink {} reads it with Kryo 5: recorded for ListState, the restore fails (KryoException: Encountered unregistered class ID) or the job silently reads wrong values, depending on the class's fields",
                    up.source, up.target
                )
            } else {
                format!(
                    "Kryo-serialized (written by Flink {} with Kryo 2); Flink {} reads it with Kryo 5: recorded, the job restores but silently reads wrong values (doubles, collections inside the object, custom Kryo serializers)",
                    up.source, up.target
                )
            };
            let mut f = upgrade::state_finding(cx, &RULE.info, &op, entry, &first.path, what);
            if list {
                f.flink_error = Some(
                    "com.esotericsoftware.kryo.KryoException: Encountered unregistered class ID: <id> (or no error and wrong values)"
                        .into(),
                );
                f.notes.push(
                    "recorded (2.0.1, 2.1.1, 2.3.0; ListState of a class with an ArrayList field): com.esotericsoftware.kryo.KryoException: Encountered unregistered class ID: 97"
                        .into(),
                );
            } else {
                f.notes.push(
                    "no error to expect: the restore succeeds and the values are wrong (recorded on 2.0.1, 2.1.1 and 2.3.0)"
                        .into(),
                );
            }
            for n in kryo.iter().skip(1) {
                f.notes.push(format!("also Kryo: {}", n.path));
            }
            if let Some(k) = first
                .node
                .kryo
                .as_ref()
                .filter(|k| !k.registrations.is_empty())
            {
                f.notes.push(format!(
                    "the Kryo snapshot records {} registration(s) (e.g. {}); registering does not avoid the format change",
                    k.registrations.len(),
                    k.registrations[0].name
                ));
            }
            out.push(f);
        }
    }
}
