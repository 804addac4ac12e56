//! Pretty JSON, byte for byte what `serde_json::to_writer_pretty` writes, in fewer writes.
//!
//! serde_json's `PrettyFormatter` writes a line break and then the indentation one level at a
//! time, each a separate `write_all`; on `inspect --json` of a 100 MB file (35 MB of output,
//! one row per subtask, nested five levels deep) those small writes were the largest single
//! cost after decoding. This formatter writes the separator, the line break and the whole
//! indentation as one slice.

use std::io;

use serde::Serialize;
use serde_json::ser::Formatter;

/// `,` + line break + spaces, sliced to the separator and depth needed.
const BREAK: &[u8; 130] = b",\n                                                                                                                                ";
/// Two spaces per level, as `serde_json::to_writer_pretty`.
const INDENT: usize = 2;

/// Serializes `value` as indented JSON into `writer`; the output equals
/// `serde_json::to_writer_pretty`'s.
pub fn to_writer_pretty<W: io::Write, T: ?Sized + Serialize>(
    writer: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(writer, Pretty::default());
    value.serialize(&mut ser)
}

#[derive(Default)]
struct Pretty {
    depth: usize,
    has_value: bool,
}

impl Pretty {
    /// Optionally a comma, then a line break and the indentation of the current depth.
    #[inline]
    fn line<W: ?Sized + io::Write>(&self, w: &mut W, comma: bool) -> io::Result<()> {
        let spaces = self.depth * INDENT;
        let start = usize::from(!comma);
        match BREAK.get(start..2 + spaces) {
            Some(s) => w.write_all(s),
            None => {
                w.write_all(&BREAK[start..2])?;
                for _ in 0..self.depth {
                    w.write_all(&BREAK[2..2 + INDENT])?;
                }
                Ok(())
            }
        }
    }

    /// `[` or `{`: one level deeper, nothing in it yet.
    #[inline]
    fn open<W: ?Sized + io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    /// `]` or `}`: on its own line unless the array or object was empty.
    #[inline]
    fn close<W: ?Sized + io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line(w, false)?;
        }
        w.write_all(bracket)
    }

    /// The end of a value in an array or object.
    #[inline]
    fn value_done(&mut self) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

impl Formatter for Pretty {
    #[inline]
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    #[inline]
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    #[inline]
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.line(w, !first)
    }

    #[inline]
    fn end_array_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.value_done()
    }

    #[inline]
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    #[inline]
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    #[inline]
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.line(w, !first)
    }

    #[inline]
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    #[inline]
    fn end_object_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.value_done()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    fn both(v: &serde_json::Value) -> (String, String) {
        let mut ours = Vec::new();
        super::to_writer_pretty(&mut ours, v).unwrap();
        (
            String::from_utf8(ours).unwrap(),
            serde_json::to_string_pretty(v).unwrap(),
        )
    }

    #[test]
    fn equals_serde_json_pretty() {
        let v = json!({
            "a": 1, "b": [], "c": {}, "d": [1, [2, []], {"e": null, "f": "x\"y\n"}],
            "g": {"h": {"i": [true, false, -1.5, "é"]}}, "k": [{}], "l": [[]]
        });
        let (ours, theirs) = both(&v);
        assert_eq!(ours, theirs);
        for scalar in [json!(null), json!(3), json!("s"), json!([]), json!({})] {
            let (ours, theirs) = both(&scalar);
            assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn equals_serde_json_pretty_beyond_the_precomputed_depth() {
        let mut v = json!({"leaf": [1, 2]});
        for i in 0..80 {
            v = if i % 2 == 0 {
                json!([v, i])
            } else {
                json!({"k": v, "n": i})
            };
        }
        let (ours, theirs) = both(&v);
        assert!(
            ours.contains(&" ".repeat(150)),
            "deep enough to take the fallback"
        );
        assert_eq!(ours, theirs);
    }
}
