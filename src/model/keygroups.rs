//! Key groups: Flink's unit of keyed-state distribution (`KeyGroupRange`,
//! `KeyGroupRangeAssignment`).

use super::bytes::BeI64s;

/// An inclusive range of key groups. The empty range is `[0, -1]`, as Flink's
/// `KeyGroupRange.EMPTY_KEY_GROUP_RANGE` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyGroupRange {
    pub start: i32,
    pub end: i32,
}

impl KeyGroupRange {
    pub const EMPTY: KeyGroupRange = KeyGroupRange { start: 0, end: -1 };

    /// The range Flink builds from a stored `(start, count)` pair (`KeyGroupRange.of`).
    pub fn from_start_count(start: i32, count: i32) -> KeyGroupRange {
        if count <= 0 {
            KeyGroupRange::EMPTY
        } else {
            KeyGroupRange {
                start,
                end: start.saturating_add(count - 1),
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.end < self.start
    }

    pub fn len(&self) -> u32 {
        if self.is_empty() {
            0
        } else {
            (i64::from(self.end) - i64::from(self.start) + 1) as u32
        }
    }
}

/// `KeyGroupRangeOffsets`: a range and, per key group, where its data starts in the delegate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KeyGroupRangeOffsets<'a> {
    pub range: KeyGroupRange,
    pub offsets: BeI64s<'a>,
}

/// Flink's lower bound for a derived max parallelism (`DEFAULT_LOWER_BOUND_MAX_PARALLELISM`).
pub const DEFAULT_LOWER_BOUND_MAX_PARALLELISM: u32 = 128;
/// Flink's upper bound for any max parallelism (`UPPER_BOUND_MAX_PARALLELISM`, 2^15).
pub const UPPER_BOUND_MAX_PARALLELISM: u32 = 1 << 15;

/// `KeyGroupRangeAssignment.computeDefaultMaxParallelism`: the max parallelism Flink derives
/// for an operator whose max parallelism is not set,
/// `min(max(roundUpToPowerOfTwo(p + p / 2), 128), 32768)`.
pub fn default_max_parallelism(parallelism: u32) -> u32 {
    let p = u64::from(parallelism.max(1));
    let wanted = (p + p / 2).next_power_of_two();
    wanted.clamp(
        u64::from(DEFAULT_LOWER_BOUND_MAX_PARALLELISM),
        u64::from(UPPER_BOUND_MAX_PARALLELISM),
    ) as u32
}

/// `KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex`: the key groups subtask
/// `index` of `parallelism` owns under `max_parallelism`.
pub fn key_group_range_for_subtask(
    max_parallelism: u32,
    parallelism: u32,
    index: u32,
) -> KeyGroupRange {
    let (maxp, p, i) = (
        u64::from(max_parallelism),
        u64::from(parallelism.max(1)),
        u64::from(index),
    );
    let start = (i * maxp).div_ceil(p);
    let end = ((i + 1) * maxp - 1) / p;
    KeyGroupRange {
        start: start as i32,
        end: end as i32,
    }
}

/// `MathUtils.murmurHash(int)`: the 32-bit hash Flink applies to a key's `hashCode()`.
pub fn murmur_hash_int(code: i32) -> i32 {
    let mut h = code as u32;
    h = h.wrapping_mul(0xcc9e_2d51);
    h = h.rotate_left(15);
    h = h.wrapping_mul(0x1b87_3593);
    h = h.rotate_left(13);
    h = h.wrapping_mul(5).wrapping_add(0xe654_6b64);
    h ^= 4;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    let h = h as i32;
    if h >= 0 {
        h
    } else if h != i32::MIN {
        -h
    } else {
        0
    }
}

/// `KeyGroupRangeAssignment.assignToKeyGroup` given the key's Java `hashCode()`.
pub fn key_group_for_hash_code(hash_code: i32, max_parallelism: u32) -> u32 {
    (murmur_hash_int(hash_code) as u32) % max_parallelism.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_max_parallelism_matches_flink_examples() {
        assert_eq!(default_max_parallelism(1), 128);
        assert_eq!(default_max_parallelism(85), 128);
        assert_eq!(default_max_parallelism(86), 256);
        assert_eq!(default_max_parallelism(1000), 2048);
        assert_eq!(default_max_parallelism(21846), 32768);
        assert_eq!(default_max_parallelism(32768), 32768);
    }

    #[test]
    fn subtask_ranges_match_flink_examples() {
        assert_eq!(
            key_group_range_for_subtask(128, 2, 0),
            KeyGroupRange { start: 0, end: 63 }
        );
        assert_eq!(
            key_group_range_for_subtask(128, 2, 1),
            KeyGroupRange {
                start: 64,
                end: 127
            }
        );
        assert_eq!(
            key_group_range_for_subtask(128, 3, 0),
            KeyGroupRange { start: 0, end: 42 }
        );
        assert_eq!(
            key_group_range_for_subtask(128, 3, 1),
            KeyGroupRange { start: 43, end: 85 }
        );
        assert_eq!(
            key_group_range_for_subtask(128, 3, 2),
            KeyGroupRange {
                start: 86,
                end: 127
            }
        );
    }

    #[test]
    fn long_key_4_lands_in_key_group_7() {
        // Long.hashCode(4) == 4; the format notes checked this against a real savepoint.
        assert_eq!(murmur_hash_int(4), 1_889_779_975);
        assert_eq!(key_group_for_hash_code(4, 128), 7);
    }

    #[test]
    fn empty_range() {
        assert!(KeyGroupRange::from_start_count(5, 0).is_empty());
        assert_eq!(KeyGroupRange::from_start_count(5, 0), KeyGroupRange::EMPTY);
        assert_eq!(KeyGroupRange::from_start_count(64, 64).len(), 64);
    }
}
