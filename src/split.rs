//! Decoding one large file on two threads.
//!
//! A `_metadata` file is a chain of variable-length records with no index, so its second half
//! cannot be found without decoding the first. A helper thread guesses instead: from halfway
//! through what is left it looks for offsets where an operator record plausibly starts
//! ([`format::next_operator_candidate`]), decodes consecutive records from there (a chain) and
//! turns each operator into the caller's digest. A guess inside some payload gives a short
//! chain that soon fails; the helper drops it and looks further. The chain it keeps runs to
//! where the operators end (end of file for V3, the trailer's Java stream magic for V4+).
//!
//! The calling thread decodes from the front as usual and, at each record boundary it reaches,
//! looks the offset up among the chain's boundaries. On a match the helper decoded, from there
//! on, exactly the bytes the caller would have: the caller takes the helper's digests in order,
//! at most as many as the file has operators left, and goes on after them (at the trailer, or
//! at a record the helper could not decode, which the caller then decodes itself and so reports
//! the error the sequential decoder gives). Without a match it simply goes on; it never waits.
//!
//! So the result is always the sequential one: the digests reach `sink` in file order, one
//! per operator, and errors are found and reported by the caller. What the helper may do in
//! vain is decode (and digest) records at a wrong guess or past the last operator; digests
//! must therefore be pure functions of the operator, reading at most the snapshot's own files,
//! and must not depend on the operators before it (which the helper has not seen): `inspect`
//! decodes V2/V3 snapshots, whose key-group probe has a budget shared across operators, on
//! one thread.
//!
//! Architecture invariant: the only place a decode is split across threads; `format` itself
//! never starts one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::fold::{self, Collect, Digests, Fold};
use crate::format::{self, Records};
use crate::model::{Metadata, MetadataVersion, OperatorState};

/// Files smaller than this are decoded on one thread: starting a second costs more than it
/// saves.
pub const MIN_SPLIT_LEN: usize = 16 << 20;

/// How far past the middle the helper looks for a record boundary. Operators of a large file
/// are usually a few hundred KB apart; where they are further apart the file is mostly inline
/// payload, decoding is mostly page mapping, and a second decoder only competes with it.
const SEARCH_WINDOW: usize = 2 << 20;

/// The first bytes of a Java serialization stream: the V4+ trailer after the last operator.
const JAVA_STREAM_MAGIC: [u8; 4] = [0xAC, 0xED, 0x00, 0x05];

/// Runs `fold` over every operator of `bytes` (see [`crate::fold`]): its parts are absorbed in
/// file order, one per operator, and the returned [`Metadata`] has every field except
/// `operators`. Large files are decoded on two threads (see the module docs); a fold that
/// must part [`Fold::in_order`] is run on one.
pub fn fold<'a, F>(bytes: &'a [u8], fold: &mut F) -> format::Result<Metadata<'a>>
where
    F: Fold<'a> + Sync,
{
    let version = format::read_version(bytes)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if bytes.len() < MIN_SPLIT_LEN || cores < 2 || !splittable(version) || fold.in_order() {
        return fold::sequential(bytes, fold);
    }
    split(bytes, Plan::Adaptive, fold).0
}

/// [`fold`] with a digest function and a sink: `digest(operator)` of every operator reaches
/// `sink` in file order.
pub fn parse_digests<'a, D: Send>(
    bytes: &'a [u8],
    digest: &(dyn Fn(OperatorState<'a>) -> D + Sync),
    sink: impl FnMut(D) + Sync,
) -> format::Result<Metadata<'a>> {
    fold(bytes, &mut Digests { digest, sink })
}

/// [`format::parse`] (the whole model), on two threads for large files like [`fold`]: the
/// helper's parts are its decoded operators.
pub fn parse(bytes: &[u8]) -> format::Result<Metadata<'_>> {
    let mut operators = Collect::default();
    let mut md = fold(bytes, &mut operators)?;
    md.operators = operators.0;
    Ok(md)
}

/// [`parse`] with the helper started from the middle whatever the file (tests).
#[cfg(test)]
fn parse_split_in_the_middle(bytes: &[u8]) -> format::Result<Metadata<'_>> {
    let mut operators = Collect::default();
    let mut md = fold_split_at(bytes, bytes.len() / 2, &mut operators)?;
    md.operators = operators.0;
    Ok(md)
}

