//! The serialization proxies at the head of state streams, decoded into
//! [`crate::model::state_meta`] without reading a state value.
//!
//! * [`keyed_header`]: `KeyedBackendSerializationProxy` — `int` version (6 for Flink 1.8 – 2.3;
//!   1.13 – 1.16 still read 1 – 5, 1.17+ refuse them), `boolean` key-group compression (from
//!   version 4), the key serializer snapshot (`TypeSerializerSnapshotSerializationUtil`
//!   format), `short` number of states, then one state meta info each.
//! * [`operator_header`]: `OperatorBackendSerializationProxy` — `int` version (5 up to Flink
//!   1.17, 6 from 1.18), `boolean` compression (version 6 only), `short` + operator states,
//!   `short` + broadcast states (from version 3).
//!
//! A state meta info (`StateMetaInfoSnapshotReadersWriters`, format 6 and 7, which share one
//! layout): `UTF` name, `int` backend state type ordinal, `int` + options (`UTF` key, `UTF`
//! value), `int` + serializer snapshots (`UTF` role, snapshot). The formats before 6 (Flink
//! <= 1.6, proxy versions <= 4 and operator proxy 4) are refused with an error naming them.
//!
//! Both readers are lossy: they return what they decoded, and `stopped` says where and why they
//! stopped (an unknown snapshot class, truncation, a value out of range); they never fail.

mod javaobj;
mod known;
mod snapshot;

use snapshot::{serializer_snapshot, Ctx, Stop, R};

use super::error::{Error, ErrorKind};
use super::limits::{MAX_STATES, MAX_STATE_OPTIONS, MAX_STATE_SERIALIZERS};
use super::reader::Reader;
use crate::model::state_meta::{
    BackendStateType, KeyedBackendMeta, OperatorBackendMeta, StateMetaInfo, Stopped,
};

macro_rules! t {
    ($cx:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return Err($cx.fail(e)),
        }
    };
}

fn stopped(cx: Ctx) -> Option<Stopped> {
    cx.stop.map(|e| {
        let mut message = e.kind().to_string();
        let ctx: Vec<&str> = e.context().collect();
        if !ctx.is_empty() {
            message.push_str(" (");
            message.push_str(&ctx.join(", "));
            message.push(')');
        }
        Stopped {
            offset: e.offset(),
            message,
        }
    })
}

/// Decodes the `KeyedBackendSerializationProxy` that starts at `start` in `data` (a whole file
/// or `_metadata`'s inline bytes; offsets in the result are positions in `data`). Reads only
/// the header's bytes.
pub fn keyed_header(data: &[u8], start: usize) -> KeyedBackendMeta {
    let mut r = Reader::new(data).at(start);
    let mut cx = Ctx::default();
    let mut meta = KeyedBackendMeta {
        version: 0,
        compression: false,
        key_serializer: None,
        declared_states: 0,
        states: Vec::new(),
        stopped: None,
    };
    let _ = keyed(&mut r, &mut cx, &mut meta);
    meta.stopped = stopped(cx);
    meta
}

fn keyed(r: &mut Reader<'_>, cx: &mut Ctx, meta: &mut KeyedBackendMeta) -> R<()> {
    let at = r.pos();
    meta.version = t!(cx, r.i32("keyed backend header version"));
    if meta.version != 6 {
        return Err(cx.fail(Error::new(
            ErrorKind::Invalid {
                what: "keyed backend header version",
                found: i64::from(meta.version),
                expected: "6 (versions 1 to 5 are Flink <= 1.7 headers, which Flink 1.17+ cannot read either)",
            },
            at,
        )));
    }
    meta.compression = t!(cx, r.bool("key-group compression flag"));
    let res = serializer_snapshot(r, cx, &mut meta.key_serializer);
    if res.is_err() {
        cx.frame(|| "key serializer".to_string());
        return res;
    }
    let n = count(r, cx, "keyed states")?;
    meta.declared_states = n as u32;
    states(r, cx, n, &mut meta.states)
}

