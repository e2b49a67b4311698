//! Whole card: the demo card with any of its PKCS#15 files (EF.DIR record,
//! ODF, TokenInfo, DODF, bootstrap EF) replaced by arbitrary bytes, card
//! quirks (61xx GET RESPONSE, strict Le), every SCP03 policy and level, and
//! a read chunk size, through the kernel's bootstrap walk against the
//! virtual card. The walk must end in a bootstrap or a typed error, never a
//! panic; a bootstrap keeps the channel policy and its typed views decode.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use scboot::procedure::{run, Config, SecurePolicy};
use scboot::scp03::{SecurityLevel, StaticKeys};
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
}

fuzz_target!(|input: Input| {
    let cfg = CardConfig::parse(DEMO_CONFIG).expect("demo config");
    let mut image = build(&cfg).expect("demo card");
    image.quirks.get_response = input.get_response;
    image.quirks.strict_le = input.strict_le;
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
    let keys = StaticKeys::new(
        cfg.keys.kvn,
        &h(&cfg.keys.enc),
        &h(&cfg.keys.mac),
        &h(&cfg.keys.dek),
    )
    .expect("keys");
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
    match run(&mut card, &keys, config, &mut workspace, None) {
        Ok(b) => {
            // A secure channel when the policy requires one, at that level.
            if policy == SecurePolicy::Required {
                assert_eq!(b.provenance.level, Some(level));
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
            let _ = e.to_string();
        }
    }
});
