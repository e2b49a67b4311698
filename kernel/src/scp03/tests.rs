//! Unit tests of the SCP03 engine.

use super::*;
use crate::apdu::StatusWord;
use verify::{ct_equal, nonzero_bit, nonzero_mask, unpadded_len};

const AID: &[u8] = &[0xA0, 0x00, 0x00, 0x00, 0x63];

fn pair(level: SecurityLevel) -> (HostSession, CardChannel) {
    let k = StaticKeys::new(0x30, &[1; 16], &[2; 16], &[3; 16]).unwrap();
    let mut card = CardChannel::new(k.clone(), CardConfig::new(0x70, AID).unwrap());
    let cfg = HostConfig::default().level(level);
    let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
    let (hs, n) = HostHandshake::start(&k, &cfg, &[9; 8], &mut a).unwrap();
    let m = card.initialize_update(&a[..n], &[], &mut b).unwrap();
    let (p, n) = hs.authenticate(&k, &b[..m], &mut a).unwrap();
    card.external_authenticate(&a[..n]).unwrap();
    (p.confirm(0x9000).unwrap(), card)
}

#[test]
fn host_counter_exhaustion_ends_the_session() {
    let (mut host, _) = pair(SecurityLevel::ALL);
    host.session_mut().set_counter(u32::MAX - 1);
    let mut out = [0u8; 64];
    host.wrap(&[0x00, 0xB0, 0x00, 0x00, 0x10], &mut out)
        .unwrap();
    assert_eq!(host.counter(), u32::MAX);
    assert_eq!(
        host.wrap(&[0x00, 0xB0, 0x00, 0x00, 0x10], &mut out),
        Err(Scp03Error::CounterExhausted)
    );
    assert!(!host.is_open());
    assert_eq!(host.mac_chaining_value(), [0; 16], "chain zeroized");
    assert_eq!(
        host.wrap(&[0x00, 0xB0, 0x00, 0x00], &mut out),
        Err(Scp03Error::SessionTerminated)
    );
}

#[test]
fn card_counter_exhaustion_ends_the_session() {
    let (mut host, mut card) = pair(SecurityLevel::C_MAC);
    let mut w = [0u8; 64];
    let mut p = [0u8; 64];
    card.session_mut().unwrap().set_counter(u32::MAX);
    let n = host.wrap(&[0x00, 0xB0, 0x00, 0x00, 0x10], &mut w).unwrap();
    assert_eq!(
        card.unwrap_command(&w[..n], &mut p),
        Err(Scp03Error::CounterExhausted)
    );
    assert!(!card.is_open());
}

/// The host reads 16 bytes; the card answers `blocks` encrypted as they
/// are (no padding added). Returns the host's verdict with the bytes it
/// let out, whether the session is still open, and the whole output buffer.
fn respond_unpadded(blocks: &[u8]) -> (Result<std::vec::Vec<u8>, Scp03Error>, bool, [u8; 128]) {
    let (mut host, mut card) = pair(SecurityLevel::ALL);
    let (mut w, mut p) = ([0u8; 128], [0u8; 128]);
    let n = host.wrap(&[0x00, 0xB0, 0x00, 0x00, 0x10], &mut w).unwrap();
    card.unwrap_command(&w[..n], &mut p).unwrap();
    let r = card
        .session_mut()
        .unwrap()
        .wrap_response_unpadded(blocks, StatusWord::SUCCESS, &mut w)
        .unwrap();
    let mut out = [0xEEu8; 128];
    let got = host.unwrap(&w[..r], &mut out);
    (got.map(|r| out[..r.len].to_vec()), host.is_open(), out)
}

#[test]
fn bad_padding_after_a_good_r_mac_returns_nothing() {
    for bad in [[0x11u8; 16], [0u8; 16], {
        let mut b = [0u8; 16];
        b[3] = 0x80;
        b[9] = 0x01; // a non-zero byte after the marker
        b
    }] {
        let (got, open, out) = respond_unpadded(&bad);
        assert_eq!(got, Err(Scp03Error::BadPadding));
        assert!(
            out[..16].iter().all(|&b| b == 0),
            "decrypted bytes left in the buffer"
        );
        assert!(!open);
    }
    // A good padding through the same hook is accepted (the hook is sound).
    let mut good = [0u8; 16];
    good[..3].copy_from_slice(b"abc");
    good[3] = 0x80;
    assert_eq!(respond_unpadded(&good).0.unwrap(), b"abc");
}

/// Responses padded as real products pad them: more than one block of
/// `80 00..` after the data. Accepted once the R-MAC verified; a
/// non-zero byte anywhere after the marker, or no marker in any block,
/// is still bad padding and ends the session.
#[test]
// AES-heavy safe code (35 s under Miri): natively only; the other
// handshake tests take the same unsafe paths of the AES crates under Miri.
#[cfg_attr(miri, ignore)]
fn multi_block_padding_from_the_field() {
    let respond = respond_unpadded;
    // 11 data bytes, 80, then 20 bytes of 00 in 32 bytes of plaintext.
    let mut field = [0u8; 32];
    field[..11].copy_from_slice(b"eleven byte");
    field[11] = 0x80;
    assert_eq!(respond(&field).0, Ok(b"eleven byte".to_vec()));
    // Three whole blocks of 00 after a block-aligned marker.
    let mut long = [0u8; 64];
    long[..15].copy_from_slice(b"fifteen bytes!!");
    long[15] = 0x80;
    let (got, open, _) = respond(&long);
    assert_eq!((got, open), (Ok(b"fifteen bytes!!".to_vec()), true));
    // Bad: a non-zero byte two blocks after the marker; no marker at all.
    long[40] = 0x01;
    let mut none = [0u8; 48];
    none[..5].copy_from_slice(b"abcde");
    for bad in [&long[..], &none[..]] {
        let (got, open, out) = respond(bad);
        assert_eq!((got, open), (Err(Scp03Error::BadPadding), false));
        assert!(
            out[..bad.len()].iter().all(|&b| b == 0),
            "plaintext left behind"
        );
    }
}

