//! Valgrind memcheck client requests for scboot's constant-time audit.
//!
//! Memcheck tracks, for every bit, whether it is *defined*. Marking secret
//! bytes *undefined* turns memcheck into a constant-time checker: any branch
//! or memory index that depends on a secret is reported as "conditional jump
//! or move depends on uninitialised value(s)" or "use of uninitialised value".
//! Results that are public by design (a MAC verdict, the length of a
//! plaintext whose MAC was verified) are marked *defined* again at the point
//! where the protocol reveals them.
//!
//! The requests are the amd64 "magic sequence" of `valgrind.h`: four
//! rotations of `rdi` by 3, 13, 61 and 51 bits (128 in all, so `rdi` is
//! unchanged) followed by `xchg rbx, rbx`; valgrind recognises the sequence,
//! natively it is a no-op costing a few cycles. `rax` points at six words
//! (request code and arguments), `rdx` carries the default result in and the
//! result out; 32-bit x86 has its own sequence (below). On other
//! architectures every request is a no-op that returns its default.
//!
//! This crate holds the only `unsafe` of the audit; scboot itself keeps
//! `#![forbid(unsafe_code)]` and reaches these functions only with its
//! audit build (`--cfg scboot_ct_audit`), where `scboot-ct` registers
//! [`declassify`] with it.
#![no_std]
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

use core::sync::atomic::{AtomicBool, Ordering};

/// `VG_USERREQ__RUNNING_ON_VALGRIND` (valgrind.h).
const RUNNING_ON_VALGRIND: usize = 0x1001;
/// `VG_USERREQ__COUNT_ERRORS` (valgrind.h).
const COUNT_ERRORS: usize = 0x1201;
/// `VG_USERREQ_TOOL_BASE('M','C')`: memcheck's requests (memcheck.h).
const MEMCHECK_BASE: usize = ((b'M' as usize) << 24) | ((b'C' as usize) << 16);
/// `VG_USERREQ__MAKE_MEM_UNDEFINED`.
const MAKE_MEM_UNDEFINED: usize = MEMCHECK_BASE + 1;
/// `VG_USERREQ__MAKE_MEM_DEFINED`.
const MAKE_MEM_DEFINED: usize = MEMCHECK_BASE + 2;

/// Whether [`declassify`] marks bytes public (the default). The audit's own
/// negative control switches it off to show that the kernel's verdicts do
/// depend on the poisoned secrets, so the gate cannot pass vacuously.
static DECLASSIFY: AtomicBool = AtomicBool::new(true);

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn client_request(default: usize, request: usize, a1: usize, a2: usize) -> usize {
    let args: [usize; 6] = [request, a1, a2, 0, 0, 0];
    let mut result = default;
    // SAFETY: the sequence only rotates `rdi` by a multiple of 64 bits in
    // total and exchanges `rbx` with itself, so natively no register or
    // memory changes except the flags (which `asm!` assumes clobbered).
    // Under valgrind the core reads the six words at `rax` (valid for the
    // duration of the block) and writes the result to `rdx`; memcheck may
    // change the shadow state of the named memory, never its contents, so
    // the default "may read and write memory" contract of `asm!` covers it.
    unsafe {
        core::arch::asm!(
            "rol rdi, 3",
            "rol rdi, 13",
            "rol rdi, 61",
            "rol rdi, 51",
            "xchg rbx, rbx",
            in("rax") args.as_ptr(),
            inout("rdx") result,
            inout("rdi") 0usize => _,
        );
    }
    result
}

/// The 32-bit x86 sequence of `valgrind.h`: `edi` rotated by 3, 13, 29 and
/// 19 bits (64 in all), then `xchg ebx, ebx`; `eax` points at the six
/// words, `edx` carries the default in and the result out. The gate runs
/// on i686 to audit the 32-bit software AES (`fixslice32`) that a
/// Cortex-M4 runs.
#[cfg(target_arch = "x86")]
#[inline(always)]
fn client_request(default: usize, request: usize, a1: usize, a2: usize) -> usize {
    let args: [usize; 6] = [request, a1, a2, 0, 0, 0];
    let mut result = default;
    // SAFETY: as for x86_64 above: natively the rotations total a multiple
    // of 32 bits and `ebx` is exchanged with itself, so only the flags
    // change; under valgrind the core reads the six words at `eax`, valid
    // for the block, and writes `edx`; memcheck changes shadow state only.
    unsafe {
        core::arch::asm!(
            "rol edi, 3",
            "rol edi, 13",
            "rol edi, 29",
            "rol edi, 19",
            "xchg ebx, ebx",
            in("eax") args.as_ptr(),
            inout("edx") result,
            inout("edi") 0usize => _,
        );
    }
    result
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "x86")))]
#[inline(always)]
fn client_request(default: usize, _request: usize, _a1: usize, _a2: usize) -> usize {
    default
}

/// Nesting depth of valgrind: 0 when running natively.
pub fn running_on_valgrind() -> usize {
    client_request(0, RUNNING_ON_VALGRIND, 0, 0)
}

/// Number of errors the valgrind tool has reported so far (0 natively).
pub fn error_count() -> usize {
    client_request(0, COUNT_ERRORS, 0, 0)
}

/// Mark `bytes` secret: memcheck reports any branch or address that depends
/// on them or on anything computed from them. Takes `&mut` so the compiler
/// cannot keep a copy in a register that escapes the marking.
pub fn poison(bytes: &mut [u8]) {
    client_request(
        0,
        MAKE_MEM_UNDEFINED,
        bytes.as_mut_ptr() as usize,
        bytes.len(),
    );
}

/// Mark `bytes` public again (always, whatever [`set_declassify`] says).
/// For the harness: wire bytes, outputs it compares.
pub fn unpoison(bytes: &mut [u8]) {
    client_request(
        0,
        MAKE_MEM_DEFINED,
        bytes.as_mut_ptr() as usize,
        bytes.len(),
    );
}

/// Mark a value the protocol makes public (a MAC verdict, a verified
/// plaintext length) as defined. Called by scboot at its verdict points.
#[inline]
pub fn declassify(bytes: &mut [u8]) {
    if DECLASSIFY.load(Ordering::Relaxed) {
        unpoison(bytes);
    }
}

/// Switch the library's declassification on or off (negative control).
pub fn set_declassify(on: bool) {
    DECLASSIFY.store(on, Ordering::Relaxed);
}
