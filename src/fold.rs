//! Per-operator work in one shape: a [`Fold`] turns each decoded operator into a part (on any
//! thread, possibly ahead of file order) and absorbs the parts in file order. Folds compose
//! (a tuple of folds is a fold, `Option<F>` a fold that may be off), so everything `inspect`
//! derives from the operators is computed in one decoding pass; [`crate::split`] runs any fold
//! over a file on one or two threads with the same result.
//!
//! This is the sink side of ripgrep's searcher → sink ← printer split: the decoder drives,
//! the analyses and renderers are folds.

use crate::format::{self, Lossy, Records};
use crate::model::{Metadata, OperatorState};

/// Work done for each operator of a file: [`Fold::part`] of one operator (a pure function of
/// that operator, which may run on another thread and before the parts of earlier operators
/// have been absorbed), then [`Fold::absorb`] of the parts in file order.
///
/// A fold whose parts do depend on the parts absorbed before (the key-group probe's budget)
/// says so with [`Fold::in_order`]; its file is then decoded on one thread, each operator
/// parted and absorbed in turn.
pub trait Fold<'a> {
    /// What the fold keeps of one operator.
    type Part: Send;

    /// One operator's part.
    fn part(&self, op: &OperatorState<'a>) -> Self::Part;

    /// [`Fold::part`] of an operator the caller does not need any more (a fold that keeps
    /// whole operators takes it instead of cloning it).
    fn part_owned(&self, op: OperatorState<'a>) -> Self::Part {
        self.part(&op)
    }

    /// Takes in the next operator's part, in file order.
    fn absorb(&mut self, part: Self::Part);

    /// Whether parts must be made in file order, each after the previous one was absorbed.
    fn in_order(&self) -> bool {
        false
    }
}

impl<'a, F: Fold<'a> + ?Sized> Fold<'a> for &mut F {
    type Part = F::Part;
    fn part(&self, op: &OperatorState<'a>) -> F::Part {
        (**self).part(op)
    }
    fn part_owned(&self, op: OperatorState<'a>) -> F::Part {
        (**self).part_owned(op)
    }
    fn absorb(&mut self, part: F::Part) {
        (**self).absorb(part)
    }
    fn in_order(&self) -> bool {
        (**self).in_order()
    }
}

/// The fold that does nothing.
impl Fold<'_> for () {
    type Part = ();
    fn part(&self, _: &OperatorState<'_>) {}
    fn absorb(&mut self, _: ()) {}
}

/// A fold that may be off: `None` parts nothing and absorbs nothing.
impl<'a, F: Fold<'a>> Fold<'a> for Option<F> {
    type Part = Option<F::Part>;
    fn part(&self, op: &OperatorState<'a>) -> Self::Part {
        self.as_ref().map(|f| f.part(op))
    }
    fn part_owned(&self, op: OperatorState<'a>) -> Self::Part {
        self.as_ref().map(|f| f.part_owned(op))
    }
    fn absorb(&mut self, part: Self::Part) {
        if let (Some(f), Some(p)) = (self.as_mut(), part) {
            f.absorb(p);
        }
    }
    fn in_order(&self) -> bool {
        self.as_ref().is_some_and(|f| f.in_order())
    }
}

macro_rules! tuple_fold {
    ($($f:ident $i:tt),+) => {
        /// Several folds in one pass: each parts and absorbs every operator.
        impl<'a, $($f: Fold<'a>),+> Fold<'a> for ($($f,)+) {
            type Part = ($($f::Part,)+);
            fn part(&self, op: &OperatorState<'a>) -> Self::Part {
                ($(self.$i.part(op),)+)
            }
            fn absorb(&mut self, part: Self::Part) {
                $(self.$i.absorb(part.$i);)+
            }
            fn in_order(&self) -> bool {
                false $(|| self.$i.in_order())+
            }
        }
    };
}
tuple_fold!(A 0, B 1);
tuple_fold!(A 0, B 1, C 2);
tuple_fold!(A 0, B 1, C 2, D 3);
tuple_fold!(A 0, B 1, C 2, D 3, E 4);

/// Keeps every operator, in file order (the whole model).
#[derive(Debug, Default)]
pub struct Collect<'a>(pub Vec<OperatorState<'a>>);

impl<'a> Fold<'a> for Collect<'a> {
    type Part = OperatorState<'a>;
    fn part(&self, op: &OperatorState<'a>) -> OperatorState<'a> {
        op.clone()
    }
    fn part_owned(&self, op: OperatorState<'a>) -> OperatorState<'a> {
        op
    }
    fn absorb(&mut self, op: OperatorState<'a>) {
        self.0.push(op);
    }
}

/// Counts the operators and adds up their state sizes (Flink's `getStateSize()`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub operators: usize,
    pub state_size: i64,
}

impl Fold<'_> for Totals {
    type Part = i64;
    fn part(&self, op: &OperatorState<'_>) -> i64 {
        op.state_size()
    }
    fn absorb(&mut self, size: i64) {
        self.operators += 1;
        self.state_size = self.state_size.wrapping_add(size);
    }
}

/// A digest function and a sink as a fold: `digest(operator)` is the part, `sink` absorbs it.
pub struct Digests<'d, 'a, D, S> {
    pub digest: &'d (dyn Fn(OperatorState<'a>) -> D + Sync),
    pub sink: S,
}

impl<'a, D: Send, S: FnMut(D)> Fold<'a> for Digests<'_, 'a, D, S> {
    type Part = D;
    fn part(&self, op: &OperatorState<'a>) -> D {
        (self.digest)(op.clone())
    }
    fn part_owned(&self, op: OperatorState<'a>) -> D {
        (self.digest)(op)
    }
    fn absorb(&mut self, d: D) {
        (self.sink)(d)
    }
}

/// Runs `fold` over every operator of `bytes` on this thread: the metadata without its
/// operators, or the first error.
pub fn sequential<'a, F: Fold<'a>>(bytes: &'a [u8], fold: &mut F) -> format::Result<Metadata<'a>> {
    let mut records = Records::new(bytes)?;
    while let Some(op) = records.next_operator()? {
        let part = fold.part_owned(op);
        fold.absorb(part);
    }
    records.finish()?;
    Ok(records.into_metadata())
}

/// Runs `fold` over the operators of `bytes` up to the first error, on this thread: the
/// operators before the damage have been absorbed; the result says where decoding stopped.
pub fn lossy<'a, F: Fold<'a>>(bytes: &'a [u8], fold: &mut F) -> Lossy<'a> {
    Records::lossy(bytes, |op| {
        let part = fold.part_owned(op);
        fold.absorb(part);
    })
}
