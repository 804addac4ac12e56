//! The vocabulary of derived facts: an [`Inferred`] value with its evidence, and what is
//! inferred (snapshot kind, keyed layout, backend family, snapshot mode).

use crate::model::*;

/// A derived value and the evidence for it, in words a person can check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inferred<T> {
    pub value: T,
    pub evidence: Vec<String>,
}

/// Checkpoint or savepoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotKind {
    Checkpoint,
    Savepoint,
}

impl SnapshotKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotKind::Checkpoint => "checkpoint",
            SnapshotKind::Savepoint => "savepoint",
        }
    }
}

/// How the keyed state is laid out, which decides which backends can restore it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyedLayout {
    /// Code 7: the canonical, backend-neutral layout. hashmap and RocksDB restore it; ForSt
    /// (Flink 2.x) restores only code 11/5 and fails on it (recorded with 2.0.1, 2.1.1 and 2.3.0).
    Canonical,
    /// Codes 3/12 in a V4+ file: the heap backend's own format.
    Heap,
    /// Codes 3/12 in a V2/V3 file: heap, or a RocksDB full checkpoint (≤1.15), which only the
    /// state files can tell apart.
    HeapOrRocksDbFull,
    /// Codes 5/11: RocksDB (or ForSt) native files. Nothing in a snapshot tells the two apart for
    /// sure (same handles, file names and keyed-backend meta file; only the OPTIONS files' settings
    /// differ by default), and both restore them (recorded with Flink 2.0.1, 2.1.1 and 2.3.0).
    RocksDb,
    /// Codes 3/12 whose state files hold RocksDB's full-snapshot layout (a RocksDB full
    /// checkpoint of Flink <= 1.15); only known after probing the files ([`crate::probe`]).
    RocksDbFull,
    /// Codes 8/14: the changelog backend wrapping another backend's materialized state.
    Changelog,
}

impl KeyedLayout {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyedLayout::Canonical => "canonical",
            KeyedLayout::Heap => "heap",
            KeyedLayout::HeapOrRocksDbFull => "heap-or-rocksdb-full",
            KeyedLayout::RocksDb => "rocksdb",
            KeyedLayout::RocksDbFull => "rocksdb-full",
            KeyedLayout::Changelog => "changelog",
        }
    }

    /// Backend-specific layouts cannot be restored by a different backend.
    pub fn is_portable(self) -> bool {
        self == KeyedLayout::Canonical
    }

    pub fn of(h: &KeyedHandle<'_>, version: MetadataVersion) -> KeyedLayout {
        match h {
            KeyedHandle::SavepointKeyGroups(_) => KeyedLayout::Canonical,
            KeyedHandle::KeyGroups { .. }
                if !version.layout().is_some_and(|l| l.key_groups_ambiguous) =>
            {
                KeyedLayout::Heap
            }
            KeyedHandle::KeyGroups { .. } => KeyedLayout::HeapOrRocksDbFull,
            KeyedHandle::Incremental { .. } => KeyedLayout::RocksDb,
            KeyedHandle::Changelog { .. }
            | KeyedHandle::ChangelogBytes(_)
            | KeyedHandle::ChangelogFile { .. } => KeyedLayout::Changelog,
        }
    }
}

/// The state backend family the keyed state implies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendFamily {
    /// Canonical layout: written by any backend, restorable by any.
    Portable,
    Heap,
    RocksDb,
    /// Heap or RocksDB (full checkpoints of Flink ≤ 1.15 use the same handle).
    HeapOrRocksDb,
    Changelog,
    /// Handles of more than one layout (e.g. a canonical savepoint mixed with native state).
    Mixed,
}

impl BackendFamily {
    pub fn as_str(self) -> &'static str {
        match self {
            BackendFamily::Portable => "portable",
            BackendFamily::Heap => "heap",
            BackendFamily::RocksDb => "rocksdb",
            BackendFamily::HeapOrRocksDb => "heap-or-rocksdb",
            BackendFamily::Changelog => "changelog",
            BackendFamily::Mixed => "mixed",
        }
    }
}

/// Full, incremental or changelog snapshot of the keyed state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotMode {
    Full,
    Incremental,
    Changelog,
}

impl SnapshotMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotMode::Full => "full",
            SnapshotMode::Incremental => "incremental",
            SnapshotMode::Changelog => "changelog",
        }
    }
}
