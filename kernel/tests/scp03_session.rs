//! Host role against card role: random commands and responses at every
//! security level, S8 and S16, all key sizes and channels; bit flips; error
//! status words; failures that end the session.

use proptest::prelude::*;
use scboot::apdu::{class_on_channel, Command};
use scboot::scp03::*;

/// `n` when this build keys `n`-byte AES keys (features `aes192`,
/// `aes256`), else 16.
fn key_size_or_16(n: usize) -> usize {
    if key_len_supported(n) {
        n
    } else {
        16
    }
}

const AID: &[u8] = &[
    0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35,
];

fn keys(len: usize, seed: u8) -> StaticKeys {
    let k = |d: u8| {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(7) ^ seed ^ d)
            .collect::<Vec<_>>()
    };
    StaticKeys::new(0x30, &k(1), &k(2), &k(3)).unwrap()
}

fn i_for(mode: Mode, level: SecurityLevel, pseudo: bool) -> u8 {
    let mut i = 0x60; // R-MAC and R-ENC offered
    if mode == Mode::S16 {
        i |= i_param::S16;
    }
    if pseudo {
        i |= i_param::PSEUDO_RANDOM_CHALLENGE;
    }
    let _ = level;
    i
}

/// Open a session between a host and a card.
fn establish(
    key_len: usize,
    mode: Mode,
    level: SecurityLevel,
    channel: u8,
    pseudo: bool,
) -> (HostSession, CardChannel) {
    let k = keys(key_len, 0x5A);
    let mut card = CardChannel::new(
        k.clone(),
        CardConfig::new(i_for(mode, level, pseudo), AID).unwrap(),
    );
    let cfg = HostConfig::default()
        .level(level)
        .mode(mode)
        .channel(channel)
        .card_aid(Some(AID));
    let hc: Vec<u8> = (0..mode.size() as u8)
        .map(|b| b.wrapping_mul(31).wrapping_add(channel))
        .collect();
    let rc: Vec<u8> = (0..mode.size() as u8).map(|b| b ^ 0xC3).collect();
    let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
    let (hs, n) = HostHandshake::start(&k, &cfg, &hc, &mut a).unwrap();
    let iu = Command::parse(&a[..n]).unwrap();
    assert_eq!(iu.data.len(), mode.size());
    assert_eq!(iu.cla, class_on_channel(0x80, channel, false).unwrap());
    let m = card.initialize_update(&a[..n], &rc, &mut b).unwrap();
    assert_eq!(m, 13 + 2 * mode.size() + if pseudo { 3 } else { 0 });
    let (pending, n) = hs.authenticate(&k, &b[..m], &mut a).unwrap();
    assert_eq!(a[4] as usize, 2 * mode.size(), "EA Lc");
    assert_eq!(card.external_authenticate(&a[..n]).unwrap(), level);
    let host = pending.confirm(0x9000).unwrap();
    (host, card)
}

fn command() -> impl Strategy<Value = (u8, u8, u8, u8, Vec<u8>, Option<u32>, bool)> {
    (
        prop::sample::select(vec![0x00u8, 0x80, 0x90, 0x10]),
        any::<u8>().prop_filter("not 6x/9x", |i| (*i & 0xF0) != 0x60 && (*i & 0xF0) != 0x90),
        any::<u8>(),
        any::<u8>(),
        prop_oneof![4 => prop::collection::vec(any::<u8>(), 0..40), 1 => prop::collection::vec(any::<u8>(), 200..400)],
        prop_oneof![
            Just(None),
            (1u32..=256).prop_map(Some),
            (1u32..=65536).prop_map(Some)
        ],
        any::<bool>(),
    )
}

fn sw() -> impl Strategy<Value = u16> {
    prop::sample::select(vec![
        0x9000u16, 0x9000, 0x6283, 0x6310, 0x6A82, 0x6982, 0x6D00,
    ])
}

fn level() -> impl Strategy<Value = SecurityLevel> {
    prop::sample::select(SecurityLevel::VALID.to_vec())
}

/// The modes this build runs (S16 with the `s16` feature).
fn mode() -> impl Strategy<Value = Mode> {
    let modes: Vec<Mode> = [Mode::S8, Mode::S16]
        .into_iter()
        .filter(|m| m.is_available())
        .collect();
    prop::sample::select(modes)
}