#[test]
fn nonzero_bit_and_mask() {
    assert_eq!((nonzero_bit(0), nonzero_mask(0)), (0, 0));
    for k in 0..64 {
        let x = 1u64 << k;
        assert_eq!((nonzero_bit(x), nonzero_mask(x)), (1, u64::MAX), "bit {k}");
        assert_eq!(nonzero_bit(x | 1), 1, "bits {k} and 0");
    }
    assert_eq!(
        (nonzero_bit(u64::MAX), nonzero_mask(u64::MAX)),
        (1, u64::MAX)
    );
}

#[test]
fn ct_equal_is_equality() {
    // Every length across the word boundaries, and a difference at every
    // byte and in every bit of it: unequal; no difference: equal. Miri
    // interprets every comparison (all bits took 26 s there): the lowest
    // and the highest bit of each byte.
    let bits: &[u8] = if cfg!(miri) {
        &[0, 7]
    } else {
        &[0, 1, 2, 3, 4, 5, 6, 7]
    };
    let mut a = [0u8; 34];
    for (i, x) in a.iter_mut().enumerate() {
        *x = (i * 37 + 11) as u8;
    }
    for n in 0..=33usize {
        let mut b = a;
        assert!(ct_equal(&a[..n], &b[..n]), "equal at length {n}");
        for i in 0..n {
            for &bit in bits {
                b[i] ^= 1 << bit;
                assert!(
                    !ct_equal(&a[..n], &b[..n]),
                    "length {n}, byte {i}, bit {bit}"
                );
                b[i] ^= 1 << bit;
            }
        }
        if n > 0 {
            assert!(!ct_equal(&a[..n], &a[..n - 1]), "lengths {n} and {}", n - 1);
        }
        assert!(!ct_equal(&a[..n], &a[..n + 1]), "lengths {n} and {}", n + 1);
    }
}

#[test]
fn unpadding_rules() {
    let mut b = [0u8; 32];
    b[31] = 0x80;
    assert_eq!(unpadded_len(&b), Some(31));
    b[31] = 0;
    b[16] = 0x80;
    assert_eq!(unpadded_len(&b), Some(16));
    b[16] = 0;
    assert_eq!(unpadded_len(&b), None, "no marker at all");
    b[15] = 0x80;
    assert_eq!(
        unpadded_len(&b),
        Some(15),
        "marker in the first block, a whole block of 00 after it"
    );
    b[20] = 0x01;
    assert_eq!(unpadded_len(&b), None, "a non-zero byte after the marker");
    b[20] = 0x80;
    assert_eq!(unpadded_len(&b), Some(20), "the last 80 is the marker");
    assert_eq!(unpadded_len(&[]), None);
    assert_eq!(unpadded_len(&[0x80; 15]), None, "not whole blocks");
    let mut c = [0x80u8; 16];
    c[15] = 0x80;
    assert_eq!(unpadded_len(&c), Some(15), "last 80 is the marker");
    // What captured sessions of real products carry: 11 data bytes, 80,
    // then 20 bytes of 00 in 32 bytes of plaintext.
    let mut field = [0u8; 32];
    field[..11].copy_from_slice(b"hello world");
    field[11] = 0x80;
    assert_eq!(unpadded_len(&field), Some(11));
    // Marker at the very first byte of four blocks: an empty plaintext.
    let mut e = [0u8; 64];
    e[0] = 0x80;
    assert_eq!(unpadded_len(&e), Some(0));
    assert_eq!(unpadded_len(&[0u8; 64]), None, "all zeros");
}

/// The branch-free scan against the obvious one, on blocks drawn from
/// {00, 80, 01, FF} so that every padding shape occurs.
#[test]
fn unpadding_agrees_with_the_obvious_scan() {
    fn obvious(buf: &[u8]) -> Option<usize> {
        if buf.is_empty() || buf.len() % 16 != 0 {
            return None;
        }
        let zeros = buf.iter().rev().take_while(|&&b| b == 0).count();
        let marker = buf.len().checked_sub(zeros + 1)?;
        (buf.get(marker) == Some(&0x80)).then_some(marker)
    }
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut outcomes = [0u32; 2];
    // Miri interprets every step: a smaller sample there.
    let cases: u32 = if cfg!(miri) { 120 } else { 50_000 };
    for _ in 0..cases {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let blocks = 1 + (x & 3) as usize;
        let len = 16 * blocks;
        let mut b = [0u8; 64];
        let mut y = x >> 2;
        // A run of zeros at the end of any length (several blocks too),
        // the byte before it mostly a marker, the rest drawn from
        // {00, 80, 01, FF}.
        let zeros = (y % (len as u64 + 1)) as usize;
        y /= len as u64 + 1;
        for (k, v) in b[..len].iter_mut().rev().enumerate() {
            *v = if k < zeros {
                0
            } else if k == zeros {
                [0x80, 0x80, 0x80, 0x01, 0xFF, 0x00][(y % 6) as usize]
            } else {
                [0x00, 0x80, 0x01, 0xFF][(y % 4) as usize]
            };
            y = y.rotate_right(3) ^ 0x5555;
        }
        let buf = &b[..16 * blocks];
        assert_eq!(unpadded_len(buf), obvious(buf), "{buf:02x?}");
        outcomes[usize::from(obvious(buf).is_some())] += 1;
    }
    assert!(outcomes.iter().all(|&n| n > cases / 10), "{outcomes:?}");
}

