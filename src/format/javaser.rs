//! A minimal, bounded reader of the Java Object Serialization Stream Protocol (version 5), enough
//! to decode the `CheckpointProperties` object that `MetadataV4Serializer` appends with
//! `ObjectOutputStream.writeObject`.
//!
//! It understands exactly what that object graph uses: class descriptors (with superclasses and
//! annotations), plain serializable objects, strings, enums, null and back-references. Arrays,
//! proxies, externalizable classes and custom `writeObject` data that is not a nested object are
//! refused with a clear reason. Depth, handle count and field count are bounded
//! ([`super::limits`]), so a hostile trailer costs nothing.

use super::error::{Error, ErrorKind, Result};
use super::limits::{MAX_JAVA_DEPTH, MAX_JAVA_FIELDS, MAX_JAVA_HANDLES};
use super::reader::Reader;
use crate::model::{CheckpointProperties, JavaStr, SavepointFormat, SnapshotClass};

const STREAM_MAGIC: u16 = 0xACED;
const STREAM_VERSION: u16 = 5;
const TC_NULL: u8 = 0x70;
const TC_REFERENCE: u8 = 0x71;
const TC_CLASSDESC: u8 = 0x72;
const TC_OBJECT: u8 = 0x73;
const TC_STRING: u8 = 0x74;
const TC_BLOCKDATA: u8 = 0x77;
const TC_ENDBLOCKDATA: u8 = 0x78;
const TC_LONGSTRING: u8 = 0x7C;
const TC_BLOCKDATALONG: u8 = 0x7A;
const TC_ENUM: u8 = 0x7E;
const BASE_WIRE_HANDLE: i64 = 0x7E_0000;
const SC_WRITE_METHOD: u8 = 0x01;
const SC_EXTERNALIZABLE: u8 = 0x04;

#[derive(Clone, Copy, Debug)]
enum Value<'a> {
    Null,
    Bool(bool),
    Num,
    Str(JavaStr<'a>),
    Enum { constant: JavaStr<'a> },
    Object(usize),
}

#[derive(Debug)]
struct ClassDesc<'a> {
    name: JavaStr<'a>,
    flags: u8,
    fields: Vec<(u8, JavaStr<'a>)>,
    superclass: Option<usize>,
}

#[derive(Debug)]
struct Object<'a> {
    class: usize,
    fields: Vec<(JavaStr<'a>, Value<'a>)>,
}

#[derive(Clone, Copy, Debug)]
enum Handle<'a> {
    Class(usize),
    Value(Value<'a>),
    Pending,
}

struct Stream<'a, 'r> {
    r: &'r mut Reader<'a>,
    handles: Vec<Handle<'a>>,
    classes: Vec<ClassDesc<'a>>,
    objects: Vec<Object<'a>>,
}

fn fail(at: usize, reason: impl Into<String>) -> Error {
    Error::new(
        ErrorKind::Trailer {
            reason: reason.into(),
        },
        at,
    )
}

/// Reads the `CheckpointProperties` object that ends a V4+ file, or `None` when the stream holds
/// a Java `null` (`TC_NULL` after the stream header): `MetadataV4Serializer.serializeProperties`
/// writes whatever `CheckpointMetadata.getCheckpointProperties()` returns, and the State
/// Processor API builds its metadata with the three-argument `CheckpointMetadata(checkpointId,
/// operatorStates, masterStates)`, whose properties are null (`MergeOperatorStates`,
/// `SavepointOutputFormat`). `Checkpoints.loadCheckpointMetadata` reads such files.
pub(crate) fn checkpoint_properties<'a>(
    r: &mut Reader<'a>,
) -> Result<Option<CheckpointProperties<'a>>> {
    let start = r.pos();
    if r.is_empty() {
        return Err(r.err(ErrorKind::Truncated {
            what: "checkpoint properties",
            needed: 4,
            remaining: 0,
        }));
    }
    let magic = r.u16("Java serialization magic")?;
    let version = r.u16("Java serialization version")?;
    if magic != STREAM_MAGIC || version != STREAM_VERSION {
        return Err(fail(
            start,
            format!(
                "expected Java serialization header ac ed 00 05, found {magic:04x} {version:04x}"
            ),
        ));
    }
    if r.peek_u8() == Some(TC_NULL) {
        r.u8("null checkpoint properties")?;
        return Ok(None);
    }
    let mut s = Stream {
        r,
        handles: Vec::new(),
        classes: Vec::new(),
        objects: Vec::new(),
    };
    let root_at = s.r.pos();
    let root = s.content(0)?;
    let Value::Object(root) = root else {
        return Err(fail(root_at, "expected an object"));
    };
    let class = s.class_name(root);
    if !class.as_bytes().ends_with(b".CheckpointProperties") {
        return Err(fail(
            root_at,
            format!(
                "expected org.apache.flink.runtime.checkpoint.CheckpointProperties, found {class}"
            ),
        ));
    }
    let mut props = CheckpointProperties::default();
    let mut snapshot_type = None;
    for &(name, value) in &s.objects[root].fields {
        let flag = matches!(value, Value::Bool(true));
        match name.as_bytes() {
            b"forced" => props.forced = flag,
            b"discardSubsumed" => props.discard_subsumed = flag,
            b"discardFinished" => props.discard_finished = flag,
            b"discardCancelled" => props.discard_cancelled = flag,
            b"discardFailed" => props.discard_failed = flag,
            b"discardSuspended" => props.discard_suspended = flag,
            b"unclaimed" => props.unclaimed = flag,
            b"checkpointType" => snapshot_type = Some(value),
            _ => {}
        }
    }
    if let Some(Value::Object(t)) = snapshot_type {
        let class = s.class_name(t);
        props.snapshot_class = if class.as_bytes().ends_with(b".SavepointType") {
            SnapshotClass::Savepoint
        } else if class.as_bytes().ends_with(b".CheckpointType") {
            SnapshotClass::Checkpoint
        } else {
            SnapshotClass::Unknown
        };
        for &(name, value) in &s.objects[t].fields {
            match (name.as_bytes(), value) {
                (b"name", Value::Str(v)) => props.type_name = Some(v),
                (b"formatType", Value::Enum { constant }) => {
                    props.format = match constant.as_bytes() {
                        b"CANONICAL" => Some(SavepointFormat::Canonical),
                        b"NATIVE" => Some(SavepointFormat::Native),
                        _ => None,
                    }
                }
                (b"sharingFilesStrategy", Value::Enum { constant }) => {
                    props.sharing_files_strategy = Some(constant)
                }
                (b"postCheckpointAction", Value::Enum { constant }) => {
                    props.post_checkpoint_action = Some(constant)
                }
                _ => {}
            }
        }
    }
    Ok(Some(props))
}

