//! State handles: what a subtask's state is made of, as `MetadataV2V3SerializerBase` writes it.
//!
//! Each enum mirrors one handle *position* of the wire format (stream, keyed, operator, channel)
//! and keeps the wire code it came from, so a newer code written for the same Java class
//! (`KeyGroupsStateHandle` as 3 or 12) stays visible. Sizes follow Flink's `getStateSize()`.

use super::bytes::{BeI64s, JavaStr};
use super::keygroups::{KeyGroupRange, KeyGroupRangeOffsets};

/// A wire type code of the handle namespace shared by stream, keyed and operator handles
/// (`MetadataV2V3SerializerBase` constants). An open newtype: an unknown code is data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HandleCode(pub u8);

impl HandleCode {
    pub const NULL: HandleCode = HandleCode(0);
    pub const BYTE_STREAM: HandleCode = HandleCode(1);
    pub const FILE_STREAM: HandleCode = HandleCode(2);
    pub const KEY_GROUPS: HandleCode = HandleCode(3);
    pub const PARTITIONABLE_OPERATOR: HandleCode = HandleCode(4);
    pub const INCREMENTAL_KEY_GROUPS: HandleCode = HandleCode(5);
    pub const RELATIVE_STREAM: HandleCode = HandleCode(6);
    pub const SAVEPOINT_KEY_GROUPS: HandleCode = HandleCode(7);
    pub const CHANGELOG: HandleCode = HandleCode(8);
    pub const CHANGELOG_BYTE_INCREMENT: HandleCode = HandleCode(9);
    pub const CHANGELOG_FILE_INCREMENT: HandleCode = HandleCode(10);
    pub const INCREMENTAL_KEY_GROUPS_V2: HandleCode = HandleCode(11);
    pub const KEY_GROUPS_V2: HandleCode = HandleCode(12);
    pub const CHANGELOG_FILE_INCREMENT_V2: HandleCode = HandleCode(13);
    pub const CHANGELOG_V2: HandleCode = HandleCode(14);
    pub const SEGMENT_FILE: HandleCode = HandleCode(15);
    pub const EMPTY_SEGMENT_FILE: HandleCode = HandleCode(16);
    pub const SEGMENT_PARTITIONABLE_OPERATOR: HandleCode = HandleCode(17);
}

/// A `StreamStateHandle`: a stream of bytes somewhere (inline, a file, a byte range of a file).
#[derive(Clone, Debug, PartialEq)]
pub enum StreamHandle<'a> {
    /// Code 1, `ByteStreamStateHandle`: the bytes are inline in `_metadata`.
    ByteStream { name: JavaStr<'a>, data: &'a [u8] },
    /// Code 2, `FileStateHandle`: an absolute path (a URI string such as `file:/…`, `s3://…`).
    File { path: JavaStr<'a>, size: i64 },
    /// Code 6, `RelativeFileStateHandle`: a file name relative to the directory holding `_metadata`.
    RelativeFile {
        relative_path: JavaStr<'a>,
        size: i64,
    },
    /// Code 3 in a stream position: a `KeyGroupsStateHandle` stored where a stream is expected.
    KeyGroups(Box<KeyGroupsHandle<'a>>),
    /// Code 15, `SegmentFileStateHandle`: the byte range `[start_pos, start_pos + size)` of a
    /// physical file shared by file-merging checkpoints.
    Segment {
        path: JavaStr<'a>,
        start_pos: i64,
        size: i64,
        scope: SegmentScope,
        logical_file_id: JavaStr<'a>,
    },
    /// Code 16, `EmptySegmentFileStateHandle`.
    EmptySegment,
}

/// `CheckpointedStateScope` ordinal of a segment handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentScope(pub i32);

impl SegmentScope {
    pub fn name(self) -> Option<&'static str> {
        match self.0 {
            0 => Some("EXCLUSIVE"),
            1 => Some("SHARED"),
            _ => None,
        }
    }
}

impl<'a> StreamHandle<'a> {
    /// Flink's `getStateSize()`.
    pub fn state_size(&self) -> i64 {
        match self {
            StreamHandle::ByteStream { data, .. } => data.len() as i64,
            StreamHandle::File { size, .. } | StreamHandle::RelativeFile { size, .. } => *size,
            StreamHandle::KeyGroups(kg) => kg.delegate.state_size(),
            StreamHandle::Segment { size, .. } => *size,
            StreamHandle::EmptySegment => 0,
        }
    }

