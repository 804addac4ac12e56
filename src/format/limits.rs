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
