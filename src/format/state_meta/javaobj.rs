//! Skipping one Java-serialized object stream (`InstantiationUtil.serializeObject`: a fresh
//! `ObjectOutputStream`, its header, one object) inside a serializer snapshot, which records no
//! length for it. Table serializer snapshots write `LogicalType`s, comparators and serializers
//! this way.
//!
//! The whole grammar of the Java Object Serialization Stream Protocol (version 5) is walked —
//! class descriptors (and proxies), objects with their field values and `writeObject` data,
//! arrays, strings, enums, classes, block data, references, resets — so that the end of the
//! object is found exactly. What is returned is the class name of the top-level object. Only
//! externalizable classes written in the old protocol 1 (no block data, impossible to skip)
//! are refused. Depth and handles are bounded ([`super::super::limits`]).

use crate::format::error::{Error, ErrorKind, Result};
use crate::format::limits::{MAX_JAVA_FIELDS, MAX_JAVA_OBJECT_DEPTH, MAX_JAVA_OBJECT_HANDLES};
use crate::format::reader::Reader;

const STREAM_MAGIC: u16 = 0xACED;
const STREAM_VERSION: u16 = 5;
const TC_NULL: u8 = 0x70;
const TC_REFERENCE: u8 = 0x71;
const TC_CLASSDESC: u8 = 0x72;
const TC_OBJECT: u8 = 0x73;
const TC_STRING: u8 = 0x74;
const TC_ARRAY: u8 = 0x75;
const TC_CLASS: u8 = 0x76;
const TC_BLOCKDATA: u8 = 0x77;
const TC_ENDBLOCKDATA: u8 = 0x78;
const TC_RESET: u8 = 0x79;
const TC_BLOCKDATALONG: u8 = 0x7A;
const TC_EXCEPTION: u8 = 0x7B;
const TC_LONGSTRING: u8 = 0x7C;
const TC_PROXYCLASSDESC: u8 = 0x7D;
const TC_ENUM: u8 = 0x7E;
const BASE_WIRE_HANDLE: i64 = 0x7E_0000;
const SC_WRITE_METHOD: u8 = 0x01;
const SC_SERIALIZABLE: u8 = 0x02;
const SC_EXTERNALIZABLE: u8 = 0x04;
const SC_BLOCK_DATA: u8 = 0x08;

struct Desc {
    name: String,
    flags: u8,
    /// Field type codes in order (`B C D F I J S Z` primitives, `L` and `[` objects).
    fields: Vec<u8>,
    superclass: Option<usize>,
}

enum Handle {
    Desc(usize),
    Other,
}

struct Walker<'r, 'a> {
    r: &'r mut Reader<'a>,
    descs: Vec<Desc>,
    handles: Vec<Handle>,
}

fn invalid(at: usize, what: &'static str, found: i64, expected: &'static str) -> Error {
    Error::new(
        ErrorKind::Invalid {
            what,
            found,
            expected,
        },
        at,
    )
}

/// Skips one Java serialization stream holding one object; returns the class name of that
/// object (`None` for a null, a string, or a class literal).
pub(super) fn skip_object_stream(r: &mut Reader<'_>) -> Result<Option<String>> {
    let at = r.pos();
    let magic = r.u16("Java serialization magic")?;
    if magic != STREAM_MAGIC {
        return Err(invalid(
            at,
            "Java serialization magic",
            i64::from(magic),
            "0xACED (a Java-serialized object)",
        ));
    }
    let at = r.pos();
    let version = r.u16("Java serialization version")?;
    if version != STREAM_VERSION {
        return Err(invalid(
            at,
            "Java serialization version",
            i64::from(version),
            "5",
        ));
    }
    let mut w = Walker {
        r,
        descs: Vec::new(),
        handles: Vec::new(),
    };
    w.object(0)
}

