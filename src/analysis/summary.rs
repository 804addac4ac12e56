//! The summary of one snapshot: kind, format, backend, mode, channel state, each with its
//! evidence; [`Summarizer`] builds it one operator at a time (a [`crate::fold::Fold`]).

use std::collections::BTreeSet;

use super::{BackendFamily, Inferred, KeyedLayout, SnapshotKind, SnapshotMode};
use crate::fold::Fold;
use crate::model::*;

/// Replaces the ambiguous heap-or-RocksDB-full layout with what [`crate::probe`] read in the
/// state files, and updates the backend accordingly.
pub fn apply_probe(summary: &mut Summary, probed: &Inferred<KeyedLayout>) {
    if !summary
        .keyed_layouts
        .remove(&KeyedLayout::HeapOrRocksDbFull)
    {
        return;
    }
    summary.keyed_layouts.insert(probed.value);
    if summary.keyed_layouts.len() == 1 {
        let value = if probed.value == KeyedLayout::Heap {
            BackendFamily::Heap
        } else {
            BackendFamily::RocksDb
        };
        summary.backend = Some(Inferred {
            value,
            evidence: probed.evidence.clone(),
        });
    }
}

/// Everything derived about one snapshot.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Checkpoint or savepoint: from the trailer when present, else inferred.
    pub kind: Option<Inferred<SnapshotKind>>,
    pub format: Option<Inferred<SavepointFormat>>,
    pub backend: Option<Inferred<BackendFamily>>,
    pub mode: Option<Inferred<SnapshotMode>>,
    /// Distinct keyed layouts present.
    pub keyed_layouts: BTreeSet<KeyedLayout>,
    /// In-flight channel state of an unaligned checkpoint is present.
    pub has_channel_state: bool,
}

/// Derives the summary. `location` is the snapshot directory's name, used only as weak evidence
/// for files that do not record their kind (V2/V3).
pub fn summarize(md: &Metadata<'_>, location: Option<&str>) -> Summary {
    let mut s = Summarizer::new(md.version);
    for op in &md.operators {
        s.add(op);
    }
    s.finish(md, location)
}

/// [`summarize`] one operator at a time, for decoding that does not keep the operators: a
/// [`Fold`] whose part is a summarizer of one operator, merged in.
#[derive(Clone, Debug)]
pub struct Summarizer {
    version: MetadataVersion,
    layouts: BTreeSet<KeyedLayout>,
    codes: BTreeSet<u8>,
    shared_files: usize,
    incremental_handles: usize,
    has_channel_state: bool,
}

impl Summarizer {
    pub fn new(version: MetadataVersion) -> Self {
        Summarizer {
            version,
            layouts: BTreeSet::new(),
            codes: BTreeSet::new(),
            shared_files: 0,
            incremental_handles: 0,
            has_channel_state: false,
        }
    }

    pub fn add(&mut self, op: &OperatorState<'_>) {
        for h in op.keyed_handles() {
            self.layouts.insert(KeyedLayout::of(h, self.version));
            self.codes.insert(h.code().0);
            if let KeyedHandle::Incremental { handle, .. } = h {
                self.incremental_handles += 1;
                self.shared_files += handle
                    .shared
                    .iter()
                    .filter(|f| matches!(f.handle, StreamHandle::File { .. }))
                    .count();
            }
        }
        self.has_channel_state |= op.channel_handles().next().is_some();
    }

    /// Takes in what another summarizer saw (operators added elsewhere, e.g. on another
    /// thread): the result is the same as having added them all here. Order does not matter.
    pub fn merge(&mut self, other: Summarizer) {
        self.layouts.extend(other.layouts);
        self.codes.extend(other.codes);
        self.shared_files += other.shared_files;
        self.incremental_handles += other.incremental_handles;
        self.has_channel_state |= other.has_channel_state;
    }

