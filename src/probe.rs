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

/// [`key_groups_layout`] one operator at a time; as a [`crate::fold::Fold`] its parts are
/// [`ProbeRecord`]s made with the budget the operators before left, so it folds in order.
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
            enabled: version.layout().is_some_and(|l| l.key_groups_ambiguous),
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
        let budget = self.budget();
        probe_operator(op, self.dir, budget, |p| self.apply(p));
    }

    /// Whether this snapshot's key groups are probed at all (metadata V2/V3).
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// How many more key groups [`Prober::add`] would look at.
    pub fn budget(&self) -> usize {
        MAX_PROBES.saturating_sub(self.probed)
    }

    /// What [`Prober::add`] would do with `op` when this prober's [`Prober::budget`] is
    /// `budget`, recorded instead of applied (reading the same bytes), so that an operator can
    /// be probed where the prober is not at hand and [`Prober::absorb`]ed later: in file order,
    /// each recorded with the budget left after the ones before it, the result equals adding
    /// them. Empty when probing is off.
    pub fn record(&self, op: &OperatorState<'_>, budget: usize) -> ProbeRecord {
        let mut record = ProbeRecord(Vec::new());
        if self.enabled {
            probe_operator(op, self.dir, budget, |p| {
                record.0.push(p);
                !matches!(p, Probe::OpenFailed | Probe::ReadFailed)
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
/// `false` or `budget` key groups have been read. A handle is opened before the budget is
/// looked at, as the prober always did: a handle that cannot be opened stops probing even
/// when the budget is spent.
fn probe_operator(
    op: &OperatorState<'_>,
    dir: &Path,
    mut budget: usize,
    mut f: impl FnMut(Probe) -> bool,
) {
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
            if budget == 0 {
                return;
            }
            budget -= 1;
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

impl crate::fold::Fold<'_> for Prober<'_> {
    type Part = ProbeRecord;
    fn part(&self, op: &OperatorState<'_>) -> ProbeRecord {
        self.record(op, self.budget())
    }
    fn absorb(&mut self, record: ProbeRecord) {
        Prober::absorb(self, record);
    }
    /// The key-group budget is shared across operators: each record needs the budget the
    /// ones before it left.
    fn in_order(&self) -> bool {
        self.enabled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        BeI64s, HandleCode, JavaStr, KeyGroupRange, KeyGroupRangeOffsets, OperatorId, SubtaskState,
    };

    /// Inline key-group state in the heap layout: `n` key groups from 0, each 4 bytes holding
    /// its own id, and the big-endian offsets pointing at them.
    fn heap_state(n: usize) -> (Vec<u8>, Vec<u8>) {
        let data: Vec<u8> = (0..n as i32).flat_map(i32::to_be_bytes).collect();
        let offsets: Vec<u8> = (0..n as i64).flat_map(|i| (i * 4).to_be_bytes()).collect();
        (data, offsets)
    }

    fn operator<'a>(data: &'a [u8], offsets: &'a [u8], n: usize) -> OperatorState<'a> {
        let handle = KeyGroupsHandle {
            offsets: KeyGroupRangeOffsets {
                range: KeyGroupRange::from_start_count(0, n as i32),
                offsets: BeI64s::new(offsets),
            },
            delegate: StreamHandle::ByteStream {
                name: JavaStr(b"kg"),
                data,
            },
            state_handle_id: None,
        };
        OperatorState {
            id: OperatorId([1; 16]),
            name: None,
            uid: None,
            parallelism: 1,
            max_parallelism: 32768,
            coordinator: None,
            fully_finished: false,
            subtasks: vec![SubtaskState {
                managed_keyed: Some(KeyedHandle::KeyGroups {
                    code: HandleCode::KEY_GROUPS,
                    handle,
                }),
                ..Default::default()
            }],
        }
    }

    /// Three operators of 3,000 key groups each: adding them probes 4,096 in all; recording each
    /// with the budget the ones before left reads exactly as many (not 3 × 3,000), and absorbing
    /// the records gives the same verdict.
    #[test]
    fn recording_with_the_budget_left_reads_no_more_than_adding() {
        let (data, offsets) = heap_state(3000);
        let ops: Vec<_> = (0..3).map(|_| operator(&data, &offsets, 3000)).collect();
        let dir = Path::new("/nonexistent");
        let mut added = Prober::new(MetadataVersion::V3, dir);
        let recorder = Prober::new(MetadataVersion::V3, dir);
        let mut absorbed = Prober::new(MetadataVersion::V3, dir);
        let mut recorded = Vec::new();
        for op in &ops {
            added.add(op);
            let r = recorder.record(op, absorbed.budget());
            recorded.push(r.0.len());
            absorbed.absorb(r);
        }
        assert_eq!(recorded, [3000, 1096, 0]);
        assert_eq!(added.probed, MAX_PROBES);
        assert_eq!(absorbed.probed, MAX_PROBES);
        assert_eq!(
            format!("{:?}", added.finish()),
            format!("{:?}", absorbed.finish())
        );
    }
}