/// Decodes the `OperatorBackendSerializationProxy` that starts at `start` in `data`.
pub fn operator_header(data: &[u8], start: usize) -> OperatorBackendMeta {
    let mut r = Reader::new(data).at(start);
    let mut cx = Ctx::default();
    let mut meta = OperatorBackendMeta {
        version: 0,
        compression: None,
        declared_operator_states: 0,
        declared_broadcast_states: 0,
        operator_states: Vec::new(),
        broadcast_states: Vec::new(),
        stopped: None,
    };
    let _ = operator(&mut r, &mut cx, &mut meta);
    meta.stopped = stopped(cx);
    meta
}

fn operator(r: &mut Reader<'_>, cx: &mut Ctx, meta: &mut OperatorBackendMeta) -> R<()> {
    let at = r.pos();
    meta.version = t!(cx, r.i32("operator backend header version"));
    match meta.version {
        6 => meta.compression = Some(t!(cx, r.bool("operator state compression flag"))),
        5 => {}
        v => {
            return Err(cx.fail(Error::new(
                ErrorKind::Invalid {
                    what: "operator backend header version",
                    found: i64::from(v),
                    expected: "5 (Flink 1.7 - 1.17) or 6 (1.18+); 1 to 4 are Flink <= 1.6 headers",
                },
                at,
            )))
        }
    }
    let n = count(r, cx, "operator states")?;
    meta.declared_operator_states = n as u32;
    states(r, cx, n, &mut meta.operator_states)?;
    let n = count(r, cx, "broadcast states")?;
    meta.declared_broadcast_states = n as u32;
    states(r, cx, n, &mut meta.broadcast_states)
}

/// A `short` state count, bounded by the limit and by the bytes left (a state meta info is at
/// least 2 + 4 + 4 + 4 bytes).
fn count(r: &mut Reader<'_>, cx: &mut Ctx, what: &'static str) -> R<usize> {
    let at = r.pos();
    let n = t!(cx, r.i16(what));
    Ok(t!(
        cx,
        r.check_count(at, what, i64::from(n), MAX_STATES, 14)
    ))
}

fn states(r: &mut Reader<'_>, cx: &mut Ctx, n: usize, out: &mut Vec<StateMetaInfo>) -> R<()> {
    out.reserve(n.min(1024));
    for i in 0..n {
        let res = state(r, cx, out);
        if res.is_err() {
            let name = out.get(i).map(|s| s.name.clone()).unwrap_or_default();
            cx.frame(|| format!("state {i} {name:?}"));
            return res;
        }
    }
    Ok(())
}

/// `StateMetaInfoSnapshotReadersWriters.CurrentReaderImpl`. The state is pushed as soon as its
/// name is read, so a partial state is kept.
fn state(r: &mut Reader<'_>, cx: &mut Ctx, out: &mut Vec<StateMetaInfo>) -> R<()> {
    let name = t!(cx, r.utf("state name")).to_str().into_owned();
    out.push(StateMetaInfo {
        name,
        backend_type: BackendStateType(-1),
        options: Vec::new(),
        serializers: Vec::new(),
    });
    let s = out.last_mut().expect("pushed above");
    s.backend_type = BackendStateType(t!(cx, r.i32("backend state type")));
    let n = t!(cx, r.count("state options", MAX_STATE_OPTIONS, 4));
    for _ in 0..n {
        let k = t!(cx, r.utf("option key")).to_str().into_owned();
        let v = t!(cx, r.utf("option value")).to_str().into_owned();
        s.options.push((k, v));
    }
    let n = t!(cx, r.count("state serializers", MAX_STATE_SERIALIZERS, 8));
    for _ in 0..n {
        let role = t!(cx, r.utf("serializer role")).to_str().into_owned();
        let mut snap = None;
        let res = serializer_snapshot(r, cx, &mut snap);
        if let Some(snap) = snap {
            s.serializers.push((role.clone(), snap));
        }
        if let Err(Stop) = res {
            cx.frame(|| role);
            return Err(Stop);
        }
    }
    Ok(())
}