/// Every error: the status word a card answers with (GP Card Spec
/// 11.8.3 / Amendment D 7.1.1.3) and whether the session ends.
#[test]
fn error_status_words_and_session_end() {
    use Scp03Error as E;
    let table: [(E, u16, bool); 25] = [
        (E::InvalidKey, 0x6982, false),
        (E::InvalidLevel(0x02), 0x6A86, false),
        (
            E::LevelNotOffered {
                level: 0x33,
                i: 0x00,
            },
            0x6A86,
            false,
        ),
        (E::InvalidChannel(20), 0x6982, false),
        (
            E::WrongChallengeLength {
                expected: 8,
                found: 7,
            },
            0x6700,
            false,
        ),
        (E::MalformedInitializeUpdateResponse("x"), 0x6982, false),
        (E::UnsupportedProtocol(2), 0x6982, false),
        (E::ModeMismatch, 0x6982, false),
        (
            E::KvnMismatch {
                expected: 0x30,
                found: 0x31,
            },
            0x6A88,
            false,
        ),
        (E::CardCryptogramMismatch, 0x6982, true),
        (E::CardChallengeMismatch, 0x6982, true),
        (E::HostCryptogramMismatch, 0x6300, true),
        (E::CMacMismatch, 0x6982, true),
        (E::RMacMismatch, 0x6982, true),
        (E::BadPadding, 0x6982, true),
        (E::SessionTerminated, 0x6982, true),
        (E::CounterExhausted, 0x6982, true),
        (E::SequenceCounterExhausted, 0x6985, false),
        (E::AuthenticationRefused(StatusWord(0x6300)), 0x6982, true),
        (E::MalformedCommand("x"), 0x6982, false),
        (E::MalformedResponse("x"), 0x6982, false),
        (E::UnexpectedCommand("x"), 0x6985, false),
        (E::BufferTooSmall { needed: 9 }, 0x6982, false),
        (E::InvalidLevel(0x30), 0x6A86, false),
        (E::UnexpectedCommand("y"), 0x6985, false),
    ];
    for (e, sw, ends) in table {
        assert_eq!(e.status_word(), sw, "{e:?}");
        assert_eq!(e.terminates_session(), ends, "{e:?}");
    }
}

/// The four protection bits of every valid level, and what a card with
/// each `i` offers.
#[test]
fn level_bits() {
    let expect = [
        (0x00, [false, false, false, false]),
        (0x01, [true, false, false, false]),
        (0x03, [true, true, false, false]),
        (0x11, [true, false, true, false]),
        (0x13, [true, true, true, false]),
        (0x33, [true, true, true, true]),
    ];
    for (p1, [c_mac, c_dec, r_mac, r_enc]) in expect {
        let l = SecurityLevel::new(p1).unwrap();
        assert_eq!(l.bits(), p1);
        assert_eq!(
            [l.c_mac(), l.c_dec(), l.r_mac(), l.r_enc()],
            [c_mac, c_dec, r_mac, r_enc],
            "{p1:02x}"
        );
        for i in 0..=255u8 {
            let offered = (!r_mac || i & 0x20 != 0) && (!r_enc || i & 0x60 == 0x60);
            assert_eq!(l.offered_by(i), offered, "{p1:02x} by i={i:02x}");
        }
    }
}

/// At level 00 (authentication only) commands and responses pass in
/// the clear: no MAC added or expected, no secure-messaging bit.
#[test]
fn level_00_passes_commands_and_responses_in_the_clear() {
    let (mut host, mut card) = pair(SecurityLevel::AUTHENTICATED);
    let cmd = [0x00, 0xB0, 0x00, 0x00, 0x02, 0xAA, 0xBB, 0x00];
    let (mut w, mut p) = ([0u8; 64], [0u8; 64]);
    let n = host.wrap(&cmd, &mut w).unwrap();
    assert_eq!(&w[..n], &cmd[..]);
    let m = card.unwrap_command(&w[..n], &mut p).unwrap();
    assert_eq!(&p[..m], &cmd[..]);
    let r = card.wrap_response(&[1, 2, 3], 0x9000, &mut w).unwrap();
    assert_eq!(&w[..r], &[1, 2, 3, 0x90, 0x00]);
    let resp = host.unwrap(&w[..r], &mut p).unwrap();
    assert_eq!(
        (&p[..resp.len], resp.sw),
        (&[1u8, 2, 3][..], StatusWord::SUCCESS)
    );
    // Too small an output buffer is reported with the size needed.
    assert_eq!(
        host.wrap(&cmd, &mut w[..7]),
        Err(Scp03Error::BufferTooSmall { needed: 8 })
    );
}

