//! How bytes become a [`Metadata`]: header and version dispatch, the per-version body layout,
//! handle tags, the V4+ properties trailer, errors with offsets, and limits.
//!
//! Architecture invariant: this module never opens a file, never prints and starts no threads.
//! It mirrors Flink's `Checkpoints.loadCheckpointMetadata` and
//! `MetadataV2V3SerializerBase.deserializeMetadata`; every count it reads is bounded by
//! [`limits`] and by the bytes that remain before anything is allocated.

mod error;
mod handles;
mod javaser;
pub mod limits;
mod reader;

pub use error::{Error, ErrorKind, Result};

use crate::model::*;
use handles::{channel_handle, keyed_handle, operator_handle, stream_handle, ChangelogLayout};
use limits::{MAX_LIST_ENTRIES, MAX_MASTER_STATES, MAX_OPERATORS, MAX_SUBTASKS};
use reader::Reader;

/// `Checkpoints.HEADER_MAGIC_NUMBER`.
pub const MAGIC: u32 = 0x4960_672D;
/// `MetadataV2V3SerializerBase.MASTER_STATE_MAGIC_NUMBER`.
const MASTER_STATE_MAGIC: u32 = 0xC96B_1696;

/// Decodes a whole `_metadata` file. Fails on the first problem, naming its offset and context.
pub fn parse(bytes: &[u8]) -> Result<Metadata<'_>> {
    let mut records = Records::new(bytes)?;
    records.read_master_states()?;
    let mut operators = Vec::with_capacity(records.operators_total());
    while let Some(op) = records.next_operator()? {
        operators.push(op);
    }
    records.finish()?;
    let mut md = records.into_metadata();
    md.operators = operators;
    Ok(md)
}

/// What a best-effort decode of a damaged file produced: everything before the damage, and the
/// error that stopped it.
#[derive(Debug)]
pub struct Lossy<'a> {
    /// `None` only when the header itself could not be read.
    pub metadata: Option<Metadata<'a>>,
    pub error: Option<Error>,
}

/// Decodes as much as possible: the operators before the damaged one, and where decoding stopped
/// ([`Records`] run until its first error, keeping what it has).
pub fn parse_lossy(bytes: &[u8]) -> Lossy<'_> {
    let mut operators = Vec::new();
    let mut lossy = Records::lossy(bytes, |op| operators.push(op));
    if let Some(md) = &mut lossy.metadata {
        md.operators = operators;
    }
    lossy
}

/// A fallible cursor over the records of one `_metadata` file, in file order: the header
/// ([`Records::new`]), the master states ([`Records::read_master_states`]), one operator
/// record at a time ([`Records::next_operator`]), and the tail ([`Records::finish`]: the V4+
/// properties trailer and the bytes after it). It keeps no operator: the caller decides what
/// to keep, so memory stays at one operator whatever the file's size. Strict parsing, lossy
/// parsing and [`crate::split`]'s two-thread decoding are loops over it (in the manner of
/// gimli's `DebugInfo::units()`).
///
/// Records decoded elsewhere (by [`operator_record`] from a known boundary) are stepped over
/// with [`Records::skip_to`]; error context keeps counting them. After an error every further
/// step returns the same error.
#[derive(Debug)]
pub struct Records<'a> {
    bytes: &'a [u8],
    r: Reader<'a>,
    /// How this file's version lays out its records.
    layout: &'static Layout,
    /// Everything but the operators, filled step by step.
    md: Metadata<'a>,
    /// Where the checkpoint id was read (its sign is checked with the master states).
    checkpoint_id_at: usize,
    /// The number of operator records, once the master states have been read.
    count: Option<usize>,
    /// The index of the next operator record.
    next: usize,
    finished: bool,
    failed: Option<Error>,
}