    /// The summary; `md` supplies the version and properties (its operators are not read).
    ///
    /// (See also the [`Fold`] impl: parts are one-operator summarizers.)
    pub fn finish(self, md: &Metadata<'_>, location: Option<&str>) -> Summary {
        let Summarizer {
            layouts,
            codes,
            shared_files,
            incremental_handles,
            has_channel_state,
            ..
        } = self;
        let codes_text = codes
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(", ");

        let (kind, format) = match &md.properties {
            Some(p) => {
                let ev = vec![format!(
                    "recorded in the file's CheckpointProperties trailer ({})",
                    p.type_name
                        .map_or_else(|| "unnamed type".to_string(), |n| n.to_str().into_owned())
                )];
                let kind = match p.snapshot_class {
                    SnapshotClass::Checkpoint => Some(SnapshotKind::Checkpoint),
                    SnapshotClass::Savepoint => Some(SnapshotKind::Savepoint),
                    SnapshotClass::Unknown => None,
                };
                (
                    kind.map(|value| Inferred {
                        value,
                        evidence: ev.clone(),
                    }),
                    p.format.map(|value| Inferred {
                        value,
                        evidence: ev,
                    }),
                )
            }
            None if md.properties_null => infer_kind_state_processor(&layouts),
            None => infer_kind_v3(
                has_channel_state,
                &layouts,
                location,
                md.version.has_properties(),
            ),
        };

        let backend = if layouts.is_empty() {
            None
        } else {
            let value = if layouts.len() > 1 {
                BackendFamily::Mixed
            } else {
                match layouts.iter().next().copied() {
                    Some(KeyedLayout::Canonical) => BackendFamily::Portable,
                    Some(KeyedLayout::Heap) => BackendFamily::Heap,
                    Some(KeyedLayout::HeapOrRocksDbFull) => BackendFamily::HeapOrRocksDb,
                    Some(KeyedLayout::RocksDb | KeyedLayout::RocksDbFull) => BackendFamily::RocksDb,
                    _ => BackendFamily::Changelog,
                }
            };
            let why = match value {
            BackendFamily::Portable => "keyed state handle code 7 (KeyGroupsSavepointStateHandle): canonical layout hashmap and RocksDB restore, ForSt does not",
            BackendFamily::Heap => "keyed state handle code 12/3 (KeyGroupsStateHandle) in a V4+ file: the heap backend's format",
            BackendFamily::HeapOrRocksDb => "keyed state handle code 12/3 (KeyGroupsStateHandle) in a V2/V3 file: heap, or a RocksDB full checkpoint of Flink <= 1.15",
            BackendFamily::RocksDb => "keyed state handle code 11/5 (IncrementalRemoteKeyedStateHandle): RocksDB (or ForSt) native files",
            BackendFamily::Changelog => "keyed state handle code 14/8 (ChangelogStateBackendHandle): the changelog state backend",
            BackendFamily::Mixed => "keyed state handles of more than one layout",
        };
            Some(Inferred {
                value,
                evidence: vec![format!("{why}; codes present: {codes_text}")],
            })
        };

        let mode = if layouts.contains(&KeyedLayout::Changelog) {
            Some(Inferred {
                value: SnapshotMode::Changelog,
                evidence: vec!["changelog keyed state handles".into()],
            })
        } else if incremental_handles > 0
            && shared_files > 0
            && kind
                .as_ref()
                .is_none_or(|k| k.value == SnapshotKind::Checkpoint)
        {
            Some(Inferred {
            value: SnapshotMode::Incremental,
            evidence: vec![format!(
                "{shared_files} shared files referenced by absolute path from {incremental_handles} IncrementalRemoteKeyedStateHandle(s)"
            )],
        })
        } else if !layouts.is_empty() {
            let why = if incremental_handles > 0 {
                "RocksDB handles reference no shared files by absolute path: a self-contained full snapshot"
            } else {
                "keyed state in full key-group files"
            };
            Some(Inferred {
                value: SnapshotMode::Full,
                evidence: vec![why.into()],
            })
        } else {
            None
        };

        Summary {
            kind,
            format,
            backend,
            mode,
            keyed_layouts: layouts,
            has_channel_state,
        }
    }
}