proptest! {
    // 600 sessions x up to 7 exchanges: about 2,400 random commands and responses.
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 600 }))]

    #[test]
    fn host_and_card_agree(
        key_len in prop::sample::select(vec![16usize, 24, 32]).prop_map(key_size_or_16),
        mode in mode(),
        level in level(),
        channel in 0u8..=19,
        pseudo in any::<bool>(),
        exchanges in prop::collection::vec((command(), prop::collection::vec(any::<u8>(), 0..300), sw()), 1..8),
    ) {
        let (mut host, mut card) = establish(key_len, mode, level, channel, pseudo);
        let (mut wire, mut plain) = (vec![0u8; 70_000], vec![0u8; 70_000]);
        for ((cla, ins, p1, p2, data, le, ext), rdata, sw) in exchanges {
            let le = if ext { le } else { le.map(|l| l.min(256)) };
            let mut cmd = Command::new(cla, ins, p1, p2, &data, le);
            cmd.extended |= ext;
            let mut enc = vec![0u8; cmd.encoded_len()];
            let n = cmd.encode(&mut enc).unwrap();
            let w = host.wrap(&enc[..n], &mut wire).unwrap();
            let p = card.unwrap_command(&wire[..w], &mut plain).unwrap();
            let back = Command::parse(&plain[..p]).unwrap();
            prop_assert_eq!(back.cla, class_on_channel(cla, channel, false).unwrap());
            prop_assert_eq!((back.ins, back.p1, back.p2, back.data, back.le), (ins, p1, p2, &data[..], le));
            let r = card.wrap_response(&rdata, sw, &mut wire).unwrap();
            let resp = host.unwrap(&wire[..r], &mut plain).unwrap();
            prop_assert_eq!(resp.sw, sw);
            let expect_data = if level.r_mac() && !scboot::apdu::StatusWord(sw).completes() { &[][..] } else { &rdata[..] };
            prop_assert_eq!(&plain[..resp.len], expect_data);
            // What goes over the wire carries no plaintext when encryption is on.
            if level.r_enc() && rdata.len() >= 16 && scboot::apdu::StatusWord(sw).completes() {
                prop_assert!(!wire[..r].windows(16).any(|win| win == &rdata[..16]));
            }
        }
        prop_assert!(host.is_open() && card.is_open());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 400 }))]

    #[test]
    fn any_bit_flip_in_a_command_is_rejected_and_ends_the_session(
        mode in mode(),
        level in level().prop_filter("C-MAC", |l| l.c_mac()),
        channel in 0u8..=19,
        (cla, ins, p1, p2, data, le, _) in command(),
        bit in any::<prop::sample::Index>(),
    ) {
        let (mut host, mut card) = establish(16, mode, level, channel, true);
        let cmd = Command::new(cla, ins, p1, p2, &data, le);
        let mut enc = vec![0u8; cmd.encoded_len()];
        cmd.encode(&mut enc).unwrap();
        let mut wire = vec![0u8; 1024];
        let w = host.wrap(&enc, &mut wire).unwrap();
        let wrapped = Command::parse(&wire[..w]).unwrap();
        // Le is outside the C-MAC by design (Amendment D 6.2.4): flip any other bit.
        let le_len = match (wrapped.le, wrapped.extended) { (None, _) => 0, (Some(_), false) => 1, (Some(_), true) => 2 };
        let covered = (w - le_len) * 8;
        let b = bit.index(covered);
        wire[b / 8] ^= 0x80 >> (b % 8);
        let mut out = vec![0xEEu8; 1024];
        let e = card.unwrap_command(&wire[..w], &mut out).unwrap_err();
        prop_assert!(!card.is_open(), "{:?} left the session open", e);
        prop_assert!(out.iter().all(|&x| x == 0xEE || x == 0), "bytes leaked after {:?}", e);
        // And the session stays over.
        let w2 = host.wrap(&enc, &mut wire).unwrap();
        prop_assert_eq!(card.unwrap_command(&wire[..w2], &mut out).unwrap_err(), Scp03Error::SessionTerminated);
    }

    #[test]
    fn any_bit_flip_in_a_response_is_rejected_and_ends_the_session(
        mode in mode(),
        level in level().prop_filter("R-MAC", |l| l.r_mac()),
        rdata in prop::collection::vec(any::<u8>(), 0..100),
        sw in prop::sample::select(vec![0x9000u16, 0x6283, 0x6310]),
        bit in any::<prop::sample::Index>(),
    ) {
        let (mut host, mut card) = establish(key_size_or_16(32), mode, level, 1, false);
        let mut wire = vec![0u8; 1024];
        let w = host.wrap(&[0x80, 0xCA, 0x00, 0x66, 0x00], &mut wire).unwrap();
        let mut plain = vec![0u8; 1024];
        card.unwrap_command(&wire[..w], &mut plain).unwrap();
        let r = card.wrap_response(&rdata, sw, &mut wire).unwrap();
        let b = bit.index(r * 8);
        wire[b / 8] ^= 0x80 >> (b % 8);
        let mut out = vec![0xEEu8; 1024];
        let e = host.unwrap(&wire[..r], &mut out).unwrap_err();
        prop_assert!(e.terminates_session() || matches!(e, Scp03Error::MalformedResponse(_)), "{:?}", e);
        prop_assert!(!host.is_open());
        prop_assert!(out.iter().all(|&x| x == 0xEE || x == 0), "bytes leaked after {:?}", e);
        prop_assert_eq!(host.wrap(&[0x80, 0xCA, 0x00, 0x66, 0x00], &mut wire).unwrap_err(), Scp03Error::SessionTerminated);
        prop_assert_eq!(host.unwrap(&[0x90, 0x00], &mut out).unwrap_err(), Scp03Error::SessionTerminated);
    }
}

