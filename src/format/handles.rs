//! Handle decoders, mirroring `MetadataV2V3SerializerBase.deserialize{Stream,Keyed,Operator}StateHandle`
//! and `ChannelStateHandleSerializerV1/V2`. Field order is quoted on each function.

use super::error::{ErrorKind, Result};
use super::limits::{MAX_HANDLE_DEPTH, MAX_KEY_GROUPS, MAX_LIST_ENTRIES};
use super::reader::Reader;
use crate::model::*;

/// Which layout codes 8/9/10 use: Flink 1.14 wrote a shorter one than 1.15+ (both metadata V3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChangelogLayout {
    Flink115,
    Flink114,
}

fn depth_check(r: &Reader<'_>, depth: u32) -> Result<()> {
    if depth > MAX_HANDLE_DEPTH {
        return Err(r.err(ErrorKind::LimitExceeded {
            what: "handle nesting depth",
            found: i64::from(depth),
            limit: u64::from(MAX_HANDLE_DEPTH),
        }));
    }
    Ok(())
}

/// `deserializeStreamStateHandle`: a type byte, then the body of codes 0, 1, 2, 3, 6, 15 or 16.
pub(crate) fn stream_handle<'a>(
    r: &mut Reader<'a>,
    depth: u32,
) -> Result<Option<StreamHandle<'a>>> {
    depth_check(r, depth)?;
    let at = r.pos();
    let code = r.u8("stream handle type")?;
    let h = match HandleCode(code) {
        HandleCode::NULL => return Ok(None),
        // ByteStreamStateHandle: handleName utf, len i32, data.
        HandleCode::BYTE_STREAM => {
            let name = r.utf("byte stream handle name")?;
            let len = r.count("inline state length", u64::MAX, 1)?;
            let data = r.take(len, "inline state bytes")?;
            StreamHandle::ByteStream { name, data }
        }
        // FileStateHandle: stateSize i64 before filePath utf.
        HandleCode::FILE_STREAM => {
            let size = r.i64("file state size")?;
            let path = r.utf("file path")?;
            StreamHandle::File { path, size }
        }
        // RelativeFileStateHandle: relativePath utf before stateSize i64.
        HandleCode::RELATIVE_STREAM => {
            let relative_path = r.utf("relative file path")?;
            let size = r.i64("relative file state size")?;
            StreamHandle::RelativeFile {
                relative_path,
                size,
            }
        }
        // KeyGroupsStateHandle in a stream position: offsets, then a nested stream handle.
        HandleCode::KEY_GROUPS => {
            let offsets = key_group_range_offsets(r)?;
            let delegate = required_stream(r, depth + 1, "key groups delegate")?;
            StreamHandle::KeyGroups(Box::new(KeyGroupsHandle {
                offsets,
                delegate,
                state_handle_id: None,
            }))
        }
        // SegmentFileStateHandle: startPos, stateSize, scope ordinal, physical path, logical id.
        HandleCode::SEGMENT_FILE => {
            let start_pos = r.i64("segment start position")?;
            let size = r.i64("segment state size")?;
            let scope = SegmentScope(r.i32("segment scope")?);
            let path = r.utf("segment physical file path")?;
            let logical_file_id = r.utf("segment logical file id")?;
            StreamHandle::Segment {
                path,
                start_pos,
                size,
                scope,
                logical_file_id,
            }
        }
        HandleCode::EMPTY_SEGMENT_FILE => StreamHandle::EmptySegment,
        _ => {
            return Err(super::error::Error::new(
                ErrorKind::UnknownHandle {
                    position: "stream state",
                    code: i64::from(code),
                },
                at,
            ))
        }
    };
    Ok(Some(h))
}

fn required_stream<'a>(
    r: &mut Reader<'a>,
    depth: u32,
    what: &'static str,
) -> Result<StreamHandle<'a>> {
    let at = r.pos();
    stream_handle(r, depth)?.ok_or_else(|| {
        super::error::Error::new(
            ErrorKind::Invalid {
                what,
                found: 0,
                expected: "a non-null stream handle",
            },
            at,
        )
    })
}