/// The card's getters follow its state: nothing before EXTERNAL
/// AUTHENTICATE, the session's level and channel while open, nothing
/// once a failure or `terminate` ended it; the sequence counter counts
/// pseudo-random challenges.
#[test]
fn card_state_getters() {
    let k = StaticKeys::new(0x30, &[1; 16], &[2; 16], &[3; 16]).unwrap();
    let mut card = CardChannel::new(k.clone(), CardConfig::new(0x70, AID).unwrap());
    assert_eq!(
        std::format!("{card:?}"),
        "CardChannel { i: 112, sequence_counter: 0, open: false, .. }"
    );
    assert_eq!(
        (card.level(), card.channel(), card.sequence_counter()),
        (None, None, 0)
    );
    let cfg = HostConfig::default()
        .level(SecurityLevel::C_DEC_R_MAC)
        .channel(2);
    let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
    let (hs, n) = HostHandshake::start(&k, &cfg, &[9; 8], &mut a).unwrap();
    let m = card.initialize_update(&a[..n], &[], &mut b).unwrap();
    assert_eq!(
        card.sequence_counter(),
        1,
        "one pseudo-random challenge used"
    );
    assert_eq!(
        (card.level(), card.channel()),
        (None, None),
        "not yet authenticated"
    );
    let (p, n) = hs.authenticate(&k, &b[..m], &mut a).unwrap();
    card.external_authenticate(&a[..n]).unwrap();
    let mut host = p.confirm(0x9000).unwrap();
    assert_eq!(card.level(), Some(SecurityLevel::C_DEC_R_MAC));
    assert_eq!(card.channel(), Some(2));
    assert!(std::format!("{card:?}").contains("sequence_counter: 1, open: true"));
    // A bad C-MAC ends the session: the getters say so.
    let n = host.wrap(&[0x02, 0xB0, 0x00, 0x00, 0x00], &mut a).unwrap();
    a[n - 2] ^= 1;
    assert_eq!(
        card.unwrap_command(&a[..n], &mut b),
        Err(Scp03Error::CMacMismatch)
    );
    assert_eq!(
        (card.level(), card.channel(), card.is_open()),
        (None, None, false)
    );
    // A second session, then terminate.
    let (mut host, mut card) = pair(SecurityLevel::C_MAC);
    assert!(card.is_open() && host.is_open());
    card.terminate();
    host.terminate();
    assert_eq!(
        (card.level(), card.channel(), card.is_open()),
        (None, None, false)
    );
    assert!(!host.is_open());
}

/// INITIALIZE UPDATE needs both INS 50 and a proprietary class.
#[test]
fn card_refuses_what_is_not_initialize_update() {
    let k = StaticKeys::new(0x30, &[1; 16], &[2; 16], &[3; 16]).unwrap();
    let mut card = CardChannel::new(k, CardConfig::new(0x70, AID).unwrap());
    let mut out = [0u8; 64];
    let hc = [9u8; 8];
    for (cla, ins) in [(0x00, 0x50), (0x80, 0x51), (0x00, 0x51)] {
        let mut cmd = std::vec![cla, ins, 0x00, 0x00, 0x08];
        cmd.extend_from_slice(&hc);
        cmd.push(0x00);
        assert_eq!(
            card.initialize_update(&cmd, &[], &mut out),
            Err(Scp03Error::UnexpectedCommand("not INITIALIZE UPDATE")),
            "{cla:02x} {ins:02x}"
        );
    }
    let mut cmd = std::vec![0x80, 0x50, 0x00, 0x00, 0x08];
    cmd.extend_from_slice(&hc);
    cmd.push(0x00);
    assert!(card.initialize_update(&cmd, &[], &mut out).is_ok());
}

/// EXTERNAL AUTHENTICATE is exactly `84 82 level 00 2m cryptogram MAC`:
/// each single deviation is refused (and a genuine one accepted).
#[test]
// AES-heavy safe code (23 s under Miri): natively only; the other
// handshake tests take the same unsafe paths of the AES crates under Miri.
#[cfg_attr(miri, ignore)]
fn card_refuses_malformed_external_authenticate() {
    fn ea_for_fresh_card() -> (CardChannel, std::vec::Vec<u8>) {
        let k = StaticKeys::new(0x30, &[1; 16], &[2; 16], &[3; 16]).unwrap();
        let mut card = CardChannel::new(k.clone(), CardConfig::new(0x70, AID).unwrap());
        let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
        let cfg = HostConfig::default();
        let (hs, n) = HostHandshake::start(&k, &cfg, &[9; 8], &mut a).unwrap();
        let m = card.initialize_update(&a[..n], &[], &mut b).unwrap();
        let (_, n) = hs.authenticate(&k, &b[..m], &mut a).unwrap();
        (card, a[..n].to_vec())
    }
    let malformed = Err(Scp03Error::MalformedCommand("EXTERNAL AUTHENTICATE length"));
    let (mut card, ea) = ea_for_fresh_card();
    assert_eq!(ea.len(), 5 + 16);
    let mut p2 = ea.clone();
    p2[3] = 0x01;
    assert_eq!(card.external_authenticate(&p2), malformed, "P2 not 00");
    let (mut card, ea) = ea_for_fresh_card();
    let mut with_le = ea.clone();
    with_le.push(0x00);
    assert_eq!(
        card.external_authenticate(&with_le),
        malformed,
        "Le present"
    );
    let (mut card, ea) = ea_for_fresh_card();
    let mut extended = ea[..4].to_vec();
    extended.extend_from_slice(&[0x00, 0x00, 0x10]);
    extended.extend_from_slice(&ea[5..]);
    assert_eq!(
        card.external_authenticate(&extended),
        malformed,
        "extended form"
    );
    let (mut card, ea) = ea_for_fresh_card();
    let mut short = ea[..ea.len() - 1].to_vec();
    short[4] = 0x0F;
    assert_eq!(
        card.external_authenticate(&short),
        malformed,
        "15 data bytes"
    );
    let (mut card, ea) = ea_for_fresh_card();
    assert_eq!(card.external_authenticate(&ea), Ok(SecurityLevel::ALL));
}