    /// The simple name of the Java class Flink builds for this handle.
    pub fn class_name(&self) -> &'static str {
        match self {
            StreamHandle::ByteStream { .. } => "ByteStreamStateHandle",
            StreamHandle::File { .. } => "FileStateHandle",
            StreamHandle::RelativeFile { .. } => "RelativeFileStateHandle",
            StreamHandle::KeyGroups(_) => "KeyGroupsStateHandle",
            StreamHandle::Segment { .. } => "SegmentFileStateHandle",
            StreamHandle::EmptySegment => "EmptySegmentFileStateHandle",
        }
    }

    /// The handle that actually holds bytes: through a key-groups wrapper to its delegate.
    pub fn innermost(&self) -> &StreamHandle<'a> {
        match self {
            StreamHandle::KeyGroups(kg) => kg.delegate.innermost(),
            other => other,
        }
    }
}

/// The body shared by codes 3, 7 and 12: key-group offsets into a delegate stream.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyGroupsHandle<'a> {
    pub offsets: KeyGroupRangeOffsets<'a>,
    pub delegate: StreamHandle<'a>,
    /// The `stateHandleId` (a UUID string) of code 12; absent for 3 and 7.
    pub state_handle_id: Option<JavaStr<'a>>,
}

/// A `KeyedStateHandle`: one subtask's keyed state for one key-group range.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyedHandle<'a> {
    /// Codes 3 and 12, `KeyGroupsStateHandle`: the backend's own full format (heap checkpoints and
    /// native savepoints, RocksDB full checkpoints up to 1.15).
    KeyGroups {
        code: HandleCode,
        handle: KeyGroupsHandle<'a>,
    },
    /// Code 7, `KeyGroupsSavepointStateHandle`: the canonical, backend-neutral savepoint layout.
    SavepointKeyGroups(KeyGroupsHandle<'a>),
    /// Codes 5 and 11, `IncrementalRemoteKeyedStateHandle`: RocksDB/ForSt files.
    Incremental {
        code: HandleCode,
        handle: Box<IncrementalHandle<'a>>,
    },
    /// Codes 8 and 14, `ChangelogStateBackendHandleImpl`.
    Changelog {
        code: HandleCode,
        handle: Box<ChangelogHandle<'a>>,
    },
    /// Code 9, `InMemoryChangelogStateHandle`.
    ChangelogBytes(Box<ChangelogBytesHandle<'a>>),
    /// Codes 10 and 13, `ChangelogStateHandleStreamImpl`.
    ChangelogFile {
        code: HandleCode,
        handle: Box<ChangelogFileHandle<'a>>,
    },
}

impl<'a> KeyedHandle<'a> {
    pub fn code(&self) -> HandleCode {
        match self {
            KeyedHandle::KeyGroups { code, .. }
            | KeyedHandle::Incremental { code, .. }
            | KeyedHandle::Changelog { code, .. }
            | KeyedHandle::ChangelogFile { code, .. } => *code,
            KeyedHandle::SavepointKeyGroups(_) => HandleCode::SAVEPOINT_KEY_GROUPS,
            KeyedHandle::ChangelogBytes(_) => HandleCode::CHANGELOG_BYTE_INCREMENT,
        }
    }

    pub fn class_name(&self) -> &'static str {
        match self {
            KeyedHandle::KeyGroups { .. } => "KeyGroupsStateHandle",
            KeyedHandle::SavepointKeyGroups(_) => "KeyGroupsSavepointStateHandle",
            KeyedHandle::Incremental { .. } => "IncrementalRemoteKeyedStateHandle",
            KeyedHandle::Changelog { .. } => "ChangelogStateBackendHandleImpl",
            KeyedHandle::ChangelogBytes(_) => "InMemoryChangelogStateHandle",
            KeyedHandle::ChangelogFile { .. } => "ChangelogStateHandleStreamImpl",
        }
    }

    pub fn key_groups(&self) -> KeyGroupRange {
        match self {
            KeyedHandle::KeyGroups { handle, .. } | KeyedHandle::SavepointKeyGroups(handle) => {
                handle.offsets.range
            }
            KeyedHandle::Incremental { handle, .. } => handle.key_groups,
            KeyedHandle::Changelog { handle, .. } => handle.key_groups,
            KeyedHandle::ChangelogBytes(h) => h.key_groups,
            KeyedHandle::ChangelogFile { handle, .. } => handle.key_groups,
        }
    }

    /// Flink's `getStateSize()`.
    pub fn state_size(&self) -> i64 {
        match self {
            KeyedHandle::KeyGroups { handle, .. } | KeyedHandle::SavepointKeyGroups(handle) => {
                handle.delegate.state_size()
            }
            KeyedHandle::Incremental { handle, .. } => handle.state_size(),
            KeyedHandle::Changelog { handle, .. } => handle
                .materialized
                .iter()
                .chain(handle.non_materialized.iter())
                .map(KeyedHandle::state_size)
                .fold(0i64, i64::wrapping_add),
            KeyedHandle::ChangelogBytes(h) => {
                super::sum_sizes(h.changes.iter().map(|c| c.data.len() as i64))
            }
            KeyedHandle::ChangelogFile { handle, .. } => handle.state_size,
        }
    }

    /// Every stream handle this keyed handle references, with the role it plays.
    pub fn for_each_stream<'s>(&'s self, f: &mut dyn FnMut(StreamRole, &'s StreamHandle<'a>)) {
        match self {
            KeyedHandle::KeyGroups { handle, .. } | KeyedHandle::SavepointKeyGroups(handle) => {
                f(StreamRole::KeyedData, &handle.delegate)
            }
            KeyedHandle::Incremental { handle, .. } => {
                f(StreamRole::RocksMeta, &handle.meta);
                for e in &handle.shared {
                    f(StreamRole::RocksShared, &e.handle);
                }
                for e in &handle.private {
                    f(StreamRole::RocksPrivate, &e.handle);
                }
            }
            KeyedHandle::Changelog { handle, .. } => {
                for h in handle
                    .materialized
                    .iter()
                    .chain(handle.non_materialized.iter())
                {
                    h.for_each_stream(f);
                }
            }
            KeyedHandle::ChangelogBytes(_) => {}
            KeyedHandle::ChangelogFile { handle, .. } => {
                for (_, h) in &handle.handles {
                    f(StreamRole::ChangelogDelta, h);
                }
            }
        }
    }
}

