//! `TypeSerializerSnapshot`s as Flink 1.13 – 2.3 write them, class by class.
//!
//! A snapshot is `writeUTF(class name)`, `writeInt(version)`, then whatever the class's
//! `writeSnapshot` writes — with no length. So every class needs its own reader; this module
//! has one per layout family (Flink's `readSnapshot`/`readOuterSnapshot` transcribed):
//! `SimpleTypeSerializerSnapshot`, `CompositeTypeSerializerSnapshot` (outer snapshot by class,
//! then `NestedSerializersSnapshotDelegate`), `GenericTypeSerializerSnapshot`, POJO and Kryo
//! (`LinkedOptionalMapSerializer` maps of length frames), enums, Avro, the TTL-aware wrapper,
//! the table runtime's serializers (some of which embed Java-serialized objects, skipped with
//! [`super::javaobj`]), and the legacy `TypeSerializerConfigSnapshot` path of Flink <= 1.16.
//!
//! Decoding is lossy by design: every function builds the node as far as it can and, on the
//! first thing it cannot decode, records the error in [`Ctx`] and returns [`Stop`]; callers
//! keep what was built and return at once. Inside a length frame (a POJO field, a Kryo
//! registration) a failure is recorded in the node and decoding continues after the frame, as
//! Flink itself does (`PojoSerializerSnapshotData` logs and keeps `null`).

use super::javaobj::skip_object_stream;
use super::known::{Plain, PLAIN};
use crate::format::error::{Error, ErrorKind, Result};
use crate::format::limits::{
    MAX_SNAPSHOT_DEPTH, MAX_SNAPSHOT_ENTRIES, MAX_SNAPSHOT_FRAME, MAX_SNAPSHOT_NODES,
    MAX_STRING_VALUE_CHARS,
};
use crate::format::reader::Reader;
use crate::model::state_meta::{
    KryoRegistration, KryoSerializerDefinition, KryoSnapshot, Nested, NestedRole, PojoSnapshot,
    SerializerSnapshot, SnapshotLayout,
};

/// `TypeSerializerConfigSnapshot.ADAPTER_VERSION`.
pub(super) const ADAPTER_VERSION: i32 = 0x7a53_c4f0;
/// `CompositeTypeSerializerSnapshot.MAGIC_NUMBER`.
const COMPOSITE_MAGIC: i32 = 911_108;
/// `NestedSerializersSnapshotDelegate.MAGIC_NUMBER`.
const NESTED_MAGIC: i32 = 1_333_245;
/// `LinkedOptionalMapSerializer.HEADER`.
const OPTIONAL_MAP_HEADER: i64 = 0x4f2_c69a_3d70;

/// Decoding state shared by one header: where it stopped, and how many nodes it built.
#[derive(Default)]
pub(super) struct Ctx {
    pub(super) stop: Option<Error>,
    nodes: u64,
}

/// "Decoding stopped; the reason is in [`Ctx::stop`]."
pub(super) struct Stop;

pub(super) type R<T> = std::result::Result<T, Stop>;

impl Ctx {
    pub(super) fn fail(&mut self, e: Error) -> Stop {
        if self.stop.is_none() {
            self.stop = Some(e);
        }
        Stop
    }

    /// Adds a context frame to the recorded error (on the way out).
    pub(super) fn frame(&mut self, f: impl FnOnce() -> String) {
        if let Some(e) = self.stop.take() {
            self.stop = Some(e.within(f()));
        }
    }
}

macro_rules! t {
    ($cx:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return Err($cx.fail(e)),
        }
    };
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

fn unsupported(at: usize, what: String) -> Error {
    Error::new(ErrorKind::Unsupported { what }, at)
}