impl<'a> Records<'a> {
    /// Reads the magic number, the version and the checkpoint id.
    pub fn new(bytes: &'a [u8]) -> Result<Records<'a>> {
        let mut r = Reader::new(bytes);
        let layout = header(&mut r)?;
        let checkpoint_id_at = r.pos();
        let checkpoint_id = r.i64("checkpoint id")?;
        Ok(Records {
            bytes,
            r,
            layout,
            md: Metadata {
                version: layout.version,
                checkpoint_id,
                master_states: Vec::new(),
                operators: Vec::new(),
                properties: None,
                properties_null: false,
                trailing_bytes: 0,
                len: bytes.len(),
            },
            checkpoint_id_at,
            count: None,
            next: 0,
            finished: false,
            failed: None,
        })
    }

    /// Decodes as far as it can, handing each operator to `each`: the metadata read before
    /// the first error (`None` when the header could not be read) and that error.
    pub fn lossy(bytes: &'a [u8], mut each: impl FnMut(OperatorState<'a>)) -> Lossy<'a> {
        let mut records = match Records::new(bytes) {
            Ok(r) => r,
            Err(e) => {
                return Lossy {
                    metadata: None,
                    error: Some(e),
                }
            }
        };
        let error = loop {
            match records.next_operator() {
                Ok(Some(op)) => each(op),
                Ok(None) => break records.finish().err(),
                Err(e) => break Some(e),
            }
        };
        Lossy {
            metadata: Some(records.into_metadata()),
            error,
        }
    }

    pub fn version(&self) -> MetadataVersion {
        self.md.version
    }

    /// The layout of the file's version (its row of [`LAYOUTS`]).
    pub fn layout(&self) -> &'static Layout {
        self.layout
    }

    /// What has been read so far: the header, the master states, the trailer once
    /// [`Records::finish`]ed; `operators` is always empty.
    pub fn metadata(&self) -> &Metadata<'a> {
        &self.md
    }

    /// The metadata read so far (see [`Records::metadata`]).
    pub fn into_metadata(self) -> Metadata<'a> {
        self.md
    }

    /// The byte offset of the next record (or of the trailer, after the last operator).
    pub fn position(&self) -> usize {
        self.r.pos()
    }

    /// How many operator records have been decoded or skipped.
    pub fn decoded(&self) -> usize {
        self.next
    }

    /// The number of operator records the file declares (0 before the master states are read).
    pub fn operators_total(&self) -> usize {
        self.count.unwrap_or(0)
    }

    /// The master states (`serializeMasterState`) and the operator count; called by the first
    /// [`Records::next_operator`] if not before.
    pub fn read_master_states(&mut self) -> Result<&[MasterState<'a>]> {
        self.check()?;
        if self.count.is_none() {
            let r = self.master_states_and_count();
            self.fail(r)?;
        }
        Ok(&self.md.master_states)
    }

    fn master_states_and_count(&mut self) -> Result<()> {
        if self.md.checkpoint_id < 0 {
            return Err(error::Error::new(
                ErrorKind::Invalid {
                    what: "checkpoint id",
                    found: self.md.checkpoint_id,
                    expected: "a non-negative id",
                },
                self.checkpoint_id_at,
            ));
        }
        let n = self
            .r
            .count("number of master states", MAX_MASTER_STATES, 8)?;
        for i in 0..n {
            let m = master_state(&mut self.r).map_err(|e| e.within(format!("master state {i}")))?;
            self.md.master_states.push(m);
        }
        // V2 operator records are at least 16+4+4+4+4 bytes; V3+ 16+4+4+1+4.
        self.count = Some(self.r.count("number of operators", MAX_OPERATORS, 29)?);
        Ok(())
    }

    /// The next operator record, or `None` after the last one.
    pub fn next_operator(&mut self) -> Result<Option<OperatorState<'a>>> {
        self.read_master_states()?;
        if self.next >= self.operators_total() {
            return Ok(None);
        }
        let start = self.r.pos();
        let layout = self.layout;
        let i = self.next;
        let op = operator_state(&mut self.r, layout).map_err(|e| {
            let id = self
                .bytes
                .get(start..)
                .map(|rest| peek_operator_id(rest, layout))
                .unwrap_or_default();
            e.within(format!("operator {i}{id}"))
        });
        let op = self.fail(op)?;
        self.next += 1;
        Ok(Some(op))
    }

    /// Steps over the next `operators` records, which end at byte `at`: they were decoded
    /// elsewhere ([`operator_record`] from [`Records::position`]). The caller vouches for the
    /// boundary; a count past the file's is cut to it.
    pub fn skip_to(&mut self, operators: usize, at: usize) {
        debug_assert!(at >= self.r.pos() && self.next + operators <= self.operators_total());
        self.next = (self.next + operators).min(self.operators_total());
        self.r = self.r.at(at);
    }

    /// Reads the tail after the last operator record: the V4+ `CheckpointProperties` trailer
    /// and the bytes after it. Operator records not yet read are decoded and dropped first.
    pub fn finish(&mut self) -> Result<()> {
        while self.next_operator()?.is_some() {}
        if self.finished {
            return Ok(());
        }
        if self.layout.properties {
            let props = javaser::checkpoint_properties(&mut self.r)
                .map_err(|e| e.within("checkpoint properties"));
            let props = self.fail(props)?;
            self.md.properties_null = props.is_none();
            self.md.properties = props;
        }
        self.md.trailing_bytes = self.r.remaining();
        self.finished = true;
        Ok(())
    }

    fn check(&self) -> Result<()> {
        match &self.failed {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    fn fail<T>(&mut self, r: Result<T>) -> Result<T> {
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }
}

/// One operator record at byte `at`, decoded without knowing what precedes it: the operator
/// and the offset just past it. For speculative decoding from the middle of a file (see
/// [`crate::split`], which steps a [`Records`] over what it decoded this way); errors carry
/// no operator index.
pub fn operator_record(
    bytes: &[u8],
    version: MetadataVersion,
    at: usize,
) -> Result<(OperatorState<'_>, usize)> {
    let layout = layout_of(version)?;
    let mut r = Reader::new(bytes).at(at);
    let op = operator_state(&mut r, layout)?;
    Ok((op, r.pos()))
}

/// The first offset in `from..until` where an operator record of `version` plausibly starts:
/// a cheap test of the fields every record opens with (names, id, a parallelism within
/// 1..=max parallelism <= 2^15, a null or inline coordinator handle, a subtask count within
/// the parallelism). Only a hint: payload bytes can pass it, so a caller must confirm the
/// offset by decoding up to it from the front. `None` for versions with V2's legacy fields,
/// which [`crate::split`] does not split.
pub fn next_operator_candidate(
    bytes: &[u8],
    version: MetadataVersion,
    from: usize,
    until: usize,
) -> Option<usize> {
    let layout = Layout::decoded(version).filter(|l| !l.legacy_fields)?;
    let until = until.min(bytes.len());
    let be16 = |at: usize| -> Option<usize> {
        let b = bytes.get(at..at.checked_add(2)?)?;
        Some(usize::from(u16::from_be_bytes([b[0], b[1]])))
    };
    let be32 = |at: usize| -> Option<i32> {
        let b = bytes.get(at..at.checked_add(4)?)?;
        Some(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    (from..until).find(|&at| {
        let id_at = if layout.operator_names {
            let Some(name) = be16(at) else { return false };
            let uid_at = at + 2 + name;
            let Some(uid) = be16(uid_at) else {
                return false;
            };
            uid_at + 2 + uid
        } else {
            at
        };
        let (Some(par), Some(max)) = (be32(id_at + 16), be32(id_at + 20)) else {
            return false;
        };
        if !(1..=max).contains(&par) || max > MAX_SUBTASKS as i32 {
            return false;
        }
        match bytes.get(id_at + 24) {
            Some(0) => {
                matches!(be32(id_at + 25), Some(n) if n == -1 || (0..=par).contains(&n))
            }
            Some(1) => true,
            _ => false,
        }
    })
}

/// Reads the magic number and version only.
pub fn read_version(bytes: &[u8]) -> Result<MetadataVersion> {
    let mut r = Reader::new(bytes);
    header(&mut r).map(|l| l.version)
}

/// The magic number and the version, whose row of [`LAYOUTS`] says how the rest is laid out.
fn header(r: &mut Reader<'_>) -> Result<&'static Layout> {
    let magic = r.i32("magic number")? as u32;
    if magic != MAGIC {
        return Err(error::Error::new(ErrorKind::BadMagic { found: magic }, 0));
    }
    let at = r.pos();
    let version = r.i32("metadata version")?;
    Layout::decoded(MetadataVersion(version))
        .ok_or_else(|| error::Error::new(ErrorKind::UnsupportedVersion { version }, at))
}

/// The layout of a version this module decodes, or the error [`read_version`] gives for it.
fn layout_of(version: MetadataVersion) -> Result<&'static Layout> {
    Layout::decoded(version)
        .ok_or_else(|| error::Error::new(ErrorKind::UnsupportedVersion { version: version.0 }, 4))
}

/// Best effort " (id …)" for an error inside an operator record, read without failing.
fn peek_operator_id(rest: &[u8], layout: &Layout) -> String {
    let mut r = Reader::new(rest);
    if layout.operator_names && (r.utf("").is_err() || r.utf("").is_err()) {
        return String::new();
    }
    match r.take(16, "") {
        Ok(b) => format!(" (id {})", OperatorId(b.try_into().unwrap_or([0; 16]))),
        Err(_) => String::new(),
    }
}

/// `serializeMasterState`: magic, length, then a block of version, name, payload length, payload
/// that must be used up exactly.
fn master_state<'a>(r: &mut Reader<'a>) -> Result<MasterState<'a>> {
    let at = r.pos();
    let magic = r.i32("master state magic number")? as u32;
    if magic != MASTER_STATE_MAGIC {
        return Err(error::Error::new(
            ErrorKind::Invalid {
                what: "master state magic number",
                found: i64::from(magic),
                expected: "0xc96b1696",
            },
            at,
        ));
    }
    let at = r.pos();
    let len = r.i32("master state length")?;
    if len <= 0 {
        return Err(error::Error::new(
            ErrorKind::Invalid {
                what: "master state length",
                found: i64::from(len),
                expected: "a positive length",
            },
            at,
        ));
    }
    let block_start = r.pos();
    let block = r.take(len as usize, "master state bytes")?;
    // Decode inside the block with absolute offsets: a sub-reader over the same input.
    let mut inner = SubReader::new(r, block_start, block.len());
    let version = inner.r.i32("master state version")?;
    let name = inner.r.utf("master state name")?;
    let plen = inner.r.count("master state payload length", u64::MAX, 1)?;
    let payload = inner.r.take(plen, "master state payload")?;
    if !inner.at_end() {
        return Err(inner.r.err(ErrorKind::Invalid {
            what: "master state trailing bytes",
            found: inner.left() as i64,
            expected: "none",
        }));
    }
    Ok(MasterState {
        name,
        version,
        payload,
    })
}

/// A reader limited to `[start, start + len)` of the same input, so offsets stay absolute.
struct SubReader<'a> {
    r: Reader<'a>,
    end: usize,
}

