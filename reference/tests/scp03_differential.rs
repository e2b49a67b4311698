//! SCP03: kernel host and card against model host and card, in lockstep.

use proptest::prelude::*;
use scboot_reference::mirror::{scp03_lockstep, Exchange, Script};

/// A command: well-formed (short and extended) or any bytes.
fn command() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
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
        prop::collection::vec(any::<u8>(), 0..12),
    ]
}

prop_compose! {
    /// One exchange: the command and the card's answer, either of them
    /// possibly tampered with; padding beyond the minimum, as cards in the
    /// field send it.
    fn exchange()(
        command in command(),
        flip_command in prop::option::weighted(0.15, any::<usize>()),
        data in prop::collection::vec(any::<u8>(), 0..70),
        sw in prop::sample::select(vec![0x9000u16, 0x9000, 0x6283, 0x6300, 0x6A82, 0x6982]),
        flip_response in prop::option::weighted(0.15, any::<usize>()),
        command_extra_padding in prop::sample::select(
            vec![0usize, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3],
        ),
        response_extra_padding in prop::sample::select(vec![0usize, 0, 0, 1, 2, 5, 8, 9]),
    ) -> Exchange {
        Exchange {
            command,
            flip_command,
            data,
            sw,
            flip_response,
            command_extra_padding,
            response_extra_padding,
        }
    }
}

prop_compose! {
    /// A session script: keys from a seed, the card's `i`, the host's level
    /// and mode, the channel, the challenges, the card's sequence counter
    /// (near its end sometimes), and the exchanges.
    fn script()(
        key_len in prop::sample::select(vec![16usize, 24, 32]),
        seed in prop::array::uniform32(any::<u8>()),
        i in prop::sample::select(vec![
            0x60u8, 0x70, 0x61, 0x71, 0x70, 0x71, 0x00, 0x10, 0x20, 0x30, 0x01, 0x11, 0x40,
        ]),
        level in prop::sample::select(vec![0x00u8, 0x01, 0x03, 0x11, 0x13, 0x33, 0x33, 0x33, 0x07]),
        s16 in prop::option::weighted(0.1, any::<bool>()),
        channel in 0u8..=19,
        host_challenge in prop::array::uniform16(any::<u8>()),
        card_random in prop::array::uniform16(any::<u8>()),
        seq in prop_oneof![
            Just(0u32),
            Just(0xFF_FFFE),
            Just(0xFF_FFFF),
            any::<u32>().prop_map(|x| x & 0xFFFF)
        ],
        handshake_flip in prop::option::weighted(0.1, (0u8..3, any::<usize>())),
        exchanges in prop::collection::vec(exchange(), 0..6),
    ) -> Script {
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
            handshake_flip,
            exchanges,
        }
    }
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
    for _ in 0..600 {
        let s = script().new_tree(&mut runner).unwrap().current();
        let n = scp03_lockstep(&s).unwrap();
        if n > 0 {
            sessions += 1;
        }
        exchanges += n;
    }
    assert!(
        sessions > 120,
        "only {sessions} of 600 scripts opened a session"
    );
    assert!(exchanges > 240, "only {exchanges} exchanges");
    eprintln!("{sessions} sessions, {exchanges} exchanges");
}

/// Field padding in both directions, at level 33 in S8 and S16: a response
/// with three extra blocks of `00` is read back as the card's data by both
/// hosts, and a command with two extra blocks is unwrapped alike by both
/// cards.
#[test]
fn field_padding_in_both_directions() {
    for (i, s16) in [(0x70u8, false), (0x71, true)] {
        let read = scboot::apdu::Command::new(0x00, 0xB0, 0x00, 0x00, &[], Some(32));
        let update = scboot::apdu::Command::new(0x00, 0xD6, 0x00, 0x00, b"eleven byte", None);
        let encode = |c: scboot::apdu::Command<'_>| {
            let mut v = vec![0u8; c.encoded_len()];
            c.encode(&mut v).unwrap();
            v
        };
        let exchange = |command: Vec<u8>, command_extra_padding, response_extra_padding| Exchange {
            command,
            flip_command: None,
            data: b"eleven byte".to_vec(),
            sw: 0x9000,
            flip_response: None,
            command_extra_padding,
            response_extra_padding,
        };
        let script = Script {
            key_len: 16,
            key_bytes: [0x42; 96],
            i,
            level: 0x33,
            s16,
            channel: 2,
            host_challenge: [7; 16],
            card_random: [9; 16],
            seq: 5,
            handshake_flip: None,
            exchanges: vec![
                exchange(encode(read), 0, 3),
                exchange(encode(read), 0, 1),
                exchange(encode(update), 2, 0),
            ],
        };
        assert_eq!(scp03_lockstep(&script), Ok(3), "i = {i:02x}");
    }
}
