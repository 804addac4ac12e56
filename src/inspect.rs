//! `inspect` as a library call: [`inspect`] decodes one loaded `_metadata` file once and
//! derives what every `inspect` output shows (the summary with its evidence, the key-group
//! probe of V2/V3 snapshots, totals, which named uids label nothing), as [`crate::fold`]s run
//! in that one pass, on two threads for large files ([`crate::split`]). A renderer that works
//! per operator joins the same pass as one more fold ([`inspect_with`]); one that needs the
//! operators again after the summary gets them through [`Inspection::map_operators`].
//!
//! The searcher → sink ← printer shape of ripgrep: this module drives the decoding, folds are
//! the sinks, `render` holds the printers, and `cli::inspect` only picks one.

use std::collections::HashSet;

use crate::analysis::{self, Summarizer, Summary};
use crate::fold::{self, Fold, Totals};
use crate::format::{self, Records};
use crate::load::Loaded;
use crate::model::{Metadata, OperatorId, OperatorState, UidLabels};
use crate::probe::Prober;
use crate::split;

/// How to inspect.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// On a damaged file, keep what was decoded before the damage (decoding on one thread)
    /// instead of failing; [`Inspection::error`] says where decoding stopped.
    pub lossy: bool,
    /// Uids the user named: [`Inspection::unmatched_uids`] lists those that label no operator.
    pub uids: UidLabels,
}

/// What [`inspect`] found in one file.
#[derive(Debug)]
pub struct Inspection<'a> {
    /// The `_metadata` file read, as shown in every output.
    pub path: String,
    /// Everything the file holds but the operators (`operators` is empty: they were folded,
    /// not kept).
    pub metadata: Metadata<'a>,
    /// The derived facts, the key-group probe applied.
    pub summary: Summary,
    /// How many operators were decoded (all of them unless a lossy decode met damage).
    pub operators: usize,
    /// The sum of the decoded operators' state sizes (Flink's `getStateSize()`).
    pub state_size: i64,
    /// With [`Options::lossy`]: where decoding stopped on a damaged file.
    pub error: Option<format::Error>,
    /// The uids of [`Options::uids`] that label no decoded operator, with their OperatorIDs,
    /// sorted by uid.
    pub unmatched_uids: Vec<(String, OperatorId)>,
    bytes: &'a [u8],
}

/// Inspects one loaded file: decodes it once and folds every operator into the summary,
/// the probe and the totals. An error only when nothing could be read (or, without
/// [`Options::lossy`], when any part of the file does not decode): the path and the decoding
/// error with its offset.
pub fn inspect<'a>(loaded: &'a Loaded, options: &Options) -> crate::Result<Inspection<'a>> {
    inspect_with(loaded, options, &mut ())
}

/// [`inspect`] with one more fold run in the same pass (a renderer's rows, say).
pub fn inspect_with<'a, F>(
    loaded: &'a Loaded,
    options: &Options,
    extra: &mut F,
) -> crate::Result<Inspection<'a>>
where
    F: Fold<'a> + Sync,
{
    let bytes: &'a [u8] = &loaded.bytes;
    let fail = |e: format::Error| crate::Error::from(e).with_path(&loaded.path);
    let version = format::read_version(bytes).map_err(fail)?;
    let mut folds = (
        Summarizer::new(version),
        Prober::new(version, &loaded.dir),
        Totals::default(),
        Seen::new(&options.uids),
        extra,
    );
    let (md, error) = if options.lossy {
        let l = fold::lossy(bytes, &mut folds);
        (l.metadata, l.error)
    } else {
        match split::fold(bytes, &mut folds) {
            Ok(m) => (Some(m), None),
            Err(e) => (None, Some(e)),
        }
    };
    let (md, error) = match (md, error) {
        (Some(md), error) => (md, error),
        (None, Some(e)) => return Err(fail(e)),
        (None, None) => unreachable!("a decode without metadata has an error"),
    };
    let (summarizer, prober, totals, seen, _) = folds;
    let location = loaded.dir.file_name().map(|n| n.to_string_lossy());
    let mut summary = summarizer.finish(&md, location.as_deref());
    if let Some(probed) = prober.finish() {
        analysis::apply_probe(&mut summary, &probed);
    }
    Ok(Inspection {
        path: loaded.path.display().to_string(),
        metadata: md,
        summary,
        operators: totals.operators,
        state_size: totals.state_size,
        error,
        unmatched_uids: seen.unmatched(),
        bytes,
    })
}

impl<'a> Inspection<'a> {
    /// The decoded operators again, in file order (all of them, or with a lossy decode those
    /// before the damage), decoded anew one at a time.
    pub fn for_each_operator(&self, mut each: impl FnMut(OperatorState<'a>)) {
        let Ok(mut records) = Records::new(self.bytes) else {
            return;
        };
        for _ in 0..self.operators {
            match records.next_operator() {
                Ok(Some(op)) => each(op),
                _ => return,
            }
        }
    }

    /// [`Inspection::for_each_operator`] with `map` applied on a second thread, whose
    /// results `consume` takes here, in order, with at most a few in flight (memory stays at
    /// a few operators): how `inspect --json` builds operator documents while it writes the
    /// previous ones. Without a second thread (it could not be started) all runs here.
    pub fn map_operators<T: Send>(
        &self,
        map: impl Fn(&OperatorState<'a>) -> T + Sync,
        consume: &mut dyn FnMut(T),
    ) {
        pipelined(|send| self.for_each_operator(|op| send(map(&op))), consume)
    }
}

/// Runs `produce` on a second thread and hands what it sends to `consume` here, in order, with
/// at most a few items in flight. Without a second thread `produce` runs here.
fn pipelined<T: Send>(produce: impl FnOnce(&mut dyn FnMut(T)) + Send, consume: &mut dyn FnMut(T)) {
    let produce = std::sync::Mutex::new(Some(produce));
    let (tx, rx) = std::sync::mpsc::sync_channel::<T>(2);
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("json-producer".into())
            .spawn_scoped(scope, || {
                let produce = produce.lock().ok().and_then(|mut p| p.take());
                if let Some(produce) = produce {
                    // A send fails only once this side has stopped receiving.
                    produce(&mut |item| drop(tx.send(item)));
                }
                drop(tx);
            });
        match spawned {
            Ok(_) => rx.into_iter().for_each(&mut *consume),
            Err(_) => {
                let produce = produce.lock().ok().and_then(|mut p| p.take());
                if let Some(produce) = produce {
                    produce(consume);
                }
            }
        }
    });
}

/// Which of the named uids' OperatorIDs the file has.
struct Seen<'u> {
    uids: &'u UidLabels,
    seen: HashSet<OperatorId>,
}

impl<'u> Seen<'u> {
    fn new(uids: &'u UidLabels) -> Self {
        Seen {
            uids,
            seen: HashSet::new(),
        }
    }

    fn unmatched(&self) -> Vec<(String, OperatorId)> {
        self.uids
            .all()
            .into_iter()
            .filter(|(_, id)| !self.seen.contains(id))
            .map(|(uid, id)| (uid.to_string(), *id))
            .collect()
    }
}

impl Fold<'_> for Seen<'_> {
    type Part = Option<OperatorId>;
    fn part(&self, op: &OperatorState<'_>) -> Option<OperatorId> {
        self.uids.get(&op.id).map(|_| op.id)
    }
    fn absorb(&mut self, id: Option<OperatorId>) {
        self.seen.extend(id);
    }
}