/// Outer snapshot layouts of the `CompositeTypeSerializerSnapshot` subclasses that write one.
#[derive(Clone, Copy)]
enum Outer {
    /// `writeOuterSnapshot` not overridden.
    Empty,
    /// One class name (tuple class, array component class, Scala case class).
    ClassName,
    /// `NullableSerializerSnapshot`: the null padding length.
    NullPadding,
    /// A boolean written only by outer versions above `first` (version `first` implies true,
    /// older ones false): Row (row kind, 3), LinkedList (null mask, 2), TwoPhaseCommit
    /// (null transactions, 3).
    BoolAbove { first: i32, name: &'static str },
    /// A boolean written by outer versions from `first` on (NFA state: previous timestamp, 2).
    BoolFrom { first: i32, name: &'static str },
    /// `TraversableSerializerSnapshot`: the code of the collection's builder factory.
    CbfCode,
    /// `ExternalSerializerSnapshot`: a Java-serialized `DataType`, then a boolean.
    JavaObjectThenBool,
}

/// Class-specific layouts that are not composite and not plain.
#[derive(Clone, Copy)]
enum Custom {
    Pojo,
    Kryo,
    Enum,
    ScalaEnum,
    Avro,
    TtlAware,
    RowData,
    BinaryRowData,
    Decimal,
    TimestampData,
    ArrayData,
    MapData,
    SortedMap,
    RowDataKey,
    /// `EitherSerializerSnapshot` (1.x, deprecated): version 2 is a nested delegate.
    Either,
    /// `GenericArraySerializerConfigSnapshot` (1.x, deprecated): version 2 is a class name and
    /// a nested delegate.
    GenericArrayConfig,
}

#[derive(Clone, Copy)]
enum Kind {
    Plain(Plain),
    Composite(Outer, &'static [&'static str]),
    Custom(Custom),
}

const FIELD: &[&str] = &["field"];
const ELEMENT: &[&str] = &["element"];
const KEY_VALUE: &[&str] = &["key", "value"];
const LEFT_RIGHT: &[&str] = &["left", "right"];

/// Composite and custom snapshot classes by binary name (Flink's sources, release-1.13 to
/// release-2.3; see `known.rs` for the plain ones).
const SPECIAL: &[(&str, Kind)] = &[
    ("org.apache.flink.api.common.typeutils.SingleThreadAccessCheckingTypeSerializer$SingleThreadAccessCheckingTypeSerializerSnapshot", Kind::Composite(Outer::Empty, &["original"])),
    ("org.apache.flink.api.common.typeutils.base.EnumSerializer$EnumSerializerSnapshot", Kind::Custom(Custom::Enum)),
    ("org.apache.flink.api.common.typeutils.base.GenericArraySerializerConfigSnapshot", Kind::Custom(Custom::GenericArrayConfig)),
    ("org.apache.flink.api.common.typeutils.base.GenericArraySerializerSnapshot", Kind::Composite(Outer::ClassName, &["component"])),
    ("org.apache.flink.api.common.typeutils.base.ListSerializerSnapshot", Kind::Composite(Outer::Empty, ELEMENT)),
    ("org.apache.flink.api.common.typeutils.base.MapSerializerSnapshot", Kind::Composite(Outer::Empty, KEY_VALUE)),
    ("org.apache.flink.api.common.typeutils.base.SetSerializerSnapshot", Kind::Composite(Outer::Empty, ELEMENT)),
    ("org.apache.flink.api.java.typeutils.runtime.EitherSerializerSnapshot", Kind::Custom(Custom::Either)),
    ("org.apache.flink.api.java.typeutils.runtime.JavaEitherSerializerSnapshot", Kind::Composite(Outer::Empty, LEFT_RIGHT)),
    ("org.apache.flink.api.java.typeutils.runtime.NullableSerializer$NullableSerializerSnapshot", Kind::Composite(Outer::NullPadding, &["original"])),
    ("org.apache.flink.api.java.typeutils.runtime.PojoSerializerSnapshot", Kind::Custom(Custom::Pojo)),
    ("org.apache.flink.api.java.typeutils.runtime.RowSerializer$RowSerializerSnapshot", Kind::Composite(Outer::BoolAbove { first: 3, name: "supports_row_kind" }, FIELD)),
    ("org.apache.flink.api.java.typeutils.runtime.TupleSerializerSnapshot", Kind::Composite(Outer::ClassName, FIELD)),
    ("org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializerSnapshot", Kind::Custom(Custom::Kryo)),
    ("org.apache.flink.api.scala.typeutils.ScalaCaseClassSerializerSnapshot", Kind::Composite(Outer::ClassName, FIELD)),
    ("org.apache.flink.api.scala.typeutils.ScalaEitherSerializerSnapshot", Kind::Composite(Outer::Empty, LEFT_RIGHT)),
    ("org.apache.flink.api.scala.typeutils.ScalaEnumSerializerSnapshot", Kind::Custom(Custom::ScalaEnum)),
    ("org.apache.flink.api.scala.typeutils.ScalaOptionSerializerSnapshot", Kind::Composite(Outer::Empty, ELEMENT)),
    ("org.apache.flink.api.scala.typeutils.ScalaTrySerializerSnapshot", Kind::Composite(Outer::Empty, &["element", "throwable"])),
    ("org.apache.flink.api.scala.typeutils.TraversableSerializerSnapshot", Kind::Composite(Outer::CbfCode, ELEMENT)),
    ("org.apache.flink.api.scala.typeutils.Tuple2CaseClassSerializerSnapshot", Kind::Composite(Outer::ClassName, FIELD)),
    ("org.apache.flink.cep.nfa.NFA$MigratedNFASerializerSnapshot", Kind::Composite(Outer::Empty, &["state", "event"])),
    ("org.apache.flink.cep.nfa.NFAStateSerializerSnapshot", Kind::Composite(Outer::BoolFrom { first: 2, name: "supports_previous_timestamp" }, &["version", "node_id", "event_id"])),
    ("org.apache.flink.cep.nfa.SharedBuffer$SharedBufferSerializerSnapshot", Kind::Composite(Outer::Empty, &["key", "value", "version"])),
    ("org.apache.flink.cep.nfa.sharedbuffer.LockableTypeSerializerSnapshot", Kind::Composite(Outer::Empty, ELEMENT)),
    ("org.apache.flink.cep.nfa.sharedbuffer.NodeId$NodeIdSerializer$NodeIdSerializerSnapshot", Kind::Composite(Outer::Empty, &["event_id"])),
    ("org.apache.flink.cep.nfa.sharedbuffer.SharedBufferEdge$SharedBufferEdgeSerializer$SharedBufferEdgeSerializerSnapshot", Kind::Composite(Outer::Empty, &["node_id", "version"])),
    ("org.apache.flink.cep.nfa.sharedbuffer.SharedBufferNode$SharedBufferNodeSerializer$SharedBufferNodeSerializerSnapshot", Kind::Composite(Outer::Empty, &["edge"])),
    ("org.apache.flink.cep.nfa.sharedbuffer.SharedBufferNodeSerializerSnapshotV2", Kind::Composite(Outer::Empty, &["edge"])),
    ("org.apache.flink.formats.avro.typeutils.AvroSerializerSnapshot", Kind::Custom(Custom::Avro)),
    ("org.apache.flink.runtime.state.ArrayListSerializerSnapshot", Kind::Composite(Outer::Empty, ELEMENT)),
    ("org.apache.flink.runtime.state.ttl.TtlAwareSerializerSnapshot", Kind::Custom(Custom::TtlAware)),
    ("org.apache.flink.runtime.state.ttl.TtlStateFactory$TtlSerializerSnapshot", Kind::Composite(Outer::Empty, &["timestamp", "value"])),
    ("org.apache.flink.runtime.state.v2.ttl.TtlStateFactory$TtlSerializerSnapshot", Kind::Composite(Outer::Empty, &["timestamp", "value"])),
    ("org.apache.flink.streaming.api.datastream.CoGroupedStreams$UnionSerializerSnapshot", Kind::Composite(Outer::Empty, &["one", "two"])),
    ("org.apache.flink.streaming.api.functions.sink.TwoPhaseCommitSinkFunction$StateSerializerSnapshot", Kind::Composite(Outer::BoolAbove { first: 3, name: "supports_null_transaction" }, &["transaction", "context"])),
    ("org.apache.flink.streaming.api.functions.sink.legacy.TwoPhaseCommitSinkFunction$StateSerializerSnapshot", Kind::Composite(Outer::BoolAbove { first: 3, name: "supports_null_transaction" }, &["transaction", "context"])),
    ("org.apache.flink.streaming.api.operators.TimerSerializerSnapshot", Kind::Composite(Outer::Empty, &["key", "namespace"])),
    ("org.apache.flink.streaming.api.operators.co.IntervalJoinOperator$BufferEntrySerializerSnapshot", Kind::Composite(Outer::Empty, ELEMENT)),
    ("org.apache.flink.streaming.runtime.streamrecord.StreamElementSerializer$StreamElementSerializerSnapshot", Kind::Composite(Outer::Empty, &["value"])),
    ("org.apache.flink.table.dataview.ListViewSerializerSnapshot", Kind::Composite(Outer::Empty, &["list"])),
    ("org.apache.flink.table.dataview.MapViewSerializerSnapshot", Kind::Composite(Outer::Empty, &["map"])),
    ("org.apache.flink.table.dataview.NullAwareMapSerializerSnapshot", Kind::Composite(Outer::Empty, KEY_VALUE)),
    ("org.apache.flink.table.runtime.sequencedmultisetstate.linked.MetaSqnInfoSerializer$MetaSqnInfoSerializerSnapshot", Kind::Composite(Outer::Empty, &[])),
    ("org.apache.flink.table.runtime.sequencedmultisetstate.linked.NodeSerializer$NodeSerializerSnapshot", Kind::Composite(Outer::Empty, &[])),
    ("org.apache.flink.table.runtime.sequencedmultisetstate.linked.RowDataKeySerializerSnapshot", Kind::Custom(Custom::RowDataKey)),
    ("org.apache.flink.table.runtime.sequencedmultisetstate.linked.RowSqnInfoSerializer$RowSqnInfoSerializerSnapshot", Kind::Composite(Outer::Empty, &[])),
    ("org.apache.flink.table.runtime.typeutils.ArrayDataSerializer$ArrayDataSerializerSnapshot", Kind::Custom(Custom::ArrayData)),
    ("org.apache.flink.table.runtime.typeutils.BinaryRowDataSerializer$BinaryRowDataSerializerSnapshot", Kind::Custom(Custom::BinaryRowData)),
    ("org.apache.flink.table.runtime.typeutils.DecimalDataSerializer$DecimalSerializerSnapshot", Kind::Custom(Custom::Decimal)),
    ("org.apache.flink.table.runtime.typeutils.ExternalSerializer$ExternalSerializerSnapshot", Kind::Composite(Outer::JavaObjectThenBool, &["internal"])),
    ("org.apache.flink.table.runtime.typeutils.LinkedListSerializer$LinkedListSerializerSnapshot", Kind::Composite(Outer::BoolAbove { first: 2, name: "has_null_mask" }, ELEMENT)),
    ("org.apache.flink.table.runtime.typeutils.MapDataSerializer$MapDataSerializerSnapshot", Kind::Custom(Custom::MapData)),
    ("org.apache.flink.table.runtime.typeutils.RawValueDataSerializer$RawValueDataSerializerSnapshot", Kind::Composite(Outer::Empty, &["inner"])),
    ("org.apache.flink.table.runtime.typeutils.RowDataSerializer$RowDataSerializerSnapshot", Kind::Custom(Custom::RowData)),
    ("org.apache.flink.table.runtime.typeutils.SortedMapSerializerSnapshot", Kind::Custom(Custom::SortedMap)),
    ("org.apache.flink.table.runtime.typeutils.TimestampDataSerializer$TimestampDataSerializerSnapshot", Kind::Custom(Custom::TimestampData)),
    ("org.apache.flink.table.runtime.typeutils.WindowKeySerializer$WindowKeySerializerSnapshot", Kind::Composite(Outer::Empty, &["key"])),
];

fn lookup(class: &str) -> Option<Kind> {
    if let Ok(i) = SPECIAL.binary_search_by(|(n, _)| (*n).cmp(class)) {
        return Some(SPECIAL[i].1);
    }
    PLAIN
        .binary_search_by(|(n, _)| (*n).cmp(class))
        .ok()
        .map(|i| Kind::Plain(PLAIN[i].1))
}

fn new_node(class_name: String, version: i32) -> SerializerSnapshot {
    SerializerSnapshot {
        class_name,
        version,
        layout: SnapshotLayout::Unknown,
        outer_version: None,
        type_class: None,
        children: Vec::new(),
        pojo: None,
        kryo: None,
        details: Vec::new(),
    }
}

fn utf(r: &mut Reader<'_>, what: &'static str) -> Result<String> {
    Ok(r.utf(what)?.to_str().into_owned())
}

/// `TypeSerializerSnapshotSerializationUtil.readSerializerSnapshot`: the proxy's version (2;
/// 1 is the Flink 1.4 – 1.6 path), then the versioned snapshot. `out` receives the node as far
/// as it was decoded.
pub(super) fn serializer_snapshot(
    r: &mut Reader<'_>,
    cx: &mut Ctx,
    out: &mut Option<SerializerSnapshot>,
) -> R<()> {
    let at = r.pos();
    let proxy = t!(cx, r.i32("serializer snapshot format version"));
    match proxy {
        2 => versioned(r, cx, 0, out),
        1 => {
            // deserializeV1 (Flink 1.4 – 1.6 wrote it; 1.13 – 1.16 still read it): the class
            // name, then for a TypeSerializerConfigSnapshot its own content, else version and
            // snapshot. Only the second case has a known layout.
            let class = t!(cx, utf(r, "serializer snapshot class"));
            let kind = lookup(&class);
            if let Some(Kind::Plain(Plain::Legacy)) | None = kind {
                let node = out.insert(new_node(class, 0));
                node.layout = SnapshotLayout::Legacy;
                return Err(cx.fail(unsupported(
                    r.pos(),
                    format!(
                        "serializer snapshot format version 1 (Flink <= 1.6) with configuration snapshot {}: its content has no length",
                        node.class_name
                    ),
                )));
            }
            let version = t!(cx, r.i32("serializer snapshot version"));
            let node = out.insert(new_node(class, version));
            body(r, cx, 0, node, kind)
        }
        other => Err(cx.fail(invalid(
            at,
            "serializer snapshot format version",
            i64::from(other),
            "2 (or 1, written by Flink <= 1.6)",
        ))),
    }
}

/// `TypeSerializerSnapshot.readVersionedSnapshot`: class name, version, content.
fn versioned(
    r: &mut Reader<'_>,
    cx: &mut Ctx,
    depth: u32,
    out: &mut Option<SerializerSnapshot>,
) -> R<()> {
    if depth > MAX_SNAPSHOT_DEPTH {
        return Err(cx.fail(r.err(ErrorKind::LimitExceeded {
            what: "serializer snapshot nesting",
            found: i64::from(depth),
            limit: u64::from(MAX_SNAPSHOT_DEPTH),
        })));
    }
    cx.nodes += 1;
    if cx.nodes > MAX_SNAPSHOT_NODES {
        return Err(cx.fail(r.err(ErrorKind::LimitExceeded {
            what: "serializer snapshots in one header",
            found: cx.nodes as i64,
            limit: MAX_SNAPSHOT_NODES,
        })));
    }
    let class = t!(cx, utf(r, "serializer snapshot class"));
    let version = t!(cx, r.i32("serializer snapshot version"));
    let kind = lookup(&class);
    let node = out.insert(new_node(class, version));
    if version == ADAPTER_VERSION && !matches!(kind, Some(Kind::Plain(Plain::Legacy))) {
        // Flink 1.13 – 1.16: a snapshot upgraded in place from a TypeSerializerConfigSnapshot
        // carries the Java-serialized serializer first, then its real version.
        let ser = legacy_serializer(r, cx)?;
        node.details
            .push(("legacy_serializer".into(), ser.unwrap_or_default()));
        node.version = t!(cx, r.i32("serializer snapshot version"));
    }
    let res = body(r, cx, depth, node, kind);
    if res.is_err() {
        let name = node.class_name.clone();
        cx.frame(|| format!("in {name}"));
    }
    res
}

/// `TypeSerializerSerializationUtil.TypeSerializerSerializationProxy`: its version, then a
/// length-framed Java-serialized `TypeSerializer`. Returns the serializer's class name.
fn legacy_serializer(r: &mut Reader<'_>, cx: &mut Ctx) -> R<Option<String>> {
    t!(cx, r.i32("legacy serializer proxy version"));
    let mut frame = frame(r, cx, "legacy serializer length")?;
    Ok(skip_object_stream(&mut frame).ok().flatten())
}

/// A length frame: an `int` length (bounded), then that many bytes, as a reader of its own
/// (offsets stay absolute). `r` moves past the frame.
fn frame<'a>(r: &mut Reader<'a>, cx: &mut Ctx, what: &'static str) -> R<Reader<'a>> {
    let at = r.pos();
    let n = t!(cx, r.i32(what));
    if n < 0 {
        return Err(cx.fail(invalid(at, what, i64::from(n), "a non-negative length")));
    }
    if n as u64 > MAX_SNAPSHOT_FRAME {
        return Err(cx.fail(Error::new(
            ErrorKind::LimitExceeded {
                what,
                found: i64::from(n),
                limit: MAX_SNAPSHOT_FRAME,
            },
            at,
        )));
    }
    let start = r.pos();
    t!(cx, r.take(n as usize, what));
    Ok(r.window(start, n as usize))
}

fn body(
    r: &mut Reader<'_>,
    cx: &mut Ctx,
    depth: u32,
    node: &mut SerializerSnapshot,
    kind: Option<Kind>,
) -> R<()> {
    let Some(kind) = kind else {
        return unknown(r, cx, depth, node);
    };
    match kind {
        Kind::Plain(Plain::Simple) => {
            node.layout = SnapshotLayout::Simple;
            match node.version {
                3 => Ok(()),
                2 => {
                    let c = t!(cx, utf(r, "serializer class"));
                    node.details.push(("legacy_class".into(), c));
                    Ok(())
                }
                v => Err(cx.fail(invalid(
                    r.pos().saturating_sub(4),
                    "simple serializer snapshot version",
                    i64::from(v),
                    "2 or 3",
                ))),
            }
        }
        Kind::Plain(Plain::Generic) => {
            node.layout = SnapshotLayout::Generic;
            node.type_class = Some(t!(cx, utf(r, "type class")));
            Ok(())
        }
        Kind::Plain(Plain::Legacy) => {
            node.layout = SnapshotLayout::Legacy;
            if node.version == ADAPTER_VERSION {
                let ser = legacy_serializer(r, cx)?;
                node.details
                    .push(("legacy_serializer".into(), ser.unwrap_or_default()));
            }
            Err(cx.fail(unsupported(
                r.pos(),
                format!(
                    "legacy serializer snapshot {} (a TypeSerializerConfigSnapshot, which Flink 1.17+ no longer reads): its content has no length",
                    node.class_name
                ),
            )))
        }
        Kind::Composite(outer, names) => {
            node.layout = SnapshotLayout::Composite;
            let outer_version = if node.version > 2 {
                let at = r.pos();
                let magic = t!(cx, r.i32("composite snapshot magic number"));
                if magic != COMPOSITE_MAGIC {
                    return Err(cx.fail(invalid(
                        at,
                        "composite snapshot magic number",
                        i64::from(magic),
                        "911108 (CompositeTypeSerializerSnapshot)",
                    )));
                }
                let v = t!(cx, r.i32("outer snapshot version"));
                node.outer_version = Some(v);
                v
            } else {
                node.version
            };
            outer_snapshot(r, cx, node, outer, outer_version)?;
            nested(r, cx, depth, node, names)
        }
        Kind::Custom(c) => custom(r, cx, depth, node, c),
    }
}

/// A class flinspect does not know. A `CompositeTypeSerializerSnapshot` subclass without an
/// outer snapshot is still recognisable by its two magic numbers; anything else stops.
fn unknown(r: &mut Reader<'_>, cx: &mut Ctx, depth: u32, node: &mut SerializerSnapshot) -> R<()> {
    let at = r.pos();
    if node.version > 2 {
        let mut peek = *r;
        let m1 = peek.i32("").ok();
        let _outer = peek.i32("").ok();
        let m2 = peek.i32("").ok();
        if m1 == Some(COMPOSITE_MAGIC) && m2 == Some(NESTED_MAGIC) {
            node.layout = SnapshotLayout::Composite;
            t!(cx, r.i32("composite snapshot magic number"));
            node.outer_version = Some(t!(cx, r.i32("outer snapshot version")));
            node.details.push((
                "layout_inferred".into(),
                "composite, empty outer snapshot".into(),
            ));
            return nested(r, cx, depth, node, &[]);
        }
    }
    Err(cx.fail(unsupported(
        at,
        format!(
            "serializer snapshot class {} (version {}): its layout is unknown and it records no length",
            node.class_name, node.version
        ),
    )))
}

fn outer_snapshot(
    r: &mut Reader<'_>,
    cx: &mut Ctx,
    node: &mut SerializerSnapshot,
    outer: Outer,
    version: i32,
) -> R<()> {
    match outer {
        Outer::Empty => {}
        Outer::ClassName => node.type_class = Some(t!(cx, utf(r, "class name"))),
        Outer::NullPadding => {
            let n = t!(cx, r.i32("null padding length"));
            node.details
                .push(("null_padding_length".into(), n.to_string()));
        }
        Outer::BoolAbove { first, name } => {
            let v = if version < first {
                false
            } else if version == first {
                true
            } else {
                t!(cx, r.bool(name))
            };
            node.details.push((name.into(), v.to_string()));
        }
        Outer::BoolFrom { first, name } => {
            let v = if version < first {
                false
            } else {
                t!(cx, r.bool(name))
            };
            node.details.push((name.into(), v.to_string()));
        }
        Outer::CbfCode => {
            let c = t!(cx, utf(r, "builder factory code"));
            node.details.push(("cbf_code".into(), c));
        }
        Outer::JavaObjectThenBool => {
            let c = t!(cx, skip_object_stream(r));
            node.details
                .push(("data_type".into(), c.unwrap_or_default()));
            let b = t!(cx, r.bool("is internal input"));
            node.details
                .push(("is_internal_input".into(), b.to_string()));
        }
    }
    Ok(())
}

/// `NestedSerializersSnapshotDelegate.readNestedSerializerSnapshots`.
fn nested(
    r: &mut Reader<'_>,
    cx: &mut Ctx,
    depth: u32,
    node: &mut SerializerSnapshot,
    names: &'static [&'static str],
) -> R<()> {
    let at = r.pos();
    let magic = t!(cx, r.i32("nested snapshots magic number"));
    if magic != NESTED_MAGIC {
        return Err(cx.fail(invalid(
            at,
            "nested snapshots magic number",
            i64::from(magic),
            "1333245 (NestedSerializersSnapshotDelegate)",
        )));
    }
    let at = r.pos();
    let v = t!(cx, r.i32("nested snapshots version"));
    if v != 1 {
        return Err(cx.fail(invalid(at, "nested snapshots version", i64::from(v), "1")));
    }
    // Each nested snapshot is at least a class name length and a version.
    let n = t!(cx, r.count("nested snapshots", MAX_SNAPSHOT_ENTRIES, 6));
    for i in 0..n {
        let name = match names {
            [single] if *single == "field" => Some("field"),
            _ => names.get(i).copied(),
        };
        let mut child = None;
        let res = versioned(r, cx, depth + 1, &mut child);
        if child.is_some() {
            node.children.push(Nested {
                role: NestedRole::Position {
                    index: i as u32,
                    name,
                },
                snapshot: child,
            });
        }
        res?;
    }
    Ok(())
}

