//! Metadata format versions and the Flink releases that write them.

use std::fmt;

/// The metadata format version at byte offset 4 (`MetadataSerializers`). An open newtype: an
/// unknown version is a value the caller can report, not a crash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MetadataVersion(pub i32);

impl MetadataVersion {
    pub const V1: MetadataVersion = MetadataVersion(1);
    pub const V2: MetadataVersion = MetadataVersion(2);
    pub const V3: MetadataVersion = MetadataVersion(3);
    pub const V4: MetadataVersion = MetadataVersion(4);
    pub const V5: MetadataVersion = MetadataVersion(5);
    pub const V6: MetadataVersion = MetadataVersion(6);

    /// The Flink releases whose `Checkpoints.storeCheckpointMetadata` writes this version
    /// (checked on each release branch: V3 in 1.11–1.15, V4 in 1.16–1.20, V5 in 2.0, V6 from 2.1).
    pub fn written_by(self) -> Option<&'static str> {
        match self.0 {
            1 => Some("1.1 – 1.2"),
            2 => Some("1.3 – 1.10"),
            3 => Some("1.11 – 1.15"),
            4 => Some("1.16 – 1.20"),
            5 => Some("2.0"),
            6 => Some("2.1 – 2.3"),
            _ => None,
        }
    }

    /// The oldest and newest Flink release (major, minor) that write this version.
    pub fn writer_range(self) -> Option<((u32, u32), (u32, u32))> {
        match self.0 {
            1 => Some(((1, 1), (1, 2))),
            2 => Some(((1, 3), (1, 10))),
            3 => Some(((1, 11), (1, 15))),
            4 => Some(((1, 16), (1, 20))),
            5 => Some(((2, 0), (2, 0))),
            6 => Some(((2, 1), (2, 3))),
            _ => None,
        }
    }

    /// The oldest Flink release (major, minor) that can read this version, if any can today.
    pub fn first_reader(self) -> Option<(u32, u32)> {
        match self.0 {
            2 | 3 => Some((1, 11)),
            4 => Some((1, 16)),
            5 => Some((2, 0)),
            6 => Some((2, 1)),
            _ => None,
        }
    }

    /// Operator records carry name and uid strings (V5+).
    pub fn has_operator_names(self) -> bool {
        self.0 >= 5
    }

    /// The Java-serialized `CheckpointProperties` trailer follows the body (V4+).
    pub fn has_properties(self) -> bool {
        self.0 >= 4
    }
}

impl fmt::Display for MetadataVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "V{}", self.0)
    }
}
