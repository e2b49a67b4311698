//! SCP03: kernel host and card against model host and card, in lockstep.

use proptest::prelude::*;
use scboot_reference::mirror::{scp03_lockstep, Exchange, Script};

fn exchange() -> impl Strategy<Value = Exchange> {
    let cmd = prop_oneof![
        // Well-formed commands, short and extended.
        (
            prop::sample::select(vec![0x00u8, 0x80, 0x90, 0x84, 0x0C]),
            any::<u8>(),
            any::<u8>(),
            any::<u8>(),
            prop::collection::vec(any::<u8>(), 0..300),
            prop::option::of(1u32..=300)
        )
            .prop_map(|(cla, ins, p1, p2, data, le)| {
                let c = scboot::apdu::Command::new(cla, ins, p1, p2, &data, le);
                let mut v = vec![0u8; c.encoded_len()];
                c.encode(&mut v).unwrap();
                v
            }),
        // Any bytes.
        prop::collection::vec(any::<u8>(), 0..12),
    ];
    (
        cmd,
        prop::option::weighted(0.15, any::<usize>()),
        prop::collection::vec(any::<u8>(), 0..70),
        prop::sample::select(vec![0x9000u16, 0x9000, 0x6283, 0x6300, 0x6A82, 0x6982]),
        prop::option::weighted(0.15, any::<usize>()),
    )
        .prop_map(
            |(command, flip_command, data, sw, flip_response)| Exchange {
                command,
                flip_command,
                data,
                sw,
                flip_response,
            },
        )
}

fn script() -> impl Strategy<Value = Script> {
    (
        prop::sample::select(vec![16usize, 24, 32]),
        prop::array::uniform32(any::<u8>()),
        prop::sample::select(vec![
            0x60u8, 0x70, 0x61, 0x71, 0x70, 0x71, 0x00, 0x10, 0x20, 0x30, 0x01, 0x11, 0x40,
        ]),
        prop::sample::select(vec![0x00u8, 0x01, 0x03, 0x11, 0x13, 0x33, 0x33, 0x33, 0x07]),
        prop::option::weighted(0.1, any::<bool>()),
        0u8..=19,
        prop::array::uniform16(any::<u8>()),
        prop::array::uniform16(any::<u8>()),
        prop_oneof![
            Just(0u32),
            Just(0xFF_FFFE),
            Just(0xFF_FFFF),
            any::<u32>().prop_map(|x| x & 0xFFFF)
        ],
        prop::collection::vec(exchange(), 0..6),
    )
        .prop_map(
            |(
                key_len,
                seed,
                i,
                level,
                s16,
                channel,
                host_challenge,
                card_random,
                seq,
                exchanges,
            )| {
                // Mostly the mode the card's i names; sometimes the other one.
                let s16 = s16.unwrap_or(i & 1 == 1);
                let mut key_bytes = [0u8; 96];
                for (k, b) in key_bytes.iter_mut().enumerate() {
                    *b = seed[k % 32].wrapping_add(k as u8);
                }
                Script {
                    key_len,
                    key_bytes,
                    i,
                    level,
                    s16,
                    channel,
                    host_challenge,
                    card_random,
                    seq,
                    exchanges,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn kernel_and_model_agree(s in script()) {
        if let Err(e) = scp03_lockstep(&s) {
            prop_assert!(false, "{}", e);
        }
    }
}

#[test]
fn most_scripts_reach_real_exchanges() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut sessions, mut exchanges) = (0, 0);
    for _ in 0..300 {
        let s = script().new_tree(&mut runner).unwrap().current();
        let n = scp03_lockstep(&s).unwrap();
        if n > 0 {
            sessions += 1;
        }
        exchanges += n;
    }
    assert!(
        sessions > 60,
        "only {sessions} of 300 scripts opened a session"
    );
    assert!(exchanges > 150, "only {exchanges} exchanges");
    eprintln!("{sessions} sessions, {exchanges} exchanges");
}
