//! dudect (Reparaz, Balasch, Verbauwhede 2017) timing report for scboot's
//! SCP03 engine, with dudect-bencher: per operation, two classes of inputs
//! that must take the same time, timed interleaved in random order; Welch's
//! t-test over cropped distributions. |t| > 4.5 suggests a leak.
//!
//! Classes are chosen so that the *public* outcome is the same for both, or,
//! where the issue asks for right vs wrong, the operation timed is "process
//! the message, then end the session" so that both classes do the same
//! teardown (the verdict itself is public: the session goes on or ends).
//!
//! Samples per operation: `SCBOOT_DUDECT_SAMPLES` (default 1,000,000).
//! `scripts/dudect.sh` runs all and prints max |t| per operation.

use dudect_bencher::rand::{Rng, RngExt};
use dudect_bencher::{ctbench_main, BenchRng, Class, CtRunner};
use scboot::ct_audit as audit;
use scboot::scp03::{
    CardChannel, CardConfig, HostConfig, HostHandshake, HostSession, Mode, SecurityLevel,
    StaticKeys,
};
use std::cell::RefCell;

const AID: [u8; 8] = [0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00, 0x00];
const I: u8 = 0x70; // S8, pseudo-random challenge, R-MAC and R-ENC offered
const BATCH: usize = 2_000;

