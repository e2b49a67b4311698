#![no_main]
//! An arbitrary odf value, encoded by the kernel, parses back to itself in
//! both the kernel and the reference model.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|v: scboot_fuzz::gen::Odf| scboot_fuzz::gen::roundtrip_odf(&v));
