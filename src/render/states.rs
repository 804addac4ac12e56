//! `inspect --states`: the state meta information of each operator, as text and as the
//! `states` array of the `inspect --json` document.
//!
//! The JSON shape is a public contract (`docs/schemas/inspect.schema.json`, `$defs`
//! `operator_states`, `state`, `serializer`, `header`; pinned by `tests/json_contract.rs`).
//! Every field:
//!
//! * [`OperatorStatesJson`] — one operator with managed state, file order:
//!   `operator` (32 hex digits), `uid` (from the file, V5+, or `--uid`; null when unknown),
//!   `name` (V5+, else null), `key_serializers` (the distinct key serializer snapshots of its
//!   keyed headers: one normally, none without keyed state), `states` (distinct states, by
//!   scope then name), `headers` (every header read, subtask order, with its problems).
//! * [`StateJson`] — `scope` (`keyed` | `operator` | `broadcast`), `name`, `kind` (`value`,
//!   `list`, `map`, `reducing`, `aggregating`, `folding`, `keyed-unknown`, `priority-queue`,
//!   `operator-list`, `operator-union`, `broadcast`, `other`), `backend_state_type` (Flink's
//!   `BackendStateType` constant name, or the ordinal as a string when unknown), `ttl` (the
//!   value serializer is Flink's TTL wrapper), `options` (the options map as [{`key`,
//!   `value`}] in file order), `serializers` ([{`role` such as `VALUE_SERIALIZER`, `snapshot`}]
//!   in file order), `subtasks` (which subtasks' headers declare it exactly so).
//! * [`SerializerJson`] — one serializer snapshot: `class` (snapshot class binary name),
//!   `serializer` (the serializer's simple name, for people), `version`, `layout` (`simple`,
//!   `composite`, `generic`, `pojo`, `kryo`, `enum`, `avro`, `legacy`, `custom`, `unknown`),
//!   `outer_version` (composite snapshots, else null), `type_class` (the class the snapshot
//!   names, else null), `children` (nested snapshots: `role` such as `element`, `key`,
//!   `value`, `field 0`, `field items`, `subclass a.B`, `wrapped`, and `snapshot`, null when
//!   none was recorded), `pojo` (null, or `fields`, `registered_subclasses`,
//!   `non_registered_subclasses`), `kryo` (null, or `registrations` [{`name`,
//!   `registered_class`, `serializer`: {`type`: `unspecified` | `class` | `instance` |
//!   `missing` | `other`, `class`}}], `default_serializers` and `default_serializer_classes`
//!   [{`type_class`, `serializer_class`}]), `details` (other recorded values, [{`name`,
//!   `value`}] in file order).
//! * [`HeaderJson`] — `subtask`, `source` (`keyed` | `operator`), `handle` (the handle's Java
//!   class), `location` (a local path or a remote location, `…@offset` for a segment, `inline`, or
//!   `-`),
//!   `version` and `compression` (of the header, null when it was not read), `states` (how
//!   many it declares), `error` (why nothing could be read, else null), `stopped` (null, or
//!   `offset` and `message`: where decoding stopped; the states before it are kept).

use serde::Serialize;

use super::UidLabels;
use crate::model::state_meta::{
    BackendMeta, KryoSerializerDefinition, SerializerSnapshot, StateEntry, StateFileMeta,
};
use crate::scan::states::LabeledStates;

/// One operator with managed state.
#[derive(Serialize)]
pub struct OperatorStatesJson {
    pub operator: String,
    pub uid: Option<String>,
    pub name: Option<String>,
    pub key_serializers: Vec<SerializerJson>,
    pub states: Vec<StateJson>,
    pub headers: Vec<HeaderJson>,
}

/// One distinct state.
#[derive(Serialize)]
pub struct StateJson {
    pub scope: &'static str,
    pub name: String,
    pub kind: &'static str,
    pub backend_state_type: String,
    pub ttl: bool,
    pub options: Vec<OptionJson>,
    pub serializers: Vec<RoleJson>,
    pub subtasks: Vec<u32>,
}

/// One option of a state, in file order.
#[derive(Serialize)]
pub struct OptionJson {
    pub key: String,
    pub value: String,
}

/// One serializer of a state and its role, in file order.
#[derive(Serialize)]
pub struct RoleJson {
    pub role: String,
    pub snapshot: SerializerJson,
}

/// One recorded value of a snapshot, in file order.
#[derive(Serialize)]
pub struct DetailJson {
    pub name: String,
    pub value: String,
}

/// One serializer snapshot (a tree).
#[derive(Serialize)]
pub struct SerializerJson {
    pub class: String,
    pub serializer: String,
    pub version: i32,
    pub layout: &'static str,
    pub outer_version: Option<i32>,
    pub type_class: Option<String>,
    pub children: Vec<ChildJson>,
    pub pojo: Option<PojoJson>,
    pub kryo: Option<KryoJson>,
    pub details: Vec<DetailJson>,
}

#[derive(Serialize)]
pub struct ChildJson {
    pub role: String,
    pub snapshot: Option<SerializerJson>,
}