fn custom(
    r: &mut Reader<'_>,
    cx: &mut Ctx,
    depth: u32,
    node: &mut SerializerSnapshot,
    c: Custom,
) -> R<()> {
    node.layout = SnapshotLayout::Custom;
    match c {
        Custom::Pojo => pojo(r, cx, depth, node),
        Custom::Kryo => kryo(r, cx, node),
        Custom::Enum => {
            node.layout = SnapshotLayout::Enum;
            node.type_class = Some(t!(cx, utf(r, "enum class")));
            let n = t!(cx, r.count("enum constants", MAX_SNAPSHOT_ENTRIES, 2));
            let mut names = Vec::with_capacity(n.min(1024));
            for _ in 0..n {
                names.push(t!(cx, utf(r, "enum constant")));
            }
            node.details
                .push(("enum_constants".into(), names.join(",")));
            Ok(())
        }
        Custom::ScalaEnum => {
            node.layout = SnapshotLayout::Enum;
            node.type_class = Some(t!(cx, utf(r, "enum class")));
            let n = t!(cx, r.count("enum constants", MAX_SNAPSHOT_ENTRIES, 6));
            let mut names = Vec::with_capacity(n.min(1024));
            for _ in 0..n {
                let name = t!(cx, utf(r, "enum constant"));
                let idx = t!(cx, r.i32("enum constant index"));
                names.push(format!("{name}={idx}"));
            }
            node.details
                .push(("enum_constants".into(), names.join(",")));
            Ok(())
        }
        Custom::Avro => {
            node.layout = SnapshotLayout::Avro;
            let (ty, schema) = match node.version {
                1 => (None, t!(cx, utf(r, "Avro schema"))),
                2 => (
                    Some(t!(cx, utf(r, "Avro runtime type"))),
                    t!(cx, utf(r, "Avro schema")),
                ),
                3 => (
                    Some(t!(cx, string_value(r, "Avro runtime type"))),
                    t!(cx, string_value(r, "Avro schema")),
                ),
                v => {
                    return Err(cx.fail(invalid(
                        r.pos().saturating_sub(4),
                        "Avro serializer snapshot version",
                        i64::from(v),
                        "1, 2 or 3",
                    )))
                }
            };
            node.type_class = ty;
            node.details.push(("avro_schema".into(), schema));
            Ok(())
        }
        Custom::TtlAware => {
            let ttl = t!(cx, r.bool("TTL enabled"));
            node.details.push(("ttl_enabled".into(), ttl.to_string()));
            wrapped(r, cx, depth, node)
        }
        Custom::RowData => {
            let n = t!(cx, r.count("logical types", MAX_SNAPSHOT_ENTRIES, 4));
            let mut types = Vec::with_capacity(n.min(1024));
            for _ in 0..n {
                let c = t!(cx, skip_object_stream(r));
                types.push(c.unwrap_or_default());
            }
            node.details.push(("logical_types".into(), types.join(",")));
            nested(r, cx, depth, node, FIELD)
        }
        Custom::BinaryRowData => {
            let n = t!(cx, r.i32("number of fields"));
            node.details.push(("num_fields".into(), n.to_string()));
            Ok(())
        }
        Custom::Decimal => {
            let p = t!(cx, r.i32("precision"));
            let s = t!(cx, r.i32("scale"));
            node.details.push(("precision".into(), p.to_string()));
            node.details.push(("scale".into(), s.to_string()));
            Ok(())
        }
        Custom::TimestampData => {
            let p = t!(cx, r.i32("precision"));
            node.details.push(("precision".into(), p.to_string()));
            Ok(())
        }
        Custom::ArrayData => java_objects(r, cx, node, &["element_type", "element_serializer"]),
        Custom::MapData => java_objects(
            r,
            cx,
            node,
            &[
                "key_type",
                "value_type",
                "key_serializer",
                "value_serializer",
            ],
        ),
        Custom::SortedMap => {
            java_objects(r, cx, node, &["comparator"])?;
            nested(r, cx, depth, node, KEY_VALUE)
        }
        Custom::RowDataKey => {
            for what in ["record equaliser", "hash function"] {
                let mut f = frame(r, cx, "generated code length")?;
                let c = skip_object_stream(&mut f).ok().flatten();
                node.details
                    .push((what.replace(' ', "_"), c.unwrap_or_default()));
            }
            wrapped(r, cx, depth, node)
        }
        Custom::Either => match node.version {
            2 => {
                node.layout = SnapshotLayout::Composite;
                nested(r, cx, depth, node, LEFT_RIGHT)
            }
            v => Err(cx.fail(unsupported(
                r.pos(),
                format!("EitherSerializerSnapshot version {v} (Flink 1.16 and older only)"),
            ))),
        },
        Custom::GenericArrayConfig => match node.version {
            2 => {
                node.layout = SnapshotLayout::Composite;
                node.type_class = Some(t!(cx, utf(r, "component class")));
                nested(r, cx, depth, node, &["component"])
            }
            v => Err(cx.fail(unsupported(
                r.pos(),
                format!(
                    "GenericArraySerializerConfigSnapshot version {v} (Flink 1.16 and older only)"
                ),
            ))),
        },
    }
}