impl<'a> SubReader<'a> {
    fn new(outer: &Reader<'a>, start: usize, len: usize) -> Self {
        SubReader {
            r: outer.window(start, len),
            end: start + len,
        }
    }
    fn at_end(&self) -> bool {
        self.r.pos() == self.end
    }
    fn left(&self) -> usize {
        self.end.saturating_sub(self.r.pos())
    }
}

/// One operator record (`deserializeOperatorState` of V2, V3 and V5).
fn operator_state<'a>(r: &mut Reader<'a>, layout: &Layout) -> Result<OperatorState<'a>> {
    let (name, uid) = if layout.operator_names {
        let name = r.utf("operator name")?;
        let uid = r.utf("operator uid")?;
        (
            (!name.is_empty()).then_some(name),
            (!uid.is_empty()).then_some(uid),
        )
    } else {
        (None, None)
    };
    let id = OperatorId(r.take(16, "operator id")?.try_into().expect("16 bytes"));
    let par_at = r.pos();
    let parallelism = r.i32("parallelism")?;
    let max_parallelism = r.i32("max parallelism")?;
    // OperatorState's constructor: "Parallelism %s is not smaller or equal to max parallelism %s."
    if parallelism > max_parallelism {
        return Err(error::Error::new(
            ErrorKind::Invalid {
                what: "parallelism",
                found: i64::from(parallelism),
                expected: "at most the max parallelism",
            },
            par_at,
        ));
    }
    let mut op = OperatorState {
        id,
        name,
        uid,
        parallelism,
        max_parallelism,
        coordinator: None,
        fully_finished: false,
        subtasks: Vec::new(),
    };

    if layout.legacy_fields {
        r.i32("legacy chain length")?;
    } else {
        let at = r.pos();
        let coordinator = stream_handle(r, 0).map_err(|e| e.within("coordinator state"))?;
        match &coordinator {
            None | Some(StreamHandle::ByteStream { .. }) => op.coordinator = coordinator,
            Some(other) => {
                return Err(error::Error::new(
                    ErrorKind::Invalid {
                        what: "coordinator state handle",
                        found: i64::from(handle_code_of(other)),
                        expected: "a ByteStreamStateHandle (code 1) or null",
                    },
                    at,
                ))
            }
        }
    }

    let at = r.pos();
    let n = r.i32("number of subtask states")?;
    if n < 0 && !layout.legacy_fields {
        // Fully finished operator (from 1.14): no subtasks, and no coordinator state.
        if op.coordinator.is_some() {
            return Err(error::Error::new(
                ErrorKind::Invalid {
                    what: "coordinator state of a fully finished operator",
                    found: 1,
                    expected: "none",
                },
                at,
            ));
        }
        op.fully_finished = true;
        return Ok(op);
    }
    let n = r.check_count(
        at,
        "number of subtask states",
        i64::from(n.max(0)),
        MAX_SUBTASKS,
        4,
    )?;
    let mut subtasks = Vec::with_capacity(n);
    for i in 0..n {
        let at = r.pos();
        let stored = r.i32("subtask index")?;
        let st = if stored < 0 && !layout.legacy_fields {
            SubtaskState {
                index: (-(i64::from(stored)) - 1) as u32,
                finished: true,
                ..Default::default()
            }
        } else {
            let mut st =
                subtask_state(r, layout).map_err(|e| e.within(format!("subtask {stored}")))?;
            st.index = stored.max(0) as u32;
            if stored < 0 {
                return Err(error::Error::new(
                    ErrorKind::Invalid {
                        what: "subtask index",
                        found: i64::from(stored),
                        expected: "a non-negative index",
                    },
                    at,
                ));
            }
            st
        };
        // OperatorState.putState: "The given sub task index %d exceeds the maximum number of sub tasks %d"
        if i64::from(st.index) >= i64::from(parallelism) {
            return Err(error::Error::new(
                ErrorKind::Invalid {
                    what: "subtask index",
                    found: i64::from(st.index),
                    expected: "an index below the operator's parallelism",
                },
                at,
            )
            .within(format!("subtask entry {i}")));
        }
        subtasks.push(st);
    }
    // Flink keeps subtasks in a map: a repeated index replaces the earlier record. Flink writes
    // them in ascending order (its map iterates small integers in order), so most files need
    // no reordering, and moving 25,600 records of a few hundred bytes is not free.
    if !subtasks.windows(2).all(|w| w[0].index < w[1].index) {
        subtasks.reverse();
        subtasks.sort_by_key(|s| s.index);
        subtasks.dedup_by_key(|s| s.index);
    }
    op.subtasks = subtasks;
    Ok(op)
}