#[derive(Serialize)]
pub struct PojoJson {
    pub fields: Vec<String>,
    pub registered_subclasses: Vec<String>,
    pub non_registered_subclasses: Vec<String>,
}

#[derive(Serialize)]
pub struct KryoJson {
    pub registrations: Vec<KryoRegistrationJson>,
    pub default_serializers: Vec<KryoDefaultJson>,
    pub default_serializer_classes: Vec<KryoDefaultJson>,
}

#[derive(Serialize)]
pub struct KryoRegistrationJson {
    pub name: String,
    pub registered_class: Option<String>,
    pub serializer: KryoDefinitionJson,
}

#[derive(Serialize)]
pub struct KryoDefinitionJson {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub class: Option<String>,
}

#[derive(Serialize)]
pub struct KryoDefaultJson {
    pub type_class: String,
    pub serializer_class: Option<String>,
}

/// One header read.
#[derive(Serialize)]
pub struct HeaderJson {
    pub subtask: u32,
    pub source: &'static str,
    pub handle: &'static str,
    pub location: String,
    pub version: Option<i32>,
    pub compression: Option<bool>,
    pub states: Option<u32>,
    pub error: Option<String>,
    pub stopped: Option<StoppedJson>,
}

#[derive(Serialize)]
pub struct StoppedJson {
    pub offset: u64,
    pub message: String,
}

pub fn serializer_json(s: &SerializerSnapshot) -> SerializerJson {
    SerializerJson {
        class: s.class_name.clone(),
        serializer: s.serializer_name().to_string(),
        version: s.version,
        layout: s.layout.as_str(),
        outer_version: s.outer_version,
        type_class: s.type_class.clone(),
        children: s
            .children
            .iter()
            .map(|c| ChildJson {
                role: c.label(),
                snapshot: c.snapshot.as_ref().map(serializer_json),
            })
            .collect(),
        pojo: s.pojo.as_ref().map(|p| PojoJson {
            fields: p.fields.clone(),
            registered_subclasses: p.registered_subclasses.clone(),
            non_registered_subclasses: p.non_registered_subclasses.clone(),
        }),
        kryo: s.kryo.as_ref().map(|k| {
            let defaults = |v: &Vec<(String, Option<String>)>| {
                v.iter()
                    .map(|(t, s)| KryoDefaultJson {
                        type_class: t.clone(),
                        serializer_class: s.clone(),
                    })
                    .collect()
            };
            KryoJson {
                registrations: k
                    .registrations
                    .iter()
                    .map(|r| KryoRegistrationJson {
                        name: r.name.clone(),
                        registered_class: r.registered_class.clone(),
                        serializer: match &r.serializer {
                            KryoSerializerDefinition::Unspecified => KryoDefinitionJson {
                                kind: "unspecified",
                                class: None,
                            },
                            KryoSerializerDefinition::Class(c) => KryoDefinitionJson {
                                kind: "class",
                                class: Some(c.clone()),
                            },
                            KryoSerializerDefinition::Instance(c) => KryoDefinitionJson {
                                kind: "instance",
                                class: c.clone(),
                            },
                            KryoSerializerDefinition::Missing => KryoDefinitionJson {
                                kind: "missing",
                                class: None,
                            },
                            KryoSerializerDefinition::Other(o) => KryoDefinitionJson {
                                kind: "other",
                                class: Some(o.to_string()),
                            },
                        },
                    })
                    .collect(),
                default_serializers: defaults(&k.default_serializers),
                default_serializer_classes: defaults(&k.default_serializer_classes),
            }
        }),
        details: s
            .details
            .iter()
            .map(|(name, value)| DetailJson {
                name: name.clone(),
                value: value.clone(),
            })
            .collect(),
    }
}

fn state_json(e: &StateEntry) -> StateJson {
    StateJson {
        scope: e.scope.as_str(),
        name: e.meta.name.clone(),
        kind: e.meta.kind().as_str(),
        backend_state_type: e
            .meta
            .backend_type
            .name()
            .map_or_else(|| e.meta.backend_type.0.to_string(), str::to_string),
        ttl: e.meta.ttl(),
        options: e
            .meta
            .options
            .iter()
            .map(|(key, value)| OptionJson {
                key: key.clone(),
                value: value.clone(),
            })
            .collect(),
        serializers: e
            .meta
            .serializers
            .iter()
            .map(|(role, v)| RoleJson {
                role: role.clone(),
                snapshot: serializer_json(v),
            })
            .collect(),
        subtasks: e.subtasks.clone(),
    }
}

fn header_json(h: &StateFileMeta) -> HeaderJson {
    let (version, compression, states, stopped) = match &h.meta {
        Ok(BackendMeta::Keyed(k)) => (
            Some(k.version),
            Some(k.compression),
            Some(k.declared_states),
            k.stopped.as_ref(),
        ),
        Ok(BackendMeta::Operator(o)) => (
            Some(o.version),
            o.compression,
            Some(o.declared_operator_states + o.declared_broadcast_states),
            o.stopped.as_ref(),
        ),
        Err(_) => (None, None, None, None),
    };
    HeaderJson {
        subtask: h.subtask,
        source: h.source.as_str(),
        handle: h.handle_class,
        location: h.location.clone(),
        version,
        compression,
        states,
        error: h.meta.as_ref().err().cloned(),
        stopped: stopped.map(|s| StoppedJson {
            offset: s.offset,
            message: s.message.clone(),
        }),
    }
}