/// [`parse_digests`] with the helper started at once from `from` and waited for, whatever the
/// file's size: for tests and the fuzzer, which check that it equals the sequential decode.
#[doc(hidden)]
pub fn parse_digests_split_at<'a, D: Send>(
    bytes: &'a [u8],
    from: usize,
    digest: &(dyn Fn(OperatorState<'a>) -> D + Sync),
    sink: impl FnMut(D) + Sync,
) -> format::Result<Metadata<'a>> {
    fold_split_at(bytes, from, &mut Digests { digest, sink })
}

/// [`fold`] with the helper started at once from `from` and waited for (tests, fuzzer).
#[doc(hidden)]
pub fn fold_split_at<'a, F>(
    bytes: &'a [u8],
    from: usize,
    fold: &mut F,
) -> format::Result<Metadata<'a>>
where
    F: Fold<'a> + Sync,
{
    let version = format::read_version(bytes)?;
    if !splittable(version) {
        return fold::sequential(bytes, fold);
    }
    split(bytes, Plan::WaitFrom(from), fold).0
}

/// Whether a record boundary can be guessed in files of this version: not with V2's legacy
/// fields ([`format::next_operator_candidate`]).
fn splittable(version: MetadataVersion) -> bool {
    version.layout().is_some_and(|l| !l.legacy_fields)
}

/// The helper's current run of consecutive records: where it starts, where each record ends,
/// and each record's part.
struct Chain<P> {
    start: Option<usize>,
    ends: Vec<usize>,
    parts: Vec<P>,
    /// The caller has found one of this chain's boundaries: the helper must keep it.
    claimed: bool,
}

impl<P> Chain<P> {
    /// How many of this chain's records lie before `at`, if `at` is one of its boundaries.
    fn records_before(&self, at: usize) -> Option<usize> {
        let start = self.start?;
        if at == start {
            return Some(0);
        }
        self.ends.binary_search(&at).ok().map(|i| i + 1)
    }
}

fn lock<P>(m: &Mutex<Chain<P>>) -> MutexGuard<'_, Chain<P>> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// When the helper starts and where it looks.
#[derive(Clone, Copy, Debug)]
enum Plan {
    /// Decide after the first 64th of the file: start the helper halfway through the rest
    /// if the file so far is dense with records (operators at most half a search window apart,
    /// at most [`MAX_BYTES_PER_SUBTASK`] per subtask record), else stay on one thread. The
    /// caller never waits for the helper: at a boundary the helper has not decoded through
    /// (yet), it goes on itself.
    Adaptive,
    /// Start the helper at once, searching from `from`, and wait for it to finish once the
    /// caller reaches `from`: tests use this to take the join path whatever the timing.
    WaitFrom(usize),
}

/// Files with more bytes per subtask record than this are mostly inline payload: mapping
/// their pages, not decoding, is the work, and a second decoder only competes with the
/// thread that maps them (`load`'s prefault). Measured: a 1 GB file with 42 KB per subtask
/// took 59-66 ms on one decoding thread and 72-80 ms on two.
const MAX_BYTES_PER_SUBTASK: usize = 16 << 10;

/// What the caller's decoding while the helper ran produced: its own parts (absorbed once the
/// helper is done, since the helper shares the fold), and the helper's claimed parts with the
/// offset where they end.
struct Joined<P> {
    own: Vec<P>,
    claimed: Option<(Vec<P>, usize)>,
    error: Option<format::Error>,
}