#[test]
fn error_status_word_mid_session_keeps_the_chain() {
    for level in [
        SecurityLevel::C_MAC_R_MAC,
        SecurityLevel::C_DEC_R_MAC,
        SecurityLevel::ALL,
    ] {
        let (mut host, mut card) = establish(16, Mode::S8, level, 0, true);
        let (mut wire, mut plain) = ([0u8; 512], [0u8; 512]);
        for (k, sw) in [0x9000u16, 0x6A82, 0x6982, 0x9000, 0x6283]
            .into_iter()
            .enumerate()
        {
            let w = host
                .wrap(&[0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, k as u8], &mut wire)
                .unwrap();
            card.unwrap_command(&wire[..w], &mut plain).unwrap();
            let r = card.wrap_response(b"fcp", sw, &mut wire).unwrap();
            if !scboot::apdu::StatusWord(sw).completes() {
                assert_eq!(&wire[..r], &sw.to_be_bytes(), "error SW goes bare");
            }
            let resp = host.unwrap(&wire[..r], &mut plain).unwrap();
            assert_eq!(resp.sw, sw);
            assert_eq!(host.counter(), k as u32 + 1);
        }
        assert!(host.is_open() && card.is_open());
    }
}

#[test]
fn error_status_word_with_data_is_refused() {
    let (mut host, mut card) = establish(16, Mode::S8, SecurityLevel::ALL, 0, true);
    let (mut wire, mut plain) = ([0u8; 512], [0u8; 512]);
    let w = host
        .wrap(&[0x00, 0xB0, 0x00, 0x00, 0x10], &mut wire)
        .unwrap();
    card.unwrap_command(&wire[..w], &mut plain).unwrap();
    let e = host
        .unwrap(&[0x01, 0x02, 0x6A, 0x82], &mut plain)
        .unwrap_err();
    assert_eq!(
        e,
        Scp03Error::MalformedResponse("data with an error status word")
    );
    assert!(!host.is_open());
}

#[test]
fn level_not_offered_by_card() {
    let k = keys(16, 1);
    for (i, level) in [
        (0x10u8, SecurityLevel::C_MAC_R_MAC),
        (0x30, SecurityLevel::ALL),
        (0x00, SecurityLevel::C_DEC_R_MAC),
    ] {
        let mut card = CardChannel::new(k.clone(), CardConfig::new(i, AID).unwrap());
        let cfg = HostConfig::default().level(level);
        let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
        let (hs, n) = HostHandshake::start(&k, &cfg, &[7; 8], &mut a).unwrap();
        let m = card.initialize_update(&a[..n], &[9; 8], &mut b).unwrap();
        let e = hs.authenticate(&k, &b[..m], &mut a).unwrap_err();
        assert_eq!(
            e,
            Scp03Error::LevelNotOffered {
                level: level.bits(),
                i
            }
        );
        assert_eq!(
            e.to_string().split(':').next().unwrap(),
            "level not offered by card"
        );
        // The card refuses it too.
        let ea = [
            0x84,
            0x82,
            level.bits(),
            0x00,
            0x10,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
        ];
        card.initialize_update(&a[..n], &[9; 8], &mut b).ok();
        let (hs2, n2) = HostHandshake::start(&k, &cfg, &[7; 8], &mut a).unwrap();
        let _ = (hs2, n2);
        assert_eq!(
            card.external_authenticate(&ea).unwrap_err(),
            Scp03Error::LevelNotOffered {
                level: level.bits(),
                i
            }
        );
    }
}