impl<'a> Stream<'a, '_> {
    fn class_name(&self, object: usize) -> JavaStr<'a> {
        self.classes[self.objects[object].class].name
    }

    fn new_handle(&mut self, h: Handle<'a>) -> Result<usize> {
        if self.handles.len() >= MAX_JAVA_HANDLES {
            return Err(self.r.err(ErrorKind::LimitExceeded {
                what: "Java serialization handles",
                found: self.handles.len() as i64 + 1,
                limit: MAX_JAVA_HANDLES as u64,
            }));
        }
        self.handles.push(h);
        Ok(self.handles.len() - 1)
    }

    fn depth(&self, depth: u32) -> Result<()> {
        if depth > MAX_JAVA_DEPTH {
            return Err(self.r.err(ErrorKind::LimitExceeded {
                what: "Java serialization nesting depth",
                found: i64::from(depth),
                limit: u64::from(MAX_JAVA_DEPTH),
            }));
        }
        Ok(())
    }

    fn reference(&mut self) -> Result<Handle<'a>> {
        let at = self.r.pos();
        let raw = i64::from(self.r.i32("Java serialization handle")?);
        let idx = raw - BASE_WIRE_HANDLE;
        usize::try_from(idx)
            .ok()
            .and_then(|i| self.handles.get(i).copied())
            .ok_or_else(|| fail(at, format!("back-reference to unknown handle {raw:#x}")))
    }

    /// One content element: an object, string, enum, null or reference.
    fn content(&mut self, depth: u32) -> Result<Value<'a>> {
        self.depth(depth)?;
        let at = self.r.pos();
        let tc = self.r.u8("Java serialization type code")?;
        match tc {
            TC_NULL => Ok(Value::Null),
            TC_REFERENCE => match self.reference()? {
                Handle::Value(v) => Ok(v),
                Handle::Class(_) => Err(fail(
                    at,
                    "back-reference to a class where a value was expected",
                )),
                Handle::Pending => Err(fail(at, "back-reference to an object under construction")),
            },
            TC_STRING => {
                let s = self.r.utf("Java string")?;
                self.new_handle(Handle::Value(Value::Str(s)))?;
                Ok(Value::Str(s))
            }
            TC_LONGSTRING => {
                let len_at = self.r.pos();
                let n = self.r.i64("Java long string length")?;
                let n = self
                    .r
                    .check_count(len_at, "Java long string length", n, u64::MAX, 1)?;
                let s = JavaStr(self.r.take(n, "Java long string")?);
                self.new_handle(Handle::Value(Value::Str(s)))?;
                Ok(Value::Str(s))
            }
            TC_ENUM => {
                self.class_desc(depth + 1)?;
                let h = self.new_handle(Handle::Pending)?;
                let c_at = self.r.pos();
                let Value::Str(constant) = self.content(depth + 1)? else {
                    return Err(fail(c_at, "enum constant name is not a string"));
                };
                let v = Value::Enum { constant };
                self.handles[h] = Handle::Value(v);
                Ok(v)
            }
            TC_OBJECT => {
                let class = self
                    .class_desc(depth + 1)?
                    .ok_or_else(|| fail(at, "object with a null class descriptor"))?;
                let h = self.new_handle(Handle::Pending)?;
                let obj = self.objects.len();
                self.objects.push(Object {
                    class,
                    fields: Vec::new(),
                });
                // Class data: from the topmost superclass down to the object's own class.
                let mut chain = Vec::new();
                let mut c = Some(class);
                while let Some(ci) = c {
                    if chain.len() > MAX_JAVA_DEPTH as usize {
                        return Err(fail(at, "class hierarchy too deep"));
                    }
                    chain.push(ci);
                    c = self.classes[ci].superclass;
                }
                for &ci in chain.iter().rev() {
                    let flags = self.classes[ci].flags;
                    if flags & SC_EXTERNALIZABLE != 0 {
                        return Err(fail(
                            at,
                            format!(
                                "externalizable class {} is not supported",
                                self.classes[ci].name
                            ),
                        ));
                    }
                    let fields = self.classes[ci].fields.clone();
                    for (type_code, name) in fields {
                        let v = self.field_value(type_code, depth + 1)?;
                        self.objects[obj].fields.push((name, v));
                    }
                    if flags & SC_WRITE_METHOD != 0 {
                        self.annotation(depth + 1)?;
                    }
                }
                let v = Value::Object(obj);
                self.handles[h] = Handle::Value(v);
                Ok(v)
            }
            other => Err(fail(
                at,
                format!("unsupported Java serialization type code {other:#04x}"),
            )),
        }
    }

    fn field_value(&mut self, type_code: u8, depth: u32) -> Result<Value<'a>> {
        Ok(match type_code {
            b'Z' => Value::Bool(self.r.bool("boolean field")?),
            b'B' => {
                self.r.u8("byte field")?;
                Value::Num
            }
            b'C' | b'S' => {
                self.r.u16("short field")?;
                Value::Num
            }
            b'I' | b'F' => {
                self.r.i32("int field")?;
                Value::Num
            }
            b'J' | b'D' => {
                self.r.i64("long field")?;
                Value::Num
            }
            b'L' | b'[' => self.content(depth)?,
            other => {
                return Err(fail(
                    self.r.pos(),
                    format!("unknown field type code {other:#04x}"),
                ))
            }
        })
    }

    /// Class or object annotations: contents up to TC_ENDBLOCKDATA; block data is skipped.
    fn annotation(&mut self, depth: u32) -> Result<()> {
        for _ in 0..MAX_JAVA_HANDLES {
            let mut peek = *self.r;
            match peek.u8("annotation")? {
                TC_ENDBLOCKDATA => {
                    self.r.u8("annotation end")?;
                    return Ok(());
                }
                TC_BLOCKDATA => {
                    self.r.u8("block data")?;
                    let n = self.r.u8("block data length")?;
                    self.r.take(usize::from(n), "block data")?;
                }
                TC_BLOCKDATALONG => {
                    self.r.u8("block data")?;
                    let n = self.r.count("block data length", u64::MAX, 1)?;
                    self.r.take(n, "block data")?;
                }
                _ => {
                    self.content(depth)?;
                }
            }
        }
        Err(fail(self.r.pos(), "annotation without an end"))
    }

    /// A class descriptor, null, or a reference to one. Returns its index.
    fn class_desc(&mut self, depth: u32) -> Result<Option<usize>> {
        self.depth(depth)?;
        let at = self.r.pos();
        match self.r.u8("class descriptor")? {
            TC_NULL => Ok(None),
            TC_REFERENCE => match self.reference()? {
                Handle::Class(c) => Ok(Some(c)),
                _ => Err(fail(
                    at,
                    "back-reference to a non-class where a class descriptor was expected",
                )),
            },
            TC_CLASSDESC => {
                let name = self.r.utf("class name")?;
                self.r.i64("serialVersionUID")?;
                let ci = self.classes.len();
                self.classes.push(ClassDesc {
                    name,
                    flags: 0,
                    fields: Vec::new(),
                    superclass: None,
                });
                self.new_handle(Handle::Class(ci))?;
                let flags = self.r.u8("class descriptor flags")?;
                let n_at = self.r.pos();
                let n = self.r.i16("field count")?;
                let n =
                    self.r
                        .check_count(n_at, "field count", i64::from(n), MAX_JAVA_FIELDS, 3)?;
                let mut fields = Vec::with_capacity(n);
                for _ in 0..n {
                    let type_code = self.r.u8("field type code")?;
                    let fname = self.r.utf("field name")?;
                    if type_code == b'L' || type_code == b'[' {
                        // The field's class name, a string object (or a reference to one).
                        let t_at = self.r.pos();
                        if !matches!(self.content(depth + 1)?, Value::Str(_)) {
                            return Err(fail(t_at, "field class name is not a string"));
                        }
                    }
                    fields.push((type_code, fname));
                }
                self.annotation(depth + 1)?;
                let superclass = self.class_desc(depth + 1)?;
                let c = &mut self.classes[ci];
                c.flags = flags;
                c.fields = fields;
                c.superclass = superclass;
                Ok(Some(ci))
            }
            other => Err(fail(
                at,
                format!("unsupported class descriptor type code {other:#04x}"),
            )),
        }
    }
}
