//! Metadata format versions: one table ([`LAYOUTS`]) of what each version is — which Flink
//! releases write it and first read it, and how its records differ — passed to the decoder as
//! a [`Layout`] value (as gimli passes its `Encoding`). The supported range, the error texts
//! and [`MetadataVersion::written_by`] are derived from it.
//!
//! A new version is one row here (plus a column, and its one use in `format`, if its records
//! differ in a way no column says yet).

use std::fmt;

/// The metadata format version at byte offset 4 (`MetadataSerializers`). An open newtype: an
/// unknown version is a value the caller can report, not a crash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MetadataVersion(pub i32);

/// A Flink release line, (major, minor).
pub type Release = (u32, u32);

/// Everything flinspect knows about one metadata version: one row of [`LAYOUTS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub version: MetadataVersion,
    /// The oldest and newest Flink release whose `Checkpoints.storeCheckpointMetadata` writes
    /// this version (checked on each release branch).
    pub written_by: (Release, Release),
    /// [`Layout::written_by`] as text, e.g. "1.16 – 1.20" (a test checks they agree).
    pub written_by_text: &'static str,
    /// The oldest Flink release that reads this version, if any current one does.
    pub first_reader: Option<Release>,
    /// flinspect decodes it (every version a current Flink release reads).
    pub decoded: bool,
    /// V2's legacy fields: an operator chain length instead of coordinator state, a legacy
    /// duration and state count per subtask, no finished-operator or finished-subtask markers,
    /// no channel state.
    pub legacy_fields: bool,
    /// Operator records carry name and uid strings (V5+).
    pub operator_names: bool,
    /// The Java-serialized `CheckpointProperties` trailer follows the body (V4+).
    pub properties: bool,
    /// Channel-state handles start with a type byte and may be merged (V6+,
    /// `ChannelStateHandleSerializerV2`).
    pub typed_channel_handles: bool,
    /// Keyed handle codes 8/9/10 may use Flink 1.14's shorter changelog layout (V3).
    pub changelog_1_14: bool,
    /// A `KeyGroupsStateHandle` may hold the heap backend's layout or a RocksDB full
    /// snapshot's: only the state files tell (before V4; [`crate::probe`] looks).
    pub key_groups_ambiguous: bool,
}

/// Every metadata version, oldest first.
pub const LAYOUTS: &[Layout] = &[
    Layout {
        version: MetadataVersion(1),
        written_by: ((1, 1), (1, 2)),
        written_by_text: "1.1 – 1.2",
        first_reader: None,
        decoded: false,
        legacy_fields: true,
        operator_names: false,
        properties: false,
        typed_channel_handles: false,
        changelog_1_14: false,
        key_groups_ambiguous: true,
    },
    Layout {
        version: MetadataVersion(2),
        written_by: ((1, 3), (1, 10)),
        written_by_text: "1.3 – 1.10",
        first_reader: Some((1, 11)),
        decoded: true,
        legacy_fields: true,
        operator_names: false,
        properties: false,
        typed_channel_handles: false,
        changelog_1_14: false,
        key_groups_ambiguous: true,
    },
    Layout {
        version: MetadataVersion(3),
        written_by: ((1, 11), (1, 15)),
        written_by_text: "1.11 – 1.15",
        first_reader: Some((1, 11)),
        decoded: true,
        legacy_fields: false,
        operator_names: false,
        properties: false,
        typed_channel_handles: false,
        changelog_1_14: true,
        key_groups_ambiguous: true,
    },
    Layout {
        version: MetadataVersion(4),
        written_by: ((1, 16), (1, 20)),
        written_by_text: "1.16 – 1.20",
        first_reader: Some((1, 16)),
        decoded: true,
        legacy_fields: false,
        operator_names: false,
        properties: true,
        typed_channel_handles: false,
        changelog_1_14: false,
        key_groups_ambiguous: false,
    },
    Layout {
        version: MetadataVersion(5),
        written_by: ((2, 0), (2, 0)),
        written_by_text: "2.0",
        first_reader: Some((2, 0)),
        decoded: true,
        legacy_fields: false,
        operator_names: true,
        properties: true,
        typed_channel_handles: false,
        changelog_1_14: false,
        key_groups_ambiguous: false,
    },
    Layout {
        version: MetadataVersion(6),
        written_by: ((2, 1), (2, 3)),
        written_by_text: "2.1 – 2.3",
        first_reader: Some((2, 1)),
        decoded: true,
        legacy_fields: false,
        operator_names: true,
        properties: true,
        typed_channel_handles: true,
        changelog_1_14: false,
        key_groups_ambiguous: false,
    },
];

