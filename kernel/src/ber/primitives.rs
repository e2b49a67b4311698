//! The primitive types PKCS#15 uses (X.690 8.3, 8.6, 8.23): INTEGER, BIT
//! STRING, UTF8String, PrintableString, IA5String, GeneralizedTime.

use crate::error::{ErrorKind, Field, Result};
use crate::span::{fail, fail_of, Span};

pub(crate) fn decode_integer(v: Span<'_>) -> Result<i64> {
    let bytes = v.bytes();
    let (first, second) = match bytes {
        [] => return fail(ErrorKind::EmptyInteger, v.offset()),
        [a] => (*a, None),
        [a, b, ..] => (*a, Some(*b)),
    };
    if let Some(b) = second {
        // 8.3.2: the first nine bits shall not be all ones or all zeros.
        if (first == 0x00 && b & 0x80 == 0) || (first == 0xFF && b & 0x80 != 0) {
            return fail(ErrorKind::NonMinimalInteger, v.offset());
        }
    }
    if bytes.len() > 8 {
        return fail(ErrorKind::IntegerTooLarge, v.offset());
    }
    // Two's complement, sign-extended from the first octet (8.3.3).
    let init: i64 = if first & 0x80 != 0 { -1 } else { 0 };
    Ok(bytes.iter().fold(init, |acc, &b| (acc << 8) | i64::from(b)))
}

/// A BIT STRING (X.690 8.6): named bits numbered from the first octet's MSB.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BitString<'a> {
    unused: u8,
    bits: &'a [u8],
}

impl<'a> BitString<'a> {
    /// Bit `n` (0 = MSB of the first octet); bits past the end are 0.
    pub fn bit(&self, n: usize) -> bool {
        if n >= self.len() {
            return false;
        }
        match self.bits.get(n / 8) {
            Some(b) => b & (0x80 >> (n % 8)) != 0,
            None => false,
        }
    }

    /// The number of bits.
    pub fn len(&self) -> usize {
        (self.bits.len() * 8).saturating_sub(usize::from(self.unused))
    }

    /// Whether the string has no bits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first `n <= 32` bits as an integer, bit 0 in the least significant position.
    pub fn flags(&self, n: usize) -> u32 {
        let n = n.min(32).min(self.len());
        if n == 0 {
            return 0;
        }
        // The first four octets, first bit in the most significant position;
        // keep the first n bits; reversing puts bit 0 in the least significant.
        let mut w = 0u32;
        for (k, &b) in self.bits.iter().take(4).enumerate() {
            w |= u32::from(b) << (24 - 8 * k);
        }
        (w & (u32::MAX << (32 - n))).reverse_bits()
    }
}

pub(crate) fn decode_bit_string(v: Span<'_>) -> Result<BitString<'_>> {
    match v.bytes() {
        [] => fail(ErrorKind::EmptyBitString, v.offset()),
        [unused, rest @ ..] => {
            if *unused > 7 || (rest.is_empty() && *unused != 0) {
                return fail(ErrorKind::InvalidUnusedBits, v.offset());
            }
            Ok(BitString {
                unused: *unused,
                bits: rest,
            })
        }
    }
}

pub(crate) fn decode_utf8(v: Span<'_>) -> Result<&str> {
    v.utf8()
}

fn is_printable(b: u8) -> bool {
    // X.680 41.4, Table 10: PrintableString characters.
    b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b)
}

fn check_chars<'a>(v: Span<'a>, field: Field, ok: fn(u8) -> bool) -> Result<&'a str> {
    for (i, &b) in v.bytes().iter().enumerate() {
        if !ok(b) {
            return fail_of(ErrorKind::InvalidCharacter, field, v.offset() + i);
        }
    }
    // Both character sets are ASCII subsets, so this cannot fail.
    decode_utf8(v)
}

pub(crate) fn decode_printable<'a>(v: Span<'a>, field: Field) -> Result<&'a str> {
    check_chars(v, field, is_printable)
}

pub(crate) fn decode_ia5<'a>(v: Span<'a>, field: Field) -> Result<&'a str> {
    check_chars(v, field, |b| b.is_ascii())
}