/// `KeyGroupRangeOffsets`: startKeyGroup i32, numKeyGroups i32, numKeyGroups × i64 offsets.
fn key_group_range_offsets<'a>(r: &mut Reader<'a>) -> Result<KeyGroupRangeOffsets<'a>> {
    let start_at = r.pos();
    let start = r.i32("start key group")?;
    let n = r.count("number of key groups", MAX_KEY_GROUPS, 8)?;
    if n > 0 && start < 0 {
        return Err(super::error::Error::new(
            ErrorKind::Invalid {
                what: "start key group",
                found: i64::from(start),
                expected: "a non-negative key group",
            },
            start_at,
        ));
    }
    let offsets = r.i64s(n, "key group offsets")?;
    Ok(KeyGroupRangeOffsets {
        range: KeyGroupRange::from_start_count(start, n as i32),
        offsets,
    })
}

/// A (startKeyGroup, numKeyGroups) pair without offsets, as incremental and changelog handles store it.
fn key_group_range(r: &mut Reader<'_>) -> Result<KeyGroupRange> {
    let at = r.pos();
    let start = r.i32("start key group")?;
    let n = r.i32("number of key groups")?;
    if n > 0 && start < 0 {
        return Err(super::error::Error::new(
            ErrorKind::Invalid {
                what: "start key group",
                found: i64::from(start),
                expected: "a non-negative key group",
            },
            at,
        ));
    }
    if i64::from(n) > MAX_KEY_GROUPS as i64 {
        return Err(super::error::Error::new(
            ErrorKind::LimitExceeded {
                what: "number of key groups",
                found: i64::from(n),
                limit: MAX_KEY_GROUPS,
            },
            at + 4,
        ));
    }
    Ok(KeyGroupRange::from_start_count(start, n))
}

