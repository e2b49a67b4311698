#![no_main]
//! SCP03: kernel host and card against the reference host and card over an
//! arbitrary session (keys, i, level, S8/S16, channel, commands, responses,
//! bit flips): identical wire bytes and identical accept/reject decisions.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: scboot_fuzz::gen::Session| scboot_fuzz::gen::scp03(&s));