/// One serializer snapshot as `TypeSerializerSnapshotSerializationUtil.writeSerializerSnapshot`
/// writes it (the proxy's version, then the versioned snapshot), starting at `start` in `data`:
/// the snapshot as far as it was decoded, where decoding stopped (if it did), and the offset
/// just after the bytes read.
pub fn serializer_snapshot_at(
    data: &[u8],
    start: usize,
) -> (
    Option<crate::model::state_meta::SerializerSnapshot>,
    Option<Stopped>,
    usize,
) {
    let mut r = Reader::new(data).at(start);
    let mut cx = Ctx::default();
    let mut out = None;
    let _ = serializer_snapshot(&mut r, &mut cx, &mut out);
    let end = r.pos();
    (out, stopped(cx), end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::StreamHandle;

    /// The length of the header at the head of `data` (the shortest prefix that decodes).
    fn header_len(data: &[u8], decode: impl Fn(&[u8]) -> bool) -> usize {
        let (mut lo, mut hi) = (0, data.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if decode(&data[..mid]) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        lo
    }

    /// Real headers — keyed ones of a heap savepoint and of a SQL job (Java-serialized
    /// `LogicalType`s inside), operator ones inline in `_metadata` — cut at every length and
    /// with bytes flipped at every position: decoding never panics, and a cut header stops at
    /// an offset inside what it was given.
    #[test]
    fn damaged_headers_stop_with_an_offset_and_never_panic() {
        let td = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let mut keyed: Vec<Vec<u8>> = vec![std::fs::read(td.join(
            "flink-2.3.0/hashmap/savepoint-a43d48-74a9f8a50208/ad0e22fc-37df-4168-b43e-6cec33529090",
        ))
        .unwrap()];
        // A SQL job's keyed state is small enough to be inline in its `_metadata`.
        let sql = td.join("sql/flink-2.3.0");
        for sp in std::fs::read_dir(&sql).unwrap().flatten() {
            let Ok(bytes) = std::fs::read(sp.path().join("_metadata")) else {
                continue;
            };
            let md = crate::format::parse(&bytes).unwrap();
            for op in &md.operators {
                for st in &op.subtasks {
                    let mut push = |s: &StreamHandle<'_>| {
                        if let StreamHandle::ByteStream { data, .. } = s.innermost() {
                            keyed.push(data.to_vec());
                        }
                    };
                    st.managed_keyed
                        .iter()
                        .for_each(|h| h.for_each_stream(&mut |_, s| push(s)));
                }
            }
        }
        assert!(keyed.len() >= 2);
        let md_bytes =
            std::fs::read(td.join("flink-2.3.0/hashmap/savepoint-a43d48-74a9f8a50208/_metadata"))
                .unwrap();
        let md = crate::format::parse(&md_bytes).unwrap();
        let mut operator: Vec<Vec<u8>> = Vec::new();
        for op in &md.operators {
            for st in &op.subtasks {
                if let Some(h) = &st.managed_operator {
                    if let StreamHandle::ByteStream { data, .. } = h.delegate.innermost() {
                        operator.push(data.to_vec());
                    }
                }
            }
        }
        assert!(!operator.is_empty());
        let inputs = keyed
            .iter()
            .map(|d| (true, d))
            .chain(operator.iter().map(|d| (false, d)));
        for (is_keyed, data) in inputs {
            let stopped = |d: &[u8]| {
                if is_keyed {
                    keyed_header(d, 0).stopped
                } else {
                    operator_header(d, 0).stopped
                }
            };
            assert!(stopped(data).is_none(), "{:?}", stopped(data));
            let end = header_len(data, |d| stopped(d).is_none());
            for cut in 0..end {
                let s = stopped(&data[..cut]).expect("a cut header stops");
                assert!(s.offset as usize <= cut, "{} > {cut}", s.offset);
            }
            let mut buf = data[..end].to_vec();
            for i in 0..end {
                for flip in [0xFFu8, 0x80, 0x01] {
                    buf[i] ^= flip;
                    let _ = keyed_header(&buf, 0);
                    let _ = operator_header(&buf, 0);
                    buf[i] ^= flip;
                }
            }
        }
    }
}
