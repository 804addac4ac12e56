//! Borrowed views of wire data: Java modified-UTF-8 strings and big-endian `i64` arrays.

use std::borrow::Cow;
use std::fmt;

/// A string as Java's `DataOutputStream.writeUTF` wrote it: the bytes between the length prefix
/// and the next field, borrowed from the input.
///
/// The encoding is Java's *modified* UTF-8: U+0000 is `C0 80` and characters above U+FFFF are two
/// 3-byte surrogate halves. Almost every string in a `_metadata` file is ASCII, so
/// [`JavaStr::to_str`] borrows in the common case and only decodes when it must.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct JavaStr<'a>(pub &'a [u8]);

impl<'a> JavaStr<'a> {
    /// The encoded bytes as stored.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Decodes the string; borrows when the bytes are plain UTF-8 without Java's special forms.
    /// Malformed sequences become U+FFFD rather than an error: a name is informational.
    pub fn to_str(&self) -> Cow<'a, str> {
        let special = self
            .0
            .windows(2)
            .any(|w| w == [0xC0, 0x80] || (w[0] == 0xED && w[1] >= 0xA0));
        if !special {
            if let Ok(s) = std::str::from_utf8(self.0) {
                return Cow::Borrowed(s);
            }
        }
        Cow::Owned(decode_modified_utf8(self.0))
    }
}

impl fmt::Debug for JavaStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_str(), f)
    }
}

impl fmt::Display for JavaStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_str())
    }
}

/// Decodes Java modified UTF-8 into UTF-16 units, then into a Rust string (pairing surrogates).
fn decode_modified_utf8(bytes: &[u8]) -> String {
    let mut units: Vec<u16> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            units.push(u16::from(b));
            i += 1;
        } else if b & 0xE0 == 0xC0 && i + 1 < bytes.len() && bytes[i + 1] & 0xC0 == 0x80 {
            units.push((u16::from(b & 0x1F) << 6) | u16::from(bytes[i + 1] & 0x3F));
            i += 2;
        } else if b & 0xF0 == 0xE0
            && i + 2 < bytes.len()
            && bytes[i + 1] & 0xC0 == 0x80
            && bytes[i + 2] & 0xC0 == 0x80
        {
            units.push(
                (u16::from(b & 0x0F) << 12)
                    | (u16::from(bytes[i + 1] & 0x3F) << 6)
                    | u16::from(bytes[i + 2] & 0x3F),
            );
            i += 3;
        } else {
            units.push(0xFFFD);
            i += 1;
        }
    }
    char::decode_utf16(units)
        .map(|r| r.unwrap_or('\u{FFFD}'))
        .collect()
}

/// A run of big-endian `i64` values borrowed from the input (key-group offsets, operator-state
/// offsets, channel-state offsets). The length of the slice is a multiple of 8 by construction.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct BeI64s<'a>(&'a [u8]);

impl<'a> BeI64s<'a> {
    /// `bytes.len()` must be a multiple of 8; the decoder guarantees it.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        debug_assert_eq!(bytes.len() % 8, 0);
        BeI64s(bytes)
    }

    pub fn len(&self) -> usize {
        self.0.len() / 8
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<i64> {
        let chunk = self.0.get(i * 8..i * 8 + 8)?;
        Some(i64::from_be_bytes(chunk.try_into().ok()?))
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = i64> + 'a {
        self.0
            .chunks_exact(8)
            .map(|c| i64::from_be_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
    }

    pub fn to_vec(&self) -> Vec<i64> {
        self.iter().collect()
    }
}

impl fmt::Debug for BeI64s<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_utf8_forms_decode() {
        assert_eq!(JavaStr(b"abc").to_str(), "abc");
        assert!(matches!(JavaStr(b"abc").to_str(), Cow::Borrowed(_)));
        assert_eq!(JavaStr(&[0x61, 0xC0, 0x80, 0x62]).to_str(), "a\u{0}b");
        // U+1F600 as two 3-byte surrogate halves (D83D DE00).
        assert_eq!(
            JavaStr(&[0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]).to_str(),
            "\u{1F600}"
        );
        assert_eq!(JavaStr("é".as_bytes()).to_str(), "é");
    }

    #[test]
    fn be_i64s_reads_values() {
        let bytes = [
            0, 0, 0, 0, 0, 0, 0, 193, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        ];
        let v = BeI64s::new(&bytes);
        assert_eq!(v.to_vec(), vec![193, -1]);
        assert_eq!(v.get(2), None);
    }
}
