//! What the state *is*: the meta information Flink writes at the head of every state file —
//! state names, kinds, options and the serializer snapshots of keys, namespaces and values —
//! decoded without reading a single state value.
//!
//! Two headers exist, both `VersionedIOReadableWritable`s:
//!
//! * [`KeyedBackendMeta`] — `KeyedBackendSerializationProxy`, at the head of every canonical
//!   keyed-state file (canonical savepoints, heap checkpoints and native savepoints, RocksDB full
//!   checkpoints) and of the meta-data stream (`metaStateHandle`) of a RocksDB/ForSt incremental
//!   or native snapshot: proxy version, key-group compression flag, the key serializer snapshot,
//!   then one [`StateMetaInfo`] per registered state.
//! * [`OperatorBackendMeta`] — `OperatorBackendSerializationProxy`, at the head of every
//!   operator-state stream: proxy version, compression flag (proxy V6, Flink 1.18+), the operator
//!   (list/union) states, then the broadcast states.
//!
//! Each [`StateMetaInfo`] is a `StateMetaInfoSnapshot` as `StateMetaInfoSnapshotReadersWriters`
//! writes it: name, `BackendStateType`, an options map (`KEYED_STATE_TYPE`,
//! `OPERATOR_STATE_DISTRIBUTION_MODE`) and a map from role (`KEY_SERIALIZER`,
//! `NAMESPACE_SERIALIZER`, `VALUE_SERIALIZER`, `USER_KEY_SERIALIZER`…) to a
//! [`SerializerSnapshot`]. Maps keep file order (Flink writes Java `HashMap`s, so the order is
//! Flink's iteration order, stable for a given set of keys).
//!
//! ## The serializer snapshot tree
//!
//! A [`SerializerSnapshot`] is one `TypeSerializerSnapshot` as
//! `TypeSerializerSnapshot.writeVersionedSnapshot` wrote it: the snapshot **class name** (e.g.
//! `org.apache.flink.api.common.typeutils.base.LongSerializer$LongSerializerSnapshot`), the
//! snapshot's **version**, how its class-specific part was laid out ([`SnapshotLayout`]), the
//! **class it names** when it names one (`type_class`: the POJO, tuple, Kryo, enum or Avro type,
//! an array's component type), and its **children** ([`Nested`]): the nested serializer
//! snapshots of the `CompositeTypeSerializerSnapshot` family (list element, map key and value,
//! tuple/row fields, TTL wrapper…), a POJO's fields by name (with the serializer of each), a
//! POJO's subclasses, a `TtlAwareSerializerSnapshot`'s wrapped snapshot. A POJO's field names and
//! a Kryo serializer's registrations and default serializers are in [`PojoSnapshot`] and
//! [`KryoSnapshot`]. Every other recorded scalar (a Nullable serializer's padding, a Row's
//! row-kind flag, an enum's constants, an Avro schema…) is a `(name, value)` pair in `details`.
//!
//! A path from a state to any node is a sequence of [`Nested::label`]s — what rules name as
//! `keyed › count-per-key › "sessions" › value › PojoSerializer › field items › …`.
//!
//! ## Incomplete decoding
//!
//! A snapshot whose class flinspect does not know, and whose format has no length to skip it,
//! stops the decoding of that header: what was decoded before it is kept, the snapshot is a
//! [`SnapshotLayout::Unknown`] node, and the header's `stopped` says where and why. Length-framed
//! parts (POJO fields, Kryo registrations) that cannot be decoded are skipped by their frame and
//! marked, without stopping.
//!
//! Architecture invariant: these types are owned and plain (no lifetime), so rules, renderers
//! and other threads can keep them; the decoder (`format::state_meta`) borrows only while reading.

/// `StateMetaInfoSnapshot.BackendStateType`, as the ordinal Flink writes. An open newtype: an
/// ordinal a future release adds is data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BackendStateType(pub i32);

impl BackendStateType {
    /// Keyed state (value, list, map, reducing, aggregating, folding).
    pub const KEY_VALUE: BackendStateType = BackendStateType(0);
    /// Operator list state (split or union).
    pub const OPERATOR: BackendStateType = BackendStateType(1);
    /// Broadcast state.
    pub const BROADCAST: BackendStateType = BackendStateType(2);
    /// Timers and other priority queues.
    pub const PRIORITY_QUEUE: BackendStateType = BackendStateType(3);
    /// Flink 2.x `KEY_VALUE_V2` (the state V2 API); its *ordinal* is 4 (its code is 10).
    pub const KEY_VALUE_V2: BackendStateType = BackendStateType(4);