impl Walker<'_, '_> {
    fn new_handle(&mut self, h: Handle) -> Result<()> {
        if self.handles.len() as u64 >= MAX_JAVA_OBJECT_HANDLES {
            return Err(self.r.err(ErrorKind::LimitExceeded {
                what: "Java serialization handles",
                found: self.handles.len() as i64 + 1,
                limit: MAX_JAVA_OBJECT_HANDLES,
            }));
        }
        self.handles.push(h);
        Ok(())
    }

    fn depth(&self, depth: u32) -> Result<()> {
        if depth > MAX_JAVA_OBJECT_DEPTH {
            return Err(self.r.err(ErrorKind::LimitExceeded {
                what: "Java serialization nesting",
                found: i64::from(depth),
                limit: u64::from(MAX_JAVA_OBJECT_DEPTH),
            }));
        }
        Ok(())
    }

    fn reference(&mut self) -> Result<&Handle> {
        let at = self.r.pos();
        let h = i64::from(self.r.i32("Java serialization back-reference")?);
        let idx = h - BASE_WIRE_HANDLE;
        if idx < 0 || idx as usize >= self.handles.len() {
            return Err(invalid(
                at,
                "Java serialization back-reference",
                h,
                "a handle assigned earlier in the stream",
            ));
        }
        Ok(&self.handles[idx as usize])
    }

    /// One `content` (object or block data) in an annotation; `Ok(false)` at `TC_ENDBLOCKDATA`.
    fn annotation_item(&mut self, depth: u32) -> Result<bool> {
        match self.r.peek_u8() {
            Some(TC_ENDBLOCKDATA) => {
                self.r.u8("end of block data")?;
                Ok(false)
            }
            Some(TC_BLOCKDATA) => {
                self.r.u8("block data")?;
                let n = self.r.u8("block data length")?;
                self.r.take(usize::from(n), "block data")?;
                Ok(true)
            }
            Some(TC_BLOCKDATALONG) => {
                self.r.u8("block data")?;
                let at = self.r.pos();
                let n = self.r.i32("block data length")?;
                if n < 0 {
                    return Err(invalid(
                        at,
                        "block data length",
                        i64::from(n),
                        "a non-negative length",
                    ));
                }
                self.r.take(n as usize, "block data")?;
                Ok(true)
            }
            _ => {
                self.object(depth + 1)?;
                Ok(true)
            }
        }
    }

    fn annotation(&mut self, depth: u32) -> Result<()> {
        self.depth(depth)?;
        while self.annotation_item(depth)? {}
        Ok(())
    }