/// Debug output names the state, never a key, challenge or chain byte.
#[test]
fn debug_shows_state_only() {
    let k = StaticKeys::new(0x30, &[1; 16], &[2; 16], &[3; 16]).unwrap();
    let mut card = CardChannel::new(k.clone(), CardConfig::new(0x70, AID).unwrap());
    let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
    let cfg = HostConfig::default().level(SecurityLevel::C_MAC).channel(3);
    let (hs, n) = HostHandshake::start(&k, &cfg, &[9; 8], &mut a).unwrap();
    let m = card.initialize_update(&a[..n], &[], &mut b).unwrap();
    let (p, _) = hs.authenticate(&k, &b[..m], &mut a).unwrap();
    assert_eq!(
        std::format!("{p:?}"),
        "PendingSession { level: SecurityLevel(1), .. }"
    );
    let host = p.confirm(0x9000).unwrap();
    assert_eq!((host.channel(), host.level()), (3, SecurityLevel::C_MAC));
    assert_eq!(
        std::format!("{host:?}"),
        "HostSession { level: SecurityLevel(1), mode: S8, channel: 3, open: true, .. }"
    );
}

/// Lc limits after the MAC is added: 255 stays short, 256 goes
/// extended; 65535 fits an extended APDU, 65536 does not.
#[test]
fn wrapped_length_boundaries() {
    let (mut host, _) = pair(SecurityLevel::C_MAC);
    let mut w = std::vec![0u8; 70_000];
    for (data, extended) in [(247usize, false), (248, true)] {
        let mut cmd = std::vec![0x80, 0xE2, 0x00, 0x00, data as u8];
        cmd.extend(core::iter::repeat_n(0x5A, data));
        let n = host.wrap(&cmd, &mut w).unwrap();
        if extended {
            assert_eq!((n, &w[4..7]), (7 + 256, &[0x00, 0x01, 0x00][..]));
        } else {
            assert_eq!((n, w[4]), (5 + 255, 0xFF));
        }
    }
    // The 64 KB case is one CMAC over 4096 blocks: minutes under Miri's
    // interpreter, so Miri checks the short/extended boundary only.
    let largest: &[(usize, bool)] = if cfg!(miri) {
        &[(65528, false)]
    } else {
        &[(65527, true), (65528, false)]
    };
    for &(data, ok) in largest {
        let mut cmd = std::vec![0x80, 0xE2, 0x00, 0x00, 0x00, (data >> 8) as u8, data as u8];
        cmd.extend(core::iter::repeat_n(0x5A, data));
        let r = host.wrap(&cmd, &mut w);
        if ok {
            assert_eq!(r, Ok(7 + 65535));
            assert_eq!(&w[4..7], &[0x00, 0xFF, 0xFF]);
        } else {
            assert_eq!(
                r,
                Err(Scp03Error::MalformedCommand(
                    "command data too long for an APDU"
                ))
            );
        }
    }
}

/// At level 00 the card passes commands on with a plain class, even one
/// that arrives with the secure-messaging bit.
#[test]
fn level_00_card_strips_the_secure_messaging_bit() {
    let (_, mut card) = pair(SecurityLevel::AUTHENTICATED);
    let mut p = [0u8; 16];
    let m = card
        .unwrap_command(&[0x04, 0xB0, 0x00, 0x00, 0x00], &mut p)
        .unwrap();
    assert_eq!(&p[..m], &[0x00, 0xB0, 0x00, 0x00, 0x00]);
}

/// The card needs room for the largest plain form of a command: a
/// 7-byte header, the data and 3 more bytes; one byte less is refused
/// (with the size) before anything is verified.
#[test]
fn card_unwrap_output_room() {
    let (mut host, mut card) = pair(SecurityLevel::C_MAC);
    let mut cmd = std::vec![0x80, 0xE2, 0x00, 0x00, 20];
    cmd.extend_from_slice(&[0x33; 20]);
    let mut w = [0u8; 64];
    let n = host.wrap(&cmd, &mut w).unwrap();
    let mut p = [0u8; 64];
    assert_eq!(
        card.unwrap_command(&w[..n], &mut p[..29]),
        Err(Scp03Error::BufferTooSmall { needed: 30 })
    );
    assert!(
        card.is_open(),
        "a small buffer is the caller's error, not an attack"
    );
    assert_eq!(card.unwrap_command(&w[..n], &mut p[..30]), Ok(25));
    assert_eq!(&p[..25], &cmd[..]);
}