    /// Flink's enum constant name, `None` for an ordinal no release 1.13 – 2.3 has.
    pub fn name(self) -> Option<&'static str> {
        match self.0 {
            0 => Some("KEY_VALUE"),
            1 => Some("OPERATOR"),
            2 => Some("BROADCAST"),
            3 => Some("PRIORITY_QUEUE"),
            4 => Some("KEY_VALUE_V2"),
            _ => None,
        }
    }
}

/// What a state is, for people: derived from the backend state type and the options.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StateKind {
    Value,
    List,
    Map,
    Reducing,
    Aggregating,
    Folding,
    /// Keyed state whose `KEYED_STATE_TYPE` is absent or `UNKNOWN`.
    KeyedUnknown,
    /// Timers (`InternalTimer`s in a priority queue) and other priority-queue states.
    PriorityQueue,
    /// Operator list state redistributed by splitting (`SPLIT_DISTRIBUTE`).
    OperatorList,
    /// Operator list state handed whole to every subtask (`UNION`).
    OperatorUnion,
    /// Broadcast (map) state.
    Broadcast,
    /// A backend state type or option value no release 1.13 – 2.3 writes.
    Other,
}

impl StateKind {
    /// Lower-case name used in every output (`value`, `list`, `map`, `reducing`, `aggregating`,
    /// `folding`, `keyed-unknown`, `priority-queue`, `operator-list`, `operator-union`,
    /// `broadcast`, `other`).
    pub fn as_str(self) -> &'static str {
        match self {
            StateKind::Value => "value",
            StateKind::List => "list",
            StateKind::Map => "map",
            StateKind::Reducing => "reducing",
            StateKind::Aggregating => "aggregating",
            StateKind::Folding => "folding",
            StateKind::KeyedUnknown => "keyed-unknown",
            StateKind::PriorityQueue => "priority-queue",
            StateKind::OperatorList => "operator-list",
            StateKind::OperatorUnion => "operator-union",
            StateKind::Broadcast => "broadcast",
            StateKind::Other => "other",
        }
    }
}

/// One `StateMetaInfoSnapshot`.
#[derive(Clone, Debug, PartialEq)]
pub struct StateMetaInfo {
    /// The state's name (the descriptor's name; `_timer_state/event_window-timers` style names
    /// for timers).
    pub name: String,
    pub backend_type: BackendStateType,
    /// The options map in file order (`KEYED_STATE_TYPE` → `VALUE`…,
    /// `OPERATOR_STATE_DISTRIBUTION_MODE` → `SPLIT_DISTRIBUTE`…).
    pub options: Vec<(String, String)>,
    /// Role (`KEY_SERIALIZER`, `NAMESPACE_SERIALIZER`, `VALUE_SERIALIZER`,
    /// `USER_KEY_SERIALIZER`…) → serializer snapshot, in file order. A role whose snapshot
    /// could not be decoded is present with an [`SnapshotLayout::Unknown`] node.
    pub serializers: Vec<(String, SerializerSnapshot)>,
}

impl StateMetaInfo {
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn serializer(&self, role: &str) -> Option<&SerializerSnapshot> {
        self.serializers
            .iter()
            .find(|(k, _)| k == role)
            .map(|(_, v)| v)
    }

    /// The kind, from the backend state type and `KEYED_STATE_TYPE` /
    /// `OPERATOR_STATE_DISTRIBUTION_MODE`.
    pub fn kind(&self) -> StateKind {
        match self.backend_type {
            BackendStateType::KEY_VALUE | BackendStateType::KEY_VALUE_V2 => {
                match self.option("KEYED_STATE_TYPE") {
                    Some("VALUE") => StateKind::Value,
                    Some("LIST") => StateKind::List,
                    Some("MAP") => StateKind::Map,
                    Some("REDUCING") => StateKind::Reducing,
                    Some("AGGREGATING") => StateKind::Aggregating,
                    Some("FOLDING") => StateKind::Folding,
                    None | Some("UNKNOWN") => StateKind::KeyedUnknown,
                    Some(_) => StateKind::Other,
                }
            }
            BackendStateType::OPERATOR => match self.option("OPERATOR_STATE_DISTRIBUTION_MODE") {
                Some("UNION") => StateKind::OperatorUnion,
                Some("SPLIT_DISTRIBUTE") | None => StateKind::OperatorList,
                Some("BROADCAST") => StateKind::Broadcast,
                Some(_) => StateKind::Other,
            },
            BackendStateType::BROADCAST => StateKind::Broadcast,
            BackendStateType::PRIORITY_QUEUE => StateKind::PriorityQueue,
            _ => StateKind::Other,
        }
    }