/// A V4+ file whose trailer is a Java null: only the State Processor API writes that
/// (`CheckpointMetadata` built without properties), and what it writes is a savepoint. Its new
/// and bootstrapped operators are written in the canonical layout; operators it copies from the
/// savepoint it started from keep their handles, so the format is read off the keyed handles.
fn infer_kind_state_processor(
    layouts: &BTreeSet<KeyedLayout>,
) -> (
    Option<Inferred<SnapshotKind>>,
    Option<Inferred<SavepointFormat>>,
) {
    const NOT_RECORDED: &str = "the file records no CheckpointProperties (its trailer is a Java null, as the State Processor API writes it), so kind and format are not recorded in the file";
    let kind = Inferred {
        value: SnapshotKind::Savepoint,
        evidence: vec![
            NOT_RECORDED.into(),
            "only the State Processor API (SavepointWriter, and tools built on it) writes such files, and it writes savepoints".into(),
        ],
    };
    let native = layouts.iter().any(|l| {
        matches!(
            l,
            KeyedLayout::Heap
                | KeyedLayout::RocksDb
                | KeyedLayout::RocksDbFull
                | KeyedLayout::Changelog
        )
    });
    let format = if native {
        Inferred {
            value: SavepointFormat::Native,
            evidence: vec![
                NOT_RECORDED.into(),
                "keyed state in a backend's native layout (copied from a native savepoint)".into(),
            ],
        }
    } else {
        Inferred {
            value: SavepointFormat::Canonical,
            evidence: vec![
                NOT_RECORDED.into(),
                if layouts.is_empty() {
                    "no keyed state; the State Processor API writes the canonical format".into()
                } else {
                    "keyed state in the canonical layout (KeyGroupsSavepointStateHandle), as the State Processor API writes it".into()
                },
            ],
        }
    };
    (Some(kind), Some(format))
}

/// V2/V3 files record neither kind nor format (and a damaged V4+ file may end before the trailer
/// that records them). Code 7 only appears in savepoints (canonical in 1.13/1.14; in 1.15 also
/// native RocksDB savepoints without incremental checkpoints); channel state only in
/// checkpoints; otherwise the directory name is the only hint.
fn infer_kind_v3(
    has_channel_state: bool,
    layouts: &BTreeSet<KeyedLayout>,
    location: Option<&str>,
    has_trailer: bool,
) -> (
    Option<Inferred<SnapshotKind>>,
    Option<Inferred<SavepointFormat>>,
) {
    if layouts.contains(&KeyedLayout::Canonical) {
        let kind = Inferred {
            value: SnapshotKind::Savepoint,
            evidence: vec!["keyed state handle code 7 (KeyGroupsSavepointStateHandle) is written only into savepoints".into()],
        };
        return (Some(kind), None);
    }
    if has_channel_state {
        let kind = Inferred {
            value: SnapshotKind::Checkpoint,
            evidence: vec![
                "in-flight channel state is written only into (unaligned) checkpoints".into(),
            ],
        };
        return (Some(kind), None);
    }
    let why = if has_trailer {
        "the CheckpointProperties trailer that records the kind was not read"
    } else {
        "the file itself does not record its kind before metadata V4"
    };
    match location {
        Some(name) if name.starts_with("chk-") => (
            Some(Inferred {
                value: SnapshotKind::Checkpoint,
                evidence: vec![format!("directory name {name:?} ({why})")],
            }),
            None,
        ),
        Some(name) if name.starts_with("savepoint-") => (
            Some(Inferred {
                value: SnapshotKind::Savepoint,
                evidence: vec![format!("directory name {name:?} ({why})")],
            }),
            None,
        ),
        _ => (None, None),
    }
}

impl Fold<'_> for Summarizer {
    type Part = Summarizer;
    fn part(&self, op: &OperatorState<'_>) -> Summarizer {
        let mut one = Summarizer::new(self.version);
        one.add(op);
        one
    }
    fn absorb(&mut self, part: Summarizer) {
        self.merge(part);
    }
}