    /// A class descriptor position: returns the descriptor index (None for null).
    fn class_desc(&mut self, depth: u32) -> Result<Option<usize>> {
        self.depth(depth)?;
        let at = self.r.pos();
        match self.r.u8("class descriptor")? {
            TC_NULL => Ok(None),
            TC_REFERENCE => match self.reference()? {
                Handle::Desc(d) => Ok(Some(*d)),
                Handle::Other => Err(invalid(
                    at,
                    "class descriptor reference",
                    0,
                    "a reference to a class descriptor",
                )),
            },
            TC_CLASSDESC => {
                let name = self.r.utf("class name")?.to_str().into_owned();
                self.r.i64("serialVersionUID")?;
                let idx = self.descs.len();
                self.descs.push(Desc {
                    name,
                    flags: 0,
                    fields: Vec::new(),
                    superclass: None,
                });
                self.new_handle(Handle::Desc(idx))?;
                let flags = self.r.u8("class descriptor flags")?;
                let at = self.r.pos();
                let n = self.r.i16("field count")?;
                if n < 0 || n as u64 > MAX_JAVA_FIELDS {
                    return Err(invalid(at, "field count", i64::from(n), "0 to 256 fields"));
                }
                let mut fields = Vec::with_capacity(usize::try_from(n).unwrap_or(0).min(64));
                for _ in 0..n {
                    let at = self.r.pos();
                    let code = self.r.u8("field type code")?;
                    self.r.utf("field name")?;
                    match code {
                        b'B' | b'C' | b'D' | b'F' | b'I' | b'J' | b'S' | b'Z' => {}
                        b'L' | b'[' => {
                            // className1: a string object (TC_STRING or a reference).
                            self.object(depth + 1)?;
                        }
                        other => {
                            return Err(invalid(
                                at,
                                "field type code",
                                i64::from(other),
                                "one of B C D F I J S Z L [",
                            ))
                        }
                    }
                    fields.push(code);
                }
                self.annotation(depth + 1)?;
                let superclass = self.class_desc(depth + 1)?;
                let d = &mut self.descs[idx];
                d.flags = flags;
                d.fields = fields;
                d.superclass = superclass;
                Ok(Some(idx))
            }
            TC_PROXYCLASSDESC => {
                let idx = self.descs.len();
                self.descs.push(Desc {
                    name: "(proxy)".to_string(),
                    flags: SC_SERIALIZABLE,
                    fields: Vec::new(),
                    superclass: None,
                });
                self.new_handle(Handle::Desc(idx))?;
                let n = self.r.count("proxy interface count", MAX_JAVA_FIELDS, 2)?;
                for _ in 0..n {
                    self.r.utf("proxy interface name")?;
                }
                self.annotation(depth + 1)?;
                let superclass = self.class_desc(depth + 1)?;
                self.descs[idx].superclass = superclass;
                Ok(Some(idx))
            }
            other => Err(invalid(
                at,
                "class descriptor type code",
                i64::from(other),
                "TC_CLASSDESC, TC_PROXYCLASSDESC, TC_REFERENCE or TC_NULL",
            )),
        }
    }

    /// The chain of descriptors from the topmost superclass down to `d`.
    fn hierarchy(&self, d: usize) -> Result<Vec<usize>> {
        let mut chain = vec![d];
        let mut cur = self.descs[d].superclass;
        while let Some(s) = cur {
            if chain.len() as u32 > MAX_JAVA_OBJECT_DEPTH {
                return Err(self.r.err(ErrorKind::LimitExceeded {
                    what: "Java class hierarchy depth",
                    found: chain.len() as i64,
                    limit: u64::from(MAX_JAVA_OBJECT_DEPTH),
                }));
            }
            chain.push(s);
            cur = self.descs[s].superclass;
        }
        chain.reverse();
        Ok(chain)
    }

    fn value(&mut self, code: u8, depth: u32) -> Result<()> {
        let n = match code {
            b'B' | b'Z' => 1,
            b'C' | b'S' => 2,
            b'F' | b'I' => 4,
            b'D' | b'J' => 8,
            _ => {
                self.object(depth + 1)?;
                return Ok(());
            }
        };
        self.r.take(n, "field value")?;
        Ok(())
    }

