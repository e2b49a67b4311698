//! Declassification points of the constant-time audit.
//!
//! Secret-dependent values must never decide a branch or an address, except
//! where the protocol itself makes the outcome public: a MAC or cryptogram
//! verdict (the card or host learns it anyway from what happens next) and
//! the length of a plaintext whose MAC was verified. Those values pass
//! through the functions below. In every ordinary build they are the
//! identity. In the audit's build (`--cfg scboot_ct_audit`, set only by the
//! constant-time gate in `ct/`) they hand the value to a declassifier that
//! the audit registers ([`crate::ct_audit::set_declassifier`]): it tells
//! valgrind memcheck that the value is public, so the audit can report every
//! *other* use of a secret. The kernel depends on nothing of the audit.

/// A value derived from secrets that the protocol reveals: returned as is,
/// and marked public for the audit.
#[inline(always)]
pub(crate) fn declassify_u8(x: u8) -> u8 {
    #[cfg(scboot_ct_audit)]
    {
        let mut x = x;
        audit::declassify(core::slice::from_mut(&mut x));
        x
    }
    #[cfg(not(scboot_ct_audit))]
    x
}

/// [`declassify_u8`] for a `usize` (a verified plaintext length).
#[inline(always)]
pub(crate) fn declassify_usize(x: usize) -> usize {
    #[cfg(scboot_ct_audit)]
    {
        let mut b = x.to_ne_bytes();
        audit::declassify(&mut b);
        usize::from_ne_bytes(b)
    }
    #[cfg(not(scboot_ct_audit))]
    x
}

/// The audit build's declassifier, registered from the audit side.
#[cfg(scboot_ct_audit)]
pub(crate) mod audit {
    use once_cell::race::OnceRef;

    /// Registered once by the audit before anything runs.
    static DECLASSIFIER: OnceRef<'static, fn(&mut [u8])> = OnceRef::new();

    /// Register the function that marks bytes public (the first call wins).
    pub fn set_declassifier(f: &'static fn(&mut [u8])) {
        let _ = DECLASSIFIER.set(f);
    }

    #[inline(always)]
    pub(crate) fn declassify(b: &mut [u8]) {
        if let Some(f) = DECLASSIFIER.get() {
            f(b);
        }
    }
}