/// The two-thread decode, in three steps over one [`Records`] cursor: alone (and absorbing)
/// until the plan says when and where to start the helper; beside the helper (keeping its own
/// parts) until it reaches one of the helper's record boundaries or the end; then alone again
/// after the helper's records. Also returns how many of the helper's parts were taken.
fn split<'a, F>(bytes: &'a [u8], plan: Plan, f: &mut F) -> (format::Result<Metadata<'a>>, usize)
where
    F: Fold<'a> + Sync,
{
    let mut records = match Records::new(bytes) {
        Ok(r) => r,
        Err(e) => return (Err(e), 0),
    };
    if let Err(e) = records.read_master_states() {
        return (Err(e), 0);
    }
    let version = records.version();
    let count = records.operators_total();

    // Alone, until the decision (Adaptive) or not at all (WaitFrom).
    let mut subtasks = 0usize;
    let (from, wait) = match plan {
        Plan::WaitFrom(from) => (Some(from), true),
        Plan::Adaptive => {
            let mut from = None;
            loop {
                let op = match records.next_operator() {
                    Ok(Some(op)) => op,
                    Ok(None) => break,
                    Err(e) => return (Err(e), 0),
                };
                subtasks += op.subtasks.len();
                let part = f.part_owned(op);
                f.absorb(part);
                let (decoded, at) = (records.decoded(), records.position());
                if at >= bytes.len() / 64 {
                    let dense = at / decoded <= SEARCH_WINDOW / 2
                        && at / subtasks.max(1) <= MAX_BYTES_PER_SUBTASK;
                    if dense && decoded < count {
                        from = Some(at + (bytes.len() - at) / 2);
                    }
                    break;
                }
            }
            (from, false)
        }
    };

    let mut taken = 0;
    if let Some(from) = from {
        let joined = beside_the_helper(bytes, version, from, wait, &mut records, &*f);
        for part in joined.own {
            f.absorb(part);
        }
        if let Some(e) = joined.error {
            return (Err(e), 0);
        }
        if let Some((parts, end)) = joined.claimed {
            taken = parts.len();
            for part in parts {
                f.absorb(part);
            }
            records.skip_to(taken, end);
        }
    }

    // Alone again, to the end.
    let result = (|| {
        while let Some(op) = records.next_operator()? {
            let part = f.part_owned(op);
            f.absorb(part);
        }
        records.finish()
    })();
    (result.map(|()| records.into_metadata()), taken)
}

/// Decodes from the cursor's position while the helper decodes from `from`, until the cursor
/// reaches one of the helper's record boundaries (then it takes the helper's parts from there,
/// at most as many as the file has operators left) or the end of the operators (the helper's
/// work was in vain). With `wait` the caller waits for the helper once it passes `from`.
fn beside_the_helper<'a, F>(
    bytes: &'a [u8],
    version: MetadataVersion,
    from: usize,
    wait: bool,
    records: &mut Records<'a>,
    f: &F,
) -> Joined<F::Part>
where
    F: Fold<'a> + Sync,
{
    let chain = Mutex::new(Chain {
        start: None,
        ends: Vec::new(),
        parts: Vec::new(),
        claimed: false,
    });
    let stop = AtomicBool::new(false);
    let count = records.operators_total();
    let mut joined = Joined {
        own: Vec::new(),
        claimed: None,
        error: None,
    };
    std::thread::scope(|scope| {
        let (chain, stop) = (&chain, &stop);
        let mut helper = std::thread::Builder::new()
            .name("decode-2".into())
            .spawn_scoped(scope, move || helper(bytes, version, from, f, chain, stop))
            .ok();
        loop {
            match records.next_operator() {
                Ok(Some(op)) => joined.own.push(f.part_owned(op)),
                Ok(None) => break,
                Err(e) => {
                    joined.error = Some(e);
                    break;
                }
            }
            let (decoded, at) = (records.decoded(), records.position());
            if wait && at >= from {
                if let Some(h) = helper.take() {
                    let _ = h.join();
                }
            } else if helper.is_none() {
                continue;
            }
            let skip = {
                let mut c = lock(chain);
                let Some(skip) = c.records_before(at) else {
                    continue;
                };
                c.claimed = true;
                skip
            };
            // The helper finishes the claimed chain (to the last record it can decode).
            if let Some(h) = helper.take() {
                let _ = h.join();
            }
            let mut c = lock(chain);
            let take = c.parts.len().saturating_sub(skip).min(count - decoded);
            if take > 0 {
                let end = c.ends[skip + take - 1];
                joined.claimed = Some((c.parts.drain(skip..skip + take).collect(), end));
            }
            break;
        }
        stop.store(true, Ordering::Relaxed);
    });
    joined
}