/// `deserializeKeyedStateHandle`: a type byte, then the body of codes 0, 3, 5, 7–14.
pub(crate) fn keyed_handle<'a>(
    r: &mut Reader<'a>,
    depth: u32,
    layout: ChangelogLayout,
) -> Result<Option<KeyedHandle<'a>>> {
    depth_check(r, depth)?;
    let at = r.pos();
    let code = HandleCode(r.u8("keyed state handle type")?);
    let h = match code {
        HandleCode::NULL => return Ok(None),
        HandleCode::KEY_GROUPS | HandleCode::KEY_GROUPS_V2 | HandleCode::SAVEPOINT_KEY_GROUPS => {
            let offsets = key_group_range_offsets(r)?;
            let delegate = required_stream(r, depth + 1, "key groups delegate")?;
            let state_handle_id = r.utf_if(code == HandleCode::KEY_GROUPS_V2, "state handle id")?;
            let handle = KeyGroupsHandle {
                offsets,
                delegate,
                state_handle_id,
            };
            if code == HandleCode::SAVEPOINT_KEY_GROUPS {
                KeyedHandle::SavepointKeyGroups(handle)
            } else {
                KeyedHandle::KeyGroups { code, handle }
            }
        }
        // checkpointId, backendId, startKeyGroup, numKeyGroups, [V2: checkpointedSize], meta,
        // shared list, private list, [V2: stateHandleId].
        HandleCode::INCREMENTAL_KEY_GROUPS | HandleCode::INCREMENTAL_KEY_GROUPS_V2 => {
            let v2 = code == HandleCode::INCREMENTAL_KEY_GROUPS_V2;
            let checkpoint_id = r.i64("incremental checkpoint id")?;
            let backend_id = r.utf("backend id")?;
            let key_groups = key_group_range(r)?;
            let checkpointed_size = r.i64_if(v2, "checkpointed size")?;
            let meta = required_stream(r, depth + 1, "incremental meta state handle")?;
            let shared = local_files(r, depth, "shared state")?;
            let private = local_files(r, depth, "private state")?;
            let state_handle_id = r.utf_if(v2, "state handle id")?;
            KeyedHandle::Incremental {
                code,
                handle: Box::new(IncrementalHandle {
                    checkpoint_id,
                    backend_id,
                    key_groups,
                    checkpointed_size,
                    meta,
                    shared,
                    private,
                    state_handle_id,
                }),
            }
        }
        HandleCode::CHANGELOG | HandleCode::CHANGELOG_V2 => {
            let legacy = layout == ChangelogLayout::Flink114 && code == HandleCode::CHANGELOG;
            let key_groups = key_group_range(r)?;
            let checkpointed_size = r.i64_if(!legacy, "checkpointed size")?;
            let n = r.count("materialized handles", MAX_LIST_ENTRIES, 1)?;
            let mut materialized = Vec::with_capacity(n);
            for _ in 0..n {
                if let Some(h) = keyed_handle(r, depth + 1, layout)? {
                    materialized.push(h);
                }
            }
            let n = r.count("non-materialized handles", MAX_LIST_ENTRIES, 1)?;
            let mut non_materialized = Vec::with_capacity(n);
            for _ in 0..n {
                if let Some(h) = keyed_handle(r, depth + 1, layout)? {
                    non_materialized.push(h);
                }
            }
            let (materialization_id, checkpoint_id, state_handle_id) = if legacy {
                (None, None, None)
            } else {
                let m = r.i64("materialization id")?;
                let c = r.i64_if(code == HandleCode::CHANGELOG_V2, "checkpoint id")?;
                (Some(m), c, Some(r.utf("state handle id")?))
            };
            KeyedHandle::Changelog {
                code,
                handle: Box::new(ChangelogHandle {
                    key_groups,
                    checkpointed_size,
                    materialized,
                    non_materialized,
                    materialization_id,
                    checkpoint_id,
                    state_handle_id,
                }),
            }
        }
        // start, num, from, to, nChanges × (keyGroup, len, bytes), [1.15+: stateHandleId].
        HandleCode::CHANGELOG_BYTE_INCREMENT => {
            let key_groups = key_group_range(r)?;
            let from = r.i64("changelog from sequence number")?;
            let to = r.i64("changelog to sequence number")?;
            let n = r.count("state changes", MAX_LIST_ENTRIES, 8)?;
            let mut changes = Vec::with_capacity(n);
            for _ in 0..n {
                let key_group = r.i32("change key group")?;
                let len = r.count("change length", u64::MAX, 1)?;
                changes.push(StateChange {
                    key_group,
                    data: r.take(len, "change bytes")?,
                });
            }
            let state_handle_id =
                r.utf_if(layout != ChangelogLayout::Flink114, "state handle id")?;
            KeyedHandle::ChangelogBytes(Box::new(ChangelogBytesHandle {
                key_groups,
                from,
                to,
                changes,
                state_handle_id,
            }))
        }
        // start, num, n × (offset, stream handle), stateSize, [1.15+: checkpointedSize,
        // stateHandleId], [13: storageIdentifier].
        HandleCode::CHANGELOG_FILE_INCREMENT | HandleCode::CHANGELOG_FILE_INCREMENT_V2 => {
            let legacy =
                layout == ChangelogLayout::Flink114 && code == HandleCode::CHANGELOG_FILE_INCREMENT;
            let key_groups = key_group_range(r)?;
            let n = r.count("changelog file handles", MAX_LIST_ENTRIES, 9)?;
            let mut handles = Vec::with_capacity(n);
            for _ in 0..n {
                let offset = r.i64("changelog offset")?;
                handles.push((offset, required_stream(r, depth + 1, "changelog delta")?));
            }
            let state_size = r.i64("changelog state size")?;
            let checkpointed_size = r.i64_if(!legacy, "checkpointed size")?;
            let state_handle_id = r.utf_if(!legacy, "state handle id")?;
            let storage_identifier = r.utf_if(
                code == HandleCode::CHANGELOG_FILE_INCREMENT_V2,
                "storage identifier",
            )?;
            KeyedHandle::ChangelogFile {
                code,
                handle: Box::new(ChangelogFileHandle {
                    key_groups,
                    handles,
                    state_size,
                    checkpointed_size,
                    state_handle_id,
                    storage_identifier,
                }),
            }
        }
        _ => {
            return Err(super::error::Error::new(
                ErrorKind::UnknownHandle {
                    position: "keyed state",
                    code: i64::from(code.0),
                },
                at,
            ))
        }
    };
    Ok(Some(h))
}

/// HandleList: count, then count × (localPath utf, stream handle).
fn local_files<'a>(
    r: &mut Reader<'a>,
    depth: u32,
    what: &'static str,
) -> Result<Vec<LocalFile<'a>>> {
    let n = r.count(what, MAX_LIST_ENTRIES, 3)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let local_path = r.utf("local path")?;
        let handle = required_stream(r, depth + 1, "incremental state file")?;
        out.push(LocalFile { local_path, handle });
    }
    Ok(out)
}