fn wrapped(r: &mut Reader<'_>, cx: &mut Ctx, depth: u32, node: &mut SerializerSnapshot) -> R<()> {
    let mut child = None;
    let res = versioned(r, cx, depth + 1, &mut child);
    if child.is_some() {
        node.children.push(Nested {
            role: NestedRole::Wrapped,
            snapshot: child,
        });
    }
    res
}

fn java_objects(
    r: &mut Reader<'_>,
    cx: &mut Ctx,
    node: &mut SerializerSnapshot,
    names: &[&str],
) -> R<()> {
    for name in names {
        let c = t!(cx, skip_object_stream(r));
        node.details.push(((*name).into(), c.unwrap_or_default()));
    }
    Ok(())
}

/// `StringValue.readString`: a variable-length length (+1; 0 is null), then each char as a
/// variable-length value.
fn string_value(r: &mut Reader<'_>, what: &'static str) -> Result<String> {
    fn varint(r: &mut Reader<'_>, what: &'static str) -> Result<u32> {
        let at = r.pos();
        let mut v: u32 = 0;
        let mut shift = 0;
        loop {
            let b = r.u8(what)?;
            if shift > 28 {
                return Err(invalid(
                    at,
                    what,
                    i64::from(b),
                    "a variable-length int of 5 bytes at most",
                ));
            }
            v |= u32::from(b & 0x7F) << shift;
            if b < 0x80 {
                return Ok(v);
            }
            shift += 7;
        }
    }
    let at = r.pos();
    let len = varint(r, what)?;
    if len == 0 {
        return Ok(String::new());
    }
    let n = u64::from(len - 1);
    if n > MAX_STRING_VALUE_CHARS || n > r.remaining() as u64 {
        return Err(Error::new(
            ErrorKind::LimitExceeded {
                what,
                found: n as i64,
                limit: MAX_STRING_VALUE_CHARS.min(r.remaining() as u64),
            },
            at,
        ));
    }
    let mut units = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let c = varint(r, what)?;
        units.push(c as u16);
    }
    Ok(String::from_utf16_lossy(&units))
}