/// The card deciphers a C-DEC command where its plain form has the data
/// (behind a 5-byte header, 7 with extended lengths): the plain command
/// comes out whole, and the padding it removed is zeros in the buffer,
/// not left behind the command.
#[test]
#[cfg_attr(miri, ignore)]
fn card_unwrap_deciphers_in_place_and_clears_the_padding() {
    let (mut host, mut card) = pair(SecurityLevel::C_DEC);
    for (len, extended, le) in [
        (1usize, false, None),
        (15, false, Some(0u8)),
        (16, false, None),
        (17, false, Some(0x20)),
        (200, false, None),
        (40, true, None),
    ] {
        let data: std::vec::Vec<u8> = (0..len).map(|i| (i as u8) | 1).collect();
        let mut cmd = std::vec![0x80, 0xE2, 0x00, 0x00];
        if extended {
            cmd.extend_from_slice(&[0, (len >> 8) as u8, len as u8]);
        } else {
            cmd.push(len as u8);
        }
        cmd.extend_from_slice(&data);
        cmd.extend(le);
        let mut w = [0u8; 320];
        let n = host.wrap(&cmd, &mut w).unwrap();
        let mut p = [0xEEu8; 320];
        let got = card.unwrap_command(&w[..n], &mut p).unwrap();
        assert_eq!(&p[..got], &cmd[..], "{len} bytes, extended {extended}");
        // Where the padding was deciphered (up to the padded length behind
        // the header): zeros past the command, nothing of the plaintext.
        let at = if extended { 7 } else { 5 };
        let padded_end = at + (len / 16 + 1) * 16;
        assert!(
            p[got..padded_end].iter().all(|&b| b == 0),
            "{len} bytes: {:02x?}",
            &p[got..padded_end]
        );
    }
}

#[test]
fn level_rules() {
    for p1 in 0..=255u8 {
        let ok = SecurityLevel::new(p1).is_ok();
        assert_eq!(
            ok,
            matches!(p1, 0x00 | 0x01 | 0x03 | 0x11 | 0x13 | 0x33),
            "{p1:02x}"
        );
    }
    assert!(SecurityLevel::ALL.offered_by(0x60));
    assert!(!SecurityLevel::ALL.offered_by(0x20));
    assert!(!SecurityLevel::ALL.offered_by(0x40));
    assert!(SecurityLevel::C_DEC_R_MAC.offered_by(0x20));
    assert!(SecurityLevel::C_DEC.offered_by(0x00));
}

#[test]
fn keys_are_checked_and_redacted() {
    assert_eq!(
        StaticKeys::new(1, &[0; 16], &[0; 24], &[0; 16]).unwrap_err(),
        Scp03Error::InvalidKey
    );
    assert_eq!(
        StaticKeys::new(1, &[0; 15], &[0; 15], &[0; 15]).unwrap_err(),
        Scp03Error::InvalidKey
    );
    // The largest key this build takes (features `aes192`, `aes256`).
    let n = [32, 24, 16]
        .into_iter()
        .find(|&n| key_len_supported(n))
        .unwrap_or(16);
    let key = [0xAB; 32];
    let k = StaticKeys::new(1, &key[..n], &key[..n], &key[..n]).unwrap();
    let dbg = std::format!("{k:?}");
    assert_eq!(dbg, std::format!("StaticKeys {{ kvn: 1, len: {n}, .. }}"));
    assert!(
        !dbg.contains("171") && !dbg.to_lowercase().contains("ab, "),
        "{dbg}"
    );
    let sk = SessionKeys::derive(&k, &[0; 8], &[0; 8]).unwrap();
    assert_eq!(std::format!("{sk:?}"), "SessionKeys { .. }");
}

/// The in-place handshake keys the caller's session: it ends what the
/// session held, leaves no key on a failure, and opens only on `9000`.
/// Its EXTERNAL AUTHENTICATE and its session equal the by-value API's.
#[test]
fn handshake_in_place() {
    let k = StaticKeys::new(0x30, &[1; 16], &[2; 16], &[3; 16]).unwrap();
    let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
    let iu = |card: &mut CardChannel, a: &mut [u8; 64], b: &mut [u8; 64]| {
        let (hs, n) = HostHandshake::start(&k, &HostConfig::default(), &[9; 8], a).unwrap();
        let m = card.initialize_update(&a[..n], &[], b).unwrap();
        (hs, m)
    };
    // Open in place; the same handshake by value (same keys, challenges and
    // card counter) gives the same session: the same wrapped command.
    let (mut by_value, _) = pair(SecurityLevel::ALL);
    let mut card = CardChannel::new(k.clone(), CardConfig::new(0x70, AID).unwrap());
    let (hs, m) = iu(&mut card, &mut a, &mut b);
    let mut host = HostSession::closed();
    assert_eq!(host.confirm(0x9000), Err(Scp03Error::SessionTerminated));
    let (n, cg) = hs
        .authenticate_into(&k, &b[..m], &mut a, &mut host)
        .unwrap();
    assert_eq!(&a[5..13], &cg[..8], "the host cryptogram is in EA");
    // The response is kept as parsed, where the session lives.
    assert_eq!(
        *host.init_update_response(),
        InitUpdateResponse::parse(&b[..m], Mode::S8).unwrap()
    );
    card.external_authenticate(&a[..n]).unwrap();
    host.confirm(StatusWord::SUCCESS).unwrap();
    let plain = [0x00, 0xB0, 0x00, 0x00, 0x10];
    let (mut w1, mut w2) = ([0u8; 64], [0u8; 64]);
    let n1 = host.wrap(&plain, &mut w1).unwrap();
    assert_eq!(by_value.wrap(&plain, &mut w2), Ok(n1));
    assert_eq!(w1[..n1], w2[..n1]);
    let got = card.unwrap_command(&w1[..n1], &mut w2).unwrap();
    assert_eq!(&w2[..got], &plain);
    let mut open = by_value;
    assert!(open.is_open());

    // A wrong card cryptogram: the session that was open holds no key after.
    let mut card = CardChannel::new(k.clone(), CardConfig::new(0x70, AID).unwrap());
    let (hs, m) = iu(&mut card, &mut a, &mut b);
    b[13 + 8] ^= 1; // the card cryptogram's first byte (S8)
    assert_eq!(
        hs.authenticate_into(&k, &b[..m], &mut a, &mut open),
        Err(Scp03Error::CardCryptogramMismatch)
    );
    assert!(!open.is_open());
    assert_eq!(*open.init_update_response(), InitUpdateResponse::EMPTY);
    assert_eq!(
        open.wrap(&plain, &mut w1),
        Err(Scp03Error::SessionTerminated)
    );
    assert_eq!(open.confirm(0x9000), Err(Scp03Error::SessionTerminated));

    // A refused EXTERNAL AUTHENTICATE ends the keyed session.
    let mut card = CardChannel::new(k.clone(), CardConfig::new(0x70, AID).unwrap());
    let (hs, m) = iu(&mut card, &mut a, &mut b);
    let mut host = HostSession::closed();
    assert!(!host.is_open());
    hs.authenticate_into(&k, &b[..m], &mut a, &mut host)
        .unwrap();
    assert_eq!(
        host.confirm(0x6982),
        Err(Scp03Error::AuthenticationRefused(StatusWord::from(0x6982)))
    );
    assert!(!host.is_open());
}

