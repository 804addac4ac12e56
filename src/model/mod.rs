//! What a snapshot *is*: version-independent types that borrow from the `_metadata` bytes.
//!
//! Architecture invariant: nothing here reads files, decodes bytes or prints. The decoder in
//! [`crate::format`] builds these values; everything else reads them.

mod bytes;
mod handle;
mod ids;
pub mod keygroups;
mod labels;
mod properties;
mod version;

pub use bytes::{BeI64s, JavaStr};
pub use handle::*;
pub use ids::{murmur3_x64_128, OperatorId};
pub use keygroups::{KeyGroupRange, KeyGroupRangeOffsets};
pub use labels::UidLabels;
pub use properties::{CheckpointProperties, SavepointFormat, SnapshotClass};
pub use version::{Layout, MetadataVersion, Release, LAYOUTS};

/// Adds sizes as Java's `long` arithmetic does in Flink's `getStateSize()`: wrapping on
/// overflow. Sizes come from the file, so a plain `sum()` could overflow (and panic in debug).
pub fn sum_sizes(sizes: impl IntoIterator<Item = i64>) -> i64 {
    sizes.into_iter().fold(0, i64::wrapping_add)
}

/// One decoded `_metadata` file (`CheckpointMetadata`).
#[derive(Clone, Debug, PartialEq)]
pub struct Metadata<'a> {
    pub version: MetadataVersion,
    pub checkpoint_id: i64,
    pub master_states: Vec<MasterState<'a>>,
    pub operators: Vec<OperatorState<'a>>,
    /// The V4+ trailer: the only place the file says whether it is a checkpoint or a savepoint.
    pub properties: Option<CheckpointProperties<'a>>,
    /// A V4+ file whose trailer is a Java `null` instead of `CheckpointProperties`: written by
    /// the State Processor API (`SavepointWriter` and the tools built on it), which records no
    /// kind or format. `properties` is then `None` too.
    pub properties_null: bool,
    /// Bytes after the end of the metadata that Flink ignores (normally 0).
    pub trailing_bytes: usize,
    /// The file's length in bytes.
    pub len: usize,
}

impl<'a> Metadata<'a> {
    /// Sum of every operator's state size (Flink's `CompletedCheckpoint.getStateSize()`).
    pub fn state_size(&self) -> i64 {
        self.operators
            .iter()
            .map(OperatorState::state_size)
            .fold(0, i64::wrapping_add)
    }

    pub fn operator(&self, id: &OperatorId) -> Option<&OperatorState<'a>> {
        self.operators.iter().find(|o| &o.id == id)
    }
}

/// A master state written by a `MasterTriggerRestoreHook`.
#[derive(Clone, Debug, PartialEq)]
pub struct MasterState<'a> {
    pub name: JavaStr<'a>,
    pub version: i32,
    pub payload: &'a [u8],
}

/// One operator's state (`OperatorState`, or `FullyFinishedOperatorState`).
#[derive(Clone, Debug, PartialEq)]
pub struct OperatorState<'a> {
    pub id: OperatorId,
    /// V5+ only; `None` when not recorded or recorded empty.
    pub name: Option<JavaStr<'a>>,
    /// V5+ only; `None` when not recorded or the operator had no uid.
    pub uid: Option<JavaStr<'a>>,
    pub parallelism: i32,
    pub max_parallelism: i32,
    /// Operator-coordinator state (e.g. a FLIP-27 source's split enumerator), always inline.
    pub coordinator: Option<StreamHandle<'a>>,
    /// All subtasks had finished (count −1 on the wire, from Flink 1.14).
    pub fully_finished: bool,
    /// Sorted by index; a repeated index keeps the last record, as Flink's map does.
    pub subtasks: Vec<SubtaskState<'a>>,
}

impl<'a> OperatorState<'a> {
    /// `OperatorState.getStateSize()`: coordinator bytes plus every subtask's size.
    pub fn state_size(&self) -> i64 {
        let coordinator = self
            .coordinator
            .as_ref()
            .map_or(0, StreamHandle::state_size);
        self.subtasks
            .iter()
            .map(SubtaskState::state_size)
            .fold(coordinator, i64::wrapping_add)
    }

    /// Whether restoring this operator needs a matching operator in the new job: Flink skips
    /// operators whose subtasks hold no handles and which have no coordinator state.
    pub fn has_state(&self) -> bool {
        self.coordinator.is_some() || self.subtasks.iter().any(SubtaskState::has_state)
    }

    pub fn has_keyed_state(&self) -> bool {
        self.subtasks
            .iter()
            .any(|s| s.managed_keyed.is_some() || s.raw_keyed.is_some())
    }

    pub fn keyed_handles(&self) -> impl Iterator<Item = &KeyedHandle<'a>> {
        self.subtasks
            .iter()
            .flat_map(|s| s.managed_keyed.iter().chain(s.raw_keyed.as_deref()))
    }

    pub fn operator_handles(&self) -> impl Iterator<Item = &OperatorHandle<'a>> {
        self.subtasks
            .iter()
            .flat_map(|s| s.managed_operator.iter().chain(s.raw_operator.as_deref()))
    }

    pub fn channel_handles(&self) -> impl Iterator<Item = &ChannelHandle<'a>> {
        self.subtasks
            .iter()
            .flat_map(|s| s.input_channels.iter().chain(s.output_channels.iter()))
    }
}

/// One subtask's state (`OperatorSubtaskState`, or `FinishedOperatorSubtaskState`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct SubtaskState<'a> {
    pub index: u32,
    /// The subtask had finished (negative index on the wire, from Flink 1.14); no handles.
    pub finished: bool,
    pub managed_operator: Option<OperatorHandle<'a>>,
    /// Raw operator state: rare (legacy sources and user operators writing raw streams), so
    /// boxed, keeping every subtask record ~230 bytes smaller.
    pub raw_operator: Option<Box<OperatorHandle<'a>>>,
    pub managed_keyed: Option<KeyedHandle<'a>>,
    /// Raw keyed state: rare, boxed like `raw_operator`.
    pub raw_keyed: Option<Box<KeyedHandle<'a>>>,
    pub input_channels: Vec<ChannelHandle<'a>>,
    pub output_channels: Vec<ChannelHandle<'a>>,
}

impl SubtaskState<'_> {
    /// `OperatorSubtaskState.getStateSize()`.
    pub fn state_size(&self) -> i64 {
        let ops = self
            .managed_operator
            .iter()
            .chain(self.raw_operator.as_deref())
            .map(OperatorHandle::state_size);
        let keyed = self
            .managed_keyed
            .iter()
            .chain(self.raw_keyed.as_deref())
            .map(KeyedHandle::state_size);
        let channels = self
            .input_channels
            .iter()
            .chain(self.output_channels.iter())
            .map(|c| c.state_size);
        ops.chain(keyed).chain(channels).fold(0, i64::wrapping_add)
    }

    /// `OperatorSubtaskState.hasState()`: any handle at all.
    pub fn has_state(&self) -> bool {
        self.managed_operator.is_some()
            || self.raw_operator.is_some()
            || self.managed_keyed.is_some()
            || self.raw_keyed.is_some()
            || !self.input_channels.is_empty()
            || !self.output_channels.is_empty()
    }
}