fn samples() -> usize {
    std::env::var("SCBOOT_DUDECT_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000)
}

fn class(rng: &mut BenchRng) -> Class {
    if rng.random::<bool>() {
        Class::Left
    } else {
        Class::Right
    }
}

fn bytes<const N: usize>(rng: &mut BenchRng) -> [u8; N] {
    let mut b = [0u8; N];
    rng.fill_bytes(&mut b);
    b
}

/// Key A: all zero bytes. Key B: a fixed random key (per run).
fn key_for(c: Class, key_b: &[u8; 16]) -> [u8; 16] {
    match c {
        Class::Left => [0u8; 16],
        Class::Right => *key_b,
    }
}

/// `n` samples in batches: `prepare` builds the input of one sample (not
/// timed), `op` consumes it (timed).
fn batched<T, R>(
    runner: &mut CtRunner,
    rng: &mut BenchRng,
    mut prepare: impl FnMut(Class, &mut BenchRng) -> T,
    op: impl Fn(T) -> R,
) {
    let total = samples();
    let mut done = 0;
    while done < total {
        let n = BATCH.min(total - done);
        let inputs: Vec<(Class, RefCell<Option<T>>)> = (0..n)
            .map(|_| {
                let c = class(rng);
                (c, RefCell::new(Some(prepare(c, rng))))
            })
            .collect();
        for (c, cell) in &inputs {
            runner.run_one(*c, || {
                let input = cell.borrow_mut().take();
                input.map(&op)
            });
        }
        done += n;
    }
}

/// A case of the padding check: `input` builds one padded buffer per sample.
fn padding_case<const N: usize>(
    runner: &mut CtRunner,
    rng: &mut BenchRng,
    input: impl FnMut(Class, &mut BenchRng) -> [u8; N],
) {
    batched(runner, rng, input, |b| audit::unpadded_len(&b));
}

/// A host and card through the handshake at `level`, key `key`, S8.
fn open(key: &[u8; 16], level: SecurityLevel, rng: &mut BenchRng) -> (HostSession, CardChannel) {
    let k = StaticKeys::new(0x30, key, key, key).expect("key");
    let mut card = CardChannel::new(k.clone(), CardConfig::new(I, &AID).expect("config"));
    let cfg = HostConfig::default()
        .level(level)
        .mode(Mode::S8)
        .channel(0)
        .card_aid(Some(&AID));
    let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
    let hc: [u8; 8] = bytes(rng);
    let (hs, n) = HostHandshake::start(&k, &cfg, &hc, &mut a).expect("IU");
    let m = card
        .initialize_update(&a[..n], &[], &mut b)
        .expect("IU response");
    let (p, n) = hs.authenticate(&k, &b[..m], &mut a).expect("EA");
    card.external_authenticate(&a[..n]).expect("EA accepted");
    (p.confirm(0x9000).expect("open"), card)
}

/// One command (16 bytes of data) from host to card, so both have a chain.
fn one_command(host: &mut HostSession, card: &mut CardChannel, rng: &mut BenchRng) {
    let mut cmd = [0u8; 22];
    cmd[..5].copy_from_slice(&[0x80, 0xE2, 0x00, 0x00, 0x10]);
    cmd[5..21].copy_from_slice(&bytes::<16>(rng));
    let (mut w, mut p) = ([0u8; 64], [0u8; 64]);
    let n = host.wrap(&cmd, &mut w).expect("wrap");
    card.unwrap_command(&w[..n], &mut p).expect("unwrap");
}

/// A protected 32-byte response for `host` from `card`.
fn response(host: &mut HostSession, card: &mut CardChannel, rng: &mut BenchRng) -> Vec<u8> {
    one_command(host, card, rng);
    let mut r = [0u8; 80];
    let n = card
        .wrap_response(&bytes::<32>(rng), 0x9000, &mut r)
        .expect("response");
    r[..n].to_vec()
}

/// Host unwraps a response, then the session ends (dropped): the same
/// teardown for accepted and rejected responses.
fn unwrap_and_end((mut host, r): (HostSession, Vec<u8>)) -> bool {
    let mut out = [0u8; 80];
    let ok = host.unwrap(&r, &mut out).is_ok();
    drop(host);
    ok
}

/// Which keys the two classes of a session case open with.
#[derive(Clone, Copy)]
enum Keys {
    /// One random key for both classes.
    Same,
    /// Key A (Left) vs key B (Right), see [`key_for`].
    AVersusB,
}

/// A case on a session opened per sample at level 33 (not timed):
/// `prepare` turns the sample's class and the open host and card into the
/// input, `op` consumes it (timed).
fn session_case<T, R>(
    runner: &mut CtRunner,
    rng: &mut BenchRng,
    keys: Keys,
    mut prepare: impl FnMut(Class, HostSession, CardChannel, &mut BenchRng) -> T,
    op: impl Fn(T) -> R,
) {
    let key_b = bytes::<16>(rng);
    batched(
        runner,
        rng,
        |c, rng| {
            let key = match keys {
                Keys::Same => key_b,
                Keys::AVersusB => key_for(c, &key_b),
            };
            let (host, card) = open(&key, SecurityLevel::ALL, rng);
            prepare(c, host, card, rng)
        },
        op,
    );
}

/// The host unwraps a protected 32-byte response, then the session ends;
/// `flip` names the byte (counted from the end) flipped in each class's
/// response, if any.
fn response_case(
    runner: &mut CtRunner,
    rng: &mut BenchRng,
    keys: Keys,
    flip: fn(Class) -> Option<usize>,
) {
    session_case(
        runner,
        rng,
        keys,
        |c, mut host, mut card, rng| {
            let mut r = response(&mut host, &mut card, rng);
            if let Some(back) = flip(c) {
                let n = r.len();
                r[n - back] ^= 0x01;
            }
            (host, r)
        },
        unwrap_and_end,
    );
}

/// R-MAC right (Left) vs wrong in its first byte (Right); unwrap then end.
fn verdict_unwrap_rmac_right_vs_wrong(runner: &mut CtRunner, rng: &mut BenchRng) {
    // The response ends R-MAC(8) SW(2): the R-MAC's first byte is 10th last.
    response_case(runner, rng, Keys::Same, |c| match c {
        Class::Left => None,
        Class::Right => Some(10),
    });
}

/// R-MAC wrong in its first byte (Left) vs in its last byte (Right): an
/// early-exit comparison would separate these.
fn rmac_wrong_first_vs_last(runner: &mut CtRunner, rng: &mut BenchRng) {
    response_case(runner, rng, Keys::Same, |c| match c {
        Class::Left => Some(10),
        Class::Right => Some(3),
    });
}

/// C-MAC on the card: wrong in its first byte (Left) vs its last (Right).
fn cmac_wrong_first_vs_last(runner: &mut CtRunner, rng: &mut BenchRng) {
    session_case(
        runner,
        rng,
        Keys::Same,
        |c, mut host, card, _| {
            let mut cmd = [0u8; 22];
            cmd[..5].copy_from_slice(&[0x80, 0xE2, 0x00, 0x00, 0x10]);
            let mut w = [0u8; 64];
            let n = host.wrap(&cmd, &mut w).expect("wrap");
            // 84 E2 00 00 Lc [32 encrypted][8 MAC] Le
            match c {
                Class::Left => w[n - 9] ^= 0x01,
                Class::Right => w[n - 2] ^= 0x01,
            }
            (card, w[..n].to_vec())
        },
        |(mut card, w)| {
            let mut p = [0u8; 64];
            let ok = card.unwrap_command(&w, &mut p).is_ok();
            drop(card);
            ok
        },
    );
}

/// Card cryptogram wrong in its first byte (Left) vs its last (Right):
/// the host's check, with session key derivation, under the same key.
fn card_cryptogram_wrong_first_vs_last(runner: &mut CtRunner, rng: &mut BenchRng) {
    let key = bytes::<16>(rng);
    let k = StaticKeys::new(0x30, &key, &key, &key).expect("key");
    batched(
        runner,
        rng,
        |c, rng| {
            let mut card =
                CardChannel::new(k.clone(), CardConfig::new(I & !0x10, &AID).expect("cfg"));
            let cfg = HostConfig::default().level(SecurityLevel::ALL);
            let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
            let (hs, n) = HostHandshake::start(&k, &cfg, &bytes::<8>(rng), &mut a).expect("IU");
            let m = card
                .initialize_update(&a[..n], &bytes::<8>(rng), &mut b)
                .expect("IU response");
            // kdd(10) kvn scp i | challenge(8) | cryptogram(8)
            match c {
                Class::Left => b[21] ^= 0x01,
                Class::Right => b[28] ^= 0x01,
            }
            (hs, b[..m].to_vec())
        },
        |(hs, r)| {
            let mut out = [0u8; 64];
            hs.authenticate(&k, &r, &mut out).is_ok()
        },
    );
}

/// Key set from key A (all zero) vs key B (random): StaticKeys::new, session
/// key derivation, card cryptogram check, host cryptogram and EA C-MAC.
fn handshake_key_a_vs_b(runner: &mut CtRunner, rng: &mut BenchRng) {
    let key_b = bytes::<16>(rng);
    batched(
        runner,
        rng,
        |c, rng| {
            let key = key_for(c, &key_b);
            let k = StaticKeys::new(0x30, &key, &key, &key).expect("key");
            let mut card = CardChannel::new(k, CardConfig::new(I & !0x10, &AID).expect("cfg"));
            let cfg = HostConfig::default();
            let host_keys = StaticKeys::new(0x30, &key, &key, &key).expect("key");
            let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
            let (hs, n) =
                HostHandshake::start(&host_keys, &cfg, &bytes::<8>(rng), &mut a).expect("IU");
            let m = card
                .initialize_update(&a[..n], &bytes::<8>(rng), &mut b)
                .expect("IU response");
            (key, hs, b[..m].to_vec())
        },
        |(key, hs, r)| {
            let k = StaticKeys::new(0x30, &key, &key, &key).expect("key");
            let mut out = [0u8; 64];
            hs.authenticate(&k, &r, &mut out).is_ok()
        },
    );
}

/// Host wraps a 200-byte command at level 33 under key A vs key B.
fn wrap_key_a_vs_b(runner: &mut CtRunner, rng: &mut BenchRng) {
    session_case(
        runner,
        rng,
        Keys::AVersusB,
        |_, host, _card, _| {
            let mut cmd = vec![0x80, 0xE2, 0x00, 0x00, 200];
            cmd.extend_from_slice(&[0x5A; 200]);
            (host, cmd)
        },
        |(mut host, cmd)| {
            let mut w = [0u8; 300];
            host.wrap(&cmd, &mut w).is_ok()
        },
    );
}

/// Host unwraps a 32-byte R-MAC/R-ENC response under key A vs key B.
fn unwrap_key_a_vs_b(runner: &mut CtRunner, rng: &mut BenchRng) {
    response_case(runner, rng, Keys::AVersusB, |_| None);
}

/// After a good R-MAC: padding right (Left) vs wrong (Right, a non-zero
/// byte after the marker); unwrap then end.
fn verdict_unwrap_padding_right_vs_wrong(runner: &mut CtRunner, rng: &mut BenchRng) {
    session_case(
        runner,
        rng,
        Keys::Same,
        |c, mut host, mut card, rng| {
            one_command(&mut host, &mut card, rng);
            let mut block = [0u8; 32];
            block[..20].copy_from_slice(&bytes::<20>(rng));
            block[20] = 0x80;
            if let Class::Right = c {
                block[27] = 0x01;
            }
            let mut r = [0u8; 80];
            let n = card
                .wrap_response_unpadded_for_audit(&block, 0x9000, &mut r)
                .expect("crafted response");
            (host, r[..n].to_vec())
        },
        unwrap_and_end,
    );
}

/// The MAC/cryptogram comparison itself: right (Left) vs wrong in a random
/// byte (Right), 8-byte MACs computed under a random key.
fn mac_compare_right_vs_wrong(runner: &mut CtRunner, rng: &mut BenchRng) {
    batched(
        runner,
        rng,
        |c, rng| {
            let expected = bytes::<8>(rng);
            let mut received = expected;
            if let Class::Right = c {
                let i = rng.random_range(0..8);
                received[i] ^= 1 << rng.random_range(0..8);
            }
            (expected, received)
        },
        |(e, r)| audit::mac_matches(&e, &r),
    );
}

/// The padding check itself on a decrypted 32-byte plaintext: right (Left)
/// vs wrong (Right: no marker, or a non-zero byte after it).
fn verdict_padding_check_right_vs_wrong(runner: &mut CtRunner, rng: &mut BenchRng) {
    padding_case(runner, rng, |c, rng| {
        let mut block = [0u8; 32];
        let len = 16 + rng.random_range(0..16);
        block[..len].copy_from_slice(&bytes::<32>(rng)[..len]);
        block[len] = 0x80;
        if let Class::Right = c {
            if rng.random::<bool>() {
                block[len] = 0x00;
            } else if len < 31 {
                block[31] = 0x01;
            } else {
                block[len] = 0x7F;
            }
        }
        block
    });
}

/// The padding check on two kinds of wrong padding (both rejected): no
/// marker at all (Left) vs a non-zero byte after the marker (Right).
fn padding_check_wrong_kinds(runner: &mut CtRunner, rng: &mut BenchRng) {
    padding_case(runner, rng, |c, rng| {
        let mut block = [0u8; 32];
        let len = 16 + rng.random_range(0..15);
        block[..len].copy_from_slice(&bytes::<32>(rng)[..len]);
        block[len..].fill(0);
        match c {
            // Data ending in a non-zero byte that is not 80, then zeros.
            Class::Left => block[len - 1] = 0x01 | (block[len - 1] & 0x7E),
            Class::Right => {
                block[len] = 0x80;
                block[31] = 0x01;
            }
        }
        block
    });
}

/// The padding check on right paddings with the marker first (Left: 16
/// data bytes) or last (Right: 31 data bytes) in the final block.
fn padding_check_marker_first_vs_last(runner: &mut CtRunner, rng: &mut BenchRng) {
    marker_at::<32>(runner, rng, 16, 31);
}

/// Right paddings of `N` bytes whose marker stands at `left` (Left) or
/// `right` (Right), random data before it.
fn marker_at<const N: usize>(runner: &mut CtRunner, rng: &mut BenchRng, left: usize, right: usize) {
    padding_case(runner, rng, |c, rng| {
        let mut block = bytes::<N>(rng);
        let len = match c {
            Class::Left => left,
            Class::Right => right,
        };
        block[len] = 0x80;
        block[len + 1..].fill(0);
        block
    });
}

/// Multi-block padding (as cards in the field send it), both right: the
/// marker in the first of four blocks (Left: 5 data bytes, 58 bytes of 00)
/// or in the last (Right: 60 data bytes).
fn padding_check_marker_first_vs_last_block(runner: &mut CtRunner, rng: &mut BenchRng) {
    marker_at::<64>(runner, rng, 5, 60);
}

/// Multi-block padding, both wrong: a non-zero byte right after the marker
/// in the first block (Left) vs in the last block (Right).
fn padding_check_junk_first_vs_last_block(runner: &mut CtRunner, rng: &mut BenchRng) {
    padding_case(runner, rng, |c, rng| {
        let mut block = [0u8; 64];
        block[..5].copy_from_slice(&bytes::<32>(rng)[..5]);
        block[5] = 0x80;
        let junk = match c {
            Class::Left => 6,
            Class::Right => 62,
        };
        block[junk] = 0x01 | (bytes::<1>(rng)[0] & 0x7E);
        block
    });
}

/// Negative control: an early-exit comparison of a 16-byte MAC, right
/// (Left) vs wrong in its first byte (Right). It must be flagged
/// (|t| >= 4.5), or this harness could not see a leak of that size.
fn control_leaky_mac_compare(runner: &mut CtRunner, rng: &mut BenchRng) {
    #[inline(never)]
    fn leaky_eq(a: &[u8; 16], b: &[u8; 16]) -> bool {
        for i in 0..16 {
            if std::hint::black_box(a[i]) != b[i] {
                return false;
            }
        }
        true
    }
    batched(
        runner,
        rng,
        |c, rng| {
            let expected = bytes::<16>(rng);
            let mut received = expected;
            if let Class::Right = c {
                received[0] ^= 0x01;
            }
            (expected, received)
        },
        |(e, r)| leaky_eq(&e, &r),
    );
}

ctbench_main!(
    card_cryptogram_wrong_first_vs_last,
    control_leaky_mac_compare,
    cmac_wrong_first_vs_last,
    handshake_key_a_vs_b,
    mac_compare_right_vs_wrong,
    padding_check_marker_first_vs_last,
    padding_check_marker_first_vs_last_block,
    padding_check_junk_first_vs_last_block,
    padding_check_wrong_kinds,
    rmac_wrong_first_vs_last,
    unwrap_key_a_vs_b,
    verdict_padding_check_right_vs_wrong,
    verdict_unwrap_padding_right_vs_wrong,
    verdict_unwrap_rmac_right_vs_wrong,
    wrap_key_a_vs_b
);
