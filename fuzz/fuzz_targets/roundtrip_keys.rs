#![no_main]
//! An arbitrary key directory, encoded by the kernel, parses back to itself
//! in both the kernel and the reference model.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|v: scboot_fuzz::gen::Keys| scboot_fuzz::gen::roundtrip_keys(&v));