/// What a referenced stream is for, for listings of files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StreamRole {
    KeyedData,
    OperatorData,
    RocksMeta,
    RocksShared,
    RocksPrivate,
    ChangelogDelta,
    ChannelState,
    Coordinator,
}

impl StreamRole {
    pub fn as_str(self) -> &'static str {
        match self {
            StreamRole::KeyedData => "keyed",
            StreamRole::OperatorData => "operator",
            StreamRole::RocksMeta => "rocksdb-meta",
            StreamRole::RocksShared => "rocksdb-shared",
            StreamRole::RocksPrivate => "rocksdb-private",
            StreamRole::ChangelogDelta => "changelog",
            StreamRole::ChannelState => "channel",
            StreamRole::Coordinator => "coordinator",
        }
    }
}

/// `IncrementalRemoteKeyedStateHandle` (codes 5 and 11).
#[derive(Clone, Debug, PartialEq)]
pub struct IncrementalHandle<'a> {
    pub checkpoint_id: i64,
    pub backend_id: JavaStr<'a>,
    pub key_groups: KeyGroupRange,
    /// What this checkpoint uploaded (code 11 only); not the state size.
    pub checkpointed_size: Option<i64>,
    pub meta: StreamHandle<'a>,
    pub shared: Vec<LocalFile<'a>>,
    pub private: Vec<LocalFile<'a>>,
    pub state_handle_id: Option<JavaStr<'a>>,
}

impl IncrementalHandle<'_> {
    /// meta + shared + private, as `IncrementalRemoteKeyedStateHandle.getStateSize()`.
    pub fn state_size(&self) -> i64 {
        self.shared
            .iter()
            .chain(self.private.iter())
            .map(|e| e.handle.state_size())
            .fold(self.meta.state_size(), i64::wrapping_add)
    }
}

/// One entry of an incremental handle's shared or private list: the file's name inside the
/// RocksDB instance directory (`000042.sst`, `MANIFEST-000005`, …) and where it is stored.
#[derive(Clone, Debug, PartialEq)]
pub struct LocalFile<'a> {
    pub local_path: JavaStr<'a>,
    pub handle: StreamHandle<'a>,
}

/// `ChangelogStateBackendHandleImpl` (codes 8 and 14).
#[derive(Clone, Debug, PartialEq)]
pub struct ChangelogHandle<'a> {
    pub key_groups: KeyGroupRange,
    /// Absent in the 1.14 layout of code 8.
    pub checkpointed_size: Option<i64>,
    pub materialized: Vec<KeyedHandle<'a>>,
    pub non_materialized: Vec<KeyedHandle<'a>>,
    pub materialization_id: Option<i64>,
    /// Code 14 only.
    pub checkpoint_id: Option<i64>,
    pub state_handle_id: Option<JavaStr<'a>>,
}