/// The helper thread. Finds the first plausible record start at or after `from`, decodes
/// consecutive records from there (a chain) until one fails, and then either keeps the chain
/// (it is claimed, or it ran up to where the operators end: the end of a V3 file or the V4+
/// trailer's stream magic) or drops it and searches again: from just after its start for a
/// short chain (a guess inside some payload), from where it failed for a longer one.
fn helper<'a, F: Fold<'a>>(
    bytes: &'a [u8],
    version: MetadataVersion,
    from: usize,
    f: &F,
    chain: &Mutex<Chain<F::Part>>,
    stop: &AtomicBool,
) {
    let mut search = from;
    loop {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let window = from.saturating_add(SEARCH_WINDOW).min(bytes.len());
        let Some(start) = format::next_operator_candidate(bytes, version, search, window) else {
            return;
        };
        let mut at = start;
        let mut records = 0usize;
        loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            match format::operator_record(bytes, version, at) {
                Ok((op, end)) => {
                    let part = f.part_owned(op);
                    let mut c = lock(chain);
                    if records == 0 {
                        c.start = Some(start);
                        c.ends.clear();
                        c.parts.clear();
                    }
                    c.ends.push(end);
                    c.parts.push(part);
                    records += 1;
                    at = end;
                }
                Err(_) => break,
            }
        }
        let at_the_end = at == bytes.len() || bytes.get(at..at + 4) == Some(&JAVA_STREAM_MAGIC);
        let mut c = lock(chain);
        if c.claimed || (records > 0 && at_the_end) {
            return;
        }
        c.start = None;
        c.ends.clear();
        c.parts.clear();
        search = if records > 2 { at } else { start + 1 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every fixture, split at every offset step: the digests equal the sequential decode's.
    #[test]
    fn split_decoding_equals_sequential_decoding_wherever_the_helper_starts() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let mut files = Vec::new();
        collect(&root, &mut files);
        assert!(files.len() > 200, "fixtures found: {}", files.len());
        let digest = |op: OperatorState<'_>| (op.id, op.subtasks.len(), op.state_size());
        let mut checked_splices = 0;
        let mut joined = 0;
        for f in &files {
            let bytes = std::fs::read(f).unwrap();
            if format::read_version(&bytes).is_err() {
                continue;
            }
            let mut want = Vec::new();
            let expected = fold::sequential(
                &bytes,
                &mut Digests {
                    digest: &digest,
                    sink: |d| want.push(d),
                },
            );
            let step = (bytes.len() / 16).max(1);
            for from in (0..bytes.len()).step_by(step) {
                let mut got = Vec::new();
                let (result, taken) = split(
                    &bytes,
                    Plan::WaitFrom(from),
                    &mut Digests {
                        digest: &digest,
                        sink: |d| got.push(d),
                    },
                );
                joined += usize::from(taken > 0);
                match (&expected, &result) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!(a.checkpoint_id, b.checkpoint_id);
                        assert_eq!(a.properties.is_some(), b.properties.is_some());
                        assert_eq!(a.trailing_bytes, b.trailing_bytes, "{}", f.display());
                    }
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                    _ => panic!("{} split at {from}: {result:?}", f.display()),
                }
                assert_eq!(want, got, "{} split at {from}", f.display());
                checked_splices += 1;
            }
        }
        assert!(checked_splices > 1000);
        // The helper's work was used, not just discarded (most guesses land on a boundary).
        assert!(
            joined * 4 > checked_splices,
            "{joined} of {checked_splices} joined"
        );
    }

    /// The whole-model form, split in the middle, equals `format::parse`, model for model.
    #[test]
    fn parse_equals_format_parse() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        collect(&root.join("testdata"), &mut files);
        for f in &files {
            let bytes = std::fs::read(f).unwrap();
            for split in [parse, parse_split_in_the_middle] {
                match (format::parse(&bytes), split(&bytes)) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!(format!("{a:?}"), format!("{b:?}"), "{}", f.display())
                    }
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                    (a, b) => panic!("{}: {a:?} vs {b:?}", f.display()),
                }
            }
        }
    }

    fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                collect(&p, out);
            } else if p
                .file_name()
                .is_some_and(|n| n == "_metadata" || p.extension().is_some_and(|x| x == "bin"))
            {
                out.push(p);
            }
        }
    }
}