/// `LinkedOptionalMapSerializer.readOptionalMap`: header, size, then per entry the key name
/// and an optional frame each for key and value.
fn optional_map<'a>(
    r: &mut Reader<'a>,
    cx: &mut Ctx,
    what: &'static str,
    mut entry: impl FnMut(&mut Ctx, String, Option<Reader<'a>>, Option<Reader<'a>>) -> R<()>,
) -> R<()> {
    let at = r.pos();
    let header = t!(cx, r.i64("optional map header"));
    if header != OPTIONAL_MAP_HEADER {
        return Err(cx.fail(invalid(
            at,
            "optional map header",
            header,
            "0x4f2c69a3d70 (LinkedOptionalMapSerializer)",
        )));
    }
    // An entry is at least a key name length and two flags.
    let n = t!(cx, r.count(what, MAX_SNAPSHOT_ENTRIES, 4));
    for _ in 0..n {
        let name = t!(cx, utf(r, "optional map key name"));
        let key = if t!(cx, r.bool("optional map key present")) {
            Some(frame(r, cx, "optional map key length")?)
        } else {
            None
        };
        let value = if t!(cx, r.bool("optional map value present")) {
            Some(frame(r, cx, "optional map value length")?)
        } else {
            None
        };
        entry(cx, name, key, value)?;
    }
    Ok(())
}