#[test]
fn wrong_keys_card_cryptogram_mismatch() {
    let host_keys = keys(16, 1);
    let mut card = CardChannel::new(keys(16, 2), CardConfig::new(0x70, AID).unwrap());
    let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
    let cfg = HostConfig::default();
    let (hs, n) = HostHandshake::start(&host_keys, &cfg, &[7; 8], &mut a).unwrap();
    let m = card.initialize_update(&a[..n], &[], &mut b).unwrap();
    // Without the AID the challenge is not checked: the cryptogram check fails.
    assert_eq!(
        hs.authenticate(&host_keys, &b[..m], &mut a).unwrap_err(),
        Scp03Error::CardCryptogramMismatch
    );
    assert_eq!(
        Scp03Error::CardCryptogramMismatch.to_string(),
        "card cryptogram mismatch"
    );
    // With the AID, the pseudo-random challenge check catches it first.
    let cfg = HostConfig::default().card_aid(Some(AID));
    let (hs, n) = HostHandshake::start(&host_keys, &cfg, &[7; 8], &mut a).unwrap();
    let m = card.initialize_update(&a[..n], &[], &mut b).unwrap();
    assert_eq!(
        hs.authenticate(&host_keys, &b[..m], &mut a).unwrap_err(),
        Scp03Error::CardChallengeMismatch
    );
}

#[test]
fn card_rejects_bad_host_cryptogram_and_bad_ea_mac() {
    let k = keys(key_size_or_16(24), 3);
    for (byte, expected) in [
        (5usize, Scp03Error::HostCryptogramMismatch),
        (13, Scp03Error::CMacMismatch),
    ] {
        let mut card = CardChannel::new(k.clone(), CardConfig::new(0x70, AID).unwrap());
        let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
        let (hs, n) = HostHandshake::start(&k, &HostConfig::default(), &[1; 8], &mut a).unwrap();
        let m = card.initialize_update(&a[..n], &[], &mut b).unwrap();
        let (pending, n) = hs.authenticate(&k, &b[..m], &mut a).unwrap();
        a[byte] ^= 0x01;
        assert_eq!(card.external_authenticate(&a[..n]).unwrap_err(), expected);
        assert!(!card.is_open());
        // The host learns it from the status word and ends its side too.
        assert_eq!(
            pending.confirm(expected.status_word()).unwrap_err(),
            Scp03Error::AuthenticationRefused(expected.status_word())
        );
        // EA again without a new IU is out of order.
        assert_eq!(
            card.external_authenticate(&a[..n]).unwrap_err(),
            Scp03Error::UnexpectedCommand("EXTERNAL AUTHENTICATE without INITIALIZE UPDATE")
        );
    }
}

/// Without the `s16` feature a session never starts in S16: the host
/// refuses to ask for it, the card to answer in it, and the response's
/// parser to read it; a card whose `i` says S16 to an S8 host is the
/// mismatch it always was.
#[cfg(not(feature = "s16"))]
#[test]
fn s16_is_refused_without_its_feature() {
    let k = keys(16, 0x30);
    let s16 = HostConfig::default().mode(Mode::S16);
    let mut out = [0u8; 32];
    assert_eq!(
        HostHandshake::start(&k, &s16, &[0; 16], &mut out).map(|_| ()),
        Err(Scp03Error::ModeNotAvailable)
    );
    let (_, n) = HostHandshake::start(&k, &HostConfig::default(), &[0; 8], &mut out).unwrap();
    let mut card = CardChannel::new(k.clone(), CardConfig::new(0x71, AID).unwrap());
    let mut resp = [0u8; 64];
    assert_eq!(
        card.initialize_update(&out[..n], &[], &mut resp),
        Err(Scp03Error::ModeNotAvailable)
    );
    let mut iu = vec![0u8; 10];
    iu.extend([0x30, 0x03, 0x71]);
    iu.extend([0x11; 32]);
    assert_eq!(
        InitUpdateResponse::parse(&iu, Mode::S16),
        Err(Scp03Error::ModeNotAvailable)
    );
    iu.truncate(13 + 16);
    assert_eq!(
        InitUpdateResponse::parse(&iu, Mode::S8),
        Err(Scp03Error::ModeMismatch)
    );
}

