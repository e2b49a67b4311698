//! Hostile card: the card is the fuzz input (raw answers of any status
//! word and length, flipped and cut answers, lies under its own secure
//! channel, transport faults), driving a bootstrap and a monitor check.
//! Invariants in `scboot_fuzz::hostile`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| scboot_fuzz::hostile::hostile_card(data));