    /// Whether the state was written with time-to-live: its value serializer is Flink's TTL
    /// wrapper (`TtlStateFactory$TtlSerializerSnapshot`, or a `TtlAwareSerializerSnapshot` that
    /// says TTL is enabled). TTL settings themselves (durations, update types) are not in the
    /// file; only the wrapped value (and its timestamp) are.
    pub fn ttl(&self) -> bool {
        self.serializers.iter().any(|(role, s)| {
            role == "VALUE_SERIALIZER"
                && (s
                    .class_name
                    .ends_with("TtlStateFactory$TtlSerializerSnapshot")
                    || s.details
                        .iter()
                        .any(|(k, v)| k == "ttl_enabled" && v == "true"))
        })
    }
}

/// How the class-specific part of a serializer snapshot was laid out and decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SnapshotLayout {
    /// `SimpleTypeSerializerSnapshot` (no content from version 3; a class name in version 2).
    Simple,
    /// `CompositeTypeSerializerSnapshot`: an outer snapshot (with its own version) and nested
    /// snapshots ([`SerializerSnapshot::children`]).
    Composite,
    /// `GenericTypeSerializerSnapshot` (`ValueSerializer`, `CopyableValueSerializer`,
    /// `WritableSerializer`…): one class name.
    Generic,
    /// `PojoSerializerSnapshot` ([`SerializerSnapshot::pojo`]).
    Pojo,
    /// `KryoSerializerSnapshot` ([`SerializerSnapshot::kryo`]).
    Kryo,
    /// `EnumSerializer$EnumSerializerSnapshot`: enum class and constants.
    Enum,
    /// `AvroSerializerSnapshot`: runtime type and schema.
    Avro,
    /// A legacy `TypeSerializerConfigSnapshot` (written by user serializers up to Flink 1.16;
    /// Flink 1.17+ refuses to read it): the Java-serialized serializer's class is in
    /// `details` (`legacy_serializer`); the content after it has no length, so decoding of the
    /// header stopped here.
    Legacy,
    /// Any other class flinspect knows the layout of (table runtime serializers, TTL-aware
    /// wrapper, Scala enum, …): what it records is in `details` and `children`.
    Custom,
    /// A class flinspect does not know: nothing after its version could be decoded, and the
    /// header's decoding stopped here (see the header's `stopped`).
    Unknown,
}

impl SnapshotLayout {
    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotLayout::Simple => "simple",
            SnapshotLayout::Composite => "composite",
            SnapshotLayout::Generic => "generic",
            SnapshotLayout::Pojo => "pojo",
            SnapshotLayout::Kryo => "kryo",
            SnapshotLayout::Enum => "enum",
            SnapshotLayout::Avro => "avro",
            SnapshotLayout::Legacy => "legacy",
            SnapshotLayout::Custom => "custom",
            SnapshotLayout::Unknown => "unknown",
        }
    }
}

/// One `TypeSerializerSnapshot`.
#[derive(Clone, Debug, PartialEq)]
pub struct SerializerSnapshot {
    /// The snapshot class's binary name as written (`a.b.Outer$Inner`).
    pub class_name: String,
    /// The snapshot's version (`getCurrentVersion()` of the writer).
    pub version: i32,
    pub layout: SnapshotLayout,
    /// A `CompositeTypeSerializerSnapshot`'s outer snapshot version; `None` for other layouts
    /// and for composite snapshots in the legacy layout (version ≤ 2, no outer version).
    pub outer_version: Option<i32>,
    /// The class this snapshot names: the POJO class, tuple class, Kryo type, enum class,
    /// generic type, Avro runtime type, array component class, Scala case class.
    pub type_class: Option<String>,
    /// Nested snapshots in file order (see [`Nested`]).
    pub children: Vec<Nested>,
    /// A POJO's fields and subclasses (layout [`SnapshotLayout::Pojo`]).
    pub pojo: Option<PojoSnapshot>,
    /// A Kryo serializer's registrations and default serializers (layout
    /// [`SnapshotLayout::Kryo`]).
    pub kryo: Option<KryoSnapshot>,
    /// Other recorded scalars, `(name, value)` in file order: `null_padding_length`,
    /// `supports_row_kind`, `enum_constants` (comma-separated), `avro_schema`, `ttl_enabled`,
    /// `precision`, `scale`, `num_fields`, `logical_types` (comma-separated Java class names of a
    /// table `RowDataSerializer`'s `LogicalType`s), `cbf_code`, `legacy_class` (version-2 simple
    /// snapshots) …
    pub details: Vec<(String, String)>,
}