/// The static keys as bytes give the same handshake as the keyed ones, in
/// every key size and mode, with the pseudo-random challenge checked: the
/// same EXTERNAL AUTHENTICATE, the same session keys, the same wrapped
/// command; a wrong card cryptogram or challenge leaves no key behind.
#[test]
// AES-heavy safe code: run natively only (under Miri, software AES is
// interpreted; the other handshake tests cover its unsafe there).
#[cfg_attr(miri, ignore)]
fn static_key_bytes_agree_with_static_keys() {
    for len in [16usize, 24, 32]
        .into_iter()
        .filter(|&n| key_len_supported(n))
    {
        let (enc, mac, dek) = ([0x41u8; 32], [0x42u8; 32], [0x43u8; 32]);
        let keyed = StaticKeys::new(0x30, &enc[..len], &mac[..len], &dek[..len]).unwrap();
        let bytes = StaticKeyBytes::new(0x30, &enc[..len], &mac[..len], &dek[..len]).unwrap();
        let (r1, r2) = (StaticKeyRef::from(&keyed), StaticKeyRef::from(&bytes));
        assert_eq!(
            (r1.kvn(), r1.key_len(), r1.dek()),
            (r2.kvn(), r2.key_len(), r2.dek())
        );
        assert_eq!(
            (bytes.kvn(), bytes.key_len(), bytes.dek()),
            (0x30, len, &dek[..len])
        );
        let (s1, s2) = (
            SessionKeys::derive(&keyed, &[5; 8], &[6; 8]).unwrap(),
            SessionKeys::derive(&bytes, &[5; 8], &[6; 8]).unwrap(),
        );
        assert_eq!(
            (s1.s_enc(), s1.s_mac(), s1.s_rmac()),
            (s2.s_enc(), s2.s_mac(), s2.s_rmac())
        );
        assert_eq!(s1.s_enc().len(), len);
        assert_eq!(
            pseudo_random_challenge(&keyed, Mode::S16, [0, 0, 7], AID),
            pseudo_random_challenge(&bytes, Mode::S16, [0, 0, 7], AID)
        );
        let modes = [(Mode::S8, 0x70, &[9u8; 8][..]), (Mode::S16, 0x71, &[9; 16])];
        for (mode, i, hc) in modes.into_iter().filter(|m| m.0.is_available()) {
            let cfg = HostConfig::default().mode(mode).card_aid(Some(AID));
            let m = mode.size();
            let mut out = [[0u8; 300]; 2];
            let mut hosts = [HostSession::closed(), HostSession::closed()];
            for (k, key) in [r1, r2].into_iter().enumerate() {
                let mut card = CardChannel::new(keyed.clone(), CardConfig::new(i, AID).unwrap());
                let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
                let (hs, n) = HostHandshake::start(key, &cfg, hc, &mut a).unwrap();
                let got = card.initialize_update(&a[..n], &[], &mut b).unwrap();
                // A tampered card cryptogram, then a tampered challenge: no key stays.
                for (at, want) in [
                    (13 + m, Scp03Error::CardCryptogramMismatch),
                    (13, Scp03Error::CardChallengeMismatch),
                ] {
                    let mut bad = b;
                    bad[at] ^= 1;
                    let mut h = HostSession::closed();
                    let e = hs.authenticate_into(key, &bad[..got], &mut a, &mut h);
                    assert_eq!(e.map(|_| ()), Err(want), "{len} {mode:?}");
                    assert!(!h.is_open());
                    assert_eq!(h.confirm(0x9000), Err(Scp03Error::SessionTerminated));
                }
                let (n, _) = hs
                    .authenticate_into(key, &b[..got], &mut a, &mut hosts[k])
                    .unwrap();
                card.external_authenticate(&a[..n]).unwrap();
                hosts[k].confirm(0x9000).unwrap();
                let w = hosts[k]
                    .wrap(
                        &[0x00, 0xB0, 0x00, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04],
                        &mut out[k],
                    )
                    .unwrap();
                let mut plain = [0u8; 64];
                let p = card.unwrap_command(&out[k][..w], &mut plain).unwrap();
                assert_eq!(
                    &plain[..p],
                    &[0x00, 0xB0, 0x00, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04]
                );
            }
            assert_eq!(out[0], out[1], "{len} {mode:?}");
        }
    }
    // The same refusals as the keyed form.
    for (e, m, d) in [
        (&[0u8; 16][..], &[0u8; 24][..], &[0u8; 16][..]),
        (&[0; 15], &[0; 15], &[0; 15]),
    ] {
        assert_eq!(
            StaticKeyBytes::new(1, e, m, d).unwrap_err(),
            Scp03Error::InvalidKey
        );
        assert_eq!(
            StaticKeys::new(1, e, m, d).unwrap_err(),
            Scp03Error::InvalidKey
        );
    }
    let k = StaticKeyBytes::new(1, &[0xAB; 16], &[0xAB; 16], &[0xAB; 16]).unwrap();
    assert_eq!(
        std::format!("{k:?}"),
        "StaticKeyBytes { kvn: 1, len: 16, .. }"
    );
    assert_eq!(
        std::format!("{:?}", StaticKeyRef::from(&k)),
        "StaticKeyBytes { kvn: 1, len: 16, .. }"
    );
}

