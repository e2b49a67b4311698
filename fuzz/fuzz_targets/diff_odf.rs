#![no_main]
//! Kernel against the reference model on the same bytes (odf): the same
//! value, or the same error class at the same offset.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| scboot_fuzz::diff_odf(data));