/// A snapshot inside a length frame: decoded with a context of its own, so that a failure
/// marks the node and decoding continues after the frame (as Flink does).
fn framed_snapshot(
    frame: Option<Reader<'_>>,
    cx: &mut Ctx,
    depth: u32,
) -> Option<SerializerSnapshot> {
    let mut f = frame?;
    let mut sub = Ctx {
        stop: None,
        nodes: cx.nodes,
    };
    let mut out = None;
    let res = versioned(&mut f, &mut sub, depth + 1, &mut out);
    cx.nodes = sub.nodes;
    if res.is_err() {
        let msg = sub
            .stop
            .map(|e| format!("{} at offset {:#x}", e.kind(), e.offset()))
            .unwrap_or_default();
        let node = out.get_or_insert_with(|| new_node(String::new(), 0));
        node.details.push(("frame_error".into(), msg));
        node.layout = SnapshotLayout::Unknown;
    }
    out
}

fn pojo(r: &mut Reader<'_>, cx: &mut Ctx, depth: u32, node: &mut SerializerSnapshot) -> R<()> {
    node.layout = SnapshotLayout::Pojo;
    if node.version != 2 {
        return Err(cx.fail(invalid(
            r.pos().saturating_sub(4),
            "POJO serializer snapshot version",
            i64::from(node.version),
            "2",
        )));
    }
    node.type_class = Some(t!(cx, utf(r, "POJO class")));
    let mut pojo = PojoSnapshot::default();
    let mut children = Vec::new();
    let res = optional_map(r, cx, "POJO fields", |cx, name, key, value| {
        let declaring_class = key.and_then(|mut k| {
            let c = utf(&mut k, "field declaring class").ok()?;
            utf(&mut k, "field name").ok()?;
            Some(c)
        });
        pojo.fields.push(name.clone());
        children.push(Nested {
            role: NestedRole::Field {
                name,
                declaring_class,
            },
            snapshot: framed_snapshot(value, cx, depth),
        });
        Ok(())
    });
    node.children.append(&mut children);
    if res.is_err() {
        node.pojo = Some(pojo);
        return res;
    }
    for registered in [true, false] {
        let what = if registered {
            "POJO registered subclasses"
        } else {
            "POJO non-registered subclasses"
        };
        let res = optional_map(r, cx, what, |cx, name, _key, value| {
            if registered {
                pojo.registered_subclasses.push(name.clone());
            } else {
                pojo.non_registered_subclasses.push(name.clone());
            }
            children.push(Nested {
                role: if registered {
                    NestedRole::RegisteredSubclass(name)
                } else {
                    NestedRole::NonRegisteredSubclass(name)
                },
                snapshot: framed_snapshot(value, cx, depth),
            });
            Ok(())
        });
        node.children.append(&mut children);
        if res.is_err() {
            node.pojo = Some(pojo);
            return res;
        }
    }
    node.pojo = Some(pojo);
    Ok(())
}

