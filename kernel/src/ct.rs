//! Declassification points of the constant-time audit.
//!
//! Secret-dependent values must never decide a branch or an address, except
//! where the protocol itself makes the outcome public: a MAC or cryptogram
//! verdict (the card or host learns it anyway from what happens next) and
//! the length of a plaintext whose MAC was verified. Those values pass
//! through the functions below. In ordinary builds they are the identity;
//! with the `ct-audit` feature they tell valgrind memcheck that the value is
//! public, so the audit (ct/) can report every *other* use of a secret.

/// A value derived from secrets that the protocol reveals: returned as is,
/// and marked public for the audit.
#[inline(always)]
pub(crate) fn declassify_u8(x: u8) -> u8 {
    #[cfg(feature = "ct-audit")]
    {
        let mut x = x;
        scboot_ct_hook::declassify(core::slice::from_mut(&mut x));
        x
    }
    #[cfg(not(feature = "ct-audit"))]
    x
}

/// [`declassify_u8`] for a `usize` (a verified plaintext length).
#[inline(always)]
pub(crate) fn declassify_usize(x: usize) -> usize {
    #[cfg(feature = "ct-audit")]
    {
        let mut b = x.to_ne_bytes();
        scboot_ct_hook::declassify(&mut b);
        usize::from_ne_bytes(b)
    }
    #[cfg(not(feature = "ct-audit"))]
    x
}