impl Layout {
    /// The row of `version`, if it is in the table.
    pub fn of(version: MetadataVersion) -> Option<&'static Layout> {
        LAYOUTS.iter().find(|l| l.version == version)
    }

    /// The row of `version` if flinspect decodes it.
    pub fn decoded(version: MetadataVersion) -> Option<&'static Layout> {
        Layout::of(version).filter(|l| l.decoded)
    }

    /// Records carry channel state (V3+).
    pub fn channel_state(&self) -> bool {
        !self.legacy_fields
    }
}

impl MetadataVersion {
    pub const V1: MetadataVersion = MetadataVersion(1);
    pub const V2: MetadataVersion = MetadataVersion(2);
    pub const V3: MetadataVersion = MetadataVersion(3);
    pub const V4: MetadataVersion = MetadataVersion(4);
    pub const V5: MetadataVersion = MetadataVersion(5);
    pub const V6: MetadataVersion = MetadataVersion(6);

    /// The oldest and the newest version flinspect decodes.
    pub fn decoded_range() -> (MetadataVersion, MetadataVersion) {
        let mut decoded = LAYOUTS.iter().filter(|l| l.decoded).map(|l| l.version);
        let first = decoded.next().unwrap_or(MetadataVersion(0));
        (first, decoded.next_back().unwrap_or(first))
    }

    /// The newest Flink release any row says writes a version.
    pub fn newest_writer() -> Release {
        LAYOUTS
            .iter()
            .map(|l| l.written_by.1)
            .max()
            .unwrap_or((0, 0))
    }

    /// This version's row of [`LAYOUTS`].
    pub fn layout(self) -> Option<&'static Layout> {
        Layout::of(self)
    }

    /// The Flink releases that write this version, e.g. "1.16 – 1.20".
    pub fn written_by(self) -> Option<&'static str> {
        self.layout().map(|l| l.written_by_text)
    }

    /// The oldest and newest Flink release (major, minor) that write this version.
    pub fn writer_range(self) -> Option<(Release, Release)> {
        self.layout().map(|l| l.written_by)
    }

    /// The oldest Flink release (major, minor) that can read this version, if any can today.
    pub fn first_reader(self) -> Option<Release> {
        self.layout().and_then(|l| l.first_reader)
    }

    /// Operator records carry name and uid strings (V5+).
    pub fn has_operator_names(self) -> bool {
        self.layout().is_some_and(|l| l.operator_names)
    }

    /// The Java-serialized `CheckpointProperties` trailer follows the body (V4+).
    pub fn has_properties(self) -> bool {
        self.layout().is_some_and(|l| l.properties)
    }
}

impl fmt::Display for MetadataVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "V{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_in_order_and_their_texts_agree_with_their_ranges() {
        for (i, l) in LAYOUTS.iter().enumerate() {
            assert_eq!(l.version.0, i as i32 + 1);
            let ((a, b), (c, d)) = l.written_by;
            let text = if (a, b) == (c, d) {
                format!("{a}.{b}")
            } else {
                format!("{a}.{b} – {c}.{d}")
            };
            assert_eq!(l.written_by_text, text);
            assert_eq!(l.decoded, l.first_reader.is_some());
        }
        assert_eq!(
            MetadataVersion::decoded_range(),
            (MetadataVersion::V2, MetadataVersion::V6)
        );
        assert_eq!(MetadataVersion::newest_writer(), (2, 3));
    }
}