fn kryo(r: &mut Reader<'_>, cx: &mut Ctx, node: &mut SerializerSnapshot) -> R<()> {
    node.layout = SnapshotLayout::Kryo;
    node.type_class = Some(t!(cx, utf(r, "Kryo type class")));
    let mut k = KryoSnapshot::default();
    let res = optional_map(r, cx, "Kryo registrations", |_cx, name, _key, value| {
        let (registered_class, serializer) = match value {
            None => (None, KryoSerializerDefinition::Missing),
            Some(mut f) => kryo_registration(&mut f),
        };
        k.registrations.push(KryoRegistration {
            name,
            registered_class,
            serializer,
        });
        Ok(())
    })
    .and_then(|()| {
        optional_map(
            r,
            cx,
            "Kryo default serializers",
            |_cx, name, _key, value| {
                let class = value.and_then(|mut f| skip_object_stream(&mut f).ok().flatten());
                k.default_serializers.push((name, class));
                Ok(())
            },
        )
    })
    .and_then(|()| {
        optional_map(
            r,
            cx,
            "Kryo default serializer classes",
            |_cx, name, _key, value| {
                let class = value.and_then(|mut f| utf(&mut f, "serializer class").ok());
                k.default_serializer_classes.push((name, class));
                Ok(())
            },
        )
    });
    node.kryo = Some(k);
    res
}