impl SerializerSnapshot {
    /// The simple name of the snapshot class: `LongSerializer$LongSerializerSnapshot` →
    /// `LongSerializerSnapshot`.
    pub fn simple_name(&self) -> &str {
        let tail = self
            .class_name
            .rsplit('.')
            .next()
            .unwrap_or(&self.class_name);
        tail.rsplit('$').next().unwrap_or(tail)
    }

    /// The serializer this snapshot describes, for people: the snapshot class's simple name
    /// without its `Snapshot` suffix when that names a serializer
    /// (`LongSerializer$LongSerializerSnapshot` → `LongSerializer`,
    /// `TimeWindow$Serializer$TimeWindowSerializerSnapshot` → `TimeWindowSerializer`,
    /// `PojoSerializerSnapshot` → `PojoSerializer`), else the outermost class's name.
    pub fn serializer_name(&self) -> &str {
        let tail = self
            .class_name
            .rsplit('.')
            .next()
            .unwrap_or(&self.class_name);
        let last = tail.rsplit('$').next().unwrap_or(tail);
        for suffix in ["SnapshotV2", "ConfigSnapshot", "Snapshot"] {
            if let Some(stem) = last.strip_suffix(suffix) {
                if stem.ends_with("Serializer") {
                    return stem;
                }
            }
        }
        tail.split('$').next().unwrap_or(tail)
    }

    pub fn detail(&self, name: &str) -> Option<&str> {
        self.details
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every node of the tree, depth first, this one first.
    pub fn walk<'s>(&'s self, f: &mut dyn FnMut(&'s SerializerSnapshot)) {
        f(self);
        for c in &self.children {
            if let Some(s) = &c.snapshot {
                s.walk(f);
            }
        }
    }

    /// Whether this node or one below it could not be decoded.
    pub fn has_unknown(&self) -> bool {
        let mut unknown = false;
        self.walk(&mut |s| unknown |= s.layout == SnapshotLayout::Unknown);
        unknown
    }
}

/// One nested snapshot of a [`SerializerSnapshot`], with the role it plays.
#[derive(Clone, Debug, PartialEq)]
pub struct Nested {
    pub role: NestedRole,
    /// `None` when Flink recorded no snapshot here (a POJO field whose snapshot it could not
    /// write, or a length-framed entry flinspect could not decode: see `NestedRole`).
    pub snapshot: Option<SerializerSnapshot>,
}

impl Nested {
    /// The label of this edge in a serializer path: `element`, `key`, `value`, `field 2`,
    /// `field items`, `subclass com.x.Y`, `wrapped`, `nested 1`.
    pub fn label(&self) -> String {
        match &self.role {
            NestedRole::Position { index, name } => match name {
                Some("field") => format!("field {index}"),
                Some(n) => (*n).to_string(),
                None => format!("nested {index}"),
            },
            NestedRole::Field { name, .. } => format!("field {name}"),
            NestedRole::RegisteredSubclass(c) => format!("subclass {c}"),
            NestedRole::NonRegisteredSubclass(c) => format!("unregistered subclass {c}"),
            NestedRole::Wrapped => "wrapped".to_string(),
        }
    }
}

/// What a nested snapshot is to its parent.
#[derive(Clone, Debug, PartialEq)]
pub enum NestedRole {
    /// The `index`-th nested snapshot of a composite (or a `RowDataSerializer`), with the name
    /// Flink's class gives that position when flinspect knows it (`element`, `key`, `value`,
    /// `timestamp`, `left`, `right`, `namespace`…; `field` for the fields of tuples, rows and
    /// case classes, labelled `field <index>`).
    Position {
        index: u32,
        name: Option<&'static str>,
    },
    /// A POJO field: its name as recorded, and the declaring class when the frame recorded one.
    Field {
        name: String,
        declaring_class: Option<String>,
    },
    /// A subclass registered with the `ExecutionConfig` and its serializer.
    RegisteredSubclass(String),
    /// A subclass met at runtime without registration, and its serializer.
    NonRegisteredSubclass(String),
    /// The snapshot a wrapper (`TtlAwareSerializerSnapshot`) carries.
    Wrapped,
}

/// What a `PojoSerializerSnapshot` records besides the field serializers (which are the
/// parent's `children`, role [`NestedRole::Field`], in field order).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PojoSnapshot {
    /// Field names in the order of the POJO serializer (its `children` follow the same order).
    pub fields: Vec<String>,
    pub registered_subclasses: Vec<String>,
    pub non_registered_subclasses: Vec<String>,
}