fn handle_code_of(h: &StreamHandle<'_>) -> u8 {
    match h {
        StreamHandle::ByteStream { .. } => 1,
        StreamHandle::File { .. } => 2,
        StreamHandle::KeyGroups(_) => 3,
        StreamHandle::RelativeFile { .. } => 6,
        StreamHandle::Segment { .. } => 15,
        StreamHandle::EmptySegment => 16,
    }
}

/// `deserializeSubtaskState`: [V2: legacy duration and legacy state count], managed and raw
/// operator state (each behind an i32 presence flag), managed and raw keyed state, then (V3+)
/// input-channel and result-subpartition handles.
fn subtask_state<'a>(r: &mut Reader<'a>, layout: &Layout) -> Result<SubtaskState<'a>> {
    if layout.legacy_fields {
        r.i64("legacy duration")?;
        let at = r.pos();
        let legacy = r.i32("legacy state count")?;
        if legacy > 0 {
            return Err(error::Error::new(
                ErrorKind::Invalid {
                    what: "legacy state count (Flink <= 1.1 'Checkpointed' state)",
                    found: i64::from(legacy),
                    expected: "0",
                },
                at,
            ));
        }
    }
    let mut st = SubtaskState::default();
    if r.i32("managed operator state flag")? != 0 {
        st.managed_operator =
            operator_handle(r, 0).map_err(|e| e.within("managed operator state"))?;
    }
    if r.i32("raw operator state flag")? != 0 {
        st.raw_operator = operator_handle(r, 0)
            .map_err(|e| e.within("raw operator state"))?
            .map(Box::new);
    }
    st.managed_keyed = keyed(r, layout).map_err(|e| e.within("managed keyed state"))?;
    st.raw_keyed = keyed(r, layout)
        .map_err(|e| e.within("raw keyed state"))?
        .map(Box::new);
    if layout.channel_state() {
        let typed = layout.typed_channel_handles;
        st.input_channels = channels(r, ChannelDirection::Input, typed)
            .map_err(|e| e.within("input channel state"))?;
        st.output_channels = channels(r, ChannelDirection::Output, typed)
            .map_err(|e| e.within("result subpartition state"))?;
    }
    Ok(st)
}

