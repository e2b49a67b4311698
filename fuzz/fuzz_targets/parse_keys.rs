#![no_main]
//! Arbitrary bytes through the kernel's key directory parser (class by the
//! first byte): no panic, and what it accepts re-encodes to the same keys.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| scboot_fuzz::parse_keys(data));
