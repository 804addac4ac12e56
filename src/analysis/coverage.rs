//! Key-group coverage: which key groups of `0..max_parallelism` a keyed operator's subtasks hold.

use crate::model::*;

/// Every key group `0..max_parallelism` of a keyed operator, owned exactly once?
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coverage {
    pub complete: bool,
    /// Key-group ranges owned by no subtask (e.g. finished subtasks).
    pub missing: Vec<KeyGroupRange>,
    /// Key-group ranges owned by more than one subtask.
    pub overlapping: Vec<KeyGroupRange>,
    /// Key groups outside `0..max_parallelism`.
    pub out_of_range: Vec<KeyGroupRange>,
}

/// Key-group coverage of one operator's keyed state, or `None` when it has no keyed state.
///
/// Works on the subtasks' ranges (sorted and swept), so its cost depends on the number of
/// subtasks, never on the max parallelism a file claims.
pub fn key_group_coverage(op: &OperatorState<'_>) -> Option<Coverage> {
    if !op.has_keyed_state() {
        return None;
    }
    let maxp = i64::from(op.max_parallelism.max(0));
    let mut ranges: Vec<(i64, i64)> = Vec::new();
    let mut out_of_range = Vec::new();
    for st in &op.subtasks {
        // Managed and raw keyed state of one subtask cover the same range; count it once.
        let Some(h) = st.managed_keyed.as_ref().or(st.raw_keyed.as_deref()) else {
            continue;
        };
        let r = h.key_groups();
        if r.is_empty() {
            continue;
        }
        if r.start < 0 || i64::from(r.end) >= maxp {
            out_of_range.push(r);
        }
        let (lo, hi) = (i64::from(r.start).max(0), i64::from(r.end).min(maxp - 1));
        if hi >= lo {
            ranges.push((lo, hi));
        }
    }
    ranges.sort_unstable();
    let (mut missing, mut overlapping) = (Vec::new(), Vec::new());
    // `covered` is the end of the union so far; an overlap is the part of a range at or
    // below it.
    let mut covered = -1i64;
    for &(lo, hi) in &ranges {
        if lo > covered + 1 {
            missing.push(kg_range(covered + 1, lo - 1));
        }
        if lo <= covered {
            push_merged(&mut overlapping, lo, hi.min(covered));
        }
        covered = covered.max(hi);
    }
    if covered < maxp - 1 {
        missing.push(kg_range(covered + 1, maxp - 1));
    }
    Some(Coverage {
        complete: missing.is_empty() && overlapping.is_empty() && out_of_range.is_empty(),
        missing,
        overlapping,
        out_of_range,
    })
}

fn kg_range(lo: i64, hi: i64) -> KeyGroupRange {
    KeyGroupRange {
        start: lo as i32,
        end: hi as i32,
    }
}

/// Appends [lo, hi] to sorted, disjoint ranges, merging with the last one when they touch.
fn push_merged(v: &mut Vec<KeyGroupRange>, lo: i64, hi: i64) {
    if let Some(last) = v.last_mut() {
        if lo <= i64::from(last.end) + 1 {
            last.end = last.end.max(hi as i32);
            return;
        }
    }
    v.push(kg_range(lo, hi));
}

#[cfg(test)]
mod coverage_tests {
    use super::*;

    fn op_with(maxp: i32, ranges: &[(i32, i32)]) -> OperatorState<'static> {
        static DATA: [u8; 1] = [0];
        let subtasks = ranges
            .iter()
            .enumerate()
            .map(|(i, &(s, e))| SubtaskState {
                index: i as u32,
                managed_keyed: Some(KeyedHandle::SavepointKeyGroups(KeyGroupsHandle {
                    offsets: KeyGroupRangeOffsets {
                        range: KeyGroupRange { start: s, end: e },
                        offsets: BeI64s::default(),
                    },
                    delegate: StreamHandle::ByteStream {
                        name: JavaStr(b"x"),
                        data: &DATA,
                    },
                    state_handle_id: None,
                })),
                ..Default::default()
            })
            .collect();
        OperatorState {
            id: OperatorId([0; 16]),
            name: None,
            uid: None,
            parallelism: ranges.len() as i32,
            max_parallelism: maxp,
            coordinator: None,
            fully_finished: false,
            subtasks,
        }
    }

    #[test]
    fn complete_gaps_and_overlaps() {
        let c = key_group_coverage(&op_with(128, &[(0, 63), (64, 127)])).unwrap();
        assert!(c.complete);
        let c = key_group_coverage(&op_with(128, &[(0, 42), (86, 127)])).unwrap();
        assert_eq!(c.missing, vec![KeyGroupRange { start: 43, end: 85 }]);
        let c = key_group_coverage(&op_with(128, &[(0, 70), (60, 127), (65, 66)])).unwrap();
        assert_eq!(c.overlapping, vec![KeyGroupRange { start: 60, end: 70 }]);
        assert!(c.missing.is_empty());
        let c = key_group_coverage(&op_with(128, &[(0, 63)])).unwrap();
        assert_eq!(
            c.missing,
            vec![KeyGroupRange {
                start: 64,
                end: 127
            }]
        );
    }

    #[test]
    fn a_huge_claimed_max_parallelism_costs_nothing() {
        let c = key_group_coverage(&op_with(i32::MAX, &[(0, 63)])).unwrap();
        assert_eq!(
            c.missing,
            vec![KeyGroupRange {
                start: 64,
                end: i32::MAX - 1
            }]
        );
        let c = key_group_coverage(&op_with(16, &[(0, 63)])).unwrap();
        assert_eq!(c.out_of_range, vec![KeyGroupRange { start: 0, end: 63 }]);
    }
}
