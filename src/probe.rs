//! Settles from the state files what `_metadata` alone cannot: whether `KeyGroupsStateHandle`s
//! (codes 3/12) of a Flink ≤ 1.15 (metadata V2/V3) snapshot hold the heap backend's layout or a
//! RocksDB full checkpoint's. Both write the same handle; only the bytes differ.
//!
//! The heap layout (`HeapSnapshotStrategy`) starts *every* key group with an uncompressed `i32`
//! equal to its key-group id, so every offset is non-zero. The RocksDB full-snapshot layout
//! (`FullSnapshotAsyncWriter`) leaves empty key groups at offset 0 and starts the others with an
//! `i16` state id and a length-prefixed key, which never reads as the key-group id for key groups
//! above 0. Flink's heap restore makes the same test ("Unexpected key-group in restore.").
//!
//! Architecture invariant: read-only and bounded. Only inline bytes and files inside the
//! snapshot directory (relative handles) or local `file:` paths are read, 4 bytes per key group,
//! through positioned reads; nothing is written and nothing is read whole.

use std::fs::File;
use std::path::Path;

use crate::analysis::{Inferred, KeyedLayout};
use crate::model::{
    KeyGroupsHandle, KeyedHandle, Metadata, MetadataVersion, OperatorState, StreamHandle,
};

/// At most this many key groups are probed per snapshot (they are 4-byte reads).
const MAX_PROBES: usize = 4096;

/// What the key-group bytes showed, or `None` when the snapshot has no ambiguous handles or
/// their bytes could not be read.
pub fn key_groups_layout(md: &Metadata<'_>, snapshot_dir: &Path) -> Option<Inferred<KeyedLayout>> {
    let mut p = Prober::new(md.version, snapshot_dir);
    for op in &md.operators {
        p.add(op);
    }
    p.finish()
}

/// [`key_groups_layout`] one operator at a time (for [`crate::format::parse_each`]).
pub struct Prober<'d> {
    dir: &'d Path,
    enabled: bool,
    unreadable: bool,
    probed: usize,
    heap_like: usize,
    zero_offsets: usize,
    mismatch: Option<(i64, i64, i32)>,
}

impl<'d> Prober<'d> {
    pub fn new(version: MetadataVersion, snapshot_dir: &'d Path) -> Self {
        Prober {
            dir: snapshot_dir,
            enabled: version <= MetadataVersion::V3,
            unreadable: false,
            probed: 0,
            heap_like: 0,
            zero_offsets: 0,
            mismatch: None,
        }
    }

    pub fn add(&mut self, op: &OperatorState<'_>) {
        if !self.enabled || self.unreadable {
            return;
        }
        probe_operator(op, self.dir, |p| self.apply(p));
    }

    /// What [`Prober::add`] would do with `op`, recorded instead of applied, so that another
    /// thread can probe an operator and this one [`Prober::absorb`] it in file order with the
    /// same result as adding it here (for [`crate::split`]). Empty when probing is off.
    pub fn record(&self, op: &OperatorState<'_>) -> ProbeRecord {
        let mut record = ProbeRecord(Vec::new());
        if self.enabled {
            let mut probes = 0;
            probe_operator(op, self.dir, |p| {
                record.0.push(p);
                probes += 1;
                !matches!(p, Probe::OpenFailed | Probe::ReadFailed) && probes < MAX_PROBES
            });
        }
        record
    }

    /// Applies a [`ProbeRecord`] as [`Prober::add`] would have applied its operator.
    pub fn absorb(&mut self, record: ProbeRecord) {
        if !self.enabled || self.unreadable {
            return;
        }
        for p in record.0 {
            if !self.apply(p) {
                return;
            }
        }
    }

    /// One probe's outcome; `false` when probing stops (budget spent or bytes unreadable).
    fn apply(&mut self, p: Probe) -> bool {
        // A handle whose bytes cannot be opened stops probing whatever the budget; a key group
        // is only looked at while the budget lasts.
        if p == Probe::OpenFailed {
            self.unreadable = true;
            return false;
        }
        if self.probed >= MAX_PROBES {
            return false;
        }
        self.probed += 1;
        match p {
            Probe::Zero => self.zero_offsets += 1,
            Probe::Heap => self.heap_like += 1,
            Probe::Mismatch(kg, offset, v) => {
                self.mismatch.get_or_insert((kg, offset, v));
            }
            Probe::ReadFailed | Probe::OpenFailed => {
                self.unreadable = true;
                return false;
            }
        }
        true
    }