#[test]
fn strict_initialize_update_response() {
    let base = {
        let mut v = vec![0u8; 10];
        v.extend([0x30, 0x03, 0x70]);
        v.extend([0x11; 16]);
        v.extend([0x00, 0x00, 0x01]);
        v
    };
    assert!(InitUpdateResponse::parse(&base, Mode::S8).is_ok());
    let mut short = base.clone();
    short.pop();
    assert_eq!(
        InitUpdateResponse::parse(&short, Mode::S8).unwrap_err(),
        Scp03Error::MalformedInitializeUpdateResponse("length is not 29/32 (S8) or 45/48 (S16)")
    );
    let mut scp02 = base.clone();
    scp02[11] = 0x02;
    assert_eq!(
        InitUpdateResponse::parse(&scp02, Mode::S8).unwrap_err(),
        Scp03Error::UnsupportedProtocol(2)
    );
    let mut s16 = base.clone();
    s16[12] = 0x71;
    assert_eq!(
        InitUpdateResponse::parse(&s16, Mode::S8).unwrap_err(),
        Scp03Error::ModeMismatch
    );
    let mut noseq = base.clone();
    noseq[12] = 0x60;
    assert_eq!(
        InitUpdateResponse::parse(&noseq, Mode::S8).unwrap_err(),
        Scp03Error::MalformedInitializeUpdateResponse("sequence counter presence disagrees with i")
    );
    // KVN mismatch is the host's check.
    let k = keys(16, 9);
    let (hs, _) =
        HostHandshake::start(&k, &HostConfig::default(), &[0; 8], &mut [0u8; 32]).unwrap();
    let mut other = base.clone();
    other[10] = 0x31;
    assert_eq!(
        hs.authenticate(&k, &other, &mut [0u8; 64]).unwrap_err(),
        Scp03Error::KvnMismatch {
            expected: 0x30,
            found: 0x31
        }
    );
}

#[test]
fn sequence_counter_exhaustion_and_increment() {
    let k = keys(16, 4);
    let mut cfg = CardConfig::new(0x70, AID).unwrap();
    cfg.sequence_counter = 0xFF_FFFE;
    let mut card = CardChannel::new(k.clone(), cfg);
    let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
    let (_, n) = HostHandshake::start(&k, &HostConfig::default(), &[0; 8], &mut a).unwrap();
    let m = card.initialize_update(&a[..n], &[], &mut b).unwrap();
    assert_eq!(&b[m - 3..m], &[0xFF, 0xFF, 0xFF]);
    assert_eq!(
        card.initialize_update(&a[..n], &[], &mut b).unwrap_err(),
        Scp03Error::SequenceCounterExhausted
    );
    assert_eq!(Scp03Error::SequenceCounterExhausted.status_word(), 0x6985);
}

#[test]
fn errors_are_distinct_and_say_nothing_of_bytes() {
    let all = [
        Scp03Error::CardCryptogramMismatch,
        Scp03Error::RMacMismatch,
        Scp03Error::BadPadding,
        Scp03Error::SessionTerminated,
        Scp03Error::LevelNotOffered {
            level: 0x33,
            i: 0x10,
        },
    ];
    let texts: Vec<String> = all.iter().map(|e| e.to_string()).collect();
    for (i, t) in texts.iter().enumerate() {
        assert!(!t.chars().any(|c| c.is_ascii_digit()) || i == 4, "{t}");
        assert_eq!(texts.iter().filter(|u| *u == t).count(), 1);
    }
}

#[test]
fn extended_length_round_trip_and_class_bytes() {
    // The longest MAC this build runs.
    let (mode, mac) = if Mode::S16.is_available() {
        (Mode::S16, 16)
    } else {
        (Mode::S8, 8)
    };
    for channel in [0u8, 3, 4, 19] {
        let (mut host, mut card) = establish(16, mode, SecurityLevel::ALL, channel, false);
        let data = vec![0x5Au8; 3000];
        let cmd = Command::new(0x80, 0xE2, 0x90, 0x00, &data, Some(65536));
        let mut enc = vec![0u8; cmd.encoded_len()];
        cmd.encode(&mut enc).unwrap();
        let mut wire = vec![0u8; 4000];
        let w = host.wrap(&enc, &mut wire).unwrap();
        let wc = Command::parse(&wire[..w]).unwrap();
        assert!(wc.extended);
        assert_eq!(wc.data.len(), 3008 + mac);
        assert_eq!(wc.le, Some(65536));
        assert_eq!(wire[0], class_on_channel(0x80, channel, true).unwrap());
        let mut plain = vec![0u8; 4000];
        let p = card.unwrap_command(&wire[..w], &mut plain).unwrap();
        assert_eq!(plain[0], class_on_channel(0x80, channel, false).unwrap());
        assert!(
            plain[1..p] == enc[1..],
            "extended command round trip on channel {channel}"
        );
        let big = vec![0xA5u8; 5000];
        let mut rbuf = vec![0u8; 6000];
        let r = card.wrap_response(&big, 0x9000, &mut rbuf).unwrap();
        assert_eq!(r, 5008 + mac + 2);
        let mut back = vec![0u8; 6000];
        let resp = host.unwrap(&rbuf[..r], &mut back).unwrap();
        assert!(
            resp.len == 5000 && back[..5000] == big[..],
            "extended response round trip"
        );
    }
}