/// What a `KryoSerializerSnapshot` records (`KryoSerializerSnapshotData`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct KryoSnapshot {
    /// Registrations in registration order (Kryo assigns ids in this order).
    pub registrations: Vec<KryoRegistration>,
    /// `addDefaultKryoSerializer(Class, Serializer instance)`: the type's class name and the
    /// serializer instance's class, when its Java-serialized form named one.
    pub default_serializers: Vec<(String, Option<String>)>,
    /// `addDefaultKryoSerializer(Class, Class)`: the type's class name and the serializer class
    /// (the entry's frame is not decoded beyond its key; `None`).
    pub default_serializer_classes: Vec<(String, Option<String>)>,
}

/// One Kryo registration.
#[derive(Clone, Debug, PartialEq)]
pub struct KryoRegistration {
    /// The map key Flink wrote (the registered class's name).
    pub name: String,
    /// The registered class as its frame recorded it (`None` when the frame was absent).
    pub registered_class: Option<String>,
    pub serializer: KryoSerializerDefinition,
}

/// `KryoRegistration.SerializerDefinitionType` and what it names.
#[derive(Clone, Debug, PartialEq)]
pub enum KryoSerializerDefinition {
    /// Kryo's default serializer for the class.
    Unspecified,
    /// A serializer class.
    Class(String),
    /// A Java-serialized serializer instance; its class when the stream named it.
    Instance(Option<String>),
    /// The frame was absent (Flink could not write it) or could not be decoded.
    Missing,
    /// An ordinal no release knows.
    Other(i32),
}

/// Where and why decoding of a header stopped early. Everything before `offset` was decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stopped {
    /// Absolute byte offset in the stream (file or inline bytes) where decoding stopped.
    pub offset: u64,
    /// One line naming what was expected (and the snapshot class, for an unknown class).
    pub message: String,
}

/// `KeyedBackendSerializationProxy`: the head of a keyed-state file or meta-data stream.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyedBackendMeta {
    /// The proxy version (6 for every release 1.8 – 2.3).
    pub version: i32,
    /// Whether key groups are written compressed (Snappy).
    pub compression: bool,
    /// The key serializer snapshot; `None` only when decoding stopped before it.
    pub key_serializer: Option<SerializerSnapshot>,
    /// The number of states the header declares.
    pub declared_states: u32,
    /// The states decoded, in file order (fewer than declared when `stopped`).
    pub states: Vec<StateMetaInfo>,
    pub stopped: Option<Stopped>,
}

/// `OperatorBackendSerializationProxy`: the head of an operator-state stream.
#[derive(Clone, Debug, PartialEq)]
pub struct OperatorBackendMeta {
    /// The proxy version (5 up to Flink 1.17, 6 from 1.18).
    pub version: i32,
    /// Whether operator states are written compressed; `None` before proxy version 6.
    pub compression: Option<bool>,
    pub declared_operator_states: u32,
    pub declared_broadcast_states: u32,
    /// Operator (list/union) states in file order.
    pub operator_states: Vec<StateMetaInfo>,
    /// Broadcast states in file order.
    pub broadcast_states: Vec<StateMetaInfo>,
    pub stopped: Option<Stopped>,
}

impl OperatorBackendMeta {
    /// Operator states, then broadcast states.
    pub fn states(&self) -> impl Iterator<Item = &StateMetaInfo> {
        self.operator_states
            .iter()
            .chain(self.broadcast_states.iter())
    }
}

/// Either header.
// One value per header read (a few per subtask), never in bulk: boxing the larger variant would
// only make matching on it clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum BackendMeta {
    Keyed(KeyedBackendMeta),
    Operator(OperatorBackendMeta),
}

