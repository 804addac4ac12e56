//! The V4+ trailer: a Java-serialized `org.apache.flink.runtime.checkpoint.CheckpointProperties`.

use super::bytes::JavaStr;

/// What the file records about itself (`CheckpointProperties` and its `SnapshotType`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct CheckpointProperties<'a> {
    pub forced: bool,
    pub discard_subsumed: bool,
    pub discard_finished: bool,
    pub discard_cancelled: bool,
    pub discard_failed: bool,
    pub discard_suspended: bool,
    pub unclaimed: bool,
    /// The Java class of `checkpointType`.
    pub snapshot_class: SnapshotClass,
    /// `SnapshotType.getName()`: "Checkpoint", "Full Checkpoint", "Savepoint", "Terminate Savepoint"…
    pub type_name: Option<JavaStr<'a>>,
    /// `SavepointType.formatType`.
    pub format: Option<SavepointFormat>,
    /// `CheckpointType.sharingFilesStrategy` enum constant.
    pub sharing_files_strategy: Option<JavaStr<'a>>,
    /// `SavepointType.postCheckpointAction` enum constant.
    pub post_checkpoint_action: Option<JavaStr<'a>>,
}

impl CheckpointProperties<'_> {
    pub fn is_savepoint(&self) -> bool {
        self.snapshot_class == SnapshotClass::Savepoint
    }
}

/// Which `SnapshotType` implementation the trailer holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SnapshotClass {
    /// `org.apache.flink.runtime.checkpoint.CheckpointType`.
    Checkpoint,
    /// `org.apache.flink.runtime.checkpoint.SavepointType`.
    Savepoint,
    /// A class flinspect does not know (a newer Flink); kept as "unknown", never guessed.
    #[default]
    Unknown,
}

/// `org.apache.flink.core.execution.SavepointFormatType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SavepointFormat {
    Canonical,
    Native,
}

impl SavepointFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            SavepointFormat::Canonical => "canonical",
            SavepointFormat::Native => "native",
        }
    }
}
