//! Operator identifiers and Flink's uid → OperatorID hash.

use std::fmt;

/// An `org.apache.flink.runtime.jobgraph.OperatorID`: 16 bytes.
///
/// `_metadata` stores the id as two big-endian `i64` (lower part, then upper part), which are
/// exactly the 16 bytes `OperatorID.toHexString()` prints, so the bytes are kept as they are.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OperatorId(pub [u8; 16]);

impl OperatorId {
    /// The id Flink gives an operator with a user-specified uid
    /// (`StreamGraphHasherV2.generateUserSpecifiedHash`): MurmurHash3 x64 128, seed 0, over the
    /// UTF-8 bytes of the uid, output bytes in Guava's order (h1 then h2, each little-endian).
    pub fn from_uid(uid: &str) -> OperatorId {
        let (h1, h2) = murmur3_x64_128(uid.as_bytes(), 0);
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&h1.to_le_bytes());
        out[8..].copy_from_slice(&h2.to_le_bytes());
        OperatorId(out)
    }

    /// Parses 32 hex digits (either case), as `setUidHash` and `OperatorID.fromHexString` accept.
    pub fn from_hex(s: &str) -> Option<OperatorId> {
        let s = s.trim();
        if s.len() != 32 || !s.is_ascii() {
            return None;
        }
        let mut out = [0u8; 16];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(OperatorId(out))
    }

    /// 32 lowercase hex digits, as Flink prints an OperatorID.
    pub fn to_hex(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for OperatorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for OperatorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OperatorId({self})")
    }
}

/// MurmurHash3_x64_128 (Austin Appleby's reference algorithm, as Guava's `murmur3_128(seed)`).
pub fn murmur3_x64_128(data: &[u8], seed: u32) -> (u64, u64) {
    const C1: u64 = 0x87c3_7b91_1142_53d5;
    const C2: u64 = 0x4cf5_ad43_2745_937f;
    let mut h1 = u64::from(seed);
    let mut h2 = u64::from(seed);
    let mut blocks = data.chunks_exact(16);
    for block in &mut blocks {
        let mut k1 = u64::from_le_bytes(block[..8].try_into().expect("8 bytes"));
        let mut k2 = u64::from_le_bytes(block[8..].try_into().expect("8 bytes"));
        k1 = k1.wrapping_mul(C1).rotate_left(31).wrapping_mul(C2);
        h1 ^= k1;
        h1 = h1
            .rotate_left(27)
            .wrapping_add(h2)
            .wrapping_mul(5)
            .wrapping_add(0x52dc_e729);
        k2 = k2.wrapping_mul(C2).rotate_left(33).wrapping_mul(C1);
        h2 ^= k2;
        h2 = h2
            .rotate_left(31)
            .wrapping_add(h1)
            .wrapping_mul(5)
            .wrapping_add(0x3849_5ab5);
    }
    let tail = blocks.remainder();
    let mut k1 = 0u64;
    let mut k2 = 0u64;
    for (i, &b) in tail.iter().enumerate() {
        if i < 8 {
            k1 |= u64::from(b) << (8 * i);
        } else {
            k2 |= u64::from(b) << (8 * (i - 8));
        }
    }
    if tail.len() > 8 {
        k2 = k2.wrapping_mul(C2).rotate_left(33).wrapping_mul(C1);
        h2 ^= k2;
    }
    if !tail.is_empty() {
        k1 = k1.wrapping_mul(C1).rotate_left(31).wrapping_mul(C2);
        h1 ^= k1;
    }
    let len = data.len() as u64;
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix64(h1);
    h2 = fmix64(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    (h1, h2)
}

fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^= k >> 33;
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    // Worked examples from the format notes, section 9, which match ids in real Flink files.
    #[test]
    fn uid_hash_matches_flink() {
        assert_eq!(
            OperatorId::from_uid("my-source").to_hex(),
            "5712e5a8bfbfa8943a95ff796efbcfa9"
        );
        assert_eq!(
            OperatorId::from_uid("my-keyed").to_hex(),
            "38e7541c9b1074a2ac9abb34ce40e725"
        );
        assert_eq!(
            OperatorId::from_uid("my-map").to_hex(),
            "46fe65c20d95ac360c296fef8820108c"
        );
        assert_eq!(
            OperatorId::from_uid("my-sink").to_hex(),
            "08d61ee4306bec6e8142e563f528e3bd"
        );
    }

    #[test]
    fn hex_round_trip() {
        let id = OperatorId::from_uid("x");
        assert_eq!(OperatorId::from_hex(&id.to_hex().to_uppercase()), Some(id));
        assert_eq!(OperatorId::from_hex("abc"), None);
        assert_eq!(
            OperatorId::from_hex("zz12e5a8bfbfa8943a95ff796efbcfa9"),
            None
        );
    }
}