impl BackendMeta {
    pub fn states(&self) -> Box<dyn Iterator<Item = &StateMetaInfo> + '_> {
        match self {
            BackendMeta::Keyed(k) => Box::new(k.states.iter()),
            BackendMeta::Operator(o) => Box::new(o.states()),
        }
    }

    pub fn stopped(&self) -> Option<&Stopped> {
        match self {
            BackendMeta::Keyed(k) => k.stopped.as_ref(),
            BackendMeta::Operator(o) => o.stopped.as_ref(),
        }
    }
}

/// Which header of a subtask a [`StateFileMeta`] was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HeaderSource {
    /// Managed keyed state: a key-groups file (heap, canonical, RocksDB full), or the meta-data
    /// stream of a RocksDB/ForSt incremental or native snapshot, or the materialized part of a
    /// changelog snapshot.
    Keyed,
    /// Managed operator state (list, union and broadcast states).
    Operator,
}

impl HeaderSource {
    pub fn as_str(self) -> &'static str {
        match self {
            HeaderSource::Keyed => "keyed",
            HeaderSource::Operator => "operator",
        }
    }
}

/// The header of one state stream of one subtask, and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct StateFileMeta {
    /// The operator (32 hex digits) and subtask the handle belongs to.
    pub operator: super::OperatorId,
    pub subtask: u32,
    pub source: HeaderSource,
    /// The Java class of the handle that referenced the stream (`KeyGroupsStateHandle`,
    /// `IncrementalRemoteKeyedStateHandle`, `OperatorStreamStateHandle`, …).
    pub handle_class: &'static str,
    /// Where the bytes were read: a local path, or `inline` for bytes inside `_metadata`
    /// (with `@start` for a byte range of a file-merging segment).
    pub location: String,
    /// The decoded header (possibly partial: see its `stopped`), or why nothing could be
    /// decoded (the file is missing, remote, not a header…).
    pub meta: Result<BackendMeta, String>,
}

/// Where a distinct state of an operator lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StateScope {
    /// A keyed state (value, list, map, …) or a timer/priority-queue state.
    Keyed,
    /// An operator list or union state.
    Operator,
    /// A broadcast state.
    Broadcast,
}

impl StateScope {
    pub fn as_str(self) -> &'static str {
        match self {
            StateScope::Keyed => "keyed",
            StateScope::Operator => "operator",
            StateScope::Broadcast => "broadcast",
        }
    }
}

/// One distinct state of an operator: every subtask's header that declares a state of this
/// scope and name with this meta information.
#[derive(Clone, Debug, PartialEq)]
pub struct StateEntry {
    pub scope: StateScope,
    pub meta: StateMetaInfo,
    /// Subtasks whose header declares it with exactly this meta information, ascending.
    pub subtasks: Vec<u32>,
}

/// The state meta information of one operator, merged over its subtasks' headers.
#[derive(Clone, Debug, PartialEq)]
pub struct OperatorStates {
    pub operator: super::OperatorId,
    /// The key serializer snapshots the keyed headers record (one normally; more if subtasks
    /// disagree).
    pub key_serializers: Vec<SerializerSnapshot>,
    /// Distinct states ordered by scope, then name (then file order of first appearance). Two
    /// entries with the same scope and name mean subtasks recorded different meta information.
    pub states: Vec<StateEntry>,
    /// Every header read, in subtask order (the evidence; errors and partial reads included).
    pub headers: Vec<StateFileMeta>,
}

impl OperatorStates {
    /// Each distinct state once, as findings and reports name it: `keyed "count" (value)`.
    pub fn labels(&self) -> Vec<String> {
        let mut seen = std::collections::BTreeSet::new();
        self.states
            .iter()
            .filter(|e| seen.insert((e.scope, e.meta.name.as_str())))
            .map(|e| {
                format!(
                    "{} {:?} ({})",
                    e.scope.as_str(),
                    e.meta.name,
                    e.meta.kind().as_str()
                )
            })
            .collect()
    }

    /// Headers that could not be read at all or stopped early.
    pub fn problems(&self) -> impl Iterator<Item = (&StateFileMeta, String)> {
        self.headers.iter().filter_map(|h| match &h.meta {
            Err(e) => Some((h, e.clone())),
            Ok(m) => m
                .stopped()
                .map(|s| (h, format!("{} at offset {:#x}", s.message, s.offset))),
        })
    }
}