    /// One `object` position; returns the class name of an object or enum.
    fn object(&mut self, depth: u32) -> Result<Option<String>> {
        self.depth(depth)?;
        let at = self.r.pos();
        match self.r.u8("object type code")? {
            TC_NULL => Ok(None),
            TC_REFERENCE => {
                self.reference()?;
                Ok(None)
            }
            TC_STRING => {
                self.new_handle(Handle::Other)?;
                self.r.utf("string")?;
                Ok(None)
            }
            TC_LONGSTRING => {
                self.new_handle(Handle::Other)?;
                let at = self.r.pos();
                let n = self.r.i64("long string length")?;
                let n = usize::try_from(n)
                    .map_err(|_| invalid(at, "long string length", n, "a non-negative length"))?;
                self.r.take(n, "long string")?;
                Ok(None)
            }
            TC_CLASS => {
                self.class_desc(depth + 1)?;
                self.new_handle(Handle::Other)?;
                Ok(None)
            }
            TC_CLASSDESC | TC_PROXYCLASSDESC => {
                *self.r = self.r.at(at);
                self.class_desc(depth + 1)?;
                Ok(None)
            }
            TC_ENUM => {
                let d = self.class_desc(depth + 1)?;
                self.new_handle(Handle::Other)?;
                self.object(depth + 1)?; // the constant's name
                Ok(d.map(|d| self.descs[d].name.clone()))
            }
            TC_ARRAY => {
                let d = self.class_desc(depth + 1)?.ok_or_else(|| {
                    invalid(at, "array class descriptor", 0, "a class descriptor")
                })?;
                self.new_handle(Handle::Other)?;
                let elem = self.descs[d]
                    .name
                    .as_bytes()
                    .get(1)
                    .copied()
                    .unwrap_or(b'L');
                let size = match elem {
                    b'B' | b'Z' => 1,
                    b'C' | b'S' => 2,
                    b'F' | b'I' => 4,
                    b'D' | b'J' => 8,
                    _ => 1,
                };
                let n = self.r.count("array length", u64::MAX, size)?;
                if matches!(elem, b'L' | b'[') {
                    for _ in 0..n {
                        self.object(depth + 1)?;
                    }
                } else {
                    self.r.take(n * size, "array elements")?;
                }
                Ok(Some(self.descs[d].name.clone()))
            }
            TC_OBJECT => {
                let d = self.class_desc(depth + 1)?.ok_or_else(|| {
                    invalid(at, "object class descriptor", 0, "a class descriptor")
                })?;
                self.new_handle(Handle::Other)?;
                for c in self.hierarchy(d)? {
                    let flags = self.descs[c].flags;
                    if flags & SC_EXTERNALIZABLE != 0 {
                        if flags & SC_BLOCK_DATA == 0 {
                            return Err(invalid(
                                at,
                                "externalizable object",
                                i64::from(flags),
                                "block-data mode (protocol 2)",
                            ));
                        }
                        self.annotation(depth + 1)?;
                        continue;
                    }
                    let fields = self.descs[c].fields.clone();
                    for code in fields {
                        self.value(code, depth)?;
                    }
                    if flags & SC_WRITE_METHOD != 0 {
                        self.annotation(depth + 1)?;
                    }
                }
                Ok(Some(self.descs[d].name.clone()))
            }
            TC_RESET => {
                self.handles.clear();
                self.object(depth + 1)
            }
            TC_EXCEPTION => Err(invalid(
                at,
                "Java serialization type code",
                i64::from(TC_EXCEPTION),
                "an object (the writer failed: TC_EXCEPTION)",
            )),
            other => Err(invalid(
                at,
                "Java serialization type code",
                i64::from(other),
                "an object type code (0x70 to 0x7E)",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_stream_that_is_not_java_serialization() {
        let mut r = Reader::new(&[0, 0, 0, 5]);
        let e = skip_object_stream(&mut r).unwrap_err();
        assert_eq!(e.offset(), 0);
    }

    #[test]
    fn skips_a_string_and_reports_no_class() {
        // AC ED 00 05, TC_STRING "ab"
        let bytes = [0xAC, 0xED, 0, 5, TC_STRING, 0, 2, b'a', b'b', 0xFF];
        let mut r = Reader::new(&bytes);
        assert_eq!(skip_object_stream(&mut r).unwrap(), None);
        assert_eq!(r.pos(), 9);
    }

    #[test]
    fn self_referencing_descriptors_are_bounded() {
        // A class descriptor whose annotation holds a class descriptor whose annotation …
        let mut bytes = vec![0xAC, 0xED, 0, 5];
        for _ in 0..200 {
            bytes.extend_from_slice(&[TC_OBJECT, TC_CLASSDESC, 0, 1, b'X']);
            bytes.extend_from_slice(&[0; 8]);
            bytes.extend_from_slice(&[SC_SERIALIZABLE | SC_WRITE_METHOD, 0, 0]);
        }
        let mut r = Reader::new(&bytes);
        let e = skip_object_stream(&mut r).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::LimitExceeded { .. }), "{e}");
    }
}