/// `KryoRegistrationUtil.writeKryoRegistration` inside its frame.
fn kryo_registration(f: &mut Reader<'_>) -> (Option<String>, KryoSerializerDefinition) {
    let Ok(class) = utf(f, "registered class") else {
        return (None, KryoSerializerDefinition::Missing);
    };
    let def = match f.i32("serializer definition type") {
        Ok(0) => KryoSerializerDefinition::Unspecified,
        Ok(1) => match utf(f, "serializer class") {
            Ok(c) => KryoSerializerDefinition::Class(c),
            Err(_) => KryoSerializerDefinition::Missing,
        },
        Ok(2) => KryoSerializerDefinition::Instance(skip_object_stream(f).ok().flatten()),
        Ok(other) => KryoSerializerDefinition::Other(other),
        Err(_) => KryoSerializerDefinition::Missing,
    };
    (Some(class), def)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_classes_are_sorted_and_unique() {
        for w in SPECIAL.windows(2) {
            assert!(w[0].0 < w[1].0, "{} / {}", w[0].0, w[1].0);
        }
        for w in PLAIN.windows(2) {
            assert!(w[0].0 < w[1].0, "{} / {}", w[0].0, w[1].0);
        }
        for (n, _) in SPECIAL {
            assert!(
                PLAIN.binary_search_by(|(p, _)| (*p).cmp(n)).is_err(),
                "{n} in both tables"
            );
        }
    }

    #[test]
    fn string_value_round_trip() {
        // "ab" as StringValue: length 3, then 'a', 'b'.
        let mut r = Reader::new(&[3, b'a', b'b']);
        assert_eq!(string_value(&mut r, "s").unwrap(), "ab");
        // A char above 0x7F takes two bytes.
        let mut r = Reader::new(&[2, 0xE9 | 0x80, 0x01]);
        assert_eq!(string_value(&mut r, "s").unwrap(), "é");
        // A length beyond the input is refused before allocating.
        let mut r = Reader::new(&[0xFF, 0xFF, 0xFF, 0x7F]);
        assert!(string_value(&mut r, "s").is_err());
    }
}