/// `InMemoryChangelogStateHandle` (code 9).
#[derive(Clone, Debug, PartialEq)]
pub struct ChangelogBytesHandle<'a> {
    pub key_groups: KeyGroupRange,
    pub from: i64,
    pub to: i64,
    pub changes: Vec<StateChange<'a>>,
    pub state_handle_id: Option<JavaStr<'a>>,
}

/// One inline state change of a changelog handle (`keyGroup` −1 is a metadata change).
#[derive(Clone, Debug, PartialEq)]
pub struct StateChange<'a> {
    pub key_group: i32,
    pub data: &'a [u8],
}

/// `ChangelogStateHandleStreamImpl` (codes 10 and 13).
#[derive(Clone, Debug, PartialEq)]
pub struct ChangelogFileHandle<'a> {
    pub key_groups: KeyGroupRange,
    pub handles: Vec<(i64, StreamHandle<'a>)>,
    pub state_size: i64,
    pub checkpointed_size: Option<i64>,
    pub state_handle_id: Option<JavaStr<'a>>,
    /// Code 13 only; code 10 means "filesystem".
    pub storage_identifier: Option<JavaStr<'a>>,
}

/// `OperatorStateHandle.Mode` ordinal. An open newtype: Flink itself fails on unknown ordinals,
/// and so does the strict decoder, but the value is kept as data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DistributionMode(pub u8);

impl DistributionMode {
    pub const SPLIT_DISTRIBUTE: DistributionMode = DistributionMode(0);
    pub const UNION: DistributionMode = DistributionMode(1);
    pub const BROADCAST: DistributionMode = DistributionMode(2);

    pub fn name(self) -> Option<&'static str> {
        match self.0 {
            0 => Some("SPLIT_DISTRIBUTE"),
            1 => Some("UNION"),
            2 => Some("BROADCAST"),
            _ => None,
        }
    }
}

/// One named operator state inside an operator handle, with the offsets of its elements in the
/// delegate stream.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedOperatorState<'a> {
    pub name: JavaStr<'a>,
    pub mode: DistributionMode,
    pub offsets: BeI64s<'a>,
}

/// An `OperatorStateHandle` (codes 4 and 17).
#[derive(Clone, Debug, PartialEq)]
pub struct OperatorHandle<'a> {
    pub code: HandleCode,
    pub states: Vec<NamedOperatorState<'a>>,
    /// Code 17 only: task-owned and shared directories, and whether the handle is the empty one.
    pub file_merging: Option<FileMergingDirs<'a>>,
    pub delegate: StreamHandle<'a>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FileMergingDirs<'a> {
    pub task_owned_dir: JavaStr<'a>,
    pub shared_dir: JavaStr<'a>,
    pub is_empty: bool,
}

impl OperatorHandle<'_> {
    pub fn state_size(&self) -> i64 {
        self.delegate.state_size()
    }

    pub fn class_name(&self) -> &'static str {
        match &self.file_merging {
            None => "OperatorStreamStateHandle",
            Some(d) if d.is_empty => "EmptyFileMergingOperatorStreamStateHandle",
            Some(_) => "FileMergingOperatorStreamStateHandle",
        }
    }
}

/// Whether a channel handle holds in-flight input or output data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelDirection {
    Input,
    Output,
}

/// In-flight data of an unaligned checkpoint (`InputChannelStateHandle`,
/// `ResultSubpartitionStateHandle`, and from V6 their merged forms).
#[derive(Clone, Debug, PartialEq)]
pub struct ChannelHandle<'a> {
    pub direction: ChannelDirection,
    pub subtask_index: i32,
    pub body: ChannelBody<'a>,
    pub state_size: i64,
    pub delegate: StreamHandle<'a>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ChannelBody<'a> {
    /// One channel: (gate, channel) for input, (partition, subpartition) for output.
    Single {
        info: (i32, i32),
        offsets: BeI64s<'a>,
    },
    /// Several channels sharing one delegate (V6 codes 3/4); the blob lists them.
    Merged { channels: u32, blob: &'a [u8] },
}

impl ChannelHandle<'_> {
    pub fn class_name(&self) -> &'static str {
        match (&self.body, self.direction) {
            (ChannelBody::Single { .. }, ChannelDirection::Input) => "InputChannelStateHandle",
            (ChannelBody::Single { .. }, ChannelDirection::Output) => {
                "ResultSubpartitionStateHandle"
            }
            (ChannelBody::Merged { .. }, ChannelDirection::Input) => {
                "MergedInputChannelStateHandle"
            }
            (ChannelBody::Merged { .. }, ChannelDirection::Output) => {
                "MergedResultSubpartitionStateHandle"
            }
        }
    }
}
