//! The streams and files a snapshot references, in file order, and what each operator holds.

use std::collections::BTreeSet;

use crate::model::*;

/// Where a referenced stream lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileRef<'a> {
    /// An absolute path (URI string) as recorded.
    Absolute(JavaStr<'a>),
    /// A file name relative to the snapshot directory.
    Relative(JavaStr<'a>),
    /// Bytes inline in `_metadata`.
    Inline,
    /// A byte range of a shared physical file (file merging).
    Segment { path: JavaStr<'a>, start: i64 },
}

/// One referenced stream with its place in the snapshot.
#[derive(Clone, Debug)]
pub struct Reference<'a> {
    pub operator: OperatorId,
    pub subtask: Option<u32>,
    pub role: StreamRole,
    pub file: FileRef<'a>,
    /// The size the metadata records (−1 when unknown).
    pub size: i64,
}

/// Every stream the snapshot references, in file order.
pub fn references<'a>(md: &'a Metadata<'a>) -> Vec<Reference<'a>> {
    md.operators.iter().flat_map(operator_references).collect()
}

/// What an operator's subtasks hold, each thing once: the handle classes (Flink's simple class
/// names) and the named operator states as (modified UTF-8 name, distribution mode ordinal).
/// Every subtask usually repeats the same few, so renderers format the distinct ones only.
#[derive(Debug, Default)]
pub struct OperatorContents<'a> {
    pub handle_classes: BTreeSet<&'static str>,
    pub state_names: BTreeSet<(&'a [u8], u8)>,
}

pub fn operator_contents<'a>(op: &OperatorState<'a>) -> OperatorContents<'a> {
    let mut c = OperatorContents::default();
    for st in &op.subtasks {
        for h in st.managed_keyed.iter().chain(st.raw_keyed.as_deref()) {
            c.handle_classes.insert(h.class_name());
        }
        for h in st.managed_operator.iter().chain(st.raw_operator.as_deref()) {
            c.handle_classes.insert(h.class_name());
            for s in &h.states {
                c.state_names.insert((s.name.0, s.mode.0));
            }
        }
        for ch in st.input_channels.iter().chain(st.output_channels.iter()) {
            c.handle_classes.insert(ch.class_name());
        }
    }
    c
}

/// Every stream one operator references, in file order.
pub fn operator_references<'a>(op: &'a OperatorState<'a>) -> Vec<Reference<'a>> {
    let mut out = Vec::new();
    if let Some(c) = &op.coordinator {
        push_stream(&mut out, op.id, None, StreamRole::Coordinator, c);
    }
    for st in &op.subtasks {
        for h in st.managed_operator.iter().chain(st.raw_operator.as_deref()) {
            push_stream(
                &mut out,
                op.id,
                Some(st.index),
                StreamRole::OperatorData,
                &h.delegate,
            );
        }
        for h in st.managed_keyed.iter().chain(st.raw_keyed.as_deref()) {
            h.for_each_stream(&mut |role, s| push_stream(&mut out, op.id, Some(st.index), role, s));
        }
        for c in st.input_channels.iter().chain(st.output_channels.iter()) {
            push_stream(
                &mut out,
                op.id,
                Some(st.index),
                StreamRole::ChannelState,
                &c.delegate,
            );
        }
    }
    out
}

fn push_stream<'a>(
    out: &mut Vec<Reference<'a>>,
    op: OperatorId,
    subtask: Option<u32>,
    role: StreamRole,
    s: &'a StreamHandle<'a>,
) {
    let file = match s.innermost() {
        StreamHandle::ByteStream { .. } => FileRef::Inline,
        StreamHandle::File { path, .. } => FileRef::Absolute(*path),
        StreamHandle::RelativeFile { relative_path, .. } => FileRef::Relative(*relative_path),
        StreamHandle::Segment {
            path, start_pos, ..
        } => FileRef::Segment {
            path: *path,
            start: *start_pos,
        },
        StreamHandle::EmptySegment | StreamHandle::KeyGroups(_) => return,
    };
    out.push(Reference {
        operator: op,
        subtask,
        role,
        file,
        size: s.innermost().state_size(),
    });
}

/// The files a snapshot references, as found on this machine (data: `scan` finds them,
/// `check` judges them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateFiles {
    /// Distinct local files referenced (inline state excluded).
    pub referenced: usize,
    /// Referenced files that exist with at least the recorded size.
    pub found: usize,
    /// Missing or shorter than recorded: `(what, path as recorded or resolved)`, sorted.
    pub broken: Vec<(String, String)>,
    /// References to remote storage (`s3://`, `hdfs://`, …) that no map covers.
    pub unmapped: Vec<String>,
    /// Files that exist but could not be examined (e.g. permission denied).
    pub inaccessible: Vec<String>,
    /// `--map`s inferred because the tree moved (`OLD=NEW`).
    pub inferred_maps: Vec<String>,
}