    pub fn finish(self) -> Option<Inferred<KeyedLayout>> {
        if !self.enabled || self.unreadable || self.probed < 2 {
            return None;
        }
        if self.zero_offsets == 0 && self.mismatch.is_none() {
            Some(Inferred {
                value: KeyedLayout::Heap,
                evidence: vec![format!(
                    "the state files start each of the {} probed key groups with its own key-group id: the heap backend's layout",
                    self.heap_like
                )],
            })
        } else {
            let why = match self.mismatch {
                Some((kg, offset, v)) => {
                    format!("key group {kg} at offset {offset} starts with {v}, not its id")
                }
                None => format!("{} empty key groups kept offset 0", self.zero_offsets),
            };
            Some(Inferred {
                value: KeyedLayout::RocksDbFull,
                evidence: vec![format!(
                    "{why}: the RocksDB full-snapshot layout, not the heap backend's"
                )],
            })
        }
    }
}

/// One operator's probes, in order (see [`Prober::record`]).
#[derive(Debug, Default)]
pub struct ProbeRecord(Vec<Probe>);

/// The outcome of probing one key group, or of failing to read a handle's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Probe {
    /// An empty key group kept offset 0 (RocksDB full layout).
    Zero,
    /// The key group starts with its own id (heap layout).
    Heap,
    /// (key group, offset, the i32 found there).
    Mismatch(i64, i64, i32),
    /// A handle's bytes could not be opened: probing stops.
    OpenFailed,
    /// A key group's first bytes could not be read: probing stops.
    ReadFailed,
}

/// Probes `op`'s key-groups handles in order, handing each outcome to `f` until it returns
/// `false`.
fn probe_operator(op: &OperatorState<'_>, dir: &Path, mut f: impl FnMut(Probe) -> bool) {
    for h in op.keyed_handles() {
        let KeyedHandle::KeyGroups { handle, .. } = h else {
            continue;
        };
        let Some(reader) = Source::open(handle, dir) else {
            f(Probe::OpenFailed);
            return;
        };
        let start = i64::from(handle.offsets.range.start);
        for (i, offset) in handle.offsets.offsets.iter().enumerate() {
            let kg = start + i as i64;
            let p = if offset == 0 {
                Probe::Zero
            } else {
                match reader.i32_at(offset) {
                    Some(v) if i64::from(v) == kg => Probe::Heap,
                    Some(v) => Probe::Mismatch(kg, offset, v),
                    None => Probe::ReadFailed,
                }
            };
            if !f(p) {
                return;
            }
        }
    }
}

/// The bytes behind a key-groups handle's delegate.
enum Source<'a> {
    Inline(&'a [u8]),
    File(File),
}

impl<'a> Source<'a> {
    fn open(handle: &KeyGroupsHandle<'a>, dir: &Path) -> Option<Source<'a>> {
        match handle.delegate.innermost() {
            StreamHandle::ByteStream { data, .. } => Some(Source::Inline(data)),
            StreamHandle::RelativeFile { relative_path, .. } => {
                let name = relative_path.to_str();
                // A relative handle names a file inside the snapshot directory, never a path.
                if name.contains('/') || name.contains('\\') || name == ".." {
                    return None;
                }
                open_regular(&dir.join(name.as_ref()))
            }
            StreamHandle::File { path, .. } => {
                let p = path.to_str();
                let local = p
                    .strip_prefix("file://")
                    .or_else(|| p.strip_prefix("file:"))?;
                open_regular(Path::new(local))
            }
            _ => None,
        }
    }

    fn i32_at(&self, offset: i64) -> Option<i32> {
        let offset = u64::try_from(offset).ok()?;
        let mut buf = [0u8; 4];
        match self {
            Source::Inline(data) => {
                let start = usize::try_from(offset).ok()?;
                buf.copy_from_slice(data.get(start..start.checked_add(4)?)?);
            }
            Source::File(f) => read_exact_at(f, &mut buf, offset)?,
        }
        Some(i32::from_be_bytes(buf))
    }
}

/// Opens `path` only if it is a regular file: a named pipe or device named by a (damaged or
/// hostile) handle would block the open or the read.
fn open_regular<'a>(path: &Path) -> Option<Source<'a>> {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    File::open(path).ok().map(Source::File)
}

#[cfg(unix)]
fn read_exact_at(f: &File, buf: &mut [u8], offset: u64) -> Option<()> {
    std::os::unix::fs::FileExt::read_exact_at(f, buf, offset).ok()
}

#[cfg(not(unix))]
fn read_exact_at(f: &File, buf: &mut [u8], offset: u64) -> Option<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = f;
    f.seek(SeekFrom::Start(offset)).ok()?;
    f.read_exact(buf).ok()
}
