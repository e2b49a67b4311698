#![no_main]
//! Arbitrary bytes through the kernel's tlv parser: no panic, no hang, and
//! what it accepts it walks completely and re-encodes to the same value.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| scboot_fuzz::parse_tlv(data));
