//! Named limits. Every count and length read from a file is checked against one of these *and*
//! against the bytes that remain before anything is allocated or sliced, so a small file that
//! claims 2^31 operators costs nothing.

/// Operators in one snapshot. Real jobs have hundreds; a few thousand is already extreme.
pub const MAX_OPERATORS: u64 = 1 << 20;
/// Subtasks per operator: Flink's upper bound for max parallelism (2^15).
pub const MAX_SUBTASKS: u64 = 1 << 15;
/// Key groups in one range: at most the max parallelism bound.
pub const MAX_KEY_GROUPS: u64 = 1 << 15;
/// Master states (checkpoint hooks) in one snapshot.
pub const MAX_MASTER_STATES: u64 = 1 << 16;
/// Entries of one list inside a handle (shared files, named states, changes, channels).
pub const MAX_LIST_ENTRIES: u64 = 1 << 24;
/// Nesting of handles inside handles (key-groups-as-stream, changelog wrappers).
pub const MAX_HANDLE_DEPTH: u32 = 8;
/// Nesting of objects in the Java-serialized trailer.
pub const MAX_JAVA_DEPTH: u32 = 16;
/// Handles (objects, strings, class descriptors) in the Java-serialized trailer.
pub const MAX_JAVA_HANDLES: usize = 1024;
/// Fields of one class descriptor in the Java-serialized trailer.
pub const MAX_JAVA_FIELDS: u64 = 256;
/// States declared in one keyed or operator backend header (Flink writes the count as a short).
pub const MAX_STATES: u64 = 1 << 15;
/// Options of one state meta info.
pub const MAX_STATE_OPTIONS: u64 = 1 << 10;
/// Serializer snapshots of one state meta info.
pub const MAX_STATE_SERIALIZERS: u64 = 1 << 10;
/// Nesting of serializer snapshots inside serializer snapshots (composite, POJO fields, …).
pub const MAX_SNAPSHOT_DEPTH: u32 = 64;
/// Nested snapshots of one composite snapshot, entries of one optional map (POJO fields,
/// subclasses, Kryo registrations), enum constants, `LogicalType`s of one row.
pub const MAX_SNAPSHOT_ENTRIES: u64 = 1 << 16;
/// Serializer snapshot nodes decoded from one header in total (a tree of 64 levels with many
/// children could otherwise be exponential in the bytes).
pub const MAX_SNAPSHOT_NODES: u64 = 1 << 20;
/// Bytes of one length frame inside a snapshot (POJO field, Kryo registration, Java-serialized
/// legacy serializer, …).
pub const MAX_SNAPSHOT_FRAME: u64 = 1 << 30;
/// Nesting inside one Java-serialized object of a snapshot (`LogicalType`s, comparators).
pub const MAX_JAVA_OBJECT_DEPTH: u32 = 64;
/// Handles (objects, strings, descriptors) in one Java-serialized object of a snapshot.
pub const MAX_JAVA_OBJECT_HANDLES: u64 = 1 << 16;
/// Characters of a `StringValue`-encoded string (an Avro schema).
pub const MAX_STRING_VALUE_CHARS: u64 = 1 << 26;
