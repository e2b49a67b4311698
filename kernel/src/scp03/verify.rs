//! The constant-time checks: MAC and cryptogram comparison, and the
//! padding check after decryption. Their verdicts, and nothing else, are
//! declassified for the constant-time audit (`crate::ct`).

/// 1 when `x` is not zero, 0 when it is, without a branch: `x | -x` has
/// its top bit set exactly when `x` is not zero.
#[inline(always)]
pub(super) const fn nonzero_bit(x: u64) -> u64 {
    (x | x.wrapping_neg()) >> 63
}

/// All ones when `x` is not zero, all zeros when it is, without a branch.
#[inline(always)]
pub(super) const fn nonzero_mask(x: u64) -> u64 {
    nonzero_bit(x).wrapping_neg()
}

/// Constant-time equality of two byte strings of public length.
/// The verdict is public (it decides whether the session goes on).
///
/// The OR of the XORs of the two strings, 8 bytes at a time (then the
/// tail byte by byte): no branch and no index on their contents, and every
/// byte visited whatever the first difference. The fold ends in a value
/// hidden from the optimiser (`black_box`), so the comparison with zero
/// cannot be moved into the loop as an early exit. A MAC or cryptogram is
/// 8 or 16 bytes: one or two words, where a byte-wise `subtle` comparison
/// took about 130 instructions.
pub(crate) fn ct_equal(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut wa, mut wb) = (a.chunks_exact(8), b.chunks_exact(8));
    let mut diff = 0u64;
    for (x, y) in (&mut wa).zip(&mut wb) {
        let (mut p, mut q) = ([0u8; 8], [0u8; 8]);
        p.copy_from_slice(x);
        q.copy_from_slice(y);
        diff |= u64::from_ne_bytes(p) ^ u64::from_ne_bytes(q);
    }
    for (x, y) in wa.remainder().iter().zip(wb.remainder()) {
        diff |= u64::from(x ^ y);
    }
    // 1 when some byte differs.
    let differs = nonzero_bit(core::hint::black_box(diff)) as u8;
    crate::ct::declassify_u8(differs) == 0
}

/// Length of `buf` without its ISO 9797-1 method 2 padding: the last
/// non-zero byte must be the `80` marker, and only `00` may follow it, up to
/// the end of the data, however many blocks that is (cards in the field pad
/// with more than one block; GlobalPlatformPro, pySim and OpenSCP accept it).
/// `None` when the padding is bad, the data is empty or not whole blocks.
///
/// The scan is branch-free and visits every byte, so its timing does not
/// depend on where the marker is; the verdict is public (the session ends on
/// a bad padding) and so is the length of a plaintext whose MAC verified.
pub(crate) fn unpadded_len(buf: &[u8]) -> Option<usize> {
    let n = buf.len();
    // Lengths are public: only whole blocks are ever decrypted.
    if n == 0 || n % 16 != 0 {
        return None;
    }
    // One pass over 8-byte words, without a branch or an index on the data:
    // `last` becomes the last non-zero word (0: none) and `at` its index.
    // Which byte of it is the last non-zero one is worked out once, after.
    let mut last = 0u64;
    let mut at = 0u64;
    for (k, chunk) in (0u64..).zip(buf.chunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let any = nonzero_mask(w);
        last = w | (last & !any);
        at = (k & any) | (at & !any);
    }
    // The last non-zero byte of that word (little-endian: the byte of the
    // highest set bit; `| 1` keeps the count defined for a zero word, which
    // `found` masks out), and 1 + its position in `buf` (0: none).
    let found = nonzero_mask(last);
    let b = u64::from(63 - (last | 1).leading_zeros()) >> 3;
    let marker = (last >> (b * 8)) & 0xFF;
    let end = (at * 8 + b + 1) & found;
    let last = marker & found;
    // Good: a marker was found (end > 0) and it is 80.
    let bad = ((last ^ 0x80) | u64::from(end == 0)) != 0;
    // The only places where the scan's secret-dependent values leave it:
    // the verdict, and the length of a plaintext whose MAC verified.
    let bad = crate::ct::declassify_u8(u8::from(bad));
    let end = crate::ct::declassify_usize(end as usize);
    if bad == 1 {
        None
    } else {
        Some(end.saturating_sub(1))
    }
}

/// The engine's constant-time primitives, exposed for the timing audit only
/// (`--cfg scboot_ct_audit`, never in a product): dudect times them in isolation
/// on right and wrong inputs, where the full operations differ by design
/// (a rejected message is not decrypted, and ends the session).
#[cfg(scboot_ct_audit)]
pub mod audit {
    /// The comparison behind every MAC and cryptogram check.
    pub fn mac_matches(expected: &[u8], received: &[u8]) -> bool {
        super::ct_equal(expected, received)
    }

    /// The padding check behind C-DEC and R-ENC: the plaintext length, or
    /// `None` for a bad padding.
    pub fn unpadded_len(decrypted: &[u8]) -> Option<usize> {
        super::unpadded_len(decrypted)
    }
}