/// The number of ASCII digits at the start of `b`, eight bytes at a time.
/// In each 8-byte word, subtracting `0x30` sets the top bit of a byte from
/// `00` to `2F` or from `B0` to `FF`, and adding `0x46` that of a byte
/// from `3A` to `B9`; a digit gets neither and passes on no borrow or
/// carry, so the first byte flagged is the first that is not a digit.
#[inline]
fn leading_digits(b: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let mut i = 0;
    while let Some(&[b0, b1, b2, b3, b4, b5, b6, b7]) = b.get(i..i + 8) {
        let x = u64::from_le_bytes([b0, b1, b2, b3, b4, b5, b6, b7]);
        let bad = (x.wrapping_sub(0x30 * ONES) | x.wrapping_add(0x46 * ONES)) & (0x80 * ONES);
        if bad != 0 {
            return i + (bad.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    // Fewer than eight bytes left: the last eight of the input, which
    // overlap the digits already counted (so its first flag is at `i` or
    // after), in one word; a shorter input byte by byte.
    if i == b.len() {
        return i;
    }
    if let Some(&[b0, b1, b2, b3, b4, b5, b6, b7]) = b.get(b.len().wrapping_sub(8)..) {
        let x = u64::from_le_bytes([b0, b1, b2, b3, b4, b5, b6, b7]);
        let bad = (x.wrapping_sub(0x30 * ONES) | x.wrapping_add(0x46 * ONES)) & (0x80 * ONES);
        return b.len() - 8 + (bad.trailing_zeros() / 8) as usize;
    }
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

/// GeneralizedTime (X.680 46): `YYYYMMDDHH[MM[SS[.f+]]][Z|+hhmm|-hhmm]`,
/// checked for shape (digits and separators). Length bounds are the caller's.
pub(crate) fn decode_generalized_time(v: Span<'_>) -> Result<&str> {
    let b = v.bytes();
    let bad = |i: usize| {
        fail_of::<&str>(
            ErrorKind::InvalidCharacter,
            Field::GeneralizedTime,
            v.offset() + i,
        )
    };
    // Date and hour: 10 digits; then optional minutes and seconds.
    let mut i = leading_digits(b);
    if !matches!(i, 10 | 12 | 14) {
        return match b.get(i) {
            Some(_) => bad(i),
            None => fail(ErrorKind::Truncated, v.end()),
        };
    }
    if let Some(&sep) = b.get(i) {
        if sep == b'.' || sep == b',' {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return match b.get(i) {
                    Some(_) => bad(i),
                    None => fail(ErrorKind::Truncated, v.end()),
                };
            }
        }
    }
    match b.get(i) {
        None => {}
        Some(b'Z') => i += 1,
        Some(b'+') | Some(b'-') => {
            i += 1;
            for _ in 0..4 {
                match b.get(i) {
                    Some(d) if d.is_ascii_digit() => i += 1,
                    Some(_) => return bad(i),
                    None => return fail(ErrorKind::Truncated, v.end()),
                }
            }
        }
        Some(_) => return bad(i),
    }
    if b.get(i).is_some() {
        return bad(i);
    }
    decode_utf8(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte value.
    const ALL_BYTES: [u8; 256] = {
        let mut all = [0u8; 256];
        let mut b = 0;
        while b < 256 {
            all[b] = b as u8;
            b += 1;
        }
        all
    };

    /// The byte-at-a-time count the word-at-a-time one must equal.
    fn leading_digits_by_byte(b: &[u8]) -> usize {
        b.iter().take_while(|c| c.is_ascii_digit()).count()
    }

    /// Every byte value at every position of inputs up to 20 bytes long,
    /// among digits, then with another non-digit after it (whose borrow
    /// or carry must not move the first): the same count as byte by byte.
    /// Under Miri, the values at the edges of each range only.
    #[test]
    fn leading_digits_agrees_with_the_byte_loop() {
        let edges = [0x00, 0x2F, 0x30, 0x39, 0x3A, 0x7F, 0x80, 0xB0, 0xB9, 0xFF];
        let values: &[u8] = if cfg!(miri) { &edges } else { &ALL_BYTES };
        let laters: &[u8] = if cfg!(miri) {
            &[0x00, 0xFF]
        } else {
            &[0x00, 0x2F, 0x3A, 0xFF]
        };
        for len in 0..=20usize {
            let mut digits = [0u8; 20];
            for (k, d) in digits.iter_mut().enumerate() {
                *d = b'0' + (k % 10) as u8;
            }
            let digits = &digits[..len];
            assert_eq!(leading_digits(digits), len);
            for pos in 0..len {
                for &v in values {
                    let mut buf = [0u8; 20];
                    let b = &mut buf[..len];
                    b.copy_from_slice(digits);
                    b[pos] = v;
                    assert_eq!(leading_digits(b), leading_digits_by_byte(b), "{b:02X?}");
                    for &later in laters {
                        if let Some(x) = b.get_mut(pos + 1) {
                            *x = later;
                        }
                        assert_eq!(leading_digits(b), leading_digits_by_byte(b), "{b:02X?}");
                    }
                }
            }
        }
    }
}
