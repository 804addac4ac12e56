//! A bounded big-endian cursor over the whole input. Every read checks the remaining bytes
//! first; offsets in errors are absolute positions in the file.

use byteorder::{BigEndian, ByteOrder};

use super::error::{Error, ErrorKind, Result};
use crate::model::{BeI64s, JavaStr};

#[derive(Clone, Copy, Debug)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    /// Everything before this has been prefetched (a hint only; see [`Reader::prefetch`]).
    fetched: usize,
}

/// How far ahead of the cursor lines are prefetched.
const PREFETCH_DISTANCE: usize = 1024;

/// A prefetch hint for the cache line holding `byte`. It has no effect on the program's state
/// and cannot fault; it only tells the CPU the line will be read soon.
#[inline(always)]
fn prefetch_line(byte: &u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` is `unsafe` only because it takes a raw pointer; a prefetch never
    // dereferences it architecturally (no fault, no read visible to the program), and this
    // pointer comes from a live reference anyway. SSE is part of the x86_64 baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            (byte as *const u8).cast::<i8>(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = byte;
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Reader {
            data,
            pos: 0,
            fetched: 0,
        }
    }

    /// A reader over `[start, start + len)` of the same input; offsets stay absolute.
    pub(crate) fn window(&self, start: usize, len: usize) -> Reader<'a> {
        let end = start.saturating_add(len).min(self.data.len());
        Reader {
            data: &self.data[..end],
            pos: start.min(end),
            fetched: self.fetched,
        }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// A reader over the same input positioned at `pos` (clamped to the end).
    pub(crate) fn at(&self, pos: usize) -> Reader<'a> {
        Reader {
            data: self.data,
            pos: pos.min(self.data.len()),
            fetched: self.fetched,
        }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The next byte without consuming it; `None` at the end.
    pub(crate) fn peek_u8(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    pub(crate) fn err(&self, kind: ErrorKind) -> Error {
        Error::new(kind, self.pos)
    }

    /// Takes exactly `n` bytes, or fails without moving.
    #[inline]
    pub(crate) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8]> {
        match self.data.get(self.pos..).and_then(|rest| rest.get(..n)) {
            Some(out) => {
                self.pos += n;
                self.prefetch();
                Ok(out)
            }
            None => Err(self.truncated(n, what)),
        }
    }

    /// Asks the CPU for the cache lines up to [`PREFETCH_DISTANCE`] past the cursor.
    ///
    /// Decoding is a chain of dependent loads (each length read decides where the next field
    /// is), so without this every record header that starts a new cache line waits for memory;
    /// on the 100 MB benchmark file that stall was about half the decode time (`BENCHMARKS.md`,
    /// "profile"). A short distance keeps large skipped payloads (inline state of a few KB)
    /// from being fetched: only their first lines are. Each line is requested once.
    #[inline(always)]
    fn prefetch(&mut self) {
        if cfg!(target_arch = "x86_64") {
            if self.fetched < self.pos {
                self.fetched = self.pos;
            }
            let target = (self.pos + PREFETCH_DISTANCE).min(self.data.len());
            while self.fetched < target {
                prefetch_line(&self.data[self.fetched]);
                self.fetched += 64;
            }
        }
    }

    /// The error of a short read, kept out of line: the hot path of every read is the check.
    #[cold]
    #[inline(never)]
    fn truncated(&self, n: usize, what: &'static str) -> Error {
        self.err(ErrorKind::Truncated {
            what,
            needed: n as u64,
            remaining: self.remaining() as u64,
        })
    }

    #[inline]
    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8> {
        Ok(self.take(1, what)?[0])
    }

    #[inline]
    pub(crate) fn bool(&mut self, what: &'static str) -> Result<bool> {
        Ok(self.u8(what)? != 0)
    }

    #[inline]
    pub(crate) fn i16(&mut self, what: &'static str) -> Result<i16> {
        Ok(BigEndian::read_i16(self.take(2, what)?))
    }

    #[inline]
    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16> {
        Ok(BigEndian::read_u16(self.take(2, what)?))
    }

    #[inline]
    pub(crate) fn i32(&mut self, what: &'static str) -> Result<i32> {
        Ok(BigEndian::read_i32(self.take(4, what)?))
    }

    #[inline]
    pub(crate) fn i64(&mut self, what: &'static str) -> Result<i64> {
        Ok(BigEndian::read_i64(self.take(8, what)?))
    }

    /// `DataInput.readUTF`: a `u16` length, then that many bytes of modified UTF-8.
    #[inline]
    pub(crate) fn utf(&mut self, what: &'static str) -> Result<JavaStr<'a>> {
        let start = *self;
        let n = self.u16(what)?;
        match self.take(usize::from(n), what) {
            Ok(bytes) => Ok(JavaStr(bytes)),
            Err(e) => {
                *self = start;
                Err(e)
            }
        }
    }

    /// A string field that only some layouts have: read when `present`, else `None`.
    pub(crate) fn utf_if(
        &mut self,
        present: bool,
        what: &'static str,
    ) -> Result<Option<JavaStr<'a>>> {
        if present {
            self.utf(what).map(Some)
        } else {
            Ok(None)
        }
    }

    /// An `i64` field that only some layouts have: read when `present`, else `None`.
    pub(crate) fn i64_if(&mut self, present: bool, what: &'static str) -> Result<Option<i64>> {
        if present {
            self.i64(what).map(Some)
        } else {
            Ok(None)
        }
    }

    /// An `i32` count that must be in `0..=limit` and whose elements, each at least
    /// `min_element_size` bytes, must fit in what remains.
    #[inline]
    pub(crate) fn count(
        &mut self,
        what: &'static str,
        limit: u64,
        min_element_size: usize,
    ) -> Result<usize> {
        let at = self.pos;
        let n = self.i32(what)?;
        self.check_count(at, what, i64::from(n), limit, min_element_size)
    }

    #[inline]
    pub(crate) fn check_count(
        &self,
        at: usize,
        what: &'static str,
        n: i64,
        limit: u64,
        min_element_size: usize,
    ) -> Result<usize> {
        if n < 0 {
            return Err(Error::new(
                ErrorKind::Invalid {
                    what,
                    found: n,
                    expected: "a non-negative count",
                },
                at,
            ));
        }
        let n_u = n as u64;
        if n_u > limit {
            return Err(Error::new(
                ErrorKind::LimitExceeded {
                    what,
                    found: n,
                    limit,
                },
                at,
            ));
        }
        let fits = self.remaining() as u64 / (min_element_size.max(1) as u64);
        if n_u > fits {
            return Err(Error::new(
                ErrorKind::Truncated {
                    what,
                    needed: n_u.saturating_mul(min_element_size.max(1) as u64),
                    remaining: self.remaining() as u64,
                },
                self.pos,
            ));
        }
        Ok(n as usize)
    }

    /// `n` big-endian `i64` values, borrowed.
    pub(crate) fn i64s(&mut self, n: usize, what: &'static str) -> Result<BeI64s<'a>> {
        let bytes = n.checked_mul(8).ok_or_else(|| {
            self.err(ErrorKind::LimitExceeded {
                what,
                found: n as i64,
                limit: (usize::MAX / 8) as u64,
            })
        })?;
        Ok(BeI64s::new(self.take(bytes, what)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_reads_fail_with_offset() {
        let mut r = Reader::new(&[0, 0, 0, 1, 0xAA]);
        assert_eq!(r.i32("x").unwrap(), 1);
        let e = r.i32("field").unwrap_err();
        assert_eq!(e.offset(), 4);
        assert_eq!(
            e.to_string(),
            "truncated field: expected 4 bytes, found 1 at offset 0x4"
        );
    }

    #[test]
    fn counts_are_bounded_by_remaining_bytes() {
        let mut r = Reader::new(&[0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3]);
        let e = r.count("operators", u64::MAX, 4).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Truncated { .. }), "{e}");
        let mut r = Reader::new(&[0xFF, 0xFF, 0xFF, 0xFF]);
        assert!(matches!(
            r.count("n", 10, 1).unwrap_err().kind(),
            ErrorKind::Invalid { .. }
        ));
    }

    #[test]
    fn utf_does_not_move_on_failure() {
        let mut r = Reader::new(&[0, 5, b'a']);
        assert!(r.utf("name").is_err());
        assert_eq!(r.pos(), 0);
    }
}