/// The uid to show: the file's (V5+), else the user's `--uid` whose hash is the id.
fn uid(s: &LabeledStates, labels: &UidLabels) -> Option<String> {
    s.uid
        .clone()
        .or_else(|| labels.get(&s.states.operator).map(str::to_string))
}

/// The `states` array.
pub fn json(states: &[LabeledStates], labels: &UidLabels) -> Vec<OperatorStatesJson> {
    states
        .iter()
        .map(|l| {
            let o = &l.states;
            OperatorStatesJson {
                operator: o.operator.to_string(),
                uid: uid(l, labels),
                name: l.name.clone(),
                key_serializers: o.key_serializers.iter().map(serializer_json).collect(),
                states: o.states.iter().map(state_json).collect(),
                headers: o.headers.iter().map(header_json).collect(),
            }
        })
        .collect()
}

/// One line for a serializer tree: `MapSerializer(key=LongSerializer, value=LongSerializer)`,
/// `PojoSerializer<com.x.Event>(field a=LongSerializer, …)`, `KryoSerializer<com.x.Y>`.
pub fn serializer_line(s: &SerializerSnapshot) -> String {
    let mut out = s.serializer_name().to_string();
    if let Some(t) = &s.type_class {
        out.push('<');
        out.push_str(t);
        out.push('>');
    }
    if !s.children.is_empty() {
        out.push('(');
        for (i, c) in s.children.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&c.label());
            out.push('=');
            match &c.snapshot {
                Some(n) => out.push_str(&serializer_line(n)),
                None => out.push('?'),
            }
        }
        out.push(')');
    }
    if let Some(k) = &s.kryo {
        if !k.registrations.is_empty() {
            out.push_str(&format!(" [{} Kryo registrations]", k.registrations.len()));
        }
    }
    if s.layout == crate::model::state_meta::SnapshotLayout::Unknown {
        out.push_str(" [undecoded]");
    }
    out
}

/// The text section: per operator, its key serializer, its states (scope, name, kind, value
/// serializer, namespace when not void, TTL, subtasks when not all) and its problems.
pub fn human(states: &[LabeledStates], labels: &UidLabels) -> String {
    let headers: usize = states.iter().map(|o| o.states.headers.len()).sum();
    let mut out = format!("\nSTATES      from {headers} state header(s)\n");
    if states.is_empty() {
        out.push_str("            no operator has managed state\n");
    }
    for l in states {
        let o = &l.states;
        let label = match (uid(l, labels), &l.name) {
            (Some(u), Some(n)) => format!("{u} ({n})"),
            (Some(u), None) => u,
            (None, Some(n)) => n.clone(),
            (None, None) => String::new(),
        };
        out.push_str(&format!("  {} {label}\n", o.operator));
        for ks in &o.key_serializers {
            out.push_str(&format!("    key serializer  {}\n", serializer_line(ks)));
        }
        let all: std::collections::BTreeSet<u32> = o.headers.iter().map(|h| h.subtask).collect();
        let name_w = o
            .states
            .iter()
            .map(|e| e.meta.name.len())
            .max()
            .unwrap_or(0);
        for e in &o.states {
            let value = e
                .meta
                .serializer("VALUE_SERIALIZER")
                .map(serializer_line)
                .unwrap_or_else(|| "-".to_string());
            let mut extra = String::new();
            if e.scope != crate::model::state_meta::StateScope::Keyed {
                if let Some(k) = e.meta.serializer("KEY_SERIALIZER") {
                    extra.push_str(&format!("  key {}", serializer_line(k)));
                }
            }
            if let Some(uk) = e.meta.serializer("USER_KEY_SERIALIZER") {
                extra.push_str(&format!("  user key {}", serializer_line(uk)));
            }
            if let Some(ns) = e.meta.serializer("NAMESPACE_SERIALIZER") {
                if ns.serializer_name() != "VoidNamespaceSerializer" {
                    extra.push_str(&format!("  namespace {}", serializer_line(ns)));
                }
            }
            if e.meta.ttl() {
                extra.push_str("  ttl");
            }
            let covered: std::collections::BTreeSet<u32> = e.subtasks.iter().copied().collect();
            if covered != all {
                let list: Vec<String> = e.subtasks.iter().map(u32::to_string).collect();
                extra.push_str(&format!("  subtasks {}", list.join(",")));
            }
            out.push_str(&format!(
                "    {:<9} {:<name_w$}  {:<15} {value}{extra}\n",
                e.scope.as_str(),
                e.meta.name,
                e.meta.kind().as_str(),
            ));
        }
        for (h, why) in o.problems() {
            out.push_str(&format!(
                "    ! subtask {} {} ({}, {}): {why}\n",
                h.subtask,
                h.source.as_str(),
                h.handle_class,
                h.location
            ));
        }
    }
    out
}
