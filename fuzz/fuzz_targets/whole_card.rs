//! Whole card: the demo card with any of its PKCS#15 files (EF.DIR record,
//! ODF, TokenInfo, DODF, bootstrap EF) replaced by arbitrary bytes, card
//! quirks (61xx GET RESPONSE, strict Le), every SCP03 policy and level, and
//! a read chunk size, through the kernel's bootstrap walk against the
//! virtual card, whose SCP03 `i` (the levels and challenge it offers),
//! entry privacy, secure-read rule, transport quirks and PIN vary too. The
//! walk runs through `run` or step by step as a logging client drives it
//! (`scboot_fuzz::run_by_hand`, with its invariants). It must end in a
//! bootstrap or a typed error, never a panic; a bootstrap keeps the channel
//! policy (a level the card does not offer is refused or, if offered only,
//! replaced by one it offers) and its typed views decode.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use scboot::procedure::{run, Config, SecurePolicy};
use scboot::scp03::{SecurityLevel, StaticKeyBytes, StaticKeys};
use scboot_card::config::{build, CardConfig, DEMO_CONFIG};
use scboot_card::image::Structure;
use scboot_card::{from_hex, to_hex, VirtualCard};

#[derive(Arbitrary, Debug)]
struct Input {
    dir_record: Option<Vec<u8>>,
    odf: Option<Vec<u8>>,
    tokeninfo: Option<Vec<u8>>,
    dodf: Option<Vec<u8>>,
    bootstrap: Option<Vec<u8>>,
    get_response: bool,
    strict_le: bool,
    policy: u8,
    level: u8,
    read_chunk: u8,
    logical_channel: bool,
    /// The card's SCP03 `i`, from [`CARD_I`], when not the demo's.
    card_i: Option<u8>,
    /// Bit 0: a private entry behind PIN 1234; bit 1: the bootstrap file is
    /// readable under SCP03 only; bit 2: no SCP03 at all; bit 3: no logical
    /// channels; bit 4: records of varying length; bit 5: no record count
    /// in the FCP; bit 6: the client gives the PIN; bit 7: drive the
    /// procedure by hand.
    variations: u8,
}

/// `i` values of SCP03 cards: S8 or S16, R-MAC and R-ENC offered or not,
/// random or pseudo-random card challenge (GPC 2.3 Amd D 5.1).
const CARD_I: [u8; 10] = [0x70, 0x71, 0x60, 0x30, 0x31, 0x20, 0x10, 0x00, 0x01, 0x11];

fuzz_target!(|input: Input| {
    let v = input.variations;
    let mut cfg = CardConfig::parse(DEMO_CONFIG).expect("demo config");
    if let Some(i) = input.card_i {
        cfg.keys.i = CARD_I[usize::from(i) % CARD_I.len()];
    }
    if v & 1 != 0 {
        cfg.private = true;
        cfg.pin = Some("31323334".into());
    }
    cfg.secure_read = v & 2 != 0;
    let mut image = build(&cfg).expect("demo card");
    image.quirks.get_response = input.get_response;
    image.quirks.strict_le = input.strict_le;
    image.quirks.no_scp03 = v & 4 != 0;
    image.quirks.no_logical_channels = v & 8 != 0;
    image.quirks.variable_records = v & 0x10 != 0;
    image.quirks.omit_record_count = v & 0x20 != 0;
    for (path, bytes) in [
        ("3f002f00", &input.dir_record),
        ("3f0050155031", &input.odf),
        ("3f0050155032", &input.tokeninfo),
        ("3f0050156430", &input.dodf),
        ("3f0050156432", &input.bootstrap),
    ] {
        let (Some(bytes), Some(file)) = (bytes, image.file_mut(path)) else {
            continue;
        };
        match &mut file.structure {
            Structure::Transparent { data } => *data = to_hex(bytes),
            Structure::LinearFixed {
                record_len,
                records,
            } => {
                if bytes.is_empty() || bytes.len() > 255 {
                    continue;
                }
                *record_len = bytes.len();
                *records = vec![to_hex(bytes)];
            }
            Structure::Df { .. } => {}
        }
    }
    let Ok(mut card) = VirtualCard::new(image) else {
        return;
    };
    let h = |s: &str| from_hex(s).expect("hex");
    let (enc, mac, dek) = (h(&cfg.keys.enc), h(&cfg.keys.mac), h(&cfg.keys.dek));
    let keys = StaticKeys::new(cfg.keys.kvn, &enc, &mac, &dek).expect("keys");
    let level = SecurityLevel::VALID[usize::from(input.level) % SecurityLevel::VALID.len()];
    let policy = [
        SecurePolicy::Required,
        SecurePolicy::IfOffered,
        SecurePolicy::Off,
    ][usize::from(input.policy) % 3];
    // 0: sized to the level; otherwise the caller's limit.
    let config = Config::new([7; 16])
        .policy(policy)
        .level(level)
        .max_read(u16::from(input.read_chunk))
        .logical_channel(input.logical_channel)
        .read_everything(input.read_chunk & 1 == 1);
    let mut workspace = vec![0u8; 40 * 1024];
    let pin: Option<(u8, &[u8])> = (v & 0x40 != 0).then_some((0x81, b"1234".as_slice()));
    // `run` takes the keys in either form: as bytes (keyed at each
    // handshake) when the read size's bit 1 says so; 16-byte keys as
    // bytes are built as a firmware builds them in flash
    // (`from_arrays`) when bit 2 says so too.
    let key_bytes = match (
        input.read_chunk & 4 != 0,
        <[u8; 16]>::try_from(&enc[..]),
        <[u8; 16]>::try_from(&mac[..]),
        <[u8; 16]>::try_from(&dek[..]),
    ) {
        (true, Ok(e), Ok(m), Ok(d)) => StaticKeyBytes::from_arrays(cfg.keys.kvn, e, m, d),
        _ => StaticKeyBytes::new(cfg.keys.kvn, &enc, &mac, &dek).expect("keys"),
    };
    let outcome = if v & 0x80 != 0 {
        scboot_fuzz::run_by_hand(&mut card, &keys, config, &mut workspace, pin)
    } else if input.read_chunk & 2 != 0 {
        run(&mut card, &key_bytes, config, &mut workspace, pin)
    } else {
        run(&mut card, &keys, config, &mut workspace, pin)
    };
    match outcome {
        Ok(b) => {
            // A secure channel when the policy requires one, at that level;
            // when it is only wanted if offered, at a level the card offers
            // that is no more than the one asked for.
            if policy == SecurePolicy::Required {
                assert_eq!(b.provenance.level, Some(level));
            }
            if let (SecurePolicy::IfOffered, Some(l)) = (policy, b.provenance.level) {
                assert_eq!(l.bits() & level.bits(), l.bits(), "{l:?} above {level:?}");
                assert!(l.offered_by(cfg.keys.i), "{l:?} not offered");
            }
            if policy == SecurePolicy::Off {
                assert_eq!(b.provenance.level, None);
            }
            // The typed views of what was applied never panic.
            for account in scboot::lwm2m::accounts(&b.file) {
                let _ = account.map(|a| a.security.short_server_id);
            }
        }
        Err(e) => {
            let _ = (e.to_string(), e.card_removed());
        }
    }
});