/// A command wrapped where it lies equals the one wrapped into a second
/// buffer, and the card unwraps it to the plain command, at every level,
/// for every data length a short command carries, with and without Le,
/// short and extended: including the short commands whose wire form needs
/// extended lengths (their data moves two bytes). Too little room is
/// refused with the size needed, before the counter moves.
#[test]
// AES-heavy safe code: run natively only (under Miri, software AES is
// interpreted; the other handshake tests cover its unsafe there).
#[cfg_attr(miri, ignore)]
fn wrap_in_place_equals_wrap() {
    for level in SecurityLevel::VALID {
        let (mut a, mut card) = pair(level);
        let (mut b, _) = pair(level);
        for len in (0..=255usize).step_by(7).chain([239, 240, 247, 248, 255]) {
            for le in [None, Some(256u32), Some(0x10)] {
                for extended in [false, true] {
                    let data: std::vec::Vec<u8> = (0..len).map(|i| i as u8).collect();
                    let c = crate::apdu::Command {
                        le,
                        extended,
                        ..crate::apdu::Command::new(0x00, 0xD6, 0x00, 0x00, &data, None)
                    };
                    let mut plain = [0u8; 300];
                    let n = c.encode(&mut plain).unwrap();
                    let mut out = [0u8; 300];
                    let w = a.wrap(&plain[..n], &mut out).unwrap();
                    let mut buf = [0u8; 300];
                    buf[..n].copy_from_slice(&plain[..n]);
                    let counter = b.counter();
                    if w > n {
                        assert_eq!(
                            b.wrap_in_place(&mut buf[..w - 1], n),
                            Err(Scp03Error::BufferTooSmall { needed: w })
                        );
                    }
                    assert_eq!(b.counter(), counter);
                    assert_eq!(b.wrap_in_place(&mut buf, n), Ok(w));
                    assert_eq!(&buf[..w], &out[..w], "{level:?} {len} {le:?} {extended}");
                    let mut back = [0u8; 300];
                    let m = card.unwrap_command(&buf[..w], &mut back).unwrap();
                    let got = crate::apdu::Command::parse(&back[..m]).unwrap();
                    assert_eq!((got.data, got.le), (&data[..], le), "{level:?} {len}");
                }
            }
        }
    }
}

/// Static keys built at compile time are the keys built at run time:
/// same version, same Key-DEK, same session keys.
#[test]
#[cfg_attr(miri, ignore)]
fn static_key_bytes_from_arrays_equal_new() {
    fn same(a: &StaticKeyBytes, b: &StaticKeyBytes) {
        assert_eq!(
            (a.kvn(), a.key_len(), a.dek()),
            (b.kvn(), b.key_len(), b.dek())
        );
        let (sa, sb) = (
            SessionKeys::derive(a, &[5; 8], &[6; 8]).unwrap(),
            SessionKeys::derive(b, &[5; 8], &[6; 8]).unwrap(),
        );
        assert_eq!(
            (sa.s_enc(), sa.s_mac(), sa.s_rmac()),
            (sb.s_enc(), sb.s_mac(), sb.s_rmac())
        );
    }
    const K16: StaticKeyBytes =
        StaticKeyBytes::from_arrays(0x31, [0x41; 16], [0x42; 16], [0x43; 16]);
    same(
        &K16,
        &StaticKeyBytes::new(0x31, &[0x41; 16], &[0x42; 16], &[0x43; 16]).unwrap(),
    );
    #[cfg(feature = "aes192")]
    same(
        &StaticKeyBytes::from_arrays(0x32, [0x41; 24], [0x42; 24], [0x43; 24]),
        &StaticKeyBytes::new(0x32, &[0x41; 24], &[0x42; 24], &[0x43; 24]).unwrap(),
    );
    #[cfg(feature = "aes256")]
    same(
        &StaticKeyBytes::from_arrays(0x33, [0x41; 32], [0x42; 32], [0x43; 32]),
        &StaticKeyBytes::new(0x33, &[0x41; 32], &[0x42; 32], &[0x43; 32]).unwrap(),
    );
}
