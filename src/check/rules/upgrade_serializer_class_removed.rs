//! `upgrade_serializer_class_removed`: a serializer snapshot of a Flink 1.x snapshot names a
//! Flink class (snapshot class, or a serializer a Kryo registration names) that the target
//! release no longer ships.

use super::{Rule, RuleInfo};
use crate::check::upgrade::{self, nodes, shipped, state_head};
use crate::check::{Context, Severity, Sink};
use crate::model::state_meta::KryoSerializerDefinition;

pub(in crate::check) const RULE: Rule = Rule {
    info: RuleInfo {
        id: "upgrade_serializer_class_removed",
        severity: Severity::Error,
        summary: "a state's serializer snapshot names a Flink class the target release no longer ships",
        explanation: "\
A state file records, for every state, the class of each serializer snapshot and, for a Kryo
serializer, the classes of its registrations and of the Kryo serializers registered for them.
The restore loads every one of these classes. flinspect compares the Flink classes (package
org.apache.flink) a snapshot names with the list of serializer, serializer-snapshot and Kryo
classes (and the Serializable wrappers of Kryo serializer instances) the target release ships,
taken from that release's own jars (flink-dist, flink-table-
runtime, flink-cep, flink-scala, flink-avro; src/check/flink_classes/, written by
testdata/generate/restore/upgrade/list-classes.sh). A user class (your own TypeSerializer) ships
with your job and is not judged; recorded, a hand-written TypeSerializer with a
SimpleTypeSerializerSnapshot restores and reads correctly on 2.0.1, 2.1.1 and 2.3.0.

Recorded with real Flink (testdata/upgrade, cases *-with-flink-avro): with flink-avro on the job's
class path, Flink 1.20 registers Avro's GenericData$Array with Kryo with a serializer instance
(Serializers$SpecificInstanceCollectionSerializerForArrayList), and every KryoSerializer snapshot
records that registration Java-serialized as org.apache.flink.api.common.ExecutionConfig$SerializableSerializer.
Flink 2.x has neither class (its wrapper is org.apache.flink.api.common.SerializableSerializer),
and the restore of every Kryo-serialized state fails while the tasks restore (HashMap and
RocksDB, 2.0.1, 2.1.1, 2.3.0): java.lang.IllegalStateException: Missing value for the key
'org.apache.avro.generic.GenericData$Array' (KryoSerializerSnapshot.restoreSerializer). Without
flink-avro, 1.20 records a placeholder class that 2.x still has, and the restore goes on (see
upgrade_kryo_state for what it then reads).

A snapshot class missing from the target release makes the restore fail in
InstantiationUtil.resolveClassByName (Flink's source; no such restore is recorded, so there is no
recorded Flink message for this case beyond the template below).",
        flink_error: Some("java.lang.IllegalStateException: Missing value for the key '%s'"),
        other_flink_errors: &[],
        help: "while still on Flink 1.x, migrate the state to serializers the target release ships (State Processor API: read with the old serializer, write with the new one), or, for the Kryo registration flink-avro adds, move the state off Kryo (see upgrade_kryo_state); then take a savepoint on 1.x and upgrade from it",
    },
    check,
};

fn flink_class(c: &str) -> bool {
    c.starts_with("org.apache.flink.") && !c.starts_with("org.apache.flink.shaded.")
}

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    let Some(up) = upgrade::upgrade(cx) else {
        return;
    };
    // Without a class list for the target, upgrade::not_checked says so (verdict unknown).
    let Some(classes) = shipped(up.target) else {
        return;
    };
    for (ops, op) in upgrade::restored_states(cx) {
        for entry in &ops.states {
            let head = state_head(&op, entry);
            for n in nodes(&head, entry) {
                let mut missing: Vec<(String, String)> = Vec::new();
                if flink_class(&n.node.class_name) && !classes.contains(&n.node.class_name) {
                    missing.push((
                        format!("snapshot class {}", n.node.class_name),
                        format!(
                            "java.io.IOException: Could not find class '{}' in classpath.",
                            n.node.class_name
                        ),
                    ));
                }
                if let Some(k) = &n.node.kryo {
                    for r in &k.registrations {
                        let mut names: Vec<&str> = Vec::new();
                        if let Some(c) = r.registered_class.as_deref() {
                            names.push(c);
                        }
                        match &r.serializer {
                            KryoSerializerDefinition::Class(c) => names.push(c),
                            // a Java-serialized serializer instance: its (outer) class
                            KryoSerializerDefinition::Instance(Some(c)) => names.push(c),
                            _ => {}
                        }
                        for c in names {
                            if flink_class(c) && !classes.contains(c) {
                                missing.push((
                                    format!(
                                        "Kryo registration of {} names {c}",
                                        r.name
                                    ),
                                    format!(
                                        "java.lang.IllegalStateException: Missing value for the key '{}'",
                                        r.name
                                    ),
                                ));
                            }
                        }
                    }
                    for (t, s) in k
                        .default_serializers
                        .iter()
                        .chain(&k.default_serializer_classes)
                    {
                        if let Some(c) = s
                            .as_deref()
                            .filter(|c| flink_class(c) && !classes.contains(c))
                        {
                            missing.push((
                                format!("Kryo default serializer of {t} is {c}"),
                                format!("java.lang.IllegalStateException: Missing value for the key '{t}'"),
                            ));
                        }
                    }
                }
                let Some((what, message)) = missing.first().cloned() else {
                    continue;
                };
                let mut f = upgrade::state_finding(
                    cx,
                    &RULE.info,
                    &op,
                    entry,
                    &n.path,
                    format!(
                        "{what}, which Flink {} (jars of {}) does not ship: the restore fails while the tasks restore",
                        up.target, classes.release
                    ),
                );
                f.flink_error = Some(message);
                for (w, _) in missing.iter().skip(1) {
                    f.notes.push(format!("also: {w}"));
                }
                out.push(f);
            }
        }
    }
}
