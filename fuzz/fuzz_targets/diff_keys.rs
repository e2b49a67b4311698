#![no_main]
//! Kernel against the reference model on the same bytes (key directories, the
//! class by the first byte): the same keys, or the same error at the same offset.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| scboot_fuzz::diff_keys(data));