/// `deserializeOperatorStateHandle`: code 0, 4 (states map + delegate) or 17 (states map, task-owned
/// dir, shared dir, isEmpty, segment delegate).
pub(crate) fn operator_handle<'a>(
    r: &mut Reader<'a>,
    depth: u32,
) -> Result<Option<OperatorHandle<'a>>> {
    depth_check(r, depth)?;
    let at = r.pos();
    let code = HandleCode(r.u8("operator state handle type")?);
    if code == HandleCode::NULL {
        return Ok(None);
    }
    if code != HandleCode::PARTITIONABLE_OPERATOR
        && code != HandleCode::SEGMENT_PARTITIONABLE_OPERATOR
    {
        return Err(super::error::Error::new(
            ErrorKind::UnknownHandle {
                position: "operator state",
                code: i64::from(code.0),
            },
            at,
        ));
    }
    let n = r.count("operator state names", MAX_LIST_ENTRIES, 7)?;
    let mut states = Vec::with_capacity(n);
    for _ in 0..n {
        let name = r.utf("operator state name")?;
        let mode_at = r.pos();
        let mode = DistributionMode(r.u8("distribution mode")?);
        if mode.name().is_none() {
            return Err(super::error::Error::new(
                ErrorKind::Invalid {
                    what: "distribution mode",
                    found: i64::from(mode.0),
                    expected: "0, 1 or 2",
                },
                mode_at,
            ));
        }
        let k = r.count("operator state offsets", MAX_LIST_ENTRIES, 8)?;
        let offsets = r.i64s(k, "operator state offsets")?;
        states.push(NamedOperatorState {
            name,
            mode,
            offsets,
        });
    }
    let file_merging = if code == HandleCode::SEGMENT_PARTITIONABLE_OPERATOR {
        let task_owned_dir = r.utf("task-owned directory")?;
        let shared_dir = r.utf("shared directory")?;
        let is_empty = r.bool("empty flag")?;
        Some(FileMergingDirs {
            task_owned_dir,
            shared_dir,
            is_empty,
        })
    } else {
        None
    };
    let delegate_at = r.pos();
    let delegate = required_stream(r, depth + 1, "operator state delegate")?;
    if file_merging.is_some()
        && !matches!(
            delegate,
            StreamHandle::Segment { .. } | StreamHandle::EmptySegment
        )
    {
        return Err(super::error::Error::new(
            ErrorKind::Invalid {
                what: "file-merging operator state delegate type",
                found: 0,
                expected: "a segment file handle (code 15 or 16)",
            },
            delegate_at,
        ));
    }
    Ok(Some(OperatorHandle {
        code,
        states,
        file_merging,
        delegate,
    }))
}

/// One channel-state handle. V3–V5 (`ChannelStateHandleSerializerV1`): subtaskIndex, info a, info b,
/// offsets, stateSize, delegate. V6 (`ChannelStateHandleSerializerV2`): a type byte first; codes
/// 3/4 are merged handles: subtaskIndex, stateSize, delegate, blob.
pub(crate) fn channel_handle<'a>(
    r: &mut Reader<'a>,
    direction: ChannelDirection,
    typed: bool,
) -> Result<ChannelHandle<'a>> {
    let merged = if typed {
        let at = r.pos();
        let t = r.u8("channel state handle type")?;
        match (direction, t) {
            (ChannelDirection::Input, 1) | (ChannelDirection::Output, 2) => false,
            (ChannelDirection::Input, 3) | (ChannelDirection::Output, 4) => true,
            (direction, _) => {
                let position = match direction {
                    ChannelDirection::Input => "input channel state",
                    ChannelDirection::Output => "result subpartition state",
                };
                let kind = ErrorKind::UnknownHandle {
                    position,
                    code: i64::from(t),
                };
                return Err(super::error::Error::new(kind, at));
            }
        }
    } else {
        false
    };
    let subtask_index = r.i32("channel subtask index")?;
    if merged {
        let state_size = r.i64("channel state size")?;
        let delegate = required_stream(r, 1, "channel state delegate")?;
        let len = r.count("merged channel info length", u64::MAX, 1)?;
        let blob = r.take(len, "merged channel info")?;
        let channels = blob.get(..4).map_or(0, |b| {
            i32::from_be_bytes([b[0], b[1], b[2], b[3]]).max(0) as u32
        });
        Ok(ChannelHandle {
            direction,
            subtask_index,
            body: ChannelBody::Merged { channels, blob },
            state_size,
            delegate,
        })
    } else {
        let a = r.i32("channel info")?;
        let b = r.i32("channel info")?;
        let n = r.count("channel state offsets", MAX_LIST_ENTRIES, 8)?;
        let offsets = r.i64s(n, "channel state offsets")?;
        let state_size = r.i64("channel state size")?;
        let delegate = required_stream(r, 1, "channel state delegate")?;
        Ok(ChannelHandle {
            direction,
            subtask_index,
            body: ChannelBody::Single {
                info: (a, b),
                offsets,
            },
            state_size,
            delegate,
        })
    }
}