/// A keyed handle. Codes 8/9/10 inside a V3 file may use Flink 1.14's shorter layout: the 1.15
/// layout is tried first and the 1.14 one if that fails (Flink itself cannot read the latter).
fn keyed<'a>(r: &mut Reader<'a>, layout: &Layout) -> Result<Option<KeyedHandle<'a>>> {
    let start = *r;
    match keyed_handle(r, 0, ChangelogLayout::Flink115) {
        Ok(h) => Ok(h),
        Err(e) if layout.changelog_1_14 && is_changelog_code(start) => {
            let mut retry = start;
            match keyed_handle(&mut retry, 0, ChangelogLayout::Flink114) {
                Ok(h) => {
                    *r = retry;
                    Ok(h)
                }
                Err(_) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

fn is_changelog_code(r: Reader<'_>) -> bool {
    let mut r = r;
    matches!(
        r.u8("").map(HandleCode),
        Ok(HandleCode::CHANGELOG
            | HandleCode::CHANGELOG_BYTE_INCREMENT
            | HandleCode::CHANGELOG_FILE_INCREMENT)
    )
}

/// `deserializeCollection`: a count, then that many channel handles. Flink reads this count with
/// a plain loop, so a negative count is an empty collection, not an error.
fn channels<'a>(
    r: &mut Reader<'a>,
    direction: ChannelDirection,
    typed: bool,
) -> Result<Vec<ChannelHandle<'a>>> {
    let at = r.pos();
    let n = r.i32("channel state count")?;
    let n = r.check_count(
        at,
        "channel state count",
        i64::from(n.max(0)),
        MAX_LIST_ENTRIES,
        20,
    )?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(
            channel_handle(r, direction, typed)
                .map_err(|e| e.within(format!("channel handle {i}")))?,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A V3 file with one operator (parallelism 3) whose subtask records carry `indices` in
    /// that order, each with managed operator state named after its position in the file.
    /// Invented bytes: Flink writes each index once, ascending; this is the abnormal case.
    fn v3_with_subtasks(indices: &[i32]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend(MAGIC.to_be_bytes());
        b.extend(3i32.to_be_bytes());
        b.extend(1i64.to_be_bytes()); // checkpoint id
        b.extend(0i32.to_be_bytes()); // master states
        b.extend(1i32.to_be_bytes()); // operators
        b.extend([7u8; 16]); // operator id
        b.extend(3i32.to_be_bytes()); // parallelism
        b.extend(128i32.to_be_bytes()); // max parallelism
        b.push(0); // no coordinator state
        b.extend((indices.len() as i32).to_be_bytes());
        for (pos, index) in indices.iter().enumerate() {
            b.extend(index.to_be_bytes());
            b.extend(1i32.to_be_bytes()); // managed operator state present
            b.push(4); // PARTITIONABLE_OPERATOR
            b.extend(1i32.to_be_bytes()); // one named state
            let name = format!("record-{pos}");
            b.extend((name.len() as u16).to_be_bytes());
            b.extend(name.as_bytes());
            b.push(0); // SPLIT_DISTRIBUTE
            b.extend(0i32.to_be_bytes()); // no offsets
            b.push(1); // ByteStreamStateHandle
            b.extend(2u16.to_be_bytes());
            b.extend(b"op");
            b.extend(0i32.to_be_bytes()); // empty payload
            b.extend(0i32.to_be_bytes()); // no raw operator state
            b.extend([0u8, 0u8]); // no managed, no raw keyed state
            b.extend(0i32.to_be_bytes()); // no input channel state
            b.extend(0i32.to_be_bytes()); // no output channel state
        }
        b
    }

    fn decoded(indices: &[i32]) -> Vec<(u32, String)> {
        let bytes = v3_with_subtasks(indices);
        let md = parse(&bytes).expect("decodes");
        md.operators[0]
            .subtasks
            .iter()
            .map(|s| {
                let h = s.managed_operator.as_ref().expect("managed operator state");
                (s.index, h.states[0].name.to_str().into_owned())
            })
            .collect()
    }

    #[test]
    fn subtasks_in_order_are_kept_as_written() {
        assert_eq!(
            decoded(&[0, 1, 2]),
            [(0, "record-0"), (1, "record-1"), (2, "record-2")].map(|(i, n)| (i, n.to_string()))
        );
    }

    #[test]
    fn subtasks_are_sorted_and_a_repeated_index_keeps_the_last_record() {
        // As Flink's map: the later put for index 1 replaces the earlier one.
        assert_eq!(
            decoded(&[2, 1, 0, 1]),
            [(0, "record-2"), (1, "record-3"), (2, "record-0")].map(|(i, n)| (i, n.to_string()))
        );
    }
}
