#![no_main]
//! An arbitrary dir value, encoded by the kernel, parses back to itself in
//! both the kernel and the reference model.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|v: scboot_fuzz::gen::Dir| scboot_fuzz::gen::roundtrip_dir(&v));
